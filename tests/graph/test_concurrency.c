/* N threads run one compiled graph, each with its own context, and must get
 * bit-identical outputs. The `tsan` label runs this under ThreadSanitizer. */
#include "testutil.h"

#include <pthread.h>

#define N_THREADS 4
#define N_ITERS 20

typedef struct job {
  pv_compiled *c;
  pv_tensor *in;
  pv_tensor *out;
  int rc;
} job;

static void *worker(void *arg) {
  job *j = arg;
  pv_context *x = pv_context_create(j->c);
  for (int i = 0; i < N_ITERS && x; i++) {
    pv_tensor_release(j->out);
    j->out = NULL;
    j->rc |= pv_context_run(x, 1, &j->in, 1, &j->out);
  }
  pv_context_free(x);
  return NULL;
}

int main(void) {
  /* a small conv net: conv3x3 + relu, conv1x1, global pool, linear */
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {1, 3, 16, 16};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  int64_t w1s[4] = {8, 3, 3, 3}, w2s[4] = {16, 8, 1, 1}, ls[2] = {10, 16},
          bs[1] = {10};
  pv_tensor *w1 = pv_tensor_create(PV_F32, 4, w1s),
            *w2 = pv_tensor_create(PV_F32, 4, w2s),
            *lw = pv_tensor_create(PV_F32, 2, ls),
            *lb = pv_tensor_create(PV_F32, 1, bs);
  pv_tensor *ts[4] = {w1, w2, lw, lb};
  unsigned seed = 1;
  for (int k = 0; k < 4; k++) {
    float *d = pv_tensor_data(ts[k]);
    for (int64_t i = 0; i < pv_tensor_numel(ts[k]); i++) {
      seed = seed * 1103515245u + 12345u;
      d[i] = (float)((seed >> 16) & 0x7fff) / 32768.0f - 0.5f;
    }
  }
  pv_conv_attrs ca = pv_conv_attrs_default();
  ca.padding[0] = ca.padding[1] = ca.padding[2] = ca.padding[3] = 1;
  pv_value y = pv_relu(
      g, pv_conv2d(g, x, pv_graph_constant(g, "w1", w1), PV_NO_VALUE, &ca));
  y = pv_conv2d(g, y, pv_graph_constant(g, "w2", w2), PV_NO_VALUE, NULL);
  y = pv_flatten(g, pv_adaptive_avg_pool2d(g, y, 1, 1), 1, -1);
  y = pv_linear(g, y, pv_graph_constant(g, "lw", lw),
                pv_graph_constant(g, "lb", lb));
  pv_graph_output(g, "y", y);
  pv_compile_options o = pv_compile_options_default();
  o.device = "cpu";
  pv_compiled *c = pv_graph_compile(g, &o);
  CHECK(c != NULL);
  if (!c)
    return pv_test_finish("test_concurrency");
  pv_tensor *in = pv_tensor_create(PV_F32, 4, xs);
  float *d = pv_tensor_data(in);
  for (int64_t i = 0; i < pv_tensor_numel(in); i++)
    d[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;

  pv_tensor *ref = NULL;
  CHECK(pv_compiled_run(c, 1, &in, 1, &ref) == 0);
  job jobs[N_THREADS];
  pthread_t th[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    jobs[i] = (job){c, in, NULL, 0};
    pthread_create(&th[i], NULL, worker, &jobs[i]);
  }
  for (int i = 0; i < N_THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(jobs[i].rc, 0);
    CHECK(ref && jobs[i].out &&
          memcmp(pv_tensor_data(ref), pv_tensor_data(jobs[i].out),
                 pv_tensor_nbytes(ref)) == 0);
    pv_tensor_release(jobs[i].out);
  }
  pv_tensor_release(ref);
  pv_tensor_release(in);
  for (int k = 0; k < 4; k++)
    pv_tensor_release(ts[k]);
  pv_compiled_free(c);
  pv_graph_free(g);
  return pv_test_finish("test_concurrency");
}
