/*
 * Pooling over NCHW (or CHW) f32: max_pool2d (padding as -inf, dilation,
 * ceil_mode, NaN propagates), avg_pool2d (count_include_pad, ceil_mode and
 * divisor_override exactly as torch: the window is clipped to input +
 * padding for the divisor, then to the input for the sum), and the adaptive
 * pools (windows [floor(i*H/o), ceil((i+1)*H/o))). Parallel over planes.
 */
#include "cpu_backend.h"

#include <math.h>
#include <stdlib.h>

typedef struct pool_ctx {
  int op;
  const pv_pool_attrs *a;
  const float *x;
  float *y;
  int64_t h, w, oh, ow;
} pool_ctx;

/* Max over the interior columns of one output row (every column tap in
 * range, rows[] = the in-range input rows of the window): plain selects the
 * compiler vectorises, NaN tracked on the side so it still propagates. */
static inline __attribute__((always_inline)) void
mp_interior(const float *const *rows, int nrows, float *yr, int64_t ox0,
            int64_t ox1, int64_t off, int K, int S) {
  for (int64_t ox = ox0; ox < ox1; ox++) {
    float r = -INFINITY;
    int nan = 0;
    for (int ky = 0; ky < nrows; ky++)
      for (int kx = 0; kx < K; kx++) {
        float v = rows[ky][ox * S + off + kx];
        r = v > r ? v : r;
        nan |= v != v;
      }
    yr[ox] = nan ? NAN : r;
  }
}

typedef void (*mp_fn)(const float *const *rows, int nrows, float *yr,
                      int64_t ox0, int64_t ox1, int64_t off, int K, int S);

#define PV_MP_DISPATCH                                                         \
  if (K == 3 && S == 2)                                                        \
    mp_interior(rows, nrows, yr, ox0, ox1, off, 3, 2);                         \
  else if (K == 3 && S == 1)                                                   \
    mp_interior(rows, nrows, yr, ox0, ox1, off, 3, 1);                         \
  else if (K == 2 && S == 2)                                                   \
    mp_interior(rows, nrows, yr, ox0, ox1, off, 2, 2);                         \
  else                                                                         \
    mp_interior(rows, nrows, yr, ox0, ox1, off, K, S);

static void mp_generic(const float *const *rows, int nrows, float *yr,
                       int64_t ox0, int64_t ox1, int64_t off, int K, int S) {
  PV_MP_DISPATCH
}
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void mp_avx2(const float *const *rows,
                                                    int nrows, float *yr,
                                                    int64_t ox0, int64_t ox1,
                                                    int64_t off, int K, int S) {
  PV_MP_DISPATCH
}
__attribute__((target("avx512f"))) static void
mp_avx512(const float *const *rows, int nrows, float *yr, int64_t ox0,
          int64_t ox1, int64_t off, int K, int S) {
  PV_MP_DISPATCH
}
#endif
#undef PV_MP_DISPATCH

static mp_fn mp_select(void) {
  static mp_fn sel;
  mp_fn f = __atomic_load_n(&sel, __ATOMIC_ACQUIRE);
  if (f)
    return f;
  f = mp_generic;
#if defined(__x86_64__) || defined(__i386__)
  const char *force = pv__cpu_host->get_option
                          ? pv__cpu_host->get_option("POLYVIS_CPU_KERNEL")
                          : NULL;
  __builtin_cpu_init();
  if (force && !strcmp(force, "generic"))
    f = mp_generic;
  else if (__builtin_cpu_supports("avx512f") &&
           !(force && !strcmp(force, "avx2")))
    f = mp_avx512;
  else if (__builtin_cpu_supports("avx2"))
    f = mp_avx2;
#endif
  __atomic_store_n(&sel, f, __ATOMIC_RELEASE);
  return f;
}

/* One max_pool2d output row by the fast path: interior columns vectorised,
 * the border columns with the bounds-checked loop. Needs dilation 1. */
static void mp_row(const pool_ctx *c, mp_fn fn, const float *xp, float *yr,
                   int64_t oy) {
  const pv_pool_attrs *a = c->a;
  int kh = a->kernel[0], kw = a->kernel[1], sh = a->stride[0],
      sw = a->stride[1], pt = a->padding[0], pl = a->padding[1];
  const float *rows[16];
  int nrows = 0;
  for (int ky = 0; ky < kh && nrows < 16; ky++) {
    int64_t iy = oy * sh - pt + ky;
    if (iy >= 0 && iy < c->h)
      rows[nrows++] = xp + iy * c->w;
  }
  int64_t oxa = (pl + sw - 1) / sw, lim = c->w - 1 + pl - (kw - 1);
  int64_t oxb = lim >= 0 ? lim / sw + 1 : 0;
  if (oxb > c->ow)
    oxb = c->ow;
  if (oxa > oxb)
    oxa = oxb;
  fn(rows, nrows, yr, oxa, oxb, -(int64_t)pl, kw, sw);
  for (int part = 0; part < 2; part++) {
    int64_t c0 = part ? oxb : 0, c1 = part ? c->ow : oxa;
    for (int64_t ox = c0; ox < c1; ox++) {
      float r = -INFINITY;
      int nan = 0;
      for (int k = 0; k < nrows; k++)
        for (int kx = 0; kx < kw; kx++) {
          int64_t ix = ox * sw - pl + kx;
          if (ix < 0 || ix >= c->w)
            continue;
          float v = rows[k][ix];
          r = v > r ? v : r;
          nan |= v != v;
        }
      yr[ox] = nan ? NAN : r;
    }
  }
}

/* max(v, r) that keeps a NaN once seen, as torch's max pooling does. */
static inline float max_nan(float r, float v) {
  return (v > r || v != v) ? v : r;
}

/* Padded lengths of the separable path: every window, ceil_mode ones
 * included, lies inside [0, n) of the -inf padded line. */
static int64_t padded_len(int64_t in, int64_t out, int k, int s, int p) {
  int64_t need = (out - 1) * s + k, have = in + p;
  return need > have ? need : have;
}

/* t[i] = max(t[i .. i+len)) for the largest power of two len <= k, by
 * doubling: one pass per power of two, each vectorisable along the `vec`
 * contiguous values of a position (positions `vec` apart, n of them). */
static int64_t window_max(float *t, int64_t n, int64_t vec, int k) {
  int64_t len = 1;
  while (2 * len <= k) {
    for (int64_t i = 0; i + len < n; i++) {
      float *a = t + i * vec;
      const float *b = t + (i + len) * vec;
      for (int64_t j = 0; j < vec; j++)
        a[j] = max_nan(a[j], b[j]);
    }
    len *= 2;
  }
  return len;
}

/* Large max pools (YOLO's SPP: 5, 9, 13 at stride 1) as two 1-D passes over
 * -inf padded lines, a row max into tmp[row][ow], then a column max; each
 * pass takes the max of two overlapping power-of-two windows built by
 * doubling, so about log2(k) + 1 vector passes instead of k taps. Max is
 * exact in any order (and keeps a NaN), so the result is the same as the
 * direct loop. Needs dilation 1. */
static void mp_separable(const pool_ctx *c, const float *xp, float *yp,
                         float *tmp) {
  const pv_pool_attrs *a = c->a;
  int kh = a->kernel[0], kw = a->kernel[1], sh = a->stride[0],
      sw = a->stride[1], pt = a->padding[0], pl = a->padding[1];
  int64_t hp = padded_len(c->h, c->oh, kh, sh, pt);
  int64_t wp = padded_len(c->w, c->ow, kw, sw, pl);
  float *rows = tmp, *line = tmp + hp * c->ow;
  for (int64_t r = 0; r < hp; r++) {
    float *tr = rows + r * c->ow;
    int64_t iy = r - pt;
    if (iy < 0 || iy >= c->h) {
      for (int64_t ox = 0; ox < c->ow; ox++)
        tr[ox] = -INFINITY;
      continue;
    }
    for (int64_t i = 0; i < wp; i++) {
      int64_t ix = i - pl;
      line[i] = ix >= 0 && ix < c->w ? xp[iy * c->w + ix] : -INFINITY;
    }
    int64_t len = window_max(line, wp, 1, kw);
    for (int64_t ox = 0; ox < c->ow; ox++)
      tr[ox] = max_nan(line[ox * sw], line[ox * sw + kw - len]);
  }
  int64_t len = window_max(rows, hp, c->ow, kh);
  for (int64_t oy = 0; oy < c->oh; oy++) {
    const float *r0 = rows + oy * sh * c->ow,
                *r1 = rows + (oy * sh + kh - len) * c->ow;
    float *yr = yp + oy * c->ow;
    for (int64_t ox = 0; ox < c->ow; ox++)
      yr[ox] = max_nan(r0[ox], r1[ox]);
  }
}

static void pool_chunk(void *vc, int64_t begin, int64_t end) {
  const pool_ctx *c = vc;
  const pv_pool_attrs *a = c->a;
  int kh = a->kernel[0], kw = a->kernel[1], sh = a->stride[0],
      sw = a->stride[1], pt = a->padding[0], pl = a->padding[1],
      pb = a->padding[2], pr = a->padding[3];
  int dh = c->op == PV_OP_MAX_POOL2D ? a->dilation[0] : 1;
  int dw = c->op == PV_OP_MAX_POOL2D ? a->dilation[1] : 1;
  if (dh <= 0)
    dh = 1;
  if (dw <= 0)
    dw = 1;
  int fast =
      c->op == PV_OP_MAX_POOL2D && dh == 1 && dw == 1 && a->kernel[0] <= 16;
  /* kernels beyond 3x3 whose rows overlap (stride < kernel) */
  float *tmp = NULL;
  if (c->op == PV_OP_MAX_POOL2D && dh == 1 && dw == 1 && kh * kw > 9 &&
      sh < kh && sw < kw)
    tmp = malloc(sizeof(float) *
                 (size_t)(padded_len(c->h, c->oh, kh, sh, pt) * c->ow +
                          padded_len(c->w, c->ow, kw, sw, pl)));
  mp_fn fn = fast ? mp_select() : NULL;
  for (int64_t p = begin; p < end; p++) {
    const float *xp = c->x + p * c->h * c->w;
    float *yp = c->y + p * c->oh * c->ow;
    if (tmp) {
      mp_separable(c, xp, yp, tmp);
      continue;
    }
    for (int64_t oy = 0; oy < c->oh; oy++) {
      if (fast) {
        mp_row(c, fn, xp, yp + oy * c->ow, oy);
        continue;
      }
      for (int64_t ox = 0; ox < c->ow; ox++) {
        int64_t y0 = oy * sh - pt, x0 = ox * sw - pl;
        float r;
        if (c->op == PV_OP_MAX_POOL2D) {
          r = -INFINITY;
          for (int ky = 0; ky < kh; ky++) {
            int64_t iy = y0 + (int64_t)ky * dh;
            if (iy < 0 || iy >= c->h)
              continue;
            for (int kx = 0; kx < kw; kx++) {
              int64_t ix = x0 + (int64_t)kx * dw;
              if (ix < 0 || ix >= c->w)
                continue;
              float v = xp[iy * c->w + ix];
              if (v > r || isnan(v))
                r = v;
            }
            if (isnan(r))
              break;
          }
        } else {
          int64_t y1 = y0 + kh, x1 = x0 + kw;
          if (y1 > c->h + pb)
            y1 = c->h + pb;
          if (x1 > c->w + pr)
            x1 = c->w + pr;
          int64_t pool = (y1 - y0) * (x1 - x0);
          int64_t ys = y0 < 0 ? 0 : y0, xs = x0 < 0 ? 0 : x0;
          int64_t ye = y1 > c->h ? c->h : y1, xe = x1 > c->w ? c->w : x1;
          double s = 0;
          for (int64_t iy = ys; iy < ye; iy++)
            for (int64_t ix = xs; ix < xe; ix++)
              s += xp[iy * c->w + ix];
          int64_t div = a->divisor_override    ? a->divisor_override
                        : a->count_include_pad ? pool
                                               : (ye - ys) * (xe - xs);
          r = div > 0 ? (float)(s / (double)div) : NAN;
        }
        yp[oy * c->ow + ox] = r;
      }
    }
  }
  free(tmp);
}

static int planes_of(const pv_tensor_desc *d, int64_t *planes) {
  *planes = 1;
  for (int i = 0; i < d->ndim - 2; i++)
    *planes *= d->shape[i];
  return 0;
}

static int pool_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  int nd = xd->ndim;
  pool_ctx c = {e->node->op,       &e->node->attrs.pool, e->in[0].data,
                e->out[0].data,    xd->shape[nd - 2],    xd->shape[nd - 1],
                yd->shape[nd - 2], yd->shape[nd - 1]};
  int64_t planes;
  planes_of(xd, &planes);
  int64_t work = c.oh * c.ow * c.a->kernel[0] * c.a->kernel[1];
  pv__cpu_host->parallel_for(planes, 1 + 65536 / (work ? work : 1), pool_chunk,
                             &c);
  return 0;
}

static int pool_supports(const pv_op_desc *op) {
  return pv__cpu_all_dtype(op, PV_F32);
}

const pv_cpu_op_impl pv__cpu_pool = {.supports = pool_supports,
                                     .run = pool_run};

static void apool_chunk(void *vc, int64_t begin, int64_t end) {
  const pool_ctx *c = vc;
  for (int64_t p = begin; p < end; p++) {
    const float *xp = c->x + p * c->h * c->w;
    float *yp = c->y + p * c->oh * c->ow;
    for (int64_t oy = 0; oy < c->oh; oy++) {
      int64_t y0 = oy * c->h / c->oh,
              y1 = ((oy + 1) * c->h + c->oh - 1) / c->oh;
      for (int64_t ox = 0; ox < c->ow; ox++) {
        int64_t x0 = ox * c->w / c->ow,
                x1 = ((ox + 1) * c->w + c->ow - 1) / c->ow;
        float r;
        if (c->op == PV_OP_ADAPTIVE_MAX_POOL2D) {
          r = -INFINITY;
          for (int64_t iy = y0; iy < y1; iy++)
            for (int64_t ix = x0; ix < x1; ix++) {
              float v = xp[iy * c->w + ix];
              if (v > r || isnan(v))
                r = v;
            }
        } else {
          double s = 0;
          for (int64_t iy = y0; iy < y1; iy++)
            for (int64_t ix = x0; ix < x1; ix++)
              s += xp[iy * c->w + ix];
          int64_t cnt = (y1 - y0) * (x1 - x0);
          r = cnt ? (float)(s / (double)cnt) : NAN;
        }
        yp[oy * c->ow + ox] = r;
      }
    }
  }
}

static int apool_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  int nd = xd->ndim;
  pool_ctx c = {e->node->op,       &e->node->attrs.pool, e->in[0].data,
                e->out[0].data,    xd->shape[nd - 2],    xd->shape[nd - 1],
                yd->shape[nd - 2], yd->shape[nd - 1]};
  int64_t planes;
  planes_of(xd, &planes);
  int64_t work = c.h * c.w + c.oh * c.ow;
  pv__cpu_host->parallel_for(planes, 1 + 65536 / (work ? work : 1), apool_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_adaptive_pool = {.supports = pool_supports,
                                              .run = apool_run};
