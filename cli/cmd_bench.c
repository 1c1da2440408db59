/* polyvis bench --model NAME [--weights FILE] [--device D] [--batch N]
 * [--size S] [--iters K] [--warmup W] [--json] */
#include "cli.h"

#include <polyvis/models.h>
#include <time.h>

static void help(FILE *f) {
  fprintf(f,
          "usage: polyvis bench --model NAME [--weights FILE] [--device D] "
          "[--batch N]\n"
          "                     [--size S] [--iters K] [--warmup W] "
          "[--json]\n\n"
          "Times the forward pass of a zoo model on a device: latency "
          "median, p10\n"
          "and p90 over K runs after W warm-up runs (the first one "
          "compiles\n"
          "pipelines and uploads weights; it is reported apart), and "
          "throughput.\n"
          "Without --weights the zoo's seeded initial weights are used; the "
          "work\n"
          "is the same.\n"
          "  --size S     input height and width (default: the weights' crop, "
          "224)\n"
          "  --iters K    timed runs (default 20), --warmup W (default 2)\n");
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int parse_pos(const char *s, int *v) {
  char *end;
  long x = strtol(s, &end, 10);
  if (!*s || *end || x < 1 || x > 100000)
    return -1;
  *v = (int)x;
  return 0;
}

static int run(int argc, char **argv) {
  const char *model = NULL, *weights = NULL, *device = NULL;
  int batch = 1, size = 0, iters = 20, warmup = 2, json = 0, verbose = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    int *target = !strcmp(a, "--batch")    ? &batch
                  : !strcmp(a, "--size")   ? &size
                  : !strcmp(a, "--iters")  ? &iters
                  : !strcmp(a, "--warmup") ? &warmup
                                           : NULL;
    if (target) {
      if (i + 1 >= argc || parse_pos(argv[++i], target))
        return pv_cli_usage("bench", "%s takes a positive integer", a);
    } else if (!strcmp(a, "--model") && i + 1 < argc) {
      model = argv[++i];
    } else if (!strcmp(a, "--weights") && i + 1 < argc) {
      weights = argv[++i];
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else {
      return pv_cli_usage("bench", "unknown or incomplete option '%s'", a);
    }
  }
  if (!model)
    return pv_cli_usage("bench", "--model is required");
  pv_model *m = pv_model_create(model, NULL);
  if (!m)
    return pv_cli_fail("bench", "cannot create the model");
  int rc = PV_EXIT_ERROR;
  pv_tensor *x = NULL;
  double *t = calloc((size_t)iters, sizeof *t);
  if (!t || (weights && pv_model_load_weights(m, weights))) {
    pv_cli_fail("bench", weights ? weights : "out of memory");
    goto done;
  }
  pv_compile_options co = pv_compile_options_default();
  co.device = device;
  double c0 = now_ms();
  if (pv_model_compile(m, &co)) {
    pv_cli_fail("bench", "cannot compile the model");
    goto done;
  }
  double compile_ms = now_ms() - c0;
  if (!size) {
    const pv_pretrained_info *w = pv_model_pretrained_info(m);
    size = w && w->crop_size ? w->crop_size : 224;
  }
  int64_t s[4] = {batch, 3, size, size};
  x = pv_tensor_create(PV_F32, 4, s);
  if (!x) {
    pv_cli_fail("bench", "cannot allocate the input");
    goto done;
  }
  float *xd = pv_tensor_data(x);
  for (int64_t i = 0; i < pv_tensor_numel(x); i++)
    xd[i] = (float)((i * 7919) % 255) / 255.0f - 0.5f;
  double first = 0;
  for (int k = -warmup; k < iters; k++) {
    pv_tensor *y = NULL;
    double a = now_ms();
    int frc = pv_model_forward(m, x, &y);
    double dt = now_ms() - a;
    pv_tensor_release(y);
    if (frc) {
      pv_cli_fail("bench", "forward failed");
      goto done;
    }
    if (k == -warmup)
      first = dt;
    if (k >= 0)
      t[k] = dt;
  }
  qsort(t, (size_t)iters, sizeof *t, cmp_d);
  double med = t[iters / 2], p10 = t[iters / 10], p90 = t[(iters * 9) / 10];
  const char *dev = pv_device_name(pv_model_device(m));
  const char *prec = pv_get_option("POLYVIS_PRECISION");
  if (json) {
    printf("{\"model\":");
    pv_cli_json_str(stdout, model);
    printf(",\"device\":");
    pv_cli_json_str(stdout, dev);
    printf(",\"precision\":\"%s\",\"weights\":%s,\"batch\":%d,\"size\":%d,"
           "\"iters\":%d,\"compile_ms\":%.3f,\"first_ms\":%.3f,"
           "\"median_ms\":%.3f,\"p10_ms\":%.3f,\"p90_ms\":%.3f,"
           "\"images_per_s\":%.2f}\n",
           prec && *prec ? prec : "fp32", weights ? "\"file\"" : "\"seeded\"",
           batch, size, iters, compile_ms, first, med, p10, p90,
           1000.0 * batch / med);
  } else {
    printf("%s on %s, batch %d, %dx%d, %s weights\n", model, dev, batch, size,
           size, weights ? "file" : "seeded");
    printf("  first run %.1f ms (compile %.1f ms)\n", first, compile_ms);
    printf("  latency median %.2f ms, p10 %.2f ms, p90 %.2f ms (%d runs)\n",
           med, p10, p90, iters);
    printf("  throughput %.1f images/s\n", 1000.0 * batch / med);
  }
  rc = PV_EXIT_OK;
done:
  free(t);
  pv_tensor_release(x);
  pv_model_free(m);
  return rc;
}

const pv_cli_command pv_cmd_bench = {"bench", "benchmark a zoo model", run,
                                     help};
