/*
 * polyvis tensors: n-dimensional arrays with a dtype, shape, strides, a
 * refcounted storage, and the device that storage lives on.
 *
 * Tensors are the currency of every module: image decoders return CHW u8
 * tensors, weight loaders return named tensors, the graph runtime takes and
 * returns them. Views (slice, permute, reshape) share storage and never copy;
 * functions that must copy say so.
 */
#ifndef POLYVIS_TENSOR_H
#define POLYVIS_TENSOR_H

#include "error.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_tensor pv_tensor;
typedef struct pv_device pv_device;

/* Returns the size in bytes of one element, or 0 for an invalid dtype. */
PV_API size_t pv_dtype_size(pv_dtype dtype);
/* Returns "float32", "uint8", ... (torch spelling), or "invalid". */
PV_API const char *pv_dtype_name(pv_dtype dtype);
/* Parses a torch or numpy dtype name ("float32", "f32", "uint8", "int64");
 * returns -1 when unknown. */
PV_API int pv_dtype_from_name(const char *name);

/* Creates a zero-filled, contiguous host tensor. Returns NULL (with the
 * error set) on a bad shape or when out of memory. */
PV_API pv_tensor *pv_tensor_create(pv_dtype dtype, int ndim,
                                   const int64_t *shape);

/* Creates a contiguous host tensor holding a copy of `data`. */
PV_API pv_tensor *pv_tensor_from_data(pv_dtype dtype, int ndim,
                                      const int64_t *shape, const void *data);

/* Wraps caller memory without copying. `strides` (in elements) may be NULL for
 * contiguous. `deleter` (may be NULL) is called with `user` when the last
 * reference goes away, which lets mmap-backed weights be tensors for free. */
PV_API pv_tensor *pv_tensor_wrap(pv_dtype dtype, int ndim, const int64_t *shape,
                                 const int64_t *strides, void *data,
                                 void (*deleter)(void *user), void *user);

/* Adds a reference and returns `t`. */
PV_API pv_tensor *pv_tensor_retain(pv_tensor *t);
/* Drops a reference; frees the tensor (and storage) at zero. NULL is a no-op.
 */
PV_API void pv_tensor_release(pv_tensor *t);

PV_API pv_dtype pv_tensor_dtype(const pv_tensor *t);
PV_API int pv_tensor_ndim(const pv_tensor *t);
/* Shape and strides (in elements) arrays of ndim entries, owned by t. */
PV_API const int64_t *pv_tensor_shape(const pv_tensor *t);
PV_API const int64_t *pv_tensor_strides(const pv_tensor *t);
/* Size of dimension `dim` (negative counts from the end); -1 if out of range.
 */
PV_API int64_t pv_tensor_dim(const pv_tensor *t, int dim);
PV_API int64_t pv_tensor_numel(const pv_tensor *t);
/* numel * element size: the bytes a contiguous copy needs. */
PV_API size_t pv_tensor_nbytes(const pv_tensor *t);
PV_API int pv_tensor_is_contiguous(const pv_tensor *t);
/* Pointer to element [0,...,0] of a host tensor; NULL for a device tensor. */
PV_API void *pv_tensor_data(const pv_tensor *t);
/* Fills *desc; fails if the tensor is not contiguous. */
PV_API int pv_tensor_get_desc(const pv_tensor *t, pv_tensor_desc *desc);

/* --- views: share storage, never copy ------------------------------------ */

/* Python-style slice t[..., start:end:step, ...] along `dim`; start/end are
 * clamped as Python does and may be negative; step may be negative. */
PV_API pv_tensor *pv_tensor_slice(pv_tensor *t, int dim, int64_t start,
                                  int64_t end, int64_t step);
/* Reorders dimensions: output dim i is input dim perm[i]. */
PV_API pv_tensor *pv_tensor_permute(pv_tensor *t, const int *perm);
/* Reshapes; one entry may be -1. A view when the strides allow it, otherwise
 * a contiguous copy (as torch.reshape). */
PV_API pv_tensor *pv_tensor_reshape(pv_tensor *t, int ndim,
                                    const int64_t *shape);

/* --- copies -------------------------------------------------------------- */

/* Returns a new reference to t if it is already contiguous on the host, or a
 * contiguous host copy. */
PV_API pv_tensor *pv_tensor_contiguous(pv_tensor *t);
/* Returns a contiguous host copy, always. */
PV_API pv_tensor *pv_tensor_clone(const pv_tensor *t);
/* Returns a contiguous host copy converted to `dtype` with torch's `.to()`
 * semantics (float->int truncates toward zero, bool is != 0). */
PV_API pv_tensor *pv_tensor_cast(const pv_tensor *t, pv_dtype dtype);
/* Copies src into dst elementwise (same shape; dtypes converted as in
 * pv_tensor_cast); either may be strided or on a device. */
PV_API int pv_tensor_copy(pv_tensor *dst, const pv_tensor *src);

/* The device the storage lives on; NULL for host memory. */
PV_API pv_device *pv_tensor_device(const pv_tensor *t);
/* Returns a contiguous copy on `dev` (NULL = host). Copies between two
 * devices go through the host unless the plugins can do better. */
PV_API pv_tensor *pv_tensor_to(const pv_tensor *t, pv_device *dev);

/* --- numpy interop ------------------------------------------------------- */

/* Reads a .npy file (format 1.0-3.0, little- or big-endian, C or Fortran
 * order). Errors name the file and the field at fault. */
PV_API pv_tensor *pv_npy_load(const char *path);
/* Parses .npy bytes from memory. */
PV_API pv_tensor *pv_npy_decode(const void *data, size_t size);
/* Writes a .npy file (format 1.0, C order, little-endian). The file appears
 * atomically: a failed write leaves no partial file. */
PV_API int pv_npy_save(const pv_tensor *t, const char *path);
/* Encodes to a malloc'ed buffer the caller frees with free(). */
PV_API int pv_npy_encode(const pv_tensor *t, void **data, size_t *size);

/* --- f16/bf16 helpers ---------------------------------------------------- */
PV_API float pv_half_to_float(uint16_t h);
PV_API uint16_t pv_float_to_half(float f);
PV_API float pv_bf16_to_float(uint16_t h);
PV_API uint16_t pv_float_to_bf16(float f);

#ifdef __cplusplus
}
#endif
#endif
