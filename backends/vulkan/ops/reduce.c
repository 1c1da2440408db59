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

/* Reduced axes that are not adjacent: kept and reduced dims as (shape,
 * stride) lists, neighbours merged, at most 4 each (push words 5..20). */
static int make_general(const pv_axis_attrs *a, const pv_tensor_desc *x,
                        uint32_t *push, uint64_t *outs, uint64_t *len) {
  int red[PV_MAX_DIMS] = {0}, nd = x->ndim;
  for (int i = 0; i < a->n_axes && i < PV_MAX_DIMS; i++) {
    int ax = a->axes[i] < 0 ? a->axes[i] + nd : a->axes[i];
    if (ax < 0 || ax >= nd)
      return -1;
    red[ax] = 1;
  }
  int64_t str[PV_MAX_DIMS], s = 1;
  for (int i = nd - 1; i >= 0; i--) {
    str[i] = s;
    s *= x->shape[i];
  }
  int64_t sh[2][4], st[2][4];
  int n[2] = {0, 0};
  *outs = *len = 1;
  for (int i = 0; i < nd; i++) {
    int r = red[i];
    if (x->shape[i] == 1)
      continue;
    if (r)
      *len *= (uint64_t)x->shape[i];
    else
      *outs *= (uint64_t)x->shape[i];
    int m = n[r];
    if (m > 0 && st[r][m - 1] == str[i] * x->shape[i]) {
      sh[r][m - 1] *= x->shape[i];
      st[r][m - 1] = str[i];
      continue;
    }
    if (m == 4)
      return -1;
    sh[r][m] = x->shape[i];
    st[r][m] = str[i];
    n[r]++;
  }
  for (int r = 0; r < 2; r++)
    for (int i = 0; i < 4; i++) {
      int j = i - (4 - n[r]);
      push[5 + 8 * r + i] = j >= 0 ? (uint32_t)sh[r][j] : 1;
      push[9 + 8 * r + i] = j >= 0 ? (uint32_t)st[r][j] : 0;
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
  if (make_view(op->op, &op->attrs.axis, &op->inputs[0], &v)) {
    uint32_t push[PV_VK_PUSH_WORDS];
    uint64_t outs, len;
    return !arg &&
           make_general(&op->attrs.axis, &op->inputs[0], push, &outs, &len) ==
               0 &&
           len > 0;
  }
  return v.len > 0 && v.len < ((uint64_t)1 << 31);
}

static int reduce_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  rview v;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  int general = 0;
  if (make_view(n->op, &n->attrs.axis, x, &v)) {
    uint64_t go, gl;
    if (make_general(&n->attrs.axis, x, d.push, &go, &gl))
      return pv__vk_error(PV_ERR_UNSUPPORTED,
                          "vulkan: %s over more than 4 separate axis groups",
                          pv__vk_host->op_name(n->op));
    general = 1;
    v.outer = go;
    v.len = gl;
    v.inner = 1;
  }
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
  int per_thread = (general || v.inner > 1) && v.len <= 256;
  pv__vk_groups_1d(pl->dev, per_thread ? (outs + 255) / 256 : outs, d.groups);
  uint32_t spec[4] = {(uint32_t)code,
                      (uint32_t)(n->attrs.axis.select_last_index != 0),
                      (uint32_t)per_thread, (uint32_t)general};
  return pv__vk_emit(pl, &d, PV_VK_SH_REDUCE, spec, 4);
}

const pv_vk_op_impl pv__vk_reduce_impl = {reduce_supports, reduce_plan};
