/* Resize: torchvision's F.resize on tensors, i.e. torch 1.13's
 * upsample_{nearest,bilinear,bicubic}2d and _upsample_{bilinear,bicubic}2d_aa
 * (align_corners=False) reproduced operation for operation: weights are
 * computed in float32 with the same mixed float/double expressions as ATen,
 * and the separable passes run width first, then height, accumulating taps
 * in the same order. */
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

/* --- filters ------------------------------------------------------------- */

/* torch 1.13's CPU kernels are built with GCC -O2 -mfma, which contracts
 * a*b+c into fused multiply-adds; the FMA macro reproduces each contraction
 * so results match to the bit, on any CPU (fmaf is exact everywhere). */
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

static inline float cubic1(float x, float a) {
  return FMA(FMA(a + 2, x, -(a + 3)) * x, x, 1.0f);
}
static inline float cubic2(float x, float a) {
  return FMA(FMA(FMA(a, x, -(5 * a)), x, 8 * a), x, -(4 * a));
}

/* ATen's aa_filter for the triangle, argument already narrowed to float. */
static float aa_linear(float x) {
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return (float)(1.0 - x);
  return 0.0f;
}

/* ATen's aa_filter for cubic (a = -0.5, PIL): the first branch runs in
 * double, the second in float until the final multiply by the double a. */
static float aa_cubic(float x) {
  const double a = -0.5;
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return (float)__builtin_fma(__builtin_fma(a + 2.0, x, -(a + 3.0)) * x, x,
                                1.0);
  if (x < 2.0)
    return (float)((double)FMA(FMA(x - 5, x, 8.0f), x, -4.0f) * a);
  return 0.0f;
}

int64_t pv__nearest_index(int64_t i, int64_t in_size, int64_t out_size,
                          int exact) {
  float scale = (float)in_size / (float)out_size;
  int64_t idx;
  if (exact) {
    float real = FMA(scale, (float)i + 0.5f, -0.5f);
    if (real < 0)
      real = 0;
    idx = (int64_t)floorf(real + 0.5f);
  } else {
    idx = (int64_t)floorf(scale * (float)i);
  }
  return idx < in_size - 1 ? idx : in_size - 1;
}

void pv__filter_free(pv__filter *f) {
  free(f->idx);
  free(f->w);
  free(f->cnt);
  memset(f, 0, sizeof *f);
}

int pv__filter_build(pv__filter *f, int64_t in, int64_t out, int mode,
                     int antialias) {
  memset(f, 0, sizeof *f);
  float scale = (float)in / (float)out;
  int k;
  float support = 0;
  if (antialias) {
    int interp = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    support =
        scale >= 1.0 ? (float)((interp * 0.5) * scale) : (float)(interp * 0.5);
    k = (int)ceilf(support) * 2 + 1;
  } else {
    k = mode == PV_RESIZE_BICUBIC ? 4 : 2;
  }
  f->n_out = out;
  f->k = k;
  f->two_tap = !antialias && mode == PV_RESIZE_BILINEAR;
  f->aa = antialias;
  f->idx = malloc(sizeof(int64_t) * (size_t)(out * k));
  f->w = malloc(sizeof(float) * (size_t)(out * k));
  f->cnt = malloc(sizeof(int) * (size_t)out);
  if (!f->idx || !f->w || !f->cnt) {
    pv__filter_free(f);
    return pv_set_error(PV_ERR_NOMEM, "resize: out of memory for filters");
  }
  for (int64_t i = 0; i < out; i++) {
    int64_t *ix = f->idx + i * k;
    float *wt = f->w + i * k;
    if (antialias) {
      float center = (float)(scale * (i + 0.5));
      float total = 0.0f;
      float invscale = scale >= 1.0 ? (float)(1.0 / scale) : 1.0f;
      int64_t xmin = (int64_t)((double)(center - support) + 0.5);
      if (xmin < 0)
        xmin = 0;
      int64_t xmax = (int64_t)((double)(center + support) + 0.5);
      if (xmax > in)
        xmax = in;
      int64_t xsize = xmax - xmin;
      if (xsize > k)
        xsize = k; /* cannot happen; keeps the table in bounds */
      if (xsize < 0)
        xsize = 0;
      for (int64_t j = 0; j < xsize; j++) {
        float arg = (float)(((double)((float)(j + xmin) - center) + 0.5) *
                            (double)invscale);
        float w = mode == PV_RESIZE_BICUBIC ? aa_cubic(arg) : aa_linear(arg);
        wt[j] = w;
        ix[j] = xmin + j;
        total += w;
      }
      for (int64_t j = 0; j < xsize; j++)
        if (total != 0.0f)
          wt[j] /= total;
      f->cnt[i] = (int)xsize;
    } else if (mode == PV_RESIZE_BICUBIC) {
      const float A = -0.75f;
      float real = FMA(scale, (float)i + 0.5f, -0.5f);
      int64_t i0 = (int64_t)floorf(real);
      float t = real - (float)i0;
      float x2 = (float)(1.0 - t);
      wt[0] = cubic2((float)(t + 1.0), A);
      wt[1] = cubic1(t, A);
      wt[2] = cubic1(x2, A);
      wt[3] = cubic2((float)(x2 + 1.0), A);
      for (int j = 0; j < 4; j++) {
        int64_t s = i0 - 1 + j;
        ix[j] = s < 0 ? 0 : (s > in - 1 ? in - 1 : s);
      }
      f->cnt[i] = 4;
    } else { /* bilinear */
      /* ATen evaluates scale * (i + 0.5) - 0.5 with a double 0.5 and
       * keeps the source index in double for the lambdas. */
      double real = (double)scale * ((double)i + 0.5) - 0.5;
      if (real < 0)
        real = 0;
      int64_t i0 = (int64_t)real;
      int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
      double l1d = real - (double)i0;
      l1d = l1d < 0 ? 0 : (l1d > 1 ? 1 : l1d);
      float l1 = (float)l1d, l0 = (float)(1.0 - l1d);
      ix[0] = i0;
      ix[1] = i1;
      wt[0] = l0;
      wt[1] = l1;
      f->cnt[i] = 2;
    }
  }
  return 0;
}

/* --- separable resampling ------------------------------------------------ */

typedef struct {
  const float *src;
  float *tmp, *dst;
  int64_t h, w, oh, ow;
  const pv__filter *fx, *fy;
  const uint8_t *need;
  int two_tap; /* non-antialiased bilinear: torch's 2-tap specialisation */
  const uint8_t *src8; /* uint8 source read directly (exact as float) */
} resample_ctx;

/* One output row of the width pass from a source row of type T: the tap
 * chain of torch for each filter kind (see pv__filter_build). */
#define PV__PASS_W_ROW(T)                                                      \
  do {                                                                         \
    const T *s = (const T *)srow;                                              \
    for (int64_t x = 0; x < c->ow; x++) {                                      \
      const int64_t *ix = fx->idx + x * fx->k;                                 \
      const float *wt = fx->w + x * fx->k;                                     \
      int n = fx->cnt[x];                                                      \
      float acc;                                                               \
      if (n == 2 && c->two_tap) /* torch: t0 * w0 + t1 * w1 */                 \
        acc = FMA((float)s[ix[0]], wt[0], (float)s[ix[1]] * wt[1]);            \
      else if (fx->aa) {                                                       \
        /* torch's antialiased width pass: measured to round closest to a      \
         * plain multiply-add chain (see docs/transforms.md); taps are         \
         * contiguous */                                                       \
        const T *sp = s + (n > 0 ? ix[0] : 0);                                 \
        acc = n > 0 ? (float)sp[0] * wt[0] : 0.0f;                             \
        for (int j = 1; j < n; j++)                                            \
          acc = acc + (float)sp[j] * wt[j];                                    \
      } else {                                                                 \
        acc = n > 0 ? (float)s[ix[0]] * wt[0] : 0.0f;                          \
        for (int j = 1; j < n; j++)                                            \
          acc = FMA((float)s[ix[j]], wt[j], acc);                              \
      }                                                                        \
      d[x] = acc;                                                              \
    }                                                                          \
  } while (0)

PV__TARGET_CLONES("fma", "default")
static void pass_w(void *vctx, int64_t begin, int64_t end) {
  resample_ctx *c = vctx;
  const pv__filter *fx = c->fx;
  for (int64_t r = begin; r < end; r++) {
    if (!c->need[r % c->h])
      continue;
    float *d = c->tmp + r * c->ow;
    if (c->src8) {
      const uint8_t *srow = c->src8 + r * c->w;
      PV__PASS_W_ROW(uint8_t);
    } else {
      const float *srow = c->src + r * c->w;
      PV__PASS_W_ROW(float);
    }
  }
}

PV__TARGET_CLONES("fma", "default")
static void pass_h(void *vctx, int64_t begin, int64_t end) {
  resample_ctx *c = vctx;
  const pv__filter *fy = c->fy;
  for (int64_t r = begin; r < end; r++) {
    int64_t p = r / c->oh, y = r % c->oh;
    const float *plane = c->tmp + p * c->h * c->ow;
    float *d = c->dst + r * c->ow;
    const int64_t *iy = fy->idx + y * fy->k;
    const float *wt = fy->w + y * fy->k;
    int n = fy->cnt[y];
    if (n == 0) {
      memset(d, 0, sizeof(float) * (size_t)c->ow);
      continue;
    }
    const float *s0 = plane + iy[0] * c->ow;
    float w0 = wt[0];
    if (n == 2 && c->two_tap) {
      const float *s1 = plane + iy[1] * c->ow;
      float w1 = wt[1];
      for (int64_t x = 0; x < c->ow; x++)
        d[x] = FMA(s0[x], w0, s1[x] * w1);
      continue;
    }
    for (int64_t x = 0; x < c->ow; x++)
      d[x] = s0[x] * w0;
    for (int j = 1; j < n; j++) {
      const float *sj = plane + iy[j] * c->ow;
      float wj = wt[j];
      for (int64_t x = 0; x < c->ow; x++)
        d[x] = FMA(sj[x], wj, d[x]);
    }
  }
}

static int resample(const float *src, const uint8_t *src8, int64_t planes,
                    int64_t h, int64_t w, const pv__filter *fy,
                    const pv__filter *fx, float *dst);

int pv__resample_f32(const float *src, int64_t planes, int64_t h, int64_t w,
                     const pv__filter *fy, const pv__filter *fx, float *dst) {
  return resample(src, NULL, planes, h, w, fy, fx, dst);
}

static int resample(const float *src, const uint8_t *src8, int64_t planes,
                    int64_t h, int64_t w, const pv__filter *fy,
                    const pv__filter *fx, float *dst) {
  resample_ctx c = {src,       NULL, dst, h,    w,           fy->n_out,
                    fx->n_out, fx,   fy,  NULL, fx->two_tap, src8};
  c.tmp = malloc(sizeof(float) * (size_t)(planes * h * c.ow));
  uint8_t *need = calloc((size_t)h, 1);
  if (!c.tmp || !need) {
    free(c.tmp);
    free(need);
    return pv_set_error(PV_ERR_NOMEM, "resize: out of memory");
  }
  for (int64_t y = 0; y < fy->n_out; y++)
    for (int j = 0; j < fy->cnt[y]; j++)
      need[fy->idx[y * fy->k + j]] = 1;
  c.need = need;
  int64_t grain_w = PV__MAX(1, 16384 / PV__MAX(1, c.ow * fx->k));
  pv__parallel_for(planes * h, grain_w, pass_w, &c);
  int64_t grain_h = PV__MAX(1, 16384 / PV__MAX(1, c.ow * fy->k));
  pv__parallel_for(planes * c.oh, grain_h, pass_h, &c);
  free(c.tmp);
  free(need);
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
    int exact = interpolation == PV_RESIZE_NEAREST_EXACT;
    int64_t *iy = malloc(sizeof(int64_t) * (size_t)(os[0] + os[1]));
    if (!iy) {
      pv_set_error(PV_ERR_NOMEM, "resize: out of memory");
      goto fail;
    }
    int64_t *ix = iy + os[0];
    for (int64_t i = 0; i < os[0]; i++)
      iy[i] = pv__nearest_index(i, g.h, os[0], exact);
    for (int64_t i = 0; i < os[1]; i++)
      ix[i] = pv__nearest_index(i, g.w, os[1], exact);
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
    free(iy);
    pv_tensor_release(src);
    return out;
  }
  pv__filter fy, fx;
  if (pv__filter_build(&fy, g.h, os[0], interpolation, antialias))
    goto fail;
  if (pv__filter_build(&fx, g.w, os[1], interpolation, antialias)) {
    pv__filter_free(&fy);
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
  if (!rc)
    rc = resample(fin, src->dtype == PV_U8 ? pv_tensor_data(src) : NULL,
                  g.planes, g.h, g.w, &fy, &fx, fout);
  if (!rc && src->dtype != PV_F32)
    pv__tf_store_round(pv_tensor_data(out), out->dtype, fout, n_out);
  if (src->dtype != PV_F32) {
    free(fin);
    free(fout);
  }
  pv__filter_free(&fy);
  pv__filter_free(&fx);
  if (rc)
    goto fail;
  pv_tensor_release(src);
  return out;
fail:
  pv_tensor_release(src);
  pv_tensor_release(out);
  return NULL;
}
