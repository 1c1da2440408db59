/* torchvision.ops parity: NMS, batched NMS, box area/IoU/convert, clipping
 * and small-box removal against torchvision 0.14.1 goldens generated at
 * test time (gen_vision.py), plus error paths. */
#include "testutil.h"

#include <math.h>
#include <polyvis/vision.h>

static char g_dir[1024];

static pv_tensor *ld(int k, const char *name) {
  char p[1200];
  snprintf(p, sizeof p, "%s/case_%d_%s.npy", g_dir, k, name);
  return pv_npy_load(p);
}

/* Exact equality for indices, 1e-6 relative for floats (torch computes the
 * same float32 expressions; tolerance absorbs FMA contraction only). */
static int same_(const pv_tensor *got, const pv_tensor *want, const char *what,
                 int k);
/* Compares, then releases `want` (the goldens are loaded inline). */
static int same(const pv_tensor *got, pv_tensor *want, const char *what,
                int k) {
  int ok = same_(got, want, what, k);
  pv_tensor_release(want);
  return ok;
}

static int same_(const pv_tensor *got, const pv_tensor *want, const char *what,
                 int k) {
  if (!got || !want) {
    fprintf(stderr, "case %d %s: missing tensor (%s)\n", k, what,
            pv_last_error());
    return 0;
  }
  int64_t n = pv_tensor_numel(want);
  if (pv_tensor_numel(got) != n ||
      pv_tensor_ndim(got) != pv_tensor_ndim(want)) {
    fprintf(stderr, "case %d %s: %lld elements, want %lld\n", k, what,
            (long long)pv_tensor_numel(got), (long long)n);
    return 0;
  }
  if (pv_tensor_dtype(want) == PV_I64) {
    if (pv_tensor_dtype(got) != PV_I64 ||
        memcmp(pv_tensor_data(got), pv_tensor_data(want), 8 * (size_t)n)) {
      fprintf(stderr, "case %d %s: indices differ\n", k, what);
      return 0;
    }
    return 1;
  }
  const float *g = pv_tensor_data(got), *w = pv_tensor_data(want);
  for (int64_t i = 0; i < n; i++) {
    if (isnan(w[i]) ? !isnan(g[i])
                    : fabsf(g[i] - w[i]) > 1e-6f * fmaxf(1.0f, fabsf(w[i]))) {
      fprintf(stderr, "case %d %s: element %lld is %g, want %g\n", k, what,
              (long long)i, g[i], w[i]);
      return 0;
    }
  }
  return 1;
}

static void check_errors(void) {
  int64_t s3[2] = {4, 3}, s1[1] = {5};
  pv_tensor *bad = pv_tensor_create(PV_F32, 2, s3);
  pv_tensor *sc = pv_tensor_create(PV_F32, 1, s1);
  CHECK(pv_nms(bad, sc, 0.5f) == NULL);
  CHECK(pv_last_status() == PV_ERR_SHAPE);
  CHECK(strstr(pv_last_error(), "boxes") != NULL);
  int64_t s4[2] = {4, 4};
  pv_tensor *b = pv_tensor_create(PV_F32, 2, s4);
  memset(pv_tensor_data(b), 0, sizeof(float) * 16);
  CHECK(pv_nms(b, sc, 0.5f) == NULL); /* 5 scores for 4 boxes */
  CHECK(strstr(pv_last_error(), "scores") != NULL);
  CHECK(pv_batched_nms(b, sc, NULL, 0.5f) == NULL);
  CHECK(pv_nms(NULL, sc, 0.5f) == NULL);
  CHECK(pv_box_convert(b, (pv_box_format)7, PV_BOX_XYXY) == NULL);
  pv_tensor_release(bad);
  pv_tensor_release(sc);
  pv_tensor_release(b);
}

int main(void) {
  check_errors();
  if (system("/usr/bin/python3 -c 'import torchvision' 2>/dev/null") != 0) {
    printf("SKIP: /usr/bin/python3 with torchvision is not available\n");
    return pv_test_finish("test_vision_ops") ? 1 : PV_TEST_SKIP;
  }
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  snprintf(g_dir, sizeof g_dir, "%s/vision", pv_test_tmpdir());
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/tests/vision/gen_vision.py' '%s' >/dev/null",
           src ? src : ".", g_dir);
  CHECK(system(cmd) == 0);
  char mp[1200];
  snprintf(mp, sizeof mp, "%s/manifest.txt", g_dir);
  FILE *f = fopen(mp, "r");
  CHECK(f != NULL);
  int k, cases = 0;
  double thr;
  while (f && fscanf(f, "%d %lf", &k, &thr) == 2) {
    cases++;
    pv_tensor *b = ld(k, "boxes"), *s = ld(k, "scores"), *idx = ld(k, "idxs");
    pv_tensor *t;
    CHECK(same(t = pv_nms(b, s, thr), ld(k, "nms"), "nms", k));
    pv_tensor_release(t);
    CHECK(same(t = pv_batched_nms(b, s, idx, thr), ld(k, "batched_nms"),
               "batched_nms", k));
    pv_tensor_release(t);
    CHECK(same(t = pv_box_area(b), ld(k, "area"), "box_area", k));
    pv_tensor_release(t);
    pv_tensor *b2 = ld(k, "boxes2");
    CHECK(same(t = pv_box_iou(b, b2), ld(k, "iou"), "box_iou", k));
    pv_tensor_release(t);
    for (int fi = 0; fi < 3; fi++)
      for (int gi = 0; gi < 3; gi++) {
        char nm[32];
        snprintf(nm, sizeof nm, "convert_%d_%d", fi, gi);
        CHECK(same(t = pv_box_convert(b, (pv_box_format)fi, (pv_box_format)gi),
                   ld(k, nm), nm, k));
        pv_tensor_release(t);
      }
    pv_tensor *sh = ld(k, "shifted");
    CHECK(
        same(t = pv_clip_boxes_to_image(sh, 70, 90), ld(k, "clip"), "clip", k));
    pv_tensor_release(t);
    CHECK(
        same(t = pv_remove_small_boxes(b, 12.5f), ld(k, "small"), "small", k));
    pv_tensor_release(t);
    pv_tensor_release(sh);
    pv_tensor_release(b2);
    pv_tensor_release(b);
    pv_tensor_release(s);
    pv_tensor_release(idx);
  }
  if (f)
    fclose(f);
  CHECK(cases >= 8);
  printf("%d cases\n", cases);
  return pv_test_finish("test_vision_ops");
}
