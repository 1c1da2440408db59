/* Stand-in for parity_device.c while the tree has no graph runtime
 * (core/graph/compile.c): --device then fails every case with a message. */
#include "parity.h"

int parity_run_device(const char *device, const parity_case *c,
                      pv_tensor *const *in, pv_tensor *const *want,
                      pv_tensor **out) {
  (void)c;
  (void)want;
  (void)in;
  (void)out;
  return pv_set_error(PV_ERR_UNSUPPORTED,
                      "--device %s: this build has no graph runtime", device);
}
