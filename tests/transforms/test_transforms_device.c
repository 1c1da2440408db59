/* The device-executed transforms (pv_pipeline_run_on_device and
 * pv_pipeline_append_to_graph) against the same torchvision 0.14.1 goldens
 * and tolerances as test_transforms_golden, on one device given by
 * --device NAME, compiled in strict no-fallback mode so every node must run
 * on that device. Also checks the uint8 HWC input layout and a preset
 * prepended to a small model graph compiling into one partition. */
#include "tf_compare.h"

#include <polyvis/device.h>
#include <polyvis/graph.h>

static const char *g_dev = "cpu";

static int run_file(const char *dir, const char *list, int *n_run,
                    int *n_skip) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, list);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  char line[8192];
  int fails = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *fld[5], *s = line;
    int k = 0;
    for (; k < 5 && s; k++) {
      fld[k] = s;
      s = strchr(s, '\t');
      if (s)
        *s++ = 0;
    }
    if (k != 5 || !strncmp(fld[2], "@elastic ", 9)) {
      (*n_skip)++;
      continue;
    }
    pv_pipeline *p = NULL;
    if (!strncmp(fld[2], "preset:", 7))
      p = pv_preset_image_classification(256, 224, NULL, NULL,
                                         PV_RESIZE_BILINEAR, atoi(fld[2] + 7));
    else if (pv_pipeline_parse(fld[2], &p))
      p = NULL;
    char ip[4096], op[4096];
    snprintf(ip, sizeof ip, "%s/%s", dir, fld[1]);
    snprintf(op, sizeof op, "%s/%s", dir, fld[3]);
    pv_tensor *in = p ? pv_npy_load(ip) : NULL;
    /* the device-executed set on the dtypes it covers (uint8, float32) */
    if (!p || !in || !pv_pipeline_supported_on_device(p) ||
        (pv_tensor_dtype(in) != PV_U8 && pv_tensor_dtype(in) != PV_F32)) {
      (*n_skip)++;
      pv_tensor_release(in);
      pv_pipeline_free(p);
      continue;
    }
    (*n_run)++;
    pv_tensor *want = pv_npy_load(op);
    pv_tensor *got = pv_pipeline_run_on_device(p, in, 0, g_dev, 0);
    if (!want || !got) {
      fprintf(stderr, "%s: failed to run '%s' on %s: %s\n", fld[0], fld[2],
              g_dev, pv_last_error());
      fails++;
    } else if (!compare(fld[0], got, want, fld[4])) {
      fprintf(stderr, "  spec: %s (on %s)\n", fld[2], g_dev);
      fails++;
    }
    pv_tensor_release(got);
    pv_tensor_release(want);
    pv_tensor_release(in);
    pv_pipeline_free(p);
  }
  fclose(f);
  return fails;
}

/* A smooth uint8 test image, CHW and the same pixels HWC. */
static void make_image(int64_t h, int64_t w, pv_tensor **chw, pv_tensor **hwc) {
  int64_t s1[3] = {3, h, w}, s2[3] = {h, w, 3};
  *chw = pv_tensor_create(PV_U8, 3, s1);
  *hwc = pv_tensor_create(PV_U8, 3, s2);
  if (!*chw || !*hwc)
    return;
  uint8_t *a = pv_tensor_data(*chw), *b = pv_tensor_data(*hwc);
  for (int64_t y = 0; y < h; y++)
    for (int64_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        uint8_t v = (uint8_t)((x * 7 + y * 3 + c * 50 + (x * y) % 13) & 255);
        a[(c * h + y) * w + x] = v;
        b[(y * w + x) * 3 + c] = v;
      }
}

static void test_hwc(void) {
  pv_tensor *chw = NULL, *hwc = NULL;
  make_image(45, 61, &chw, &hwc);
  CHECK(chw && hwc);
  pv_pipeline *p =
      pv_preset_image_classification(32, 28, NULL, NULL, PV_RESIZE_BILINEAR, 1);
  CHECK(p);
  pv_tensor *want = chw && p ? pv_pipeline_run(p, chw) : NULL;
  pv_tensor *got =
      hwc && p ? pv_pipeline_run_on_device(p, hwc, 1, g_dev, 0) : NULL;
  if (!got)
    fprintf(stderr, "hwc: %s\n", pv_last_error());
  CHECK(want && got);
  if (want && got)
    CHECK(compare("hwc_preset", got, want, "f32u8"));
  pv_tensor_release(got);
  pv_tensor_release(want);
  /* a plain layout change: HWC uint8 in, CHW uint8 out, bit-exact */
  pv_pipeline *id = NULL;
  CHECK(pv_pipeline_parse("hflip | hflip", &id) == 0);
  got = id && hwc ? pv_pipeline_run_on_device(id, hwc, 1, g_dev, 0) : NULL;
  CHECK(got != NULL);
  if (got && chw)
    CHECK(compare("hwc_to_chw", got, chw, "exact"));
  pv_tensor_release(got);
  pv_pipeline_free(id);
  /* CPU-only ops are refused, not silently run elsewhere */
  pv_pipeline *cj = NULL;
  CHECK(pv_pipeline_parse("adjust_hue(0.1)", &cj) == 0);
  CHECK(!pv_pipeline_supported_on_device(cj));
  got = cj && chw ? pv_pipeline_run_on_device(cj, chw, 0, g_dev, 0) : NULL;
  CHECK(got == NULL);
  CHECK(pv_last_status() == PV_ERR_UNSUPPORTED);
  pv_pipeline_free(cj);
  pv_pipeline_free(p);
  pv_tensor_release(chw);
  pv_tensor_release(hwc);
}

static pv_tensor *det_tensor(int ndim, const int64_t *shape, float scale) {
  pv_tensor *t = pv_tensor_create(PV_F32, ndim, shape);
  if (!t)
    return NULL;
  float *d = pv_tensor_data(t);
  for (int64_t i = 0; i < pv_tensor_numel(t); i++)
    d[i] = scale * (float)(((i * 37 + 11) % 19) - 9) / 9.0f;
  return t;
}

/* conv3x3(3->8) + relu -> global average pool -> flatten -> linear(8->5). */
static pv_value add_model(pv_graph *g, pv_value x) {
  int64_t ws[4] = {8, 3, 3, 3}, bs[1] = {8}, ls[2] = {5, 8}, lb[1] = {5};
  pv_tensor *w = det_tensor(4, ws, 0.3f), *b = det_tensor(1, bs, 0.1f);
  pv_tensor *lw = det_tensor(2, ls, 0.5f), *lbt = det_tensor(1, lb, 0.2f);
  pv_conv_attrs ca = pv_conv_attrs_default();
  ca.padding[0] = ca.padding[1] = ca.padding[2] = ca.padding[3] = 1;
  pv_value y = pv_conv2d(g, x, pv_graph_constant(g, "conv.w", w),
                         pv_graph_constant(g, "conv.b", b), &ca);
  y = pv_relu(g, y);
  y = pv_adaptive_avg_pool2d(g, y, 1, 1);
  y = pv_flatten(g, y, 1, -1);
  y = pv_linear(g, y, pv_graph_constant(g, "fc.w", lw),
                pv_graph_constant(g, "fc.b", lbt));
  pv_tensor_release(w);
  pv_tensor_release(b);
  pv_tensor_release(lw);
  pv_tensor_release(lbt);
  return y;
}

static pv_tensor *run_graph(pv_graph *g, const char *dev, pv_tensor *in,
                            int expect_one_partition) {
  pv_compile_options o = pv_compile_options_default();
  o.device = dev;
  o.fallback = 0;
  o.precision = 0;
  pv_compiled *c = pv_graph_compile(g, &o);
  if (!c) {
    fprintf(stderr, "compile on %s: %s\n", dev, pv_last_error());
    return NULL;
  }
  if (expect_one_partition)
    CHECK_EQ_INT(pv_compiled_num_partitions(c), 1);
  pv_tensor *out = NULL;
  if (pv_compiled_run(c, 1, &in, 1, &out))
    out = NULL;
  pv_compiled_free(c);
  return out;
}

static void test_model(void) {
  pv_tensor *chw = NULL, *hwc = NULL;
  make_image(50, 70, &chw, &hwc);
  pv_pipeline *p =
      pv_preset_image_classification(40, 32, NULL, NULL, PV_RESIZE_BILINEAR, 1);
  CHECK(chw && hwc && p);
  if (!chw || !hwc || !p)
    goto done;
  /* decode -> preprocess -> model as one graph on the device */
  pv_graph *g = pv_graph_create();
  int64_t is[4] = {1, 50, 70, 3};
  pv_value x = pv_graph_input(g, "image", PV_U8, 4, is), pre;
  CHECK(pv_pipeline_append_to_graph(p, g, x, 1, &pre) == 0);
  pv_tensor_desc d;
  CHECK(pv_graph_value_desc(g, pre, &d) == 0);
  CHECK(d.dtype == PV_F32 && d.ndim == 4 && d.shape[1] == 3 &&
        d.shape[2] == 32 && d.shape[3] == 32);
  CHECK(pv_graph_output(g, "logits", add_model(g, pre)) == 0);
  CHECK_EQ_INT(pv_graph_status(g), 0);
  pv_tensor *batch = pv_tensor_reshape(hwc, 4, is);
  pv_tensor *got = batch ? run_graph(g, g_dev, batch, 1) : NULL;
  pv_graph_free(g);
  /* the CPU path: pv_pipeline_run, then the model alone on the CPU */
  pv_tensor *img = pv_pipeline_run(p, chw);
  int64_t ps[4] = {1, 3, 32, 32};
  pv_tensor *img4 = img ? pv_tensor_reshape(img, 4, ps) : NULL;
  pv_graph *m = pv_graph_create();
  pv_value mx = pv_graph_input(m, "x", PV_F32, 4, ps);
  CHECK(pv_graph_output(m, "logits", add_model(m, mx)) == 0);
  pv_tensor *want = img4 ? run_graph(m, "cpu", img4, 0) : NULL;
  pv_graph_free(m);
  CHECK(got && want);
  if (got && want) {
    CHECK_EQ_INT(pv_tensor_numel(got), 5);
    CHECK(compare("preset_plus_model", got, want, "f32:1e-4"));
  }
  pv_tensor_release(got);
  pv_tensor_release(want);
  pv_tensor_release(img4);
  pv_tensor_release(img);
  pv_tensor_release(batch);
done:
  pv_pipeline_free(p);
  pv_tensor_release(chw);
  pv_tensor_release(hwc);
}

/* `polyvis transform --device D` runs the preset on D and says so. */
static void test_cli(void) {
  const char *bd = getenv("POLYVIS_BUILD_DIR");
  if (!bd || !strcmp(g_dev, "cpu")) {
    printf("note: CLI --device check skipped (%s)\n",
           bd ? "the CPU runs the CPU kernels" : "POLYVIS_BUILD_DIR unset");
    return;
  }
  pv_tensor *chw = NULL, *hwc = NULL;
  make_image(37, 53, &chw, &hwc);
  const char *tmp = pv_test_tmpdir();
  char in[1024], out[1024], js[1024], cmd[4096];
  snprintf(in, sizeof in, "%s/cli_in.npy", tmp);
  snprintf(out, sizeof out, "%s/cli_out.npy", tmp);
  snprintf(js, sizeof js, "%s/cli.json", tmp);
  CHECK(chw && pv_npy_save(chw, in) == 0);
  snprintf(cmd, sizeof cmd,
           "'%s/bin/polyvis' transform '%s' -o '%s' --preset imagenet "
           "--resize 30 --crop 24 --device '%s' --json > '%s'",
           bd, in, out, g_dev, js);
  CHECK(system(cmd) == 0);
  char buf[512] = {0}, want_dev[128];
  FILE *f = fopen(js, "r");
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
  }
  snprintf(want_dev, sizeof want_dev, "\"device\":\"%s\"", g_dev);
  CHECK(strstr(buf, want_dev) != NULL);
  pv_pipeline *p =
      pv_preset_image_classification(30, 24, NULL, NULL, PV_RESIZE_BILINEAR, 1);
  pv_tensor *got = pv_npy_load(out),
            *want = p && chw ? pv_pipeline_run(p, chw) : NULL;
  CHECK(got && want);
  if (got && want)
    CHECK(compare("cli_device", got, want, "f32u8"));
  pv_tensor_release(got);
  pv_tensor_release(want);
  pv_pipeline_free(p);
  pv_tensor_release(chw);
  pv_tensor_release(hwc);
}

/* The number of float32 values whose bits differ. */
static int64_t bit_diffs(pv_tensor *got, pv_tensor *want) {
  if (!got || !want || pv_tensor_numel(got) != pv_tensor_numel(want))
    return -1;
  const uint32_t *a = pv_tensor_data(got), *b = pv_tensor_data(want);
  int64_t n = 0;
  for (int64_t i = 0; i < pv_tensor_numel(got); i++)
    n += a[i] != b[i];
  return n;
}

/* A batch of 4 images (12 planes: the resampler's per-plane path) against
 * each image alone (3 planes: its row-parallel path), to the bit. */
static void test_resize_planes(pv_tensor *img) {
  const char *specs[] = {"resize([50, 20], bilinear, antialias=false)",
                         "resize([17, 23], bicubic, antialias=true)",
                         "resize([61, 80], bilinear, antialias=true)",
                         "resize([90, 30], bicubic, antialias=false)"};
  int64_t bs[4] = {4, 3, 45, 61};
  pv_tensor *batch = pv_tensor_create(PV_F32, 4, bs);
  CHECK(batch != NULL);
  if (!batch)
    return;
  float *b = pv_tensor_data(batch);
  const float *x = pv_tensor_data(img);
  int64_t n = 3 * 45 * 61;
  for (int64_t k = 0; k < 4; k++)
    for (int64_t i = 0; i < n; i++)
      b[k * n + i] = (float)(((int64_t)x[i] + 37 * k) % 256);
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    pv_pipeline *p = NULL;
    CHECK(pv_pipeline_parse(specs[i], &p) == 0);
    pv_tensor *all = p ? pv_pipeline_run(p, batch) : NULL;
    CHECK(all != NULL);
    for (int64_t k = 0; all && k < 4; k++) {
      pv_tensor *one = pv_tensor_slice(batch, 0, k, k + 1, 1);
      pv_tensor *want = one ? pv_pipeline_run(p, one) : NULL;
      pv_tensor *got = pv_tensor_slice(all, 0, k, k + 1, 1);
      pv_tensor *gc = got ? pv_tensor_contiguous(got) : NULL;
      int64_t nd = bit_diffs(gc, want);
      if (nd)
        fprintf(stderr, "resize planes: '%s' image %lld: %lld differ\n",
                specs[i], (long long)k, (long long)nd);
      CHECK(nd == 0);
      pv_tensor_release(gc);
      pv_tensor_release(got);
      pv_tensor_release(want);
      pv_tensor_release(one);
    }
    pv_tensor_release(all);
    pv_pipeline_free(p);
  }
  pv_tensor_release(batch);
}

/* RESIZE on the device gives the CPU's float32 bits, every device building
 * its taps with the one shared builder (backends/common/resize_taps.c) and
 * replaying the same passes: the torch modes against pv_resize (torch's
 * operation order), on float images of integers (the uint8 path, where .5
 * ties meet the rounding) and of fractions; RESIZE nodes with align_corners,
 * user scales and cubic_a (torch modes) and the ONNX modes
 * (coordinate/nearest modes, cubic_a, exclude_outside, user scales) against
 * the CPU RESIZE op, through strict graphs on both. On cpu this checks the
 * CPU op against pv_resize. */
static void test_resize_bits(void) {
  int64_t s[3] = {3, 45, 61};
  pv_tensor *im[2] = {pv_tensor_create(PV_F32, 3, s),
                      pv_tensor_create(PV_F32, 3, s)};
  CHECK(im[0] && im[1]);
  if (!im[0] || !im[1])
    goto done;
  float *d0 = pv_tensor_data(im[0]), *d1 = pv_tensor_data(im[1]);
  for (int64_t i = 0; i < 3 * 45 * 61; i++) {
    int64_t x = i % 61, y = (i / 61) % 45, c = i / (45 * 61);
    d0[i] = (float)((x * 4 + y * 5 + c * 60 + (x * y) % 17) % 256);
    d1[i] = (float)((i * 7919) % 10007) / 10007.0f;
  }
  const char *specs[] = {"resize([50, 20], bilinear, antialias=false)",
                         "resize([50, 20], bicubic, antialias=true)",
                         "resize([17, 23], bilinear, antialias=true)",
                         "resize([17, 23], bicubic, antialias=false)",
                         "resize([61, 80], bilinear, antialias=false)",
                         "resize([61, 80], bicubic, antialias=true)",
                         "resize([33, 91], bilinear, antialias=true)",
                         "resize([1, 5], bicubic, antialias=true)",
                         "resize([8, 3], bilinear, antialias=true)",
                         "resize([50, 20], nearest)",
                         "resize([61, 80], interpolation=nearest_exact)"};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
    for (int k = 0; k < 2; k++) {
      pv_pipeline *p = NULL;
      CHECK(pv_pipeline_parse(specs[i], &p) == 0);
      pv_tensor *want = p ? pv_pipeline_run(p, im[k]) : NULL;
      pv_tensor *got =
          p ? pv_pipeline_run_on_device(p, im[k], 0, g_dev, 0) : NULL;
      int64_t nd = bit_diffs(got, want);
      if (nd)
        fprintf(stderr, "resize bits: '%s' (image %d) on %s: %lld differ\n",
                specs[i], k, g_dev, (long long)nd);
      CHECK(nd == 0);
      pv_tensor_release(got);
      pv_tensor_release(want);
      pv_pipeline_free(p);
    }
  /* RESIZE nodes against the CPU op (on cpu itself, the loop above
   * compared the CPU op with pv_resize already; there, check instead that
   * the resampler's per-plane path, taken from 8 planes on, gives the bits
   * of its row-parallel path) */
  if (!strcmp(g_dev, "cpu")) {
    test_resize_planes(im[0]);
    goto done;
  }
  /* {mode, coord_mode, nearest_mode, exclude_outside, cubic_a, out h, out w,
   * user scale h, user scale w, align_corners, antialias}: torch modes
   * (coord_mode 0) the transforms do not reach, then the ONNX modes */
  static const struct {
    int mode, coord, nearest, excl;
    float a;
    int64_t oh, ow;
    double sh, sw;
    int align, aa;
  } oc[] = {{PV_RESIZE_BILINEAR, 0, 0, 0, 0, 50, 20, 0, 0, 1, 0},
            {PV_RESIZE_BILINEAR, 0, 0, 0, 0, 90, 30, 2.0, 0.5, 0, 0},
            {PV_RESIZE_BILINEAR, 0, 0, 0, 0, 17, 80, 0, 0, 1, 1},
            {PV_RESIZE_BICUBIC, 0, 0, 0, 0, 61, 13, 0, 0, 1, 0},
            {PV_RESIZE_BICUBIC, 0, 0, 0, -0.5f, 67, 91, 1.5, 1.5, 0, 0},
            {PV_RESIZE_BICUBIC, 0, 0, 0, 0, 22, 40, 0.5, 0.66, 0, 1},
            {PV_RESIZE_NEAREST, 0, 0, 0, 0, 90, 30, 2.0, 0.5, 0, 0},
            {PV_RESIZE_NEAREST_EXACT, 0, 0, 0, 0, 31, 7, 0, 0, 0, 0},
            {PV_RESIZE_NEAREST, 1, 0, 0, 0, 50, 20, 0, 0, 0, 0},
            {PV_RESIZE_NEAREST, 2, 1, 0, 0, 17, 80, 0, 0, 0, 0},
            {PV_RESIZE_NEAREST, 3, 2, 0, 0, 90, 30, 2.0, 0.5, 0, 0},
            {PV_RESIZE_NEAREST, 4, 3, 0, 0, 31, 7, 0, 0, 0, 0},
            {PV_RESIZE_NEAREST, 0, 1, 0, 0, 1, 9, 0, 0, 0, 0},
            {PV_RESIZE_BILINEAR, 1, 0, 0, 0, 50, 20, 0, 0, 0, 0},
            {PV_RESIZE_BILINEAR, 2, 0, 0, 0, 17, 80, 0, 0, 0, 0},
            {PV_RESIZE_BILINEAR, 4, 0, 0, 0, 1, 33, 0, 0, 0, 0},
            {PV_RESIZE_BICUBIC, 0, 0, 1, -0.5f, 50, 20, 0, 0, 0, 0},
            {PV_RESIZE_BICUBIC, 1, 0, 1, -0.5f, 17, 80, 0, 0, 0, 0},
            {PV_RESIZE_BICUBIC, 2, 0, 0, -0.5f, 61, 13, 0, 0, 0, 0},
            {PV_RESIZE_BICUBIC, 4, 0, 1, -0.75f, 67, 91, 1.5, 1.5, 0, 0}};
  int64_t is[4] = {1, 3, 45, 61};
  for (size_t i = 0; i < sizeof oc / sizeof *oc; i++) {
    pv_op_attrs at;
    memset(&at, 0, sizeof at);
    at.resize.mode = oc[i].mode;
    at.resize.coord_mode = oc[i].coord;
    at.resize.nearest_mode = oc[i].nearest;
    at.resize.exclude_outside = oc[i].excl;
    at.resize.cubic_a = oc[i].a;
    at.resize.size[0] = oc[i].oh;
    at.resize.size[1] = oc[i].ow;
    at.resize.scale[0] = oc[i].sh;
    at.resize.scale[1] = oc[i].sw;
    at.resize.align_corners = oc[i].align;
    at.resize.antialias = oc[i].aa;
    pv_tensor *x = pv_tensor_reshape(im[i % 2], 4, is);
    pv_graph *g = pv_graph_create();
    pv_value v = pv_graph_input(g, "x", PV_F32, 4, is);
    CHECK(pv_graph_output(
              g, "y", pv_graph_node(g, PV_OP_RESIZE, 1, &v, &at, NULL)) == 0);
    pv_tensor *got = x ? run_graph(g, g_dev, x, 1) : NULL;
    pv_tensor *want = x ? run_graph(g, "cpu", x, 1) : NULL;
    int64_t nd = bit_diffs(got, want);
    if (nd)
      fprintf(stderr, "resize bits: node case %zu on %s: %lld differ\n", i,
              g_dev, (long long)nd);
    CHECK(nd == 0);
    pv_tensor_release(got);
    pv_tensor_release(want);
    pv_graph_free(g);
    pv_tensor_release(x);
  }
done:
  pv_tensor_release(im[0]);
  pv_tensor_release(im[1]);
}

/* The goldens are ~20 MB: remove our own temporary directory. */
static int finish(void) {
  const char *tmp = pv_test_tmpdir();
  if (tmp && !strncmp(tmp, "/tmp/pvtest.", 12) && !strchr(tmp, '\'')) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
      fprintf(stderr, "note: could not remove %s\n", tmp);
  }
  return pv_test_finish("test_transforms_device");
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--device"))
      g_dev = argv[i + 1];
  if (strcmp(g_dev, "cpu") && !pv_device_find(g_dev)) {
    printf("SKIP: device %s is not present\n", g_dev);
    return PV_TEST_SKIP;
  }
  test_hwc();
  test_model();
  test_cli();
  test_resize_bits();
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  if (!src) {
    printf("SKIP golden suite: POLYVIS_SOURCE_DIR not set (run under "
           "CTest)\n");
    return finish();
  }
  if (system("/usr/bin/python3 -c 'import torchvision' 2>/dev/null") != 0) {
    printf("SKIP golden suite: /usr/bin/python3 with torchvision is not "
           "available\n");
    return finish();
  }
  const char *tmp = pv_test_tmpdir();
  const char *data = pv_test_data_dir();
  char cmd[8192];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/tests/transforms/gen_golden.py' '%s' '%s' "
           ">/dev/null 2>&1",
           src, tmp, data ? data : "");
  if (system(cmd) != 0) {
    fprintf(stderr, "golden generation failed: %s\n", cmd);
    pv_test_failures++;
    return finish();
  }
  int n = 0, skipped = 0;
  int fails = run_file(tmp, "cases.txt", &n, &skipped);
  printf("%s: %d device-executed cases, %d failed, %d within the +-1 rule, "
         "%d CPU-only cases skipped\n",
         g_dev, n, fails, n_tol_cases, skipped);
  CHECK(n > 150);
  pv_test_failures += fails;
  if (data) {
    int np = 0, ns = 0;
    int pf = run_file(tmp, "photo_cases.txt", &np, &ns);
    printf("%s: %d photo preset cases, %d failed\n", g_dev, np, pf);
    pv_test_failures += pf;
  } else
    printf("SKIP photo preset parity: shared data not found "
           "($POLYVIS_TEST_DATA)\n");
  return finish();
}
