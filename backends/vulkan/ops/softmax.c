/*
 * softmax / log_softmax along one axis, the tensor viewed as
 * [outer, axis, inner]: one workgroup per (outer, inner) row.
 */
#include "vk_ops.h"

static int softmax_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  int nd = op->inputs[0].ndim;
  int ax =
      op->attrs.axis.axis < 0 ? op->attrs.axis.axis + nd : op->attrs.axis.axis;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) && nd >= 1 && ax >= 0 &&
         ax < nd;
}

static int softmax_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  int nd = x->ndim;
  int ax =
      n->attrs.axis.axis < 0 ? n->attrs.axis.axis + nd : n->attrs.axis.axis;
  uint64_t outer = 1, inner = 1;
  for (int i = 0; i < ax; i++)
    outer *= (uint64_t)x->shape[i];
  for (int i = ax + 1; i < nd; i++)
    inner *= (uint64_t)x->shape[i];
  uint64_t len = (uint64_t)x->shape[ax], total = outer * len * inner;
  if (!total)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)(outer * inner);
  d.push[1] = (uint32_t)len;
  d.push[2] = (uint32_t)inner;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, total * 4, 0, 4,
                             &d.push[3]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, total * 4, 1, 4,
                           &d.push[4]);
  if (rc)
    return rc;
  /* Short strided rows: a thread each; long rows: a workgroup each. */
  int per_thread = inner > 1 && len <= 256;
  pv__vk_groups_1d(pl->dev,
                   per_thread ? (outer * inner + 255) / 256 : outer * inner,
                   d.groups);
  uint32_t spec[2] = {n->op == PV_OP_LOG_SOFTMAX ? 1u : 0u,
                      (uint32_t)per_thread};
  return pv__vk_emit(pl, &d, PV_VK_SH_SOFTMAX, spec, 2);
}

const pv_vk_op_impl pv__vk_softmax_impl = {softmax_supports, softmax_plan};
