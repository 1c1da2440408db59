/* The one RESIZE tap builder and the CPU's separable passes: see
 * resize_taps.h. Used by core/transforms/resize.c (pv_resize), the CPU
 * RESIZE op (backends/cpu/ops/resize.c) and the vulkan and opencl hosts,
 * whose kernels replay the passes below (shaders/resize.comp,
 * backends/opencl/kernels/resize.cl). */
#include "resize_taps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* torch 1.13's CPU kernels are built with GCC -O2 -mfma, which contracts
 * a*b+c into fused multiply-adds; FMA reproduces each contraction so the
 * taps match to the bit on any CPU (fmaf is exact everywhere). Nothing else
 * may be fused: every target builds this file with -ffp-contract=off (clang
 * contracts by default, GCC in GNU mode), and the pragma says so to clang
 * whatever the flags. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

#if defined(__SANITIZE_THREAD__)
#define PV__RS_NO_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PV__RS_NO_CLONES 1
#endif
#endif
#ifdef PV__RS_NO_CLONES
#define PV__RS_CLONES
#else
#define PV__RS_CLONES __attribute__((target_clones("fma", "default")))
#endif

static int is_nearest(int mode) {
  return mode == PV_RESIZE_NEAREST || mode == PV_RESIZE_NEAREST_EXACT;
}

int pv__rs_uses_onnx(const pv_resize_attrs *a) {
  return a->coord_mode != 0 || (is_nearest(a->mode) && a->nearest_mode != 0) ||
         (a->mode == PV_RESIZE_BICUBIC && a->exclude_outside);
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* --- torch modes --------------------------------------------------------- */

/* ATen's compute_scales_value / area_pixel_compute_scale, in float. */
static float scale_value(double user, int64_t in, int64_t out) {
  return user > 0 ? (float)(1.0 / user) : (float)in / (float)out;
}
static float area_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  return scale_value(user, in, out);
}

/* Keys' cubic convolution coefficients as torch's build contracts them. */
static float cubic1(float x, float a) {
  return FMA(FMA(a + 2, x, -(a + 3)) * x, x, 1.0f);
}
static float cubic2(float x, float a) {
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

/* The antialias window: support and k (2 * ceil(support) + 1). */
static float aa_support(const pv_resize_attrs *a, float scale) {
  int interp = a->mode == PV_RESIZE_BICUBIC ? 4 : 2;
  return scale >= 1.0 ? (float)((interp * 0.5) * scale) : (float)(interp * 0.5);
}

static int is_aa(const pv_resize_attrs *a) {
  return a->antialias && !is_nearest(a->mode) && !pv__rs_uses_onnx(a);
}

/* The taps of output i (ix, wt have k slots); returns the count. */
static int torch_taps(const pv_resize_attrs *a, double user, int64_t in,
                      int64_t out, int64_t i, int k, int64_t *ix, float *wt) {
  int mode = a->mode, align = a->align_corners;
  if (mode == PV_RESIZE_NEAREST) { /* ATen's nearest_idx */
    int64_t s;
    if (out == in)
      s = i;
    else if (out == 2 * in)
      s = i >> 1;
    else
      s = (int64_t)floorf((float)i * scale_value(user, in, out));
    ix[0] = s < in - 1 ? s : in - 1;
    wt[0] = 1.0f;
    return 1;
  }
  if (mode == PV_RESIZE_NEAREST_EXACT) {
    /* the CPU kernel: round the half-pixel source index (scale in float) */
    float sc = scale_value(user, in, out);
    float real = FMA(sc, (float)i + 0.5f, -0.5f);
    if (real < 0)
      real = 0;
    int64_t s = (int64_t)floorf(real + 0.5f);
    ix[0] = s < in - 1 ? s : in - 1;
    wt[0] = 1.0f;
    return 1;
  }
  float scale = area_scale(in, out, align, user);
  if (a->antialias) {
    float support = aa_support(a, scale);
    float center = (float)(scale * (i + 0.5));
    float total = 0.0f;
    float invscale = scale >= 1.0 ? (float)(1.0 / scale) : 1.0f;
    int64_t xmin = (int64_t)((double)(center - support) + 0.5);
    if (xmin < 0)
      xmin = 0;
    int64_t xmax = (int64_t)((double)(center + support) + 0.5);
    if (xmax > in)
      xmax = in;
    int64_t xsize = clampi(xmax - xmin, 0, k); /* <= k; keeps it in bounds */
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
    return (int)xsize;
  }
  if (mode == PV_RESIZE_BICUBIC) {
    const float A = a->cubic_a != 0.0f ? a->cubic_a : -0.75f;
    float real = align ? scale * (float)i : FMA(scale, (float)i + 0.5f, -0.5f);
    int64_t i0 = (int64_t)floorf(real);
    float t = real - (float)i0;
    float x2 = (float)(1.0 - t);
    wt[0] = cubic2((float)(t + 1.0), A);
    wt[1] = cubic1(t, A);
    wt[2] = cubic1(x2, A);
    wt[3] = cubic2((float)(x2 + 1.0), A);
    for (int j = 0; j < 4; j++)
      ix[j] = clampi(i0 - 1 + j, 0, in - 1);
    return 4;
  }
  /* bilinear: ATen evaluates scale * (i + 0.5) - 0.5 with a double 0.5 and
   * keeps the source index in double for the lambdas */
  double real = align ? (double)(scale * (float)i)
                      : (double)scale * ((double)i + 0.5) - 0.5;
  if (real < 0)
    real = 0;
  int64_t i0 = (int64_t)real;
  int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
  double l1d = real - (double)i0;
  l1d = l1d < 0 ? 0 : (l1d > 1 ? 1 : l1d);
  if (i0 > in - 1)
    i0 = i1 = in - 1;
  ix[0] = i0;
  ix[1] = i1;
  wt[0] = (float)(1.0 - l1d);
  wt[1] = (float)l1d;
  return 2;
}

/* --- ONNX modes: the ONNX reference, coordinates in double --------------- */

static double onnx_src(const pv_resize_attrs *a, int64_t o, int64_t in,
                       int64_t out, double user) {
  double s = user > 0 ? user : (double)out / (double)in;
  double x = (double)o, ow = s * (double)in; /* ONNX: unrounded out size */
  switch (a->coord_mode) {
  case 1: /* asymmetric */
    return x / s;
  case 2: /* align_corners */
    return ow > 1 ? x * (double)(in - 1) / (ow - 1) : 0.0;
  case 3: /* tf_half_pixel_for_nn */
    return (x + 0.5) / s;
  case 4: /* pytorch_half_pixel */
    return ow > 1 ? (x + 0.5) / s - 0.5 : 0.0;
  default: /* half_pixel */
    return (x + 0.5) / s - 0.5;
  }
}

static int64_t onnx_round(double x, int mode) {
  double f = floor(x);
  switch (mode) {
  case 1: /* round_prefer_floor */
    return (int64_t)(x - f == 0.5 ? f : floor(x + 0.5));
  case 2: /* round_prefer_ceil */
    return (int64_t)floor(x + 0.5);
  case 3:
    return (int64_t)ceil(x);
  default:
    return (int64_t)f;
  }
}

static int onnx_taps(const pv_resize_attrs *a, double user, int64_t in,
                     int64_t out, int64_t o, int64_t *ix, float *w) {
  double src = onnx_src(a, o, in, out, user);
  if (is_nearest(a->mode)) {
    ix[0] = clampi(onnx_round(src, a->nearest_mode), 0, in - 1);
    w[0] = 1.0f;
    return 1;
  }
  if (a->mode == PV_RESIZE_BILINEAR) {
    double fl = floor(src), r = src - fl;
    ix[0] = clampi((int64_t)fl, 0, in - 1);
    ix[1] = clampi((int64_t)fl + 1, 0, in - 1);
    w[0] = (float)(1.0 - r);
    w[1] = (float)r;
    return 2;
  }
  double A = a->cubic_a != 0.0f ? a->cubic_a : -0.75;
  double fl = floor(src), r = src - fl, c[4], sum = 0;
  double d[4] = {r + 1, r, 1 - r, 2 - r};
  for (int j = 0; j < 4; j++) {
    double t = d[j];
    c[j] = t <= 1 ? ((A + 2) * t - (A + 3)) * t * t + 1
                  : ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    int64_t idx = (int64_t)fl - 1 + j;
    if (a->exclude_outside && (idx < 0 || idx >= in))
      c[j] = 0;
    sum += c[j];
    ix[j] = clampi(idx, 0, in - 1);
  }
  for (int j = 0; j < 4; j++)
    w[j] = (float)(a->exclude_outside && sum != 0 ? c[j] / sum : c[j]);
  return 4;
}

/* --- the builder --------------------------------------------------------- */

int64_t pv__rs_axis_k(const pv_resize_attrs *a, int axis, int64_t in,
                      int64_t out) {
  if (is_nearest(a->mode))
    return 1;
  if (is_aa(a)) {
    float scale = area_scale(in, out, a->align_corners, a->scale[axis]);
    return (int64_t)ceilf(aa_support(a, scale)) * 2 + 1;
  }
  return a->mode == PV_RESIZE_BICUBIC ? 4 : 2;
}

static int axis_form(const pv_resize_attrs *a, int axis) {
  if (pv__rs_uses_onnx(a))
    return is_nearest(a->mode) && axis == 0 ? PV__RS_COPY : PV__RS_SUM0;
  if (is_aa(a)) /* torch's antialiased passes: W unfused, H fused */
    return axis == 1 ? PV__RS_CHAIN : PV__RS_FMA;
  if (a->mode == PV_RESIZE_BILINEAR)
    return PV__RS_TWO;
  return PV__RS_FMA; /* bicubic; nearest: one tap, x * 1 */
}

void pv__rs_taps_free(pv__rs_taps *t) {
  free(t->cnt);
  free(t->idx);
  free(t->w);
  memset(t, 0, sizeof *t);
}

int pv__rs_taps_build(pv__rs_taps *t, const pv_resize_attrs *a, int axis,
                      int64_t in, int64_t out) {
  memset(t, 0, sizeof *t);
  int64_t k = pv__rs_axis_k(a, axis, in, out);
  if (k < 1 || k > INT32_MAX / 2 || out < 0 || (out && k > INT64_MAX / out))
    return -1;
  t->n_out = out;
  t->k = (int)k;
  t->form = axis_form(a, axis);
  size_t n = (size_t)(out * k) + 1;
  t->cnt = calloc((size_t)out + 1, sizeof(int));
  t->idx = calloc(n, sizeof(int64_t));
  t->w = calloc(n, sizeof(float));
  if (!t->cnt || !t->idx || !t->w) {
    pv__rs_taps_free(t);
    return -1;
  }
  int onnx = pv__rs_uses_onnx(a);
  double user = a->scale[axis];
  for (int64_t o = 0; o < out; o++) {
    int64_t *ix = t->idx + o * k;
    float *w = t->w + o * k;
    t->cnt[o] = onnx ? onnx_taps(a, user, in, out, o, ix, w)
                     : torch_taps(a, user, in, out, o, t->k, ix, w);
  }
  return 0;
}

/* --- the CPU's separable passes ------------------------------------------ */

typedef struct resample_ctx {
  const float *src;
  const uint8_t *src8; /* uint8 source read directly (exact as float) */
  float *tmp, *dst;
  int64_t h, w, oh, ow;
  const pv__rs_taps *tx, *ty;
  const uint8_t *need; /* [h]: rows the height taps read */
  int failed;
} resample_ctx;

/* One output row of the width pass from a source row of type T. */
#define PV__RS_PASS_W_ROW(T)                                                   \
  do {                                                                         \
    const T *s = (const T *)srow;                                              \
    const int k = tx->k;                                                       \
    switch (tx->form) {                                                        \
    case PV__RS_TWO:                                                           \
      for (int64_t x = 0; x < c->ow; x++) {                                    \
        const int64_t *ix = tx->idx + x * k;                                   \
        const float *wt = tx->w + x * k;                                       \
        d[x] = tx->cnt[x] == 2                                                 \
                   ? FMA((float)s[ix[0]], wt[0], (float)s[ix[1]] * wt[1])      \
                   : 0.0f;                                                     \
      }                                                                        \
      break;                                                                   \
    case PV__RS_CHAIN: /* antialias: contiguous taps */                        \
      for (int64_t x = 0; x < c->ow; x++) {                                    \
        const float *wt = tx->w + x * k;                                       \
        int n = tx->cnt[x];                                                    \
        const T *sp = s + (n > 0 ? tx->idx[x * k] : 0);                        \
        float acc = n > 0 ? (float)sp[0] * wt[0] : 0.0f;                       \
        for (int j = 1; j < n; j++)                                            \
          acc = acc + (float)sp[j] * wt[j];                                    \
        d[x] = acc;                                                            \
      }                                                                        \
      break;                                                                   \
    case PV__RS_FMA:                                                           \
      if (k == 1) { /* nearest: x * 1 */                                       \
        for (int64_t x = 0; x < c->ow; x++)                                    \
          d[x] = (float)s[tx->idx[x]] * tx->w[x];                              \
        break;                                                                 \
      }                                                                        \
      for (int64_t x = 0; x < c->ow; x++) {                                    \
        const int64_t *ix = tx->idx + x * k;                                   \
        const float *wt = tx->w + x * k;                                       \
        int n = tx->cnt[x];                                                    \
        float acc = n > 0 ? (float)s[ix[0]] * wt[0] : 0.0f;                    \
        for (int j = 1; j < n; j++)                                            \
          acc = FMA((float)s[ix[j]], wt[j], acc);                              \
        d[x] = acc;                                                            \
      }                                                                        \
      break;                                                                   \
    case PV__RS_SUM0:                                                          \
      for (int64_t x = 0; x < c->ow; x++) {                                    \
        const int64_t *ix = tx->idx + x * k;                                   \
        const float *wt = tx->w + x * k;                                       \
        int n = tx->cnt[x];                                                    \
        float acc = 0.0f;                                                      \
        for (int j = 0; j < n; j++)                                            \
          acc = acc + wt[j] * (float)s[ix[j]];                                 \
        d[x] = acc;                                                            \
      }                                                                        \
      break;                                                                   \
    default: /* PV__RS_COPY */                                                 \
      for (int64_t x = 0; x < c->ow; x++)                                      \
        d[x] = tx->cnt[x] > 0 ? (float)s[tx->idx[x * k]] : 0.0f;               \
    }                                                                          \
  } while (0)

PV__RS_CLONES
static void pass_w(void *vctx, int64_t begin, int64_t end) {
  resample_ctx *c = vctx;
  const pv__rs_taps *tx = c->tx;
  for (int64_t r = begin; r < end; r++) {
    if (!c->need[r % c->h])
      continue;
    float *d = c->tmp + r * c->ow;
    if (c->src8) {
      const uint8_t *srow = c->src8 + r * c->w;
      PV__RS_PASS_W_ROW(uint8_t);
    } else {
      const float *srow = c->src + r * c->w;
      PV__RS_PASS_W_ROW(float);
    }
  }
}

PV__RS_CLONES
static void pass_h(void *vctx, int64_t begin, int64_t end) {
  resample_ctx *c = vctx;
  const pv__rs_taps *ty = c->ty;
  const int64_t ow = c->ow;
  for (int64_t r = begin; r < end; r++) {
    int64_t p = r / c->oh, y = r % c->oh;
    const float *plane = c->tmp + p * c->h * ow;
    float *d = c->dst + r * ow;
    const int64_t *iy = ty->idx + y * ty->k;
    const float *wt = ty->w + y * ty->k;
    int n = ty->cnt[y];
    if (n == 0) {
      memset(d, 0, sizeof(float) * (size_t)ow);
      continue;
    }
    const float *s0 = plane + iy[0] * ow;
    float w0 = wt[0];
    if (n == 1 && ty->form != PV__RS_SUM0) { /* COPY, or x * 1 (nearest) */
      if (ty->form == PV__RS_COPY)
        memcpy(d, s0, sizeof(float) * (size_t)ow);
      else
        for (int64_t x = 0; x < ow; x++)
          d[x] = s0[x] * w0;
      continue;
    }
    switch (ty->form) {
    case PV__RS_TWO: {
      const float *s1 = plane + iy[1] * ow;
      float w1 = wt[1];
      for (int64_t x = 0; x < ow; x++)
        d[x] = FMA(s0[x], w0, s1[x] * w1);
      break;
    }
    case PV__RS_COPY:
      memcpy(d, s0, sizeof(float) * (size_t)ow);
      break;
    case PV__RS_SUM0:
      for (int64_t x = 0; x < ow; x++)
        d[x] = 0.0f;
      for (int j = 0; j < n; j++) {
        const float *sj = plane + iy[j] * ow;
        float wj = wt[j];
        for (int64_t x = 0; x < ow; x++)
          d[x] = d[x] + wj * sj[x];
      }
      break;
    case PV__RS_CHAIN:
      for (int64_t x = 0; x < ow; x++)
        d[x] = s0[x] * w0;
      for (int j = 1; j < n; j++) {
        const float *sj = plane + iy[j] * ow;
        float wj = wt[j];
        for (int64_t x = 0; x < ow; x++)
          d[x] = d[x] + sj[x] * wj;
      }
      break;
    default: /* PV__RS_FMA */
      for (int64_t x = 0; x < ow; x++)
        d[x] = s0[x] * w0;
      for (int j = 1; j < n; j++) {
        const float *sj = plane + iy[j] * ow;
        float wj = wt[j];
        for (int64_t x = 0; x < ow; x++)
          d[x] = FMA(sj[x], wj, d[x]);
      }
    }
  }
}

#define PV__RS_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Many planes: each task runs both passes plane by plane through its own
 * plane-sized intermediate (cache-resident for the small feature maps of
 * models); the same arithmetic as the row-parallel passes. */
static void plane_chunk(void *vctx, int64_t begin, int64_t end) {
  resample_ctx *c = vctx;
  resample_ctx l = *c;
  l.tmp = malloc(sizeof(float) * (size_t)(c->h * c->ow));
  if (!l.tmp) {
    __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  for (int64_t p = begin; p < end; p++) {
    if (c->src8)
      l.src8 = c->src8 + p * c->h * c->w;
    else
      l.src = c->src + p * c->h * c->w;
    l.dst = c->dst + p * c->oh * c->ow;
    pass_w(&l, 0, c->h);
    pass_h(&l, 0, c->oh);
  }
  free(l.tmp);
}

int pv__rs_resample(const float *src, const uint8_t *src8, int64_t planes,
                    int64_t h, int64_t w, const pv__rs_taps *ty,
                    const pv__rs_taps *tx, float *dst, pv__rs_parallel par) {
  resample_ctx c;
  memset(&c, 0, sizeof c);
  c.src = src;
  c.src8 = src8;
  c.dst = dst;
  c.h = h;
  c.w = w;
  c.oh = ty->n_out;
  c.ow = tx->n_out;
  c.tx = tx;
  c.ty = ty;
  if (planes <= 0 || c.oh <= 0 || c.ow <= 0)
    return 0;
  uint8_t *need = calloc((size_t)h, 1);
  if (!need)
    return -1;
  for (int64_t y = 0; y < c.oh; y++)
    for (int j = 0; j < ty->cnt[y]; j++)
      need[ty->idx[y * ty->k + j]] = 1;
  c.need = need;
  if (planes >= 8) {
    int64_t work = h * c.ow * tx->k + c.oh * c.ow * ty->k;
    par(planes, 1 + 65536 / PV__RS_MAX(1, work), plane_chunk, &c);
    free(need);
    return c.failed ? -1 : 0;
  }
  c.tmp = malloc(sizeof(float) * (size_t)(planes * h * c.ow));
  if (!c.tmp) {
    free(need);
    return -1;
  }
  int64_t grain_w = PV__RS_MAX(1, 16384 / PV__RS_MAX(1, c.ow * tx->k));
  par(planes * h, grain_w, pass_w, &c);
  int64_t grain_h = PV__RS_MAX(1, 16384 / PV__RS_MAX(1, c.ow * ty->k));
  par(planes * c.oh, grain_h, pass_h, &c);
  free(c.tmp);
  free(need);
  return 0;
}
