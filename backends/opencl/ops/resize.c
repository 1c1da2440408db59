/* Host side of kernels/resize.cl. The per-axis taps (source index, float
 * weight) are computed here exactly as the CPU computes them, and the kernel
 * replays the CPU's accumulation order, so results match the CPU bit for bit:
 *  - torch modes (bilinear, bicubic, antialias, align_corners, user scales):
 *    core/transforms/resize.c's replay of torch 1.13's ATen kernels (float32
 *    weights from the same mixed float/double expressions, FMA where torch's
 *    CPU build contracts, AA weights normalised per axis);
 *  - nearest / nearest-exact and the ONNX Resize extensions (coord_mode,
 *    nearest_mode, cubic_coeff_a, exclude_outside): backends/cpu/ops/resize.c
 *    (ONNX coordinates in double, as the ONNX reference). */
#include "ocl_backend.h"

#include <math.h>
#include <stdlib.h>

/* Accumulation chains of kernels/resize.cl. */
enum { RS_TWO = 0, RS_CHAIN = 1, RS_FMA = 2, RS_SUM0 = 3, RS_COPY = 4 };

#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

static int is_nearest(int mode) {
  return mode == PV_RESIZE_NEAREST || mode == PV_RESIZE_NEAREST_EXACT;
}

/* The ONNX-only paths (as backends/cpu/ops/resize.c decides). */
static int uses_onnx(const pv_resize_attrs *a) {
  return a->coord_mode != 0 || (is_nearest(a->mode) && a->nearest_mode != 0) ||
         (a->mode == PV_RESIZE_BICUBIC && a->exclude_outside);
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
  return !(r->antialias && !is_nearest(r->mode) && uses_onnx(r));
}

/* torch compute_scales_value / area_pixel_compute_scale. */
static float scale_value(double user, int64_t in, int64_t out) {
  return user > 0 ? (float)(1.0 / user) : (float)in / (float)out;
}
static float area_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  return scale_value(user, in, out);
}

/* torch's cubic convolution coefficients as its CPU build contracts them. */
static float cubic1(float x, float a) {
  return FMA(FMA(a + 2, x, -(a + 3)) * x, x, 1.0f);
}
static float cubic2(float x, float a) {
  return FMA(FMA(FMA(a, x, -(5 * a)), x, 8 * a), x, -(4 * a));
}

/* ATen's aa_filter: the triangle, and the cubic (a = -0.5) whose first branch
 * runs in double and second in float until the multiply by the double a. */
static float aa_linear(float x) {
  if (x < 0.0)
    x = -x;
  return x < 1.0 ? (float)(1.0 - x) : 0.0f;
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

/* ONNX Resize source coordinate (coord_mode 1..4, 0 = half_pixel). */
static double onnx_src(int coord_mode, int64_t o, int64_t in, int64_t out,
                       double user) {
  double s = user > 0 ? user : (double)out / (double)in;
  double x = (double)o, ow = s * (double)in; /* ONNX: unrounded out size */
  switch (coord_mode) {
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

/* One axis: k taps per output index, the kernel's accumulation chain. */
typedef struct rs_axis {
  int k, acc;
  float scale, support; /* antialias window */
} rs_axis;

static void axis_plan(const pv_resize_attrs *a, int64_t in, int64_t out,
                      double user, int height, rs_axis *ax) {
  int mode = a->mode;
  int aa = a->antialias && !is_nearest(mode);
  memset(ax, 0, sizeof *ax);
  if (is_nearest(mode)) {
    ax->k = 1;
    ax->acc = height ? RS_COPY : RS_SUM0;
  } else if (uses_onnx(a)) {
    ax->k = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    ax->acc = RS_SUM0;
  } else if (aa) {
    int interp = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    ax->scale = area_scale(in, out, a->align_corners, user);
    ax->support = ax->scale >= 1.0 ? (float)((interp * 0.5) * ax->scale)
                                   : (float)(interp * 0.5);
    ax->k = (int)ceilf(ax->support) * 2 + 1;
    ax->acc = height ? RS_FMA : RS_CHAIN;
  } else {
    ax->k = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    ax->acc = mode == PV_RESIZE_BICUBIC ? RS_FMA : RS_TWO;
  }
}

static void onnx_taps(const pv_resize_attrs *a, int64_t o, int64_t in,
                      int64_t out, double user, int *cnt, int *ix, float *w) {
  double src = onnx_src(a->coord_mode, o, in, out, user);
  if (is_nearest(a->mode)) {
    *cnt = 1;
    ix[0] = (int)clampi(onnx_round(src, a->nearest_mode), 0, in - 1);
    w[0] = 1.0f;
  } else if (a->mode == PV_RESIZE_BILINEAR) {
    double fl = floor(src), r = src - fl;
    *cnt = 2;
    ix[0] = (int)clampi((int64_t)fl, 0, in - 1);
    ix[1] = (int)clampi((int64_t)fl + 1, 0, in - 1);
    w[0] = (float)(1.0 - r);
    w[1] = (float)r;
  } else {
    double A = a->cubic_a != 0.0f ? a->cubic_a : -0.75;
    double fl = floor(src), r = src - fl, c[4], sum = 0;
    double d[4] = {r + 1, r, 1 - r, 2 - r};
    *cnt = 4;
    for (int j = 0; j < 4; j++) {
      double t = d[j];
      c[j] = t <= 1 ? ((A + 2) * t - (A + 3)) * t * t + 1
                    : ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
      int64_t idx = (int64_t)fl - 1 + j;
      if (a->exclude_outside && (idx < 0 || idx >= in))
        c[j] = 0;
      sum += c[j];
      ix[j] = (int)clampi(idx, 0, in - 1);
    }
    for (int j = 0; j < 4; j++)
      w[j] = (float)(a->exclude_outside && sum != 0 ? c[j] / sum : c[j]);
  }
}

/* The taps of output index o along an axis (see the file comment). */
static void axis_taps(const pv_resize_attrs *a, const rs_axis *ax, int64_t o,
                      int64_t in, int64_t out, double user, int *cnt, int *ix,
                      float *w) {
  int mode = a->mode, align = a->align_corners;
  for (int j = 0; j < ax->k; j++) {
    ix[j] = 0;
    w[j] = 0.0f;
  }
  if (uses_onnx(a)) {
    onnx_taps(a, o, in, out, user, cnt, ix, w);
  } else if (mode == PV_RESIZE_NEAREST) {
    int64_t s;
    if (out == in)
      s = o;
    else if (out == 2 * in)
      s = o >> 1;
    else
      s = (int64_t)floorf((float)o * scale_value(user, in, out));
    *cnt = 1;
    ix[0] = (int)(s < in - 1 ? s : in - 1);
    w[0] = 1.0f;
  } else if (mode == PV_RESIZE_NEAREST_EXACT) {
    float sc = scale_value(user, in, out);
    int64_t s = (int64_t)floorf((float)(((double)o + 0.5) * (double)sc));
    *cnt = 1;
    ix[0] = (int)(s < in - 1 ? s : in - 1);
    w[0] = 1.0f;
  } else if (a->antialias) {
    float scale = ax->scale, support = ax->support;
    float center = (float)(scale * (o + 0.5));
    float invscale = scale >= 1.0 ? (float)(1.0 / scale) : 1.0f, total = 0;
    int64_t xmin = (int64_t)((double)(center - support) + 0.5);
    if (xmin < 0)
      xmin = 0;
    int64_t xmax = (int64_t)((double)(center + support) + 0.5);
    if (xmax > in)
      xmax = in;
    int64_t xsize = clampi(xmax - xmin, 0, ax->k);
    for (int64_t j = 0; j < xsize; j++) {
      float arg = (float)(((double)((float)(j + xmin) - center) + 0.5) *
                          (double)invscale);
      w[j] = mode == PV_RESIZE_BICUBIC ? aa_cubic(arg) : aa_linear(arg);
      ix[j] = (int)(xmin + j);
      total += w[j];
    }
    for (int64_t j = 0; j < xsize; j++)
      if (total != 0.0f)
        w[j] /= total;
    *cnt = (int)xsize;
  } else if (mode == PV_RESIZE_BICUBIC) {
    float A = a->cubic_a != 0.0f ? a->cubic_a : -0.75f;
    float scale = area_scale(in, out, align, user);
    float real = align ? scale * (float)o : FMA(scale, (float)o + 0.5f, -0.5f);
    int64_t i0 = (int64_t)floorf(real);
    float t = real - (float)i0, x2 = (float)(1.0 - t);
    w[0] = cubic2((float)(t + 1.0), A);
    w[1] = cubic1(t, A);
    w[2] = cubic1(x2, A);
    w[3] = cubic2((float)(x2 + 1.0), A);
    for (int j = 0; j < 4; j++)
      ix[j] = (int)clampi(i0 - 1 + j, 0, in - 1);
    *cnt = 4;
  } else { /* bilinear: the source index stays in double, as in ATen */
    float scale = area_scale(in, out, align, user);
    double real = align ? (double)scale * (double)o
                        : (double)scale * ((double)o + 0.5) - 0.5;
    if (real < 0)
      real = 0;
    int64_t i0 = (int64_t)real;
    int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    double l1 = real - (double)i0;
    l1 = l1 < 0 ? 0 : (l1 > 1 ? 1 : l1);
    if (i0 > in - 1)
      i0 = i1 = in - 1;
    ix[0] = (int)i0;
    ix[1] = (int)i1;
    w[0] = (float)(1.0 - l1);
    w[1] = (float)l1;
    *cnt = 2;
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
  rs_axis ah, aw;
  axis_plan(r, H, OH, r->scale[0], 1, &ah);
  axis_plan(r, W, OW, r->scale[1], 0, &aw);
  size_t ni = (size_t)(OH + OH * ah.k + OW + OW * aw.k);
  size_t nf = (size_t)(OH * ah.k + OW * aw.k);
  int *it = malloc(sizeof(int) * ni);
  float *wt = malloc(sizeof(float) * nf);
  if (!it || !wt) {
    free(it);
    free(wt);
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: resize: out of memory");
  }
  int *cnt_w = it + OH + OH * ah.k;
  for (int64_t o = 0; o < OH; o++)
    axis_taps(r, &ah, o, H, OH, r->scale[0], it + o, it + OH + o * ah.k,
              wt + o * ah.k);
  for (int64_t o = 0; o < OW; o++)
    axis_taps(r, &aw, o, W, OW, r->scale[1], cnt_w + o, cnt_w + OW + o * aw.k,
              wt + OH * ah.k + o * aw.k);
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
      (rc = pv__ocl_arg_int(nc, l, 11, ah.k)) ||
      (rc = pv__ocl_arg_int(nc, l, 12, aw.k)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, ah.acc)) ||
      (rc = pv__ocl_arg_int(nc, l, 14, aw.acc))) {
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
