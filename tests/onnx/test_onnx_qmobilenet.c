/* MobileNetV2-12 int8 (QLinearConv/QLinearAdd/QLinearGlobalAveragePool/
 * QLinearMatMul) end to end on grace_hopper with torchvision's ImageNet
 * preprocessing (resize 256, centre crop 224, /255, mean/std).
 * The logits must equal, to one output quantum, those of qmobilenet_ref.py
 * (the ONNX Runtime integer formulas evaluated in numpy/torch), on every
 * device present. This quantised model ranks "bow tie" (457) first and
 * "military uniform" (652) second on this photo (float torchvision ranks 652
 * first), so the test asserts top-1 = the golden's top-1 and 652 in the top
 * two. GPU devices run with CPU fallback (OpenCL lacks f32->u8 casts); the
 * strict per-op results are in onnx_node_tests. Skips without the data. */
#include "polyvis/image.h"
#include "polyvis/onnx.h"
#include "polyvis/polyvis.h"
#include "polyvis/transforms.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pv_tensor *preprocess(const char *path) {
  pv_tensor *img = pv_read_image(path, PV_IMAGE_RGB, 0);
  CHECK(img != NULL);
  if (!img)
    return NULL;
  int64_t s = 256;
  pv_tensor *r = pv_resize(img, 1, &s, PV_RESIZE_BILINEAR, 0, 1);
  pv_tensor_release(img);
  pv_tensor *c = r ? pv_center_crop(r, 224, 224) : NULL;
  pv_tensor_release(r);
  pv_tensor *f = c ? pv_convert_image_dtype(c, PV_F32) : NULL;
  pv_tensor_release(c);
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float std[3] = {0.229f, 0.224f, 0.225f};
  pv_tensor *n = f ? pv_normalize(f, mean, std, 3) : NULL;
  pv_tensor_release(f);
  pv_tensor *x =
      n ? pv_tensor_reshape(n, 4, (int64_t[]){1, 3, 224, 224}) : NULL;
  pv_tensor_release(n);
  pv_tensor *xc = x ? pv_tensor_contiguous(x) : NULL;
  pv_tensor_release(x);
  CHECK(xc != NULL);
  return xc;
}

/* Index of the largest logit other than `skip` (-1: none). */
static int top1(const pv_tensor *y, int skip) {
  const float *p = pv_tensor_data(y);
  int64_t n = pv_tensor_numel(y), best = skip == 0 ? 1 : 0;
  for (int64_t i = 0; i < n; i++)
    if (i != skip && p[i] > p[best])
      best = i;
  return (int)best;
}

/* The golden logits from qmobilenet_ref.py, or NULL when Python lacks
 * onnx/torch (the test then checks the classes only). */
static pv_tensor *golden(const char *data_dir, pv_tensor **input) {
  if (access("/usr/bin/python3", X_OK) != 0)
    return NULL;
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  char cmd[12288], out[4096], in[4096];
  snprintf(out, sizeof out, "%s/qmobilenet_ref.npy", pv_test_tmpdir());
  snprintf(in, sizeof in, "%s/qmobilenet_in.npy", pv_test_tmpdir());
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 %s/tests/onnx/qmobilenet_ref.py '%s' '%s' '%s'",
           src ? src : ".", data_dir, out, in);
  if (system(cmd) != 0) {
    printf("golden: qmobilenet_ref.py failed (no onnx/torch?); classes only\n");
    return NULL;
  }
  pv_tensor *t = pv_npy_load(out);
  *input = pv_npy_load(in);
  remove(out);
  remove(in);
  CHECK(t && *input);
  return t;
}

/* One output quantum: the smallest gap between distinct golden logits. */
static double quantum(const pv_tensor *g) {
  const float *p = pv_tensor_data(g);
  int64_t n = pv_tensor_numel(g);
  double q = INFINITY;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++) {
      double d = fabs((double)p[i] - p[j]);
      if (d > 1e-6 && d < q)
        q = d;
    }
  return q;
}

int main(void) {
  char mp[4096], ip[4096];
  if (!pv_test_data_path("models/mobilenetv2-12-int8.onnx", mp, sizeof mp) ||
      !pv_test_data_path("images/torchvision/grace_hopper_517x606.jpg", ip,
                         sizeof ip))
    return PV_TEST_SKIP;
  pv_tensor *x = preprocess(ip);
  if (!x)
    return pv_test_finish("onnx_qmobilenet");
  pv_graph *g = NULL;
  pv_onnx_options o = pv_onnx_options_default();
  o.dynamic_dims_to_one = 1;
  int rc = pv_onnx_import(mp, &o, &g, NULL);
  if (rc)
    fprintf(stderr, "import: %s\n", pv_last_error());
  CHECK_EQ_INT(rc, 0);
  const char *devs[] = {"cpu", "vulkan:0", "opencl:0"};
  pv_tensor *gin = NULL, *gold = golden(pv_test_data_dir(), &gin);
  double q = gold ? quantum(gold) : 0;
  int want = gold ? top1(gold, -1) : 457;
  pv_tensor *ref = NULL;
  for (int d = 0; g && d < 3; d++) {
    if (d > 0 && !pv_device_find(devs[d])) {
      printf("%s: absent, skipped\n", devs[d]);
      continue;
    }
    pv_compile_options co = pv_compile_options_default();
    co.device = devs[d];
    co.fallback = d == 0 ? 0 : 1;
    pv_compiled *c = pv_graph_compile(g, &co);
    if (!c)
      fprintf(stderr, "%s: compile: %s\n", devs[d], pv_last_error());
    CHECK(c != NULL);
    if (!c)
      continue;
    pv_tensor *y = NULL;
    rc = pv_compiled_run(c, 1, &x, 1, &y);
    if (rc)
      fprintf(stderr, "%s: run: %s\n", devs[d], pv_last_error());
    CHECK_EQ_INT(rc, 0);
    if (!rc) {
      CHECK_EQ_INT(pv_tensor_numel(y), 1000);
      int k = top1(y, -1), k2 = top1(y, k);
      printf("%s: top-1 %d, top-2 %d (%d partitions)\n", devs[d], k, k2,
             pv_compiled_num_partitions(c));
      CHECK_EQ_INT(k, want);
      CHECK(k == 652 || k2 == 652);
      pv_tensor *yg = NULL;
      if (gold && gin) {
        CHECK_EQ_INT(pv_compiled_run(c, 1, &gin, 1, &yg), 0);
      }
      if (yg) {
        const float *a = pv_tensor_data(yg), *b = pv_tensor_data(gold);
        double worst = 0;
        int off = 0;
        for (int i = 0; i < 1000; i++) {
          double e = fabs((double)a[i] - b[i]);
          worst = e > worst ? e : worst;
          off += e > 1e-6;
        }
        printf("%s: %d logits differ from the golden, max %.3g (quantum "
               "%.3g)\n",
               devs[d], off, worst, q);
        CHECK(worst <= q * 1.001);
        pv_tensor_release(yg);
      }
      if (!ref) {
        ref = y;
        y = NULL;
      } else {
        /* The logits are dequantised int8: devices agree to a quantum. */
        double e = pv_test_rel_error(y, ref);
        printf("%s: rel. error vs cpu %.3g\n", devs[d], e);
        CHECK(e < 0.05);
      }
    }
    pv_tensor_release(y);
    pv_compiled_free(c);
  }
  pv_tensor_release(ref);
  pv_tensor_release(gold);
  pv_tensor_release(gin);
  pv_graph_free(g);
  pv_tensor_release(x);
  return pv_test_finish("onnx_qmobilenet");
}
