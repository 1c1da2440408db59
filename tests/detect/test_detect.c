/* Detectors end to end on the shared real models and photos, on one device
 * (argv[1], strict no-fallback for GPUs): YOLOX-Nano on dog.jpg finds the
 * dog, the bicycle and a car/truck with the known-good scores; UltraFace
 * (both exports, and the legacy .pth in the RFB-320 graph built in C) finds
 * the one face in astronaut.png and grace_hopper at the known-good boxes,
 * all three within 1e-4 of each other; the generic SSD head with
 * UltraFace's settings as options finds the same face; a GPU device
 * gives the CPU's detections. Skips when ../shared/data is absent. */
#include "testutil.h"

#include <math.h>
#include <polyvis/detect.h>
#include <polyvis/image.h>

static const char *g_dev;

static int detect_with(const char *model, const char *image, const char *device,
                       pv_detector_options o, pv_detection **det) {
  char mp[1024], ip[1024];
  if (!pv_test_data_path(model, mp, sizeof mp) ||
      !pv_test_data_path(image, ip, sizeof ip))
    return -1;
  o.device = device;
  o.fallback = strcmp(device, "cpu") ? 0 : 1;
  pv_detector *d = pv_detector_create(mp, &o);
  CHECK(d != NULL);
  if (!d)
    return -1;
  CHECK(!strcmp(pv_detector_device_name(d), device));
  pv_tensor *img = pv_read_image(ip, PV_IMAGE_RGB, PV_DECODE_EXIF_ORIENTATION);
  int n = -1;
  CHECK(img != NULL);
  if (img)
    CHECK_EQ_INT(pv_detector_run(d, img, det, &n), 0);
  printf("%s %s on %s:\n", model, image, device);
  for (int i = 0; i < n; i++)
    printf("  %-10s %.4f [%.1f %.1f %.1f %.1f]\n",
           pv_detector_label_name(d, (*det)[i].label), (*det)[i].score,
           (*det)[i].box[0], (*det)[i].box[1], (*det)[i].box[2],
           (*det)[i].box[3]);
  pv_tensor_release(img);
  pv_detector_free(d);
  return n;
}

static int detect(const char *model, const char *image, const char *device,
                  pv_detection **det) {
  return detect_with(model, image, device, pv_detector_options_default(), det);
}

static int near_box(const float *b, float x0, float y0, float x1, float y1,
                    float tol) {
  return fabsf(b[0] - x0) <= tol && fabsf(b[1] - y0) <= tol &&
         fabsf(b[2] - x1) <= tol && fabsf(b[3] - y1) <= tol;
}

/* max |a - b| / max |b| over the boxes and scores of two detection lists. */
static double rel_diff(const pv_detection *a, const pv_detection *b, int n) {
  double md = 0, mw = 0;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 4; k++) {
      md = fmax(md, fabs((double)a[i].box[k] - b[i].box[k]));
      mw = fmax(mw, fabs((double)b[i].box[k]));
    }
    md = fmax(md, fabs((double)a[i].score - b[i].score) * mw);
  }
  return mw > 0 ? md / mw : md;
}

static void yolox(void) {
  pv_detection *det = NULL;
  int n =
      detect("models/yolox_nano.onnx", "images/darknet/dog.jpg", g_dev, &det);
  if (n < 0)
    return;
  /* README known-good: dog ~0.83, car/truck ~0.81, bicycle ~0.81. */
  int dog = 0, bike = 0, car = 0;
  for (int i = 0; i < n; i++) {
    int l = det[i].label;
    float s = det[i].score;
    dog |= l == 16 && fabsf(s - 0.83f) < 0.05f &&
           near_box(det[i].box, 133, 207, 326, 543, 12);
    bike |= l == 1 && fabsf(s - 0.81f) < 0.05f &&
            near_box(det[i].box, 56, 137, 572, 423, 12);
    car |= (l == 2 || l == 7) && fabsf(s - 0.81f) < 0.05f &&
           near_box(det[i].box, 466, 78, 692, 171, 12);
  }
  CHECK(dog && bike && car);
  if (strcmp(g_dev, "cpu")) { /* the same detections as the CPU */
    pv_detection *ref = NULL;
    int m =
        detect("models/yolox_nano.onnx", "images/darknet/dog.jpg", "cpu", &ref);
    CHECK_EQ_INT(n, m);
    if (n == m) {
      for (int i = 0; i < n; i++)
        CHECK_EQ_INT(det[i].label, ref[i].label);
      CHECK(rel_diff(det, ref, n) <= 1e-4);
    }
    free(ref);
  }
  free(det);
}

static void ultraface(const char *image, float x0, float y0, float x1,
                      float y1) {
  pv_detection *a = NULL, *b = NULL;
  int na = detect("models/ultraface-version-RFB-320.onnx", image, g_dev, &a);
  int nb =
      detect("models/ultraface-version-RFB-320_without_postprocessing.onnx",
             image, g_dev, &b);
  if (na < 0 || nb < 0) {
    free(a);
    free(b);
    return;
  }
  CHECK_EQ_INT(na, 1);
  CHECK_EQ_INT(nb, 1);
  if (na == 1 && nb == 1) {
    CHECK(a[0].score > 0.99f);
    CHECK(near_box(a[0].box, x0, y0, x1, y1, 6));
    double r = rel_diff(b, a, 1); /* in-graph vs C prior decoding */
    printf("  ultraface exports differ by %.3g\n", r);
    CHECK(r <= 1e-4);
    /* the legacy PyTorch checkpoint in the RFB-320 graph built in C */
    pv_detection *p = NULL;
    int np = detect("models/ultraface-version-RFB-320.pth", image, g_dev, &p);
    CHECK_EQ_INT(np, 1);
    if (np == 1) {
      double rp = rel_diff(p, a, 1);
      printf("  ultraface .pth (C graph) vs .onnx: %.3g\n", rp);
      CHECK(rp <= 1e-4);
    }
    free(p);
  }
  if (strcmp(g_dev, "cpu") && na == 1) {
    pv_detection *ref = NULL;
    int m = detect("models/ultraface-version-RFB-320.onnx", image, "cpu", &ref);
    CHECK_EQ_INT(m, 1);
    if (m == 1)
      CHECK(rel_diff(a, ref, 1) <= 1e-4);
    free(ref);
  }
  free(a);
  free(b);
}

/* RFB-320's priors (cx, cy, w, h) at 320x240, written from the model's
 * description independently of the detector's built-in table. */
static pv_tensor *rfb320_priors(void) {
  static const int strides[4] = {8, 16, 32, 64};
  static const float boxes[4][3] = {
      {10, 16, 24}, {32, 48, 0}, {64, 96, 0}, {128, 192, 256}};
  int64_t s[2] = {4420, 4};
  pv_tensor *t = pv_tensor_create(PV_F32, 2, s);
  float *p = pv_tensor_data(t);
  int64_t n = 0;
  for (int l = 0; l < 4; l++) {
    int fw = (320 + strides[l] - 1) / strides[l],
        fh = (240 + strides[l] - 1) / strides[l];
    for (int j = 0; j < fh; j++)
      for (int i = 0; i < fw; i++)
        for (int b = 0; b < 3 && boxes[l][b] > 0 && n < 4420; b++, n++) {
          float v[4] = {(i + 0.5f) / fw, (j + 0.5f) / fh, boxes[l][b] / 320,
                        boxes[l][b] / 240};
          for (int q = 0; q < 4; q++)
            p[4 * n + q] = v[q] < 0 ? 0 : v[q] > 1 ? 1 : v[q];
        }
  }
  CHECK(n == 4420);
  return t;
}

/* The generic SSD head on both UltraFace exports (UltraFace's settings
 * given as options: priors for the raw export, decoded corners for the
 * other) gives UltraFace's detection, labelled with its score column. */
static void ssd(const char *image) {
  pv_detection *ref = NULL, *a = NULL, *b = NULL;
  int nr = detect("models/ultraface-version-RFB-320.onnx", image, g_dev, &ref);
  if (nr < 0)
    return;
  pv_detector_options o = pv_detector_options_default();
  o.kind = PV_DETECTOR_SSD;
  o.score_threshold = 0.7f;
  o.iou_threshold = 0.3;
  int na =
      detect_with("models/ultraface-version-RFB-320.onnx", image, g_dev, o, &a);
  pv_tensor *pri = rfb320_priors();
  o.ssd_priors = pri;
  int nb = detect_with(
      "models/ultraface-version-RFB-320_without_postprocessing.onnx", image,
      g_dev, o, &b);
  CHECK_EQ_INT(na, nr);
  CHECK_EQ_INT(nb, nr);
  if (nr == 1 && na == 1 && nb == 1) {
    CHECK_EQ_INT(a[0].label, 1);
    CHECK_EQ_INT(b[0].label, 1);
    printf("  ssd head vs ultraface: %.3g (decoded), %.3g (priors)\n",
           rel_diff(a, ref, 1), rel_diff(b, ref, 1));
    CHECK(rel_diff(a, ref, 1) <= 1e-6);
    CHECK(rel_diff(b, ref, 1) <= 1e-4);
  }
  /* priors that do not match the model's boxes */
  char mp[1024], ip[1024];
  if (pv_test_data_path(
          "models/ultraface-version-RFB-320_without_postprocessing.onnx", mp,
          sizeof mp) &&
      pv_test_data_path(image, ip, sizeof ip)) {
    int64_t s3[2] = {3, 4}, s5[2] = {4420, 5};
    pv_tensor *few = pv_tensor_create(PV_F32, 2, s3),
              *bad = pv_tensor_create(PV_F32, 2, s5);
    o.device = g_dev;
    o.ssd_priors = bad;
    CHECK(pv_detector_create(mp, &o) == NULL);
    CHECK(strstr(pv_last_error(), "priors") != NULL);
    o.ssd_priors = few;
    pv_detector *d = pv_detector_create(mp, &o);
    pv_tensor *img = pv_read_image(ip, PV_IMAGE_RGB, 0);
    pv_detection *x = NULL;
    int n = 0;
    CHECK(d && img && pv_detector_run(d, img, &x, &n) != 0);
    CHECK(strstr(pv_last_error(), "priors") != NULL);
    free(x);
    pv_tensor_release(img);
    pv_detector_free(d);
    pv_tensor_release(few);
    pv_tensor_release(bad);
  }
  pv_tensor_release(pri);
  free(ref);
  free(a);
  free(b);
}

static float iou(const float *a, const float *b) {
  float w = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
  float h = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
  float in = (w > 0 ? w : 0) * (h > 0 ? h : 0);
  return in /
         ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - in);
}

/* BlazeFace (MediaPipe anchors) finds the same face as UltraFace's known
 * box (its boxes are tighter: no forehead), and a GPU the CPU's. */
static void blazeface(const char *image, float x0, float y0, float x1,
                      float y1) {
  pv_detection *a = NULL;
  int n = detect("models/blazeface_front_128x128.onnx", image, g_dev, &a);
  if (n < 0)
    return;
  CHECK_EQ_INT(n, 1);
  float ref[4] = {x0, y0, x1, y1};
  if (n == 1) {
    CHECK(a[0].score > 0.75f);
    CHECK(iou(a[0].box, ref) > 0.6f);
  }
  if (strcmp(g_dev, "cpu") && n == 1) {
    pv_detection *c = NULL;
    int m = detect("models/blazeface_front_128x128.onnx", image, "cpu", &c);
    CHECK(m == 1 && rel_diff(a, c, 1) <= 1e-4);
    free(c);
  }
  free(a);
}

static void errors(void) {
  CHECK(pv_detector_create("/nonexistent/model.onnx", NULL) == NULL);
  CHECK(strstr(pv_last_error(), "/nonexistent/model.onnx") != NULL);
  char mp[1024];
  if (pv_test_data_path("models/mnist-opt.onnx", mp, sizeof mp)) {
    pv_detector_options o = pv_detector_options_default();
    o.kind = PV_DETECTOR_ULTRAFACE; /* one output: not an UltraFace */
    CHECK(pv_detector_create(mp, &o) == NULL);
    CHECK(pv_last_status() != 0);
  }
  CHECK(pv_detector_run(NULL, NULL, NULL, NULL) != 0);
}

int main(int argc, char **argv) {
  g_dev = argc > 1 ? argv[1] : "cpu";
  if (!pv_device_find(g_dev)) {
    printf("device %s not present: skipping\n", g_dev);
    return PV_TEST_SKIP;
  }
  char probe[1024];
  if (!pv_test_data_path("models/yolox_nano.onnx", probe, sizeof probe)) {
    printf("SKIP: ../shared/data (or $POLYVIS_TEST_DATA) is absent\n");
    return PV_TEST_SKIP;
  }
  errors();
  yolox();
  ultraface("images/skimage/astronaut.png", 180, 62, 268, 174);
  ultraface("images/torchvision/grace_hopper_517x606.jpg", 174, 122, 363, 337);
  ssd("images/skimage/astronaut.png");
  blazeface("images/skimage/astronaut.png", 180, 62, 268, 174);
  blazeface("images/torchvision/grace_hopper_517x606.jpg", 174, 122, 363, 337);
  return pv_test_finish("test_detect");
}
