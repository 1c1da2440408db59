/*
 * Detectors (include/polyvis/detect.h): ONNX import + compile on a device,
 * the family's preprocessing on the host, and its decoding and NMS.
 */
#include "internal.h"

#include "detect_internal.h"

#include <math.h>
#include <polyvis/detect.h>
#include <polyvis/graph.h>
#include <polyvis/models.h>
#include <polyvis/onnx.h>
#include <polyvis/transforms.h>
#include <polyvis/vision.h>
#include <stdlib.h>

struct pv_detector {
  pv_detector_kind kind;
  pv_compiled *compiled;
  int64_t in_h, in_w;        /* model input size */
  int decode_priors;         /* UltraFace without in-graph decoding */
  int out_scores, out_boxes; /* UltraFace / SSD output order */
  /* SSD head (UltraFace is one with fixed settings) */
  float mean[3], std[3];
  float *priors; /* [n_priors, 4], or NULL: decoded corners */
  int64_t n_priors;
  float var_center, var_size;
  int softmax, first_class, label_offset;
  int64_t n_classes; /* SSD score columns, from the model (-1: dynamic) */
  int bf_out[4];     /* BlazeFace: scores 512, 384; boxes 512, 384 */
  float score_thr;
  double iou_thr;
  int max_det;
  char device[48];
};

pv_detector_options pv_detector_options_default(void) {
  pv_detector_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fallback = -1;
  o.score_threshold = -1;
  o.iou_threshold = -1;
  for (int c = 0; c < 3; c++) {
    o.ssd_mean[c] = 127.0f;
    o.ssd_std[c] = 128.0f;
  }
  o.ssd_center_variance = 0.1f;
  o.ssd_size_variance = 0.2f;
  return o;
}

/* UltraFace as an SSD head: (px - 127) / 128, variances 0.1 and 0.2,
 * softmaxed scores with the background in column 0, face = label 0. */
static void ultraface_head(pv_detector *d) {
  for (int c = 0; c < 3; c++) {
    d->mean[c] = 127.0f;
    d->std[c] = 128.0f;
  }
  d->var_center = 0.1f;
  d->var_size = 0.2f;
  d->softmax = 0;
  d->first_class = 1;
  d->label_offset = -1;
}

/* The generic SSD head from the options; copies the priors. */
static int ssd_head(pv_detector *d, const pv_detector_options *o,
                    const char *path) {
  for (int c = 0; c < 3; c++) {
    d->mean[c] = o->ssd_mean[c];
    d->std[c] = o->ssd_std[c];
    if (!(d->std[c] != 0.0f))
      return pv_set_error(PV_ERR_INVALID_ARG,
                          "detector: %s: ssd std[%d] must be non-zero", path,
                          c);
  }
  d->var_center = o->ssd_center_variance;
  d->var_size = o->ssd_size_variance;
  d->softmax = o->ssd_softmax;
  d->first_class = o->ssd_no_background ? 0 : 1;
  d->label_offset = 0;
  if (!o->ssd_priors)
    return 0;
  const pv_tensor *p = o->ssd_priors;
  if (pv_tensor_dtype(p) != PV_F32 || pv_tensor_ndim(p) != 2 ||
      pv_tensor_dim(p, 1) != 4 || pv_tensor_dim(p, 0) < 1)
    return pv_set_error(PV_ERR_SHAPE,
                        "detector: %s: ssd priors must be a float32 [N, 4] "
                        "tensor (cx, cy, w, h)",
                        path);
  pv_tensor *c = pv_tensor_contiguous((pv_tensor *)p);
  if (!c)
    return pv_last_status();
  d->n_priors = pv_tensor_dim(c, 0);
  d->priors = malloc(sizeof(float) * 4 * (size_t)d->n_priors);
  if (d->priors)
    memcpy(d->priors, pv_tensor_data(c),
           sizeof(float) * 4 * (size_t)d->n_priors);
  pv_tensor_release(c);
  return d->priors ? 0 : pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
}

static int count_op(const pv_onnx_model *m, const char *op) {
  int n = 0;
  for (int i = 0; i < pv_onnx_model_num_nodes(m); i++)
    n += !strcmp(pv_onnx_node_op_type(m, i), op);
  return n;
}

static int compile_graph(pv_detector *d, pv_graph *g,
                         const pv_detector_options *o) {
  pv_compile_options co = pv_compile_options_default();
  co.device = o->device;
  co.fallback = o->fallback;
  d->compiled = pv_graph_compile(g, &co);
  if (!d->compiled)
    return pv_last_status();
  snprintf(d->device, sizeof d->device, "%s",
           pv_device_name(pv_compiled_device(d->compiled)));
  return 0;
}

/* A PyTorch checkpoint: the architecture is built in C (UltraFace RFB-320
 * only, so far). */
static pv_detector *create_from_checkpoint(const char *path,
                                           const pv_detector_options *o) {
  if (o->kind != PV_DETECTOR_AUTO && o->kind != PV_DETECTOR_ULTRAFACE) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "detector: %s: only UltraFace RFB-320 loads from a PyTorch "
                 "checkpoint",
                 path);
    return NULL;
  }
  pv_detector *d = calloc(1, sizeof *d);
  pv_graph *g = NULL;
  if (!d) {
    pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
    return NULL;
  }
  d->kind = PV_DETECTOR_ULTRAFACE;
  d->in_h = 240;
  d->in_w = 320;
  d->decode_priors = 1;
  d->out_scores = 0;
  d->out_boxes = 1;
  ultraface_head(d);
  d->score_thr = o->score_threshold >= 0 ? o->score_threshold : 0.7f;
  d->iou_thr = o->iou_threshold >= 0 ? o->iou_threshold : 0.3;
  d->max_det = o->max_detections;
  if (pv__ultraface_pth_graph(path, d->in_h, d->in_w, &g) ||
      compile_graph(d, g, o)) {
    pv_graph_free(g);
    pv_detector_free(d);
    return NULL;
  }
  pv_graph_free(g);
  return d;
}

pv_detector *pv_detector_create(const char *path,
                                const pv_detector_options *opts) {
  pv_detector_options o = pv_detector_options_default();
  if (opts)
    memcpy(&o, opts,
           opts->struct_size && opts->struct_size < sizeof o ? opts->struct_size
                                                             : sizeof o);
  if (!path) {
    pv_set_error(PV_ERR_INVALID_ARG, "detector: model path is NULL");
    return NULL;
  }
  size_t plen = strlen(path);
  if (plen > 4 &&
      (!strcmp(path + plen - 4, ".pth") || !strcmp(path + plen - 3, ".pt") ||
       !strcmp(path + plen - 3, ".th")))
    return create_from_checkpoint(path, &o);
  pv_onnx_model *m = pv_onnx_model_load(path);
  if (!m)
    return NULL;
  pv_detector *d = calloc(1, sizeof *d);
  pv_graph *g = NULL;
  if (!d) {
    pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
    goto fail;
  }
  int n_in = pv_onnx_model_num_inputs(m), n_out = pv_onnx_model_num_outputs(m);
  pv_tensor_desc in;
  if (n_in < 1 || pv_onnx_model_input_desc(m, 0, &in) || in.ndim != 4) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "detector: %s: expected one NCHW image input", path);
    goto fail;
  }
  d->kind = o.kind;
  if (d->kind == PV_DETECTOR_AUTO)
    d->kind = n_out == 2   ? PV_DETECTOR_ULTRAFACE
              : n_out == 1 ? PV_DETECTOR_YOLOX
              : n_out == 4 ? PV_DETECTOR_BLAZEFACE
                           : PV_DETECTOR_AUTO;
  if (d->kind != PV_DETECTOR_YOLOX && d->kind != PV_DETECTOR_ULTRAFACE &&
      d->kind != PV_DETECTOR_BLAZEFACE && d->kind != PV_DETECTOR_SSD) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "detector: %s: not a YOLOX, UltraFace or BlazeFace model (%d "
                 "outputs); "
                 "pass the kind explicitly",
                 path, n_out);
    goto fail;
  }
  if (d->kind == PV_DETECTOR_SSD) {
    size_t need = offsetof(pv_detector_options, ssd_no_background) +
                  sizeof o.ssd_no_background;
    if (opts && opts->struct_size && opts->struct_size < need) {
      pv_set_error(PV_ERR_INVALID_ARG,
                   "detector: %s: the ssd kind needs the ssd_* options "
                   "(struct_size %u is older)",
                   path, opts->struct_size);
      goto fail;
    }
    if (n_out != 2) {
      pv_set_error(PV_ERR_UNSUPPORTED,
                   "detector: %s: an SSD model needs two outputs, scores "
                   "[1, N, C] and boxes [1, N, 4] (it has %d)",
                   path, n_out);
      goto fail;
    }
    pv_tensor_desc o0;
    int boxes_first = !strcmp(pv_onnx_model_output_name(m, 0), "boxes") ||
                      (strcmp(pv_onnx_model_output_name(m, 1), "boxes") &&
                       !pv_onnx_model_output_desc(m, 0, &o0) && o0.ndim == 3 &&
                       o0.shape[2] == 4);
    d->out_boxes = boxes_first ? 0 : 1;
    d->out_scores = 1 - d->out_boxes;
    pv_tensor_desc sd;
    if (!pv_onnx_model_output_desc(m, d->out_scores, &sd) && sd.ndim == 3)
      d->n_classes = sd.shape[2]; /* for the label names; may be dynamic */
    if (ssd_head(d, &o, path))
      goto fail;
  }
  if (d->kind == PV_DETECTOR_BLAZEFACE) { /* NHWC [1, 128, 128, 3] */
    int64_t side = in.shape[1] > 0 ? in.shape[1] : 128;
    in.shape[2] = in.shape[3] = side;
    if (n_out != 4) {
      pv_set_error(PV_ERR_UNSUPPORTED,
                   "detector: %s: BlazeFace needs 4 outputs (scores and "
                   "regressors at 512 and 384 anchors)",
                   path);
      goto fail;
    }
    for (int i = 0; i < 4; i++) {
      pv_tensor_desc od;
      if (pv_onnx_model_output_desc(m, i, &od) || od.ndim != 3) {
        pv_set_error(PV_ERR_UNSUPPORTED,
                     "detector: %s: output %d is not [1, N, K]", path, i);
        goto fail;
      }
      int slot = (od.shape[2] == 1 ? 0 : 2) + (od.shape[1] == 384 ? 1 : 0);
      d->bf_out[slot] = i;
    }
  }
  d->in_h = in.shape[2] > 0                ? in.shape[2]
            : d->kind == PV_DETECTOR_YOLOX ? 416
            : d->kind == PV_DETECTOR_SSD   ? 300
                                           : 240;
  d->in_w = in.shape[3] > 0                ? in.shape[3]
            : d->kind == PV_DETECTOR_YOLOX ? 416
            : d->kind == PV_DETECTOR_SSD   ? 300
                                           : 320;
  if (d->kind == PV_DETECTOR_ULTRAFACE) {
    if (n_out != 2) {
      pv_set_error(PV_ERR_UNSUPPORTED,
                   "detector: %s: UltraFace needs outputs scores and boxes",
                   path);
      goto fail;
    }
    d->out_scores = strcmp(pv_onnx_model_output_name(m, 0), "boxes") ? 0 : 1;
    d->out_boxes = 1 - d->out_scores;
    /* The published model decodes priors in the graph (its only Exp). */
    d->decode_priors = count_op(m, "Exp") == 0;
    ultraface_head(d);
  }
  d->score_thr = o.score_threshold >= 0         ? o.score_threshold
                 : d->kind == PV_DETECTOR_YOLOX ? 0.3f
                 : d->kind == PV_DETECTOR_SSD   ? 0.5f
                                                : 0.7f;
  d->iou_thr = o.iou_threshold >= 0 ? o.iou_threshold
               : d->kind == PV_DETECTOR_YOLOX || d->kind == PV_DETECTOR_SSD
                   ? 0.45
                   : 0.3;
  d->max_det = o.max_detections;
  pv_onnx_options io = pv_onnx_options_default();
  pv_onnx_input_shape pin = {
      pv_onnx_model_input_name(m, 0), 4, {1, 3, d->in_h, d->in_w}};
  io.input_shapes = &pin;
  io.n_input_shapes = d->kind == PV_DETECTOR_BLAZEFACE ? 0 : 1; /* static */
  if (pv_onnx_import_model(m, &io, &g, NULL))
    goto fail;
  pv_compile_options co = pv_compile_options_default();
  co.device = o.device;
  co.fallback = o.fallback;
  d->compiled = pv_graph_compile(g, &co);
  if (!d->compiled)
    goto fail;
  snprintf(d->device, sizeof d->device, "%s",
           pv_device_name(pv_compiled_device(d->compiled)));
  pv_graph_free(g);
  pv_onnx_model_free(m);
  return d;
fail:
  pv_graph_free(g);
  pv_onnx_model_free(m);
  pv_detector_free(d);
  return NULL;
}

void pv_detector_free(pv_detector *d) {
  if (!d)
    return;
  pv_compiled_free(d->compiled);
  free(d->priors);
  free(d);
}

pv_detector_kind pv_detector_get_kind(const pv_detector *d) {
  return d ? d->kind : PV_DETECTOR_AUTO;
}

const char *pv_detector_device_name(const pv_detector *d) {
  return d ? d->device : NULL;
}

const char *pv_detector_label_name(const pv_detector *d, int label) {
  if (!d)
    return NULL;
  if (d->kind == PV_DETECTOR_ULTRAFACE || d->kind == PV_DETECTOR_BLAZEFACE)
    return label == 0 ? "face" : NULL;
  if (d->kind == PV_DETECTOR_SSD) /* torchvision's SSDs: COCO-91 columns */
    return d->n_classes == 91 ? pv_categories_name(PV_CATEGORIES_COCO91, label)
                              : NULL;
  return pv_categories_name(PV_CATEGORIES_COCO80, label);
}

/* --- preprocessing ---------------------------------------------------------
 */

/* The image as float32 RGB CHW (gray is repeated), resized to h x w with
 * bilinear interpolation (half-pixel centres, no antialias: cv2's
 * INTER_LINEAR, which both families' demos use). */
static pv_tensor *rgb_resized(const pv_tensor *img, int64_t h, int64_t w) {
  if (!img || pv_tensor_dtype(img) != PV_U8 || pv_tensor_ndim(img) != 3 ||
      (pv_tensor_dim(img, 0) != 1 && pv_tensor_dim(img, 0) != 3) ||
      pv_tensor_dim(img, 1) < 1 || pv_tensor_dim(img, 2) < 1) {
    pv_set_error(PV_ERR_SHAPE,
                 "detector: the image must be a CHW uint8 tensor with 1 or 3 "
                 "channels");
    return NULL;
  }
  pv_tensor *f = pv_tensor_cast(img, PV_F32);
  if (!f)
    return NULL;
  int64_t size[2] = {h, w};
  pv_tensor *r = pv_resize(f, 2, size, PV_RESIZE_BILINEAR, 0, 0);
  pv_tensor_release(f);
  return r;
}

/* Channel c of the resized image (gray images have one). */
static const float *plane(const pv_tensor *r, int c) {
  int64_t ch = pv_tensor_dim(r, 0),
          hw = pv_tensor_dim(r, 1) * pv_tensor_dim(r, 2);
  return (const float *)pv_tensor_data(r) + (ch == 1 ? 0 : c) * hw;
}

/* --- decoding --------------------------------------------------------------
 */

static int cmp_det(const void *a, const void *b) {
  float x = ((const pv_detection *)a)->score,
        y = ((const pv_detection *)b)->score;
  return x > y ? -1 : x < y;
}

/* Keeps candidates[] by (class-aware) NMS into *out, sorted by score. */
static int finish(pv_detector *d, pv_detection *cand, int64_t n,
                  pv_detection **out, int *n_out) {
  *out = NULL;
  *n_out = 0;
  int64_t bs[2] = {n, 4}, ss[1] = {n};
  pv_tensor *b = pv_tensor_create(PV_F32, 2, bs);
  pv_tensor *s = pv_tensor_create(PV_F32, 1, ss);
  pv_tensor *c = pv_tensor_create(PV_I64, 1, ss);
  pv_tensor *keep = NULL;
  int rc = 0;
  if (!b || !s || !c) {
    rc = pv_last_status();
    goto done;
  }
  for (int64_t i = 0; i < n; i++) {
    memcpy((float *)pv_tensor_data(b) + 4 * i, cand[i].box, sizeof(float) * 4);
    ((float *)pv_tensor_data(s))[i] = cand[i].score;
    ((int64_t *)pv_tensor_data(c))[i] = cand[i].label;
  }
  keep = pv_batched_nms(b, s, c, d->iou_thr);
  if (!keep) {
    rc = pv_last_status();
    goto done;
  }
  int64_t k = pv_tensor_numel(keep);
  if (d->max_det > 0 && k > d->max_det)
    k = d->max_det;
  pv_detection *r = malloc(sizeof *r * (size_t)(k + 1));
  if (!r) {
    rc = pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
    goto done;
  }
  for (int64_t i = 0; i < k; i++)
    r[i] = cand[((const int64_t *)pv_tensor_data(keep))[i]];
  qsort(r, (size_t)k, sizeof *r, cmp_det);
  *out = r;
  *n_out = (int)k;
done:
  pv_tensor_release(b);
  pv_tensor_release(s);
  pv_tensor_release(c);
  pv_tensor_release(keep);
  return rc;
}

static int run_graph(pv_detector *d, pv_tensor *x, int n_out, pv_tensor **y) {
  for (int i = 0; i < n_out; i++)
    y[i] = NULL;
  int rc = pv_compiled_run(d->compiled, 1, &x, n_out, y);
  for (int i = 0; i < n_out && !rc; i++) {
    if (pv_tensor_device(y[i])) { /* read device outputs back */
      pv_tensor *h = pv_tensor_to(y[i], NULL);
      pv_tensor_release(y[i]);
      y[i] = h;
    }
    pv_tensor *c = y[i] ? pv_tensor_contiguous(y[i]) : NULL;
    pv_tensor_release(y[i]);
    y[i] = c;
    if (!c || pv_tensor_dtype(c) != PV_F32)
      rc = c ? pv_set_error(PV_ERR_DTYPE, "detector: output %d is not float32",
                            i)
             : pv_last_status();
  }
  return rc;
}

static int run_yolox(pv_detector *d, const pv_tensor *img, pv_detection **out,
                     int *n_out) {
  int64_t H = pv_tensor_dim(img, 1), W = pv_tensor_dim(img, 2);
  double r = fmin((double)d->in_h / (double)H, (double)d->in_w / (double)W);
  int64_t nh = (int64_t)((double)H * r), nw = (int64_t)((double)W * r);
  nh = nh < 1 ? 1 : nh;
  nw = nw < 1 ? 1 : nw;
  pv_tensor *rs = rgb_resized(img, nh, nw);
  if (!rs)
    return pv_last_status();
  int64_t xs[4] = {1, 3, d->in_h, d->in_w};
  pv_tensor *x = pv_tensor_create(PV_F32, 4, xs);
  if (!x) {
    pv_tensor_release(rs);
    return pv_last_status();
  }
  float *xd = pv_tensor_data(x);
  int64_t hw = d->in_h * d->in_w;
  for (int64_t i = 0; i < 3 * hw; i++)
    xd[i] = 114.0f;             /* letterbox padding, bottom and right */
  for (int c = 0; c < 3; c++) { /* BGR, rounded to uint8 as cv2 stores it */
    const float *src = plane(rs, 2 - c);
    for (int64_t y = 0; y < nh; y++)
      for (int64_t xx = 0; xx < nw; xx++) {
        float v = nearbyintf(src[y * nw + xx]);
        xd[c * hw + y * d->in_w + xx] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
  }
  pv_tensor_release(rs);
  pv_tensor *y = NULL;
  int rc = run_graph(d, x, 1, &y);
  pv_tensor_release(x);
  if (rc) {
    pv_tensor_release(y);
    return rc;
  }
  int64_t n = pv_tensor_ndim(y) == 3 ? pv_tensor_dim(y, 1) : 0,
          k = pv_tensor_ndim(y) == 3 ? pv_tensor_dim(y, 2) : 0;
  int64_t expect = 0;
  static const int strides[3] = {8, 16, 32};
  for (int s = 0; s < 3; s++)
    expect += (d->in_h / strides[s]) * (d->in_w / strides[s]);
  if (n != expect || k < 6) {
    pv_tensor_release(y);
    return pv_set_error(PV_ERR_SHAPE,
                        "detector: YOLOX output must be [1, %lld, 5 + "
                        "classes], got %lld x %lld",
                        (long long)expect, (long long)n, (long long)k);
  }
  const float *o = pv_tensor_data(y);
  pv_detection *cand = malloc(sizeof *cand * (size_t)(n + 1));
  if (!cand) {
    pv_tensor_release(y);
    return pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
  }
  int64_t m = 0, row = 0;
  for (int s = 0; s < 3; s++) {
    int64_t gh = d->in_h / strides[s], gw = d->in_w / strides[s];
    for (int64_t gy = 0; gy < gh; gy++)
      for (int64_t gx = 0; gx < gw; gx++, row++) {
        const float *p = o + row * k;
        int best = 0;
        for (int c = 1; c < k - 5; c++)
          if (p[5 + c] > p[5 + best])
            best = c;
        float score = p[4] * p[5 + best];
        if (!(score >= d->score_thr))
          continue;
        float cx = (p[0] + (float)gx) * (float)strides[s];
        float cy = (p[1] + (float)gy) * (float)strides[s];
        float w = expf(p[2]) * (float)strides[s];
        float h = expf(p[3]) * (float)strides[s];
        pv_detection *dd = &cand[m++];
        dd->box[0] = (float)((cx - 0.5f * w) / r);
        dd->box[1] = (float)((cy - 0.5f * h) / r);
        dd->box[2] = (float)((cx + 0.5f * w) / r);
        dd->box[3] = (float)((cy + 0.5f * h) / r);
        dd->score = score;
        dd->label = best;
      }
  }
  pv_tensor_release(y);
  rc = finish(d, cand, m, out, n_out);
  free(cand);
  return rc;
}

/* UltraFace's SSD priors (cx, cy, w, h in [0, 1]) for its input size, in
 * the order of the model's outputs. */
static int64_t ultraface_priors(int64_t W, int64_t H, float *pri, int64_t cap) {
  static const int strides[4] = {8, 16, 32, 64};
  static const float min_boxes[4][3] = {
      {10, 16, 24}, {32, 48, 0}, {64, 96, 0}, {128, 192, 256}};
  int64_t n = 0;
  for (int s = 0; s < 4; s++) {
    int64_t fw = (W + strides[s] - 1) / strides[s],
            fh = (H + strides[s] - 1) / strides[s];
    /* Centres divide by the feature-map size (ceil(W / stride)), which is
     * what the published graph bakes in: with 240 rows, stride 32 gives 8
     * rows, not 7.5, and the two UltraFace exports then agree to 1e-7. */
    float sw = (float)fw, sh = (float)fh;
    for (int64_t j = 0; j < fh; j++)
      for (int64_t i = 0; i < fw; i++)
        for (int b = 0; b < 3 && min_boxes[s][b] > 0; b++) {
          if (n >= cap)
            return -1;
          float *p = pri + 4 * n++;
          p[0] = ((float)i + 0.5f) / sw;
          p[1] = ((float)j + 0.5f) / sh;
          p[2] = min_boxes[s][b] / (float)W;
          p[3] = min_boxes[s][b] / (float)H;
          for (int q = 0; q < 4; q++)
            p[q] = p[q] < 0 ? 0 : p[q] > 1 ? 1 : p[q];
        }
  }
  return n;
}

/* An SSD head (UltraFace, or PV_DETECTOR_SSD with the options' settings):
 * resize, (px - mean) / std, run, then per prior and class a candidate above
 * the score threshold, its box decoded from the prior when there are
 * priors, and class-aware NMS. */
static int run_ssd(pv_detector *d, const pv_tensor *img, pv_detection **out,
                   int *n_out) {
  int64_t H = pv_tensor_dim(img, 1), W = pv_tensor_dim(img, 2);
  pv_tensor *rs = rgb_resized(img, d->in_h, d->in_w);
  if (!rs)
    return pv_last_status();
  int64_t xs[4] = {1, 3, d->in_h, d->in_w}, hw = d->in_h * d->in_w;
  pv_tensor *x = pv_tensor_create(PV_F32, 4, xs);
  if (!x) {
    pv_tensor_release(rs);
    return pv_last_status();
  }
  float *xd = pv_tensor_data(x);
  for (int c = 0; c < 3; c++) {
    const float *src = plane(rs, c);
    for (int64_t i = 0; i < hw; i++) {
      float v = nearbyintf(src[i]);
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      xd[c * hw + i] = (v - d->mean[c]) / d->std[c];
    }
  }
  pv_tensor_release(rs);
  pv_tensor *y[2];
  int rc = run_graph(d, x, 2, y);
  pv_tensor_release(x);
  pv_tensor *sc = rc ? NULL : y[d->out_scores],
            *bx = rc ? NULL : y[d->out_boxes];
  int64_t n = sc && pv_tensor_ndim(sc) == 3 ? pv_tensor_dim(sc, 1) : -1;
  int64_t nc = n >= 0 ? pv_tensor_dim(sc, 2) : 0;
  const char *fam = d->kind == PV_DETECTOR_SSD ? "SSD" : "UltraFace";
  if (!rc && (n < 0 || nc < 1 || pv_tensor_ndim(bx) != 3 ||
              pv_tensor_dim(bx, 1) != n || pv_tensor_dim(bx, 2) != 4 ||
              (d->kind == PV_DETECTOR_ULTRAFACE && nc != 2) || nc > INT32_MAX))
    rc = pv_set_error(PV_ERR_SHAPE,
                      "detector: %s outputs must be scores [1, N, %s] and "
                      "boxes [1, N, 4]",
                      fam, d->kind == PV_DETECTOR_ULTRAFACE ? "2" : "C");
  float *pri = d->priors, *own = NULL;
  if (!rc && d->kind == PV_DETECTOR_ULTRAFACE && d->decode_priors) {
    pri = own = malloc(sizeof(float) * 4 * (size_t)(n + 1));
    if (!pri)
      rc = pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
    else if (ultraface_priors(d->in_w, d->in_h, pri, n) != n)
      rc = pv_set_error(PV_ERR_SHAPE,
                        "detector: UltraFace has %lld boxes but its %lldx%lld "
                        "input gives a different number of priors",
                        (long long)n, (long long)d->in_w, (long long)d->in_h);
  } else if (!rc && pri && d->n_priors != n) {
    rc = pv_set_error(PV_ERR_SHAPE,
                      "detector: the model has %lld boxes but %lld priors "
                      "were given",
                      (long long)n, (long long)d->n_priors);
  }
  pv_detection *cand = NULL;
  float *prob = NULL;
  int64_t cap = n * (nc > d->first_class ? nc - d->first_class : 1);
  if (!rc && (!(cand = malloc(sizeof *cand * (size_t)(cap + 1))) ||
              !(prob = malloc(sizeof(float) * (size_t)(nc + 1)))))
    rc = pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
  int64_t m = 0;
  for (int64_t i = 0; !rc && i < n; i++) {
    const float *row = (const float *)pv_tensor_data(sc) + nc * i;
    memcpy(prob, row, sizeof(float) * (size_t)nc);
    if (d->softmax) {
      float mx = prob[0], sum = 0;
      for (int64_t c = 1; c < nc; c++)
        mx = prob[c] > mx ? prob[c] : mx;
      for (int64_t c = 0; c < nc; c++)
        sum += prob[c] = expf(prob[c] - mx);
      for (int64_t c = 0; c < nc; c++)
        prob[c] /= sum;
    }
    const float *l = (const float *)pv_tensor_data(bx) + 4 * i;
    float x0 = l[0], y0 = l[1], x1 = l[2], y1 = l[3];
    if (pri) { /* SSD decoding with the centre and size variances */
      const float *p = pri + 4 * i;
      float cx = l[0] * d->var_center * p[2] + p[0],
            cy = l[1] * d->var_center * p[3] + p[1];
      float w = expf(l[2] * d->var_size) * p[2],
            h = expf(l[3] * d->var_size) * p[3];
      x0 = cx - w / 2, y0 = cy - h / 2, x1 = cx + w / 2, y1 = cy + h / 2;
    }
    for (int64_t c = d->first_class; c < nc; c++) {
      float score = prob[c];
      if (!(score > d->score_thr))
        continue;
      pv_detection *dd = &cand[m++];
      dd->box[0] = x0 * (float)W;
      dd->box[1] = y0 * (float)H;
      dd->box[2] = x1 * (float)W;
      dd->box[3] = y1 * (float)H;
      dd->score = score;
      dd->label = (int32_t)(c + d->label_offset);
    }
  }
  if (!rc)
    rc = finish(d, cand, m, out, n_out);
  free(cand);
  free(prob);
  free(own);
  pv_tensor_release(y[0]);
  pv_tensor_release(y[1]);
  return rc;
}

/* MediaPipe's SSD anchors for the short-range front model: strides 8, 16,
 * 16, 16 (layers of one stride merged), two anchors per layer and cell
 * (aspect 1 and the interpolated scale), fixed unit size, offset 0.5. */
static int64_t blazeface_anchors(int64_t in, float *anc, int64_t cap) {
  static const int strides[4] = {8, 16, 16, 16};
  int64_t n = 0;
  for (int l = 0; l < 4;) {
    int per = 0, l2 = l;
    while (l2 < 4 && strides[l2] == strides[l]) {
      per += 2;
      l2++;
    }
    int64_t f = (in + strides[l] - 1) / strides[l];
    for (int64_t y = 0; y < f; y++)
      for (int64_t x = 0; x < f; x++)
        for (int a = 0; a < per; a++) {
          if (n >= cap)
            return -1;
          anc[2 * n] = ((float)x + 0.5f) / (float)f;
          anc[2 * n + 1] = ((float)y + 0.5f) / (float)f;
          n++;
        }
    l = l2;
  }
  return n;
}

static int run_blazeface(pv_detector *d, const pv_tensor *img,
                         pv_detection **out, int *n_out) {
  int64_t H = pv_tensor_dim(img, 1), W = pv_tensor_dim(img, 2);
  pv_tensor *rs = rgb_resized(img, d->in_h, d->in_w);
  if (!rs)
    return pv_last_status();
  int64_t xs[4] = {1, d->in_h, d->in_w, 3}, hw = d->in_h * d->in_w;
  pv_tensor *x = pv_tensor_create(PV_F32, 4, xs);
  if (!x) {
    pv_tensor_release(rs);
    return pv_last_status();
  }
  float *xd = pv_tensor_data(x);
  for (int c = 0; c < 3; c++) { /* NHWC, RGB in [-1, 1] */
    const float *src = plane(rs, c);
    for (int64_t i = 0; i < hw; i++) {
      float v = nearbyintf(src[i]);
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      xd[i * 3 + c] = v / 127.5f - 1.0f;
    }
  }
  pv_tensor_release(rs);
  pv_tensor *y[4];
  int rc = run_graph(d, x, 4, y);
  pv_tensor_release(x);
  float anc[2 * 1024];
  int64_t na = blazeface_anchors(d->in_w, anc, 1024);
  pv_detection *cand = NULL;
  int64_t m = 0;
  if (!rc && (na != pv_tensor_dim(y[d->bf_out[0]], 1) +
                        pv_tensor_dim(y[d->bf_out[1]], 1) ||
              pv_tensor_dim(y[d->bf_out[2]], 2) < 4))
    rc = pv_set_error(PV_ERR_SHAPE,
                      "detector: BlazeFace outputs do not match the %lld "
                      "anchors of a %lldx%lld input",
                      (long long)na, (long long)d->in_w, (long long)d->in_h);
  if (!rc && !(cand = malloc(sizeof *cand * (size_t)(na + 1))))
    rc = pv_set_error(PV_ERR_NOMEM, "detector: out of memory");
  for (int part = 0, base = 0; !rc && part < 2; part++) {
    const pv_tensor *sc = y[d->bf_out[part]], *rg = y[d->bf_out[2 + part]];
    int64_t n = pv_tensor_dim(sc, 1), k = pv_tensor_dim(rg, 2);
    for (int64_t i = 0; i < n; i++) {
      float logit = ((const float *)pv_tensor_data(sc))[i];
      logit = logit < -100 ? -100 : logit > 100 ? 100 : logit;
      float score = 1.0f / (1.0f + expf(-logit));
      if (!(score >= d->score_thr))
        continue;
      const float *r = (const float *)pv_tensor_data(rg) + i * k;
      const float *a = anc + 2 * (base + i);
      float s = (float)d->in_w;
      float cx = r[0] / s + a[0], cy = r[1] / s + a[1];
      float w = r[2] / s, h = r[3] / s;
      pv_detection *dd = &cand[m++];
      dd->box[0] = (cx - w / 2) * (float)W;
      dd->box[1] = (cy - h / 2) * (float)H;
      dd->box[2] = (cx + w / 2) * (float)W;
      dd->box[3] = (cy + h / 2) * (float)H;
      dd->score = score;
      dd->label = 0;
    }
    base += (int)n;
  }
  if (!rc)
    rc = finish(d, cand, m, out, n_out);
  free(cand);
  for (int i = 0; i < 4; i++)
    pv_tensor_release(y[i]);
  return rc;
}

int pv_detector_run(pv_detector *d, const pv_tensor *image, pv_detection **dets,
                    int *n) {
  if (!d || !image || !dets || !n)
    return pv_set_error(PV_ERR_INVALID_ARG, "detector_run: NULL argument");
  *dets = NULL;
  *n = 0;
  if (d->kind == PV_DETECTOR_BLAZEFACE)
    return run_blazeface(d, image, dets, n);
  return d->kind == PV_DETECTOR_YOLOX ? run_yolox(d, image, dets, n)
                                      : run_ssd(d, image, dets, n);
}
