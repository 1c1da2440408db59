/* libFuzzer harness: PyTorch checkpoints (zip container, legacy stream and
 * the whitelisted pickle reader) through pv_weights_load_memory. Every
 * loaded tensor is read in full, so a view that escapes its storage shows up
 * under ASan. */
#include <polyvis/weights.h>
#include <stdint.h>
#include <stdlib.h>

static void touch(pv_weights *w) {
  for (int i = 0; i < pv_weights_count(w); i++) {
    pv_tensor *c = pv_tensor_clone(pv_weights_tensor(w, i));
    pv_tensor_release(c);
    (void)pv_weights_find(w, pv_weights_name(w, i));
  }
  for (int i = 0; i < pv_weights_metadata_count(w); i++)
    (void)pv_weights_metadata_get(w, pv_weights_metadata_key(w, i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_weights *w = NULL;
  if (pv_weights_load_memory(data, size, NULL, &w) == 0) {
    touch(w);
    pv_weights_free(w);
    /* the other selection modes walk the object differently */
    pv_weights_options opt = {
        .struct_size = sizeof opt, .flags = PV_WEIGHTS_CONTIGUOUS, .entry = ""};
    if (pv_weights_load_memory(data, size, &opt, &w) == 0) {
      touch(w);
      pv_weights_free(w);
    }
  }
  return 0;
}
