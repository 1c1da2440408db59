/* A linear layer whose constant weight (147 MB) exceeds one storage binding
 * (lavapipe: maxStorageBufferRange = 128 MiB): the plugin must bind it in
 * row ranges. Also fp16 weight storage (precision=1) when supported. */
#include "testutil.h"
#include "vk_harness.h"

#include <math.h>

int main(void) {
  vkh h;
  int rc = vkh_open(&h, 0);
  if (rc)
    return rc;
  const int64_t M = 9, K = 4096, N = 9000; /* 9000*4096*4 = 147 MB */
  float *x = malloc(sizeof(float) * (size_t)(M * K));
  float *w = malloc(sizeof(float) * (size_t)(N * K));
  float *b = malloc(sizeof(float) * (size_t)N);
  float *want = malloc(sizeof(float) * (size_t)(M * N));
  CHECK(x && w && b && want);
  if (!x || !w || !b || !want)
    return pv_test_finish("test_vulkan_bigweight");
  for (int64_t i = 0; i < M * K; i++)
    x[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (int64_t i = 0; i < N * K; i++)
    w[i] = (float)((i * 104729) % 2001) / 2000.0f - 0.5f;
  for (int64_t i = 0; i < N; i++)
    b[i] = (float)(i % 13) * 0.1f;
  for (int64_t m = 0; m < M; m++)
    for (int64_t n = 0; n < N; n++) {
      double s = b[n];
      const float *xr = x + m * K, *wr = w + n * K;
      for (int64_t k = 0; k < K; k++)
        s += (double)xr[k] * wr[k];
      want[m * N + n] = (float)s;
    }
  /* 9 rows: the tiled GEMM; 2 rows: the GEMV path (both in ranges) */
  pv_tensor_desc in[3] = {vkh_desc(PV_F32, 2, (int64_t[]){M, K}),
                          vkh_desc(PV_F32, 2, (int64_t[]){N, K}),
                          vkh_desc(PV_F32, 1, (int64_t[]){N})},
                 od;
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  const void *data[3] = {x, w, b};
  float *y = NULL;
  CHECK_EQ_INT(vkh_run(&h, PV_OP_LINEAR, &a, 3, in, data, 6u, &od, (void **)&y),
               0);
  CHECK(y && vkh_close_enough("linear 147MB", y, want, M * N, 1e-5));
  free(y);
  in[0].shape[0] = 2;
  y = NULL;
  CHECK_EQ_INT(vkh_run(&h, PV_OP_LINEAR, &a, 3, in, data, 6u, &od, (void **)&y),
               0);
  CHECK(y && vkh_close_enough("linear 147MB gemv", y, want, 2 * N, 1e-5));
  free(y);
  vkh_close(&h);

  /* fp16 weight storage: 74 MB of halves, 1e-2 relative */
  CHECK_EQ_INT(vkh_open(&h, 1), 0);
  pv_device_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  h.d->device_get_info(h.ctx, 0, &info);
  if (info.caps & PV_CAP_FP16) {
    y = NULL;
    CHECK_EQ_INT(
        vkh_run(&h, PV_OP_LINEAR, &a, 3, in, data, 6u, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("linear fp16", y, want, 2 * N, 1e-2));
    /* and not bit-identical to fp32: the fp16 path really ran */
    int differs = 0;
    for (int64_t i = 0; y && i < 2 * N && !differs; i++)
      differs = fabsf(y[i] - want[i]) > 1e-4f * fabsf(want[i]) + 1e-6f;
    CHECK(differs);
    free(y);
  }
  vkh_close(&h);
  free(x), free(w), free(b), free(want);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_bigweight");
}
