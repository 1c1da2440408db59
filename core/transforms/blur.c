/* gaussian_blur and erase. */
#include "tf_internal.h"

/* torchvision's _get_gaussian_kernel1d in float32. */
static void kernel1d(int64_t k, float sigma, float *out) {
  float half = (float)(k - 1) * 0.5f, sum = 0.0f;
  for (int64_t i = 0; i < k; i++) {
    float x = -half + (float)i; /* linspace with step 1: exact */
    float v = x / sigma;
    out[i] = expf(-0.5f * (v * v));
    sum += out[i];
  }
  for (int64_t i = 0; i < k; i++)
    out[i] = out[i] / sum;
}

static int64_t reflect(int64_t i, int64_t n) {
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

pv_tensor *pv_gaussian_blur(pv_tensor *img, const int64_t ksize[2],
                            const double sigma[2]) {
  pv__img g;
  if (pv__tf_check(img, "gaussian_blur", 2, &g))
    return NULL;
  for (int a = 0; a < 2; a++)
    if (ksize[a] <= 0 || ksize[a] % 2 == 0 || ksize[a] > 1001) {
      pv_set_error(PV_ERR_INVALID_ARG,
                   "gaussian_blur: kernel size should have odd and positive "
                   "integers, got [%lld, %lld]",
                   (long long)ksize[0], (long long)ksize[1]);
      return NULL;
    }
  int64_t kx = ksize[0], ky = ksize[1];
  if (kx / 2 >= g.w || ky / 2 >= g.h) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "gaussian_blur: reflect padding %lld/%lld must be smaller "
                 "than the image %lld x %lld",
                 (long long)(kx / 2), (long long)(ky / 2), (long long)g.h,
                 (long long)g.w);
    return NULL;
  }
  double sx = sigma && sigma[0] > 0 ? sigma[0] : kx * 0.15 + 0.35;
  double sy = sigma && sigma[1] > 0 ? sigma[1] : ky * 0.15 + 0.35;
  float *k1x = malloc(sizeof(float) * (size_t)(kx + ky + kx * ky));
  pv_tensor *src = k1x ? pv_tensor_contiguous(img) : NULL;
  int64_t n = src ? pv_tensor_numel(src) : 0;
  float *f = src ? malloc(sizeof(float) * (size_t)(2 * n + 1)) : NULL;
  pv_tensor *out =
      f ? pv__tensor_alloc(src->dtype, src->ndim, src->shape, false) : NULL;
  if (!out) {
    if (!pv_last_status())
      pv_set_error(PV_ERR_NOMEM, "gaussian_blur: out of memory");
    free(k1x);
    free(f);
    pv_tensor_release(src);
    return NULL;
  }
  float *k1y = k1x + kx, *k2 = k1y + ky;
  kernel1d(kx, (float)sx, k1x);
  kernel1d(ky, (float)sy, k1y);
  for (int64_t a = 0; a < ky; a++) /* torch.mm(ky[:, None], kx[None, :]) */
    for (int64_t b = 0; b < kx; b++)
      k2[a * kx + b] = k1y[a] * k1x[b];
  float *res = f + n;
  pv__tf_load_f32(f, pv_tensor_data(src), src->dtype, n);
  int64_t hw = g.h * g.w;
  for (int64_t p = 0; p < g.planes; p++) {
    const float *s = f + p * hw;
    float *d = res + p * hw;
    for (int64_t y = 0; y < g.h; y++)
      for (int64_t x = 0; x < g.w; x++) {
        float acc = 0.0f;
        for (int64_t a = 0; a < ky; a++) {
          const float *row = s + reflect(y + a - ky / 2, g.h) * g.w;
          for (int64_t b = 0; b < kx; b++)
            acc += row[reflect(x + b - kx / 2, g.w)] * k2[a * kx + b];
        }
        d[y * g.w + x] = acc;
      }
  }
  pv__tf_store_round(pv_tensor_data(out), out->dtype, res, n);
  free(k1x);
  free(f);
  pv_tensor_release(src);
  return out;
}

pv_tensor *pv_erase(pv_tensor *img, int64_t i, int64_t j, int64_t h, int64_t w,
                    const float *value, int n) {
  pv__img g;
  if (pv__tf_check(img, "erase", 3, &g))
    return NULL;
  if (!value || (n != 1 && n != g.c)) {
    pv_set_error(PV_ERR_SHAPE, "erase: %d values for %lld channels", n,
                 (long long)g.c);
    return NULL;
  }
  pv_tensor *out = pv_tensor_clone(img);
  if (!out)
    return NULL;
  size_t es = pv_dtype_size(out->dtype);
  uint8_t *d = pv_tensor_data(out);
  int64_t y0 = PV__MAX(i, 0), y1 = PV__MIN(i + h, g.h);
  int64_t x0 = PV__MAX(j, 0), x1 = PV__MIN(j + w, g.w);
  for (int64_t p = 0; p < g.planes; p++) {
    float v = value[n == 1 ? 0 : p % g.c];
    uint8_t cell[8];
    pv__tf_store_trunc_raw(cell, out->dtype, v);
    for (int64_t y = y0; y < y1; y++)
      for (int64_t x = x0; x < x1; x++)
        memcpy(d + (size_t)((p * g.h + y) * g.w + x) * es, cell, es);
  }
  return out;
}
