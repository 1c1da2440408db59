/*
 * The Vulkan backend's plugin descriptor and the thin ABI glue around the
 * loader, device, memory and partition modules.
 */
#include "vk_ops.h"

#include "../common/hw_probe.h"

#include <stdarg.h>
#include <stdlib.h>

const pv_host_api *pv__vk_host;

int pv__vk_partition_compile(pv_plugin_device *dev, const pv_partition_desc *pd,
                             pv_vk_partition **out);
int pv__vk_partition_execute(pv_plugin_device *dev, pv_vk_partition *p,
                             pv_plugin_buffer *arena);
void pv__vk_partition_release(pv_plugin_device *dev, pv_vk_partition *p);

int pv__vk_error(int status, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pv__vk_host ? pv__vk_host->set_error(status, msg) : status;
}

void pv__vk_log(int level, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (pv__vk_host && pv__vk_host->log)
    pv__vk_host->log(level, msg);
}

const char *pv__vk_result_str(VkResult r) {
  switch (r) {
#define C(x)                                                                   \
  case x:                                                                      \
    return #x;
    C(VK_SUCCESS)
    C(VK_NOT_READY)
    C(VK_TIMEOUT)
    C(VK_INCOMPLETE)
    C(VK_ERROR_OUT_OF_HOST_MEMORY)
    C(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    C(VK_ERROR_INITIALIZATION_FAILED)
    C(VK_ERROR_DEVICE_LOST)
    C(VK_ERROR_MEMORY_MAP_FAILED)
    C(VK_ERROR_LAYER_NOT_PRESENT)
    C(VK_ERROR_EXTENSION_NOT_PRESENT)
    C(VK_ERROR_FEATURE_NOT_PRESENT)
    C(VK_ERROR_INCOMPATIBLE_DRIVER)
    C(VK_ERROR_TOO_MANY_OBJECTS)
    C(VK_ERROR_FORMAT_NOT_SUPPORTED)
#undef C
  default:
    return "VkResult error";
  }
}

static int vk_init(const pv_host_api *host, pv_plugin_ctx **out) {
  pv__vk_host = host;
  pv_plugin_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return host->set_error(PV_ERR_NOMEM, "vulkan: out of memory");
  ctx->host = host;
  pv__vk_instance_create(ctx); /* failures leave 0 devices */
  if (ctx->instance)
    pv__vk_enumerate(ctx);
  *out = ctx;
  return 0;
}

static void vk_shutdown(pv_plugin_ctx *ctx) {
  if (!ctx)
    return;
  pv__vk_instance_destroy(ctx);
  free(ctx);
}

static int vk_device_count(pv_plugin_ctx *ctx) { return ctx->n_devices; }

static int vk_buffer_alloc(pv_plugin_device *dev, uint64_t size,
                           pv_plugin_buffer **out) {
  pv_plugin_buffer *b = calloc(1, sizeof *b);
  if (!b)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  int rc = pv__vk_buf_create(dev, size, &b->b);
  if (rc) {
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}

static void vk_buffer_free(pv_plugin_device *dev, pv_plugin_buffer *b) {
  if (!b)
    return;
  pv__vk_buf_destroy(dev, &b->b);
  free(b);
}

static int vk_buffer_write(pv_plugin_device *dev, pv_plugin_buffer *b,
                           uint64_t off, const void *src, uint64_t size) {
  return pv__vk_buf_write(dev, &b->b, off, src, size);
}

static int vk_buffer_read(pv_plugin_device *dev, pv_plugin_buffer *b,
                          uint64_t off, void *dst, uint64_t size) {
  return pv__vk_buf_read(dev, &b->b, off, dst, size);
}

static int desc_ok(const pv_tensor_desc *d, int optional) {
  if (optional && d->ndim < 0)
    return 1;
  if (d->ndim < 0 || d->ndim > PV_MAX_DIMS || d->dtype < 0 ||
      d->dtype >= PV_DTYPE_COUNT)
    return 0;
  for (int i = 0; i < d->ndim; i++)
    if (d->shape[i] < 0)
      return 0;
  return 1;
}

int pv__vk_supports_whole(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_vk_op_impl *impl = pv__vk_op_impl(op->op);
  if (!impl || !impl->supports)
    return 0;
  if (op->n_inputs < 1 || op->n_inputs > PV_MAX_INPUTS || op->n_outputs < 1 ||
      op->n_outputs > PV_MAX_OUTPUTS ||
      op->n_outputs != (op->op == PV_OP_TOPK ? 2 : 1))
    return 0;
  /* Optional inputs (conv/linear bias, norm affine) may be absent. */
  for (int i = 0; i < op->n_inputs; i++)
    if (!desc_ok(&op->inputs[i], i > 0))
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (!desc_ok(&op->outputs[i], 0))
      return 0;
  return impl->supports(dev, op) ? 1 : 0;
}

int pv__vk_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  return pv__vk_supports_whole(dev, op) || pv__vk_batch_chunk(dev, op, NULL);
}

static int vk_supports_op(pv_plugin_device *dev, const pv_op_desc *op) {
  return pv__vk_supports(dev, op);
}

static int vk_partition_compile(pv_plugin_device *dev,
                                const pv_partition_desc *p,
                                pv_plugin_partition **out) {
  return pv__vk_partition_compile(dev, p, (pv_vk_partition **)out);
}

static int vk_partition_execute(pv_plugin_device *dev,
                                pv_plugin_partition *part,
                                pv_plugin_buffer *arena) {
  return pv__vk_partition_execute(dev, (pv_vk_partition *)part, arena);
}

static void vk_partition_release(pv_plugin_device *dev,
                                 pv_plugin_partition *part) {
  pv__vk_partition_release(dev, (pv_vk_partition *)part);
}

static int vk_synchronize(pv_plugin_device *dev) {
  pthread_mutex_lock(&dev->queue_mu);
  VkResult r = dev->vkQueueWaitIdle(dev->queue);
  pthread_mutex_unlock(&dev->queue_mu);
  return r == VK_SUCCESS ? 0
                         : pv__vk_error(PV_ERR_DEVICE, "vulkan: wait idle: %s",
                                        pv__vk_result_str(r));
}

/* Driver selections in the environment count as "maybe" (hw_probe.h). */
static int vk_hardware_probe(void) {
  static const char *const env[] = {"VK_ICD_FILENAMES", "VK_DRIVER_FILES",
                                    "VK_ADD_DRIVER_FILES", NULL};
  return pv__hw_probe(env);
}

static const pv_plugin_desc g_desc = {
    .struct_size = sizeof(pv_plugin_desc),
    .abi_major = PV_PLUGIN_ABI_MAJOR,
    .abi_minor = PV_PLUGIN_ABI_MINOR,
    .name = "vulkan",
    .version = PV_VK_VERSION,
    .features = PV_PLUGIN_FEATURE_FP16,
    .init = vk_init,
    .shutdown = vk_shutdown,
    .device_count = vk_device_count,
    .device_get_info = pv__vk_device_info,
    .device_open = pv__vk_device_open,
    .device_close = pv__vk_device_close,
    .buffer_alloc = vk_buffer_alloc,
    .buffer_free = vk_buffer_free,
    .buffer_write = vk_buffer_write,
    .buffer_read = vk_buffer_read,
    .buffer_host_ptr = NULL,
    .supports_op = vk_supports_op,
    .partition_compile = vk_partition_compile,
    .partition_execute = vk_partition_execute,
    .partition_release = vk_partition_release,
    .synchronize = vk_synchronize,
    .device_describe = pv__vk_device_describe,
    .hardware_probe = vk_hardware_probe,
};

PV_PLUGIN_EXPORT const pv_plugin_desc *
pv_plugin_query(uint32_t major, uint32_t minor, const pv_host_api *host) {
  (void)major;
  (void)minor;
  (void)host;
  return &g_desc;
}
