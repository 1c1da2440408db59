/*
 * Vectorised exp, sigmoid, silu, erf, tanh and gelu (both forms) for the unary
 * kernels and the fused epilogues, with AVX-512 and AVX2+FMA versions picked
 * at run time like the sgemm kernels (POLYVIS_CPU_KERNEL=generic disables
 * them). exp uses the Cephes range reduction (x = n ln2 + r) and its degree-6
 * polynomial, accurate to a few ulp; results below ~1e-38 flush to zero,
 * overflow gives +inf and NaN propagates.
 */
#include "cpu_backend.h"

/* Internal code for gelu's tanh form (mode 1). */
#define GELU_TANH (-1)
#define SQRT_2_OVER_PI 0.7978845608028654f

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define EXP_HI 88.72283935546875f /* ln(FLT_MAX) */
#define EXP_LO -87.33654475f      /* ln(FLT_MIN) */
#define LOG2E 1.44269504088896341f
#define C1 0.693359375f
#define C2 -2.12194440e-4f
#define P0 1.9875691500E-4f
#define P1 1.3981999507E-3f
#define P2 8.3334519073E-3f
#define P3 4.1665795894E-2f
#define P4 1.6666665459E-1f
#define P5 5.0000001201E-1f

__attribute__((target("avx512f"))) static inline __m512 exp16(__m512 x) {
  __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LO)),
                            _mm512_set1_ps(EXP_HI));
  __m512 fx =
      _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(LOG2E)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  fx = _mm512_min_ps(fx, _mm512_set1_ps(127.0f));
  __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(C1), xc);
  r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(C2), r);
  __m512 z = _mm512_mul_ps(r, r);
  __m512 y = _mm512_set1_ps(P0);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P1));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P2));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P3));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P4));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P5));
  y = _mm512_fmadd_ps(y, z, r);
  y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
  __m512i e = _mm512_slli_epi32(
      _mm512_add_epi32(_mm512_cvtps_epi32(fx), _mm512_set1_epi32(127)), 23);
  y = _mm512_mul_ps(y, _mm512_castsi512_ps(e));
  __mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_LO), _CMP_LT_OQ);
  __mmask16 over = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_HI), _CMP_GT_OQ);
  __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  y = _mm512_mask_mov_ps(y, under, _mm512_setzero_ps());
  y = _mm512_mask_mov_ps(y, over, _mm512_set1_ps(__builtin_inff()));
  return _mm512_mask_mov_ps(y, nan, x);
}

/* erf as the odd/even rational approximation used by Eigen and XLA on
 * [-4, 4] (|erf| rounds to 1 beyond), a few ulp. */
#define EA13 -2.72614225801306e-10f
#define EA11 2.77068142495902e-08f
#define EA9 -2.10102402082508e-06f
#define EA7 -5.69250639462346e-05f
#define EA5 -7.34990630326855e-04f
#define EA3 -2.95459980854025e-03f
#define EA1 -1.60960333262415e-02f
#define EB8 -1.45660718464996e-05f
#define EB6 -2.13374055278905e-04f
#define EB4 -1.68282697438203e-03f
#define EB2 -7.37332916720468e-03f
#define EB0 -1.42647390514189e-02f

#define PV_ERF_BODY(V, SET1, MIN, MAX, FMA, MUL, DIV)                          \
  V xc = MIN(MAX(x, SET1(-4.0f)), SET1(4.0f));                                 \
  V x2 = MUL(xc, xc);                                                          \
  V p = FMA(x2, SET1(EA13), SET1(EA11));                                       \
  p = FMA(p, x2, SET1(EA9));                                                   \
  p = FMA(p, x2, SET1(EA7));                                                   \
  p = FMA(p, x2, SET1(EA5));                                                   \
  p = FMA(p, x2, SET1(EA3));                                                   \
  p = FMA(p, x2, SET1(EA1));                                                   \
  p = MUL(p, xc);                                                              \
  V q = FMA(x2, SET1(EB8), SET1(EB6));                                         \
  q = FMA(q, x2, SET1(EB4));                                                   \
  q = FMA(q, x2, SET1(EB2));                                                   \
  q = FMA(q, x2, SET1(EB0));                                                   \
  V r = DIV(p, q);

__attribute__((target("avx512f"))) static inline __m512 erf16(__m512 x) {
  PV_ERF_BODY(__m512, _mm512_set1_ps, _mm512_min_ps, _mm512_max_ps,
              _mm512_fmadd_ps, _mm512_mul_ps, _mm512_div_ps)
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

__attribute__((target("avx2,fma"))) static inline __m256 erf8(__m256 x) {
  PV_ERF_BODY(__m256, _mm256_set1_ps, _mm256_min_ps, _mm256_max_ps,
              _mm256_fmadd_ps, _mm256_mul_ps, _mm256_div_ps)
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/* tanh as Eigen's rational approximation on [-7.9, 7.9] (a few ulp). */
#define TA13 -2.76076847742355e-16f
#define TA11 2.00018790482477e-13f
#define TA9 -8.60467152213735e-11f
#define TA7 5.12229709037114e-08f
#define TA5 1.48572235717979e-05f
#define TA3 6.37261928875436e-04f
#define TA1 4.89352455891786e-03f
#define TB6 1.19825839466702e-06f
#define TB4 1.18534705686654e-04f
#define TB2 2.26843463243900e-03f
#define TB0 4.89352518554385e-03f
#define TCLAMP 7.90531110763549805f

#define PV_TANH_BODY(V, SET1, MIN, MAX, FMA, MUL, DIV)                         \
  V xc = MIN(MAX(x, SET1(-TCLAMP)), SET1(TCLAMP));                             \
  V x2 = MUL(xc, xc);                                                          \
  V p = FMA(x2, SET1(TA13), SET1(TA11));                                       \
  p = FMA(p, x2, SET1(TA9));                                                   \
  p = FMA(p, x2, SET1(TA7));                                                   \
  p = FMA(p, x2, SET1(TA5));                                                   \
  p = FMA(p, x2, SET1(TA3));                                                   \
  p = FMA(p, x2, SET1(TA1));                                                   \
  p = MUL(p, xc);                                                              \
  V q = FMA(x2, SET1(TB6), SET1(TB4));                                         \
  q = FMA(q, x2, SET1(TB2));                                                   \
  q = FMA(q, x2, SET1(TB0));                                                   \
  V r = DIV(p, q);

__attribute__((target("avx512f"))) static inline __m512 tanh16(__m512 x) {
  PV_TANH_BODY(__m512, _mm512_set1_ps, _mm512_min_ps, _mm512_max_ps,
               _mm512_fmadd_ps, _mm512_mul_ps, _mm512_div_ps)
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

__attribute__((target("avx2,fma"))) static inline __m256 tanh8(__m256 x) {
  PV_TANH_BODY(__m256, _mm256_set1_ps, _mm256_min_ps, _mm256_max_ps,
               _mm256_fmadd_ps, _mm256_mul_ps, _mm256_div_ps)
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

__attribute__((target("avx512f"))) static void vec512(int op, const float *x,
                                                      float *y, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  int64_t i = 0;
  for (; i < n; i += 16) {
    __mmask16 m =
        n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i), r;
    if (op == PV_OP_EXP) {
      r = exp16(v);
    } else if (op == PV_OP_ERF) {
      r = erf16(v);
    } else if (op == PV_OP_TANH) {
      r = tanh16(v);
    } else if (op == GELU_TANH) {
      __m512 u = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
      u = _mm512_fmadd_ps(u, _mm512_set1_ps(0.044715f), v);
      __m512 t = tanh16(_mm512_mul_ps(u, _mm512_set1_ps(SQRT_2_OVER_PI)));
      r = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                        _mm512_add_ps(one, t));
    } else if (op == PV_OP_GELU) {
      __m512 e = erf16(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
      r = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                        _mm512_add_ps(one, e));
    } else {
      __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), v));
      r = _mm512_div_ps(op == PV_OP_SILU ? v : one, _mm512_add_ps(one, e));
    }
    _mm512_mask_storeu_ps(y + i, m, r);
  }
}

__attribute__((target("avx2,fma"))) static inline __m256 exp8(__m256 x) {
  __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)),
                            _mm256_set1_ps(EXP_HI));
  __m256 fx = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(LOG2E)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  fx = _mm256_min_ps(fx, _mm256_set1_ps(127.0f));
  __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(C1), xc);
  r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(C2), r);
  __m256 z = _mm256_mul_ps(r, r);
  __m256 y = _mm256_set1_ps(P0);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P1));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P2));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P3));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P4));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P5));
  y = _mm256_fmadd_ps(y, z, r);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  __m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LO), _CMP_LT_OQ);
  __m256 over = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_HI), _CMP_GT_OQ);
  __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  y = _mm256_andnot_ps(under, y);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), over);
  return _mm256_blendv_ps(y, x, nan);
}

__attribute__((target("avx2,fma"))) static void vec256(int op, const float *x,
                                                       float *y, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), r;
    if (op == PV_OP_EXP) {
      r = exp8(v);
    } else if (op == PV_OP_ERF) {
      r = erf8(v);
    } else if (op == PV_OP_TANH) {
      r = tanh8(v);
    } else if (op == GELU_TANH) {
      __m256 u = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
      u = _mm256_fmadd_ps(u, _mm256_set1_ps(0.044715f), v);
      __m256 t = tanh8(_mm256_mul_ps(u, _mm256_set1_ps(SQRT_2_OVER_PI)));
      r = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                        _mm256_add_ps(one, t));
    } else if (op == PV_OP_GELU) {
      __m256 e = erf8(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
      r = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                        _mm256_add_ps(one, e));
    } else {
      __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), v));
      r = _mm256_div_ps(op == PV_OP_SILU ? v : one, _mm256_add_ps(one, e));
    }
    _mm256_storeu_ps(y + i, r);
  }
  if (i < n) {
    float xb[8] = {0}, yb[8];
    memcpy(xb, x + i, sizeof(float) * (size_t)(n - i));
    vec256(op, xb, yb, 8);
    memcpy(y + i, yb, sizeof(float) * (size_t)(n - i));
  }
}
#endif

typedef void (*vec_fn)(int op, const float *x, float *y, int64_t n);

static vec_fn select_vec(void) {
  static int chosen;
  static vec_fn fn;
  if (__atomic_load_n(&chosen, __ATOMIC_ACQUIRE))
    return __atomic_load_n(&fn, __ATOMIC_RELAXED);
  vec_fn f = NULL;
#if defined(__x86_64__) || defined(__i386__)
  const char *force = pv__cpu_host && pv__cpu_host->get_option
                          ? pv__cpu_host->get_option("POLYVIS_CPU_KERNEL")
                          : NULL;
  __builtin_cpu_init();
  if (force && !strcmp(force, "generic"))
    f = NULL;
  else if (__builtin_cpu_supports("avx512f") &&
           !(force && !strcmp(force, "avx2")))
    f = vec512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    f = vec256;
#endif
  __atomic_store_n(&fn, f, __ATOMIC_RELAXED);
  __atomic_store_n(&chosen, 1, __ATOMIC_RELEASE);
  return f;
}

int pv__cpu_vec_unary(int op, int mode, const float *x, float *y, int64_t n) {
  if (op == PV_OP_GELU && mode == 1)
    op = GELU_TANH;
  else if (op == PV_OP_GELU && mode != 0)
    return 0;
  else if (op != PV_OP_EXP && op != PV_OP_SIGMOID && op != PV_OP_SILU &&
           op != PV_OP_ERF && op != PV_OP_TANH && op != PV_OP_GELU)
    return 0;
  vec_fn f = select_vec();
  if (!f)
    return 0;
  f(op, x, y, n);
  return 1;
}
