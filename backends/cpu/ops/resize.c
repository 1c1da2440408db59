/*
 * resize = F.interpolate on NCHW f32: nearest (legacy floor), nearest-exact,
 * bilinear and bicubic (A = attrs.cubic_a, -0.75 when 0), align_corners,
 * user scale factors (recompute_scale_factor=False), and antialias (the
 * PIL-style separable filters of torch's _upsample_*_aa: support scaled by
 * the downscale factor, triangle / Keys a=-0.5 kernels, weights normalised).
 *
 * Each axis gets a table of taps (source index, weight) per output index,
 * computed with torch's float arithmetic; the image is then filtered along W
 * into a temporary and along H into the output, in parallel over planes.
 * ONNX Resize extensions (coord_mode, nearest_mode, exclude_outside) follow
 * the ONNX reference; antialias combined with them is not supported.
 */
#include "cpu_backend.h"

#include <math.h>
#include <stdlib.h>

typedef struct taps {
  int n;        /* taps per output index */
  int64_t *idx; /* [out][n] */
  float *w;     /* [out][n] */
} taps;

static float scale_value(double user, int64_t in, int64_t out) {
  return user > 0 ? (float)(1.0 / user) : (float)in / (float)out;
}

static float area_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  return scale_value(user, in, out);
}

static float cubic1(float x, float a) {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}
static float cubic2(float x, float a) {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

static float aa_filter(int cubic, float x) {
  if (x < 0)
    x = -x;
  if (!cubic)
    return x < 1.0f ? 1.0f - x : 0.0f;
  const float a = -0.5f;
  if (x < 1.0f)
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2.0f)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0f;
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* ONNX Resize coordinates (coord_mode 1..4, or 0 = half_pixel for nearest
 * with a rounding mode) in double precision, as the ONNX reference does. */
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

static void onnx_taps(const pv_resize_attrs *a, int64_t o, int64_t in,
                      int64_t out, double user, int64_t *ix, float *w) {
  double src = onnx_src(a, o, in, out, user);
  if (a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT) {
    ix[0] = clampi(onnx_round(src, a->nearest_mode), 0, in - 1);
    w[0] = 1.0f;
  } else if (a->mode == PV_RESIZE_BILINEAR) {
    double fl = floor(src), r = src - fl;
    ix[0] = clampi((int64_t)fl, 0, in - 1);
    ix[1] = clampi((int64_t)fl + 1, 0, in - 1);
    w[0] = (float)(1.0 - r);
    w[1] = (float)r;
  } else {
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
  }
}

static int uses_onnx(const pv_resize_attrs *a) {
  int nearest =
      a->mode == PV_RESIZE_NEAREST || a->mode == PV_RESIZE_NEAREST_EXACT;
  return a->coord_mode != 0 || (nearest && a->nearest_mode != 0) ||
         (a->mode == PV_RESIZE_BICUBIC && a->exclude_outside);
}

static int make_taps(const pv_resize_attrs *a, int axis, int64_t in,
                     int64_t out, taps *t) {
  double user = a->scale[axis];
  int mode = a->mode, align = a->align_corners;
  int aa =
      a->antialias && (mode == PV_RESIZE_BILINEAR || mode == PV_RESIZE_BICUBIC);
  float scale = 0, support = 0;
  if (mode == PV_RESIZE_NEAREST || mode == PV_RESIZE_NEAREST_EXACT)
    t->n = 1;
  else if (uses_onnx(a))
    t->n = mode == PV_RESIZE_BICUBIC ? 4 : 2;
  else if (aa) {
    scale = area_scale(in, out, align, user);
    int isz = mode == PV_RESIZE_BICUBIC ? 4 : 2;
    support = scale >= 1.0f ? (isz * 0.5f) * scale : isz * 0.5f;
    t->n = (int)ceilf(support) * 2 + 1;
  } else
    t->n = mode == PV_RESIZE_BICUBIC ? 4 : 2;
  t->idx = calloc((size_t)(out * t->n), sizeof(int64_t));
  t->w = calloc((size_t)(out * t->n), sizeof(float));
  if (!t->idx || !t->w)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: resize: out of memory");
  for (int64_t o = 0; o < out; o++) {
    int64_t *ix = t->idx + o * t->n;
    float *w = t->w + o * t->n;
    if (uses_onnx(a)) {
      onnx_taps(a, o, in, out, user, ix, w);
    } else if (mode == PV_RESIZE_NEAREST) {
      int64_t s;
      if (out == in)
        s = o;
      else if (out == 2 * in)
        s = o >> 1;
      else {
        float sc = scale_value(user, in, out);
        s = (int64_t)floorf((float)o * sc);
      }
      ix[0] = s < in - 1 ? s : in - 1;
      w[0] = 1.0f;
    } else if (mode == PV_RESIZE_NEAREST_EXACT) {
      float sc = scale_value(user, in, out);
      int64_t s = (int64_t)floorf((float)(((double)o + 0.5) * (double)sc));
      ix[0] = s < in - 1 ? s : in - 1;
      w[0] = 1.0f;
    } else if (aa) {
      float center = scale * ((float)o + 0.5f);
      float invscale = scale >= 1.0f ? 1.0f / scale : 1.0f;
      int64_t xmin = (int64_t)(center - support + 0.5f);
      if (xmin < 0)
        xmin = 0;
      int64_t xmax = (int64_t)(center + support + 0.5f);
      if (xmax > in)
        xmax = in;
      int64_t xsize = xmax - xmin;
      if (xsize > t->n)
        xsize = t->n;
      float total = 0;
      for (int64_t j = 0; j < xsize; j++) {
        float v = aa_filter(mode == PV_RESIZE_BICUBIC,
                            ((float)(j + xmin) - center + 0.5f) * invscale);
        w[j] = v;
        ix[j] = xmin + j;
        total += v;
      }
      for (int64_t j = 0; j < xsize; j++)
        if (total != 0.0f)
          w[j] /= total;
      for (int64_t j = xsize; j < t->n; j++) {
        w[j] = 0.0f;
        ix[j] = xmin;
      }
    } else if (mode == PV_RESIZE_BILINEAR) {
      float sc = area_scale(in, out, align, user);
      float src = align ? sc * (float)o : sc * ((float)o + 0.5f) - 0.5f;
      if (src < 0)
        src = 0;
      int64_t i0 = (int64_t)src;
      int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
      float l1 = src - (float)i0;
      if (l1 > 1.0f)
        l1 = 1.0f;
      if (i0 > in - 1)
        i0 = i1 = in - 1;
      ix[0] = i0;
      ix[1] = i1;
      w[0] = 1.0f - l1;
      w[1] = l1;
    } else { /* bicubic */
      float A = a->cubic_a != 0.0f ? a->cubic_a : -0.75f;
      float sc = area_scale(in, out, align, user);
      float src = align ? sc * (float)o : sc * ((float)o + 0.5f) - 0.5f;
      float fl = floorf(src);
      int64_t i = (int64_t)fl;
      float tt = src - fl;
      w[0] = cubic2(tt + 1.0f, A);
      w[1] = cubic1(tt, A);
      w[2] = cubic1(1.0f - tt, A);
      w[3] = cubic2(2.0f - tt, A);
      for (int k = 0; k < 4; k++)
        ix[k] = clampi(i - 1 + k, 0, in - 1);
    }
  }
  return 0;
}

typedef struct rs_ctx {
  const float *x;
  float *y;
  int64_t h, w, oh, ow;
  taps th, tw;
  int failed;
} rs_ctx;

static void rs_chunk(void *vc, int64_t begin, int64_t end) {
  rs_ctx *c = vc;
  float *tmp = malloc(sizeof(float) * (size_t)(c->h * c->ow));
  if (!tmp) {
    __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  int nw = c->tw.n, nh = c->th.n;
  for (int64_t p = begin; p < end; p++) {
    const float *xp = c->x + p * c->h * c->w;
    float *yp = c->y + p * c->oh * c->ow;
    for (int64_t iy = 0; iy < c->h; iy++) {
      const float *xr = xp + iy * c->w;
      float *tr = tmp + iy * c->ow;
      for (int64_t ox = 0; ox < c->ow; ox++) {
        const int64_t *ix = c->tw.idx + ox * nw;
        const float *wt = c->tw.w + ox * nw;
        float s = 0;
        for (int k = 0; k < nw; k++)
          s += wt[k] * xr[ix[k]];
        tr[ox] = s;
      }
    }
    for (int64_t oy = 0; oy < c->oh; oy++) {
      const int64_t *iy = c->th.idx + oy * nh;
      const float *wt = c->th.w + oy * nh;
      float *yr = yp + oy * c->ow;
      if (nh == 1) {
        memcpy(yr, tmp + iy[0] * c->ow, sizeof(float) * (size_t)c->ow);
        continue;
      }
      for (int64_t ox = 0; ox < c->ow; ox++)
        yr[ox] = 0.0f;
      for (int k = 0; k < nh; k++) {
        const float *tr = tmp + iy[k] * c->ow;
        float wk = wt[k];
        for (int64_t ox = 0; ox < c->ow; ox++)
          yr[ox] += wk * tr[ox];
      }
    }
  }
  free(tmp);
}

static int rs_supports(const pv_op_desc *op) {
  const pv_resize_attrs *a = &op->attrs.resize;
  return pv__cpu_all_dtype(op, PV_F32) && a->coord_mode >= 0 &&
         a->coord_mode <= 4 && a->nearest_mode >= 0 && a->nearest_mode <= 3 &&
         !(a->antialias && uses_onnx(a));
}

static int rs_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  const pv_resize_attrs *a = &e->node->attrs.resize;
  rs_ctx c;
  memset(&c, 0, sizeof c);
  c.x = e->in[0].data;
  c.y = e->out[0].data;
  c.h = xd->shape[2];
  c.w = xd->shape[3];
  c.oh = yd->shape[2];
  c.ow = yd->shape[3];
  int64_t planes = xd->shape[0] * xd->shape[1];
  if (planes == 0 || c.oh == 0 || c.ow == 0)
    return 0;
  if (c.h == 0 || c.w == 0)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: resize: empty input plane");
  int rc = make_taps(a, 0, c.h, c.oh, &c.th);
  if (!rc)
    rc = make_taps(a, 1, c.w, c.ow, &c.tw);
  if (!rc) {
    int64_t work = c.h * c.ow * c.tw.n + c.oh * c.ow * c.th.n;
    pv__cpu_host->parallel_for(planes, 1 + 65536 / (work ? work : 1), rs_chunk,
                               &c);
    if (c.failed)
      rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: resize: out of memory");
  }
  free(c.th.idx);
  free(c.th.w);
  free(c.tw.idx);
  free(c.tw.w);
  return rc;
}

const pv_cpu_op_impl pv__cpu_resize = {.supports = rs_supports, .run = rs_run};
