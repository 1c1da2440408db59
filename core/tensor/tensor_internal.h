#ifndef POLYVIS_TENSOR_INTERNAL_H
#define POLYVIS_TENSOR_INTERNAL_H

#include "internal.h"

#include <stdatomic.h>

typedef struct pv__storage {
  atomic_int refcount;
  void *data; /* host memory, or NULL for device storage */
  size_t nbytes;
  bool owned; /* data from pv__aligned_alloc */
  void (*deleter)(void *user);
  void *user;
  pv_device *device; /* NULL = host */
  pv_plugin_buffer *buffer;
  bool file_mapped; /* data lies in a private mapping of a file */
} pv__storage;

struct pv_tensor {
  atomic_int refcount;
  pv_dtype dtype;
  int ndim;
  int64_t shape[PV_MAX_DIMS];
  int64_t strides[PV_MAX_DIMS]; /* elements */
  int64_t offset;               /* bytes */
  pv__storage *storage;
};

void pv__storage_release(pv__storage *s);

pv_tensor *pv__tensor_alloc(pv_dtype dtype, int ndim, const int64_t *shape,
                            bool zero);
pv_tensor *pv__tensor_on_device(pv_dtype dtype, int ndim, const int64_t *shape,
                                pv_device *dev, pv_plugin_buffer *buf,
                                size_t nbytes);
pv_tensor *pv__tensor_download(const pv_tensor *t);
void pv__slice_normalize(int64_t n, int64_t *start, int64_t *end, int64_t step,
                         int64_t *count);
int pv__resolve_reshape(int64_t numel, int ndim, const int64_t *shape,
                        int64_t *out);

/* Device buffer helpers (core/plugin/device.c). */
int pv__device_alloc_buffer(pv_device *dev, uint64_t size,
                            pv_plugin_buffer **buf);
void pv__device_free_buffer(pv_device *dev, pv_plugin_buffer *buf);
int pv__device_write(pv_device *dev, pv_plugin_buffer *buf, uint64_t off,
                     const void *src, uint64_t size);
int pv__device_read(pv_device *dev, pv_plugin_buffer *buf, uint64_t off,
                    void *dst, uint64_t size);

#endif
