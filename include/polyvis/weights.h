/*
 * polyvis weights: named tensors read from PyTorch checkpoints (zip and
 * legacy torch.save formats) and safetensors files, and written as
 * safetensors.
 *
 * A pv_weights is an ordered collection of (name, tensor) entries plus
 * string metadata. The order is the order of the file (state_dict order for
 * PyTorch files, header order for safetensors), because model builders and
 * users compare against `model.state_dict().keys()`.
 *
 * Loading never runs code from the file: the pickle reader is a strict
 * whitelist of the opcodes and globals that state_dicts use (see
 * docs/weights.md). Tensors are zero-copy views of a read-only file mapping
 * wherever the file layout allows it; such tensors keep the mapping alive on
 * their own, so they may outlive the pv_weights that produced them.
 */
#ifndef POLYVIS_WEIGHTS_H
#define POLYVIS_WEIGHTS_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_weights pv_weights;

/* The container formats a loader recognises. */
typedef enum pv_weights_format {
  PV_WEIGHTS_FORMAT_UNKNOWN = 0,
  PV_WEIGHTS_FORMAT_TORCH_ZIP = 1,    /* torch.save, PyTorch >= 1.6 */
  PV_WEIGHTS_FORMAT_TORCH_LEGACY = 2, /* torch.save, legacy (pre-1.6) */
  PV_WEIGHTS_FORMAT_SAFETENSORS = 3,
  PV_WEIGHTS_FORMAT_BUILT = 4 /* made with pv_weights_create */
} pv_weights_format;

/* Flags for pv_weights_options.flags. */
/* Read the file into memory instead of mapping it, e.g. for files on a
 * network file system that may change under the mapping. */
#define PV_WEIGHTS_NO_MMAP (1u << 0)
/* Make every tensor contiguous on load (views of shared storage become
 * copies), for consumers that only accept dense tensors. */
#define PV_WEIGHTS_CONTIGUOUS (1u << 1)

/* Options of pv_weights_load_ex. A zeroed struct (with struct_size set)
 * gives the defaults of pv_weights_load. */
typedef struct pv_weights_options {
  uint32_t struct_size; /* sizeof(pv_weights_options), for ABI growth */
  uint32_t flags;       /* PV_WEIGHTS_* flags */
  /*
   * Which part of a checkpoint that is a dict of things to expose, for
   * PyTorch files (ignored for safetensors):
   *  - NULL (auto): if the top-level object is a dict that holds tensors, it
   *    is the state_dict; otherwise the first of the entries "state_dict",
   *    "model_state_dict", "model", "state_dict_ema", "net" that is a dict
   *    holding tensors is used; otherwise every tensor anywhere in the object
   *    is exposed under its dotted path ("model.conv1.weight").
   *  - "" : flatten everything with dotted paths, never pick an entry.
   *  - "a.b": use the dict at that dotted path.
   * Scalars (numbers, strings, booleans) found next to the chosen state_dict
   * (e.g. 'best_prec1') become metadata entries, stringified.
   */
  const char *entry;
} pv_weights_options;

/* What the caller may want to know about one entry. */
typedef struct pv_weights_info {
  const char *name;  /* owned by the pv_weights */
  pv_tensor *tensor; /* borrowed */
  pv_dtype dtype;    /* the dtype stored in the file (never converted) */
  int32_t ndim;
  const int64_t *shape;   /* ndim entries, owned by the tensor */
  int32_t is_parameter;   /* 1 for nn.Parameter (_rebuild_parameter) */
  int32_t requires_grad;  /* as saved by torch; 0 for safetensors */
  int32_t zero_copy;      /* 1 if the tensor views the file mapping */
  int32_t shares_storage; /* 1 if another entry views the same storage */
} pv_weights_info;

/* Loads a checkpoint, detecting the format from its first bytes: a zip
 * archive (torch.save since 1.6), a legacy torch.save stream, or
 * safetensors. Errors name the file and the record, opcode or global at
 * fault; a file that asks to run anything outside the whitelist is refused
 * with PV_ERR_UNSUPPORTED (PV_ERR_FORMAT for corrupt data). */
PV_API int pv_weights_load(const char *path, pv_weights **out);

/* As pv_weights_load, with options (NULL = defaults). */
PV_API int pv_weights_load_ex(const char *path, const pv_weights_options *opt,
                              pv_weights **out);

/* Loads from bytes in memory. The bytes are copied once into a buffer the
 * tensors share, so the caller may free `data` as soon as this returns. */
PV_API int pv_weights_load_memory(const void *data, size_t size,
                                  const pv_weights_options *opt,
                                  pv_weights **out);

/* Guesses the format of a file from its first bytes (at least 16 bytes are
 * needed; fewer give PV_WEIGHTS_FORMAT_UNKNOWN). */
PV_API pv_weights_format pv_weights_detect(const void *head, size_t size);

/* The format the collection was loaded from. */
PV_API pv_weights_format pv_weights_get_format(const pv_weights *w);

/* Number of tensors. */
PV_API int pv_weights_count(const pv_weights *w);

/* Name of entry i (0 <= i < count), NULL when out of range. */
PV_API const char *pv_weights_name(const pv_weights *w, int i);

/* Tensor of entry i, borrowed (retain it to keep it past pv_weights_free). */
PV_API pv_tensor *pv_weights_tensor(const pv_weights *w, int i);

/* Tensor named `name`, borrowed; NULL (with PV_ERR_NOT_FOUND set) when
 * absent. */
PV_API pv_tensor *pv_weights_get(const pv_weights *w, const char *name);

/* Index of `name`, or -1 when absent (no error is set: this is a query). */
PV_API int pv_weights_find(const pv_weights *w, const char *name);

/* Fills *info for entry i. */
PV_API int pv_weights_get_info(const pv_weights *w, int i,
                               pv_weights_info *info);

/* Number of metadata (key, value) string pairs: safetensors __metadata__,
 * or the scalars stored next to a PyTorch state_dict. */
PV_API int pv_weights_metadata_count(const pv_weights *w);
/* Key and value of metadata pair i (NULL when out of range). */
PV_API const char *pv_weights_metadata_key(const pv_weights *w, int i);
PV_API const char *pv_weights_metadata_value(const pv_weights *w, int i);
/* Value for `key`, or NULL when absent. */
PV_API const char *pv_weights_metadata_get(const pv_weights *w,
                                           const char *key);

/* Frees the collection and drops its tensor references (tensors the caller
 * retained stay valid). NULL is a no-op. */
PV_API void pv_weights_free(pv_weights *w);

/* --- building and saving ------------------------------------------------- */

/* Creates an empty collection to fill with pv_weights_add, e.g. to save
 * tensors as safetensors. */
PV_API int pv_weights_create(pv_weights **out);

/* Appends (name, tensor); the collection takes its own reference. Names must
 * be unique and non-empty (PV_ERR_INVALID_ARG otherwise). The tensor must be
 * on the host. */
PV_API int pv_weights_add(pv_weights *w, const char *name, pv_tensor *t);

/* Sets (or replaces) a metadata string pair. */
PV_API int pv_weights_set_metadata(pv_weights *w, const char *key,
                                   const char *value);

/* Writes the collection as a safetensors file: tensors in collection order,
 * each stored contiguous (views are densified), data 8-byte aligned, the
 * metadata as __metadata__. The file appears atomically. */
PV_API int pv_weights_save_safetensors(const pv_weights *w, const char *path);

/* Convenience: writes `n` named tensors as safetensors without building a
 * collection. */
PV_API int pv_safetensors_save(const char *path, int n,
                               const char *const *names,
                               pv_tensor *const *tensors);

#ifdef __cplusplus
}
#endif
#endif
