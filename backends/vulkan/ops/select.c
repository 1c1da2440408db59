/*
 * Comparisons (equal, less, greater: bool output, 4 bytes per thread) and
 * where(cond, a, b), both with numpy broadcasting.
 */
#include "vk_ops.h"

static int compare_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->inputs[0].dtype != PV_F32 || op->inputs[1].dtype != PV_F32 ||
      op->outputs[0].dtype != PV_BOOL || !pv__vk_fits(dev, op))
    return 0;
  uint32_t shape[6], str[2][6];
  const pv_tensor_desc *in[2] = {&op->inputs[0], &op->inputs[1]};
  return pv__vk_broadcast(&op->outputs[0], in, 2, shape, str) >= 0;
}

static int compare_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *a = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *b = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  const pv_tensor_desc *in[2] = {a, b};
  uint32_t str[2][6];
  if (pv__vk_broadcast(y, in, 2, &d.push[4], str) < 0)
    return pv__vk_error(PV_ERR_UNSUPPORTED, "vulkan: broadcast over 6 dims");
  memcpy(&d.push[10], str[0], sizeof str[0]);
  memcpy(&d.push[16], str[1], sizeof str[1]);
  d.push[0] = (uint32_t)cnt;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(a) * 4, 0, 4, &d.push[1]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0,
                           (uint64_t)pv__vk_numel(b) * 4, 0, 4, &d.push[2]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, n->outputs[0], 0, (uint64_t)cnt, 1, 1,
                           &d.push[3]);
  if (rc)
    return rc;
  uint64_t words = (d.push[3] + (uint64_t)cnt + 3) / 4;
  pv__vk_groups_1d(pl->dev, (words + 255) / 256, d.groups);
  uint32_t spec[1] = {(uint32_t)n->op};
  return pv__vk_emit(pl, &d, PV_VK_SH_COMPARE, spec, 1);
}

const pv_vk_op_impl pv__vk_compare_impl = {compare_supports, compare_plan};

static int where_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->inputs[0].dtype != PV_BOOL || op->inputs[1].dtype != PV_F32 ||
      op->inputs[2].dtype != PV_F32 || op->outputs[0].dtype != PV_F32 ||
      !pv__vk_fits(dev, op))
    return 0;
  uint32_t shape[6], str[3][6];
  const pv_tensor_desc *in[3] = {&op->inputs[0], &op->inputs[1],
                                 &op->inputs[2]};
  return pv__vk_broadcast(&op->outputs[0], in, 3, shape, str) >= 0;
}

static int where_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *in[3];
  for (int k = 0; k < 3; k++)
    in[k] = pv__vk_vdesc(pl, n->inputs[k]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t str[3][6];
  if (pv__vk_broadcast(y, in, 3, &d.push[5], str) < 0)
    return pv__vk_error(PV_ERR_UNSUPPORTED, "vulkan: broadcast over 6 dims");
  for (int k = 0; k < 3; k++)
    memcpy(&d.push[11 + 6 * k], str[k], sizeof str[k]);
  d.push[0] = (uint32_t)cnt;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(in[0]), 0, 1, &d.push[1]);
  for (int k = 1; k < 3 && !rc; k++)
    rc = pv__vk_bind_value(pl, &d, k, n->inputs[k], 0,
                           (uint64_t)pv__vk_numel(in[k]) * 4, 0, 4,
                           &d.push[1 + k]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], 0, (uint64_t)cnt * 4, 1, 4,
                           &d.push[4]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, ((uint64_t)cnt + 255) / 256, d.groups);
  return pv__vk_emit(pl, &d, PV_VK_SH_WHERE, NULL, 0);
}

const pv_vk_op_impl pv__vk_where_impl = {where_supports, where_plan};
