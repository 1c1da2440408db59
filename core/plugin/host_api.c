/* The table of host services handed to every plugin. */
#include "internal.h"

static void host_log(int level, const char *msg) { pv_log(level, "%s", msg); }
static int host_set_error(int status, const char *msg) {
  return pv_set_error(status, "%s", msg);
}
static const char *host_cache_dir(void) { return pv_cache_dir(); }
static size_t host_dtype_size(int32_t dt) {
  return pv_dtype_size((pv_dtype)dt);
}
static const char *host_op_name(int32_t op) {
  const char *n = pv_op_name(op);
  return n ? n : "invalid-op";
}

static const pv_host_api g_host = {
    .struct_size = sizeof(pv_host_api),
    .abi_major = PV_PLUGIN_ABI_MAJOR,
    .abi_minor = PV_PLUGIN_ABI_MINOR,
    .log = host_log,
    .set_error = host_set_error,
    .aligned_alloc = pv__aligned_alloc,
    .aligned_free = pv__aligned_free,
    .parallel_for = pv__parallel_for,
    .num_threads = pv_num_threads,
    .cache_dir = host_cache_dir,
    .get_option = pv_get_option,
    .dtype_size = host_dtype_size,
    .op_name = host_op_name,
};

const pv_host_api *pv__host_api(void) { return &g_host; }
