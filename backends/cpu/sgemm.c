/*
 * The CPU backend's single-precision GEMM: Goto/BLIS-style packing and cache
 * blocking around a register-blocked micro-kernel chosen at run time
 * (AVX-512 8x48, AVX2+FMA 6x16, or portable C 4x16).
 *
 * Loop nest: N in NC chunks -> K in KC slices -> (pack B slice, pack A slice
 * unless pre-packed) -> parallel over tiles of (MC rows x a run of NR
 * panels) -> micro-kernel. The first K slice stores (or accumulates into C),
 * later slices accumulate, and the last one applies the epilogue (bias,
 * activation) while the tile is still in cache.
 *
 * POLYVIS_CPU_KERNEL=generic|avx2|avx512 forces a kernel (for tests).
 */
#include "../common/hugepages.h"
#include "cpu_backend.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PV_CPU_X86 1
#endif

#define KC 256
#define MC_MAX 240
#define NC_MAX 3072
#define MR_MAX 8
#define NR_MAX 48

typedef void (*kern_fn)(int64_t kc, const float *a, const float *b, float *c,
                        int64_t ldc, int load);

typedef struct kernel_desc {
  const char *name;
  int mr, nr;
  kern_fn fn;
  /* Optional kernels for a last panel of at most 16 / 32 columns (B still
   * packed nr wide; C written with ldc). */
  kern_fn narrow[2];
} kernel_desc;

/* ---- portable kernel ------------------------------------------------------
 */
static void kern_generic(int64_t kc, const float *a, const float *b, float *c,
                         int64_t ldc, int load) {
  float acc[4][16];
  memset(acc, 0, sizeof acc);
  for (int64_t p = 0; p < kc; p++) {
    const float *bp = b + p * 16, *ap = a + p * 4;
    for (int i = 0; i < 4; i++) {
      float av = ap[i];
      for (int j = 0; j < 16; j++)
        acc[i][j] += av * bp[j];
    }
  }
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 16; j++)
      c[i * ldc + j] = (load ? c[i * ldc + j] : 0.0f) + acc[i][j];
}

#ifdef PV_CPU_X86
/* ---- AVX2 + FMA 6x16 ------------------------------------------------------
 */
__attribute__((target("avx2,fma"))) static void
kern_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
          int load) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 av;
#define PV_ROW(i)                                                              \
  av = _mm256_broadcast_ss(a + i);                                             \
  c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                  \
  c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);
    PV_ROW(0)
    PV_ROW(1)
    PV_ROW(2)
    PV_ROW(3)
    PV_ROW(4)
    PV_ROW(5)
#undef PV_ROW
        a += 6;
    b += 16;
  }
#define PV_ST(i)                                                               \
  {                                                                            \
    float *r = c + i * ldc;                                                    \
    if (load) {                                                                \
      c##i##0 = _mm256_add_ps(c##i##0, _mm256_loadu_ps(r));                    \
      c##i##1 = _mm256_add_ps(c##i##1, _mm256_loadu_ps(r + 8));                \
    }                                                                          \
    _mm256_storeu_ps(r, c##i##0);                                              \
    _mm256_storeu_ps(r + 8, c##i##1);                                          \
  }
  PV_ST(0) PV_ST(1) PV_ST(2) PV_ST(3) PV_ST(4) PV_ST(5)
#undef PV_ST
}

/* ---- AVX-512 8x48 (and 8x16 / 8x32 for the last, narrow panel) ---------- */
#define PV_Z(i, v) __m512 c##i##v = _mm512_setzero_ps();
#define PV_FMA(i, v) c##i##v = _mm512_fmadd_ps(av, b##v, c##i##v);
#define PV_STV(i, v)                                                           \
  if (load)                                                                    \
    c##i##v = _mm512_add_ps(c##i##v, _mm512_loadu_ps(c + i * ldc + 16 * v));   \
  _mm512_storeu_ps(c + i * ldc + 16 * v, c##i##v);
#define PV_ROWS(M, v)                                                          \
  M(0, v) M(1, v) M(2, v) M(3, v) M(4, v) M(5, v) M(6, v) M(7, v)

#define PV_AVX512_KERNEL(NAME, NV, BODY_Z, BODY_B, BODY_FMA, BODY_ST)          \
  __attribute__((target("avx512f"))) static void NAME(                         \
      int64_t kc, const float *a, const float *b, float *c, int64_t ldc,       \
      int load) {                                                              \
    BODY_Z                                                                     \
    for (int64_t p = 0; p < kc; p++) {                                         \
      BODY_B                                                                   \
      __m512 av;                                                               \
      _mm_prefetch((const char *)(b + 48 * 8), _MM_HINT_T0);                   \
      av = _mm512_set1_ps(a[0]);                                               \
      BODY_FMA(0)                                                              \
      av = _mm512_set1_ps(a[1]);                                               \
      BODY_FMA(1)                                                              \
      av = _mm512_set1_ps(a[2]);                                               \
      BODY_FMA(2)                                                              \
      av = _mm512_set1_ps(a[3]);                                               \
      BODY_FMA(3)                                                              \
      av = _mm512_set1_ps(a[4]);                                               \
      BODY_FMA(4)                                                              \
      av = _mm512_set1_ps(a[5]);                                               \
      BODY_FMA(5)                                                              \
      av = _mm512_set1_ps(a[6]);                                               \
      BODY_FMA(6)                                                              \
      av = _mm512_set1_ps(a[7]);                                               \
      BODY_FMA(7)                                                              \
      a += 8;                                                                  \
      b += 48;                                                                 \
    }                                                                          \
    BODY_ST                                                                    \
  }

#define PV_F1(i) PV_FMA(i, 0)
#define PV_F2(i) PV_FMA(i, 0) PV_FMA(i, 1)
#define PV_F3(i) PV_FMA(i, 0) PV_FMA(i, 1) PV_FMA(i, 2)
PV_AVX512_KERNEL(kern_avx512, 3,
                 PV_ROWS(PV_Z, 0) PV_ROWS(PV_Z, 1) PV_ROWS(PV_Z, 2),
                 __m512 b0 = _mm512_loadu_ps(b);
                 __m512 b1 = _mm512_loadu_ps(b + 16);
                 __m512 b2 = _mm512_loadu_ps(b + 32);
                 , PV_F3,
                 PV_ROWS(PV_STV, 0) PV_ROWS(PV_STV, 1) PV_ROWS(PV_STV, 2))
PV_AVX512_KERNEL(kern_avx512_n32, 2, PV_ROWS(PV_Z, 0) PV_ROWS(PV_Z, 1),
                 __m512 b0 = _mm512_loadu_ps(b);
                 __m512 b1 = _mm512_loadu_ps(b + 16);
                 , PV_F2, PV_ROWS(PV_STV, 0) PV_ROWS(PV_STV, 1))
PV_AVX512_KERNEL(kern_avx512_n16, 1, PV_ROWS(PV_Z, 0),
                 __m512 b0 = _mm512_loadu_ps(b);
                 , PV_F1, PV_ROWS(PV_STV, 0))
#undef PV_F1
#undef PV_F2
#undef PV_F3
#undef PV_Z
#undef PV_FMA
#undef PV_STV
#undef PV_ROWS
#endif

static const kernel_desc k_generic = {"generic", 4, 16, kern_generic, {0}};
#ifdef PV_CPU_X86
static const kernel_desc k_avx2 = {"avx2", 6, 16, kern_avx2, {0}};
static const kernel_desc k_avx512 = {
    "avx512", 8, 48, kern_avx512, {kern_avx512_n16, kern_avx512_n32}};
#endif

static const kernel_desc *select_kernel(void) {
  static const kernel_desc *sel;
  const kernel_desc *k = __atomic_load_n(&sel, __ATOMIC_ACQUIRE);
  if (k)
    return k;
  const char *force = pv__cpu_host && pv__cpu_host->get_option
                          ? pv__cpu_host->get_option("POLYVIS_CPU_KERNEL")
                          : NULL;
  k = &k_generic;
#ifdef PV_CPU_X86
  __builtin_cpu_init();
  int has512 = __builtin_cpu_supports("avx512f");
  int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (force && !strcmp(force, "generic"))
    k = &k_generic;
  else if (force && !strcmp(force, "avx2") && has2)
    k = &k_avx2;
  else if (has512)
    k = &k_avx512;
  else if (has2)
    k = &k_avx2;
#else
  (void)force;
#endif
  __atomic_store_n(&sel, k, __ATOMIC_RELEASE);
  return k;
}

const char *pv__cpu_sgemm_kernel_name(void) { return select_kernel()->name; }

/* ---- packing --------------------------------------------------------------
 */

/* Packs rows [m0, m0+mr) x k slice [k0, k0+kc) of A into dst[kc][mr]. */
static void pack_a_panel(const float *a, int64_t rs, int64_t cs, float alpha,
                         int64_t m, int64_t m0, int64_t k0, int64_t kc, int mr,
                         float *dst) {
  int rows = (int)(m - m0 < mr ? m - m0 : mr);
  for (int i = 0; i < rows; i++) {
    const float *src = a + (m0 + i) * rs + k0 * cs;
    if (cs == 1)
      for (int64_t p = 0; p < kc; p++)
        dst[p * mr + i] = alpha * src[p];
    else
      for (int64_t p = 0; p < kc; p++)
        dst[p * mr + i] = alpha * src[p * cs];
  }
  for (int i = rows; i < mr; i++)
    for (int64_t p = 0; p < kc; p++)
      dst[p * mr + i] = 0.0f;
}

/* K is cut into equal slices of at most KC (so no slice is much shorter
 * than the others); packed A and the driver both use this. */
static int64_t kc_of(int64_t k) {
  int64_t ns = (k + KC - 1) / KC;
  return ns > 0 ? (k + ns - 1) / ns : 1;
}

/* Packed layout: K slices of kc_of(k), each slice holds ceil(m/mr) panels
 * of [kc][mr]; the slice starting at k0 starts at mpad * k0. */
static int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

int pv__cpu_pack_a(int64_t m, int64_t k, const float *a, int64_t rs, int64_t cs,
                   float alpha, pv_cpu_packed_a *out) {
  const kernel_desc *kd = select_kernel();
  int mr = kd->mr;
  int64_t mpad = round_up(m > 0 ? m : 1, mr);
  size_t bytes = (size_t)mpad * (size_t)(k > 0 ? k : 1) * sizeof(float);
  out->m = m;
  out->k = k;
  out->mr = mr;
  out->data = pv__cpu_host->aligned_alloc(64, bytes);
  if (!out->data)
    return pv__cpu_error(PV_ERR_NOMEM,
                         "cpu: sgemm: cannot allocate %zu bytes for "
                         "packed weights",
                         bytes);
  pv__advise_hugepages(out->data, bytes); /* before the first touch */
  int64_t kcb = kc_of(k);
  for (int64_t k0 = 0; k0 < k; k0 += kcb) {
    int64_t kc = k - k0 < kcb ? k - k0 : kcb;
    float *slice = out->data + mpad * k0;
    for (int64_t m0 = 0; m0 < m; m0 += mr)
      pack_a_panel(a, rs, cs, alpha, m, m0, k0, kc, mr,
                   slice + (m0 / mr) * mr * kc);
  }
  return 0;
}

void pv__cpu_packed_a_free(pv_cpu_packed_a *p) {
  if (p && p->data) {
    pv__cpu_host->aligned_free(p->data);
    p->data = NULL;
  }
}

/* Packs columns [n0, n0+nr) x k slice [k0, k0+kc) of B into dst[kc][nr]. */
static void pack_b_panel(const pv_cpu_bsrc *bs, int64_t n, int64_t n0,
                         int64_t k0, int64_t kc, int nr, float *dst) {
  int cols = (int)(n - n0 < nr ? n - n0 : nr);
  if (!bs->im) {
    for (int64_t p = 0; p < kc; p++) {
      const float *src = bs->b + (k0 + p) * bs->rs + n0 * bs->cs;
      float *d = dst + p * nr;
      if (bs->cs == 1)
        memcpy(d, src, sizeof(float) * (size_t)cols);
      else
        for (int j = 0; j < cols; j++)
          d[j] = src[j * bs->cs];
      for (int j = cols; j < nr; j++)
        d[j] = 0.0f;
    }
    return;
  }
  const pv_cpu_im2col *im = bs->im;
  int64_t ksz = (int64_t)im->kh * im->kw;
  int64_t oy0 = n0 / im->ow, ox0 = n0 % im->ow;
  for (int64_t p = 0; p < kc; p++) {
    int64_t kk = k0 + p;
    int64_t ch = kk / ksz, r = kk % ksz;
    int ky = (int)(r / im->kw), kx = (int)(r % im->kw);
    const float *xc = im->x + ch * im->h * im->w;
    float *d = dst + p * nr;
    int64_t oy = oy0, ox = ox0;
    int j = 0;
    while (j < cols) {
      /* a run within one output row */
      int run = (int)(im->ow - ox < cols - j ? im->ow - ox : cols - j);
      int64_t iy = oy * im->sh - im->ph + (int64_t)ky * im->dh;
      if (iy < 0 || iy >= im->h) {
        for (int t = 0; t < run; t++)
          d[j + t] = 0.0f;
      } else {
        const float *row = xc + iy * im->w;
        int64_t ix = ox * im->sw - im->pw + (int64_t)kx * im->dw;
        if (im->sw == 1 && ix >= 0 && ix + run <= im->w) {
          memcpy(d + j, row + ix, sizeof(float) * (size_t)run);
        } else {
          for (int t = 0; t < run; t++, ix += im->sw)
            d[j + t] = ix >= 0 && ix < im->w ? row[ix] : 0.0f;
        }
      }
      j += run;
      ox += run;
      if (ox == im->ow) {
        ox = 0;
        oy++;
      }
    }
    for (; j < nr; j++)
      d[j] = 0.0f;
  }
}

/* ---- scratch buffers ------------------------------------------------------
 */

/* Packing buffers are recycled through a small free list instead of being
 * allocated per task: large fresh allocations are mmap'ed and page-faulted
 * on every call, which costs as much as a small product. The list is
 * emptied by pv__cpu_scratch_release_all() at backend shutdown. */
typedef struct scratch_hdr {
  struct scratch_hdr *next;
  size_t cap; /* usable bytes after the 64-byte header */
} scratch_hdr;

static pthread_mutex_t g_scratch_mu = PTHREAD_MUTEX_INITIALIZER;
static scratch_hdr *g_scratch;
static int g_scratch_n;
#define SCRATCH_KEEP 32

void *pv__cpu_scratch_get(size_t bytes) {
  pthread_mutex_lock(&g_scratch_mu);
  scratch_hdr **pp = &g_scratch, *h = NULL;
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->cap >= bytes) {
      h = *pp;
      *pp = h->next;
      g_scratch_n--;
      break;
    }
  pthread_mutex_unlock(&g_scratch_mu);
  if (!h) {
    size_t cap = (bytes + 65535) & ~(size_t)65535;
    h = pv__cpu_host->aligned_alloc(64, 64 + cap);
    if (!h)
      return NULL;
    h->cap = cap;
  }
  return (char *)h + 64;
}

void pv__cpu_scratch_put(void *p) {
  if (!p)
    return;
  scratch_hdr *h = (scratch_hdr *)((char *)p - 64);
  pthread_mutex_lock(&g_scratch_mu);
  if (g_scratch_n < SCRATCH_KEEP) {
    h->next = g_scratch;
    g_scratch = h;
    g_scratch_n++;
    h = NULL;
  }
  pthread_mutex_unlock(&g_scratch_mu);
  if (h)
    pv__cpu_host->aligned_free(h);
}

void pv__cpu_scratch_release_all(void) {
  pthread_mutex_lock(&g_scratch_mu);
  scratch_hdr *h = g_scratch;
  g_scratch = NULL;
  g_scratch_n = 0;
  pthread_mutex_unlock(&g_scratch_mu);
  while (h) {
    scratch_hdr *n = h->next;
    pv__cpu_host->aligned_free(h);
    h = n;
  }
}

/* ---- driver ---------------------------------------------------------------
 */

/* The product is cut into tasks of (mc rows x nchunk columns); each task
 * runs the whole K loop on its own, packing its slice of A (unless packed
 * already) and its columns of B into thread-local buffers. One parallel_for
 * per product keeps synchronisation to a single join, which matters on a
 * loaded machine; the duplicated packing is O(1/nchunk) and O(1/mc) of the
 * arithmetic. */
typedef struct gemm_ctx {
  const kernel_desc *kd;
  int64_t m, n, k, mpad;
  const pv_cpu_packed_a *pa;
  const float *a;
  int64_t rsa, csa;
  float alpha;
  const pv_cpu_bsrc *b;
  float *c;
  int64_t rsc, csc;
  int accumulate;
  const pv_cpu_epi *epi;
  int64_t mc, n_mb, nchunk, n_nb;
  int failed;
} gemm_ctx;

static void epilogue_rows(const pv_cpu_epi *epi, float *t, int64_t ldt,
                          int64_t m0, int64_t n0, int rows, int cols) {
  if (!epi)
    return;
  for (int i = 0; i < rows; i++) {
    float *r = t + i * ldt;
    if (epi->bias) {
      if (epi->bias_rows) {
        float bv = epi->bias[m0 + i];
        for (int j = 0; j < cols; j++)
          r[j] += bv;
      } else {
        const float *bv = epi->bias + n0;
        for (int j = 0; j < cols; j++)
          r[j] += bv[j];
      }
    }
    if (epi->act && epi->act->op != PV_OP_NONE)
      pv__cpu_act_f32(epi->act, r, cols);
  }
}

/* One task's macro-kernel over a packed A block and packed B chunk. */
static void macro_kernel(const gemm_ctx *g, const float *apack,
                         const float *bpack, int64_t kc, int64_t m_begin,
                         int64_t m_end, int64_t n_begin, int64_t n_end,
                         int load, int last) {
  const kernel_desc *kd = g->kd;
  int mr = kd->mr, nr = kd->nr;
  float tmp[MR_MAX * NR_MAX];
  for (int64_t n0 = n_begin; n0 < n_end; n0 += nr) {
    const float *bp = bpack + ((n0 - n_begin) / nr) * nr * kc;
    int cols = (int)(n_end - n0 < nr ? n_end - n0 : nr);
    for (int64_t m0 = m_begin; m0 < m_end; m0 += mr) {
      const float *ap = apack + ((m0 - m_begin) / mr) * mr * kc;
      int rows = (int)(m_end - m0 < mr ? m_end - m0 : mr);
      float *cp = g->c + m0 * g->rsc + n0 * g->csc;
      if (rows == mr && cols == nr && g->csc == 1) {
        kd->fn(kc, ap, bp, cp, g->rsc, load);
        if (last)
          epilogue_rows(g->epi, cp, g->rsc, m0, n0, rows, cols);
        continue;
      }
      kern_fn fn = kd->fn;
      if (cols <= 16 && kd->narrow[0])
        fn = kd->narrow[0];
      else if (cols <= 32 && kd->narrow[1])
        fn = kd->narrow[1];
      fn(kc, ap, bp, tmp, nr, 0);
      if (load)
        for (int i = 0; i < rows; i++)
          for (int j = 0; j < cols; j++)
            tmp[i * nr + j] += cp[i * g->rsc + j * g->csc];
      if (last)
        epilogue_rows(g->epi, tmp, nr, m0, n0, rows, cols);
      for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
          cp[i * g->rsc + j * g->csc] = tmp[i * nr + j];
    }
  }
}

static void gemm_tasks(void *vc, int64_t tb, int64_t te) {
  gemm_ctx *g = vc;
  const kernel_desc *kd = g->kd;
  int mr = kd->mr, nr = kd->nr;
  int64_t kc_max = kc_of(g->k);
  size_t bsz = (size_t)(round_up(g->nchunk, nr) * kc_max);
  size_t asz = g->pa ? 0 : (size_t)(g->mc * kc_max);
  float *bbuf = pv__cpu_scratch_get(sizeof(float) * (bsz + asz));
  if (!bbuf) {
    __atomic_store_n(&g->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  float *abuf = g->pa ? NULL : bbuf + bsz;
  for (int64_t t = tb; t < te; t++) {
    int64_t mb = t % g->n_mb, nb = t / g->n_mb;
    int64_t m_begin = mb * g->mc;
    int64_t m_end = m_begin + g->mc < g->m ? m_begin + g->mc : g->m;
    int64_t n_begin = nb * g->nchunk;
    int64_t n_end = n_begin + g->nchunk < g->n ? n_begin + g->nchunk : g->n;
    if (m_begin >= m_end || n_begin >= n_end)
      continue;
    for (int64_t k0 = 0; k0 < g->k; k0 += kc_max) {
      int64_t kc = g->k - k0 < kc_max ? g->k - k0 : kc_max;
      for (int64_t n0 = n_begin; n0 < n_end; n0 += nr)
        pack_b_panel(g->b, n_end, n0, k0, kc, nr,
                     bbuf + ((n0 - n_begin) / nr) * nr * kc);
      const float *ap;
      if (g->pa) {
        ap = g->pa->data + g->mpad * k0 + (m_begin / mr) * mr * kc;
      } else {
        for (int64_t m0 = m_begin; m0 < m_end; m0 += mr)
          pack_a_panel(g->a, g->rsa, g->csa, g->alpha, m_end, m0, k0, kc, mr,
                       abuf + ((m0 - m_begin) / mr) * mr * kc);
        ap = abuf;
      }
      macro_kernel(g, ap, bbuf, kc, m_begin, m_end, n_begin, n_end,
                   k0 > 0 || g->accumulate, k0 + kc_max >= g->k);
    }
  }
  pv__cpu_scratch_put(bbuf);
}

int pv__cpu_sgemm(int64_t m, int64_t n, int64_t k, const pv_cpu_packed_a *pa,
                  const float *a, int64_t rsa, int64_t csa, float alpha,
                  const pv_cpu_bsrc *b, float *c, int64_t rsc, int64_t csc,
                  int accumulate, const pv_cpu_epi *epi) {
  if (m <= 0 || n <= 0)
    return 0;
  const kernel_desc *kd = select_kernel();
  if (pa && (pa->mr != kd->mr || pa->m != m || pa->k != k))
    return pv__cpu_error(PV_ERR_INTERNAL,
                         "cpu: sgemm: packed operand does not match");
  int mr = kd->mr, nr = kd->nr;
  if (k <= 0) { /* C = [C] + 0, then epilogue */
    float row[NR_MAX];
    for (int64_t i = 0; i < m; i++)
      for (int64_t j0 = 0; j0 < n; j0 += NR_MAX) {
        int cols = (int)(n - j0 < NR_MAX ? n - j0 : NR_MAX);
        for (int j = 0; j < cols; j++)
          row[j] = accumulate ? c[i * rsc + (j0 + j) * csc] : 0.0f;
        epilogue_rows(epi, row, NR_MAX, i, j0, 1, cols);
        for (int j = 0; j < cols; j++)
          c[i * rsc + (j0 + j) * csc] = row[j];
      }
    return 0;
  }
  gemm_ctx g;
  memset(&g, 0, sizeof g);
  g.kd = kd;
  g.m = m;
  g.n = n;
  g.k = k;
  g.mpad = round_up(m, mr);
  g.pa = pa;
  g.a = a;
  g.rsa = rsa;
  g.csa = csa;
  g.alpha = alpha;
  g.b = b;
  g.c = c;
  g.rsc = rsc;
  g.csc = csc;
  g.accumulate = accumulate;
  g.epi = epi;
  /* balanced M blocks of at most MC_MAX rows (multiples of mr) */
  g.n_mb = (g.mpad + MC_MAX - 1) / MC_MAX;
  g.mc = round_up((g.mpad + g.n_mb - 1) / g.n_mb, mr);
  g.n_mb = (m + g.mc - 1) / g.mc;
  /* N chunks (multiples of nr): enough tasks for the threads, chunks no
   * wider than NC_MAX */
  int nt = pv__cpu_host->num_threads();
  double flops = 2.0 * (double)m * (double)n * (double)k;
  int64_t n_panels = (n + nr - 1) / nr;
  int64_t want = nt > 1 && flops > 4e5 ? 4 * (int64_t)nt : 1;
  int64_t n_nb = (want + g.n_mb - 1) / g.n_mb;
  int64_t min_nb = (n + NC_MAX - 1) / NC_MAX;
  if (n_nb < min_nb)
    n_nb = min_nb;
  if (n_nb > n_panels)
    n_nb = n_panels;
  g.nchunk = ((n_panels + n_nb - 1) / n_nb) * nr;
  g.n_nb = (n + g.nchunk - 1) / g.nchunk;
  pv__cpu_host->parallel_for(g.n_mb * g.n_nb, 1, gemm_tasks, &g);
  if (g.failed)
    return pv__cpu_error(PV_ERR_NOMEM,
                         "cpu: sgemm: out of memory (%lld x %lld x %lld)",
                         (long long)m, (long long)n, (long long)k);
  return 0;
}
