/*
 * The CPU kernels of the quantised core ops through the plugin ABI, against
 * scalar references written from ONNX Runtime's arithmetic (the formulas of
 * core/onnx/import_quant.c): every output byte must be equal. Output shapes
 * come from core/graph/infer.c. Cases cover u8 and i8, per-tensor and
 * per-channel parameters, absent zero points, bias, groups, depthwise,
 * stride, dilation, asymmetric padding, 1x1, saturation, rounding ties,
 * matmul broadcasting, add/mul broadcasting and global average pooling.
 */
#include "cpu_node.h"
#include "internal.h"
#include "testutil.h"

#include <math.h>

/* ---- tensors ----------------------------------------------------------------
 */

typedef struct tens {
  pv_tensor_desc d;
  void *p; /* NULL: absent input */
} tens;

static const tens ABSENT = {{PV_F32, -1, {0}}, NULL};

static int64_t numel(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

static tens mk(int dt, int nd, const int64_t *shape) {
  tens t;
  memset(&t, 0, sizeof t);
  t.d.dtype = dt;
  t.d.ndim = nd;
  for (int i = 0; i < nd; i++)
    t.d.shape[i] = shape[i];
  t.p = calloc(desc_bytes(&t.d) + 1, 1);
  return t;
}

#define MK(dt, ...)                                                            \
  mk(dt, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),            \
     (int64_t[]){__VA_ARGS__})

static void tfree(tens *t) {
  free(t->p);
  t->p = NULL;
}

static int32_t geti(const tens *t, int64_t i) {
  switch (t->d.dtype) {
  case PV_U8:
    return ((const uint8_t *)t->p)[i];
  case PV_I8:
    return ((const int8_t *)t->p)[i];
  case PV_I32:
    return ((const int32_t *)t->p)[i];
  default:
    return 0;
  }
}

static void seti(tens *t, int64_t i, int32_t v) {
  switch (t->d.dtype) {
  case PV_U8:
    ((uint8_t *)t->p)[i] = (uint8_t)v;
    break;
  case PV_I8:
    ((int8_t *)t->p)[i] = (int8_t)v;
    break;
  case PV_I32:
    ((int32_t *)t->p)[i] = v;
    break;
  }
}

static float getf(const tens *t, int64_t i) { return ((float *)t->p)[i]; }

static uint32_t rng = 20261206;
static int32_t irand(int32_t lo, int32_t hi) { /* inclusive */
  rng = rng * 1664525u + 1013904223u;
  return lo + (int32_t)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

static void fill(tens *t, int32_t lo, int32_t hi) {
  for (int64_t i = 0; i < numel(&t->d); i++)
    seti(t, i, irand(lo, hi));
}

static void fill_q(tens *t) {
  fill(t, t->d.dtype == PV_U8 ? 0 : -128, t->d.dtype == PV_U8 ? 255 : 127);
}

/* A scale tensor: n == 0 makes a 0-D scalar. */
static tens scales(int n, const float *v) {
  tens t = n ? MK(PV_F32, n) : mk(PV_F32, 0, NULL);
  for (int i = 0; i < (n ? n : 1); i++)
    ((float *)t.p)[i] = v[i];
  return t;
}

static tens scalar_f(float v) { return scales(0, &v); }

/* A zero point of dtype dt, n values (0: scalar) drawn at random. */
static tens zps(int dt, int n) {
  tens t = n ? MK(dt, n) : mk(dt, 0, NULL);
  fill(&t, dt == PV_U8 ? 0 : -128, dt == PV_U8 ? 255 : 127);
  return t;
}

static tens zp_val(int dt, int32_t v) {
  tens t = mk(dt, 0, NULL);
  seti(&t, 0, v);
  return t;
}

/* value i of a parameter holding 1 or n values; 0 when absent */
static float pf(const tens *t, int64_t i) {
  return numel(&t->d) == 1 ? getf(t, 0) : getf(t, i);
}
static int32_t pz(const tens *t, int64_t i) {
  if (!t->p)
    return 0;
  return numel(&t->d) == 1 ? geti(t, 0) : geti(t, i);
}

/* saturate(rne(v) + zp) as ONNX Runtime: nearbyintf, f32 add, clamp */
static int32_t ref_q(float v, int32_t zp, int dt) {
  float r = nearbyintf(v);
  r = r + (float)zp;
  float lo = dt == PV_U8 ? 0.0f : -128.0f, hi = dt == PV_U8 ? 255.0f : 127.0f;
  r = r < lo ? lo : r > hi ? hi : r;
  return (int32_t)r;
}

/* Runs op on inputs `in` (output shape from infer.c) into *y. */
static int run_q(int op, const pv_op_attrs *a, int n_in, const tens *in,
                 uint32_t const_mask, tens *y) {
  node_run r;
  memset(&r, 0, sizeof r);
  r.op = op;
  r.n_in = n_in;
  r.n_out = 1;
  if (a)
    r.attrs = *a;
  r.const_mask = const_mask;
  for (int i = 0; i < n_in; i++) {
    r.in[i] = in[i].d;
    if (!in[i].p)
      r.in[i].ndim = -1;
    r.in_data[i] = in[i].p;
  }
  pv_tensor_desc od;
  memset(&od, 0, sizeof od);
  int rc = pv__infer_node(op, &r.attrs, n_in, r.in, 1, &od);
  CHECK_EQ_INT(rc, 0);
  if (rc)
    return rc;
  *y = mk(od.dtype, od.ndim, od.shape);
  r.out[0] = od;
  r.out_data[0] = y->p;
  int sup = 0;
  rc = run_node(&r, &sup);
  CHECK(sup);
  CHECK_EQ_INT(rc, 0);
  if (rc)
    tfree(y);
  return rc;
}

static int n_lo, n_hi, n_ties; /* saturated outputs and ties seen */

/* Compares every element of got with want; counts saturation. */
static void expect_eq(const char *what, const tens *got, const tens *want) {
  int64_t n = numel(&want->d);
  CHECK_EQ_INT(got->d.dtype, want->d.dtype);
  CHECK_EQ_INT(numel(&got->d), n);
  if (got->d.dtype != want->d.dtype || numel(&got->d) != n)
    return;
  int bad = 0;
  for (int64_t i = 0; i < n; i++) {
    int eq = got->d.dtype == PV_F32
                 ? !memcmp((float *)got->p + i, (float *)want->p + i, 4)
                 : geti(got, i) == geti(want, i);
    if (!eq && bad++ < 3) {
      if (got->d.dtype == PV_F32)
        fprintf(stderr, "%s: [%lld] got %.9g want %.9g\n", what, (long long)i,
                getf(got, i), getf(want, i));
      else
        fprintf(stderr, "%s: [%lld] got %d want %d\n", what, (long long)i,
                geti(got, i), geti(want, i));
    }
    if (got->d.dtype == PV_U8) {
      n_lo += geti(want, i) == 0;
      n_hi += geti(want, i) == 255;
    } else if (got->d.dtype == PV_I8) {
      n_lo += geti(want, i) == -128;
      n_hi += geti(want, i) == 127;
    }
  }
  if (bad) {
    fprintf(stderr, "%s: %d of %lld values differ\n", what, bad, (long long)n);
    pv_test_failures++;
  }
}

/* ---- qlinear_conv
 * ------------------------------------------------------------- */

typedef struct conv_case {
  const char *name;
  int xdt, wdt, ydt; /* ydt: dtype of y_zp (absent when yzp_absent) */
  int64_t n, c, h, w, o, kh, kw;
  int groups, sh, sw, dh, dw, pad[4];
  int per_channel, bias, xzp_absent, wzp_absent, yzp_absent, const_w;
  float xs, ws, ys; /* ws: base of the per-channel scales */
} conv_case;

static void ref_conv(const conv_case *k, const tens *in, tens *y) {
  const tens *x = &in[0], *w = &in[3], *b = &in[8];
  int64_t oh = y->d.shape[2], ow = y->d.shape[3];
  int64_t cg = k->c / k->groups, og = k->o / k->groups;
  float xs = getf(&in[1], 0), ys = getf(&in[6], 0);
  int32_t xz = pz(&in[2], 0), yz = pz(&in[7], 0);
  for (int64_t n = 0; n < k->n; n++)
    for (int64_t o = 0; o < k->o; o++) {
      int64_t g = o / og;
      float m = xs * pf(&in[4], o);
      m = m / ys;
      int32_t wz = pz(&in[5], o);
      for (int64_t oy = 0; oy < oh; oy++)
        for (int64_t ox = 0; ox < ow; ox++) {
          int32_t acc = 0;
          for (int64_t ci = 0; ci < cg; ci++)
            for (int64_t ky = 0; ky < k->kh; ky++)
              for (int64_t kx = 0; kx < k->kw; kx++) {
                int64_t iy = oy * k->sh - k->pad[0] + ky * k->dh;
                int64_t ix = ox * k->sw - k->pad[1] + kx * k->dw;
                if (iy < 0 || iy >= k->h || ix < 0 || ix >= k->w)
                  continue;
                int32_t xv =
                    geti(x, ((n * k->c + g * cg + ci) * k->h + iy) * k->w + ix);
                int32_t wv = geti(w, ((o * cg + ci) * k->kh + ky) * k->kw + kx);
                acc += (xv - xz) * (wv - wz);
              }
          if (b->p)
            acc += geti(b, o);
          float v = (float)acc * m;
          if (v - floorf(v) == 0.5f)
            n_ties++;
          seti(y, ((n * k->o + o) * oh + oy) * ow + ox,
               ref_q(v, yz, y->d.dtype));
        }
    }
}

/* Values within +-4 of a zero point (clamped to the dtype) */
static void fill_near(tens *t, const tens *zp, int64_t per) {
  int32_t lo = t->d.dtype == PV_U8 ? 0 : -128, hi = lo + 255;
  for (int64_t i = 0; i < numel(&t->d); i++) {
    int32_t v = pz(zp, i / per) + irand(-4, 4);
    seti(t, i, v < lo ? lo : v > hi ? hi : v);
  }
}

/* narrow: x and w within +-4 of their zero points and multipliers near 1,
 * so that an accumulator off by one changes the output. */
static void check_conv(const conv_case *k, int narrow) {
  tens in[9];
  for (int i = 0; i < 9; i++)
    in[i] = ABSENT;
  int64_t kk = k->c / k->groups * k->kh * k->kw;
  float xs = narrow ? 0.25f : k->xs, ws = narrow ? 0.25f : k->ws,
        ys = narrow ? 0.05f * sqrtf((float)kk) : k->ys;
  in[0] = MK(k->xdt, k->n, k->c, k->h, k->w);
  fill_q(&in[0]);
  in[1] = scalar_f(xs);
  if (!k->xzp_absent)
    in[2] = zps(k->xdt, 0);
  in[3] = MK(k->wdt, k->o, k->c / k->groups, k->kh, k->kw);
  fill_q(&in[3]);
  float wsv[64];
  for (int i = 0; i < k->o && i < 64; i++)
    wsv[i] = k->per_channel ? ws * (float)(1 + i % 5) : ws;
  in[4] = scales(k->per_channel ? (int)k->o : 0, wsv);
  if (!k->wzp_absent)
    in[5] = zps(k->wdt, k->per_channel ? (int)k->o : 0);
  in[6] = scalar_f(ys);
  if (!k->yzp_absent)
    in[7] = zps(k->ydt, 0);
  if (narrow) {
    fill_near(&in[0], &in[2], numel(&in[0].d));
    fill_near(&in[3], &in[5], numel(&in[3].d) / k->o);
  }
  int n_in = 8;
  if (k->bias) {
    in[8] = MK(PV_I32, k->o);
    fill(&in[8], narrow ? -50 : -3000, narrow ? 50 : 3000);
    n_in = 9;
  }
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  a.conv.stride[0] = k->sh;
  a.conv.stride[1] = k->sw;
  a.conv.dilation[0] = k->dh;
  a.conv.dilation[1] = k->dw;
  for (int i = 0; i < 4; i++)
    a.conv.padding[i] = k->pad[i];
  a.conv.groups = k->groups;
  tens y;
  memset(&y, 0, sizeof y);
  uint32_t cm = k->const_w ? (1u << 3) | (1u << 4) | (1u << 5) : 0;
  if (!run_q(PV_OP_QLINEAR_CONV, &a, n_in, in, cm, &y)) {
    tens want = mk(y.d.dtype, y.d.ndim, y.d.shape);
    ref_conv(k, in, &want);
    expect_eq(k->name, &y, &want);
    tfree(&want);
  }
  tfree(&y);
  for (int i = 0; i < 9; i++)
    tfree(&in[i]);
}

static void check_convs(void) {
  /* clang-format off */
  static const conv_case cases[] = {
      /* name, xdt, wdt, ydt, n c h w o kh kw, g sh sw dh dw pad,
       * per_channel bias xzp_abs wzp_abs yzp_abs const_w, xs ws ys */
      {"conv u8 3x3 pad1 bias const", PV_U8, PV_U8, PV_U8,
       2, 5, 7, 6, 6, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1},
       0, 1, 0, 0, 0, 1, 0.02f, 0.01f, 0.05f},
      {"conv i8 per-channel stride2 asym pad", PV_I8, PV_I8, PV_I8,
       1, 4, 9, 8, 7, 3, 3, 1, 2, 2, 1, 1, {0, 1, 2, 1},
       1, 0, 0, 0, 0, 0, 0.03f, 0.004f, 0.02f},
      {"conv u8/i8 groups2 dilation2 per-channel const", PV_U8, PV_I8, PV_U8,
       1, 6, 10, 9, 4, 3, 2, 2, 1, 1, 2, 2, {2, 1, 1, 2},
       1, 1, 0, 0, 0, 1, 0.05f, 0.003f, 0.04f},
      {"conv depthwise u8 stride2 const", PV_U8, PV_U8, PV_U8,
       2, 8, 11, 9, 8, 3, 3, 8, 2, 2, 1, 1, {1, 1, 1, 1},
       1, 1, 0, 0, 0, 1, 0.02f, 0.01f, 0.03f},
      {"conv depthwise i8 dilation2 asym pad", PV_I8, PV_I8, PV_I8,
       1, 5, 9, 10, 5, 3, 5, 5, 1, 2, 2, 1, {2, 0, 1, 3},
       0, 0, 0, 0, 0, 0, 0.05f, 0.02f, 0.1f},
      {"conv depthwise 3x3 stride1 row dilation2", PV_U8, PV_I8, PV_U8,
       1, 4, 7, 12, 4, 3, 3, 4, 1, 1, 2, 1, {2, 1, 2, 1},
       1, 1, 0, 0, 0, 0, 0.02f, 0.01f, 0.03f},
      {"conv 1x1 u8 -> i8 bias const", PV_U8, PV_I8, PV_I8,
       2, 37, 5, 7, 19, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0},
       1, 1, 0, 0, 0, 1, 0.01f, 0.002f, 0.03f},
      {"conv 1x1 stride2", PV_I8, PV_I8, PV_U8,
       1, 9, 6, 6, 5, 1, 1, 1, 2, 2, 1, 1, {0, 0, 0, 0},
       0, 0, 0, 0, 0, 1, 0.02f, 0.01f, 0.05f},
      {"conv zero points absent", PV_U8, PV_U8, PV_U8,
       1, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1},
       0, 1, 1, 1, 1, 0, 0.001f, 0.001f, 0.05f},
      {"conv i8 zero points absent groups3", PV_I8, PV_I8, PV_I8,
       1, 6, 5, 5, 9, 3, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1},
       1, 0, 1, 1, 1, 1, 0.001f, 0.0005f, 0.01f},
      {"conv saturating u8", PV_U8, PV_U8, PV_U8,
       1, 8, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1},
       0, 1, 0, 0, 0, 1, 0.5f, 0.5f, 0.25f},
      {"conv saturating i8", PV_I8, PV_I8, PV_I8,
       1, 8, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1},
       1, 0, 0, 0, 0, 0, 0.5f, 0.5f, 0.25f},
      {"conv many tiles", PV_U8, PV_I8, PV_U8,
       1, 37, 13, 14, 19, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1},
       1, 1, 0, 0, 0, 1, 0.01f, 0.0005f, 0.04f},
      /* 1x1 with output channels in fours: the AVX-512 pairs form, with an
       * odd channel count (a half pair) and several pixel tiles */
      {"conv 1x1 u8 o%4 odd c pairs", PV_U8, PV_U8, PV_U8,
       2, 7, 17, 19, 8, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0},
       1, 1, 0, 0, 0, 1, 0.02f, 0.004f, 0.03f},
      {"conv 1x1 i8 o%4 even c pairs", PV_I8, PV_I8, PV_I8,
       1, 24, 9, 11, 12, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0},
       0, 0, 0, 0, 0, 0, 0.02f, 0.004f, 0.05f},
  };
  /* clang-format on */
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_conv(&cases[i], 0);
    check_conv(&cases[i], 1);
  }
}

/* Rounding ties: M = (1 * 1) / 2 = 0.5 and every accumulator odd somewhere:
 * 1x1 conv of one channel, w = 1, y = rne(acc / 2) + zp. */
static void check_conv_ties(void) {
  for (int dt = 0; dt < 2; dt++) {
    int t = dt ? PV_I8 : PV_U8;
    tens in[8];
    in[0] = MK(t, 1, 1, 2, 8);
    for (int i = 0; i < 16; i++) /* centred values -8 .. 7 */
      seti(&in[0], i, (dt ? 0 : 100) + i - 8);
    in[1] = scalar_f(1.0f);
    in[2] = zp_val(t, dt ? 0 : 100);
    in[3] = MK(t, 1, 1, 1, 1);
    seti(&in[3], 0, 1);
    in[4] = scalar_f(1.0f);
    in[5] = ABSENT;
    in[6] = scalar_f(2.0f);
    in[7] = zp_val(t, dt ? 0 : 128);
    pv_op_attrs a;
    memset(&a, 0, sizeof a);
    a.conv.stride[0] = a.conv.stride[1] = 1;
    a.conv.dilation[0] = a.conv.dilation[1] = 1;
    a.conv.groups = 1;
    tens y;
    if (!run_q(PV_OP_QLINEAR_CONV, &a, 8, in, 0, &y)) {
      /* -8/2=-4, -7/2=-3.5 -> -4, -5/2 -> -2, -3/2 -> -2, -1/2 -> -0, 1/2 -> 0,
       * 3/2 -> 2, 5/2 -> 2, 7/2 -> 4 */
      static const int32_t want[16] = {-4, -4, -3, -2, -2, -2, -1, 0,
                                       0,  0,  1,  2,  2,  2,  3,  4};
      for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(geti(&y, i), want[i] + (dt ? 0 : 128));
      tfree(&y);
    }
    for (int i = 0; i < 8; i++)
      tfree(&in[i]);
  }
}

/* ---- qlinear_matmul
 * ------------------------------------------------------------ */

static int g_narrow; /* check_matmul: values near the zero points */
/* const_b: b, b_scale and b_zp constant (packed once in prepare()) */

/* a [.., M, K] (or [K]), b [.., K, N]; per-row a, per-column b params. */
static void check_matmul(const char *name, int adt, int bdt, int ydt, int and_,
                         const int64_t *as, int bnd, const int64_t *bs,
                         int per_row, int per_col, int const_b) {
  tens in[8];
  in[0] = mk(adt, and_, as);
  fill_q(&in[0]);
  in[3] = mk(bdt, bnd, bs);
  fill_q(&in[3]);
  int64_t m = and_ >= 2 ? as[and_ - 2] : 1, k = as[and_ - 1], n = bs[bnd - 1];
  float sv[64];
  for (int i = 0; i < 64; i++)
    sv[i] = 0.01f * (float)(1 + i % 7);
  in[1] = scales(per_row ? (int)m : 0, sv);
  in[2] = zps(adt, per_row ? (int)m : 0);
  for (int i = 0; i < 64; i++)
    sv[i] = 0.003f * (float)(1 + i % 4);
  in[4] = scales(per_col ? (int)n : 0, sv);
  in[5] = zps(bdt, per_col ? (int)n : 0);
  in[6] = scalar_f(0.09f);
  in[7] = zps(ydt, 0);
  if (g_narrow) { /* within +-4 of the zero points, multipliers near 1 */
    int32_t lo = adt == PV_U8 ? 0 : -128, lo_b = bdt == PV_U8 ? 0 : -128;
    for (int64_t i = 0; i < numel(&in[0].d); i++) {
      int32_t v = pz(&in[2], (i / k) % m) + irand(-4, 4);
      seti(&in[0], i, v < lo ? lo : v > lo + 255 ? lo + 255 : v);
    }
    for (int64_t i = 0; i < numel(&in[3].d); i++) {
      int32_t v = pz(&in[5], i % n) + irand(-4, 4);
      seti(&in[3], i, v < lo_b ? lo_b : v > lo_b + 255 ? lo_b + 255 : v);
    }
    ((float *)in[6].p)[0] = 0.00002f * sqrtf((float)k);
  }
  tens y;
  if (!run_q(PV_OP_QLINEAR_MATMUL, NULL, 8, in, const_b ? 0x38u : 0u, &y)) {
    tens want = mk(y.d.dtype, y.d.ndim, y.d.shape);
    /* output batch dims, right-aligned against a's and b's */
    int ynd = y.d.ndim, nbd = ynd - (and_ == 1 ? 1 : 2);
    int nab = and_ >= 2 ? and_ - 2 : 0, nbb = bnd - 2;
    int64_t batch = 1;
    for (int d = 0; d < nbd; d++)
      batch *= y.d.shape[d];
    for (int64_t bi = 0; bi < batch; bi++) {
      int64_t rem = bi, ai = 0, bj = 0, am = 1, bm = 1;
      for (int d = nbd - 1; d >= 0; d--) {
        int64_t idx = rem % y.d.shape[d];
        rem /= y.d.shape[d];
        int ia = d - (nbd - nab), ib = d - (nbd - nbb);
        if (ia >= 0) {
          ai += (as[ia] == 1 ? 0 : idx) * am;
          am *= as[ia];
        }
        if (ib >= 0) {
          bj += (bs[ib] == 1 ? 0 : idx) * bm;
          bm *= bs[ib];
        }
      }
      for (int64_t r = 0; r < m; r++)
        for (int64_t c = 0; c < n; c++) {
          int32_t acc = 0;
          for (int64_t p = 0; p < k; p++)
            acc += (geti(&in[0], (ai * m + r) * k + p) - pz(&in[2], r)) *
                   (geti(&in[3], (bj * k + p) * n + c) - pz(&in[5], c));
          float mm = pf(&in[1], r) * pf(&in[4], c);
          mm = mm / getf(&in[6], 0);
          seti(&want, (bi * m + r) * n + c,
               ref_q((float)acc * mm, pz(&in[7], 0), ydt));
        }
    }
    expect_eq(name, &y, &want);
    tfree(&want);
    tfree(&y);
  }
  for (int i = 0; i < 8; i++)
    tfree(&in[i]);
}

static void check_matmuls(void) {
  check_matmul("matmul u8 2-D", PV_U8, PV_U8, PV_U8, 2, (int64_t[]){5, 33}, 2,
               (int64_t[]){33, 7}, 0, 0, 1);
  check_matmul("matmul i8 per-row per-col", PV_I8, PV_I8, PV_I8, 2,
               (int64_t[]){6, 20}, 2, (int64_t[]){20, 9}, 1, 1, 0);
  check_matmul("matmul 1-D a", PV_U8, PV_I8, PV_U8, 1, (int64_t[]){17}, 2,
               (int64_t[]){17, 5}, 0, 1, 1);
  check_matmul("matmul batched broadcast", PV_U8, PV_U8, PV_I8, 4,
               (int64_t[]){2, 1, 3, 12}, 3, (int64_t[]){4, 12, 6}, 1, 1, 0);
  check_matmul("matmul 1-D a batched b", PV_I8, PV_U8, PV_U8, 1, (int64_t[]){9},
               3, (int64_t[]){3, 9, 4}, 0, 0, 0);
}

/* ---- qlinear_add / qlinear_mul
 * ------------------------------------------------- */

static void check_qbinary(const char *name, int op, int adt, int bdt, int ydt,
                          int and_, const int64_t *as, int bnd,
                          const int64_t *bs, int zp_absent, float sa, float sb,
                          float sc) {
  tens in[8];
  in[0] = mk(adt, and_, as);
  fill_q(&in[0]);
  in[3] = mk(bdt, bnd, bs);
  fill_q(&in[3]);
  in[1] = scalar_f(sa);
  in[4] = scalar_f(sb);
  in[6] = scalar_f(sc);
  in[2] = zp_absent ? ABSENT : zps(adt, 0);
  in[5] = zp_absent ? ABSENT : zps(bdt, 0);
  in[7] = zp_absent ? ABSENT : zps(ydt, 0);
  tens y;
  if (!run_q(op, NULL, 8, in, 0, &y)) {
    tens want = mk(y.d.dtype, y.d.ndim, y.d.shape);
    int64_t n = numel(&y.d);
    for (int64_t i = 0; i < n; i++) {
      /* numpy broadcasting: index of a and b for output element i */
      int64_t rem = i, ia = 0, ib = 0, ma = 1, mb = 1;
      for (int d = y.d.ndim - 1; d >= 0; d--) {
        int64_t idx = rem % y.d.shape[d];
        rem /= y.d.shape[d];
        int da = d - (y.d.ndim - and_), db = d - (y.d.ndim - bnd);
        if (da >= 0) {
          ia += (as[da] == 1 ? 0 : idx) * ma;
          ma *= as[da];
        }
        if (db >= 0) {
          ib += (bs[db] == 1 ? 0 : idx) * mb;
          mb *= bs[db];
        }
      }
      float va = ((float)geti(&in[0], ia) - (float)pz(&in[2], 0)) * sa;
      float vb = ((float)geti(&in[3], ib) - (float)pz(&in[5], 0)) * sb;
      float v = op == PV_OP_QLINEAR_MUL ? va * vb : va + vb;
      v = v / sc;
      if (v - floorf(v) == 0.5f)
        n_ties++;
      seti(&want, i, ref_q(v, pz(&in[7], 0), y.d.dtype));
    }
    expect_eq(name, &y, &want);
    tfree(&want);
    tfree(&y);
  }
  for (int i = 0; i < 8; i++)
    tfree(&in[i]);
}

static void check_qbinaries(void) {
  check_qbinary("add u8 broadcast", PV_OP_QLINEAR_ADD, PV_U8, PV_U8, PV_U8, 3,
                (int64_t[]){2, 3, 4}, 2, (int64_t[]){3, 1}, 0, 0.05f, 0.02f,
                0.07f);
  /* scales 0.5 / 1: every value lands on a half or an integer */
  check_qbinary("add i8 ties zp absent", PV_OP_QLINEAR_ADD, PV_I8, PV_I8, PV_I8,
                2, (int64_t[]){4, 5}, 1, (int64_t[]){5}, 1, 0.5f, 1.0f, 1.0f);
  check_qbinary("mul u8/i8 broadcast both", PV_OP_QLINEAR_MUL, PV_U8, PV_I8,
                PV_U8, 3, (int64_t[]){2, 1, 6}, 3, (int64_t[]){1, 3, 1}, 0,
                0.02f, 0.03f, 0.004f);
  check_qbinary("mul i8 ties", PV_OP_QLINEAR_MUL, PV_I8, PV_I8, PV_I8, 1,
                (int64_t[]){40}, 1, (int64_t[]){1}, 0, 0.5f, 0.125f, 1.0f);
}

/* ---- qlinear_global_avg_pool
 * ----------------------------------------------------- */

static void check_gap(const char *name, int xdt, int ydt, int nd,
                      const int64_t *shape, float xs, float ys) {
  tens in[5];
  in[0] = mk(xdt, nd, shape);
  fill_q(&in[0]);
  in[1] = scalar_f(xs);
  in[2] = zps(xdt, 0);
  in[3] = scalar_f(ys);
  in[4] = zps(ydt, 0);
  tens y;
  if (!run_q(PV_OP_QLINEAR_GLOBAL_AVG_POOL, NULL, 5, in, 0, &y)) {
    tens want = mk(y.d.dtype, y.d.ndim, y.d.shape);
    int64_t img = 1;
    for (int i = 2; i < nd; i++)
      img *= shape[i];
    float den = ys * (float)img;
    float m = xs / den;
    for (int64_t t = 0; t < shape[0] * shape[1]; t++) {
      int32_t s = 0;
      for (int64_t i = 0; i < img; i++)
        s += geti(&in[0], t * img + i) - pz(&in[2], 0);
      seti(&want, t, ref_q((float)s * m, pz(&in[4], 0), ydt));
    }
    expect_eq(name, &y, &want);
    tfree(&want);
    tfree(&y);
  }
  for (int i = 0; i < 5; i++)
    tfree(&in[i]);
}

/* ---- quantize_linear / dequantize_linear
 * ------------------------------------------ */

static void check_quantize(int dt, int per_axis, int zp_absent) {
  tens in[3];
  in[0] = MK(PV_F32, 2, 3, 4);
  float *x = in[0].p;
  float sv[3] = {0.5f, 0.25f, 0.03f};
  for (int i = 0; i < 24; i++)
    x[i] = (float)irand(-4000, 4000) * 0.01f;
  /* ties on channel 0 (s = 0.5): 2.5, -2.5, 3.5, -3.5 */
  x[0] = 1.25f;
  x[1] = -1.25f;
  x[2] = 1.75f;
  x[3] = -1.75f;
  in[1] = scales(per_axis ? 3 : 0, sv);
  in[2] = zp_absent ? ABSENT : zps(dt, per_axis ? 3 : 0);
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  a.quant.axis = 1;
  a.quant.to = dt;
  tens y;
  if (!run_q(PV_OP_QUANTIZE_LINEAR, &a, 3, in, 0, &y)) {
    tens want = mk(y.d.dtype, y.d.ndim, y.d.shape);
    CHECK_EQ_INT(y.d.dtype, dt);
    for (int i = 0; i < 24; i++) {
      int ch = (i / 4) % 3;
      float v = x[i] / pf(&in[1], ch);
      seti(&want, i, ref_q(v, pz(&in[2], ch), dt));
    }
    expect_eq(dt == PV_U8 ? "quantize u8" : "quantize i8", &y, &want);
    if (zp_absent && dt == PV_I8) { /* the ties, exactly */
      CHECK_EQ_INT(geti(&y, 0), 2);
      CHECK_EQ_INT(geti(&y, 1), -2);
      CHECK_EQ_INT(geti(&y, 2), 4);
      CHECK_EQ_INT(geti(&y, 3), -4);
    }
    tfree(&want);
    tfree(&y);
  }
  for (int i = 0; i < 3; i++)
    tfree(&in[i]);
}

static void check_dequantize(int dt, int per_axis, int zp_absent) {
  tens in[3];
  in[0] = MK(dt, 2, 3, 5);
  if (dt == PV_I32)
    fill(&in[0], -100000, 100000);
  else
    fill_q(&in[0]);
  float sv[3] = {0.5f, 0.013f, 0.07f};
  in[1] = scales(per_axis ? 3 : 0, sv);
  int zdt = dt == PV_I32 ? PV_I8 : dt;
  in[2] = zp_absent ? ABSENT : zps(zdt, per_axis ? 3 : 0);
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  a.quant.axis = 1;
  tens y;
  if (!run_q(PV_OP_DEQUANTIZE_LINEAR, &a, 3, in, 0, &y)) {
    tens want = mk(PV_F32, y.d.ndim, y.d.shape);
    for (int i = 0; i < 30; i++) {
      int ch = (i / 5) % 3;
      float v = (float)geti(&in[0], i) - (float)pz(&in[2], ch);
      ((float *)want.p)[i] = v * pf(&in[1], ch);
    }
    expect_eq("dequantize", &y, &want);
    tfree(&want);
    tfree(&y);
  }
  for (int i = 0; i < 3; i++)
    tfree(&in[i]);
}

/* ---- supports()
 * ---------------------------------------------------------------------- */

static void check_supports(void) {
  pv_op_desc od;
  memset(&od, 0, sizeof od);
  od.op = PV_OP_QLINEAR_CONV;
  od.n_inputs = 8;
  od.n_outputs = 1;
  od.inputs[0] = (pv_tensor_desc){PV_U8, 4, {1, 3, 8, 8}};
  od.inputs[1] = (pv_tensor_desc){PV_F32, 0, {0}};
  od.inputs[2] = (pv_tensor_desc){PV_U8, 0, {0}};
  od.inputs[3] = (pv_tensor_desc){PV_I8, 4, {4, 3, 3, 3}};
  od.inputs[4] = (pv_tensor_desc){PV_F32, 1, {4}};
  od.inputs[5] = (pv_tensor_desc){PV_I8, 1, {4}};
  od.inputs[6] = (pv_tensor_desc){PV_F32, 0, {0}};
  od.inputs[7] = (pv_tensor_desc){PV_U8, 0, {0}};
  od.outputs[0] = (pv_tensor_desc){PV_U8, 4, {1, 4, 6, 6}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 1);
  od.inputs[0].dtype = PV_F32; /* f32 x: left to the float expansion */
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.inputs[0].dtype = PV_U8;
  od.inputs[2].dtype = PV_I32;
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.inputs[2].dtype = PV_U8;
  od.n_inputs = 9; /* bias must be i32 */
  od.inputs[8] = (pv_tensor_desc){PV_F32, 1, {4}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.inputs[8].dtype = PV_I32;
  CHECK_EQ_INT(P->supports_op(DEV, &od), 1);
  od.op = PV_OP_QUANTIZE_LINEAR; /* quantize needs f32 x */
  od.n_inputs = 2;
  od.inputs[1] = (pv_tensor_desc){PV_F32, 0, {0}};
  od.outputs[0] = (pv_tensor_desc){PV_U8, 4, {1, 3, 8, 8}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.inputs[0].dtype = PV_F32;
  CHECK_EQ_INT(P->supports_op(DEV, &od), 1);
}

/* A per-channel parameter of the wrong length is an error naming the op,
 * never a read past its buffer. */
static void check_bad_param(void) {
  tens in[8];
  in[0] = MK(PV_U8, 1, 2, 3, 3);
  fill_q(&in[0]);
  in[1] = scalar_f(0.1f);
  in[2] = zps(PV_U8, 0);
  in[3] = MK(PV_U8, 4, 2, 1, 1);
  fill_q(&in[3]);
  float sv[4] = {1, 1, 1, 1};
  in[4] = scales(4, sv);
  in[5] = zps(PV_U8, 0);
  in[6] = scalar_f(0.1f);
  in[7] = zps(PV_U8, 0);
  node_run r;
  memset(&r, 0, sizeof r);
  r.op = PV_OP_QLINEAR_CONV;
  r.n_in = 8;
  r.n_out = 1;
  r.attrs.conv.stride[0] = r.attrs.conv.stride[1] = 1;
  r.attrs.conv.dilation[0] = r.attrs.conv.dilation[1] = 1;
  r.attrs.conv.groups = 1;
  for (int i = 0; i < 8; i++) {
    r.in[i] = in[i].d;
    r.in_data[i] = in[i].p;
  }
  r.in[4].shape[0] = 3; /* 3 scales for 4 channels (past infer.c) */
  uint8_t y[36];
  r.out[0] = (pv_tensor_desc){PV_U8, 4, {1, 4, 3, 3}};
  r.out_data[0] = y;
  int sup = 0;
  CHECK_EQ_INT(run_node(&r, &sup), PV_ERR_SHAPE);
  CHECK(strstr(pv_last_error(), "qlinear_conv") != NULL);
  /* quantize along an axis x does not have */
  memset(&r, 0, sizeof r);
  r.op = PV_OP_QUANTIZE_LINEAR;
  r.n_in = 2;
  r.n_out = 1;
  r.attrs.quant.axis = 5;
  float xv[6] = {0};
  r.in[0] = (pv_tensor_desc){PV_F32, 2, {2, 3}};
  r.in[1] = in[1].d;
  r.in_data[0] = xv;
  r.in_data[1] = in[1].p;
  r.out[0] = (pv_tensor_desc){PV_U8, 2, {2, 3}};
  r.out_data[0] = y;
  CHECK_EQ_INT(run_node(&r, &sup), PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "quantize_linear") != NULL);
  for (int i = 0; i < 8; i++)
    tfree(&in[i]);
}

int main(void) {
  if (cpu_node_open())
    return pv_test_finish("test_cpu_quant");

  check_supports();
  check_bad_param();
  n_lo = n_hi = n_ties = 0;
  check_convs();
  /* the saturating cases must reach both bounds, the others be exercised */
  CHECK(n_lo > 0 && n_hi > 0);
  check_conv_ties();
  check_matmuls();
  g_narrow = 1;
  check_matmuls();
  n_ties = 0;
  check_qbinaries();
  CHECK(n_ties > 0);
  check_gap("gap u8 4-D", PV_U8, PV_U8, 4, (int64_t[]){2, 4, 3, 5}, 0.05f,
            0.02f);
  check_gap("gap i8 3-D", PV_I8, PV_I8, 3, (int64_t[]){2, 3, 7}, 0.1f, 0.01f);
  check_gap("gap u8 -> i8 one pixel", PV_U8, PV_I8, 4, (int64_t[]){1, 5, 1, 1},
            0.5f, 0.25f);
  for (int dt = 0; dt < 2; dt++) {
    int t = dt ? PV_I8 : PV_U8;
    check_quantize(t, 1, 0);
    check_quantize(t, 0, 0);
    check_quantize(t, 1, 1);
    check_dequantize(t, 1, 0);
    check_dequantize(t, 0, 1);
  }
  check_dequantize(PV_I32, 0, 0);
  check_dequantize(PV_I32, 1, 1);

  cpu_node_close();
  return pv_test_finish("test_cpu_quant");
}
