/* libFuzzer harness: safetensors headers and data sections through
 * pv_weights_load_memory; every tensor is read in full. */
#include <polyvis/weights.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_weights *w = NULL;
  if (pv_weights_load_memory(data, size, NULL, &w) == 0) {
    for (int i = 0; i < pv_weights_count(w); i++) {
      pv_tensor *c = pv_tensor_clone(pv_weights_tensor(w, i));
      pv_tensor_release(c);
      (void)pv_weights_get(w, pv_weights_name(w, i));
    }
    for (int i = 0; i < pv_weights_metadata_count(w); i++)
      (void)pv_weights_metadata_value(w, i);
    pv_weights_free(w);
  }
  return 0;
}
