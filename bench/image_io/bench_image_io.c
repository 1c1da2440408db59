/* bench_image_io [REPS]: decode time of a generated 1920x1080 JPEG (q90) and
 * PNG (level 6) with polyvis, against torchvision.io, PIL and OpenCV timed in
 * the same run by bench_peers.py. Prints one JSON document; ratios are
 * peer_time / polyvis_time (> 1: polyvis is faster). Single-threaded decode
 * for all; the batched line shows pv_decode_images on the thread pool. */
#include <math.h>
#include <polyvis/image.h>
#include <polyvis/polyvis.h>
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

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_decode(const pv_tensor *bytes, int reps) {
  double *t = malloc(sizeof(double) * (size_t)reps);
  pv_tensor_release(pv_decode_image(bytes, PV_IMAGE_UNCHANGED, 0));
  for (int i = 0; i < reps; i++) {
    double t0 = now();
    pv_tensor *d = pv_decode_image(bytes, PV_IMAGE_UNCHANGED, 0);
    t[i] = now() - t0;
    if (!d) {
      fprintf(stderr, "bench_image_io: decode failed: %s\n", pv_last_error());
      exit(1);
    }
    pv_tensor_release(d);
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_d);
  double m = t[reps / 2];
  free(t);
  return m;
}

/* Pulls "peer": number-or-null for `file` out of the peers' JSON. */
static double peer_time(const char *json, const char *file, const char *peer) {
  const char *f = strstr(json, file);
  if (!f)
    return -1;
  char key[64];
  snprintf(key, sizeof key, "\"%s\": ", peer);
  const char *p = strstr(f, key);
  if (!p)
    return -1;
  p += strlen(key);
  if (!strncmp(p, "null", 4))
    return -1;
  return atof(p);
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 15;
  if (reps < 1)
    reps = 1;
  const int64_t h = 1080, w = 1920;
  int64_t shape[3] = {3, h, w};
  pv_tensor *img = pv_tensor_create(PV_U8, 3, shape);
  uint8_t *p = pv_tensor_data(img);
  uint32_t s = 7;
  for (int64_t c = 0; c < 3; c++)
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++) {
        s = s * 1664525u + 1013904223u;
        double v = 128 + 60 * sin(0.013 * x + 0.021 * y + c) +
                   40 * cos(0.0037 * x * (c + 1) - 0.011 * y) +
                   (double)(s >> 28);
        p[(c * h + y) * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
      }
  char dir[] = "/tmp/pvbench.XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  char jpg[64], png[64];
  snprintf(jpg, sizeof jpg, "%s/photo.jpg", dir);
  snprintf(png, sizeof png, "%s/photo.png", dir);
  if (pv_write_jpeg(img, jpg, 90) || pv_write_png(img, png, 6)) {
    fprintf(stderr, "bench_image_io: %s\n", pv_last_error());
    return 1;
  }
  const char *files[2] = {jpg, png};
  const char *names[2] = {"jpeg_1080p_q90", "png_1080p_level6"};
  double ours[2];
  pv_tensor *bytes[2];
  for (int i = 0; i < 2; i++) {
    bytes[i] = pv_read_file(files[i]);
    ours[i] = median_decode(bytes[i], reps);
  }
  /* Batched: 16 JPEGs on the pool, images per second. */
  enum { NB = 16 };
  const pv_tensor *in[NB];
  pv_tensor *out[NB];
  for (int i = 0; i < NB; i++)
    in[i] = bytes[0];
  double t0 = now();
  pv_decode_images(NB, in, PV_IMAGE_RGB, 0, NULL, out, NULL);
  double batch_s = now() - t0;
  for (int i = 0; i < NB; i++)
    pv_tensor_release(out[i]);
  int64_t min_size[2] = {224, 224};
  t0 = now();
  pv_decode_images(NB, in, PV_IMAGE_RGB, PV_DECODE_FAST_SCALE, min_size, out,
                   NULL);
  double fast_s = now() - t0;
  for (int i = 0; i < NB; i++)
    pv_tensor_release(out[i]);

  char cmd[1024], json[8192] = "";
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' %d '%s' '%s' 2>/dev/null",
           PV_BENCH_PEERS_SCRIPT, reps, jpg, png);
  FILE *pp = popen(cmd, "r");
  if (pp) {
    size_t n = fread(json, 1, sizeof json - 1, pp);
    json[n] = 0;
    pclose(pp);
  }
  printf("{\"bench\":\"image_io\",\"reps\":%d,\"threads\":1,\"results\":[",
         reps);
  static const char *peers[3] = {"torchvision", "pil", "opencv"};
  for (int i = 0; i < 2; i++) {
    printf("%s{\"case\":\"%s\",\"bytes\":%lld,\"polyvis_ms\":%.3f",
           i ? "," : "", names[i], (long long)pv_tensor_numel(bytes[i]),
           ours[i] * 1e3);
    for (int k = 0; k < 3; k++) {
      double t = peer_time(json, files[i], peers[k]);
      if (t > 0)
        printf(",\"%s_ms\":%.3f,\"%s_ratio\":%.3f", peers[k], t * 1e3, peers[k],
               t / ours[i]);
      else
        printf(",\"%s_ms\":null,\"%s_ratio\":null", peers[k], peers[k]);
    }
    printf("}");
  }
  printf("],\"batched_jpeg\":{\"images\":%d,\"pool_threads\":%d,"
         "\"images_per_s\":%.1f,\"fast_scale_224_images_per_s\":%.1f}}\n",
         NB, pv_num_threads(), NB / batch_s, NB / fast_s);
  for (int i = 0; i < 2; i++) {
    pv_tensor_release(bytes[i]);
    unlink(files[i]);
  }
  rmdir(dir);
  pv_tensor_release(img);
  return 0;
}
