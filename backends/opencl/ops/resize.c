/* Host side of kernels/resize.cl. The per-axis taps (source index, float
 * weight) and each axis' accumulation form come from the shared RESIZE tap
 * builder (backends/common/resize_taps.c), the one pv_resize and the CPU op
 * use, and the kernel replays the CPU's passes with that form, so results
 * match the CPU bit for bit: torch modes replay torch 1.13's ATen kernels,
 * the ONNX Resize extensions (coord_mode, nearest_mode, cubic_coeff_a,
 * exclude_outside) the ONNX reference. */
#include "ocl_backend.h"

#include "../../common/resize_taps.h"

#include <stdlib.h>

/* kernels/resize.cl takes the forms as its PV_RS_* numbers */
_Static_assert(PV__RS_TWO == 0 && PV__RS_CHAIN == 1 && PV__RS_FMA == 2 &&
                   PV__RS_SUM0 == 3 && PV__RS_COPY == 4,
               "resize.cl's accumulation forms");

static int is_nearest(int mode) {
  return mode == PV_RESIZE_NEAREST || mode == PV_RESIZE_NEAREST_EXACT;
}

static int resize_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  (void)dev;
  const pv_resize_attrs *r = &op->attrs.resize;
  if (op->inputs[0].dtype != PV_F32 || op->outputs[0].dtype != PV_F32 ||
      op->inputs[0].ndim != 4 || pv__ocl_numel(&op->outputs[0]) > 0x7fffffff ||
      op->inputs[0].shape[2] > 0x7fffffff ||
      op->inputs[0].shape[3] > 0x7fffffff)
    return 0;
  if (r->mode < PV_RESIZE_NEAREST || r->mode > PV_RESIZE_BICUBIC ||
      r->coord_mode < 0 || r->coord_mode > 4 || r->nearest_mode < 0 ||
      r->nearest_mode > 3)
    return 0;
  /* antialias combined with the ONNX modes: the CPU does not have it either */
  return !(r->antialias && !is_nearest(r->mode) && pv__rs_uses_onnx(r));
}

/* Copies one axis' taps into the kernel's tables (32-bit indices). */
static void axis_copy(const pv__rs_taps *t, int *cnt, int *ix, float *w) {
  for (int64_t o = 0; o < t->n_out; o++)
    cnt[o] = t->cnt[o];
  for (int64_t i = 0; i < t->n_out * t->k; i++) {
    ix[i] = (int)t->idx[i];
    w[i] = t->w[i];
  }
}

static int resize_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_resize_attrs *r = &n->attrs.resize;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int64_t total = pv__ocl_numel(y);
  int64_t H = x->shape[2], W = x->shape[3], OH = y->shape[2], OW = y->shape[3];
  if (total == 0)
    return 0;
  if (H <= 0 || W <= 0)
    return pv__ocl_error(PV_ERR_SHAPE, "opencl: resize: empty input plane");
  pv__rs_taps ah, aw;
  if (pv__rs_taps_build(&ah, r, 0, H, OH))
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: resize: out of memory");
  if (pv__rs_taps_build(&aw, r, 1, W, OW)) {
    pv__rs_taps_free(&ah);
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: resize: out of memory");
  }
  size_t ni = (size_t)(OH + OH * ah.k + OW + OW * aw.k);
  size_t nf = (size_t)(OH * ah.k + OW * aw.k);
  int *it = malloc(sizeof(int) * ni);
  float *wt = malloc(sizeof(float) * nf);
  if (!it || !wt) {
    free(it);
    free(wt);
    pv__rs_taps_free(&ah);
    pv__rs_taps_free(&aw);
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: resize: out of memory");
  }
  int *cnt_w = it + OH + OH * ah.k;
  axis_copy(&ah, it, it + OH, wt);
  axis_copy(&aw, cnt_w, cnt_w + OW, wt + OH * ah.k);
  int kh = ah.k, kw = aw.k, acc_h = ah.form, acc_w = aw.form;
  pv__rs_taps_free(&ah);
  pv__rs_taps_free(&aw);
  pv_ocl_launch *l;
  int rc;
  if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_RESIZE, "resize_f32", &l)) ||
      (rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_data(nc, l, 4, it, sizeof(int) * ni)) ||
      (rc = pv__ocl_arg_data(nc, l, 5, wt, sizeof(float) * nf)) ||
      (rc = pv__ocl_arg_int(nc, l, 6, (int)total)) ||
      (rc = pv__ocl_arg_int(nc, l, 7, (int)H)) ||
      (rc = pv__ocl_arg_int(nc, l, 8, (int)W)) ||
      (rc = pv__ocl_arg_int(nc, l, 9, (int)OH)) ||
      (rc = pv__ocl_arg_int(nc, l, 10, (int)OW)) ||
      (rc = pv__ocl_arg_int(nc, l, 11, kh)) ||
      (rc = pv__ocl_arg_int(nc, l, 12, kw)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, acc_h)) ||
      (rc = pv__ocl_arg_int(nc, l, 14, acc_w))) {
    free(it);
    free(wt);
    return rc;
  }
  free(it);
  free(wt);
  pv__ocl_range1(l, total);
  return 0;
}

const pv_ocl_op_impl pv__ocl_resize = {resize_supports, resize_build};
