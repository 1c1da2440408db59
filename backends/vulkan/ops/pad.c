/*
 * pad: constant, reflect, replicate and circular modes (negative pads crop)
 * for 32-bit elements, one thread per output over up to 6 non-trivial dims.
 */
#include "vk_ops.h"

/* Drops dims that are 1 in and out with no padding; -1 if over 6 remain. */
static int pad_dims(const pv_tensor_desc *x, const pv_tensor_desc *y,
                    const pv_pad_attrs *a, uint32_t *push) {
  int m = 0;
  int64_t os[PV_MAX_DIMS], is[PV_MAX_DIMS], bf[PV_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) {
    if (x->shape[i] == 1 && y->shape[i] == 1 && !a->pads[2 * i])
      continue;
    os[m] = y->shape[i];
    is[m] = x->shape[i];
    bf[m] = a->pads[2 * i];
    m++;
  }
  if (m > 6)
    return -1;
  for (int i = 0; i < 6; i++) {
    int j = i - (6 - m);
    push[4 + i] = j >= 0 ? (uint32_t)os[j] : 1;
    push[10 + i] = j >= 0 ? (uint32_t)is[j] : 1;
    push[16 + i] = j >= 0 ? (uint32_t)(int32_t)bf[j] : 0;
  }
  return m;
}

static int pad_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  size_t es = pv__vk_host->dtype_size(op->outputs[0].dtype);
  uint32_t push[PV_VK_PUSH_WORDS];
  if (es != 4 || !pv__vk_fits(dev, op) || op->attrs.pad.mode < 0 ||
      op->attrs.pad.mode > PV_PAD_CIRCULAR)
    return 0;
  if (op->outputs[0].dtype != PV_F32 && op->attrs.pad.mode == PV_PAD_CONSTANT &&
      op->attrs.pad.value != 0.0f)
    return 0; /* the fill value is a float */
  for (int i = 0; i < op->inputs[0].ndim; i++)
    if (op->inputs[0].shape[i] == 0)
      return 0;
  return pad_dims(&op->inputs[0], &op->outputs[0], &op->attrs.pad, push) >= 0;
}

static int pad_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  if (pad_dims(x, y, &n->attrs.pad, d.push) < 0)
    return pv__vk_error(PV_ERR_UNSUPPORTED, "vulkan: pad over 6 dims");
  d.push[0] = (uint32_t)cnt;
  float v = n->attrs.pad.value;
  memcpy(&d.push[3], &v, 4);
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(x) * 4, 0, 4, &d.push[1]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, (uint64_t)cnt * 4, 1, 4,
                           &d.push[2]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, ((uint64_t)cnt + 255) / 256, d.groups);
  uint32_t spec[1] = {(uint32_t)n->attrs.pad.mode};
  return pv__vk_emit(pl, &d, PV_VK_SH_PAD, spec, 1);
}

const pv_vk_op_impl pv__vk_pad_impl = {pad_supports, pad_plan};
