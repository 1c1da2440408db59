/* Unary elementwise kernels. */
#include "cpu_backend.h"

typedef struct relu_ctx {
  const float *x;
  float *y;
} relu_ctx;

static void relu_chunk(void *c, int64_t b, int64_t e) {
  relu_ctx *r = c;
  for (int64_t i = b; i < e; i++)
    r->y[i] = r->x[i] > 0.0f ? r->x[i] : 0.0f;
}

static int relu_run(const pv_cpu_exec *e) {
  relu_ctx c = {e->in[0].data, e->out[0].data};
  pv__cpu_host->parallel_for(pv__cpu_numel(e->out[0].desc), 16384, relu_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_relu = {.run = relu_run};
