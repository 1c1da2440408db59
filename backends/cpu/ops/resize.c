/*
 * resize = F.interpolate on NCHW f32: nearest (legacy floor), nearest-exact,
 * bilinear and bicubic (A = attrs.cubic_a, -0.75 when 0), align_corners,
 * user scale factors (recompute_scale_factor=False), and antialias (the
 * PIL-style separable filters of torch's _upsample_*_aa), plus the ONNX
 * Resize extensions (coord_mode, nearest_mode, exclude_outside; antialias
 * combined with them is not supported).
 *
 * The taps and the passes are the shared RESIZE code
 * (backends/common/resize_taps.c), the same as pv_resize's: torch modes
 * replay torch 1.13's ATen CPU kernels bit for bit (float32 weights from
 * ATen's expressions, its FMA contractions and tap order, W pass then H
 * pass on a float intermediate); ONNX modes follow the ONNX reference. The
 * GPU plugins build the same taps and replay the same sums.
 */
#include "cpu_backend.h"

#include "../../common/resize_taps.h"

static int rs_supports(const pv_op_desc *op) {
  const pv_resize_attrs *a = &op->attrs.resize;
  return pv__cpu_all_dtype(op, PV_F32) && a->coord_mode >= 0 &&
         a->coord_mode <= 4 && a->nearest_mode >= 0 && a->nearest_mode <= 3 &&
         !(a->antialias && pv__rs_uses_onnx(a));
}

static int rs_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  const pv_resize_attrs *a = &e->node->attrs.resize;
  int64_t planes = xd->shape[0] * xd->shape[1];
  int64_t h = xd->shape[2], w = xd->shape[3], oh = yd->shape[2],
          ow = yd->shape[3];
  if (planes == 0 || oh == 0 || ow == 0)
    return 0;
  if (h == 0 || w == 0)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: resize: empty input plane");
  pv__rs_taps th, tw;
  int rc = 0;
  if (pv__rs_taps_build(&th, a, 0, h, oh))
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: resize: out of memory for taps");
  if (pv__rs_taps_build(&tw, a, 1, w, ow))
    rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: resize: out of memory for taps");
  else if (pv__rs_resample(e->in[0].data, NULL, planes, h, w, &th, &tw,
                           e->out[0].data, pv__cpu_host->parallel_for))
    rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: resize: out of memory");
  pv__rs_taps_free(&th);
  pv__rs_taps_free(&tw);
  return rc;
}

const pv_cpu_op_impl pv__cpu_resize = {.supports = rs_supports, .run = rs_run};
