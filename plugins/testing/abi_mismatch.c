/* A plugin built for ABI major 99. The host must reject it after calling
 * only pv_plugin_query: if init ever runs, it leaves a marker file that the
 * test looks for. */
#include <polyvis/plugin.h>

#include <stdio.h>
#include <stdlib.h>

static int bad_init(const pv_host_api *h, pv_plugin_ctx **ctx) {
  const char *m = getenv("PV_TEST_ABI_MARKER");
  if (m) {
    FILE *f = fopen(m, "w");
    if (f)
      fclose(f);
  }
  return 0;
}

static const pv_plugin_desc desc = {
    .struct_size = sizeof(pv_plugin_desc),
    .abi_major = 99,
    .abi_minor = 0,
    .name = "abi99",
    .version = "0",
    .init = bad_init,
};

PV_PLUGIN_EXPORT const pv_plugin_desc *
pv_plugin_query(uint32_t major, uint32_t minor, const pv_host_api *h) {
  return &desc;
}
