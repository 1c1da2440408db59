/*
 * bench_model_latency: latency of one zoo model on one device, as JSON.
 *
 *   bench_model_latency MODEL DEVICE [--size S] [--batch N] [--iters K]
 *
 * The model gets the zoo's seeded initial weights (the numbers do not change
 * the work). The first forward (pipeline/kernel compilation, uploads) is
 * reported apart from the steady-state median/p10/p90 of K further runs.
 * --precision fp16 and the like go through POLYVIS_PRECISION.
 */
#include <polyvis/polyvis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL DEVICE [--size S] [--batch N] "
                    "[--iters K]\n", argv[0]);
    return 2;
  }
  const char *name = argv[1], *device = argv[2];
  int size = 224, batch = 1, iters = 5;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--size"))
      size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch"))
      batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--iters"))
      iters = atoi(argv[i + 1]);
  }
  if (iters < 1 || iters > 1000 || size < 16 || batch < 1)
    return 2;
  if (!pv_device_find(device)) {
    printf("{\"model\":\"%s\",\"device\":\"%s\",\"error\":\"device not "
           "present\"}\n", name, device);
    return 77;
  }
  pv_model *m = pv_model_create(name, NULL);
  pv_compile_options o = pv_compile_options_default();
  o.device = device;
  o.fallback = 0; /* the device does all the work */
  if (!m || pv_model_compile(m, &o)) {
    fprintf(stderr, "%s on %s: %s\n", name, device, pv_last_error());
    pv_model_free(m);
    return 1;
  }
  int64_t shape[4] = {batch, 3, size, size};
  pv_tensor *x = pv_tensor_create(PV_F32, 4, shape);
  float *xd = pv_tensor_data(x);
  for (int64_t i = 0; i < (int64_t)batch * 3 * size * size; i++)
    xd[i] = (float)((i * 7919) % 255) / 255.0f - 0.5f;
  double *t = calloc((size_t)iters, sizeof *t), first = 0;
  int rc = 0;
  for (int k = -1; k < iters && !rc; k++) {
    pv_tensor *y = NULL;
    double t0 = now_ms();
    rc = pv_model_forward(m, x, &y);
    double dt = now_ms() - t0;
    pv_tensor_release(y);
    if (k < 0)
      first = dt;
    else
      t[k] = dt;
  }
  if (rc) {
    fprintf(stderr, "%s on %s: %s\n", name, device, pv_last_error());
  } else {
    qsort(t, (size_t)iters, sizeof *t, cmp_d);
    const char *prec = pv_get_option("POLYVIS_PRECISION");
    printf("{\"model\":\"%s\",\"device\":\"%s\",\"precision\":\"%s\","
           "\"batch\":%d,\"size\":%d,\"iters\":%d,\"first_ms\":%.3f,"
           "\"median_ms\":%.3f,\"p10_ms\":%.3f,\"p90_ms\":%.3f}\n",
           name, device, prec && *prec ? prec : "fp32", batch, size, iters,
           first, t[iters / 2], t[iters / 10], t[(iters * 9) / 10]);
  }
  free(t);
  pv_tensor_release(x);
  pv_model_free(m);
  return rc ? 1 : 0;
}
