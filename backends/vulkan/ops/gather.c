/*
 * gather (index_select semantics along one axis) of 32-bit data with int32
 * or int64 indices; negative indices count from the end.
 */
#include "vk_ops.h"

static int gather_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  size_t es = pv__vk_host->dtype_size(op->inputs[0].dtype);
  int it = op->inputs[1].dtype;
  int nd = op->inputs[0].ndim;
  int ax =
      op->attrs.axis.axis < 0 ? op->attrs.axis.axis + nd : op->attrs.axis.axis;
  return es == 4 && (it == PV_I32 || it == PV_I64) && ax >= 0 && ax < nd &&
         op->inputs[0].shape[ax] > 0 && pv__vk_fits(dev, op);
}

static int gather_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *idx = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int ax = n->attrs.axis.axis < 0 ? n->attrs.axis.axis + x->ndim
                                  : n->attrs.axis.axis;
  uint64_t inner = 1, nidx = (uint64_t)pv__vk_numel(idx);
  for (int i = ax + 1; i < x->ndim; i++)
    inner *= (uint64_t)x->shape[i];
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  int i64 = idx->dtype == PV_I64;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)cnt;
  d.push[1] = (uint32_t)x->shape[ax];
  d.push[2] = (uint32_t)nidx;
  d.push[3] = (uint32_t)inner;
  uint32_t io = 0;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(x) * 4, 0, 4, &d.push[4]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0, nidx * (i64 ? 8 : 4), 0,
                           i64 ? 8 : 4, &io);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, n->outputs[0], 0, (uint64_t)cnt * 4, 1, 4,
                           &d.push[6]);
  if (rc)
    return rc;
  d.push[5] = i64 ? io * 2 : io; /* in 32-bit words, see gather.comp */
  pv__vk_groups_1d(pl->dev, ((uint64_t)cnt + 255) / 256, d.groups);
  uint32_t spec[1] = {(uint32_t)i64};
  return pv__vk_emit(pl, &d, PV_VK_SH_GATHER, spec, 1);
}

const pv_vk_op_impl pv__vk_gather_impl = {gather_supports, gather_plan};
