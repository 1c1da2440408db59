/*
 * WebP decoding with libwebp, as torchvision.io.decode_webp (>= 0.20):
 * UNCHANGED gives RGBA when the bitstream has alpha and RGB otherwise.
 * Animated files and the GRAY modes are rejected.
 */
#include "io_internal.h"

#ifdef PV_HAVE_WEBP
#include <webp/decode.h>

pv_tensor *pv_decode_webp(const void *data, size_t size, pv_image_mode mode,
                          unsigned flags) {
  if (!data || size == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "decode_webp: empty input");
    return NULL;
  }
  WebPBitstreamFeatures feat;
  VP8StatusCode st = WebPGetFeatures((const uint8_t *)data, size, &feat);
  if (st != VP8_STATUS_OK) {
    pv_set_error(PV_ERR_FORMAT, "decode_webp: %s (WebPGetFeatures status %d)",
                 st == VP8_STATUS_NOT_ENOUGH_DATA
                     ? "Image is incomplete or truncated"
                     : "invalid WebP header",
                 (int)st);
    return NULL;
  }
  if (feat.has_animation) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "decode_webp: Animated WebP files are not supported");
    return NULL;
  }
  int channels;
  switch (mode) {
  case PV_IMAGE_UNCHANGED:
    channels = feat.has_alpha ? 4 : 3;
    break;
  case PV_IMAGE_RGB:
    channels = 3;
    break;
  case PV_IMAGE_RGB_ALPHA:
    channels = 4;
    break;
  default:
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "decode_webp: mode %s is not supported for WebP files",
                 pv_image_mode_name(mode) ? pv_image_mode_name(mode) : "?");
    return NULL;
  }
  if (pv__image_check_dims("decode_webp", (uint64_t)feat.width,
                           (uint64_t)feat.height) < 0)
    return NULL;
  int64_t h = feat.height, w = feat.width;
  size_t stride = (size_t)w * (size_t)channels, total = stride * (size_t)h;
  uint8_t *hwc = malloc(total);
  if (!hwc) {
    pv_set_error(PV_ERR_NOMEM, "decode_webp: out of memory for %lldx%lld",
                 (long long)w, (long long)h);
    return NULL;
  }
  uint8_t *ok = channels == 4 ? WebPDecodeRGBAInto((const uint8_t *)data, size,
                                                   hwc, total, (int)stride)
                              : WebPDecodeRGBInto((const uint8_t *)data, size,
                                                  hwc, total, (int)stride);
  if (!ok) {
    free(hwc);
    pv_set_error(PV_ERR_FORMAT,
                 "decode_webp: corrupt or truncated WebP bitstream");
    return NULL;
  }
  pv_tensor *t = pv__hwc_to_chw(hwc, PV_U8, h, w, channels);
  free(hwc);
  (void)flags; /* torchvision reads no EXIF from WebP */
  return t;
}
#else
pv_tensor *pv_decode_webp(const void *data, size_t size, pv_image_mode mode,
                          unsigned flags) {
  (void)data, (void)size, (void)mode, (void)flags;
  pv_set_error(PV_ERR_UNSUPPORTED,
               "decode_webp: polyvis was built without libwebp");
  return NULL;
}
#endif
