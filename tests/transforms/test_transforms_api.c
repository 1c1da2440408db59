/* Transforms API checks that need no Python: output-size rules, SPEC parser
 * errors and round trips, the fused fast path against the op-by-op
 * pipeline, error reporting, and the `polyvis transform` CLI. */
#include "testutil.h"

#include <math.h>
#include <polyvis/transforms.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rng = 12345;
static uint32_t next_u32(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static pv_tensor *random_u8(int ndim, const int64_t *shape) {
  pv_tensor *t = pv_tensor_create(PV_U8, ndim, shape);
  uint8_t *d = pv_tensor_data(t);
  for (int64_t i = 0; i < pv_tensor_numel(t); i++)
    d[i] = (uint8_t)(next_u32() >> 24);
  return t;
}

static void test_output_size(void) {
  int64_t o[2], s1 = 256, s2[2] = {10, 20};
  CHECK(pv_resize_output_size(480, 640, 1, &s1, 0, o) == 0);
  CHECK_EQ_INT(o[0], 256);
  CHECK_EQ_INT(o[1], 341); /* int(256 * 640 / 480) = 341 */
  CHECK(pv_resize_output_size(640, 480, 1, &s1, 0, o) == 0);
  CHECK_EQ_INT(o[0], 341);
  CHECK_EQ_INT(o[1], 256);
  CHECK(pv_resize_output_size(300, 300, 1, &s1, 0, o) == 0);
  CHECK_EQ_INT(o[0], 256);
  CHECK_EQ_INT(o[1], 256);
  /* max_size caps the long side: int(300 * 256 / 341) = 225 */
  CHECK(pv_resize_output_size(480, 640, 1, &s1, 300, o) == 0);
  CHECK_EQ_INT(o[0], 225);
  CHECK_EQ_INT(o[1], 300);
  CHECK(pv_resize_output_size(480, 640, 1, &s1, 256, o) == PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "max_size") != NULL);
  CHECK(pv_resize_output_size(480, 640, 2, s2, 0, o) == 0);
  CHECK_EQ_INT(o[0], 10);
  CHECK_EQ_INT(o[1], 20);
  /* v2 size=None: long side = max_size */
  CHECK(pv_resize_output_size(480, 640, 0, NULL, 320, o) == 0);
  CHECK_EQ_INT(o[0], 240);
  CHECK_EQ_INT(o[1], 320);
}

static void test_parser(void) {
  pv_pipeline *p = NULL;
  CHECK(pv_pipeline_parse("resize(256, bilinear, antialias=true) | "
                          "center_crop(224) | to_dtype(float32, scale=true) "
                          "| normalize(imagenet)",
                          &p) == 0);
  CHECK_EQ_INT(pv_pipeline_length(p), 4);
  char buf[1024];
  pv_pipeline_describe(p, buf, sizeof buf);
  CHECK(strstr(buf, "normalize(mean=[0.485, 0.456, 0.406]") != NULL);
  /* the canonical spelling parses back to the same pipeline */
  pv_pipeline *q = NULL;
  CHECK(pv_pipeline_parse(buf, &q) == 0);
  char buf2[1024];
  pv_pipeline_describe(q, buf2, sizeof buf2);
  CHECK(strcmp(buf, buf2) == 0);
  pv_pipeline_free(q);
  pv_pipeline *parts[2] = {p, p};
  pv_pipeline *c = pv_compose(parts, 2);
  CHECK_EQ_INT(pv_pipeline_length(c), 8);
  pv_pipeline_free(c);
  pv_pipeline_free(p);
  /* presets expand into their ops */
  CHECK(pv_pipeline_parse("image_classification(224, antialias=false) | "
                          "hflip",
                          &p) == 0);
  CHECK_EQ_INT(pv_pipeline_length(p), 5);
  pv_pipeline *pre = pv_preset_image_classification(256, 224, NULL, NULL,
                                                    PV_RESIZE_BILINEAR, 0);
  char b1[1024], b2[1024];
  pv_pipeline_describe(p, b1, sizeof b1);
  pv_pipeline_describe(pre, b2, sizeof b2);
  CHECK(strncmp(b1, b2, strlen(b2)) == 0);
  pv_pipeline_free(pre);
  pv_pipeline_free(p);
  CHECK(pv_pipeline_parse("semantic_segmentation(520) | object_detection",
                          &p) == 0);
  CHECK_EQ_INT(pv_pipeline_length(p), 4);
  pv_pipeline_free(p);
  CHECK(pv_pipeline_parse("image_classification()", &p) == PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "crop_size") != NULL);
  /* ops without args, with or without () */
  CHECK(pv_pipeline_parse("hflip | vflip() | invert", &p) == 0);
  CHECK_EQ_INT(pv_pipeline_length(p), 3);
  pv_pipeline_free(p);
  /* errors name the token and offset */
  p = (pv_pipeline *)1;
  CHECK(pv_pipeline_parse("resize(256) | frobnicate(3)", &p) ==
        PV_ERR_INVALID_ARG);
  CHECK(p == NULL);
  CHECK(strstr(pv_last_error(), "frobnicate") != NULL);
  CHECK(strstr(pv_last_error(), "offset 14") != NULL);
  CHECK(pv_pipeline_parse("resize(256, bilinear, antialias=maybe)", &p) ==
        PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "antialias") != NULL);
  CHECK(pv_pipeline_parse("resize(sizes=3)", &p) == PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "sizes") != NULL);
  CHECK(pv_pipeline_parse("center_crop(224", &p) == PV_ERR_INVALID_ARG);
  CHECK(pv_pipeline_parse("resize(256) center_crop(2)", &p) ==
        PV_ERR_INVALID_ARG);
  CHECK(strstr(pv_last_error(), "'|'") != NULL);
  CHECK(pv_pipeline_parse("", &p) == PV_ERR_INVALID_ARG);
  CHECK(pv_pipeline_parse("normalize(mean=[1,2], std=[1])", &p) ==
        PV_ERR_INVALID_ARG);
}

static void test_fused(void) {
  /* pv_preprocess_hwc_u8 == HWC -> CHW + the unfused pipeline */
  int64_t h = 97, w = 131;
  int64_t hwc[3] = {h, w, 3};
  pv_tensor *img = random_u8(3, hwc);
  int perm[3] = {2, 0, 1};
  pv_tensor *chw_view = pv_tensor_permute(img, perm);
  pv_tensor *chw = pv_tensor_contiguous(chw_view);
  for (int interp = PV_RESIZE_BILINEAR; interp <= PV_RESIZE_BICUBIC; interp++)
    for (int aa = 0; aa <= 1; aa++) {
      setenv("POLYVIS_NO_FUSE", "1", 1);
      pv_pipeline *p =
          pv_preset_image_classification(64, 56, NULL, NULL, interp, aa);
      pv_tensor *want = pv_pipeline_run(p, chw);
      unsetenv("POLYVIS_NO_FUSE");
      pv_tensor *got = pv_pipeline_run(p, chw);
      float *out = malloc(sizeof(float) * 3 * 56 * 56);
      CHECK(pv_preprocess_hwc_u8(pv_tensor_data(img), h, w, 3, w * 3, 64, 56,
                                 56, interp, aa, NULL, NULL, out) == 0);
      CHECK(want && got);
      if (want && got) {
        const float *a = pv_tensor_data(want), *b = pv_tensor_data(got);
        double m1 = 0, m2 = 0;
        for (int i = 0; i < 3 * 56 * 56; i++) {
          m1 = fmax(m1, fabs(a[i] - b[i]));
          m2 = fmax(m2, fabs(a[i] - out[i]));
        }
        CHECK(m1 <= 1e-5);
        CHECK(m2 <= 1e-5);
      }
      free(out);
      pv_tensor_release(want);
      pv_tensor_release(got);
      pv_pipeline_free(p);
    }
  /* batched NCHW input goes through the fused path per image */
  int64_t nchw[4] = {2, 3, 40, 50};
  pv_tensor *b = random_u8(4, nchw);
  pv_pipeline *p =
      pv_preset_image_classification(32, 24, NULL, NULL, PV_RESIZE_BILINEAR, 1);
  pv_tensor *got = pv_pipeline_run(p, b);
  CHECK(got && pv_tensor_ndim(got) == 4 && pv_tensor_shape(got)[0] == 2 &&
        pv_tensor_shape(got)[2] == 24);
  pv_tensor *second = pv_tensor_slice(b, 0, 1, 2, 1);
  pv_tensor *one = pv_pipeline_run(p, second);
  if (got && one)
    CHECK(memcmp((float *)pv_tensor_data(got) + 3 * 24 * 24,
                 pv_tensor_data(one), sizeof(float) * 3 * 24 * 24) == 0);
  pv_tensor_release(second);
  pv_tensor_release(one);
  pv_tensor_release(got);
  pv_tensor_release(b);
  pv_pipeline_free(p);
  pv_tensor_release(chw);
  pv_tensor_release(chw_view);
  pv_tensor_release(img);
}

static void test_errors_and_dtypes(void) {
  int64_t s[3] = {3, 8, 9};
  pv_tensor *u8 = random_u8(3, s);
  float m[3] = {0.5f, 0.5f, 0.5f}, z[3] = {1, 0, 1};
  CHECK(pv_normalize(u8, m, m, 3) == NULL);
  CHECK(pv_last_status() == PV_ERR_DTYPE);
  pv_tensor *f = pv_to_dtype(u8, PV_F32, 1);
  CHECK(f != NULL);
  CHECK(pv_normalize(f, m, z, 3) == NULL);
  CHECK(strstr(pv_last_error(), "zero") != NULL);
  CHECK(pv_normalize(f, m, m, 2) == NULL);
  CHECK(pv_resize(NULL, 1, s, PV_RESIZE_BILINEAR, 0, 1) == NULL);
  int64_t pad[4] = {9, 0, 0, 0};
  CHECK(pv_pad_image(u8, pad, PV_PADDING_REFLECT, 0) == NULL);
  CHECK(strstr(pv_last_error(), "reflect") != NULL);
  /* same-size resize returns the input itself */
  int64_t same[2] = {8, 9};
  pv_tensor *r = pv_resize(u8, 2, same, PV_RESIZE_BICUBIC, 0, 1);
  CHECK(r == u8);
  pv_tensor_release(r);
  /* uint16 resizes like uint8 scaled by 257 up to rounding */
  pv_tensor *u16 = pv_tensor_cast(u8, PV_U16);
  uint16_t *d16 = pv_tensor_data(u16);
  for (int i = 0; i < 3 * 8 * 9; i++)
    d16[i] = (uint16_t)(d16[i] * 257);
  int64_t sz[2] = {5, 6};
  pv_tensor *a = pv_resize(u8, 2, sz, PV_RESIZE_BILINEAR, 0, 1);
  pv_tensor *b = pv_resize(u16, 2, sz, PV_RESIZE_BILINEAR, 0, 1);
  CHECK(a && b && pv_tensor_dtype(b) == PV_U16);
  if (a && b) {
    const uint8_t *pa = pv_tensor_data(a);
    const uint16_t *pb = pv_tensor_data(b);
    for (int i = 0; i < 3 * 5 * 6; i++)
      CHECK(abs((int)pb[i] - (int)pa[i] * 257) <= 257);
  }
  /* u8 <-> u16 scale is a shift; float -> u8 truncates x * 255.999 */
  pv_tensor *w16 = pv_to_dtype(u8, PV_U16, 1);
  CHECK(w16 && ((uint16_t *)pv_tensor_data(w16))[0] ==
                   ((uint8_t *)pv_tensor_data(u8))[0] << 8);
  pv_tensor *back = pv_convert_image_dtype(f, PV_U8);
  CHECK(back &&
        memcmp(pv_tensor_data(back), pv_tensor_data(u8), 3 * 8 * 9) == 0);
  CHECK(pv_convert_image_dtype(f, PV_I32) == NULL);
  pv_tensor_release(back);
  pv_tensor_release(w16);
  pv_tensor_release(a);
  pv_tensor_release(b);
  pv_tensor_release(u16);
  pv_tensor_release(f);
  pv_tensor_release(u8);
}

static void test_cli(void) {
  const char *bd = getenv("POLYVIS_BUILD_DIR");
  if (!bd) {
    printf("note: POLYVIS_BUILD_DIR unset, CLI checks skipped\n");
    return;
  }
  const char *tmp = pv_test_tmpdir();
  char in[1024], out[1024], cmd[4096];
  snprintf(in, sizeof in, "%s/in.npy", tmp);
  snprintf(out, sizeof out, "%s/out.npy", tmp);
  int64_t s[4] = {1, 3, 50, 70};
  pv_tensor *t = random_u8(4, s);
  CHECK(pv_npy_save(t, in) == 0);
  snprintf(cmd, sizeof cmd,
           "'%s/bin/polyvis' transform '%s' -o '%s' --preset imagenet "
           "--resize 40 --crop 32 >/dev/null",
           bd, in, out);
  CHECK(system(cmd) == 0);
  pv_tensor *o = pv_npy_load(out);
  CHECK(o && pv_tensor_ndim(o) == 4 && pv_tensor_shape(o)[3] == 32 &&
        pv_tensor_dtype(o) == PV_F32);
  pv_tensor_release(o);
  remove(out);
  /* usage error: exit 2; runtime error: exit 1 and no output file */
  snprintf(cmd, sizeof cmd,
           "'%s/bin/polyvis' transform '%s' -o '%s' --pipeline 'nope(' "
           "2>/dev/null",
           bd, in, out);
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
  snprintf(cmd, sizeof cmd,
           "'%s/bin/polyvis' transform '%s' -o '%s' --pipeline "
           "'normalize(imagenet)' 2>/dev/null",
           bd, in, out);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
  struct stat st;
  CHECK(stat(out, &st) != 0);
  pv_tensor_release(t);
  remove(in);
  rmdir(tmp);
}

static void test_random(void) {
  pv_rng r;
  double scale[2] = {0.08, 1.0}, ratio[2] = {3.0 / 4, 4.0 / 3};
  for (uint64_t seed = 0; seed < 300; seed++) {
    pv_rng_seed(&r, seed);
    int64_t b[4];
    pv_random_resized_crop_params(&r, 120, 200, scale, ratio, b);
    CHECK(b[0] >= 0 && b[1] >= 0 && b[2] > 0 && b[3] > 0);
    CHECK(b[0] + b[2] <= 120 && b[1] + b[3] <= 200);
    /* w = round(sqrt(A*a)), h = round(sqrt(A/a)): area and aspect within
     * the ranges up to the rounding */
    double area = (double)b[2] * b[3], asp = (double)b[3] / b[2];
    CHECK(area <= 120 * 200 * 1.0 + 1e-9);
    CHECK(asp >= 0.6 && asp <= 1.7);
    int64_t e[4];
    if (pv_random_erasing_params(&r, 50, 60, (double[2]){0.02, 0.33},
                                 (double[2]){0.3, 3.3}, e)) {
      CHECK(e[2] < 50 && e[3] < 60 && e[0] + e[2] <= 50 && e[1] + e[3] <= 60);
    }
    int order[4];
    double f[4];
    pv_color_jitter_params(&r, (double[2]){0.6, 1.4}, NULL,
                           (double[2]){0.0, 2.0}, (double[2]){-0.1, 0.1}, order,
                           f);
    int seen = 0;
    for (int i = 0; i < 4; i++)
      seen |= 1 << order[i];
    CHECK(seen == 15);
    CHECK(f[0] >= 0.6 && f[0] < 1.4 && isnan(f[1]) && f[3] >= -0.1 &&
          f[3] < 0.1);
    int64_t lo = pv_rng_randint(&r, 3, 7);
    CHECK(lo >= 3 && lo < 7);
  }
  /* the fallback: an extreme aspect with no fitting try is centred */
  pv_rng_seed(&r, 1);
  int64_t b[4];
  pv_random_resized_crop_params(&r, 10, 1000, (double[2]){1.0, 1.0},
                                (double[2]){1.0, 1.0}, b);
  CHECK_EQ_INT(b[2], 10);
  CHECK_EQ_INT(b[3], 10); /* in_ratio 100 > max(ratio) 1: w = round(h) */
  CHECK_EQ_INT(b[1], 495);
  /* a seeded pipeline is reproducible, different seeds differ */
  pv_pipeline *p = NULL;
  CHECK(pv_pipeline_parse(
            "random_resized_crop(24) | random_horizontal_flip | "
            "color_jitter(0.4, 0.4, 0.4, 0.1) | random_grayscale(0.2) | "
            "random_erasing(p=1.0)",
            &p) == 0);
  char buf[2048], buf2[2048];
  pv_pipeline_describe(p, buf, sizeof buf);
  pv_pipeline *q = NULL;
  CHECK(pv_pipeline_parse(buf, &q) == 0);
  pv_pipeline_describe(q, buf2, sizeof buf2);
  CHECK(strcmp(buf, buf2) == 0);
  pv_pipeline_free(q);
  int64_t s[3] = {3, 40, 50};
  pv_tensor *img = random_u8(3, s);
  pv_rng r1, r2, r3;
  pv_rng_seed(&r1, 7);
  pv_rng_seed(&r2, 7);
  pv_rng_seed(&r3, 8);
  pv_tensor *a = pv_pipeline_run_rng(p, img, &r1);
  pv_tensor *c = pv_pipeline_run_rng(p, img, &r2);
  pv_tensor *d = pv_pipeline_run_rng(p, img, &r3);
  CHECK(a && c && d);
  if (a && c && d) {
    CHECK(pv_tensor_shape(a)[1] == 24 && pv_tensor_shape(a)[2] == 24);
    CHECK(memcmp(pv_tensor_data(a), pv_tensor_data(c), 3 * 24 * 24) == 0);
    CHECK(memcmp(pv_tensor_data(a), pv_tensor_data(d), 3 * 24 * 24) != 0);
  }
  pv_tensor_release(a);
  pv_tensor_release(c);
  pv_tensor_release(d);
  pv_pipeline_free(p);
  /* random_crop with pad_if_needed pads both sides by the shortfall */
  CHECK(pv_pipeline_parse("random_crop([60, 52], pad_if_needed=true)", &p) ==
        0);
  a = pv_pipeline_run_rng(p, img, &r1);
  CHECK(a && pv_tensor_shape(a)[1] == 60 && pv_tensor_shape(a)[2] == 52);
  pv_tensor_release(a);
  pv_pipeline_free(p);
  CHECK(pv_pipeline_parse("random_horizontal_flip(p=1.5)", &p) ==
        PV_ERR_INVALID_ARG);
  /* random warps: parameters within torchvision's ranges, reproducible */
  double prm[6];
  pv_random_affine_params(&r1, (double[2]){-10, 10}, (double[2]){0.1, 0.2},
                          (double[2]){0.8, 1.2}, (double[4]){-5, 5, 0, 3}, 4,
                          50, 40, prm);
  CHECK(prm[0] >= -10 && prm[0] < 10 && fabs(prm[1]) <= 5 &&
        fabs(prm[2]) <= 8 && prm[1] == floor(prm[1]) && prm[3] >= 0.8 &&
        prm[3] < 1.2 && prm[4] >= -5 && prm[4] < 5 && prm[5] >= 0 &&
        prm[5] < 3);
  double st[8], en[8];
  pv_random_perspective_params(&r1, 50, 40, 0.5, st, en);
  CHECK(st[2] == 49 && st[5] == 39);
  CHECK(en[0] >= 0 && en[0] <= 12 && en[2] >= 37 && en[2] <= 49 &&
        en[5] >= 29 && en[5] <= 39);
  CHECK(pv_pipeline_parse("random_rotation(30, bilinear, expand=true) | "
                          "random_affine(10, translate=[0.1, 0.1], "
                          "scale=[0.9, 1.1], shear=5) | "
                          "random_perspective(0.3, p=1.0)",
                          &p) == 0);
  pv_pipeline_describe(p, buf, sizeof buf);
  CHECK(pv_pipeline_parse(buf, &q) == 0);
  pv_pipeline_describe(q, buf2, sizeof buf2);
  CHECK(strcmp(buf, buf2) == 0);
  pv_pipeline_free(q);
  CHECK(pv_pipeline_parse("affine(30, [3, -2], 1.1, [10, 5], bilinear, "
                          "fill=[1, 2, 3], center=[4, 5]) | rotate(12, "
                          "expand=true) | perspective([0, 0, 9, 0, 9, 9, 0, "
                          "9], [1, 1, 8, 0, 9, 9, 0, 8])",
                          &q) == 0);
  pv_pipeline_describe(q, buf, sizeof buf);
  pv_pipeline_free(q);
  CHECK(pv_pipeline_parse(buf, &q) == 0);
  pv_pipeline_describe(q, buf2, sizeof buf2);
  CHECK(strcmp(buf, buf2) == 0);
  pv_pipeline_free(q);
  /* the automatic augmentation policies run, reproduce, keep shape/dtype */
  const char *autos[] = {"auto_augment",
                         "auto_augment(cifar10)",
                         "auto_augment(svhn, fill=[1, 2, 3])",
                         "rand_augment(3, 12)",
                         "trivial_augment_wide",
                         "augmix(severity=5, mixture_width=2)",
                         "augmix(chain_depth=2, alpha=0.5, all_ops=false)",
                         "elastic_transform(20.0, 1.0)"};
  for (size_t k = 0; k < sizeof autos / sizeof autos[0]; k++) {
    pv_pipeline *ap = NULL;
    CHECK(pv_pipeline_parse(autos[k], &ap) == 0);
    pv_pipeline_describe(ap, buf, sizeof buf);
    CHECK(pv_pipeline_parse(buf, &q) == 0);
    pv_pipeline_describe(q, buf2, sizeof buf2);
    CHECK(strcmp(buf, buf2) == 0);
    pv_pipeline_free(q);
    for (int rep = 0; rep < 20; rep++) {
      pv_rng_seed(&r1, (uint64_t)rep);
      pv_rng_seed(&r2, (uint64_t)rep);
      a = pv_pipeline_run_rng(ap, img, &r1);
      c = pv_pipeline_run_rng(ap, img, &r2);
      CHECK(a && c && pv_tensor_dtype(a) == PV_U8 &&
            pv_tensor_numel(a) == pv_tensor_numel(img) &&
            memcmp(pv_tensor_data(a), pv_tensor_data(c),
                   (size_t)pv_tensor_numel(a)) == 0);
      pv_tensor_release(a);
      pv_tensor_release(c);
    }
    pv_pipeline_free(ap);
  }
  pv_rng_seed(&r1, 5);
  pv_rng_seed(&r2, 5);
  a = pv_pipeline_run_rng(p, img, &r1);
  c = pv_pipeline_run_rng(p, img, &r2);
  CHECK(a && c && pv_tensor_numel(a) == pv_tensor_numel(c) &&
        memcmp(pv_tensor_data(a), pv_tensor_data(c),
               (size_t)pv_tensor_numel(a)) == 0);
  pv_tensor_release(a);
  pv_tensor_release(c);
  pv_pipeline_free(p);
  pv_tensor_release(img);
}

static void test_five_crop(void) {
  int64_t s[3] = {1, 5, 6};
  pv_tensor *t = pv_tensor_create(PV_U8, 3, s);
  uint8_t *d = pv_tensor_data(t);
  for (int i = 0; i < 30; i++)
    d[i] = (uint8_t)i;
  pv_tensor *o[10];
  CHECK(pv_ten_crop(t, 2, 3, 0, o) == 0);
  /* tl, tr, bl, br, centre: first pixels 0, 3, 18, 21, row 2 col 2 = 14
   * (top = round((5-2)/2) = 2 half-even, left = round(1.5) = 2) */
  const int want[5] = {0, 3, 18, 21, 14};
  for (int i = 0; i < 5; i++)
    CHECK_EQ_INT(((uint8_t *)pv_tensor_data(o[i]))[0], want[i]);
  /* flipped: top-left of hflip = pixel (0, 5) */
  CHECK_EQ_INT(((uint8_t *)pv_tensor_data(o[5]))[0], 5);
  for (int i = 0; i < 10; i++)
    pv_tensor_release(o[i]);
  CHECK(pv_five_crop(t, 6, 3, o) == PV_ERR_INVALID_ARG);
  pv_tensor_release(t);
}

int main(void) {
  test_five_crop();
  test_random();
  test_output_size();
  test_parser();
  test_fused();
  test_errors_and_dtypes();
  test_cli();
  return pv_test_finish("test_transforms_api");
}
