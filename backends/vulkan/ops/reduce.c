/*
 * reduce_sum/mean/max/min over a contiguous range of axes and argmax/argmin
 * over one axis (int64 output), the tensor viewed as [outer, len, inner]:
 * one workgroup per output element.
 */
#include "vk_ops.h"

typedef struct rview {
  uint64_t outer, len, inner;
} rview;

static int make_view(int op, const pv_axis_attrs *a, const pv_tensor_desc *x,
                     rview *v) {
  int red[PV_MAX_DIMS] = {0};
  int nd = x->ndim;
  if (op == PV_OP_ARGMAX || op == PV_OP_ARGMIN) {
    int ax = a->axis < 0 ? a->axis + nd : a->axis;
    if (ax < 0 || ax >= nd)
      return -1;
    red[ax] = 1;
  } else if (a->n_axes == 0) {
    for (int i = 0; i < nd; i++)
      red[i] = 1;
  } else {
    for (int i = 0; i < a->n_axes && i < PV_MAX_DIMS; i++) {
      int ax = a->axes[i] < 0 ? a->axes[i] + nd : a->axes[i];
      if (ax < 0 || ax >= nd)
        return -1;
      red[ax] = 1;
    }
  }
  int first = -1, last = -1;
  for (int i = 0; i < nd; i++)
    if (red[i]) {
      if (first < 0)
        first = i;
      else if (last != i - 1)
        return -1; /* a gap */
      last = i;
    }
  v->outer = v->len = v->inner = 1;
  for (int i = 0; i < nd; i++) {
    uint64_t d = (uint64_t)x->shape[i];
    if (first < 0 || i < first)
      v->outer *= d;
    else if (i <= last)
      v->len *= d;
    else
      v->inner *= d;
  }
  return 0;
}

static int reduce_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->inputs[0].dtype != PV_F32 || !pv__vk_fits(dev, op))
    return 0;
  int arg = op->op == PV_OP_ARGMAX || op->op == PV_OP_ARGMIN;
  if (op->outputs[0].dtype != (arg ? PV_I64 : PV_F32))
    return 0;
  rview v;
  if (make_view(op->op, &op->attrs.axis, &op->inputs[0], &v))
    return 0;
  return v.len > 0 && v.len < ((uint64_t)1 << 31);
}

static int reduce_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  rview v;
  if (make_view(n->op, &n->attrs.axis, x, &v))
    return pv__vk_error(PV_ERR_UNSUPPORTED, "vulkan: %s over non-adjacent axes",
                        pv__vk_host->op_name(n->op));
  uint64_t outs = v.outer * v.inner;
  if (!outs)
    return 0;
  int code;
  switch (n->op) {
  case PV_OP_REDUCE_SUM:
    code = 0;
    break;
  case PV_OP_REDUCE_MEAN:
    code = 1;
    break;
  case PV_OP_REDUCE_MAX:
    code = 2;
    break;
  case PV_OP_REDUCE_MIN:
    code = 3;
    break;
  case PV_OP_ARGMAX:
    code = 4;
    break;
  default:
    code = 5;
  }
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)outs;
  d.push[1] = (uint32_t)v.len;
  d.push[2] = (uint32_t)v.inner;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, outs * v.len * 4, 0, 4,
                             &d.push[3]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0,
                           outs * (code >= 4 ? 8 : 4), 1, 4, &d.push[4]);
  if (rc)
    return rc;
  int per_thread = v.inner > 1 && v.len <= 256;
  pv__vk_groups_1d(pl->dev, per_thread ? (outs + 255) / 256 : outs, d.groups);
  uint32_t spec[3] = {(uint32_t)code,
                      (uint32_t)(n->attrs.axis.select_last_index != 0),
                      (uint32_t)per_thread};
  return pv__vk_emit(pl, &d, PV_VK_SH_REDUCE, spec, 3);
}

const pv_vk_op_impl pv__vk_reduce_impl = {reduce_supports, reduce_plan};
