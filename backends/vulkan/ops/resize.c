/*
 * resize (F.interpolate, NCHW): nearest, nearest-exact, bilinear and
 * bicubic with align_corners and user scale factors, and antialiased
 * bilinear/bicubic, torch 1.13 semantics. The ONNX coordinate modes are
 * left to the CPU.
 */
#include "vk_ops.h"

static int resize_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_resize_attrs *r = &op->attrs.resize;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) &&
         op->inputs[0].ndim == 4 &&
         (!r->antialias || r->mode == PV_RESIZE_BILINEAR ||
          r->mode == PV_RESIZE_BICUBIC) &&
         r->coord_mode == 0 && r->nearest_mode == 0 && !r->exclude_outside &&
         r->mode >= 0 && r->mode <= PV_RESIZE_BICUBIC &&
         op->inputs[0].shape[2] > 0 && op->inputs[0].shape[3] > 0;
}

/* The scale torch uses to map an output index to the source. */
static float scale_of(const pv_resize_attrs *r, int64_t in, int64_t out,
                      double user) {
  int interp = r->mode == PV_RESIZE_BILINEAR || r->mode == PV_RESIZE_BICUBIC;
  if (interp && r->align_corners)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  if (user > 0)
    return (float)(1.0 / user);
  return (float)in / (float)out;
}

static int resize_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_resize_attrs *r = &n->attrs.resize;
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t total = pv__vk_numel(y);
  if (!total)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)x->shape[2];
  d.push[1] = (uint32_t)x->shape[3];
  d.push[2] = (uint32_t)y->shape[2];
  d.push[3] = (uint32_t)y->shape[3];
  d.push[4] = (uint32_t)total;
  float sh = scale_of(r, x->shape[2], y->shape[2], r->scale[0]);
  float sw = scale_of(r, x->shape[3], y->shape[3], r->scale[1]);
  memcpy(&d.push[7], &sh, 4);
  memcpy(&d.push[8], &sw, 4);
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(x) * 4, 0, 4, &d.push[5]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, (uint64_t)total * 4, 1,
                           4, &d.push[6]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, ((uint64_t)total + 255) / 256, d.groups);
  float a = r->cubic_a != 0.0f ? r->cubic_a : -0.75f;
  uint32_t abits;
  memcpy(&abits, &a, 4);
  uint32_t spec[4] = {(uint32_t)r->mode, (uint32_t)(r->align_corners != 0),
                      abits, (uint32_t)(r->antialias != 0)};
  return pv__vk_emit(pl, &d, PV_VK_SH_RESIZE, spec, 4);
}

const pv_vk_op_impl pv__vk_resize_impl = {resize_supports, resize_plan};
