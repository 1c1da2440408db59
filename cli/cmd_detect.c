/* polyvis detect --model FILE.onnx IMAGE... [-o OUT | --output-dir DIR]
 * [--kind K] [--json] [--device D] [--no-fallback] [--score-thresh T]
 * [--iou-thresh T] [--no-exif] */
#include "cli.h"

#include <polyvis/detect.h>
#include <polyvis/draw.h>
#include <polyvis/image.h>
#include <time.h>

static void help(FILE *f) {
  fprintf(
      f,
      "usage: polyvis detect --model FILE.onnx IMAGE... [-o OUT.png | "
      "--output-dir DIR]\n"
      "                      [--format yolox|ultraface|blazeface|ssd] "
      "[--labels FILE] [--json] [--device D]\n"
      "                      [--no-fallback] [--score-thresh T] "
      "[--iou-thresh T] [--no-exif]\n\n"
      "Detects objects (YOLOX, COCO-80) or faces (UltraFace) with a "
      "pretrained\n"
      "ONNX model, using the preprocessing and decoding the model was "
      "trained\n"
      "with. Boxes are in the image's pixels; EXIF orientation is applied "
      "first\n"
      "(--no-exif to keep the stored pixels).\n"
      "  -o, --output PATH   the annotated image (one input image only)\n"
      "  --output-dir DIR    one annotated <name>.png per image\n"
      "  --format K          yolox, ultraface, blazeface or ssd (default: "
      "from the\n"
      "                      model; --kind too)\n"
      "  ssd: a scores [1,N,C] + boxes [1,N,4] head, class 0 the background\n"
      "  --priors P.npy      [N,4] priors (cx,cy,w,h in [0,1]): boxes are raw\n"
      "                      regressions (default: decoded corners in [0,1])\n"
      "  --variances C,S     SSD centre and size variances (0.1,0.2)\n"
      "  --mean M[,M,M] --std S[,S,S]  input (px - mean) / std (127, 128)\n"
      "  --softmax           the scores are logits\n"
      "  --no-background     column 0 is a class\n"
      "  --labels FILE       class names, one per line (default: built in)\n"
      "  --score T           drop detections below T (YOLOX 0.3, UltraFace "
      "0.7, SSD 0.5)\n"
      "  --iou T             NMS IoU threshold (YOLOX and SSD 0.45, "
      "UltraFace 0.3)\n"
      "  --json              [{\"image\",\"width\",\"height\",\"detections\":\n"
      "                      [{\"box\":[x1,y1,x2,y2],\"score\",\"class_id\","
      "\"label\"}]}]\n");
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* --labels FILE: one class name per line, overriding the built-in list. */
static char **g_labels;
static int g_n_labels;

static int load_labels(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return pv_set_error(PV_ERR_IO, "cannot read labels %s", path);
  char line[256];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char **n = realloc(g_labels, sizeof *n * (size_t)(g_n_labels + 1));
    if (!n)
      break;
    g_labels = n;
    g_labels[g_n_labels++] = strdup(line);
  }
  fclose(f);
  return 0;
}

static const char *label_of(const pv_detector *d, int k) {
  if (g_labels)
    return k >= 0 && k < g_n_labels ? g_labels[k] : NULL;
  return pv_detector_label_name(d, k);
}

static int annotate(const pv_detector *d, const pv_tensor *img,
                    const pv_detection *det, int n, const char *path) {
  int64_t s[2] = {n, 4};
  pv_tensor *boxes = pv_tensor_create(PV_F32, 2, s);
  char(*text)[64] = calloc((size_t)n + 1, sizeof *text);
  const char **labels = calloc((size_t)n + 1, sizeof *labels);
  pv_color *colors = calloc((size_t)n + 1, sizeof *colors);
  int rc = -1;
  if (boxes && text && labels && colors) {
    for (int i = 0; i < n; i++) {
      memcpy((float *)pv_tensor_data(boxes) + 4 * i, det[i].box,
             sizeof(float) * 4);
      const char *nm = label_of(d, det[i].label);
      snprintf(text[i], sizeof text[i], "%s %.2f", nm ? nm : "?", det[i].score);
      labels[i] = text[i];
      colors[i] = pv_color_palette(det[i].label + 1);
    }
    pv_draw_boxes_options o;
    memset(&o, 0, sizeof o);
    o.labels = labels;
    o.colors = colors;
    o.n_colors = n;
    o.width = 3;
    o.font_size = 22;
    pv_tensor *drawn = pv_draw_bounding_boxes(img, boxes, &o);
    if (drawn) {
      rc = pv_write_png(drawn, path, 6);
      pv_tensor_release(drawn);
    }
  }
  pv_tensor_release(boxes);
  free(text);
  free(labels);
  free(colors);
  return rc;
}

static int run(int argc, char **argv) {
  const char *model = NULL, *out = NULL, *out_dir = NULL, *device = NULL;
  const char *images[256], *labels_path = NULL;
  int n_images = 0, json = 0, verbose = 0;
  unsigned flags = PV_DECODE_EXIF_ORIENTATION;
  pv_detector_options o = pv_detector_options_default();
  const char *priors_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    if (!strcmp(a, "--model") || !strcmp(a, "-m")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "--model needs a path");
      model = argv[i];
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "%s needs a path", a);
      out = argv[i];
    } else if (!strcmp(a, "--output-dir")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "--output-dir needs a directory");
      out_dir = argv[i];
    } else if (!strcmp(a, "--kind") || !strcmp(a, "--format")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "%s needs yolox or ultraface", a);
      if (!strcmp(argv[i], "ssd"))
        o.kind = PV_DETECTOR_SSD;
      else if (!strcmp(argv[i], "yolox"))
        o.kind = PV_DETECTOR_YOLOX;
      else if (!strcmp(argv[i], "ultraface"))
        o.kind = PV_DETECTOR_ULTRAFACE;
      else if (!strcmp(argv[i], "blazeface"))
        o.kind = PV_DETECTOR_BLAZEFACE;
      else
        return pv_cli_usage("detect", "unknown kind '%s'", argv[i]);
    } else if (!strcmp(a, "--labels")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "--labels needs a file");
      labels_path = argv[i];
    } else if (!strcmp(a, "--score-thresh") || !strcmp(a, "--iou-thresh") ||
               !strcmp(a, "--score") || !strcmp(a, "--iou")) {
      char *end;
      if (++i >= argc)
        return pv_cli_usage("detect", "%s needs a number", a);
      double v = strtod(argv[i], &end);
      if (*end || !(v >= 0 && v <= 1))
        return pv_cli_usage("detect", "%s takes a number in [0, 1]", a);
      if (a[2] == 's')
        o.score_threshold = (float)v; /* --score, --score-thresh */
      else
        o.iou_threshold = v;
    } else if (!strcmp(a, "--priors")) {
      if (++i >= argc)
        return pv_cli_usage("detect", "--priors needs an .npy file");
      priors_path = argv[i];
    } else if (!strcmp(a, "--mean") || !strcmp(a, "--std") ||
               !strcmp(a, "--variances")) {
      float v[3];
      int want = a[2] == 'v' ? 2 : 3, got = 0;
      if (++i >= argc)
        return pv_cli_usage("detect", "%s needs numbers", a);
      for (char *p = argv[i], *end; *p && got < want; p = end) {
        v[got++] = strtof(p, &end);
        if (end == p || (*end && *end != ','))
          return pv_cli_usage("detect", "%s: bad list '%s'", a, argv[i]);
        if (*end)
          end++;
      }
      if (got == 1 && want == 3)
        v[1] = v[2] = v[0];
      else if (got != want)
        return pv_cli_usage("detect", "%s takes %d comma-separated numbers", a,
                            want);
      if (want == 2) {
        o.ssd_center_variance = v[0];
        o.ssd_size_variance = v[1];
      } else {
        memcpy(a[2] == 'm' ? o.ssd_mean : o.ssd_std, v, sizeof v);
      }
    } else if (!strcmp(a, "--softmax")) {
      o.ssd_softmax = 1;
    } else if (!strcmp(a, "--no-background")) {
      o.ssd_no_background = 1;
    } else if (!strcmp(a, "--no-exif")) {
      flags = 0;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (a[0] == '-' && a[1]) {
      return pv_cli_usage("detect", "unknown option '%s'", a);
    } else if (n_images < 256) {
      images[n_images++] = a;
    } else {
      return pv_cli_usage("detect", "at most 256 images per call");
    }
  }
  if (!model)
    return pv_cli_usage("detect", "missing --model FILE.onnx");
  if (!n_images)
    return pv_cli_usage("detect", "missing IMAGE");
  if (out && n_images > 1)
    return pv_cli_usage("detect", "-o takes one image; use --output-dir");
  if (labels_path && load_labels(labels_path))
    return pv_cli_fail("detect", "--labels");
  o.device = device;
  pv_tensor *priors = NULL;
  if (priors_path && !(priors = pv_npy_load(priors_path)))
    return pv_cli_fail("detect", "--priors");
  o.ssd_priors = priors;
  pv_detector *d = pv_detector_create(model, &o);
  pv_tensor_release(priors); /* the detector keeps a copy */
  if (!d)
    return pv_cli_fail("detect", "cannot load the detector");
  int rc = PV_EXIT_OK;
  if (json)
    printf("[");
  for (int k = 0; k < n_images && rc == PV_EXIT_OK; k++) {
    pv_tensor *img = pv_read_image(images[k], PV_IMAGE_RGB, flags);
    pv_detection *det = NULL;
    int n = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!img || pv_detector_run(d, img, &det, &n)) {
      pv_tensor_release(img);
      rc = pv_cli_fail("detect", images[k]);
      break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    char path[4096];
    const char *dst = out;
    if (out_dir) {
      const char *b = base_name(images[k]);
      const char *dot = strrchr(b, '.');
      int len = dot ? (int)(dot - b) : (int)strlen(b);
      snprintf(path, sizeof path, "%s/%.*s.png", out_dir, len, b);
      dst = path;
    }
    if (dst && annotate(d, img, det, n, dst)) {
      free(det);
      pv_tensor_release(img);
      rc = pv_cli_fail("detect", "cannot write the annotated image");
      break;
    }
    if (json) {
      printf("%s{\"image\":", k ? "," : "");
      pv_cli_json_str(stdout, images[k]);
      printf(",\"width\":%lld,\"height\":%lld,\"device\":",
             (long long)pv_tensor_dim(img, 2),
             (long long)pv_tensor_dim(img, 1));
      pv_cli_json_str(stdout, pv_detector_device_name(d));
      printf(",\"ms\":%.3f,\"detections\":[", ms);
      for (int i = 0; i < n; i++) {
        printf("%s{\"box\":[%.1f,%.1f,%.1f,%.1f],\"score\":%.4f,"
               "\"class_id\":%d,\"label\":",
               i ? "," : "", det[i].box[0], det[i].box[1], det[i].box[2],
               det[i].box[3], det[i].score, det[i].label);
        pv_cli_json_str(stdout, label_of(d, det[i].label));
        printf("}");
      }
      printf("]}");
    } else {
      printf("%s: %d detection(s) on %s in %.1f ms%s%s\n", images[k], n,
             pv_detector_device_name(d), ms, dst ? " -> " : "", dst ? dst : "");
      for (int i = 0; i < n; i++)
        printf("  %-14s %.3f  [%.0f, %.0f, %.0f, %.0f]\n",
               label_of(d, det[i].label), det[i].score, det[i].box[0],
               det[i].box[1], det[i].box[2], det[i].box[3]);
    }
    free(det);
    pv_tensor_release(img);
  }
  if (json && rc == PV_EXIT_OK)
    printf("]\n");
  pv_detector_free(d);
  for (int i = 0; i < g_n_labels; i++)
    free(g_labels[i]);
  free(g_labels);
  g_labels = NULL;
  g_n_labels = 0;
  return rc;
}

const pv_cli_command pv_cmd_detect = {
    "detect", "detect objects or faces with an ONNX model", run, help};
