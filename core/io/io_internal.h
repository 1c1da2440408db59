/* Internal declarations shared by the image codecs of core/io. */
#ifndef POLYVIS_CORE_IO_INTERNAL_H
#define POLYVIS_CORE_IO_INTERNAL_H

#include "internal.h"
#include <polyvis/image.h>

/* Upper bound on width*height a decoder accepts from a file header, so that a
 * hostile 20-byte header cannot make us allocate terabytes. The fuzz
 * harnesses lower it. */
extern uint64_t pv__image_max_pixels;

/* Checks width/height against pv__image_max_pixels; sets the error naming
 * `fmt` and returns a negative status when too large or zero. */
int pv__image_check_dims(const char *fmt, uint64_t width, uint64_t height);

/* Allocates a CHW tensor and fills it from an HWC buffer. */
pv_tensor *pv__hwc_to_chw(const void *hwc, pv_dtype dtype, int64_t h, int64_t w,
                          int64_t c);

/* Parses a TIFF/EXIF block (optionally prefixed with "Exif\0\0") and returns
 * the Orientation tag (1-8), or 1 when absent or invalid. */
int pv__exif_orientation(const uint8_t *data, size_t size);

/* Applies an EXIF orientation to a contiguous CHW tensor. Consumes `t` and
 * returns the oriented tensor (t itself for orientation 1), NULL on OOM. */
pv_tensor *pv__apply_orientation(pv_tensor *t, int orientation);

/* JPEG decode with an optional DCT-domain downscale: when min_h/min_w > 0,
 * the smallest scale M/8 whose output covers min_h x min_w is used. */
pv_tensor *pv__decode_jpeg_scaled(const void *data, size_t size,
                                  pv_image_mode mode, unsigned flags,
                                  int64_t min_h, int64_t min_w);

#endif
