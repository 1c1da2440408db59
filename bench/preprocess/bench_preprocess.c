/* Preprocessing benchmark: a 1080p uint8 image -> 1x3x224x224 float32
 * normalised (resize 256 antialiased bilinear, centre crop 224), polyvis vs
 * PIL+torchvision, torchvision tensor transforms and OpenCV measured in the
 * same run; and resize alone. Prints one JSON document with median
 * milliseconds and ratios (peer time / polyvis time; > 1 = polyvis faster). */
#define _POSIX_C_SOURCE 200809L
#include <polyvis/polyvis.h>
#include <polyvis/transforms.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define REPS 15

typedef struct {
  pv_tensor *chw, *hwc, *jpeg;
  pv_pipeline *pipe;
  float *out;
} ctx;

static double median_ms(void (*fn)(ctx *), ctx *c) {
  double t[REPS];
  fn(c);
  for (int i = 0; i < REPS; i++) {
    double s = now();
    fn(c);
    t[i] = now() - s;
  }
  qsort(t, REPS, sizeof t[0], cmp);
  return t[REPS / 2] * 1000;
}

static void run_fused_hwc(ctx *c) {
  pv_preprocess_hwc_u8(pv_tensor_data(c->hwc), 1080, 1920, 3, 1920 * 3, 256,
                       224, 224, PV_RESIZE_BILINEAR, 1, NULL, NULL, c->out);
}
static void run_pipeline(ctx *c) {
  pv_tensor_release(pv_pipeline_run(c->pipe, c->chw));
}
static void run_resize(ctx *c) {
  int64_t s = 256;
  pv_tensor_release(pv_resize(c->chw, 1, &s, PV_RESIZE_BILINEAR, 0, 1));
}

/* Decode included: JPEG bytes -> decoded CHW -> exact pipeline. */
static void run_decode_pipeline(ctx *c) {
  pv_tensor *img = pv_decode_image(c->jpeg, PV_IMAGE_RGB, 0);
  pv_tensor_release(pv_pipeline_run(c->pipe, img));
  pv_tensor_release(img);
}
/* Fast mode: DCT-scaled decode (not bit-exact) then the same pipeline. */
static void run_decode_fast(ctx *c) {
  const pv_tensor *in[1] = {c->jpeg};
  pv_tensor *img = NULL;
  int64_t min_size[2] = {256, 256};
  pv_decode_images(1, in, PV_IMAGE_RGB, PV_DECODE_FAST_SCALE, min_size, &img,
                   NULL);
  pv_tensor_release(pv_pipeline_run(c->pipe, img));
  pv_tensor_release(img);
}

int main(void) {
  int64_t hwc_shape[3] = {1080, 1920, 3};
  ctx c = {0};
  c.hwc = pv_tensor_create(PV_U8, 3, hwc_shape);
  uint8_t *d = pv_tensor_data(c.hwc);
  uint32_t r = 1;
  for (int64_t y = 0; y < 1080; y++)
    for (int64_t x = 0; x < 1920; x++)
      for (int k = 0; k < 3; k++) {
        r = r * 1664525u + 1013904223u;
        d[(y * 1920 + x) * 3 + k] =
            (uint8_t)((x * 255 / 1920 + y * 255 / 1080 * k) / 2 + (r >> 28));
      }
  int perm[3] = {2, 0, 1};
  pv_tensor *v = pv_tensor_permute(c.hwc, perm);
  c.chw = pv_tensor_contiguous(v);
  pv_tensor_release(v);
  c.pipe = pv_preset_image_classification(256, 224, NULL, NULL,
                                          PV_RESIZE_BILINEAR, 1);
  c.out = malloc(sizeof(float) * 3 * 224 * 224);
  double fused = median_ms(run_fused_hwc, &c);
  double pipe = median_ms(run_pipeline, &c);
  setenv("POLYVIS_NO_FUSE", "1", 1);
  double unfused = median_ms(run_pipeline, &c);
  unsetenv("POLYVIS_NO_FUSE");
  double rs = median_ms(run_resize, &c);
  c.jpeg = pv_encode_jpeg(c.chw, 90);
  double dec = c.jpeg ? median_ms(run_decode_pipeline, &c) : -1;
  double dec_fast = c.jpeg ? median_ms(run_decode_fast, &c) : -1;
  char jpg[] = "/tmp/pv_bench_preprocess_XXXXXX.jpg";
  int jfd = mkstemps(jpg, 4);
  if (jfd >= 0) {
    close(jfd);
    if (!c.jpeg || pv_write_file(jpg, c.jpeg))
      jpg[0] = 0;
  } else {
    jpg[0] = 0;
  }

  /* peers */
  char npy[] = "/tmp/pv_bench_preprocess_XXXXXX.npy";
  int fd = mkstemps(npy, 4);
  if (fd >= 0) {
    fclose(fdopen(fd, "w"));
    pv_npy_save(c.hwc, npy);
  }
  char cmd[1024], peers[4096] = "{}";
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' %d '%s' 2>/dev/null",
           PV_BENCH_PEERS, npy, REPS, jpg);
  FILE *p = fd >= 0 ? popen(cmd, "r") : NULL;
  if (p) {
    if (!fgets(peers, sizeof peers, p))
      strcpy(peers, "{}");
    pclose(p);
  }
  remove(npy);
  if (jpg[0])
    remove(jpg);
  peers[strcspn(peers, "\n")] = 0;
  double pil = -1, tvt = -1, ocv = -1, pilr = -1, tvr = -1, ocvr = -1;
  const char *q;
  if ((q = strstr(peers, "\"pil_torchvision\": ")))
    pil = atof(q + 19);
  if ((q = strstr(peers, "\"torchvision_tensor\": ")))
    tvt = atof(q + 22);
  if ((q = strstr(peers, "\"opencv\": ")))
    ocv = atof(q + 10);
  if ((q = strstr(peers, "\"pil_resize\": ")))
    pilr = atof(q + 14);
  if ((q = strstr(peers, "\"torchvision_tensor_resize\": ")))
    tvr = atof(q + 29);
  if ((q = strstr(peers, "\"opencv_resize\": ")))
    ocvr = atof(q + 17);
  /* decode included: the fastest peer is the bar */
  double best_dec = -1;
  static const char *const dec_keys[] = {
      "\"pil_torchvision_decode\": ", "\"torchvision_io_decode\": ",
      "\"opencv_decode\": "};
  for (int k = 0; k < 3; k++)
    if ((q = strstr(peers, dec_keys[k]))) {
      double v = atof(q + strlen(dec_keys[k]));
      if (v > 0 && (best_dec < 0 || v < best_dec))
        best_dec = v;
    }
  printf("{\"bench\":\"preprocess\",\"input\":\"1080x1920x3 uint8\","
         "\"output\":\"1x3x224x224 float32\",\"polyvis_ms\":{\"fused_hwc\":"
         "%.3f,\"pipeline_fused\":%.3f,\"pipeline_unfused\":%.3f,"
         "\"resize_only\":%.3f},\"peers_ms\":%s,\"ratios\":{"
         "\"pil_torchvision_vs_fused\":%.2f,"
         "\"torchvision_tensor_vs_fused\":%.2f,\"opencv_vs_fused\":%.2f,"
         "\"pil_resize_vs_resize\":%.2f,"
         "\"torchvision_resize_vs_resize\":%.2f,"
         "\"opencv_resize_vs_resize\":%.2f},"
         "\"decode_included\":{\"input\":\"1080p JPEG q90\","
         "\"polyvis_exact_ms\":%.3f,\"polyvis_fast_dct_ms\":%.3f,"
         "\"fastest_peer_ms\":%.3f,\"exact_vs_fastest_peer\":%.3f,"
         "\"fast_vs_fastest_peer\":%.3f,\"note\":\"ratios here are "
         "polyvis time / peer time (<= 1.0: polyvis no slower)\"}}\n",
         fused, pipe, unfused, rs, peers, pil / fused, tvt / fused, ocv / fused,
         pilr / rs, tvr / rs, ocvr / rs, dec, dec_fast, best_dec,
         best_dec > 0 ? dec / best_dec : -1,
         best_dec > 0 ? dec_fast / best_dec : -1);
  free(c.out);
  pv_pipeline_free(c.pipe);
  pv_tensor_release(c.chw);
  pv_tensor_release(c.hwc);
  pv_tensor_release(c.jpeg);
  return 0;
}
