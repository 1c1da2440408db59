/*
 * Vectorised exp-based activations (exp, sigmoid, silu) for the unary
 * kernels and the fused epilogues, with AVX-512 and AVX2+FMA versions picked
 * at run time like the sgemm kernels (POLYVIS_CPU_KERNEL=generic disables
 * them). exp uses the Cephes range reduction (x = n ln2 + r) and its degree-6
 * polynomial, accurate to a few ulp; results below ~1e-38 flush to zero,
 * overflow gives +inf and NaN propagates.
 */
#include "cpu_backend.h"

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

int pv__cpu_vec_unary(int op, const float *x, float *y, int64_t n) {
  if (op != PV_OP_EXP && op != PV_OP_SIGMOID && op != PV_OP_SILU)
    return 0;
  vec_fn f = select_vec();
  if (!f)
    return 0;
  f(op, x, y, n);
  return 1;
}
