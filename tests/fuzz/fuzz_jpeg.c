/* libFuzzer harness: JPEG decoding in every JPEG mode, with EXIF orientation
 * and the DCT-scaled path. Any crash, leak or sanitizer report is a bug. */
#include "io/io_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv__image_max_pixels = (uint64_t)1 << 20; /* small allocations, fast runs */
  static const pv_image_mode modes[] = {PV_IMAGE_UNCHANGED, PV_IMAGE_GRAY,
                                        PV_IMAGE_RGB};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    pv_tensor_release(pv_decode_jpeg(data, size, modes[i],
                                     i ? PV_DECODE_EXIF_ORIENTATION : 0));
  pv_tensor_release(
      pv__decode_jpeg_scaled(data, size, PV_IMAGE_RGB, 0, 16, 16));
  return 0;
}
