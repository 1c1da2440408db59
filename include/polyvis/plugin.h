/*
 * polyvis backend plugin ABI.
 *
 * A backend is a shared library that exports exactly one function,
 * pv_plugin_query(). This header is all a plugin author needs: it depends
 * only on types.h (POD enums and structs) and never on polyvis internals.
 *
 * The life of a plugin, as the host drives it:
 *
 *   1. dlopen(), dlsym("pv_plugin_query").
 *   2. desc = pv_plugin_query(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, host).
 *      The plugin must not do any work here beyond filling its descriptor:
 *      no driver is loaded yet. The host checks desc->abi_major and
 *      desc->struct_size BEFORE it calls anything else, so a plugin built for
 *      another ABI major runs no code but its query function.
 *   3. desc->init(host, &ctx): the plugin dlopens its vendor library
 *      (libvulkan, libOpenCL, libcuda). A missing driver is not an error:
 *      init succeeds and device_count() returns 0.
 *   4. Devices are listed with device_get_info() and opened with
 *      device_open(). Buffers live on a device. A compiled partition (a list
 *      of nodes the scheduler assigned to this device) is created with
 *      partition_compile() and run any number of times, from several threads,
 *      with partition_execute(), each time against a caller-owned arena.
 *   5. shutdown(ctx), dlclose().
 *
 * Versioning follows SQLite/IREE: every vtable starts with struct_size, only
 * grows at the end, and optional slots may be NULL (the host then uses a
 * default, documented per slot). A new minor version only appends; a new
 * major version is incompatible and is rejected by the host.
 */
#ifndef POLYVIS_PLUGIN_H
#define POLYVIS_PLUGIN_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PV_PLUGIN_ABI_MAJOR 1
#define PV_PLUGIN_ABI_MINOR 2

/* The one symbol a plugin exports. */
#define PV_PLUGIN_QUERY_SYMBOL "pv_plugin_query"

/* Plugin feature flags (pv_plugin_desc.features). */
#define PV_PLUGIN_FEATURE_FP16 (1ull << 0)
#define PV_PLUGIN_FEATURE_ASYNC (1ull << 1)

/* ------------------------------------------------------------------------ */
/* Services the host offers to plugins.                                      */
/* ------------------------------------------------------------------------ */

/* A unit of parallel work: process items [begin, end). */
typedef void (*pv_parallel_fn)(void *ctx, int64_t begin, int64_t end);

typedef struct pv_host_api {
  uint32_t struct_size;
  uint16_t abi_major, abi_minor;
  /* Logging through the host's sink and level (pv_log_level values). */
  void (*log)(int level, const char *msg);
  /* Reports a detailed error to the host's thread-local message and returns
   * `status` (a negative PV_ERR_* code). */
  int (*set_error)(int status, const char *msg);
  /* Aligned allocation; alignment is a power of two. free(NULL) is a no-op. */
  void *(*aligned_alloc)(size_t alignment, size_t size);
  void (*aligned_free)(void *p);
  /* Runs fn over [0, n) split into chunks of at least `grain` items on the
   * host's single thread pool (POLYVIS_NUM_THREADS), and returns when all are
   * done. Safe to call from several threads at once. */
  void (*parallel_for)(int64_t n, int64_t grain, pv_parallel_fn fn, void *ctx);
  /* The number of threads parallel_for uses. */
  int (*num_threads)(void);
  /* The cache directory (POLYVIS_CACHE_DIR); plugins keep pipeline caches
   * and kernel binaries below it. Created on demand. */
  const char *(*cache_dir)(void);
  /* Reads an option: the environment variable of that name, unless the
   * application overrode it through the API. */
  const char *(*get_option)(const char *name);
  /* Element size of a pv_dtype, 0 for an invalid value. */
  size_t (*dtype_size)(int32_t dtype);
  /* Name of an op ("conv2d") for messages. */
  const char *(*op_name)(int32_t op);
  void *reserved[8];
} pv_host_api;

/* ------------------------------------------------------------------------ */
/* What a plugin describes.                                                  */
/* ------------------------------------------------------------------------ */

typedef struct pv_device_info {
  uint32_t struct_size;
  int32_t type; /* pv_device_type */
  char name[128];
  char vendor[64];
  char driver[128];
  uint32_t vendor_id, device_id;
  uint64_t memory_bytes;
  uint64_t max_alloc_bytes;
  uint64_t caps; /* PV_CAP_* */
  int32_t score; /* plugin's own preference among its devices, higher wins */
  int32_t has_uuid;
  uint8_t uuid[16]; /* used to drop duplicates of one GPU */
  int32_t max_workgroup_size;
  int32_t subgroup_size;
  uint64_t local_memory_bytes;
  uint8_t reserved[64];
} pv_device_info;

/* Options given when a device is opened. */
typedef struct pv_device_options {
  uint32_t struct_size;
  int32_t precision; /* 0 fp32 (default), 1 fp16 storage */
  uint8_t reserved[56];
} pv_device_options;

/* One value of a partition. Non-constant values live in the arena at
 * `offset`; constants carry host data that stays valid until
 * partition_release() (the plugin may copy, repack or upload it). */
typedef enum pv_value_kind {
  PV_VALUE_ARENA = 0,
  PV_VALUE_CONST = 1
} pv_value_kind;

typedef struct pv_value_desc {
  pv_tensor_desc desc;
  int32_t kind;
  uint64_t offset; /* PV_VALUE_ARENA: byte offset in the arena */
  uint64_t nbytes;
  const void *data; /* PV_VALUE_CONST: host data */
} pv_value_desc;

/* One node of a partition: inputs/outputs are indices into the value table
 * (-1 for an absent optional input). */
typedef struct pv_node_desc {
  int32_t op;
  int32_t n_inputs, n_outputs;
  int32_t inputs[PV_MAX_INPUTS];
  int32_t outputs[PV_MAX_OUTPUTS];
  pv_op_attrs attrs;
} pv_node_desc;

/* A self-contained op query for supports_op(): concrete attributes and
 * concrete input/output descriptors. */
typedef struct pv_op_desc {
  int32_t op;
  int32_t n_inputs, n_outputs;
  pv_tensor_desc inputs[PV_MAX_INPUTS];
  pv_tensor_desc outputs[PV_MAX_OUTPUTS];
  /* Which inputs are constants (bit i = input i), so a plugin may accept,
   * say, only constant weights. */
  uint32_t const_inputs;
  pv_op_attrs attrs;
} pv_op_desc;

/* A list of nodes in execution order, all assigned to one device. */
typedef struct pv_partition_desc {
  uint32_t struct_size;
  int32_t n_nodes;
  const pv_node_desc *nodes;
  int32_t n_values;
  const pv_value_desc *values;
  uint64_t arena_size; /* bytes the caller's arena will have, at least */

  /* ABI 1.1 (check struct_size before reading). Optional: when not NULL,
   * the plugin calls const_done(host_ctx, value) during partition_compile
   * for a PV_VALUE_CONST value whose host data it will never read again
   * (it copied, repacked or uploaded all of it), from the compiling thread.
   * The host may then free that memory before the compile returns: a model
   * whose weights are repacked would otherwise hold them twice at its peak.
   * A plugin that calls it must not touch that value's data afterwards. */
  void (*const_done)(void *host_ctx, int32_t value);
  void *host_ctx;
} pv_partition_desc;

/* Opaque plugin-side handles. */
typedef struct pv_plugin_ctx pv_plugin_ctx;
typedef struct pv_plugin_device pv_plugin_device;
typedef struct pv_plugin_buffer pv_plugin_buffer;
typedef struct pv_plugin_partition pv_plugin_partition;

/*
 * The descriptor pv_plugin_query() returns. It is static data owned by the
 * plugin. Every function returns 0 or a negative PV_ERR_* code after calling
 * host->set_error() with a message that names the plugin, the op or the call.
 */
typedef struct pv_plugin_desc {
  uint32_t struct_size;
  uint16_t abi_major, abi_minor;
  const char *name;    /* "cpu", "vulkan", "opencl", "cuda": device prefix */
  const char *version; /* the plugin's own version string */
  uint64_t features;   /* PV_PLUGIN_FEATURE_* */

  /* Required. Loads drivers; a missing driver means success with 0 devices. */
  int (*init)(const pv_host_api *host, pv_plugin_ctx **ctx);
  /* Required. */
  void (*shutdown)(pv_plugin_ctx *ctx);
  /* Required. */
  int (*device_count)(pv_plugin_ctx *ctx);
  /* Required. Fills *info (info->struct_size is set by the host). */
  int (*device_get_info)(pv_plugin_ctx *ctx, int index, pv_device_info *info);
  /* Required. */
  int (*device_open)(pv_plugin_ctx *ctx, int index,
                     const pv_device_options *opts, pv_plugin_device **dev);
  /* Required. */
  void (*device_close)(pv_plugin_device *dev);

  /* Required. Buffers hold arenas and tensors that live on the device. */
  int (*buffer_alloc)(pv_plugin_device *dev, uint64_t size,
                      pv_plugin_buffer **buf);
  void (*buffer_free)(pv_plugin_device *dev, pv_plugin_buffer *buf);
  int (*buffer_write)(pv_plugin_device *dev, pv_plugin_buffer *buf,
                      uint64_t offset, const void *src, uint64_t size);
  int (*buffer_read)(pv_plugin_device *dev, pv_plugin_buffer *buf,
                     uint64_t offset, void *dst, uint64_t size);
  /* Optional. A host pointer to the buffer's memory when the device shares
   * it (the CPU backend), so the host can skip copies. NULL slot or NULL
   * result: the host uses buffer_read/buffer_write. */
  void *(*buffer_host_ptr)(pv_plugin_device *dev, pv_plugin_buffer *buf);

  /* Required. Returns 1 if the device runs this op with exactly these
   * attributes and dtypes, 0 if not (the scheduler then uses the CPU). */
  int (*supports_op)(pv_plugin_device *dev, const pv_op_desc *op);
  /* Required. Prepares a partition: pipelines, kernels, weight upload. */
  int (*partition_compile)(pv_plugin_device *dev, const pv_partition_desc *p,
                           pv_plugin_partition **out);
  /* Required. Runs the partition on `arena` (a buffer of at least
   * p->arena_size bytes). Must be safe to call concurrently from several
   * threads with different arenas. May return before the work is done when
   * the plugin sets PV_PLUGIN_FEATURE_ASYNC; the host then calls
   * synchronize() before it reads results. */
  int (*partition_execute)(pv_plugin_device *dev, pv_plugin_partition *part,
                           pv_plugin_buffer *arena);
  /* Required. */
  void (*partition_release)(pv_plugin_device *dev, pv_plugin_partition *part);
  /* Optional. Waits for all work queued on the device. NULL: no-op. */
  int (*synchronize)(pv_plugin_device *dev);
  /* Optional. Writes a human-readable description of the caps the plugin
   * will use (for `polyvis devices --verbose`) into buf. */
  int (*device_describe)(pv_plugin_ctx *ctx, int index, char *buf, size_t size);

  /* Optional (ABI 1.1). Answers cheaply, before init() and without loading
   * any driver, whether this plugin could find a hardware (non-software)
   * device on this machine: 0 certainly not, 1 maybe. The auto device policy
   * never picks a software device such as lavapipe or PoCL, and initialising
   * those drivers maps LLVM (about 65 MB of resident memory each), so when
   * the answer is 0 the host defers init() until the devices are listed or
   * one of them is named. A wrong 0 would hide a GPU from the auto policy,
   * so answer 1 whenever in doubt. NULL: maybe. */
  int (*hardware_probe)(void);

  void *reserved[15];
} pv_plugin_desc;

/* The function every plugin exports under PV_PLUGIN_QUERY_SYMBOL. The host
 * passes the highest ABI it supports; a plugin that cannot serve it may
 * return NULL or a descriptor with its own ABI, which the host then rejects
 * with a message naming both versions. */
typedef const pv_plugin_desc *(*pv_plugin_query_fn)(uint32_t host_abi_major,
                                                    uint32_t host_abi_minor,
                                                    const pv_host_api *host);

#if defined(_WIN32)
#define PV_PLUGIN_EXPORT __declspec(dllexport)
#else
#define PV_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif
#endif
