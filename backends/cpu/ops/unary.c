/* Unary elementwise kernels (relu ... erf) and the fused activations that
 * conv, gemm and binary kernels apply in their epilogues. f32 for all ops;
 * relu, clip, neg and abs also for i32 and i64; neg, abs, exp, log and sqrt
 * also for f64. NaN propagates as in torch. */
#include "cpu_backend.h"

#include <math.h>

static inline float hsig(float x, float a, float b) {
  float v = a * x + b;
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

float pv__cpu_unary_f32(int op, float alpha, float beta, int mode, float x) {
  switch (op) {
  case PV_OP_RELU:
    return x < 0.0f ? 0.0f : x;
  case PV_OP_CLIP:
    return x < alpha ? alpha : x > beta ? beta : x;
  case PV_OP_HARDSWISH: {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t > 6.0f ? 6.0f : t;
    return x * t / 6.0f;
  }
  case PV_OP_HARDSIGMOID:
    return isnan(x) ? x : hsig(x, alpha, beta);
  case PV_OP_SILU:
    return x / (1.0f + expf(-x));
  case PV_OP_GELU:
    if (mode == 1) {
      const float k = 0.7978845608028654f; /* sqrt(2/pi) */
      return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
    }
    return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
  case PV_OP_SIGMOID:
    return 1.0f / (1.0f + expf(-x));
  case PV_OP_TANH:
    return tanhf(x);
  case PV_OP_LEAKY_RELU:
    return x < 0.0f ? x * alpha : x;
  case PV_OP_EXP:
    return expf(x);
  case PV_OP_LOG:
    return logf(x);
  case PV_OP_SQRT:
    return sqrtf(x);
  case PV_OP_RSQRT:
    return 1.0f / sqrtf(x);
  case PV_OP_NEG:
    return -x;
  case PV_OP_ABS:
    return fabsf(x);
  case PV_OP_ERF:
    return erff(x);
  default:
    return x;
  }
}

/* Specialised loops for the cheap, common activations so they vectorise. */
static void unary_loop(int op, float a, float b, int mode, const float *x,
                       float *y, int64_t n) {
  switch (op) {
  case PV_OP_RELU:
    for (int64_t i = 0; i < n; i++)
      y[i] = x[i] < 0.0f ? 0.0f : x[i];
    return;
  case PV_OP_CLIP:
    for (int64_t i = 0; i < n; i++)
      y[i] = x[i] < a ? a : x[i] > b ? b : x[i];
    return;
  case PV_OP_LEAKY_RELU:
    for (int64_t i = 0; i < n; i++)
      y[i] = x[i] < 0.0f ? x[i] * a : x[i];
    return;
  case PV_OP_NEG:
    for (int64_t i = 0; i < n; i++)
      y[i] = -x[i];
    return;
  case PV_OP_ABS:
    for (int64_t i = 0; i < n; i++)
      y[i] = fabsf(x[i]);
    return;
  case PV_OP_HARDSWISH:
    for (int64_t i = 0; i < n; i++) {
      float t = x[i] + 3.0f;
      t = t < 0.0f ? 0.0f : t > 6.0f ? 6.0f : t;
      y[i] = x[i] * t / 6.0f;
    }
    return;
  default:
    if (pv__cpu_vec_unary(op, mode, x, y, n))
      return;
    for (int64_t i = 0; i < n; i++)
      y[i] = pv__cpu_unary_f32(op, a, b, mode, x[i]);
  }
}

void pv__cpu_act_f32(const pv_act *act, float *y, int64_t n) {
  if (!act || act->op == PV_OP_NONE)
    return;
  unary_loop(act->op, act->alpha, act->beta, act->mode, y, y, n);
}

int pv__cpu_act_supported(const pv_act *act) {
  return act->op == PV_OP_NONE ||
         (act->op >= PV_OP_RELU && act->op <= PV_OP_ERF);
}

typedef struct unary_ctx {
  int op;
  float a, b;
  int mode;
  int dt;
  const void *x;
  void *y;
} unary_ctx;

/* float bound -> integer bound without UB (NaN / out of range saturate) */
static int32_t sat_int32_t(float v) {
  return v != v                ? 0
         : v <= -2147483648.0f ? INT32_MIN
         : v >= 2147483648.0f  ? INT32_MAX
                               : (int32_t)v;
}
static int64_t sat_int64_t(float v) {
  return v != v                         ? 0
         : v <= -9223372036854775808.0f ? INT64_MIN
         : v >= 9223372036854775808.0f  ? INT64_MAX
                                        : (int64_t)v;
}

static void unary_chunk(void *c, int64_t b, int64_t e) {
  unary_ctx *u = c;
  if (u->dt == PV_F32) {
    unary_loop(u->op, u->a, u->b, u->mode, (const float *)u->x + b,
               (float *)u->y + b, e - b);
    return;
  }
  if (u->dt == PV_F64) { /* the ops of unary_supports' f64 list */
    const double *x = u->x;
    double *y = u->y;
    for (int64_t i = b; i < e; i++)
      y[i] = u->op == PV_OP_NEG   ? -x[i]
             : u->op == PV_OP_ABS ? fabs(x[i])
             : u->op == PV_OP_EXP ? exp(x[i])
             : u->op == PV_OP_LOG ? log(x[i])
                                  : sqrt(x[i]);
    return;
  }
#define PV_INT_UNARY(T)                                                        \
  {                                                                            \
    const T *x = (const T *)u->x;                                              \
    T *y = (T *)u->y;                                                          \
    T lo = sat_##T(u->a), hi = sat_##T(u->b);                                  \
    for (int64_t i = b; i < e; i++) {                                          \
      T v = x[i];                                                              \
      switch (u->op) {                                                         \
      case PV_OP_RELU:                                                         \
        v = v < 0 ? 0 : v;                                                     \
        break;                                                                 \
      case PV_OP_NEG:                                                          \
        v = (T)(0 - (uint64_t)v);                                              \
        break;                                                                 \
      case PV_OP_ABS:                                                          \
        v = v < 0 ? (T)(0 - (uint64_t)v) : v;                                  \
        break;                                                                 \
      case PV_OP_CLIP:                                                         \
        v = v < lo ? lo : v > hi ? hi : v;                                     \
        break;                                                                 \
      }                                                                        \
      y[i] = v;                                                                \
    }                                                                          \
  }
  if (u->dt == PV_I32)
    PV_INT_UNARY(int32_t)
  else
    PV_INT_UNARY(int64_t)
#undef PV_INT_UNARY
}

static int unary_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  if (op->outputs[0].dtype != dt)
    return 0;
  if (dt == PV_F32)
    return 1;
  if (dt == PV_I32 || dt == PV_I64)
    return op->op == PV_OP_RELU || op->op == PV_OP_NEG || op->op == PV_OP_ABS ||
           op->op == PV_OP_CLIP;
  if (dt == PV_F64) /* what ONNX composites of double models need */
    return op->op == PV_OP_NEG || op->op == PV_OP_ABS || op->op == PV_OP_EXP ||
           op->op == PV_OP_LOG || op->op == PV_OP_SQRT;
  return 0;
}

static int unary_run(const pv_cpu_exec *e) {
  const pv_unary_attrs *ua = &e->node->attrs.unary;
  unary_ctx c = {e->node->op,          ua->alpha,     ua->beta,      ua->mode,
                 e->in[0].desc->dtype, e->in[0].data, e->out[0].data};
  pv__cpu_host->parallel_for(pv__cpu_numel(e->out[0].desc), 16384, unary_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_unary = {.supports = unary_supports,
                                      .run = unary_run};
