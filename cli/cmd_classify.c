/* polyvis classify --model NAME [--weights FILE] IMAGE... [--device D]
 * [--topk K] [--batch N] [--json] [--no-exif] [-v] */
#include "cli.h"

#include <math.h>
#include <polyvis/hub.h>
#include <polyvis/image.h>
#include <polyvis/models.h>
#include <polyvis/transforms.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void help(FILE *f) {
  fprintf(
      f, "usage: polyvis classify --model NAME [--weights FILE] IMAGE...\n"
         "                        [--device D] [--topk 5] [--batch N] [--json] "
         "[--no-exif] [-v]\n\n"
         "Classifies images with a zoo model: decode (EXIF orientation "
         "applied),\n"
         "the weights' own preprocessing, forward, softmax, top-k with class "
         "names.\n"
         "Without --weights the official file is read from\n"
         "$POLYVIS_HOME/weights/ (default ~/.cache/polyvis/weights/), where\n"
         "`polyvis fetch NAME` puts it.\n"
         "  --topk K     classes per image (default 5)\n"
         "  --batch N    images per forward pass (default 1)\n"
         "  --json       one JSON array, one object per image in input order:\n"
         "               [{\"image\":...,\"topk\":[{\"index\":i,\"label\":...,"
         "\"prob\":p},...]}]\n"
         "  -v           per-stage timings on stderr\n");
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Where `polyvis fetch` puts the architecture's default weights. */
static int official_path(const char *model, char *buf, size_t n,
                         const pv_pretrained_info **info) {
  char spec[160];
  snprintf(spec, sizeof spec, "%s.DEFAULT", model);
  *info = pv_pretrained_find(spec);
  return *info ? pv_hub_weights_path(spec, NULL, buf, n) : -1;
}

typedef struct {
  int index;
  float prob;
} topk_item;

/* Top-k of one softmaxed row (descending, ties by lower index). */
static void topk(const float *logits, int nc, int k, topk_item *out) {
  double mx = -INFINITY, sum = 0;
  for (int i = 0; i < nc; i++)
    mx = fmax(mx, logits[i]);
  for (int i = 0; i < nc; i++)
    sum += exp((double)logits[i] - mx);
  for (int j = 0; j < k; j++) {
    int best = -1;
    for (int i = 0; i < nc; i++) {
      int taken = 0;
      for (int q = 0; q < j; q++)
        taken |= out[q].index == i;
      if (!taken && (best < 0 || logits[i] > logits[best]))
        best = i;
    }
    out[j].index = best;
    out[j].prob = (float)(exp((double)logits[best] - mx) / sum);
  }
}

static void progress(int done, int total) {
  if (total < 5 || !isatty(2))
    return;
  int w = 30, f = total ? done * w / total : w;
  fprintf(stderr, "\r[%.*s%*s] %d/%d", f, "##############################",
          w - f, "", done, total);
  if (done == total)
    fputc('\n', stderr);
}

static int run(int argc, char **argv) {
  const char *model = NULL, *weights = NULL, *device = NULL;
  const char **images = calloc((size_t)argc + 1, sizeof *images);
  int n_images = 0, k = 5, batch = 1, json = 0, verbose = 0;
  unsigned flags = PV_DECODE_EXIF_ORIENTATION;
  if (!images)
    return pv_cli_fail("classify", "out of memory");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    if ((!strcmp(a, "--model") || !strcmp(a, "-m")) && i + 1 < argc) {
      model = argv[++i];
    } else if (!strcmp(a, "--weights") && i + 1 < argc) {
      weights = argv[++i];
    } else if ((!strcmp(a, "--topk") || !strcmp(a, "--batch")) &&
               i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 4096) {
        free(images);
        return pv_cli_usage("classify", "%s takes a positive integer", a);
      }
      if (a[2] == 't')
        k = (int)v;
      else
        batch = (int)v;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--no-exif")) {
      flags = 0;
    } else if (a[0] == '-' && a[1]) {
      free(images);
      return pv_cli_usage("classify", "unknown or incomplete option '%s'", a);
    } else {
      images[n_images++] = a;
    }
  }
  if (!model || !n_images) {
    free(images);
    return pv_cli_usage("classify", "need --model NAME and at least one IMAGE");
  }
  char wbuf[4096];
  const pv_pretrained_info *info = NULL;
  if (!weights) {
    struct stat st;
    if (official_path(model, wbuf, sizeof wbuf, &info)) {
      free(images);
      fprintf(stderr,
              "polyvis classify: %s has no official weights; pass --weights "
              "FILE\n",
              model);
      return PV_EXIT_ERROR;
    }
    if (stat(wbuf, &st) != 0) {
      free(images);
      const char *slash = strrchr(info->url, '/'), *file = strrchr(wbuf, '/');
      fprintf(stderr,
              "polyvis classify: no weights for %s: run `polyvis fetch %s` "
              "(or download %.*s/%s) to %s, or pass --weights FILE\n",
              model, model, slash ? (int)(slash - info->url) : 0, info->url,
              file ? file + 1 : wbuf, wbuf);
      return PV_EXIT_ERROR;
    }
    weights = wbuf;
  }
  double t0 = now_ms(), t_decode = 0, t_pre = 0, t_fwd = 0;
  pv_model *m = pv_model_create(model, NULL);
  pv_pipeline *pre = NULL;
  int rc = PV_EXIT_OK;
  if (!m || pv_model_load_weights(m, weights)) {
    rc = pv_cli_fail("classify", m ? weights : "cannot create the model");
    goto out;
  }
  pv_compile_options co = pv_compile_options_default();
  co.device = device;
  if (pv_model_compile(m, &co) || !(pre = pv_model_weights_transforms(m))) {
    rc = pv_cli_fail("classify", "cannot prepare the model");
    goto out;
  }
  double t_load = now_ms() - t0;
  const pv_pretrained_info *wi = pv_model_pretrained_info(m);
  int nc = pv_model_num_classes(m);
  int use_names = wi && wi->num_categories == nc;
  if (k > nc)
    k = nc;
  topk_item *items = calloc((size_t)k, sizeof *items);
  pv_tensor **batch_t = calloc((size_t)batch, sizeof *batch_t);
  int *batch_i = calloc((size_t)batch, sizeof *batch_i);
  if (!items || !batch_t || !batch_i) {
    free(items);
    free(batch_t);
    free(batch_i);
    rc = pv_cli_fail("classify", "out of memory");
    goto out;
  }
  if (json)
    printf("[");
  int printed = 0;
  for (int start = 0; start < n_images; start += batch) {
    int nb = 0;
    for (int j = start; j < n_images && j < start + batch; j++) {
      double a = now_ms();
      pv_tensor *img = pv_read_image(images[j], PV_IMAGE_RGB, flags);
      double b = now_ms();
      pv_tensor *x = img ? pv_pipeline_run(pre, img) : NULL;
      t_decode += b - a;
      t_pre += now_ms() - b;
      pv_tensor_release(img);
      if (!x) { /* a per-image error: report it, go on, exit 1 at the end */
        rc = PV_EXIT_ERROR;
        if (json) {
          printf("%s{\"image\":", printed++ ? "," : "");
          pv_cli_json_str(stdout, images[j]);
          printf(",\"error\":");
          pv_cli_json_str(stdout, pv_last_error());
          printf("}");
        }
        fprintf(stderr, "polyvis classify: %s: %s\n", images[j],
                pv_last_error());
        continue;
      }
      batch_t[nb] = x;
      batch_i[nb++] = j;
    }
    if (!nb)
      continue;
    /* stack [3, H, W] tensors into [nb, 3, H, W] */
    int64_t s[4] = {nb, pv_tensor_dim(batch_t[0], 0),
                    pv_tensor_dim(batch_t[0], 1), pv_tensor_dim(batch_t[0], 2)};
    pv_tensor *xb = pv_tensor_create(PV_F32, 4, s), *y = NULL;
    size_t per = (size_t)(s[1] * s[2] * s[3]) * sizeof(float);
    for (int j = 0; xb && j < nb; j++) {
      pv_tensor *c = pv_tensor_contiguous(batch_t[j]);
      memcpy((char *)pv_tensor_data(xb) + (size_t)j * per, pv_tensor_data(c),
             per);
      pv_tensor_release(c);
    }
    double a = now_ms();
    int frc = xb ? pv_model_forward(m, xb, &y) : pv_last_status();
    t_fwd += now_ms() - a;
    if (!frc && pv_tensor_device(y)) {
      pv_tensor *h = pv_tensor_to(y, NULL);
      pv_tensor_release(y);
      y = h;
    }
    if (frc || !y) {
      rc = pv_cli_fail("classify", "forward failed");
    } else {
      for (int j = 0; j < nb; j++) {
        topk((const float *)pv_tensor_data(y) + (size_t)j * (size_t)nc, nc, k,
             items);
        const char *path = images[batch_i[j]];
        if (json) {
          printf("%s{\"image\":", printed++ ? "," : "");
          pv_cli_json_str(stdout, path);
          printf(",\"topk\":[");
          for (int q = 0; q < k; q++) {
            printf("%s{\"index\":%d,\"label\":", q ? "," : "", items[q].index);
            if (use_names)
              pv_cli_json_str(
                  stdout, pv_categories_name(wi->categories, items[q].index));
            else
              printf("null");
            printf(",\"prob\":%.6f}", items[q].prob);
          }
          printf("]}");
        } else {
          printf("%s\n", path);
          for (int q = 0; q < k; q++)
            printf("  %d. %-30s %5d  %.4f\n", q + 1,
                   use_names
                       ? pv_categories_name(wi->categories, items[q].index)
                       : "-",
                   items[q].index, items[q].prob);
        }
      }
    }
    for (int j = 0; j < nb; j++)
      pv_tensor_release(batch_t[j]);
    pv_tensor_release(xb);
    pv_tensor_release(y);
    progress(start + nb < n_images ? start + nb : n_images, n_images);
    if (frc)
      break;
  }
  if (json)
    printf("]\n");
  if (verbose)
    fprintf(stderr,
            "polyvis classify: load+compile %.1f ms, decode %.1f ms, "
            "preprocess %.1f ms, forward %.1f ms (%d images, device %s)\n",
            t_load, t_decode, t_pre, t_fwd, n_images,
            pv_device_name(pv_model_device(m)));
  free(items);
  free(batch_t);
  free(batch_i);
out:
  pv_pipeline_free(pre);
  pv_model_free(m);
  free(images);
  return rc;
}

const pv_cli_command pv_cmd_classify = {
    "classify", "classify images with a zoo model", run, help};
