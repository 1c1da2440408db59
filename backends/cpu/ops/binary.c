/*
 * Binary elementwise kernels with numpy broadcasting: add, sub, mul, div,
 * pow, max, min (f32; all but pow also i32/i64 for ONNX shape math, integer
 * div truncating toward zero, div by zero giving 0; max and min also f16,
 * exact since the result is one of the inputs; all but prelu also f64, for
 * ONNX models computing in double) and prelu (f32). The f32
 * ops apply a fused activation (attrs.binary.act). max/min propagate NaN like
 * torch.maximum/minimum.
 */
#include "cpu_backend.h"

#include <math.h>

#define SEG 32768 /* elements per parallel item along the inner dim */

typedef struct bin_ctx {
  int op, dt;
  pv_cpu_bcast plan;
  const void *a, *b;
  void *y;
  int64_t nseg;
  const pv_act *act;
} bin_ctx;

static inline float f_op(int op, float a, float b) {
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
    return powf(a, b);
  case PV_OP_MAX:
    return isnan(a) || isnan(b) ? a + b : a > b ? a : b;
  case PV_OP_MIN:
    return isnan(a) || isnan(b) ? a + b : a < b ? a : b;
  case PV_OP_PRELU:
    return a >= 0.0f ? a : a * b;
  default:
    return 0.0f;
  }
}

#define PV_LOOP(T, EXPR)                                                       \
  do {                                                                         \
    const T *A = (const T *)pa, *B = (const T *)pb;                            \
    T *Y = (T *)py;                                                            \
    if (sa == 1 && sb == 1)                                                    \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = A[i], z = B[i];                                                  \
        Y[i] = EXPR;                                                           \
      }                                                                        \
    else if (sa == 1 && sb == 0) {                                             \
      T z = B[0];                                                              \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = A[i];                                                            \
        Y[i] = EXPR;                                                           \
      }                                                                        \
    } else if (sa == 0 && sb == 1) {                                           \
      T x = A[0];                                                              \
      for (int64_t i = 0; i < n; i++) {                                        \
        T z = B[i];                                                            \
        Y[i] = EXPR;                                                           \
      }                                                                        \
    } else                                                                     \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = A[i * sa], z = B[i * sb];                                        \
        Y[i] = EXPR;                                                           \
      }                                                                        \
  } while (0)

static void f32_row(int op, const float *pa, int64_t sa, const float *pb,
                    int64_t sb, float *py, int64_t n) {
  switch (op) {
  case PV_OP_ADD:
    PV_LOOP(float, x + z);
    break;
  case PV_OP_SUB:
    PV_LOOP(float, x - z);
    break;
  case PV_OP_MUL:
    PV_LOOP(float, x *z);
    break;
  case PV_OP_DIV:
    PV_LOOP(float, x / z);
    break;
  default:
    for (int64_t i = 0; i < n; i++)
      py[i] = f_op(op, pa[i * sa], pb[i * sb]);
  }
}

#define PV_INT_ROW(T, NAME, TMIN)                                              \
  static inline T NAME##_op(int op, T a, T b) {                                \
    switch (op) {                                                              \
    case PV_OP_ADD:                                                            \
      return (T)((uint64_t)a + (uint64_t)b);                                   \
    case PV_OP_SUB:                                                            \
      return (T)((uint64_t)a - (uint64_t)b);                                   \
    case PV_OP_MUL:                                                            \
      return (T)((uint64_t)a * (uint64_t)b);                                   \
    case PV_OP_DIV:                                                            \
      return b == 0 ? 0 : (a == TMIN && b == -1) ? a : a / b;                  \
    case PV_OP_MAX:                                                            \
      return a > b ? a : b;                                                    \
    case PV_OP_MIN:                                                            \
      return a < b ? a : b;                                                    \
    default:                                                                   \
      return 0;                                                                \
    }                                                                          \
  }                                                                            \
  static void NAME##_row(int op, const void *pa, int64_t sa, const void *pb,   \
                         int64_t sb, void *py, int64_t n) {                    \
    if (op == PV_OP_ADD)                                                       \
      PV_LOOP(T, (T)((uint64_t)x + (uint64_t)z));                              \
    else                                                                       \
      PV_LOOP(T, NAME##_op(op, x, z));                                         \
  }
PV_INT_ROW(int32_t, i32, INT32_MIN)
PV_INT_ROW(int64_t, i64, INT64_MIN)

/* f64 arithmetic, max/min (NaN propagated) and pow. */
static void f64_row(int op, const double *pa, int64_t sa, const double *pb,
                    int64_t sb, double *py, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    double a = pa[i * sa], b = pb[i * sb];
    switch (op) {
    case PV_OP_ADD:
      py[i] = a + b;
      break;
    case PV_OP_SUB:
      py[i] = a - b;
      break;
    case PV_OP_MUL:
      py[i] = a * b;
      break;
    case PV_OP_DIV:
      py[i] = a / b;
      break;
    case PV_OP_POW:
      py[i] = pow(a, b);
      break;
    case PV_OP_MAX:
      py[i] = isnan(a) || isnan(b) ? a + b : a > b ? a : b;
      break;
    default: /* PV_OP_MIN */
      py[i] = isnan(a) || isnan(b) ? a + b : a < b ? a : b;
    }
  }
}

/* f16 max/min: compared in f32 (exact), NaN propagated. */
static void f16_row(int op, const uint16_t *pa, int64_t sa, const uint16_t *pb,
                    int64_t sb, uint16_t *py, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    uint16_t ha = pa[i * sa], hb = pb[i * sb];
    float a = pv__cpu_f16_to_f32(ha), b = pv__cpu_f16_to_f32(hb);
    py[i] = isnan(a)                              ? ha
            : isnan(b)                            ? hb
            : (op == PV_OP_MAX ? a >= b : a <= b) ? ha
                                                  : hb;
  }
}

static void bin_chunk(void *vc, int64_t begin, int64_t end) {
  const bin_ctx *c = vc;
  size_t es = pv__cpu_dsize(c->dt);
  for (int64_t t = begin; t < end; t++) {
    int64_t row = t / c->nseg, seg = t % c->nseg;
    int64_t off[3];
    pv__cpu_bcast_row(&c->plan, row, off);
    int64_t i0 = seg * SEG;
    int64_t n = c->plan.inner - i0 < SEG ? c->plan.inner - i0 : SEG;
    int64_t sa = c->plan.inner_st[0], sb = c->plan.inner_st[1];
    const char *pa = (const char *)c->a + (off[0] + i0 * sa) * (int64_t)es;
    const char *pb = (const char *)c->b + (off[1] + i0 * sb) * (int64_t)es;
    char *py = (char *)c->y + (row * c->plan.inner + i0) * (int64_t)es;
    if (c->dt == PV_F32) {
      f32_row(c->op, (const float *)pa, sa, (const float *)pb, sb, (float *)py,
              n);
      pv__cpu_act_f32(c->act, (float *)py, n);
    } else if (c->dt == PV_F64) {
      f64_row(c->op, (const double *)pa, sa, (const double *)pb, sb,
              (double *)py, n);
    } else if (c->dt == PV_F16) {
      f16_row(c->op, (const uint16_t *)pa, sa, (const uint16_t *)pb, sb,
              (uint16_t *)py, n);
    } else if (c->dt == PV_I32) {
      i32_row(c->op, pa, sa, pb, sb, py, n);
    } else {
      i64_row(c->op, pa, sa, pb, sb, py, n);
    }
  }
}

static int bin_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  if (op->inputs[1].dtype != dt || op->outputs[0].dtype != dt)
    return 0;
  if (dt == PV_F32)
    return op->op == PV_OP_PRELU ||
           pv__cpu_act_supported(&op->attrs.binary.act);
  if (dt == PV_F64)
    return op->op != PV_OP_PRELU && op->attrs.binary.act.op == PV_OP_NONE;
  if (dt == PV_F16)
    return (op->op == PV_OP_MAX || op->op == PV_OP_MIN) &&
           op->attrs.binary.act.op == PV_OP_NONE;
  if (dt == PV_I32 || dt == PV_I64)
    return op->op != PV_OP_POW && op->op != PV_OP_PRELU &&
           op->attrs.binary.act.op == PV_OP_NONE;
  return 0;
}

static int bin_run(const pv_cpu_exec *e) {
  bin_ctx c;
  memset(&c, 0, sizeof c);
  c.op = e->node->op;
  c.dt = e->in[0].desc->dtype;
  const pv_tensor_desc *in[2] = {e->in[0].desc, e->in[1].desc};
  pv__cpu_bcast_plan_init(&c.plan, 2, in, e->out[0].desc);
  c.a = e->in[0].data;
  c.b = e->in[1].data;
  c.y = e->out[0].data;
  c.act = c.op == PV_OP_PRELU ? NULL : &e->node->attrs.binary.act;
  if (pv__cpu_numel(e->out[0].desc) == 0)
    return 0;
  c.nseg = (c.plan.inner + SEG - 1) / SEG;
  int64_t items = c.plan.rows * c.nseg;
  int64_t per = c.plan.inner < SEG ? c.plan.inner : SEG;
  pv__cpu_host->parallel_for(items, 1 + 16384 / (per ? per : 1), bin_chunk, &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_binary = {.supports = bin_supports,
                                       .run = bin_run};
