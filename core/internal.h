/*
 * Internal cross-file declarations of libpolyvis (prefix pv__). Not
 * installed; modules under core/ include it.
 */
#ifndef POLYVIS_CORE_INTERNAL_H
#define POLYVIS_CORE_INTERNAL_H

#include <polyvis/polyvis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PV__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Per-ISA function clones (an ifunc picks one at load time). ThreadSanitizer
 * instruments the ifunc resolver, which then runs before the TSan runtime is
 * initialised and crashes the process at load, so TSan builds go without. */
#if defined(__SANITIZE_THREAD__)
#define PV__NO_TARGET_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PV__NO_TARGET_CLONES 1
#endif
#endif
#ifdef PV__NO_TARGET_CLONES
#define PV__TARGET_CLONES(...)
#else
#define PV__TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#endif
#define PV__MIN(a, b) ((a) < (b) ? (a) : (b))
#define PV__MAX(a, b) ((a) > (b) ? (a) : (b))
#define PV__ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))
#define PV__INTERNAL __attribute__((visibility("hidden")))

/* Largest tensor (bytes) any loader will allocate from a size read in a file,
 * unless the file itself is that large. Guards hostile headers. */
#define PV__MAX_TENSOR_BYTES ((uint64_t)1 << 40)

/* --- memory -------------------------------------------------------------- */
void *pv__aligned_alloc(size_t alignment, size_t size);
void pv__aligned_free(void *p);
/* Overflow-checked a*b; returns false on overflow. */
bool pv__mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *out);
char *pv__strdup(const char *s);

/* --- tensors ------------------------------------------------------------- */
/* numel of a shape, -1 on negative dims or overflow. */
int64_t pv__shape_numel(int ndim, const int64_t *shape);
/* Validates a shape (ndim range, non-negative dims, size bound). */
int pv__check_shape(int ndim, const int64_t *shape, const char *what);
int64_t pv__desc_numel(const pv_tensor_desc *d);
size_t pv__desc_nbytes(const pv_tensor_desc *d);
/* "[1, 3, 224, 224]" into buf. */
const char *pv__shape_str(int ndim, const int64_t *shape, char *buf,
                          size_t size);
#define PV__SHAPE_STR_LEN 160
/* Converts n elements between dtypes with torch `.to()` semantics. */
void pv__convert(void *dst, pv_dtype dt, const void *src, pv_dtype st,
                 int64_t n);
/* Reads element i of a contiguous buffer as double / writes from double. */
double pv__load_f64(const void *p, pv_dtype dt, int64_t i);
void pv__store_f64(void *p, pv_dtype dt, int64_t i, double v);

/* --- files --------------------------------------------------------------- */
/* Reads a whole file; errors name the path. */
int pv__read_file(const char *path, void **data, size_t *size);
/* Writes a file atomically (temp file + rename). */
int pv__write_file_atomic(const char *path, const void *data, size_t size);
/* mkdir -p. */
int pv__mkdirs(const char *path);

/* --- threads ------------------------------------------------------------- */
void pv__parallel_for(int64_t n, int64_t grain, pv_parallel_fn fn, void *ctx);

/* --- plugins and devices ------------------------------------------------- */
const pv_host_api *pv__host_api(void);
const pv_plugin_desc *pv__device_plugin(const pv_device *dev);
pv_plugin_device *pv__device_handle(pv_device *dev);
/* Asks that `dev` open with `precision` (0 fp32, 1 fp16 storage): recorded
 * when it is not open yet, an error when it is open with the other one. */
int pv__device_request_precision(pv_device *dev, int precision);
/* The native CPU device (always present). */
pv_device *pv__cpu_device(void);
int pv__devices_init(const char *requested);

/* Built-in CPU backend query (backends/cpu). */
const pv_plugin_desc *pv__cpu_plugin_query(uint32_t major, uint32_t minor,
                                           const pv_host_api *host);

/* --- reference kernels (core/ref) ---------------------------------------- */
/* Runs one node with the naive reference implementation in double precision
 * where it matters. Inputs/outputs are contiguous host buffers described by
 * their descs; used by conformance and constant folding. */
int pv__ref_run(const pv_node_desc *node, const pv_tensor_desc *in_desc,
                const void *const *in_data, const pv_tensor_desc *out_desc,
                void *const *out_data);

/* Composite ops (the quantised family): ops a backend may implement, with an
 * expansion into the rest of the op set for devices that do not
 * (core/graph/expand.c). */
bool pv__op_is_composite(int op);
/* The reference of a composite op: its expansion, run by pv__ref_run. */
int pv__ref_composite(const pv_node_desc *node, const pv_tensor_desc *in_desc,
                      const void *const *in_data,
                      const pv_tensor_desc *out_desc, void *const *out_data);

/* --- shape inference (core/graph/infer.c) -------------------------------- */
int pv__infer_node(int op, const pv_op_attrs *attrs, int n_in,
                   const pv_tensor_desc *in, int n_out, pv_tensor_desc *out);
/* Number of outputs an op produces (given its attributes). */
int pv__op_num_outputs(int op);
int pv__op_min_inputs(int op);
int pv__op_max_inputs(int op);
bool pv__op_is_unary(int op);
bool pv__op_is_binary(int op);

/* Marks a wrapped tensor's data as a view of a private file mapping, so
 * that pv__tensor_advise_cold() may hand its pages back to the kernel. */
void pv__tensor_set_file_mapped(pv_tensor *t);
/* A hint that t's data will not be read again soon: when it lies in a file
 * mapping, its whole pages that are still the file's own leave the resident
 * set (MADV_DONTNEED) without losing anything: a later read maps them again
 * from the page cache, and a page a caller wrote to stays. No effect on
 * other memory. */
void pv__tensor_advise_cold(const pv_tensor *t);
/* True when t is the only reference to its storage, so releasing t frees
 * the memory. */
bool pv__tensor_is_exclusive(const pv_tensor *t);

#endif
