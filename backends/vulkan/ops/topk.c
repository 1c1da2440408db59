/*
 * topk (values + int64 indices) along one axis, for axes of at most 1024
 * elements: a bitonic sort per row in shared memory. Longer axes (detection
 * pre-NMS top-k) are left to the CPU.
 */
#include "vk_ops.h"

static int topk_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_tensor_desc *x = &op->inputs[0];
  int ax = op->attrs.axis.axis < 0 ? op->attrs.axis.axis + x->ndim
                                   : op->attrs.axis.axis;
  return x->dtype == PV_F32 && op->outputs[0].dtype == PV_F32 &&
         op->outputs[1].dtype == PV_I64 && ax >= 0 && ax < x->ndim &&
         x->shape[ax] >= 1 && x->shape[ax] <= 1024 && op->attrs.axis.k >= 0 &&
         op->attrs.axis.k <= x->shape[ax] && pv__vk_fits(dev, op);
}

static int topk_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  int ax = n->attrs.axis.axis < 0 ? n->attrs.axis.axis + x->ndim
                                  : n->attrs.axis.axis;
  uint64_t outer = 1, inner = 1, len = (uint64_t)x->shape[ax],
           k = (uint64_t)n->attrs.axis.k;
  for (int i = 0; i < ax; i++)
    outer *= (uint64_t)x->shape[i];
  for (int i = ax + 1; i < x->ndim; i++)
    inner *= (uint64_t)x->shape[i];
  if (!outer || !inner || !k)
    return 0;
  uint32_t pow2 = 1;
  while (pow2 < len)
    pow2 <<= 1;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)(outer * inner);
  d.push[1] = (uint32_t)len;
  d.push[2] = (uint32_t)inner;
  d.push[3] = (uint32_t)k;
  d.push[7] = pow2 < 2 ? 2 : pow2;
  uint32_t io = 0;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             outer * len * inner * 4, 0, 4, &d.push[4]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, outer * k * inner * 4,
                           1, 4, &d.push[5]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, n->outputs[1], 0, outer * k * inner * 8,
                           1, 8, &io);
  if (rc)
    return rc;
  d.push[6] = io * 2; /* in 32-bit words */
  pv__vk_groups_1d(pl->dev, outer * inner, d.groups);
  uint32_t spec[1] = {n->attrs.axis.largest ? 1u : 0u};
  return pv__vk_emit(pl, &d, PV_VK_SH_TOPK, spec, 1);
}

const pv_vk_op_impl pv__vk_topk_impl = {topk_supports, topk_plan};
