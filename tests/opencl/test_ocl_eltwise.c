/* OpenCL elementwise ops against inline CPU expectations: every unary op,
 * binary ops with numpy broadcasting and a fused activation, comparisons,
 * prelu, where and casts. */
#include "ocl_harness.h"

#include <polyvis/elem.h>

static ocl_t T;

static double ref_unary(int op, double x, float a, float b, int mode) {
  switch (op) {
  case PV_OP_RELU:
    return isnan(x) ? x : x > 0 ? x : 0;
  case PV_OP_CLIP:
    return x < a ? a : x > b ? b : x;
  case PV_OP_HARDSWISH:
    return x * fmin(fmax(x + 3, 0), 6) / 6;
  case PV_OP_HARDSIGMOID:
    return fmin(fmax(a * x + b, 0), 1);
  case PV_OP_SILU:
    return x / (1 + exp(-x));
  case PV_OP_GELU:
    return mode ? 0.5 * x *
                      (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)))
                : 0.5 * x * (1 + erf(x / sqrt(2.0)));
  case PV_OP_SIGMOID:
    return 1 / (1 + exp(-x));
  case PV_OP_TANH:
    return tanh(x);
  case PV_OP_LEAKY_RELU:
    return x > 0 ? x : x * a;
  case PV_OP_EXP:
    return exp(x);
  case PV_OP_LOG:
    return log(x);
  case PV_OP_SQRT:
    return sqrt(x);
  case PV_OP_RSQRT:
    return 1 / sqrt(x);
  case PV_OP_NEG:
    return -x;
  case PV_OP_ABS:
    return fabs(x);
  case PV_OP_ERF:
    return erf(x);
  default:
    return NAN;
  }
}

static void test_unary(void) {
  int64_t shp[2] = {7, 19};
  pv_tensor_desc d = ocl_desc(PV_F32, 2, shp);
  float x[133], want[133];
  ocl_fill(x, 133, 1);
  for (int i = 0; i < 133; i++)
    x[i] *= 4.0f;
  for (int op = PV_OP_RELU; op <= PV_OP_ERF; op++) {
    for (int mode = 0; mode < (op == PV_OP_GELU ? 2 : 1); mode++) {
      pv_op_attrs at;
      memset(&at, 0, sizeof at);
      at.unary.alpha = op == PV_OP_CLIP          ? -0.5f
                       : op == PV_OP_HARDSIGMOID ? 1.0f / 6
                                                 : 0.1f;
      at.unary.beta = op == PV_OP_CLIP ? 2.0f : 0.5f;
      at.unary.mode = mode;
      float xin[133];
      for (int i = 0; i < 133; i++) {
        xin[i] = op == PV_OP_LOG || op == PV_OP_SQRT || op == PV_OP_RSQRT
                     ? fabsf(x[i]) + 0.01f
                     : x[i];
        want[i] =
            (float)ref_unary(op, xin[i], at.unary.alpha, at.unary.beta, mode);
      }
      const void *in[1] = {xin};
      pv_tensor_desc out;
      void *got = NULL;
      int rc = ocl_run_node(&T, op, &at, 1, &d, in, 0, 1, &out, &got);
      CHECK_EQ_INT(rc, 0);
      double e = rc ? 1 : ocl_rel_err(got, want, 133);
      if (e > 1e-5)
        fprintf(stderr, "%s mode %d: rel err %g\n", pv_op_name(op), mode, e);
      CHECK(e <= 1e-5);
      free(got);
    }
  }
  /* relu keeps NaN like torch.relu */
  float nanx[2] = {NAN, -1.0f}, w2[2] = {NAN, 0.0f};
  int64_t s2[1] = {2};
  pv_tensor_desc d2 = ocl_desc(PV_F32, 1, s2), o2;
  const void *in2[1] = {nanx};
  void *g2 = NULL;
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_RELU, &at, 1, &d2, in2, 0, 1, &o2, &g2),
               0);
  if (g2)
    CHECK(ocl_rel_err(g2, w2, 2) == 0);
  free(g2);
}

static double ref_binary(int op, double a, double b) {
  switch (op) {
  case PV_OP_ADD:
    return a + b;
  case PV_OP_SUB:
    return a - b;
  case PV_OP_MUL:
    return a * b;
  case PV_OP_DIV:
    return a / b;
  case PV_OP_POW:
    return pow(a, b);
  case PV_OP_MAX:
    return fmax(a, b);
  case PV_OP_MIN:
    return fmin(a, b);
  case PV_OP_PRELU:
    return a >= 0 ? a : a * b;
  case PV_OP_EQUAL:
    return a == b;
  case PV_OP_LESS:
    return a < b;
  case PV_OP_GREATER:
    return a > b;
  default:
    return NAN;
  }
}

static void test_binary(void) {
  /* a [2,3,4,5] with b [3,1,5]; also b as a constant and a scalar [1]. */
  int64_t sa[4] = {2, 3, 4, 5}, sb[3] = {3, 1, 5}, s1[1] = {1};
  float a[120], b[15];
  ocl_fill(a, 120, 2);
  ocl_fill(b, 15, 3);
  for (int i = 0; i < 120; i++)
    a[i] = fabsf(a[i]) + 0.1f;
  for (int i = 0; i < 15; i++)
    b[i] = b[i] * 2.0f + (b[i] >= 0 ? 0.1f : -0.1f);
  b[3] = a[3]; /* one equal pair for EQUAL */
  const int ops[] = {PV_OP_ADD,   PV_OP_SUB,  PV_OP_MUL,    PV_OP_DIV,
                     PV_OP_POW,   PV_OP_MAX,  PV_OP_MIN,    PV_OP_PRELU,
                     PV_OP_EQUAL, PV_OP_LESS, PV_OP_GREATER};
  for (size_t oi = 0; oi < sizeof ops / sizeof ops[0]; oi++) {
    int op = ops[oi];
    int cmp = op >= PV_OP_EQUAL && op <= PV_OP_GREATER;
    for (int variant = 0; variant < 3; variant++) {
      pv_tensor_desc in[2] = {ocl_desc(PV_F32, 4, sa),
                              variant == 2 ? ocl_desc(PV_F32, 1, s1)
                                           : ocl_desc(PV_F32, 3, sb)};
      if (op == PV_OP_PRELU && variant != 2)
        continue; /* prelu's slope is per channel or scalar */
      pv_op_attrs at;
      memset(&at, 0, sizeof at);
      if (variant == 1 && !cmp && op != PV_OP_PRELU)
        at.binary.act.op = PV_OP_RELU;
      const void *data[2] = {a, b};
      pv_tensor_desc out;
      void *got = NULL;
      int rc = ocl_run_node(&T, op, &at, 2, in, data, variant == 1 ? 2u : 0u, 1,
                            &out, &got);
      CHECK_EQ_INT(rc, 0);
      if (rc) {
        free(got);
        continue;
      }
      float want[120], gotf[120];
      for (int i = 0; i < 120; i++) {
        int c4 = i % 5, c2 = i / 20 % 3;
        double bv = variant == 2 ? b[0] : b[c2 * 5 + c4];
        double r = ref_binary(op, a[i], bv);
        if (at.binary.act.op == PV_OP_RELU && r < 0)
          r = 0;
        want[i] = (float)r;
        gotf[i] = cmp ? (float)((unsigned char *)got)[i] : ((float *)got)[i];
      }
      double e = ocl_rel_err(gotf, want, 120);
      if (e > 1e-5)
        fprintf(stderr, "%s variant %d: rel err %g\n", pv_op_name(op), variant,
                e);
      CHECK(e <= 1e-5);
      free(got);
    }
  }
}

/* i64 / i32 add, mul, max and less with broadcasting. */
static void test_int_binary(void) {
  int64_t sa[2] = {3, 4}, sb[1] = {4};
  int64_t a64[12], b64[4];
  int32_t a32[12], b32[4];
  for (int i = 0; i < 12; i++)
    a32[i] = (int32_t)(a64[i] = (i * 7919) % 23 - 11);
  for (int i = 0; i < 4; i++)
    b32[i] = (int32_t)(b64[i] = i * 3 - 4);
  const int ops[4] = {PV_OP_ADD, PV_OP_MUL, PV_OP_MAX, PV_OP_LESS};
  for (int w = 0; w < 2; w++)
    for (int oi = 0; oi < 4; oi++) {
      int dt = w ? PV_I32 : PV_I64;
      pv_tensor_desc in[2] = {ocl_desc(dt, 2, sa), ocl_desc(dt, 1, sb)};
      const void *d[2] = {w ? (const void *)a32 : (const void *)a64,
                          w ? (const void *)b32 : (const void *)b64};
      pv_op_attrs at;
      memset(&at, 0, sizeof at);
      pv_tensor_desc out;
      void *got = NULL;
      CHECK_EQ_INT(ocl_run_node(&T, ops[oi], &at, 2, in, d, 0, 1, &out, &got),
                   0);
      if (!got)
        continue;
      for (int i = 0; i < 12; i++) {
        int64_t x = a64[i], y = b64[i % 4];
        int64_t want = oi == 0   ? x + y
                       : oi == 1 ? x * y
                       : oi == 2 ? (x > y ? x : y)
                                 : x < y;
        int64_t g = oi == 3 ? ((unsigned char *)got)[i]
                    : w     ? ((int32_t *)got)[i]
                            : ((int64_t *)got)[i];
        CHECK_EQ_INT(g, want);
      }
      free(got);
    }
}

static void test_where_cast(void) {
  int64_t sc[2] = {3, 1}, sx[2] = {3, 4}, sy[1] = {4};
  unsigned char c[3] = {1, 0, 1};
  float x[12], y[4];
  ocl_fill(x, 12, 4);
  ocl_fill(y, 4, 5);
  pv_tensor_desc in[3] = {ocl_desc(PV_BOOL, 2, sc), ocl_desc(PV_F32, 2, sx),
                          ocl_desc(PV_F32, 1, sy)};
  const void *data[3] = {c, x, y};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  pv_tensor_desc out;
  void *got = NULL;
  CHECK_EQ_INT(
      ocl_run_node(&T, PV_OP_WHERE, &at, 3, in, data, 0, 1, &out, &got), 0);
  float want[12];
  for (int i = 0; i < 12; i++)
    want[i] = c[i / 4] ? x[i] : y[i % 4];
  if (got)
    CHECK(ocl_rel_err(got, want, 12) == 0);
  free(got);

  /* f32 -> i64 truncates toward zero; i64 -> f32; f32 -> bool. */
  float xs[6] = {-2.7f, -0.5f, 0.0f, 0.5f, 1.9f, 1e6f};
  int64_t s6[1] = {6};
  pv_tensor_desc d6 = ocl_desc(PV_F32, 1, s6);
  const void *d6p[1] = {xs};
  memset(&at, 0, sizeof at);
  at.cast.to = PV_I64;
  got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_CAST, &at, 1, &d6, d6p, 0, 1, &out, &got),
               0);
  if (got) {
    const int64_t *gi = got;
    CHECK(gi[0] == -2 && gi[1] == 0 && gi[2] == 0 && gi[3] == 0 && gi[4] == 1 &&
          gi[5] == 1000000);
    pv_tensor_desc di = out, o2;
    const void *dip[1] = {got};
    void *back = NULL;
    at.cast.to = PV_F32;
    CHECK_EQ_INT(
        ocl_run_node(&T, PV_OP_CAST, &at, 1, &di, dip, 0, 1, &o2, &back), 0);
    if (back)
      CHECK(((float *)back)[0] == -2.0f && ((float *)back)[5] == 1e6f);
    free(back);
  }
  free(got);
  at.cast.to = PV_BOOL;
  got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_CAST, &at, 1, &d6, d6p, 0, 1, &out, &got),
               0);
  if (got) {
    const unsigned char *gb = got;
    CHECK(gb[0] == 1 && gb[1] == 1 && gb[2] == 0 && gb[5] == 1);
  }
  free(got);
}

/* f32 -> f16 -> f32 through vstore_half_rte / vload_half: bit-exact with
 * the host's round-to-nearest-even conversion, including inf and tiny
 * values. */
static void test_f16_cast(void) {
  float x[8] = {1.0f / 3, -2.5f, 65504.0f, 1e5f, 6e-8f, -0.0f, 0.1f, 1e-4f};
  uint16_t want[8];
  pv__convert(want, PV_F16, x, PV_F32, 8);
  int64_t s8[1] = {8};
  pv_tensor_desc d = ocl_desc(PV_F32, 1, s8), out, o2;
  const void *in[1] = {x};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  at.cast.to = PV_F16;
  void *got = NULL, *back = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_CAST, &at, 1, &d, in, 0, 1, &out, &got),
               0);
  if (!got)
    return;
  CHECK(!memcmp(got, want, sizeof want));
  at.cast.to = PV_F32;
  const void *in2[1] = {got};
  CHECK_EQ_INT(
      ocl_run_node(&T, PV_OP_CAST, &at, 1, &out, in2, 0, 1, &o2, &back), 0);
  if (back) {
    float wb[8];
    pv__convert(wb, PV_F32, want, PV_F16, 8);
    CHECK(!memcmp(back, wb, sizeof wb));
  }
  free(got);
  free(back);
}

/* f32 -> bf16 -> f32 (integer bit operations in the kernels): bit-exact with
 * elem.h, rounding ties to even, NaN kept quiet, overflow to inf, f32
 * subnormals; then every bfloat16 pattern widened. */
static void test_bf16_cast(void) {
  enum { N = 13 };
  static const uint32_t xb[N] = {
      0x3f808000u, 0x3f818000u, 0x3f808001u, 0x3f807fffu, 0x7f7fffffu,
      0xff7f8000u, 0x7fc00000u, 0x7f800001u, 0xff800000u, 0x80000000u,
      0x00000001u, 0x807fffffu, 0x40490fdbu};
  float x[N];
  uint16_t want[N];
  memcpy(x, xb, sizeof x);
  for (int i = 0; i < N; i++)
    want[i] = pv_elem_f32_to_bf16(x[i]);
  int64_t sn[1] = {N}, sh[1] = {65536};
  pv_tensor_desc d = ocl_desc(PV_F32, 1, sn), out, o2;
  const void *in[1] = {x};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  at.cast.to = PV_BF16;
  void *got = NULL, *back = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_CAST, &at, 1, &d, in, 0, 1, &out, &got),
               0);
  CHECK(got && !memcmp(got, want, sizeof want));
  free(got);
  uint16_t *all = malloc(65536 * 2);
  for (int i = 0; i < 65536; i++)
    all[i] = (uint16_t)i;
  pv_tensor_desc dh = ocl_desc(PV_BF16, 1, sh);
  const void *in2[1] = {all};
  at.cast.to = PV_F32;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_CAST, &at, 1, &dh, in2, 0, 1, &o2, &back),
               0);
  int bad = 0;
  for (int i = 0; i < 65536 && back; i++) {
    float w = pv_elem_bf16_to_f32(all[i]);
    bad += memcmp((const float *)back + i, &w, 4) != 0;
  }
  CHECK(back && bad == 0);
  free(back);
  free(all);
}

/* 0-d tensors, empty tensors, and dtype combos the backend must decline. */
static void test_edges(void) {
  float a = 1.5f, b = -4.0f;
  pv_tensor_desc in[2] = {ocl_desc(PV_F32, 0, NULL), ocl_desc(PV_F32, 0, NULL)};
  const void *d[2] = {&a, &b};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  pv_tensor_desc out;
  void *got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_MUL, &at, 2, in, d, 0, 1, &out, &got), 0);
  CHECK_EQ_INT(out.ndim, 0);
  if (got)
    CHECK(*(float *)got == -6.0f);
  free(got);

  int64_t se[2] = {0, 5};
  pv_tensor_desc e = ocl_desc(PV_F32, 2, se);
  const void *de[1] = {&a};
  got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_RELU, &at, 1, &e, de, 0, 1, &out, &got),
               0);
  free(got);

  pv_op_desc od;
  memset(&od, 0, sizeof od);
  int64_t s4[4] = {1, 3, 8, 8}, sw[4] = {4, 3, 3, 3};
  od.op = PV_OP_CONV2D;
  od.n_inputs = 2;
  od.n_outputs = 1;
  od.inputs[0] = ocl_desc(PV_F16, 4, s4);
  od.inputs[1] = ocl_desc(PV_F16, 4, sw);
  od.outputs[0] = ocl_desc(PV_F16, 4, s4);
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0);
  od.op = PV_OP_ADD;
  od.inputs[0] = od.inputs[1] = od.outputs[0] = ocl_desc(PV_F64, 4, s4);
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0);
  od.op = PV_OP_DIV;
  od.inputs[0] = od.inputs[1] = od.outputs[0] = ocl_desc(PV_I64, 4, s4);
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0);
  od.op = PV_OP_ADD;
  od.attrs.binary.act.op = PV_OP_CONV2D; /* not an activation */
  od.inputs[0] = od.inputs[1] = od.outputs[0] = ocl_desc(PV_F32, 4, s4);
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0);
  od.op = PV_OP_COUNT + 5;
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0);
  int64_t huge[2] = {1 << 20, 1 << 12};
  od.op = PV_OP_RELU;
  od.n_inputs = 1;
  od.inputs[0] = od.outputs[0] = ocl_desc(PV_F32, 2, huge);
  CHECK_EQ_INT(T.d->supports_op(T.dev, &od), 0); /* > 2^31 elements */
}

/* where on i64 branches; relu/neg/abs on i32. */
static void test_int_misc(void) {
  int64_t sc[1] = {4}, s4[1] = {4};
  unsigned char c[4] = {1, 0, 0, 1};
  int64_t a[4] = {1, 2, 3, 4}, b[4] = {-1, -2, -3, -4};
  pv_tensor_desc in[3] = {ocl_desc(PV_BOOL, 1, sc), ocl_desc(PV_I64, 1, s4),
                          ocl_desc(PV_I64, 1, s4)};
  const void *d[3] = {c, a, b};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  pv_tensor_desc out;
  void *got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, PV_OP_WHERE, &at, 3, in, d, 0, 1, &out, &got),
               0);
  if (got) {
    const int64_t *g = got;
    CHECK(g[0] == 1 && g[1] == -2 && g[2] == -3 && g[3] == 4);
  }
  free(got);
  int32_t x[4] = {-5, 0, 7, -1};
  pv_tensor_desc xi = ocl_desc(PV_I32, 1, s4);
  const void *dx[1] = {x};
  const int ops[3] = {PV_OP_RELU, PV_OP_NEG, PV_OP_ABS};
  const int32_t want[3][4] = {{0, 0, 7, 0}, {5, 0, -7, 1}, {5, 0, 7, 1}};
  for (int k = 0; k < 3; k++) {
    got = NULL;
    CHECK_EQ_INT(ocl_run_node(&T, ops[k], &at, 1, &xi, dx, 0, 1, &out, &got),
                 0);
    if (got)
      CHECK(!memcmp(got, want[k], sizeof want[k]));
    free(got);
  }
}

/* f16 tensors: computed in f32, rounded to nearest-even on store. The
 * expectation does the same on the host; transcendental ops may differ by
 * one f16 ulp, so compare in f32 with a half-precision tolerance, and
 * bit-exactly for add/mul. */
static void test_f16_ops(void) {
  int64_t sa[2] = {3, 8}, sb[1] = {8};
  float af[24], bf[8];
  ocl_fill(af, 24, 90);
  ocl_fill(bf, 8, 91);
  uint16_t a[24], b[8];
  pv__convert(a, PV_F16, af, PV_F32, 24);
  pv__convert(b, PV_F16, bf, PV_F32, 8);
  pv__convert(af, PV_F32, a, PV_F16, 24); /* the exact f16 values */
  pv__convert(bf, PV_F32, b, PV_F16, 8);
  pv_tensor_desc in[2] = {ocl_desc(PV_F16, 2, sa), ocl_desc(PV_F16, 1, sb)};
  const void *d[2] = {a, b};
  const int ops[3] = {PV_OP_ADD, PV_OP_MUL, PV_OP_SIGMOID};
  for (int k = 0; k < 3; k++) {
    pv_op_attrs at;
    memset(&at, 0, sizeof at);
    if (k == 0)
      at.binary.act.op = PV_OP_RELU;
    pv_tensor_desc out;
    void *got = NULL;
    int unary = ops[k] == PV_OP_SIGMOID;
    CHECK_EQ_INT(
        ocl_run_node(&T, ops[k], &at, unary ? 1 : 2, in, d, 0, 1, &out, &got),
        0);
    CHECK_EQ_INT(out.dtype, PV_F16);
    if (!got)
      continue;
    float wf[24], gf[24];
    for (int i = 0; i < 24; i++) {
      float x = af[i], y = bf[i % 8];
      wf[i] = k == 0   ? (x + y > 0 ? x + y : 0)
              : k == 1 ? x * y
                       : 1.0f / (1.0f + expf(-x));
    }
    uint16_t wh[24];
    pv__convert(wh, PV_F16, wf, PV_F32, 24);
    if (k < 2)
      CHECK(!memcmp(got, wh, sizeof wh));
    pv__convert(gf, PV_F32, got, PV_F16, 24);
    pv__convert(wf, PV_F32, wh, PV_F16, 24);
    CHECK(ocl_rel_err(gf, wf, 24) <= 1e-3);
    free(got);
  }
}

int main(void) {
  int rc = ocl_open(&T);
  if (rc)
    return rc;
  test_unary();
  test_binary();
  test_where_cast();
  test_int_binary();
  test_f16_cast();
  test_bf16_cast();
  test_edges();
  test_int_misc();
  test_f16_ops();
  ocl_unload(&T);
  return pv_test_finish("test_ocl_eltwise");
}
