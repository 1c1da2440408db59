/*
 * cast among f32, i32, u8, i8 and bool (torch .to() semantics), and among
 * the float types f32, f16 and bf16 (bit for bit the rounding of
 * include/polyvis/elem.h, with integer operations in the shader: no 16-bit
 * storage feature needed).
 */
#include "vk_ops.h"

static int code(int dt) {
  switch (dt) {
  case PV_F32:
    return 0;
  case PV_I32:
    return 1;
  case PV_U8:
    return 2;
  case PV_I8:
    return 3;
  case PV_BOOL:
    return 4;
  case PV_F16:
    return 5;
  case PV_BF16:
    return 6;
  default:
    return -1;
  }
}

/* Element size in bytes of a code. */
static int esize(int c) { return c <= 1 ? 4 : c >= 5 ? 2 : 1; }

static int cast_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  int s = code(op->inputs[0].dtype), d = code(op->outputs[0].dtype);
  if (s < 0 || d < 0 || op->outputs[0].dtype != op->attrs.cast.to ||
      !pv__vk_fits(dev, op))
    return 0;
  /* f16/bf16 only among the float types (f32, f16, bf16) */
  if (s >= 5 || d >= 5)
    return s != d && (s == 0 || s >= 5) && (d == 0 || d >= 5);
  /* byte -> byte casts would need both sides packed: left to the CPU */
  return s <= 1 || d <= 1;
}

static int cast_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int s = code(x->dtype), dc = code(y->dtype);
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  int xs = esize(s), ys = esize(dc);
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)cnt;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)cnt * (uint64_t)xs, 0, xs, &d.push[1]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0,
                           (uint64_t)cnt * (uint64_t)ys, 1, ys, &d.push[2]);
  if (rc)
    return rc;
  /* narrow outputs: a thread per 32-bit word */
  uint64_t per = 4 / (uint64_t)ys;
  uint64_t threads =
      ys == 4 ? (uint64_t)cnt : (d.push[2] + (uint64_t)cnt + per - 1) / per;
  pv__vk_groups_1d(pl->dev, (threads + 255) / 256, d.groups);
  uint32_t spec[2] = {(uint32_t)s, (uint32_t)dc};
  return pv__vk_emit(pl, &d, PV_VK_SH_CAST, spec, 2);
}

const pv_vk_op_impl pv__vk_cast_impl = {cast_supports, cast_plan};
