/* Resize: torchvision's F.resize on tensors, i.e. torch 1.13's
 * upsample_{nearest,bilinear,bicubic}2d and _upsample_{bilinear,bicubic}2d_aa
 * (align_corners=False) reproduced operation for operation: weights are
 * computed in float32 with the same mixed float/double expressions as ATen,
 * and the separable passes run width first, then height, accumulating taps
 * in the same order. The taps and the passes are the shared RESIZE code of
 * backends/common/resize_taps.c, which the CPU RESIZE op and the GPU
 * kernels replay too. */
#include "tf_internal.h"

int pv_resize_output_size(int64_t height, int64_t width, int n_size,
                          const int64_t *size, int64_t max_size,
                          int64_t out[2]) {
  if (height <= 0 || width <= 0)
    return pv_set_error(PV_ERR_SHAPE, "resize: input size %lldx%lld is empty",
                        (long long)height, (long long)width);
  if (n_size == 2) {
    if (!size || size[0] <= 0 || size[1] <= 0)
      return pv_set_error(
          PV_ERR_INVALID_ARG, "resize: size must be positive, got [%lld, %lld]",
          size ? (long long)size[0] : 0, size ? (long long)size[1] : 0);
    if (max_size > 0)
      return pv_set_error(PV_ERR_INVALID_ARG,
                          "resize: max_size is only allowed when size is a "
                          "single int");
    out[0] = size[0];
    out[1] = size[1];
    return 0;
  }
  int w_short = width <= height;
  int64_t sh = w_short ? width : height, lo = w_short ? height : width;
  int64_t new_short, new_long;
  if (n_size == 1) {
    if (!size || size[0] <= 0)
      return pv_set_error(PV_ERR_INVALID_ARG, "resize: size must be positive");
    new_short = size[0];
    new_long = (int64_t)((double)(new_short * lo) / (double)sh);
    if (max_size > 0) {
      if (max_size <= new_short)
        return pv_set_error(PV_ERR_INVALID_ARG,
                            "resize: max_size = %lld must be strictly greater "
                            "than the requested size %lld",
                            (long long)max_size, (long long)new_short);
      if (new_long > max_size) {
        new_short =
            (int64_t)((double)(max_size * new_short) / (double)new_long);
        new_long = max_size;
      }
    }
  } else if (n_size == 0) {
    if (max_size <= 0)
      return pv_set_error(PV_ERR_INVALID_ARG,
                          "resize: size=None needs a positive max_size");
    new_long = max_size;
    new_short = (int64_t)((double)(max_size * sh) / (double)lo);
  } else {
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "resize: size must have 1 or 2 values, got %d", n_size);
  }
  if (new_short <= 0 || new_long <= 0)
    return pv_set_error(PV_ERR_RANGE,
                        "resize: output size would be empty (%lld x %lld)",
                        (long long)new_short, (long long)new_long);
  out[0] = w_short ? new_long : new_short;
  out[1] = w_short ? new_short : new_long;
  return 0;
}

/* --- taps: backends/common/resize_taps.c (shared with the CPU RESIZE op
 * and the GPU plugins, which replay the same passes) -------------------- */

int pv__tf_taps(pv__rs_taps *t, int axis, int64_t in_size, int64_t out_size,
                int mode, int antialias) {
  pv_resize_attrs a;
  memset(&a, 0, sizeof a);
  a.mode = mode;
  a.antialias = antialias;
  if (pv__rs_taps_build(t, &a, axis, in_size, out_size))
    return pv_set_error(PV_ERR_NOMEM, "resize: out of memory for the taps");
  return 0;
}

/* --- nearest: a gather in the native dtype (exact for every dtype) ------- */

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  size_t es;
  int64_t h, w, oh, ow;
  const int64_t *iy, *ix;
} nearest_ctx;

static void nearest_rows(void *vctx, int64_t begin, int64_t end) {
  nearest_ctx *c = vctx;
  for (int64_t r = begin; r < end; r++) {
    int64_t p = r / c->oh, y = r % c->oh;
    const uint8_t *s = c->src + ((size_t)(p * c->h + c->iy[y]) * c->w) * c->es;
    uint8_t *d = c->dst + (size_t)(r * c->ow) * c->es;
    for (int64_t x = 0; x < c->ow; x++)
      memcpy(d + (size_t)x * c->es, s + (size_t)c->ix[x] * c->es, c->es);
  }
}

pv_tensor *pv_resize(pv_tensor *img, int n_size, const int64_t *size,
                     int interpolation, int64_t max_size, int antialias) {
  pv__img g;
  if (pv__tf_check(img, "resize", 2, &g))
    return NULL;
  if (interpolation < PV_RESIZE_NEAREST || interpolation > PV_RESIZE_BICUBIC) {
    pv_set_error(PV_ERR_INVALID_ARG, "resize: unknown interpolation %d",
                 interpolation);
    return NULL;
  }
  int64_t os[2];
  if (pv_resize_output_size(g.h, g.w, n_size, size, max_size, os))
    return NULL;
  if (os[0] == g.h && os[1] == g.w)
    return pv_tensor_retain(img);
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  pv_tensor *out = pv__tf_alloc_like(src, src->dtype, os[0], os[1]);
  if (!out || g.planes == 0) {
    pv_tensor_release(src);
    return out;
  }
  if (interpolation <= PV_RESIZE_NEAREST_EXACT) {
    pv__rs_taps ty, tx;
    if (pv__tf_taps(&ty, 0, g.h, os[0], interpolation, 0))
      goto fail;
    if (pv__tf_taps(&tx, 1, g.w, os[1], interpolation, 0)) {
      pv__rs_taps_free(&ty);
      goto fail;
    }
    const int64_t *iy = ty.idx, *ix = tx.idx; /* one tap each (k = 1) */
    nearest_ctx c = {pv_tensor_data(src),
                     pv_tensor_data(out),
                     pv_dtype_size(src->dtype),
                     g.h,
                     g.w,
                     os[0],
                     os[1],
                     iy,
                     ix};
    pv__parallel_for(g.planes * os[0], 64, nearest_rows, &c);
    pv__rs_taps_free(&ty);
    pv__rs_taps_free(&tx);
    pv_tensor_release(src);
    return out;
  }
  pv__rs_taps fy, fx;
  if (pv__tf_taps(&fy, 0, g.h, os[0], interpolation, antialias))
    goto fail;
  if (pv__tf_taps(&fx, 1, g.w, os[1], interpolation, antialias)) {
    pv__rs_taps_free(&fy);
    goto fail;
  }
  int64_t n_in = g.planes * g.h * g.w, n_out = g.planes * os[0] * os[1];
  float *fin = NULL, *fout = NULL;
  int rc = 0;
  if (src->dtype == PV_F32) {
    fin = pv_tensor_data(src);
    fout = pv_tensor_data(out);
  } else {
    if (src->dtype != PV_U8)
      fin = malloc(sizeof(float) * (size_t)n_in);
    fout = malloc(sizeof(float) * (size_t)n_out);
    if ((!fin && src->dtype != PV_U8) || !fout)
      rc = pv_set_error(PV_ERR_NOMEM, "resize: out of memory");
    else if (fin)
      pv__tf_load_f32(fin, pv_tensor_data(src), src->dtype, n_in);
  }
  if (!rc &&
      pv__rs_resample(fin, src->dtype == PV_U8 ? pv_tensor_data(src) : NULL,
                      g.planes, g.h, g.w, &fy, &fx, fout, pv__parallel_for))
    rc = pv_set_error(PV_ERR_NOMEM, "resize: out of memory");
  if (!rc && src->dtype != PV_F32)
    pv__tf_store_round(pv_tensor_data(out), out->dtype, fout, n_out);
  if (src->dtype != PV_F32) {
    free(fin);
    free(fout);
  }
  pv__rs_taps_free(&fy);
  pv__rs_taps_free(&fx);
  if (rc)
    goto fail;
  pv_tensor_release(src);
  return out;
fail:
  pv_tensor_release(src);
  pv_tensor_release(out);
  return NULL;
}
