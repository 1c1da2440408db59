/*
 * One compiled CPU partition (conv with pre-packed weights -> linear with
 * pre-packed weights) executed from several threads at once, each on its
 * own arena, as the plugin ABI allows: every thread must get the result of
 * a lone run. Run under TSan too (label tsan).
 */
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>

#define NT 4
#define ITERS 5

static const pv_plugin_desc *P;
static pv_plugin_device *DEV;
static pv_plugin_partition *PART;
static uint64_t ARENA_SIZE, OUT_OFF, OUT_BYTES;
static float *X;
static uint64_t X_BYTES;
static float *REF;

static int run_once(float *out) {
  pv_plugin_buffer *arena = NULL;
  int rc = P->buffer_alloc(DEV, ARENA_SIZE, &arena);
  if (rc)
    return rc;
  char *base = P->buffer_host_ptr(DEV, arena);
  memcpy(base, X, X_BYTES);
  rc = P->partition_execute(DEV, PART, arena);
  if (!rc)
    memcpy(out, base + OUT_OFF, OUT_BYTES);
  P->buffer_free(DEV, arena);
  return rc;
}

static void *worker(void *arg) {
  int *bad = arg;
  float *out = malloc(OUT_BYTES);
  for (int i = 0; i < ITERS && out; i++) {
    if (run_once(out) || memcmp(out, REF, OUT_BYTES))
      (*bad)++;
  }
  if (!out)
    (*bad)++;
  free(out);
  return NULL;
}

int main(void) {
  P = pv__cpu_plugin_query(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR,
                           pv__host_api());
  pv_plugin_ctx *ctx = NULL;
  CHECK(P && P->init(pv__host_api(), &ctx) == 0);
  CHECK_EQ_INT(P->device_open(ctx, 0, NULL, &DEV), 0);

  /* x[1,8,12,12] -conv 3x3 p1 (16) + relu-> [1,16,12,12] -reshape-> [1,2304]
   * -linear(10)-> [1,10] */
  static float w[16 * 8 * 9], b[16], lw[10 * 2304], lb[10];
  X_BYTES = sizeof(float) * 8 * 12 * 12;
  X = malloc(X_BYTES);
  uint32_t s = 1;
  for (int i = 0; i < 8 * 144; i++)
    X[i] = (float)((s = s * 1664525u + 1013904223u) >> 9) / 8388608.0f - 0.5f;
  for (size_t i = 0; i < sizeof w / 4; i++)
    w[i] = (float)((s = s * 1664525u + 1013904223u) >> 9) / 8388608.0f - 0.5f;
  for (size_t i = 0; i < sizeof lw / 4; i++)
    lw[i] = (float)((s = s * 1664525u + 1013904223u) >> 9) / 8388608.0f - 0.5f;
  for (int i = 0; i < 16; i++)
    b[i] = 0.01f * (float)i;
  for (int i = 0; i < 10; i++)
    lb[i] = -0.02f * (float)i;

  pv_value_desc v[8];
  memset(v, 0, sizeof v);
  v[0].desc = (pv_tensor_desc){PV_F32, 4, {1, 8, 12, 12}};
  v[0].offset = 0;
  v[1].desc = (pv_tensor_desc){PV_F32, 4, {16, 8, 3, 3}};
  v[1].kind = PV_VALUE_CONST;
  v[1].data = w;
  v[2].desc = (pv_tensor_desc){PV_F32, 1, {16}};
  v[2].kind = PV_VALUE_CONST;
  v[2].data = b;
  v[3].desc = (pv_tensor_desc){PV_F32, 4, {1, 16, 12, 12}};
  v[3].offset = 8192;
  v[4].desc = (pv_tensor_desc){PV_F32, 2, {1, 2304}};
  v[4].offset = 8192 + 9216 + 64;
  v[5].desc = (pv_tensor_desc){PV_F32, 2, {10, 2304}};
  v[5].kind = PV_VALUE_CONST;
  v[5].data = lw;
  v[6].desc = (pv_tensor_desc){PV_F32, 1, {10}};
  v[6].kind = PV_VALUE_CONST;
  v[6].data = lb;
  v[7].desc = (pv_tensor_desc){PV_F32, 2, {1, 10}};
  v[7].offset = 8192 + 2 * (9216 + 64);
  for (int i = 0; i < 8; i++)
    v[i].nbytes = pv__desc_nbytes(&v[i].desc);
  OUT_OFF = v[7].offset;
  OUT_BYTES = v[7].nbytes;
  ARENA_SIZE = OUT_OFF + OUT_BYTES;

  pv_node_desc n[3];
  memset(n, 0, sizeof n);
  n[0].op = PV_OP_CONV2D;
  n[0].n_inputs = 3;
  n[0].n_outputs = 1;
  n[0].inputs[0] = 0;
  n[0].inputs[1] = 1;
  n[0].inputs[2] = 2;
  n[0].outputs[0] = 3;
  pv_conv_attrs *ca = &n[0].attrs.conv;
  ca->stride[0] = ca->stride[1] = 1;
  ca->padding[0] = ca->padding[1] = ca->padding[2] = ca->padding[3] = 1;
  ca->dilation[0] = ca->dilation[1] = 1;
  ca->groups = 1;
  ca->act.op = PV_OP_RELU;
  n[1].op = PV_OP_RESHAPE;
  n[1].n_inputs = 1;
  n[1].n_outputs = 1;
  n[1].inputs[0] = 3;
  n[1].outputs[0] = 4;
  n[1].attrs.reshape.ndim = 2;
  n[1].attrs.reshape.shape[0] = 1;
  n[1].attrs.reshape.shape[1] = 2304;
  n[2].op = PV_OP_LINEAR;
  n[2].n_inputs = 3;
  n[2].n_outputs = 1;
  n[2].inputs[0] = 4;
  n[2].inputs[1] = 5;
  n[2].inputs[2] = 6;
  n[2].outputs[0] = 7;
  pv_partition_desc pd = {sizeof pd, 3, n, 8, v, ARENA_SIZE, NULL, NULL};
  CHECK_EQ_INT(P->partition_compile(DEV, &pd, &PART), 0);

  /* naive reference */
  float conv[16 * 144];
  for (int o = 0; o < 16; o++)
    for (int y = 0; y < 12; y++)
      for (int x = 0; x < 12; x++) {
        double acc = b[o];
        for (int c = 0; c < 8; c++)
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int iy = y + ky - 1, ix = x + kx - 1;
              if (iy >= 0 && iy < 12 && ix >= 0 && ix < 12)
                acc += (double)w[((o * 8 + c) * 3 + ky) * 3 + kx] *
                       X[(c * 12 + iy) * 12 + ix];
            }
        conv[(o * 12 + y) * 12 + x] = acc > 0 ? (float)acc : 0.0f;
      }
  float naive[10];
  for (int o = 0; o < 10; o++) {
    double acc = lb[o];
    for (int i = 0; i < 2304; i++)
      acc += (double)lw[o * 2304 + i] * conv[i];
    naive[o] = (float)acc;
  }

  REF = malloc(OUT_BYTES);
  CHECK_EQ_INT(run_once(REF), 0);
  for (int o = 0; o < 10; o++)
    CHECK(fabsf(REF[o] - naive[o]) <= 1e-4f * (1.0f + fabsf(naive[o])));

  pthread_t th[NT];
  int bad[NT] = {0};
  for (int i = 0; i < NT; i++)
    CHECK_EQ_INT(pthread_create(&th[i], NULL, worker, &bad[i]), 0);
  for (int i = 0; i < NT; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(bad[i], 0);
  }
  P->partition_release(DEV, PART);
  P->device_close(DEV);
  P->shutdown(ctx);
  free(REF);
  free(X);
  return pv_test_finish("test_cpu_concurrency");
}
