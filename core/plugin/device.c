/* Device accessors and the thin wrappers the core uses to reach a plugin. */
#include "registry.h"
#include "tensor/tensor_internal.h"

#include <strings.h>

static int device_precision(void) {
  const char *p = pv_get_option("POLYVIS_PRECISION");
  return p && !strcasecmp(p, "fp16") ? 1 : 0;
}

/* Opens the device on first use. */
pv_plugin_device *pv__device_handle(pv_device *dev) {
  pthread_mutex_lock(&dev->mu);
  if (!dev->handle) {
    pv_device_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.precision =
        dev->want_precision >= 0 ? dev->want_precision : device_precision();
    pv_plugin_device *h = NULL;
    if (dev->plugin->desc->device_open(dev->plugin->ctx, dev->index, &o, &h) ==
        0) {
      dev->handle = h;
      dev->precision = o.precision;
    } else
      pv_set_error(PV_ERR_DEVICE, "%s: cannot open device: %s", dev->name,
                   pv_last_error());
  }
  pthread_mutex_unlock(&dev->mu);
  return dev->handle;
}

int pv__device_request_precision(pv_device *dev, int precision) {
  int rc = 0;
  pthread_mutex_lock(&dev->mu);
  if (!dev->handle)
    dev->want_precision = precision;
  else if (dev->precision != precision)
    rc = pv_set_error(PV_ERR_STATE,
                      "%s is already open in %s; a device's precision is "
                      "fixed when it first opens (set --precision or "
                      "POLYVIS_PRECISION before using it)",
                      dev->name, dev->precision ? "fp16" : "fp32");
  pthread_mutex_unlock(&dev->mu);
  return rc;
}

const pv_plugin_desc *pv__device_plugin(const pv_device *dev) {
  return dev->plugin->desc;
}

const char *pv_device_name(const pv_device *dev) { return dev->name; }
const char *pv_device_backend(const pv_device *dev) {
  return dev->plugin->desc->name;
}
const pv_device_info *pv_device_get_info(const pv_device *dev) {
  return &dev->info;
}

int pv_device_supports_op(pv_device *dev, const pv_op_desc *op) {
  pv_plugin_device *h = pv__device_handle(dev);
  if (!h)
    return 0;
  return dev->plugin->desc->supports_op(h, op) > 0;
}

int pv_device_describe(pv_device *dev, char *buf, size_t size) {
  if (size)
    buf[0] = 0;
  const pv_plugin_desc *d = dev->plugin->desc;
  if (d->struct_size > offsetof(pv_plugin_desc, device_describe) &&
      d->device_describe)
    return d->device_describe(dev->plugin->ctx, dev->index, buf, size);
  return 0;
}

int pv__device_alloc_buffer(pv_device *dev, uint64_t size,
                            pv_plugin_buffer **buf) {
  pv_plugin_device *h = pv__device_handle(dev);
  if (!h)
    return pv_last_status();
  int rc = dev->plugin->desc->buffer_alloc(h, size ? size : 1, buf);
  if (rc)
    return pv_set_error(rc, "%s: cannot allocate %llu bytes: %s", dev->name,
                        (unsigned long long)size, pv_last_error());
  return 0;
}

void pv__device_free_buffer(pv_device *dev, pv_plugin_buffer *buf) {
  if (buf && dev->handle)
    dev->plugin->desc->buffer_free(dev->handle, buf);
}

int pv__device_write(pv_device *dev, pv_plugin_buffer *buf, uint64_t off,
                     const void *src, uint64_t size) {
  if (!size)
    return 0;
  return dev->plugin->desc->buffer_write(dev->handle, buf, off, src, size);
}

int pv__device_read(pv_device *dev, pv_plugin_buffer *buf, uint64_t off,
                    void *dst, uint64_t size) {
  const pv_plugin_desc *d = dev->plugin->desc;
  if (d->synchronize) {
    int rc = d->synchronize(dev->handle);
    if (rc)
      return rc;
  }
  if (!size)
    return 0;
  return d->buffer_read(dev->handle, buf, off, dst, size);
}
