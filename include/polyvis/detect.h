/*
 * polyvis detectors: pretrained ONNX detection models run end to end on any
 * device, from a decoded image to boxes in the image's own pixel
 * coordinates. The preprocessing (resize, letterbox, channel order, scaling)
 * and the decoding (anchor-free grids, SSD priors, per-class NMS) are the
 * ones each model was trained with, so the numbers match their reference
 * demos; the model graph runs through the ONNX importer on the chosen
 * device.
 *
 * Supported families:
 *   - YOLOX (e.g. yolox_nano.onnx, COCO-80): letterbox to the model's input
 *     size with pad value 114 at the bottom/right, BGR, raw 0-255; outputs
 *     decoded on the stride 8/16/32 grids; score = objectness * class.
 *   - UltraFace (RFB-320 / slim, faces): resize to the input size, RGB,
 *     (px - 127) / 128; boxes either decoded in the graph (the published
 *     `.onnx`) or raw regressions decoded here with the model's SSD priors
 *     (`_without_postprocessing.onnx`).
 *   - SSD (any single-shot detector with a scores [1, N, C] and a boxes
 *     [1, N, 4] output): resize to the input size, RGB, (px - mean) / std
 *     per channel; scores are class probabilities (or logits with
 *     ssd_softmax) with class 0 the background; boxes are either decoded
 *     corners in [0, 1] or, given the model's priors, raw regressions
 *     decoded with the SSD variances. Labels are the score columns' indices
 *     (COCO-91 names when C is 91). UltraFace is this family with its own
 *     priors and preprocessing built in.
 *   - BlazeFace (MediaPipe short-range front model, 128x128 NHWC): resize to
 *     128x128, RGB in [-1, 1]; the 896 SSD anchors of MediaPipe's
 *     calculator (strides 8/16/16/16, fixed size, offset 0.5) decode the
 *     16-value regressors; score = sigmoid(logit clamped to +-100).
 */
#ifndef POLYVIS_DETECT_H
#define POLYVIS_DETECT_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_detector pv_detector;

typedef enum pv_detector_kind {
  PV_DETECTOR_AUTO = 0, /* from the model's inputs and outputs */
  PV_DETECTOR_YOLOX = 1,
  PV_DETECTOR_ULTRAFACE = 2,
  PV_DETECTOR_BLAZEFACE = 3,
  PV_DETECTOR_SSD = 4 /* never chosen by AUTO: UltraFace has the same shape */
} pv_detector_kind;

typedef struct pv_detector_options {
  uint32_t struct_size;
  pv_detector_kind kind;
  const char *device; /* NULL: auto (POLYVIS_DEVICE) */
  int fallback;       /* -1: POLYVIS_FALLBACK; 0 strict; 1 allow CPU ops */
  /* Detections below this score are dropped before NMS; < 0: the family's
   * default (YOLOX 0.3, UltraFace 0.7, BlazeFace 0.75, as their demos). */
  float score_threshold;
  /* IoU above which NMS suppresses a box; < 0: the family's default
   * (YOLOX 0.45 per class, UltraFace and BlazeFace 0.3). A double, as
   * torchvision compares IoUs with it. */
  double iou_threshold;
  int max_detections; /* 0: no limit */

  /* PV_DETECTOR_SSD only (read when struct_size covers them). */
  float ssd_mean[3], ssd_std[3]; /* on 0-255 pixels; default 127 and 128 */
  /* [N, 4] float32 priors (cx, cy, w, h in [0, 1]) in the order of the
   * model's boxes, copied at create; NULL: the boxes are decoded corners. */
  const pv_tensor *ssd_priors;
  float ssd_center_variance, ssd_size_variance; /* default 0.1 and 0.2 */
  int ssd_softmax;       /* the scores are logits: softmax over classes */
  int ssd_no_background; /* column 0 is a class, not the background */
} pv_detector_options;

/* Defaults: auto kind and device, family thresholds. */
PV_API pv_detector_options pv_detector_options_default(void);

/* One detection: an xyxy box in the input image's pixels. */
typedef struct pv_detection {
  float box[4];
  float score;
  int32_t label; /* class index (COCO-80 for YOLOX, 0 = face for UltraFace,
                    the score column for SSD) */
} pv_detection;

/* Loads an ONNX detector, recognises (or is told) its family, and compiles
 * it for the device. A PyTorch checkpoint (.pth/.pt/.th) of UltraFace
 * RFB-320 is also accepted: its graph is then built in C and the weights
 * loaded by name. Errors name the file and what did not fit. */
PV_API pv_detector *pv_detector_create(const char *onnx_path,
                                       const pv_detector_options *opts);
PV_API void pv_detector_free(pv_detector *d);

/* Runs on one CHW uint8 image (1 or 3 channels, RGB). *dets receives a
 * malloc'ed array (free() it) of *n detections in decreasing score order.
 * Thread-safe on one detector. */
PV_API int pv_detector_run(pv_detector *d, const pv_tensor *image,
                           pv_detection **dets, int *n);

/* The family, the class name of a label ("dog", "face"), and the device the
 * graph was compiled for. */
PV_API pv_detector_kind pv_detector_get_kind(const pv_detector *d);
PV_API const char *pv_detector_label_name(const pv_detector *d, int label);
PV_API const char *pv_detector_device_name(const pv_detector *d);

#ifdef __cplusplus
}
#endif
#endif
