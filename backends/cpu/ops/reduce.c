/*
 * Reductions: reduce_sum / mean / max / min over a set of axes (keepdims;
 * f32 and f64, accumulated in double, and i32/i64 for sum/max/min), argmax /
 * argmin over one axis (f32, i32 or i64 in, i64 out; first index of the extreme
 * unless select_last_index; NaN counts as the extreme, as in torch) and topk
 * (f32 values + i64 indices; NaN is the largest value; ties keep the lower
 * index first).
 */
#include "cpu_backend.h"

#include <math.h>
#include <stdlib.h>

/* ---- reduce_* -------------------------------------------------------------
 */
typedef struct red_ctx {
  int op, dt;
  const void *x;
  void *y;
  int nk, nr; /* kept dims, reduced dims (merged) */
  int64_t kshape[PV_MAX_DIMS], kst[PV_MAX_DIMS];
  int64_t rshape[PV_MAX_DIMS], rst[PV_MAX_DIMS];
  int64_t rcount;
} red_ctx;

static void red_chunk(void *vc, int64_t begin, int64_t end) {
  const red_ctx *c = vc;
  int64_t inner = c->nr ? c->rshape[c->nr - 1] : 1;
  int64_t ist = c->nr ? c->rst[c->nr - 1] : 0;
  int64_t outer_r = c->rcount / (inner ? inner : 1);
  for (int64_t o = begin; o < end; o++) {
    int64_t base = 0, r = o;
    for (int d = c->nk - 1; d >= 0; d--) {
      base += (r % c->kshape[d]) * c->kst[d];
      r /= c->kshape[d];
    }
    double acc = c->op == PV_OP_REDUCE_MAX   ? -INFINITY
                 : c->op == PV_OP_REDUCE_MIN ? INFINITY
                                             : 0.0;
    int64_t iacc = c->op == PV_OP_REDUCE_MAX   ? INT64_MIN
                   : c->op == PV_OP_REDUCE_MIN ? INT64_MAX
                                               : 0;
    for (int64_t q = 0; q < outer_r && inner; q++) {
      int64_t off = base, rr = q;
      for (int d = c->nr - 2; d >= 0; d--) {
        off += (rr % c->rshape[d]) * c->rst[d];
        rr /= c->rshape[d];
      }
      if (c->dt == PV_F64) {
        const double *x = (const double *)c->x + off;
        for (int64_t i = 0; i < inner; i++) {
          double v = x[i * ist];
          if (c->op == PV_OP_REDUCE_MAX   ? v > acc || isnan(v)
              : c->op == PV_OP_REDUCE_MIN ? v < acc || isnan(v)
                                          : 0)
            acc = v;
          else if (c->op == PV_OP_REDUCE_SUM || c->op == PV_OP_REDUCE_MEAN)
            acc += v;
        }
      } else if (c->dt == PV_F32) {
        const float *x = (const float *)c->x + off;
        switch (c->op) {
        case PV_OP_REDUCE_MAX:
          for (int64_t i = 0; i < inner; i++) {
            float v = x[i * ist];
            if (v > acc || isnan(v))
              acc = v;
          }
          break;
        case PV_OP_REDUCE_MIN:
          for (int64_t i = 0; i < inner; i++) {
            float v = x[i * ist];
            if (v < acc || isnan(v))
              acc = v;
          }
          break;
        default:
          for (int64_t i = 0; i < inner; i++)
            acc += x[i * ist];
        }
        if (isnan(acc) && c->op != PV_OP_REDUCE_SUM &&
            c->op != PV_OP_REDUCE_MEAN)
          break;
      } else {
        for (int64_t i = 0; i < inner; i++) {
          int64_t v = c->dt == PV_I32 ? ((const int32_t *)c->x)[off + i * ist]
                                      : ((const int64_t *)c->x)[off + i * ist];
          if (c->op == PV_OP_REDUCE_MAX)
            iacc = v > iacc ? v : iacc;
          else if (c->op == PV_OP_REDUCE_MIN)
            iacc = v < iacc ? v : iacc;
          else
            iacc = (int64_t)((uint64_t)iacc + (uint64_t)v);
        }
      }
    }
    if (c->dt == PV_F32 || c->dt == PV_F64) {
      if (c->op == PV_OP_REDUCE_MEAN)
        acc = c->rcount ? acc / (double)c->rcount : NAN;
      if (c->dt == PV_F64)
        ((double *)c->y)[o] = acc;
      else
        ((float *)c->y)[o] = (float)acc;
    } else if (c->dt == PV_I32) {
      ((int32_t *)c->y)[o] = (int32_t)iacc;
    } else {
      ((int64_t *)c->y)[o] = iacc;
    }
  }
}

static int red_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  if (op->outputs[0].dtype != dt)
    return 0;
  if (dt == PV_F32 || dt == PV_F64)
    return 1;
  return (dt == PV_I32 || dt == PV_I64) && op->op != PV_OP_REDUCE_MEAN;
}

static int red_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  const pv_axis_attrs *a = &e->node->attrs.axis;
  int red[PV_MAX_DIMS] = {0};
  if (a->n_axes == 0)
    for (int i = 0; i < xd->ndim; i++)
      red[i] = 1;
  for (int i = 0; i < a->n_axes; i++)
    red[a->axes[i] < 0 ? a->axes[i] + xd->ndim : a->axes[i]] = 1;
  red_ctx c;
  memset(&c, 0, sizeof c);
  c.op = e->node->op;
  c.dt = xd->dtype;
  c.x = e->in[0].data;
  c.y = e->out[0].data;
  c.rcount = 1;
  int64_t st = 1, st_of[PV_MAX_DIMS];
  for (int d = xd->ndim - 1; d >= 0; d--) {
    st_of[d] = st;
    st *= xd->shape[d];
  }
  int64_t nout = 1;
  for (int d = 0; d < xd->ndim; d++) {
    int64_t sz = xd->shape[d];
    if (red[d]) {
      c.rcount *= sz;
      if (sz == 1)
        continue;
      if (c.nr && c.rst[c.nr - 1] == st_of[d] * sz) {
        c.rshape[c.nr - 1] *= sz;
        c.rst[c.nr - 1] = st_of[d];
      } else {
        c.rshape[c.nr] = sz;
        c.rst[c.nr++] = st_of[d];
      }
    } else {
      nout *= sz;
      c.kshape[c.nk] = sz;
      c.kst[c.nk++] = st_of[d];
    }
  }
  if (c.nr == 0) { /* nothing (or only size-1 dims) reduced */
    c.rshape[0] = 1;
    c.rst[0] = 0;
    c.nr = 1;
  }
  if (nout == 0)
    return 0;
  pv__cpu_host->parallel_for(nout, 1 + 16384 / (c.rcount ? c.rcount : 1),
                             red_chunk, &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_reduce = {.supports = red_supports,
                                       .run = red_run};

/* ---- argmax / argmin ------------------------------------------------------
 */
typedef struct arg_ctx {
  int max, last, dt;
  const void *x;
  int64_t *y;
  int64_t n, inner;
} arg_ctx;

#define PV_ARG_LOOP(T, ISNAN)                                                  \
  {                                                                            \
    const T *x = (const T *)c->x + o * c->n * c->inner + i;                    \
    T bv = x[0];                                                               \
    for (int64_t j = 1; j < c->n && !ISNAN(bv); j++) {                         \
      T v = x[j * c->inner];                                                   \
      int take;                                                                \
      if (ISNAN(v))                                                            \
        take = 1;                                                              \
      else if (c->max)                                                         \
        take = c->last ? v >= bv : v > bv;                                     \
      else                                                                     \
        take = c->last ? v <= bv : v < bv;                                     \
      if (take) {                                                              \
        best = j;                                                              \
        bv = v;                                                                \
      }                                                                        \
    }                                                                          \
  }
#define PV_NO_NAN(v) 0

static void arg_chunk(void *vc, int64_t begin, int64_t end) {
  const arg_ctx *c = vc;
  for (int64_t t = begin; t < end; t++) {
    int64_t o = t / c->inner, i = t % c->inner;
    int64_t best = 0;
    if (c->dt == PV_F32)
      PV_ARG_LOOP(float, isnan)
    else if (c->dt == PV_I32)
      PV_ARG_LOOP(int32_t, PV_NO_NAN)
    else
      PV_ARG_LOOP(int64_t, PV_NO_NAN)
    c->y[t] = best;
  }
}
#undef PV_ARG_LOOP
#undef PV_NO_NAN

static int arg_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  return (dt == PV_F32 || dt == PV_I32 || dt == PV_I64) &&
         op->outputs[0].dtype == PV_I64;
}

static int arg_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  const pv_axis_attrs *a = &e->node->attrs.axis;
  int ax = a->axis < 0 ? a->axis + xd->ndim : a->axis;
  arg_ctx c = {e->node->op == PV_OP_ARGMAX,
               a->select_last_index,
               xd->dtype,
               e->in[0].data,
               e->out[0].data,
               xd->ndim ? xd->shape[ax] : 1,
               1};
  int64_t outer = 1;
  for (int d = 0; d < ax; d++)
    outer *= xd->shape[d];
  for (int d = ax + 1; d < xd->ndim; d++)
    c.inner *= xd->shape[d];
  if (outer * c.inner == 0 || c.n == 0)
    return 0;
  pv__cpu_host->parallel_for(outer * c.inner, 1 + 16384 / c.n, arg_chunk, &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_arg = {.supports = arg_supports, .run = arg_run};

/* ---- topk -----------------------------------------------------------------
 */
typedef struct kv {
  float v;
  int64_t i;
} kv;

/* Orders "larger first": NaN above everything, ties by lower index. */
static int cmp_desc(const void *pa, const void *pb) {
  const kv *a = pa, *b = pb;
  int an = isnan(a->v), bn = isnan(b->v);
  if (an != bn)
    return an ? -1 : 1;
  if (!an && a->v != b->v)
    return a->v > b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}
static int cmp_asc(const void *pa, const void *pb) {
  const kv *a = pa, *b = pb;
  int an = isnan(a->v), bn = isnan(b->v);
  if (an != bn)
    return an ? 1 : -1;
  if (!an && a->v != b->v)
    return a->v < b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

typedef struct topk_ctx {
  int largest;
  const float *x;
  float *yv;
  int64_t *yi;
  int64_t n, k, inner;
  int failed;
} topk_ctx;

static void topk_chunk(void *vc, int64_t begin, int64_t end) {
  topk_ctx *c = vc;
  kv *buf = malloc(sizeof(kv) * (size_t)(c->n ? c->n : 1));
  if (!buf) {
    __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  for (int64_t t = begin; t < end; t++) {
    int64_t o = t / c->inner, i = t % c->inner;
    const float *x = c->x + o * c->n * c->inner + i;
    for (int64_t j = 0; j < c->n; j++) {
      buf[j].v = x[j * c->inner];
      buf[j].i = j;
    }
    qsort(buf, (size_t)c->n, sizeof(kv), c->largest ? cmp_desc : cmp_asc);
    float *yv = c->yv + o * c->k * c->inner + i;
    int64_t *yi = c->yi ? c->yi + o * c->k * c->inner + i : NULL;
    for (int64_t j = 0; j < c->k; j++) {
      yv[j * c->inner] = buf[j].v;
      if (yi)
        yi[j * c->inner] = buf[j].i;
    }
  }
  free(buf);
}

static int topk_supports(const pv_op_desc *op) {
  return op->inputs[0].dtype == PV_F32 && op->outputs[0].dtype == PV_F32 &&
         (op->n_outputs < 2 || op->outputs[1].dtype == PV_I64);
}

static int topk_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  const pv_axis_attrs *a = &e->node->attrs.axis;
  int ax = a->axis < 0 ? a->axis + xd->ndim : a->axis;
  topk_ctx c = {a->largest,
                e->in[0].data,
                e->out[0].data,
                e->n_out > 1 ? e->out[1].data : NULL,
                xd->ndim ? xd->shape[ax] : 1,
                a->k,
                1,
                0};
  int64_t outer = 1;
  for (int d = 0; d < ax; d++)
    outer *= xd->shape[d];
  for (int d = ax + 1; d < xd->ndim; d++)
    c.inner *= xd->shape[d];
  if (outer * c.inner == 0 || c.k == 0)
    return 0;
  pv__cpu_host->parallel_for(outer * c.inner, 1 + 4096 / (c.n ? c.n : 1),
                             topk_chunk, &c);
  if (c.failed)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: topk: out of memory");
  return 0;
}

const pv_cpu_op_impl pv__cpu_topk = {.supports = topk_supports,
                                     .run = topk_run};
