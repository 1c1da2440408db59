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
#include "cpu_backend.h"

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
} kernel_desc;

/* ---- portable kernel ------------------------------------------------------ */
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
/* ---- AVX2 + FMA 6x16 ------------------------------------------------------ */
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
    PV_ROW(0) PV_ROW(1) PV_ROW(2) PV_ROW(3) PV_ROW(4) PV_ROW(5)
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

/* ---- AVX-512 8x48 --------------------------------------------------------- */
__attribute__((target("avx512f"))) static void
kern_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
            int load) {
#define PV_Z(i)                                                                \
  __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps(),         \
         c##i##2 = _mm512_setzero_ps();
  PV_Z(0) PV_Z(1) PV_Z(2) PV_Z(3) PV_Z(4) PV_Z(5) PV_Z(6) PV_Z(7)
#undef PV_Z
  for (int64_t p = 0; p < kc; p++) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16),
           b2 = _mm512_loadu_ps(b + 32);
    __m512 av;
    _mm_prefetch((const char *)(b + 48 * 8), _MM_HINT_T0);
#define PV_ROW(i)                                                              \
  av = _mm512_set1_ps(a[i]);                                                   \
  c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);                                  \
  c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1);                                  \
  c##i##2 = _mm512_fmadd_ps(av, b2, c##i##2);
    PV_ROW(0) PV_ROW(1) PV_ROW(2) PV_ROW(3) PV_ROW(4) PV_ROW(5) PV_ROW(6)
    PV_ROW(7)
#undef PV_ROW
    a += 8;
    b += 48;
  }
#define PV_ST(i)                                                               \
  {                                                                            \
    float *r = c + i * ldc;                                                    \
    if (load) {                                                                \
      c##i##0 = _mm512_add_ps(c##i##0, _mm512_loadu_ps(r));                    \
      c##i##1 = _mm512_add_ps(c##i##1, _mm512_loadu_ps(r + 16));               \
      c##i##2 = _mm512_add_ps(c##i##2, _mm512_loadu_ps(r + 32));               \
    }                                                                          \
    _mm512_storeu_ps(r, c##i##0);                                              \
    _mm512_storeu_ps(r + 16, c##i##1);                                         \
    _mm512_storeu_ps(r + 32, c##i##2);                                         \
  }
  PV_ST(0) PV_ST(1) PV_ST(2) PV_ST(3) PV_ST(4) PV_ST(5) PV_ST(6) PV_ST(7)
#undef PV_ST
}
#endif

static const kernel_desc k_generic = {"generic", 4, 16, kern_generic};
#ifdef PV_CPU_X86
static const kernel_desc k_avx2 = {"avx2", 6, 16, kern_avx2};
static const kernel_desc k_avx512 = {"avx512", 8, 48, kern_avx512};
#endif

static const kernel_desc *select_kernel(void) {
  static const kernel_desc *sel;
  const kernel_desc *k = __atomic_load_n(&sel, __ATOMIC_ACQUIRE);
  if (k)
    return k;
  const char *force =
      pv__cpu_host && pv__cpu_host->get_option
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

/* ---- packing -------------------------------------------------------------- */

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

/* Packed layout: K slices of KC, each slice holds ceil(m/mr) panels of
 * [kc][mr]; slice s starts at mpad * (s * KC). */
static int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

int pv__cpu_pack_a(int64_t m, int64_t k, const float *a, int64_t rs,
                   int64_t cs, float alpha, pv_cpu_packed_a *out) {
  const kernel_desc *kd = select_kernel();
  int mr = kd->mr;
  int64_t mpad = round_up(m > 0 ? m : 1, mr);
  size_t bytes = (size_t)mpad * (size_t)(k > 0 ? k : 1) * sizeof(float);
  out->m = m;
  out->k = k;
  out->mr = mr;
  out->data = pv__cpu_host->aligned_alloc(64, bytes);
  if (!out->data)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: sgemm: cannot allocate %zu bytes for "
                             "packed weights",
                         bytes);
  for (int64_t k0 = 0; k0 < k; k0 += KC) {
    int64_t kc = k - k0 < KC ? k - k0 : KC;
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

/* ---- driver --------------------------------------------------------------- */

typedef struct gemm_ctx {
  const kernel_desc *kd;
  int64_t m, n, k;
  /* current slice */
  int64_t n0, nc, k0, kc;
  int first, last;
  const float *apack; /* slice base: panels of [kc][mr] */
  float *bpack;       /* panels of [kc][nr] */
  /* A to pack per slice when not pre-packed */
  const float *a;
  int64_t rsa, csa;
  float alpha;
  float *apack_buf;
  const pv_cpu_bsrc *b;
  float *c;
  int64_t rsc, csc;
  int accumulate;
  const pv_cpu_epi *epi;
  /* tiles */
  int64_t mc, n_mb, panels_per_task, n_tasks_n;
} gemm_ctx;

static void pack_b_chunk(void *vc, int64_t b, int64_t e) {
  gemm_ctx *g = vc;
  int nr = g->kd->nr;
  for (int64_t i = b; i < e; i++)
    pack_b_panel(g->b, g->n, g->n0 + i * nr, g->k0, g->kc, nr,
                 g->bpack + i * nr * g->kc);
}

static void pack_a_chunk(void *vc, int64_t b, int64_t e) {
  gemm_ctx *g = vc;
  int mr = g->kd->mr;
  for (int64_t i = b; i < e; i++)
    pack_a_panel(g->a, g->rsa, g->csa, g->alpha, g->m, i * mr, g->k0, g->kc,
                 mr, g->apack_buf + i * mr * g->kc);
}

static void epilogue_rows(const gemm_ctx *g, float *t, int64_t ldt,
                          int64_t m0, int64_t n0, int rows, int cols) {
  const pv_cpu_epi *epi = g->epi;
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

static void tile_task(void *vc, int64_t tb, int64_t te) {
  gemm_ctx *g = vc;
  const kernel_desc *kd = g->kd;
  int mr = kd->mr, nr = kd->nr;
  float tmp[MR_MAX * NR_MAX];
  int64_t n_panels = (g->nc + nr - 1) / nr;
  int load = !g->first || g->accumulate;
  for (int64_t t = tb; t < te; t++) {
    int64_t mb = t / g->n_tasks_n, nb = t % g->n_tasks_n;
    int64_t m_begin = mb * g->mc;
    int64_t m_end = m_begin + g->mc < g->m ? m_begin + g->mc : g->m;
    int64_t p_begin = nb * g->panels_per_task;
    int64_t p_end = p_begin + g->panels_per_task < n_panels
                        ? p_begin + g->panels_per_task
                        : n_panels;
    for (int64_t pj = p_begin; pj < p_end; pj++) {
      const float *bp = g->bpack + pj * nr * g->kc;
      int64_t n0 = g->n0 + pj * nr;
      int cols = (int)(g->n - n0 < nr ? g->n - n0 : nr);
      for (int64_t m0 = m_begin; m0 < m_end; m0 += mr) {
        const float *ap = g->apack + (m0 / mr) * mr * g->kc;
        int rows = (int)(g->m - m0 < mr ? g->m - m0 : mr);
        float *cp = g->c + m0 * g->rsc + n0 * g->csc;
        if (rows == mr && cols == nr && g->csc == 1) {
          kd->fn(g->kc, ap, bp, cp, g->rsc, load);
          if (g->last)
            epilogue_rows(g, cp, g->rsc, m0, n0, rows, cols);
        } else {
          kd->fn(g->kc, ap, bp, tmp, nr, 0);
          for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
              if (load)
                tmp[i * nr + j] += cp[i * g->rsc + j * g->csc];
          if (g->last)
            epilogue_rows(g, tmp, nr, m0, n0, rows, cols);
          for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
              cp[i * g->rsc + j * g->csc] = tmp[i * nr + j];
        }
      }
    }
  }
}

int pv__cpu_sgemm(int64_t m, int64_t n, int64_t k, const pv_cpu_packed_a *pa,
                  const float *a, int64_t rsa, int64_t csa, float alpha,
                  const pv_cpu_bsrc *b, float *c, int64_t rsc, int64_t csc,
                  int accumulate, const pv_cpu_epi *epi) {
  if (m <= 0 || n <= 0)
    return 0;
  const kernel_desc *kd = select_kernel();
  if (pa && (pa->mr != kd->mr || pa->m != m || pa->k != k))
    return pv__cpu_error(PV_ERR_INTERNAL, "cpu: sgemm: packed operand does not match");
  int mr = kd->mr, nr = kd->nr;
  if (k <= 0) { /* C = [C] + 0, then epilogue */
    for (int64_t i = 0; i < m; i++) {
      float row[NR_MAX];
      for (int64_t j0 = 0; j0 < n; j0 += NR_MAX) {
        int cols = (int)(n - j0 < NR_MAX ? n - j0 : NR_MAX);
        for (int j = 0; j < cols; j++)
          row[j] = accumulate ? c[i * rsc + (j0 + j) * csc] : 0.0f;
        gemm_ctx g0 = {.epi = epi};
        epilogue_rows(&g0, row, NR_MAX, i, j0, 1, cols);
        for (int j = 0; j < cols; j++)
          c[i * rsc + (j0 + j) * csc] = row[j];
      }
    }
    return 0;
  }
  int nt = pv__cpu_host->num_threads();
  int64_t mpad = round_up(m, mr);
  int64_t nc_max = n < NC_MAX ? round_up(n, nr) : NC_MAX;
  int64_t kc_max = k < KC ? k : KC;
  float *bpack = pv__cpu_host->aligned_alloc(
      64, sizeof(float) * (size_t)(nc_max * kc_max));
  float *abuf = NULL;
  if (!pa)
    abuf = pv__cpu_host->aligned_alloc(64,
                                       sizeof(float) * (size_t)(mpad * kc_max));
  if (!bpack || (!pa && !abuf)) {
    pv__cpu_host->aligned_free(bpack);
    pv__cpu_host->aligned_free(abuf);
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: sgemm: out of memory (%lld x %lld x %lld)",
                         (long long)m, (long long)n, (long long)k);
  }
  gemm_ctx g;
  memset(&g, 0, sizeof g);
  g.kd = kd;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.rsa = rsa;
  g.csa = csa;
  g.alpha = alpha;
  g.apack_buf = abuf;
  g.bpack = bpack;
  g.b = b;
  g.c = c;
  g.rsc = rsc;
  g.csc = csc;
  g.accumulate = accumulate;
  g.epi = epi;
  g.mc = mpad < MC_MAX ? mpad : MC_MAX;
  g.n_mb = (m + g.mc - 1) / g.mc;
  for (int64_t n0 = 0; n0 < n; n0 += NC_MAX) {
    g.n0 = n0;
    g.nc = n - n0 < NC_MAX ? n - n0 : NC_MAX;
    int64_t n_panels = (g.nc + nr - 1) / nr;
    /* enough tasks to balance the threads */
    int64_t want = nt > 1 ? 3 * (int64_t)nt : 1;
    int64_t split = (want + g.n_mb - 1) / g.n_mb;
    if (split > n_panels)
      split = n_panels;
    if (split < 1)
      split = 1;
    g.panels_per_task = (n_panels + split - 1) / split;
    g.n_tasks_n = (n_panels + g.panels_per_task - 1) / g.panels_per_task;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      g.k0 = k0;
      g.kc = k - k0 < KC ? k - k0 : KC;
      g.first = k0 == 0;
      g.last = k0 + KC >= k;
      int64_t flops_per_panel = 2 * g.kc * nr * m;
      int64_t grain = flops_per_panel > 0 ? 1 + 200000 / flops_per_panel : 1;
      pv__cpu_host->parallel_for(n_panels, grain, pack_b_chunk, &g);
      if (pa) {
        g.apack = pa->data + mpad * k0;
      } else {
        int64_t np = mpad / mr;
        pv__cpu_host->parallel_for(np, 1 + 16384 / (g.kc * mr), pack_a_chunk,
                                   &g);
        g.apack = abuf;
      }
      int64_t tasks = g.n_mb * g.n_tasks_n;
      double work = 2.0 * (double)m * (double)g.nc * (double)g.kc;
      pv__cpu_host->parallel_for(tasks, work < 2e5 ? tasks : 1, tile_task, &g);
    }
  }
  pv__cpu_host->aligned_free(bpack);
  pv__cpu_host->aligned_free(abuf);
  return 0;
}
