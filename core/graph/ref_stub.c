/* Placeholder until core/ref lands: constant folding skips nodes it cannot
 * evaluate. The real pv__ref_run (core/ref) overrides this weak symbol. */
#include "internal.h"

__attribute__((weak)) int pv__ref_run(const pv_node_desc *node,
                                      const pv_tensor_desc *in_desc,
                                      const void *const *in_data,
                                      const pv_tensor_desc *out_desc,
                                      void *const *out_data) {
  return pv_set_error(PV_ERR_UNSUPPORTED, "reference kernels not built");
}
