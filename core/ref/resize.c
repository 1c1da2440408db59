/*
 * Reference RESIZE on NCHW, as F.interpolate (torch 1.13, CPU):
 *
 * - NEAREST (legacy): src = min(floor(dst * scale), in - 1), where
 *   scale = in/out (or 1/scale_factor) computed in float as torch does, since
 *   the floor is sensitive to the float rounding.
 * - NEAREST_EXACT: src = min(floor((dst + 0.5) * scale), in - 1).
 * - BILINEAR / BICUBIC: the source coordinate is scale * dst (align_corners,
 *   scale = (in-1)/(out-1)) or scale * (dst + 0.5) - 0.5 (bilinear clamps it
 *   at 0). Bicubic uses Keys' kernel with A = cubic_a (0 means torch's
 *   -0.75) and clamps taps to the border.
 * - antialias (bilinear/bicubic): torch's separable filter: for output i the
 *   centre is scale * (i + 0.5), the support is (taps/2) * scale when
 *   downsampling (taps/2 otherwise), weights are the triangle (bilinear) or
 *   cubic (A = -0.5, as PIL) filter of (j - centre + 0.5) / max(scale, 1),
 *   normalised to sum 1, over j in [max(centre - support + 0.5, 0),
 *   min(centre + support + 0.5, in)) (truncated to integers).
 * - ONNX modes (coord_mode, nearest_mode or exclude_outside non-zero): the
 *   source coordinate follows the ONNX Resize transformation (as the ONNX
 *   specification's reference code, pytorch_half_pixel giving -0.5 for a
 *   single output); nearest rounds with nearest_mode and clamps; linear
 *   clamps the coordinate into [0, in - 1] (the same as the spec's edge
 *   padding); cubic may exclude outside taps (exclude_outside) and
 *   renormalise. antialias does not apply in these modes.
 *
 * Weights are computed per axis, then the 2-D sum runs in double.
 */
#include "ref_internal.h"

/* The taps of one output coordinate on one axis; idx/w hold `cap` entries
 * (4 without antialias, the filter's support with it). */
typedef struct {
  int64_t n, cap;
  int64_t *idx;
  double *w;
} taps;

static double cubic1(double x, double A) {
  return ((A + 2) * x - (A + 3)) * x * x + 1;
}
static double cubic2(double x, double A) {
  return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}
static double cubic_filter(double x, double A) {
  x = fabs(x);
  if (x < 1.0)
    return cubic1(x, A);
  if (x < 2.0)
    return cubic2(x, A);
  return 0.0;
}
static double tri_filter(double x) {
  x = fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* torch area_pixel_compute_scale. */
static double area_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (double)(in - 1) / (double)(out - 1) : 0.0;
  return user > 0 ? 1.0 / user : (double)in / (double)out;
}

/* ONNX source coordinate of output x. */
static double onnx_coord(int mode, double x, int64_t in, int64_t out,
                         double user) {
  double scale = user > 0 ? user : (double)out / (double)in; /* out/in */
  switch (mode) {
  case 1: /* asymmetric */
    return x / scale;
  case 2: /* align_corners */
    return out > 1 ? x * (double)(in - 1) / (double)(out - 1) : 0.0;
  case 3: /* tf_half_pixel_for_nn */
    return (x + 0.5) / scale;
  case 4: /* pytorch_half_pixel (the ONNX spec: -0.5 for one output) */
    return out > 1 ? (x + 0.5) / scale - 0.5 : -0.5;
  default: /* half_pixel */
    return (x + 0.5) / scale - 0.5;
  }
}

static int64_t onnx_round(int mode, double x) {
  switch (mode) {
  case 1: /* round_prefer_floor */
    return x == floor(x) + 0.5 ? (int64_t)floor(x) : (int64_t)llround(x);
  case 2: /* round_prefer_ceil */
    return x == floor(x) + 0.5 ? (int64_t)ceil(x) : (int64_t)llround(x);
  case 3:
    return (int64_t)ceil(x);
  default:
    return (int64_t)floor(x);
  }
}

static void axis_taps(const pv_resize_attrs *a, int axis, int64_t in,
                      int64_t out, int64_t o, taps *t) {
  double user = a->scale[axis];
  double A = a->cubic_a != 0 ? a->cubic_a : -0.75;
  bool onnx = a->coord_mode != 0 || a->nearest_mode != 0 || a->exclude_outside;
  t->n = 0;
  if (a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT) {
    int64_t s;
    if (onnx) {
      s = onnx_round(a->nearest_mode,
                     onnx_coord(a->coord_mode, (double)o, in, out, user));
    } else {
      float sc = user > 0 ? (float)(1.0 / user) : (float)in / (float)out;
      if (a->mode == PV_RESIZE_NEAREST)
        s = (int64_t)floorf((float)o * sc);
      else
        s = (int64_t)floorf((float)(((double)o + 0.5) * sc));
    }
    t->idx[0] = clampi(s, 0, in - 1);
    t->w[0] = 1.0;
    t->n = 1;
    return;
  }
  bool cubic = a->mode == PV_RESIZE_BICUBIC;
  if (a->antialias && !onnx) {
    int interp = cubic ? 4 : 2;
    double scale = area_scale(in, out, a->align_corners, user);
    double support = scale >= 1.0 ? interp * 0.5 * scale : interp * 0.5;
    double center = scale * ((double)o + 0.5);
    double inv = scale >= 1.0 ? 1.0 / scale : 1.0;
    int64_t xmin = PV__MAX((int64_t)(center - support + 0.5), 0);
    int64_t xmax = PV__MIN((int64_t)(center + support + 0.5), in);
    double total = 0;
    for (int64_t j = xmin; j < xmax && t->n < t->cap; j++) {
      double x = ((double)j - center + 0.5) * inv;
      double w = cubic ? cubic_filter(x, -0.5) : tri_filter(x);
      t->idx[t->n] = j;
      t->w[t->n++] = w;
      total += w;
    }
    for (int64_t j = 0; j < t->n; j++)
      if (total != 0)
        t->w[j] /= total;
    return;
  }
  double src;
  if (onnx) {
    src = onnx_coord(a->coord_mode, (double)o, in, out, user);
  } else {
    double scale = area_scale(in, out, a->align_corners, user);
    src =
        a->align_corners ? scale * (double)o : scale * ((double)o + 0.5) - 0.5;
  }
  if (!cubic) {
    if (onnx)
      src = src < 0 ? 0 : src > (double)(in - 1) ? (double)(in - 1) : src;
    else if (src < 0)
      src = 0;
    int64_t i0 = (int64_t)src;
    int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
    double l1 = src - (double)i0;
    t->idx[0] = clampi(i0, 0, in - 1);
    t->w[0] = 1.0 - l1;
    t->idx[1] = clampi(i1, 0, in - 1);
    t->w[1] = l1;
    t->n = 2;
    return;
  }
  double f = floor(src), tt = src - f;
  double w4[4] = {cubic2(tt + 1, A), cubic1(tt, A), cubic1(1 - tt, A),
                  cubic2(2 - tt, A)};
  double total = 0;
  for (int k = 0; k < 4; k++) {
    int64_t j = (int64_t)f - 1 + k;
    if (onnx && a->exclude_outside && (j < 0 || j >= in))
      w4[k] = 0;
    total += w4[k];
    t->idx[k] = clampi(j, 0, in - 1);
    t->w[k] = w4[k];
  }
  if (onnx && a->exclude_outside && total != 0)
    for (int k = 0; k < 4; k++)
      t->w[k] /= total;
  t->n = 4;
}

int pv__ref_resize(const pv__ref_args *r) {
  const pv_resize_attrs *a = &r->a->resize;
  const pv_tensor_desc *xd = &r->in[0], *od = &r->out[0];
  int dt = xd->dtype;
  int64_t H = xd->shape[2], W = xd->shape[3];
  int64_t OH = od->shape[2], OW = od->shape[3];
  int64_t planes = xd->shape[0] * xd->shape[1];
  if (H == 0 || W == 0)
    return planes ? pv_set_error(PV_ERR_SHAPE, "ref resize: empty input plane")
                  : 0;
  if (a->coord_mode < 0 || a->coord_mode > 4 || a->nearest_mode < 0 ||
      a->nearest_mode > 3)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "ref resize: coord_mode %d / nearest_mode %d out of "
                        "range",
                        a->coord_mode, a->nearest_mode);
  /* Taps per output: 4 at most, or with antialias the filter's support,
   * 2 * ceil(support) + 1 with support = taps/2 * max(scale, 1). */
  int64_t cap[2] = {4, 4};
  if (a->antialias && a->mode >= PV_RESIZE_BILINEAR) {
    int64_t ins[2] = {H, W}, outs[2] = {OH, OW};
    for (int i = 0; i < 2; i++) {
      double sc = area_scale(ins[i], outs[i], a->align_corners, a->scale[i]);
      double support =
          (a->mode == PV_RESIZE_BICUBIC ? 2.0 : 1.0) * (sc >= 1.0 ? sc : 1.0);
      if (support > 1e6)
        return pv_set_error(PV_ERR_RANGE,
                            "ref resize: antialias support %.3g too large",
                            support);
      cap[i] = 2 * (int64_t)ceil(support) + 2;
    }
  }
  taps *th = calloc((size_t)OH, sizeof(taps));
  taps *tw = calloc((size_t)OW, sizeof(taps));
  int64_t *ibuf = malloc(sizeof(int64_t) * (size_t)(OH * cap[0] + OW * cap[1]));
  double *wbuf = malloc(sizeof(double) * (size_t)(OH * cap[0] + OW * cap[1]));
  if (!th || !tw || !ibuf || !wbuf) {
    free(th);
    free(tw);
    free(ibuf);
    free(wbuf);
    return pv_set_error(PV_ERR_NOMEM, "ref resize: out of memory");
  }
  for (int64_t o = 0; o < OH; o++) {
    th[o].cap = cap[0];
    th[o].idx = ibuf + o * cap[0];
    th[o].w = wbuf + o * cap[0];
  }
  for (int64_t o = 0; o < OW; o++) {
    tw[o].cap = cap[1];
    tw[o].idx = ibuf + OH * cap[0] + o * cap[1];
    tw[o].w = wbuf + OH * cap[0] + o * cap[1];
  }
  for (int64_t o = 0; o < OH; o++)
    axis_taps(a, 0, H, OH, o, &th[o]);
  for (int64_t o = 0; o < OW; o++)
    axis_taps(a, 1, W, OW, o, &tw[o]);
  bool fl = pv__ref_is_float(dt);
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        double acc = 0;
        for (int64_t i = 0; i < th[oh].n; i++)
          for (int64_t j = 0; j < tw[ow].n; j++)
            acc += th[oh].w[i] * tw[ow].w[j] *
                   pv__ref_ld(r->x[0], dt,
                              (p * H + th[oh].idx[i]) * W + tw[ow].idx[j]);
        int64_t oi = (p * OH + oh) * OW + ow;
        if (!fl && a->mode >= PV_RESIZE_BILINEAR) /* torch uint8: round */
          acc = nearbyint(acc < 0 ? 0 : acc);
        pv__ref_st(r->y[0], od->dtype, oi, acc);
      }
  free(th);
  free(tw);
  free(ibuf);
  free(wbuf);
  return 0;
}
