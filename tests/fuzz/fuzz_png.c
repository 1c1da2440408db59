/* libFuzzer harness: PNG decoding in all five modes, with EXIF orientation
 * (which also reads the chunks after IDAT). */
#include "io/io_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv__image_max_pixels = (uint64_t)1 << 20; /* small allocations, fast runs */
  for (int m = PV_IMAGE_UNCHANGED; m <= PV_IMAGE_RGB_ALPHA; m++)
    pv_tensor_release(pv_decode_png(data, size, (pv_image_mode)m,
                                    m & 1 ? PV_DECODE_EXIF_ORIENTATION : 0));
  return 0;
}
