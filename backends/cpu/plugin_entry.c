/* The exported entry point of libpolyvis-backend-cpu.so. The same backend is
 * linked into libpolyvis, which registers it without this file. */
#include "cpu_backend.h"

const pv_plugin_desc *pv__cpu_plugin_query(uint32_t major, uint32_t minor,
                                           const pv_host_api *host);

PV_PLUGIN_EXPORT const pv_plugin_desc *
pv_plugin_query(uint32_t major, uint32_t minor, const pv_host_api *host) {
  return pv__cpu_plugin_query(major, minor, host);
}
