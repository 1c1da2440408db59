/*
 * softmax and log_softmax (f32) along one axis: max-subtracted, the sum in
 * double. Parallel over (outer, inner) lines.
 */
#include "cpu_backend.h"

#include <math.h>

typedef struct sm_ctx {
  int log;
  const float *x;
  float *y;
  int64_t n, inner;
} sm_ctx;

static void sm_chunk(void *vc, int64_t begin, int64_t end) {
  const sm_ctx *k = vc;
  for (int64_t t = begin; t < end; t++) {
    int64_t o = t / k->inner, i = t % k->inner, st = k->inner;
    const float *x = k->x + o * k->n * st + i;
    float *y = k->y + o * k->n * st + i;
    float mx = -INFINITY;
    for (int64_t j = 0; j < k->n; j++)
      if (x[j * st] > mx || isnan(x[j * st]))
        mx = x[j * st];
    double s = 0;
    if (k->log) {
      for (int64_t j = 0; j < k->n; j++)
        s += exp((double)x[j * st] - mx);
      double ls = log(s);
      for (int64_t j = 0; j < k->n; j++)
        y[j * st] = (float)((double)x[j * st] - mx - ls);
    } else if (st == 1 && !isnan(mx)) {
      for (int64_t j = 0; j < k->n; j++)
        y[j] = x[j] - mx;
      if (!pv__cpu_vec_unary(PV_OP_EXP, 0, y, y, k->n))
        for (int64_t j = 0; j < k->n; j++)
          y[j] = expf(y[j]);
      for (int64_t j = 0; j < k->n; j++)
        s += y[j];
      float inv = (float)(1.0 / s);
      for (int64_t j = 0; j < k->n; j++)
        y[j] *= inv;
    } else {
      for (int64_t j = 0; j < k->n; j++) {
        float v = expf(x[j * st] - mx);
        y[j * st] = v;
        s += v;
      }
      float inv = (float)(1.0 / s);
      for (int64_t j = 0; j < k->n; j++)
        y[j * st] *= inv;
    }
  }
}

static int sm_supports(const pv_op_desc *op) {
  return pv__cpu_all_dtype(op, PV_F32);
}

static int sm_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc;
  int ax = e->node->attrs.axis.axis;
  if (ax < 0)
    ax += xd->ndim;
  sm_ctx k = {e->node->op == PV_OP_LOG_SOFTMAX, e->in[0].data, e->out[0].data,
              xd->ndim ? xd->shape[ax] : 1, 1};
  int64_t outer = 1;
  for (int d = 0; d < ax; d++)
    outer *= xd->shape[d];
  for (int d = ax + 1; d < xd->ndim; d++)
    k.inner *= xd->shape[d];
  if (pv__cpu_numel(xd) == 0)
    return 0;
  pv__cpu_host->parallel_for(outer * k.inner, 1 + 8192 / k.n, sm_chunk, &k);
  return 0;
}

const pv_cpu_op_impl pv__cpu_softmax = {.supports = sm_supports, .run = sm_run};
