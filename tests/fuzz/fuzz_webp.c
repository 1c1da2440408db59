/* libFuzzer harness: WebP decoding through the sniffing entry point (so the
 * format detector is fuzzed too) in the modes WebP supports. */
#include "io/io_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv__image_max_pixels = (uint64_t)1 << 20; /* small allocations, fast runs */
  pv_tensor_release(pv_decode_webp(data, size, PV_IMAGE_UNCHANGED, 0));
  pv_tensor_release(pv_decode_webp(data, size, PV_IMAGE_RGB_ALPHA, 0));
  pv_tensor_release(pv_decode_image_mem(data, size, PV_IMAGE_RGB, 0));
  return 0;
}
