/*
 * resize (F.interpolate, NCHW): nearest, nearest-exact, bilinear and
 * bicubic with align_corners, user scale factors and cubic_a, antialiased
 * bilinear/bicubic (torch 1.13 semantics), and the ONNX Resize extensions
 * (coord_mode, nearest_mode, exclude_outside).
 *
 * The per-axis taps (source index and float32 weight of each output index)
 * and each axis' accumulation form come from the shared RESIZE tap builder
 * (backends/common/resize_taps.c), the one pv_resize and the CPU op use.
 * They go to the shader in a constant buffer; the shader replays the CPU's
 * separable passes (width, then height on the float row sums) with the same
 * tap order and the same fused/unfused multiply-adds, so the result has the
 * CPU's float32 bits.
 *
 * Table layout (32-bit words), one record per output index, H axis first
 * (oh records of 1 + 2*kh words), then W (ow records of 1 + 2*kw words):
 * the tap count n (<= k), k source indices, k weights (float bits).
 */
#include "vk_ops.h"

#include "../../common/resize_taps.h"

#include <stdlib.h>

static int resize_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_resize_attrs *r = &op->attrs.resize;
  int interp = r->mode == PV_RESIZE_BILINEAR || r->mode == PV_RESIZE_BICUBIC;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) &&
         op->inputs[0].ndim == 4 && r->mode >= 0 &&
         r->mode <= PV_RESIZE_BICUBIC && r->coord_mode >= 0 &&
         r->coord_mode <= 4 && r->nearest_mode >= 0 && r->nearest_mode <= 3 &&
         (!r->antialias || (interp && !pv__rs_uses_onnx(r))) &&
         op->inputs[0].shape[2] > 0 && op->inputs[0].shape[3] > 0 &&
         op->inputs[0].shape[2] <= INT32_MAX &&
         op->inputs[0].shape[3] <= INT32_MAX;
}

/* Writes the records of one axis at tab. */
static void axis_table(const pv__rs_taps *t, uint32_t *tab) {
  int k = t->k;
  for (int64_t o = 0; o < t->n_out; o++) {
    uint32_t *rec = tab + o * (1 + 2 * (int64_t)k);
    rec[0] = (uint32_t)t->cnt[o];
    for (int j = 0; j < k; j++) {
      rec[1 + j] = (uint32_t)t->idx[o * k + j];
      memcpy(&rec[1 + k + j], &t->w[o * k + j], 4);
    }
  }
}

static int resize_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_resize_attrs *r = &n->attrs.resize;
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t total = pv__vk_numel(y);
  if (!total)
    return 0;
  int64_t h = x->shape[2], w = x->shape[3], oh = y->shape[2], ow = y->shape[3];
  int64_t kh = pv__rs_axis_k(r, 0, h, oh), kw = pv__rs_axis_k(r, 1, w, ow);
  int64_t words = oh * (1 + 2 * kh) + ow * (1 + 2 * kw);
  if (kh > INT32_MAX / 4 || kw > INT32_MAX / 4 || words > UINT32_MAX / 4)
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: resize: antialias filter table too large");
  pv__rs_taps th, tw;
  if (pv__rs_taps_build(&th, r, 0, h, oh))
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: resize: out of memory");
  if (pv__rs_taps_build(&tw, r, 1, w, ow)) {
    pv__rs_taps_free(&th);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: resize: out of memory");
  }
  uint32_t *tab = malloc((size_t)words * 4);
  if (!tab) {
    pv__rs_taps_free(&th);
    pv__rs_taps_free(&tw);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: resize: out of memory");
  }
  axis_table(&th, tab);
  axis_table(&tw, tab + oh * (1 + 2 * kh));
  uint32_t spec[2] = {(uint32_t)th.form, (uint32_t)tw.form};
  pv__rs_taps_free(&th);
  pv__rs_taps_free(&tw);
  pv_vk_buf *tb = NULL;
  int rc = pv__vk_const_buf(pl, tab, (uint64_t)words * 4, &tb);
  free(tab);
  if (rc)
    return rc;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t *p = d.push;
  p[0] = (uint32_t)h;
  p[1] = (uint32_t)w;
  p[2] = (uint32_t)oh;
  p[3] = (uint32_t)ow;
  p[4] = (uint32_t)total;
  p[8] = (uint32_t)kh;
  p[9] = (uint32_t)kw;
  p[10] = (uint32_t)(oh * (1 + 2 * kh)); /* W records, from the table start */
  rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                         (uint64_t)pv__vk_numel(x) * 4, 0, 4, &p[5]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, (uint64_t)total * 4, 1,
                           4, &p[6]);
  if (!rc)
    rc = pv__vk_bind_buf(pl, &d, 2, tb, 0, (uint64_t)words * 4, 0, 4, &p[7]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, ((uint64_t)total + 255) / 256, d.groups);
  return pv__vk_emit(pl, &d, PV_VK_SH_RESIZE, spec, 2);
}

const pv_vk_op_impl pv__vk_resize_impl = {resize_supports, resize_plan};
