/*
 * resize (F.interpolate, NCHW): nearest, nearest-exact, bilinear and
 * bicubic with align_corners, user scale factors and cubic_a, antialiased
 * bilinear/bicubic (torch 1.13 semantics), and the ONNX Resize extensions
 * (coord_mode, nearest_mode, exclude_outside).
 *
 * The per-axis taps (source index and float32 weight of each output index)
 * are computed here on the host with the CPU's arithmetic, operation for
 * operation: torch's modes as core/transforms/resize.c (which replays ATen,
 * explicit FMA contractions included), the ONNX modes as
 * backends/cpu/ops/resize.c. They go to the shader in a constant buffer; the
 * shader replays the CPU's separable passes (width, then height on the
 * float row sums) with the same tap order and the same fused/unfused
 * multiply-adds, so the result has the CPU's float32 bits.
 *
 * Table layout (32-bit words), one record per output index, H axis first
 * (oh records of 1 + 2*kh words), then W (ow records of 1 + 2*kw words):
 * the tap count n (<= k), k source indices, k weights (float bits).
 */
#include "vk_ops.h"

#include <math.h>
#include <stdlib.h>

/* The CPU's explicit contraction (core/transforms/resize.c). */
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

static int uses_onnx(const pv_resize_attrs *a) {
  int nearest =
      a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT;
  return a->coord_mode != 0 || (nearest && a->nearest_mode != 0) ||
         (a->mode == PV_RESIZE_BICUBIC && a->exclude_outside);
}

static int resize_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_resize_attrs *r = &op->attrs.resize;
  int interp = r->mode == PV_RESIZE_BILINEAR || r->mode == PV_RESIZE_BICUBIC;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) &&
         op->inputs[0].ndim == 4 && r->mode >= 0 &&
         r->mode <= PV_RESIZE_BICUBIC && r->coord_mode >= 0 &&
         r->coord_mode <= 4 && r->nearest_mode >= 0 && r->nearest_mode <= 3 &&
         (!r->antialias || (interp && !uses_onnx(r))) &&
         op->inputs[0].shape[2] > 0 && op->inputs[0].shape[3] > 0 &&
         op->inputs[0].shape[2] <= INT32_MAX &&
         op->inputs[0].shape[3] <= INT32_MAX;
}

/* --- torch modes: core/transforms/resize.c, generalised to align_corners,
 * user scales and cubic_a the way ATen does ------------------------------ */

/* ATen's area_pixel_compute_scale in float. */
static float area_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  return user > 0 ? (float)(1.0 / user) : (float)in / (float)out;
}

static float cubic1(float x, float a) {
  return FMA(FMA(a + 2, x, -(a + 3)) * x, x, 1.0f);
}
static float cubic2(float x, float a) {
  return FMA(FMA(FMA(a, x, -(5 * a)), x, 8 * a), x, -(4 * a));
}

static float aa_linear(float x) {
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return (float)(1.0 - x);
  return 0.0f;
}

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

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* The taps of output i; returns the count. */
static int torch_taps(const pv_resize_attrs *a, double user, int64_t in,
                      int64_t out, int64_t i, int k, int64_t *ix, float *wt) {
  int mode = a->mode, align = a->align_corners;
  if (mode == PV_RESIZE_NEAREST || mode == PV_RESIZE_NEAREST_EXACT) {
    float sc = area_scale(in, out, 0, user);
    int64_t idx;
    if (mode == PV_RESIZE_NEAREST_EXACT) {
      float real = FMA(sc, (float)i + 0.5f, -0.5f);
      if (real < 0)
        real = 0;
      idx = (int64_t)floorf(real + 0.5f);
    } else {
      idx = (int64_t)floorf(sc * (float)i);
    }
    ix[0] = idx < in - 1 ? idx : in - 1;
    wt[0] = 1.0f;
    return 1;
  }
  float scale = area_scale(in, out, align, user);
  if (a->antialias) {
    int interp = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    float support =
        scale >= 1.0 ? (float)((interp * 0.5) * scale) : (float)(interp * 0.5);
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
      xsize = k;
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
  /* bilinear: ATen keeps the source index in double for the lambdas */
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

/* --- ONNX modes: backends/cpu/ops/resize.c (the ONNX reference) ---------- */

static double onnx_src(const pv_resize_attrs *a, int64_t o, int64_t in,
                       int64_t out, double user) {
  double s = user > 0 ? user : (double)out / (double)in;
  double x = (double)o, ow = s * (double)in; /* ONNX: unrounded out size */
  switch (a->coord_mode) {
  case 1:
    return x / s;
  case 2:
    return ow > 1 ? x * (double)(in - 1) / (ow - 1) : 0.0;
  case 3:
    return (x + 0.5) / s;
  case 4:
    return ow > 1 ? (x + 0.5) / s - 0.5 : 0.0;
  default:
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
  if (a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT) {
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
  for (int k = 0; k < 4; k++) {
    double t = d[k];
    c[k] = t <= 1 ? ((A + 2) * t - (A + 3)) * t * t + 1
                  : ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    int64_t idx = (int64_t)fl - 1 + k;
    if (a->exclude_outside && (idx < 0 || idx >= in))
      c[k] = 0;
    sum += c[k];
    ix[k] = clampi(idx, 0, in - 1);
  }
  for (int k = 0; k < 4; k++)
    w[k] = (float)(a->exclude_outside && sum != 0 ? c[k] / sum : c[k]);
  return 4;
}

/* Taps per output index along one axis. */
static int64_t axis_k(const pv_resize_attrs *a, double user, int64_t in,
                      int64_t out) {
  if (a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT)
    return 1;
  if (a->antialias && !uses_onnx(a)) {
    float scale = area_scale(in, out, a->align_corners, user);
    int interp = a->mode == PV_RESIZE_BICUBIC ? 4 : 2;
    float support =
        scale >= 1.0 ? (float)((interp * 0.5) * scale) : (float)(interp * 0.5);
    return (int64_t)ceilf(support) * 2 + 1;
  }
  return a->mode == PV_RESIZE_BICUBIC ? 4 : 2;
}

/* Writes the records of one axis at tab. */
static void axis_table(const pv_resize_attrs *a, int axis, int64_t in,
                       int64_t out, int k, uint32_t *tab, int64_t *pix,
                       float *pw) {
  double user = a->scale[axis];
  for (int64_t o = 0; o < out; o++) {
    uint32_t *rec = tab + o * (1 + 2 * (int64_t)k);
    int n = uses_onnx(a) ? onnx_taps(a, user, in, out, o, pix, pw)
                         : torch_taps(a, user, in, out, o, k, pix, pw);
    rec[0] = (uint32_t)n;
    for (int j = 0; j < k; j++) {
      rec[1 + j] = j < n ? (uint32_t)pix[j] : 0u;
      float v = j < n ? pw[j] : 0.0f;
      memcpy(&rec[1 + k + j], &v, 4);
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
  int64_t kh = axis_k(r, r->scale[0], h, oh),
          kw = axis_k(r, r->scale[1], w, ow);
  int64_t words = oh * (1 + 2 * kh) + ow * (1 + 2 * kw);
  if (kh > INT32_MAX / 4 || kw > INT32_MAX / 4 || words > UINT32_MAX / 4)
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: resize: antialias filter table too large");
  int64_t kmax = kh > kw ? kh : kw;
  uint32_t *tab = malloc((size_t)words * 4);
  int64_t *six = malloc(sizeof(int64_t) * (size_t)kmax);
  float *sw = malloc(sizeof(float) * (size_t)kmax);
  if (!tab || !six || !sw) {
    free(tab);
    free(six);
    free(sw);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: resize: out of memory");
  }
  axis_table(r, 0, h, oh, (int)kh, tab, six, sw);
  axis_table(r, 1, w, ow, (int)kw, tab + oh * (1 + 2 * kh), six, sw);
  free(six);
  free(sw);
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
  int onnx = uses_onnx(r);
  int two_tap = !onnx && !r->antialias && r->mode == PV_RESIZE_BILINEAR;
  int aa = !onnx && r->antialias;
  uint32_t spec[3] = {(uint32_t)onnx, (uint32_t)two_tap, (uint32_t)aa};
  return pv__vk_emit(pl, &d, PV_VK_SH_RESIZE, spec, 3);
}

const pv_vk_op_impl pv__vk_resize_impl = {resize_supports, resize_plan};
