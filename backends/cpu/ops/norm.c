/*
 * Normalisations (f32): batch_norm (inference: running mean/var), layer_norm
 * over the last n_norm_dims, group_norm and instance_norm (group_norm with
 * one channel per group). Statistics are biased (divide by N) and
 * accumulated in double; weight and bias are optional where torch allows.
 */
#include "cpu_backend.h"

#include <math.h>

static int norm_supports(const pv_op_desc *op) {
  return pv__cpu_all_dtype(op, PV_F32);
}

/* ---- batch norm -----------------------------------------------------------
 */
typedef struct bn_ctx {
  const float *x, *w, *b, *mean, *var;
  float *y;
  float eps;
  int64_t c, inner;
} bn_ctx;

static void bn_chunk(void *vc, int64_t begin, int64_t end) {
  const bn_ctx *k = vc;
  for (int64_t p = begin; p < end; p++) {
    int64_t ch = p % k->c;
    float scale = (float)(k->w[ch] / sqrt((double)k->var[ch] + k->eps));
    float shift = k->b[ch] - k->mean[ch] * scale;
    const float *x = k->x + p * k->inner;
    float *y = k->y + p * k->inner;
    for (int64_t i = 0; i < k->inner; i++)
      y[i] = x[i] * scale + shift;
  }
}

static int bn_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  bn_ctx k = {e->in[0].data,           e->in[1].data, e->in[2].data,
              e->in[3].data,           e->in[4].data, e->out[0].data,
              e->node->attrs.norm.eps, xd->shape[1],  1};
  for (int i = 2; i < xd->ndim; i++)
    k.inner *= xd->shape[i];
  int64_t planes = xd->shape[0] * xd->shape[1];
  pv__cpu_host->parallel_for(planes, 1 + 16384 / (k.inner ? k.inner : 1),
                             bn_chunk, &k);
  return 0;
}

const pv_cpu_op_impl pv__cpu_batch_norm = {.supports = norm_supports,
                                           .run = bn_run};

/* ---- layer norm -----------------------------------------------------------
 */
typedef struct ln_ctx {
  const float *x, *w, *b;
  float *y;
  float eps;
  int64_t n;
} ln_ctx;

static void ln_chunk(void *vc, int64_t begin, int64_t end) {
  const ln_ctx *k = vc;
  for (int64_t r = begin; r < end; r++) {
    const float *x = k->x + r * k->n;
    float *y = k->y + r * k->n;
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < k->n; i++)
      s += x[i];
    double mean = s / (double)k->n;
    for (int64_t i = 0; i < k->n; i++) {
      double d = x[i] - mean;
      s2 += d * d;
    }
    double rstd = 1.0 / sqrt(s2 / (double)k->n + k->eps);
    for (int64_t i = 0; i < k->n; i++) {
      float v = (float)((x[i] - mean) * rstd);
      if (k->w)
        v *= k->w[i];
      if (k->b)
        v += k->b[i];
      y[i] = v;
    }
  }
}

static int ln_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  int nn = e->node->attrs.norm.n_norm_dims;
  ln_ctx k = {e->in[0].data,
              e->n_in > 1 ? e->in[1].data : NULL,
              e->n_in > 2 ? e->in[2].data : NULL,
              e->out[0].data,
              e->node->attrs.norm.eps,
              1};
  for (int i = xd->ndim - nn; i < xd->ndim; i++)
    k.n *= xd->shape[i];
  int64_t total = pv__cpu_numel(xd);
  if (total == 0 || k.n == 0)
    return 0;
  pv__cpu_host->parallel_for(total / k.n, 1 + 16384 / k.n, ln_chunk, &k);
  return 0;
}

const pv_cpu_op_impl pv__cpu_layer_norm = {.supports = norm_supports,
                                           .run = ln_run};

/* ---- group / instance norm ------------------------------------------------
 */
typedef struct gn_ctx {
  const float *x, *w, *b;
  float *y;
  float eps;
  int64_t c, groups, inner; /* inner = spatial size */
} gn_ctx;

static void gn_chunk(void *vc, int64_t begin, int64_t end) {
  const gn_ctx *k = vc;
  int64_t cpg = k->c / k->groups, len = cpg * k->inner;
  for (int64_t t = begin; t < end; t++) {
    int64_t g = t % k->groups;
    const float *x = k->x + t * len;
    float *y = k->y + t * len;
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < len; i++)
      s += x[i];
    double mean = len ? s / (double)len : 0;
    for (int64_t i = 0; i < len; i++) {
      double d = x[i] - mean;
      s2 += d * d;
    }
    double rstd = 1.0 / sqrt((len ? s2 / (double)len : 0) + k->eps);
    for (int64_t cc = 0; cc < cpg; cc++) {
      int64_t ch = g * cpg + cc;
      double sc = rstd * (k->w ? k->w[ch] : 1.0f);
      double sh = (k->b ? k->b[ch] : 0.0f) - mean * sc;
      const float *xc = x + cc * k->inner;
      float *yc = y + cc * k->inner;
      for (int64_t i = 0; i < k->inner; i++)
        yc[i] = (float)(xc[i] * sc + sh);
    }
  }
}

static int gn_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  int64_t c = xd->shape[1];
  gn_ctx k = {e->in[0].data,
              e->n_in > 1 ? e->in[1].data : NULL,
              e->n_in > 2 ? e->in[2].data : NULL,
              e->out[0].data,
              e->node->attrs.norm.eps,
              c,
              e->node->op == PV_OP_INSTANCE_NORM ? c
                                                 : e->node->attrs.norm.groups,
              1};
  for (int i = 2; i < xd->ndim; i++)
    k.inner *= xd->shape[i];
  if (pv__cpu_numel(xd) == 0 || k.groups <= 0)
    return 0;
  int64_t len = c / k.groups * k.inner;
  pv__cpu_host->parallel_for(xd->shape[0] * k.groups,
                             1 + 16384 / (len ? len : 1), gn_chunk, &k);
  return 0;
}

const pv_cpu_op_impl pv__cpu_group_norm = {.supports = norm_supports,
                                           .run = gn_run};
