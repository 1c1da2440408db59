/*
 * Quantised ops on int8 data (ONNX QDQ and QLinear ops with ONNX Runtime's
 * arithmetic, bit-exact with the float lowering of core/onnx/import_quant.c):
 * quantize_linear, dequantize_linear, qlinear_add, qlinear_mul,
 * qlinear_global_avg_pool and qlinear_matmul, plus the helpers qconv.c
 * shares (parameters, the int16 dot kernels). Every requantisation is
 * saturate(rne(v) + zp) in f32 with rne done as the lowering does it.
 * supports() checks dtypes exactly; anything else is left to the float
 * expansion.
 */
#include "cpu_backend.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <stdlib.h>

#define BIT(dt) (1u << (dt))
#define Q8 (BIT(PV_U8) | BIT(PV_I8))

/* ---- parameters ---------------------------------------------------------- */

static int absent(const pv_cpu_exec *e, int i) {
  return i >= e->n_in || !e->in[i].data || !e->in[i].desc ||
         e->in[i].desc->ndim < 0;
}

/* Checks that parameter i holds 1 or n values; returns the count or < 0. */
static int64_t param_count(const pv_cpu_exec *e, int i, int64_t n,
                           const char *op) {
  const pv_tensor_desc *d = e->in[i].desc;
  int64_t k = pv__cpu_numel(d);
  if (d->ndim > 1 || (k != 1 && k != n))
    return pv__cpu_error(PV_ERR_SHAPE,
                         "cpu: %s: input %d must hold 1 or %lld values, got "
                         "%lld",
                         op, i, (long long)n, (long long)k);
  return k;
}

int pv__cpu_q_scales(const pv_cpu_exec *e, int i, int64_t n, float *out,
                     const char *op) {
  if (absent(e, i))
    return pv__cpu_error(PV_ERR_INVALID_ARG, "cpu: %s: scale input %d absent",
                         op, i);
  if (e->in[i].desc->dtype != PV_F32)
    return pv__cpu_error(PV_ERR_DTYPE, "cpu: %s: scale input %d must be f32",
                         op, i);
  int64_t k = param_count(e, i, n, op);
  if (k < 0)
    return (int)k;
  const float *s = e->in[i].data;
  for (int64_t j = 0; j < n; j++)
    out[j] = s[k == 1 ? 0 : j];
  return 0;
}

int pv__cpu_q_zps(const pv_cpu_exec *e, int i, int64_t n, int32_t *out,
                  const char *op) {
  if (absent(e, i)) {
    for (int64_t j = 0; j < n; j++)
      out[j] = 0;
    return 0;
  }
  int32_t dt = e->in[i].desc->dtype;
  if (dt != PV_U8 && dt != PV_I8 && dt != PV_I32)
    return pv__cpu_error(
        PV_ERR_DTYPE, "cpu: %s: zero point input %d must be u8/i8/i32", op, i);
  int64_t k = param_count(e, i, n, op);
  if (k < 0)
    return (int)k;
  for (int64_t j = 0; j < n; j++)
    out[j] = pv__cpu_q_load(e->in[i].data, dt, k == 1 ? 0 : j);
  return 0;
}

int pv__cpu_q_opt_dtype(const pv_op_desc *op, int i, uint32_t mask) {
  if (i >= op->n_inputs || op->inputs[i].ndim < 0)
    return 1;
  int32_t dt = op->inputs[i].dtype;
  return dt >= 0 && dt < 32 && (mask & BIT(dt));
}

static int has_dtype(const pv_tensor_desc *d, uint32_t mask) {
  return d->ndim >= 0 && d->dtype >= 0 && d->dtype < 32 &&
         (mask & BIT(d->dtype));
}

/* ---- int16 dot kernels ------------------------------------------------------
 * Blocks of 4 weight rows x 2 columns share their loads; every inner loop
 * runs over contiguous K, which the compiler turns into pmaddwd. The sums
 * wrap in uint32 (ONNX Runtime's int32 wraps; no signed overflow here). */

static inline __attribute__((always_inline)) void
q_dot_body(const int16_t *w, int64_t ldw, int64_t no, const int16_t *x,
           int64_t ldx, int64_t np, int64_t kp, int32_t *acc, int64_t ldacc) {
  int64_t o = 0;
  for (; o + 4 <= no; o += 4) {
    const int16_t *w0 = w + o * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw,
                  *w3 = w2 + ldw;
    int32_t *a0 = acc + o * ldacc;
    int64_t p = 0;
    for (; p + 2 <= np; p += 2) {
      const int16_t *x0 = x + p * ldx, *x1 = x0 + ldx;
      uint32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0,
               s31 = 0;
      for (int64_t k = 0; k < kp; k++) {
        int32_t u = x0[k], v = x1[k];
        s00 += (uint32_t)(w0[k] * u);
        s01 += (uint32_t)(w0[k] * v);
        s10 += (uint32_t)(w1[k] * u);
        s11 += (uint32_t)(w1[k] * v);
        s20 += (uint32_t)(w2[k] * u);
        s21 += (uint32_t)(w2[k] * v);
        s30 += (uint32_t)(w3[k] * u);
        s31 += (uint32_t)(w3[k] * v);
      }
      a0[p] = (int32_t)s00;
      a0[p + 1] = (int32_t)s01;
      a0[ldacc + p] = (int32_t)s10;
      a0[ldacc + p + 1] = (int32_t)s11;
      a0[2 * ldacc + p] = (int32_t)s20;
      a0[2 * ldacc + p + 1] = (int32_t)s21;
      a0[3 * ldacc + p] = (int32_t)s30;
      a0[3 * ldacc + p + 1] = (int32_t)s31;
    }
    for (; p < np; p++) {
      const int16_t *x0 = x + p * ldx;
      uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t k = 0; k < kp; k++) {
        int32_t u = x0[k];
        s0 += (uint32_t)(w0[k] * u);
        s1 += (uint32_t)(w1[k] * u);
        s2 += (uint32_t)(w2[k] * u);
        s3 += (uint32_t)(w3[k] * u);
      }
      a0[p] = (int32_t)s0;
      a0[ldacc + p] = (int32_t)s1;
      a0[2 * ldacc + p] = (int32_t)s2;
      a0[3 * ldacc + p] = (int32_t)s3;
    }
  }
  for (; o < no; o++) {
    const int16_t *w0 = w + o * ldw;
    for (int64_t p = 0; p < np; p++) {
      const int16_t *x0 = x + p * ldx;
      uint32_t s = 0;
      for (int64_t k = 0; k < kp; k++)
        s += (uint32_t)(w0[k] * x0[k]);
      acc[o * ldacc + p] = (int32_t)s;
    }
  }
}

typedef void (*q_dot_fn)(const int16_t *w, int64_t ldw, int64_t no,
                         const int16_t *x, int64_t ldx, int64_t np, int64_t kp,
                         int32_t *acc, int64_t ldacc);

static void q_dot_generic(const int16_t *w, int64_t ldw, int64_t no,
                          const int16_t *x, int64_t ldx, int64_t np, int64_t kp,
                          int32_t *acc, int64_t ldacc) {
  q_dot_body(w, ldw, no, x, ldx, np, kp, acc, ldacc);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void
q_dot_avx2(const int16_t *w, int64_t ldw, int64_t no, const int16_t *x,
           int64_t ldx, int64_t np, int64_t kp, int32_t *acc, int64_t ldacc) {
  q_dot_body(w, ldw, no, x, ldx, np, kp, acc, ldacc);
}
/* AVX-512 outer-product form: the x tile is repacked so that each 32-bit
 * word holds a pixel's pair of K values (xt[k/2][p]), then 4 output rows x
 * 32 pixels accumulate in 8 registers: per K pair, two loads of x, and per
 * row a broadcast weight pair and a pmaddwd (vpdpwssd with VNNI) into int32
 * lanes. No horizontal sums, so small K (1x1 convs with few channels) runs
 * at the same rate as large K. Operands are centred 9-bit values, so the
 * pair sums never overflow and the int32 lanes wrap like ONNX Runtime's. */
#define PV_QD_ROWS 4
/* Rows [0, no - no % 4) of the pairs form; returns the rows done. */
#define PV_QD_PAIRS(MADD)                                                      \
  int64_t o = 0;                                                               \
  for (; o + PV_QD_ROWS <= no; o += PV_QD_ROWS) {                              \
    const int16_t *w0 = w + o * ldw;                                           \
    for (int64_t p = 0; p < np; p += 32) {                                     \
      __m512i c00 = _mm512_setzero_si512(), c01 = _mm512_setzero_si512();      \
      __m512i c10 = _mm512_setzero_si512(), c11 = _mm512_setzero_si512();      \
      __m512i c20 = _mm512_setzero_si512(), c21 = _mm512_setzero_si512();      \
      __m512i c30 = _mm512_setzero_si512(), c31 = _mm512_setzero_si512();      \
      const int32_t *xp = xt + p;                                              \
      for (int64_t k = 0; k < kq; k++) {                                       \
        __m512i xa = _mm512_loadu_si512(xp + k * npad);                        \
        __m512i xb = _mm512_loadu_si512(xp + k * npad + 16);                   \
        int32_t wv;                                                            \
        __m512i wb;                                                            \
        memcpy(&wv, w0 + 2 * k, 4);                                            \
        wb = _mm512_set1_epi32(wv);                                            \
        c00 = MADD(c00, xa, wb);                                               \
        c01 = MADD(c01, xb, wb);                                               \
        memcpy(&wv, w0 + ldw + 2 * k, 4);                                      \
        wb = _mm512_set1_epi32(wv);                                            \
        c10 = MADD(c10, xa, wb);                                               \
        c11 = MADD(c11, xb, wb);                                               \
        memcpy(&wv, w0 + 2 * ldw + 2 * k, 4);                                  \
        wb = _mm512_set1_epi32(wv);                                            \
        c20 = MADD(c20, xa, wb);                                               \
        c21 = MADD(c21, xb, wb);                                               \
        memcpy(&wv, w0 + 3 * ldw + 2 * k, 4);                                  \
        wb = _mm512_set1_epi32(wv);                                            \
        c30 = MADD(c30, xa, wb);                                               \
        c31 = MADD(c31, xb, wb);                                               \
      }                                                                        \
      int64_t left = np - p;                                                   \
      __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);      \
      __mmask16 m1 = left >= 32   ? 0xffff                                     \
                     : left <= 16 ? 0                                          \
                                  : (__mmask16)((1u << (left - 16)) - 1);      \
      int32_t *a = acc + o * ldacc + p;                                        \
      _mm512_mask_storeu_epi32(a, m0, c00);                                    \
      _mm512_mask_storeu_epi32(a + 16, m1, c01);                               \
      _mm512_mask_storeu_epi32(a + ldacc, m0, c10);                            \
      _mm512_mask_storeu_epi32(a + ldacc + 16, m1, c11);                       \
      _mm512_mask_storeu_epi32(a + 2 * ldacc, m0, c20);                        \
      _mm512_mask_storeu_epi32(a + 2 * ldacc + 16, m1, c21);                   \
      _mm512_mask_storeu_epi32(a + 3 * ldacc, m0, c30);                        \
      _mm512_mask_storeu_epi32(a + 3 * ldacc + 16, m1, c31);                   \
    }                                                                          \
  }                                                                            \
  return o;

#define PV_QD_MADD(c, a, b) _mm512_add_epi32(c, _mm512_madd_epi16(a, b))
#define PV_QD_VNNI(c, a, b) _mm512_dpwssd_epi32(c, a, b)
__attribute__((target("avx512f,avx512bw"))) static int64_t
q_pairs_avx512(const int16_t *w, int64_t ldw, int64_t no, const int32_t *xt,
               int64_t npad, int64_t np, int64_t kq, int32_t *acc,
               int64_t ldacc) {
  PV_QD_PAIRS(PV_QD_MADD)
}
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static int64_t
q_pairs_vnni(const int16_t *w, int64_t ldw, int64_t no, const int32_t *xt,
             int64_t npad, int64_t np, int64_t kq, int32_t *acc,
             int64_t ldacc) {
  PV_QD_PAIRS(PV_QD_VNNI)
}
#undef PV_QD_PAIRS
#undef PV_QD_MADD
#undef PV_QD_VNNI

typedef int64_t (*q_pairs_fn)(const int16_t *w, int64_t ldw, int64_t no,
                              const int32_t *xt, int64_t npad, int64_t np,
                              int64_t kq, int32_t *acc, int64_t ldacc);
static q_pairs_fn q_pairs_select(void) {
  return __builtin_cpu_supports("avx512vnni") ? q_pairs_vnni : q_pairs_avx512;
}

/* The dot through the pairs form: repack the [np][kp] tile, then the
 * outer-product kernel; the last no % 4 rows by the plain dot. */
__attribute__((target("avx512f,avx512bw"))) static void
q_dot_avx512(const int16_t *w, int64_t ldw, int64_t no, const int16_t *x,
             int64_t ldx, int64_t np, int64_t kp, int32_t *acc, int64_t ldacc) {
  int64_t kq = kp / 2, npad = pv__cpu_q_pairs_npad(np);
  int32_t *xt = no >= PV_QD_ROWS && kp % 2 == 0
                    ? pv__cpu_scratch_get(sizeof(int32_t) * (size_t)(kq * npad))
                    : NULL;
  if (!xt) {
    q_dot_body(w, ldw, no, x, ldx, np, kp, acc, ldacc);
    return;
  }
  for (int64_t p = 0; p < npad; p++) {
    if (p < np) {
      const int16_t *xr = x + p * ldx;
      for (int64_t k = 0; k < kq; k++)
        memcpy(&xt[k * npad + p], xr + 2 * k, 4);
    } else {
      for (int64_t k = 0; k < kq; k++)
        xt[k * npad + p] = 0;
    }
  }
  int64_t o = q_pairs_select()(w, ldw, no, xt, npad, np, kq, acc, ldacc);
  pv__cpu_scratch_put(xt);
  if (o < no)
    q_dot_body(w + o * ldw, ldw, no - o, x, ldx, np, kp, acc + o * ldacc,
               ldacc);
}
#endif

int pv__cpu_q_dot_pairs(const int16_t *w, int64_t ldw, int64_t no,
                        const int32_t *xt, int64_t npad, int64_t np, int64_t kq,
                        int32_t *acc, int64_t ldacc) {
#if defined(__x86_64__) || defined(__i386__)
  if (pv__cpu_q_isa() == 2 && no >= PV_QD_ROWS)
    return (int)q_pairs_select()(w, ldw, no, xt, npad, np, kq, acc, ldacc);
#endif
  (void)w, (void)ldw, (void)xt, (void)npad, (void)np, (void)kq, (void)acc,
      (void)ldacc;
  return 0;
}

/* The ISA the int8 kernels use, chosen like the sgemm kernels
 * (POLYVIS_CPU_KERNEL=generic|avx2 forces one): 0 generic, 1 avx2, 2 avx512
 * (with BW). */
int pv__cpu_q_isa(void) {
  static int isa = -1;
  int v = __atomic_load_n(&isa, __ATOMIC_ACQUIRE);
  if (v >= 0)
    return v;
  v = 0;
#if defined(__x86_64__) || defined(__i386__)
  const char *force = pv__cpu_host->get_option
                          ? pv__cpu_host->get_option("POLYVIS_CPU_KERNEL")
                          : NULL;
  __builtin_cpu_init();
  if (force && !strcmp(force, "generic"))
    v = 0;
  else if (__builtin_cpu_supports("avx512bw") &&
           !(force && !strcmp(force, "avx2")))
    v = 2;
  else if (__builtin_cpu_supports("avx2"))
    v = 1;
#endif
  __atomic_store_n(&isa, v, __ATOMIC_RELEASE);
  return v;
}

static int q_isa(void) { return pv__cpu_q_isa(); }

static q_dot_fn q_dot_select(void) {
  int isa = q_isa();
  (void)isa;
#if defined(__x86_64__) || defined(__i386__)
  if (isa == 2)
    return q_dot_avx512;
  if (isa == 1)
    return q_dot_avx2;
#endif
  return q_dot_generic;
}

void pv__cpu_q_dot(const int16_t *w, int64_t ldw, int64_t no, const int16_t *x,
                   int64_t ldx, int64_t np, int64_t kp, int32_t *acc,
                   int64_t ldacc) {
  q_dot_select()(w, ldw, no, x, ldx, np, kp, acc, ldacc);
}

/* ---- requantisation rows ----------------------------------------------------
 * Written as plain loops over contiguous values with the dtype branch
 * outside, which the compiler vectorises (cvtdq2ps, mulps, maxps/minps,
 * cvttps2dq); rne, + zp and the clamp are separate f32 statements, as in the
 * float lowering. */

#define PV_Q_SAT_STORE(T, V)                                                   \
  do {                                                                         \
    float r_ = (V) + 12582912.0f;                                              \
    r_ = r_ - 12582912.0f;                                                     \
    r_ = r_ + zp;                                                              \
    r_ = r_ > lo ? r_ : lo;                                                    \
    r_ = r_ < hi ? r_ : hi;                                                    \
    o[i] = (T)(int32_t)r_;                                                     \
  } while (0)

static inline __attribute__((always_inline)) void
requant_body(const int32_t *acc, int32_t bias, float m, float zp, int32_t ydt,
             void *y, int64_t n) {
  float lo, hi;
  pv__cpu_q_range(ydt, &lo, &hi);
  /* acc + bias wraps like ONNX Runtime's int32 (no signed overflow) */
  uint32_t b = (uint32_t)bias;
  if (ydt == PV_U8) {
    uint8_t *o = y;
    for (int64_t i = 0; i < n; i++) {
      float v = (float)(int32_t)((uint32_t)acc[i] + b);
      v = v * m; /* its own statement: never contracted with the rne add */
      PV_Q_SAT_STORE(uint8_t, v);
    }
  } else {
    int8_t *o = y;
    for (int64_t i = 0; i < n; i++) {
      float v = (float)(int32_t)((uint32_t)acc[i] + b);
      v = v * m;
      PV_Q_SAT_STORE(int8_t, v);
    }
  }
}

typedef void (*requant_fn)(const int32_t *acc, int32_t bias, float m, float zp,
                           int32_t ydt, void *y, int64_t n);

static void requant_generic(const int32_t *acc, int32_t bias, float m, float zp,
                            int32_t ydt, void *y, int64_t n) {
  requant_body(acc, bias, m, zp, ydt, y, n);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void requant_avx2(const int32_t *acc,
                                                         int32_t bias, float m,
                                                         float zp, int32_t ydt,
                                                         void *y, int64_t n) {
  requant_body(acc, bias, m, zp, ydt, y, n);
}
__attribute__((target("avx512f,avx512bw"))) static void
requant_avx512(const int32_t *acc, int32_t bias, float m, float zp, int32_t ydt,
               void *y, int64_t n) {
  requant_body(acc, bias, m, zp, ydt, y, n);
}
#endif

void pv__cpu_q_requant_row(const int32_t *acc, int32_t bias, float m, float zp,
                           int32_t ydt, void *y, int64_t n) {
  static requant_fn sel;
  requant_fn f = __atomic_load_n(&sel, __ATOMIC_ACQUIRE);
  if (!f) {
    int isa = q_isa();
    f = requant_generic;
#if defined(__x86_64__) || defined(__i386__)
    f = isa == 2 ? requant_avx512 : isa == 1 ? requant_avx2 : requant_generic;
#endif
    __atomic_store_n(&sel, f, __ATOMIC_RELEASE);
  }
  f(acc, bias, m, zp, ydt, y, n);
}

/* y[i] = saturate(rne(x[i] / s) + zp) */
static void quant_row(const float *x, float s, float zp, int32_t ydt, void *y,
                      int64_t n) {
  float lo, hi;
  pv__cpu_q_range(ydt, &lo, &hi);
  if (ydt == PV_U8) {
    uint8_t *o = y;
    for (int64_t i = 0; i < n; i++)
      PV_Q_SAT_STORE(uint8_t, x[i] / s);
  } else {
    int8_t *o = y;
    for (int64_t i = 0; i < n; i++)
      PV_Q_SAT_STORE(int8_t, x[i] / s);
  }
}

/* ---- quantize_linear / dequantize_linear ----------------------------------
 */

typedef struct qdq_ctx {
  const void *x;
  void *y;
  int32_t xdt, ydt;
  int64_t nch, inner;
  const float *s;
  const int32_t *zp;
  float lo, hi;
  int quant;
} qdq_ctx;

/* One item: one (outer, channel) block of `inner` contiguous elements. */
static void qdq_chunk(void *vc, int64_t begin, int64_t end) {
  const qdq_ctx *c = vc;
  for (int64_t t = begin; t < end; t++) {
    int64_t ch = t % c->nch, off = t * c->inner;
    float s = c->s[ch];
    if (c->quant) {
      quant_row((const float *)c->x + off, s, (float)c->zp[ch], c->ydt,
                (char *)c->y + off, c->inner);
    } else {
      float *y = (float *)c->y + off;
      float z = (float)c->zp[ch];
      for (int64_t i = 0; i < c->inner; i++) {
        float v = (float)pv__cpu_q_load(c->x, c->xdt, off + i);
        y[i] = (v - z) * s;
      }
    }
  }
}

static int qdq_supports(const pv_op_desc *op) {
  if (op->n_inputs < 2 || op->n_outputs != 1)
    return 0;
  if (op->op == PV_OP_QUANTIZE_LINEAR)
    return has_dtype(&op->inputs[0], BIT(PV_F32)) &&
           has_dtype(&op->inputs[1], BIT(PV_F32)) &&
           pv__cpu_q_opt_dtype(op, 2, Q8) && has_dtype(&op->outputs[0], Q8);
  return has_dtype(&op->inputs[0], Q8 | BIT(PV_I32)) &&
         has_dtype(&op->inputs[1], BIT(PV_F32)) &&
         pv__cpu_q_opt_dtype(op, 2, Q8 | BIT(PV_I32)) &&
         has_dtype(&op->outputs[0], BIT(PV_F32));
}

static int qdq_run(const pv_cpu_exec *e) {
  int quant = e->node->op == PV_OP_QUANTIZE_LINEAR;
  const char *name = quant ? "quantize_linear" : "dequantize_linear";
  const pv_tensor_desc *xd = e->in[0].desc;
  int ax = e->node->attrs.quant.axis;
  if (ax < 0 || (ax >= xd->ndim && ax > 0))
    return pv__cpu_error(PV_ERR_INVALID_ARG, "cpu: %s: axis %d out of range",
                         name, ax);
  int64_t nch = ax >= 0 && ax < xd->ndim ? xd->shape[ax] : 1, inner = 1;
  for (int d = ax + 1; d < xd->ndim; d++)
    inner *= xd->shape[d];
  int64_t total = pv__cpu_numel(xd);
  if (pv__cpu_numel(e->out[0].desc) != total)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: output size differs from x",
                         name);
  if (total == 0)
    return 0;
  if (nch <= 0)
    nch = 1;
  float *s = malloc(sizeof(float) * (size_t)nch);
  int32_t *zp = malloc(sizeof(int32_t) * (size_t)nch);
  int rc = 0;
  if (!s || !zp)
    rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory", name);
  if (!rc)
    rc = pv__cpu_q_scales(e, 1, nch, s, name);
  if (!rc)
    rc = pv__cpu_q_zps(e, 2, nch, zp, name);
  if (!rc) {
    qdq_ctx c = {
        e->in[0].data, e->out[0].data, xd->dtype, e->out[0].desc->dtype,
        nch,           inner,          s,         zp,
        0.0f,          0.0f,           quant};
    pv__cpu_q_range(c.ydt, &c.lo, &c.hi);
    int64_t items = total / inner; /* inner > 0 since total > 0 */
    pv__cpu_host->parallel_for(items, 1 + 16384 / inner, qdq_chunk, &c);
  }
  free(s);
  free(zp);
  return rc;
}

const pv_cpu_op_impl pv__cpu_qdq = {.supports = qdq_supports, .run = qdq_run};

/* ---- qlinear_add / qlinear_mul ----------------------------------------------
 */

typedef struct qbin_ctx {
  pv_cpu_bcast plan;
  const void *a, *b;
  void *y;
  int32_t adt, bdt, ydt;
  float as, az, bs, bz, cs, cz, lo, hi;
  int mul;
} qbin_ctx;

static void qbin_chunk(void *vc, int64_t begin, int64_t end) {
  const qbin_ctx *c = vc;
  int64_t n = c->plan.inner, sa = c->plan.inner_st[0], sb = c->plan.inner_st[1];
  for (int64_t r = begin; r < end; r++) {
    int64_t off[3];
    pv__cpu_bcast_row(&c->plan, r, off);
    for (int64_t i = 0; i < n; i++) {
      float va =
          ((float)pv__cpu_q_load(c->a, c->adt, off[0] + i * sa) - c->az) *
          c->as;
      float vb =
          ((float)pv__cpu_q_load(c->b, c->bdt, off[1] + i * sb) - c->bz) *
          c->bs;
      float v = c->mul ? va * vb : va + vb;
      v = v / c->cs;
      pv__cpu_q_store(c->y, c->ydt, r * n + i,
                      pv__cpu_q_sat(pv__cpu_q_rne(v), c->cz, c->lo, c->hi));
    }
  }
}

/* x and w (inputs 0 and 3) and the output int8, scales 1, 4, 6 f32, zero
 * points 2, 5, 7 int8 or absent: qlinear_add/mul/matmul/conv. */
static int qlinear8_supports(const pv_op_desc *op) {
  if (op->n_inputs < 8 || op->n_outputs != 1)
    return 0;
  return has_dtype(&op->inputs[0], Q8) && has_dtype(&op->inputs[3], Q8) &&
         has_dtype(&op->outputs[0], Q8) &&
         has_dtype(&op->inputs[1], BIT(PV_F32)) &&
         has_dtype(&op->inputs[4], BIT(PV_F32)) &&
         has_dtype(&op->inputs[6], BIT(PV_F32)) &&
         pv__cpu_q_opt_dtype(op, 2, Q8) && pv__cpu_q_opt_dtype(op, 5, Q8) &&
         pv__cpu_q_opt_dtype(op, 7, Q8);
}

int pv__cpu_qlinear8_supports(const pv_op_desc *op) {
  return qlinear8_supports(op);
}

static int qbin_run(const pv_cpu_exec *e) {
  int mul = e->node->op == PV_OP_QLINEAR_MUL;
  const char *name = mul ? "qlinear_mul" : "qlinear_add";
  const pv_tensor_desc *ad = e->in[0].desc, *bd = e->in[3].desc,
                       *yd = e->out[0].desc;
  /* every input dim must be 1 or the output's (right-aligned) */
  for (int k = 0; k < 2; k++) {
    const pv_tensor_desc *d = k ? bd : ad;
    if (d->ndim > yd->ndim)
      return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: input rank above output's",
                           name);
    for (int i = 0; i < d->ndim; i++) {
      int64_t s = d->shape[i], o = yd->shape[yd->ndim - d->ndim + i];
      if (s != 1 && s != o)
        return pv__cpu_error(PV_ERR_SHAPE,
                             "cpu: %s: input %d does not "
                             "broadcast to the output",
                             name, k * 3);
    }
  }
  float sc[3];
  int32_t zp[3];
  int rc;
  for (int k = 0; k < 3; k++)
    if ((rc = pv__cpu_q_scales(e, 1 + 3 * k - (k == 2), 1, &sc[k], name)) ||
        (rc = pv__cpu_q_zps(e, 2 + 3 * k - (k == 2), 1, &zp[k], name)))
      return rc;
  qbin_ctx c;
  memset(&c, 0, sizeof c);
  const pv_tensor_desc *in[2] = {ad, bd};
  pv__cpu_bcast_plan_init(&c.plan, 2, in, yd);
  c.a = e->in[0].data;
  c.b = e->in[3].data;
  c.y = e->out[0].data;
  c.adt = ad->dtype;
  c.bdt = bd->dtype;
  c.ydt = yd->dtype;
  c.as = sc[0];
  c.bs = sc[1];
  c.cs = sc[2];
  c.az = (float)zp[0];
  c.bz = (float)zp[1];
  c.cz = (float)zp[2];
  c.mul = mul;
  pv__cpu_q_range(c.ydt, &c.lo, &c.hi);
  if (pv__cpu_numel(yd) == 0)
    return 0;
  pv__cpu_host->parallel_for(c.plan.rows, 1 + 16384 / c.plan.inner, qbin_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_qbinary = {.supports = qlinear8_supports,
                                        .run = qbin_run};

/* ---- qlinear_global_avg_pool ------------------------------------------------
 */

typedef struct qgap_ctx {
  const void *x;
  void *y;
  int32_t xdt, ydt;
  int64_t img;
  int32_t xz;
  float m, yz, lo, hi;
} qgap_ctx;

static void qgap_chunk(void *vc, int64_t begin, int64_t end) {
  const qgap_ctx *c = vc;
  for (int64_t t = begin; t < end; t++) {
    int64_t sum = 0; /* int32 in ONNX Runtime; no overflow UB here */
    int64_t off = t * c->img;
    if (c->xdt == PV_U8) {
      const uint8_t *x = (const uint8_t *)c->x + off;
      for (int64_t i = 0; i < c->img; i++)
        sum += x[i] - c->xz;
    } else {
      const int8_t *x = (const int8_t *)c->x + off;
      for (int64_t i = 0; i < c->img; i++)
        sum += x[i] - c->xz;
    }
    float v = (float)sum * c->m;
    pv__cpu_q_store(c->y, c->ydt, t,
                    pv__cpu_q_sat(pv__cpu_q_rne(v), c->yz, c->lo, c->hi));
  }
}

static int qgap_supports(const pv_op_desc *op) {
  return op->n_inputs == 5 && op->n_outputs == 1 &&
         has_dtype(&op->inputs[0], Q8) && op->inputs[0].ndim >= 3 &&
         has_dtype(&op->outputs[0], Q8) &&
         has_dtype(&op->inputs[1], BIT(PV_F32)) &&
         has_dtype(&op->inputs[3], BIT(PV_F32)) &&
         pv__cpu_q_opt_dtype(op, 2, Q8) && pv__cpu_q_opt_dtype(op, 4, Q8);
}

static int qgap_run(const pv_cpu_exec *e) {
  const char *name = "qlinear_global_avg_pool";
  const pv_tensor_desc *xd = e->in[0].desc;
  if (xd->ndim < 3)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: needs N,C,spatial... input",
                         name);
  int64_t img = 1;
  for (int i = 2; i < xd->ndim; i++)
    img *= xd->shape[i];
  int64_t planes = xd->shape[0] * xd->shape[1];
  if (pv__cpu_numel(e->out[0].desc) != planes)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: output must hold N*C values",
                         name);
  float xs, ys;
  int32_t xz, yz;
  int rc;
  if ((rc = pv__cpu_q_scales(e, 1, 1, &xs, name)) ||
      (rc = pv__cpu_q_zps(e, 2, 1, &xz, name)) ||
      (rc = pv__cpu_q_scales(e, 3, 1, &ys, name)) ||
      (rc = pv__cpu_q_zps(e, 4, 1, &yz, name)))
    return rc;
  if (planes == 0)
    return 0;
  float den = ys * (float)img;
  qgap_ctx c = {e->in[0].data, e->out[0].data,
                xd->dtype,     e->out[0].desc->dtype,
                img,           xz,
                xs / den,      (float)yz,
                0.0f,          0.0f};
  pv__cpu_q_range(c.ydt, &c.lo, &c.hi);
  pv__cpu_host->parallel_for(planes, 1 + 65536 / (img ? img : 1), qgap_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_qgap = {.supports = qgap_supports,
                                     .run = qgap_run};

/* ---- qlinear_matmul ---------------------------------------------------------
 * b is centred and transposed into int16 [batch_b][N][Kp] (once in
 * prepare() when b and its zero point are constant, else per run); each
 * item centres one row of a and takes its dot products with every column. */

typedef struct qmm_ctx {
  const void *a;
  void *y;
  int32_t adt, ydt;
  int64_t m, k, n, kp, rows;
  int nbd;                                    /* output batch dims */
  int64_t bshape[PV_MAX_DIMS];                /* output batch shape */
  int64_t ast[PV_MAX_DIMS], bst[PV_MAX_DIMS]; /* batch strides (0: bcast) */
  const int16_t *bt;
  const float *as, *bs;
  const int32_t *az;
  float ys, yz, lo, hi;
  int err;
} qmm_ctx;

static void qmm_chunk(void *vc, int64_t begin, int64_t end) {
  qmm_ctx *c = vc;
  int16_t *ar = pv__cpu_scratch_get(sizeof(int16_t) * (size_t)c->kp +
                                    sizeof(int32_t) * (size_t)c->n + 64);
  if (!ar) {
    __atomic_store_n(&c->err, 1, __ATOMIC_RELAXED);
    return;
  }
  int32_t *acc = (int32_t *)(ar + c->kp); /* kp is a multiple of 16 */
  for (int64_t t = begin; t < end; t++) {
    int64_t bi = t / c->m, row = t % c->m, rem = bi, aoff = 0, boff = 0;
    for (int d = c->nbd - 1; d >= 0; d--) {
      int64_t idx = rem % c->bshape[d];
      rem /= c->bshape[d];
      aoff += idx * c->ast[d];
      boff += idx * c->bst[d];
    }
    int64_t a0 = (aoff * c->m + row) * c->k;
    int32_t z = c->az[row];
    for (int64_t i = 0; i < c->k; i++)
      ar[i] = (int16_t)(pv__cpu_q_load(c->a, c->adt, a0 + i) - z);
    for (int64_t i = c->k; i < c->kp; i++)
      ar[i] = 0;
    pv__cpu_q_dot(c->bt + boff * c->n * c->kp, c->kp, c->n, ar, c->kp, 1, c->kp,
                  acc, 1);
    float sa = c->as[row];
    for (int64_t j = 0; j < c->n; j++) {
      float mj = sa * c->bs[j];
      mj = mj / c->ys;
      float v = (float)acc[j] * mj;
      pv__cpu_q_store(c->y, c->ydt, t * c->n + j,
                      pv__cpu_q_sat(pv__cpu_q_rne(v), c->yz, c->lo, c->hi));
    }
  }
  pv__cpu_scratch_put(ar);
}

/* b [batches][k][n] centred by its column zero points bz into bt
 * [batches][n][kp], transposed in blocks of 16 columns so that rows of b
 * are read contiguously. */
static void pack_b(const void *b, int32_t bdt, const int32_t *bz,
                   int64_t batches, int64_t k, int64_t n, int64_t kp,
                   int16_t *bt) {
  for (int64_t bb = 0; bb < batches; bb++)
    for (int64_t j0 = 0; j0 < n; j0 += 16) {
      int64_t j1 = j0 + 16 < n ? j0 + 16 : n;
      int16_t *dst = bt + (bb * n) * kp;
      for (int64_t i = 0; i < k; i++) {
        int64_t b0 = (bb * k + i) * n;
        if (bdt == PV_U8)
          for (int64_t j = j0; j < j1; j++)
            dst[j * kp + i] = (int16_t)(((const uint8_t *)b)[b0 + j] - bz[j]);
        else
          for (int64_t j = j0; j < j1; j++)
            dst[j * kp + i] = (int16_t)(((const int8_t *)b)[b0 + j] - bz[j]);
      }
      for (int64_t j = j0; j < j1; j++)
        for (int64_t i = k; i < kp; i++)
          dst[j * kp + i] = 0;
    }
}

/* What prepare() keeps for a constant b (and b_zp): b packed once. */
typedef struct qmm_prep {
  int64_t batches, k, n, kp;
  int16_t *bt;
} qmm_prep;

static void qmm_release(void *prepared) {
  qmm_prep *p = prepared;
  if (p)
    free(p->bt);
  free(p);
}

static int qmm_prepare(const pv_node_desc *node, const pv_value_desc *values,
                       void **prepared) {
  if (node->n_inputs < 8 || node->inputs[3] < 0)
    return 0;
  const pv_value_desc *vb = &values[node->inputs[3]];
  const pv_value_desc *vz =
      node->inputs[5] >= 0 ? &values[node->inputs[5]] : NULL;
  if (vb->kind != PV_VALUE_CONST || !vb->data || vb->desc.ndim < 2 ||
      (vb->desc.dtype != PV_U8 && vb->desc.dtype != PV_I8))
    return 0;
  if (vz && (vz->kind != PV_VALUE_CONST || !vz->data || vz->desc.ndim > 1 ||
             (vz->desc.dtype != PV_U8 && vz->desc.dtype != PV_I8)))
    return 0;
  int nd = vb->desc.ndim;
  int64_t k = vb->desc.shape[nd - 2], n = vb->desc.shape[nd - 1];
  int64_t total = pv__cpu_numel(&vb->desc),
          nz = vz ? pv__cpu_numel(&vz->desc) : 1;
  if (k <= 0 || n <= 0 || (nz != 1 && nz != n))
    return 0; /* run() packs or reports it */
  qmm_prep *p = calloc(1, sizeof *p);
  int32_t *bz = malloc(sizeof(int32_t) * (size_t)n);
  if (p) {
    p->batches = total / (k * n);
    p->k = k;
    p->n = n;
    p->kp = (k + PV_CPU_QK - 1) / PV_CPU_QK * PV_CPU_QK;
    p->bt = malloc(sizeof(int16_t) * (size_t)(p->batches * n * p->kp) + 64);
  }
  if (!p || !p->bt || !bz) {
    free(bz);
    qmm_release(p);
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: qlinear_matmul: out of memory");
  }
  for (int64_t j = 0; j < n; j++)
    bz[j] = vz ? pv__cpu_q_load(vz->data, vz->desc.dtype, nz == 1 ? 0 : j) : 0;
  pack_b(vb->data, vb->desc.dtype, bz, p->batches, k, n, p->kp, p->bt);
  free(bz);
  *prepared = p;
  return 0;
}

static int qmm_supports(const pv_op_desc *op) {
  return qlinear8_supports(op) && op->inputs[0].ndim >= 1 &&
         op->inputs[3].ndim >= 2;
}

static int qmm_run(const pv_cpu_exec *e) {
  const char *name = "qlinear_matmul";
  const pv_tensor_desc *ad = e->in[0].desc, *bd = e->in[3].desc,
                       *yd = e->out[0].desc;
  if (ad->ndim < 1 || bd->ndim < 2)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: a needs 1+ dims, b 2+", name);
  int a1 = ad->ndim == 1;
  int64_t m = a1 ? 1 : ad->shape[ad->ndim - 2], k = ad->shape[ad->ndim - 1];
  int64_t n = bd->shape[bd->ndim - 1];
  if (bd->shape[bd->ndim - 2] != k)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: K of a and b differ", name);
  qmm_ctx c;
  memset(&c, 0, sizeof c);
  c.nbd = yd->ndim - (a1 ? 1 : 2);
  int nab = a1 ? 0 : ad->ndim - 2, nbb = bd->ndim - 2;
  if (c.nbd < nab || c.nbd < nbb || yd->shape[yd->ndim - 1] != n ||
      (!a1 && yd->shape[yd->ndim - 2] != m))
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: output shape mismatch", name);
  int64_t batch = 1, bbatch = 1, as = 1, bs = 1;
  for (int d = c.nbd - 1; d >= 0; d--) {
    int64_t o = yd->shape[d];
    int ia = d - (c.nbd - nab), ib = d - (c.nbd - nbb);
    int64_t sa = ia >= 0 ? ad->shape[ia] : 1, sb = ib >= 0 ? bd->shape[ib] : 1;
    if ((sa != 1 && sa != o) || (sb != 1 && sb != o))
      return pv__cpu_error(PV_ERR_SHAPE,
                           "cpu: %s: batch dims do not "
                           "broadcast",
                           name);
    c.bshape[d] = o;
    c.ast[d] = sa == 1 ? 0 : as;
    c.bst[d] = sb == 1 ? 0 : bs;
    as *= sa;
    bs *= sb;
    batch *= o;
  }
  bbatch = bs;
  c.a = e->in[0].data;
  c.y = e->out[0].data;
  c.adt = ad->dtype;
  c.ydt = yd->dtype;
  c.m = m;
  c.k = k;
  c.n = n;
  c.kp = (k + PV_CPU_QK - 1) / PV_CPU_QK * PV_CPU_QK;
  c.rows = batch * m;
  if (c.rows == 0 || n == 0)
    return 0;
  const qmm_prep *pp = e->prepared;
  if (pp && (pp->batches != bbatch || pp->k != k || pp->n != n))
    return pv__cpu_error(PV_ERR_STATE, "cpu: %s: prepared b mismatch", name);
  if (!pp && !e->in[3].data)
    return pv__cpu_error(PV_ERR_STATE, "cpu: %s: b missing", name);
  pv__cpu_q_range(c.ydt, &c.lo, &c.hi);
  float *fa = malloc(sizeof(float) * (size_t)(m + n));
  int32_t *za = malloc(sizeof(int32_t) * (size_t)(m + n));
  int16_t *bt = pp ? pp->bt
                   : pv__cpu_scratch_get(
                         sizeof(int16_t) * (size_t)(bbatch * n * c.kp) + 64);
  int rc = 0;
  if (!fa || !za || !bt)
    rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory", name);
  float ysc = 0.0f;
  int32_t yz = 0;
  if (!rc && !(rc = pv__cpu_q_scales(e, 1, m, fa, name)) &&
      !(rc = pv__cpu_q_zps(e, 2, m, za, name)) &&
      !(rc = pv__cpu_q_scales(e, 4, n, fa + m, name)) &&
      !(rc = pv__cpu_q_zps(e, 5, n, za + m, name)) &&
      !(rc = pv__cpu_q_scales(e, 6, 1, &ysc, name)) &&
      !(rc = pv__cpu_q_zps(e, 7, 1, &yz, name))) {
    if (!pp)
      pack_b(e->in[3].data, bd->dtype, za + m, bbatch, k, n, c.kp, bt);
    c.bt = bt;
    c.as = fa;
    c.bs = fa + m;
    c.az = za;
    c.ys = ysc;
    c.yz = (float)yz;
    pv__cpu_host->parallel_for(c.rows, 1 + 16384 / (n * c.kp + 1), qmm_chunk,
                               &c);
    if (c.err)
      rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory", name);
  }
  free(fa);
  free(za);
  if (!pp)
    pv__cpu_scratch_put(bt);
  return rc;
}

const pv_cpu_op_impl pv__cpu_qmatmul = {.supports = qmm_supports,
                                        .prepare = qmm_prepare,
                                        .release = qmm_release,
                                        .run = qmm_run,
                                        .prepare_consumes = 4};
