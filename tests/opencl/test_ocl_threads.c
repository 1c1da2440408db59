/* partition_execute from several threads at once, each on its own arena,
 * against one compiled partition (linear + relu with constant weights): every
 * thread must get its own input's result on every iteration. */
#include "ocl_harness.h"

#include <pthread.h>

enum { M = 8, K = 64, N = 48, THREADS = 4, ITERS = 25 };

static ocl_t T;
static pv_plugin_partition *g_part;
static float g_w[N * K], g_b[N];
static uint64_t g_arena_size, g_xoff, g_yoff;

typedef struct job {
  int id, failures;
} job;

static void *worker(void *arg) {
  job *j = arg;
  pv_plugin_buffer *arena = NULL;
  if (T.d->buffer_alloc(T.dev, g_arena_size, &arena)) {
    j->failures++;
    return NULL;
  }
  float x[M * K], y[M * N], want[M * N];
  for (int it = 0; it < ITERS; it++) {
    ocl_fill(x, M * K, (uint32_t)(j->id * 1000 + it));
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        double s = g_b[n];
        for (int k = 0; k < K; k++)
          s += (double)x[m * K + k] * g_w[n * K + k];
        want[m * N + n] = (float)(s > 0 ? s : 0);
      }
    if (T.d->buffer_write(T.dev, arena, g_xoff, x, sizeof x) ||
        T.d->partition_execute(T.dev, g_part, arena) ||
        T.d->buffer_read(T.dev, arena, g_yoff, y, sizeof y) ||
        ocl_rel_err(y, want, M * N) > 1e-5)
      j->failures++;
  }
  T.d->buffer_free(T.dev, arena);
  return NULL;
}

int main(void) {
  int rc = ocl_open(&T);
  if (rc)
    return rc;
  ocl_fill(g_w, N * K, 1);
  ocl_fill(g_b, N, 2);
  int64_t sx[2] = {M, K}, sw[2] = {N, K}, sb[1] = {N}, sy[2] = {M, N};
  pv_value_desc v[4];
  memset(v, 0, sizeof v);
  v[0].desc = ocl_desc(PV_F32, 2, sx);
  v[0].kind = PV_VALUE_ARENA;
  v[0].offset = g_xoff = 0;
  v[0].nbytes = sizeof(float) * M * K;
  v[1].desc = ocl_desc(PV_F32, 2, sw);
  v[1].kind = PV_VALUE_CONST;
  v[1].data = g_w;
  v[1].nbytes = sizeof g_w;
  v[2].desc = ocl_desc(PV_F32, 1, sb);
  v[2].kind = PV_VALUE_CONST;
  v[2].data = g_b;
  v[2].nbytes = sizeof g_b;
  v[3].desc = ocl_desc(PV_F32, 2, sy);
  v[3].kind = PV_VALUE_ARENA;
  v[3].offset = g_yoff = 4096;
  v[3].nbytes = sizeof(float) * M * N;
  g_arena_size = 4096 + sizeof(float) * M * N;
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = PV_OP_LINEAR;
  node.n_inputs = 3;
  node.n_outputs = 1;
  node.inputs[0] = 0;
  node.inputs[1] = 1;
  node.inputs[2] = 2;
  node.outputs[0] = 3;
  node.attrs.gemm.act.op = PV_OP_RELU;
  pv_partition_desc pd = {.struct_size = sizeof pd,
                          .n_nodes = 1,
                          .nodes = &node,
                          .n_values = 4,
                          .values = v,
                          .arena_size = g_arena_size};
  CHECK_EQ_INT(T.d->partition_compile(T.dev, &pd, &g_part), 0);
  if (g_part) {
    pthread_t th[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
      jobs[i].id = i;
      jobs[i].failures = 0;
      pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
      pthread_join(th[i], NULL);
      CHECK_EQ_INT(jobs[i].failures, 0);
    }
    /* A too-small arena is refused, not overrun. */
    pv_plugin_buffer *small = NULL;
    CHECK_EQ_INT(T.d->buffer_alloc(T.dev, 64, &small), 0);
    if (small) {
      CHECK(T.d->partition_execute(T.dev, g_part, small) < 0);
      T.d->buffer_free(T.dev, small);
    }
    T.d->partition_release(T.dev, g_part);
  }
  ocl_unload(&T);
  return pv_test_finish("test_ocl_threads");
}
