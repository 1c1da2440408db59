/*
 * polyvis vision ops: torchvision.ops' box utilities and non-maximum
 * suppression, on host tensors.
 *
 * Boxes are [N, 4] tensors of any real dtype; they are read as float32, which
 * is what torchvision's CPU kernels compute in for float32 boxes, and box
 * results are float32. Index results are int64, as torch returns them. All
 * functions return a new tensor, or NULL with the error set (a wrong shape or
 * dtype names the argument and its shape).
 */
#ifndef POLYVIS_VISION_H
#define POLYVIS_VISION_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Box formats of torchvision.ops.box_convert. */
typedef enum pv_box_format {
  PV_BOX_XYXY = 0,  /* x1, y1, x2, y2 */
  PV_BOX_XYWH = 1,  /* x1, y1, width, height */
  PV_BOX_CXCYWH = 2 /* centre x, centre y, width, height */
} pv_box_format;

/* torchvision.ops.nms: indices of the boxes kept, in decreasing score order.
 * Boxes are visited by decreasing score (ties keep their input order, a
 * stable sort) and a box is dropped when its IoU with a kept box is strictly
 * greater than `iou_threshold`. IoU uses areas (x2-x1)*(y2-y1) without the
 * +1 of older detectors, so degenerate boxes (IoU 0/0) are never dropped,
 * exactly as torchvision's CPU kernel behaves. The threshold is a double
 * as in torchvision: the float IoU is compared with 0.3, not with 0.3f,
 * which decides boxes whose IoU is exactly 0.3f. */
PV_API pv_tensor *pv_nms(const pv_tensor *boxes, const pv_tensor *scores,
                         double iou_threshold);

/* torchvision.ops.batched_nms: NMS within each category of `idxs` (an [N]
 * integer tensor), so boxes of different categories never suppress each
 * other. Kept indices come in decreasing score order. */
PV_API pv_tensor *pv_batched_nms(const pv_tensor *boxes,
                                 const pv_tensor *scores, const pv_tensor *idxs,
                                 double iou_threshold);

/* torchvision.ops.box_area of xyxy boxes: [N] float32. */
PV_API pv_tensor *pv_box_area(const pv_tensor *boxes);

/* torchvision.ops.box_iou of xyxy boxes: [N, M] float32 pairwise IoU. */
PV_API pv_tensor *pv_box_iou(const pv_tensor *boxes1, const pv_tensor *boxes2);

/* torchvision.ops.box_convert between the three formats. */
PV_API pv_tensor *pv_box_convert(const pv_tensor *boxes, pv_box_format in_fmt,
                                 pv_box_format out_fmt);

/* torchvision.ops.clip_boxes_to_image: x clamped to [0, width], y to
 * [0, height]. */
PV_API pv_tensor *pv_clip_boxes_to_image(const pv_tensor *boxes, int64_t height,
                                         int64_t width);

/* torchvision.ops.remove_small_boxes: indices (int64, ascending) of the boxes
 * whose width and height are both at least `min_size`. */
PV_API pv_tensor *pv_remove_small_boxes(const pv_tensor *boxes, float min_size);

#ifdef __cplusplus
}
#endif
#endif
