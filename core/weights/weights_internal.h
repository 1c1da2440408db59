/*
 * Internal declarations of the weights module (core/weights): the
 * refcounted file blob tensors wrap, the container's append API the format
 * readers use, and the whitelisted pickle reader.
 */
#ifndef POLYVIS_WEIGHTS_INTERNAL_H
#define POLYVIS_WEIGHTS_INTERNAL_H

#include "internal.h"
#include <polyvis/weights.h>

#include <stdatomic.h>

/* --- blobs: the bytes tensors view -------------------------------------- */

/* A refcounted byte range: a private file mapping, or a heap buffer. Every
 * zero-copy tensor holds one reference (through pv_tensor_wrap's deleter), so
 * the mapping lives exactly as long as some tensor views it. */
typedef struct pv__blob {
  atomic_int refs;
  uint8_t *base;
  size_t size;
  int kind; /* 0 heap (pv__aligned_alloc), 1 mmap */
} pv__blob;

/* Maps `path` (or reads it when no_mmap). Errors name the path. */
int pv__blob_open(const char *path, bool no_mmap, pv__blob **out);
/* A 64-byte aligned heap copy of `data` (data may be NULL: uninitialised). */
int pv__blob_copy(const void *data, size_t size, pv__blob **out);
pv__blob *pv__blob_retain(pv__blob *b);
void pv__blob_release(pv__blob *b);
/* pv_tensor_wrap deleter: releases the blob passed as `user`. */
void pv__blob_deleter(void *user);
/* Wraps bytes inside `b` as a tensor (one new blob reference), or, when
 * `ptr` is not aligned to the element size, copies the viewed elements into
 * a fresh aligned blob. *zero_copy tells which happened. */
pv_tensor *pv__blob_tensor(pv__blob *b, const uint8_t *ptr, pv_dtype dt,
                           int ndim, const int64_t *shape,
                           const int64_t *strides, int *zero_copy);

/* --- the container ------------------------------------------------------ */

typedef struct pv__wentry {
  char *name;
  pv_tensor *tensor;
  pv_dtype dtype;
  int is_parameter, requires_grad, zero_copy, shares_storage;
} pv__wentry;

struct pv_weights {
  pv_weights_format format;
  pv__wentry *e;
  int n, cap;
  char **mkey, **mval;
  int nmeta, capmeta;
  int *slots; /* open-addressing name index, nslots a power of two */
  int nslots;
};

pv_weights *pv__weights_new(pv_weights_format fmt);
/* Appends an entry and takes over the reference to `t` (released on error).
 * Fails with PV_ERR_FORMAT on a duplicate name. */
int pv__weights_append(pv_weights *w, const char *name, pv_tensor *t,
                       const pv__wentry *meta);
int pv__weights_meta_append(pv_weights *w, const char *key, const char *val);

/* FNV-1a of a byte string, for the module's small hash indexes. */
static inline uint32_t pv__hash_bytes(const void *p, size_t n) {
  const uint8_t *b = p;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

/* Length of the legacy magic-number pickle at p, 0 if absent. */
size_t pv__legacy_magic_len(const uint8_t *p, size_t size);

/* --- format readers ------------------------------------------------------ */

/* `what` names the source in errors (the path or "<memory>"). */
int pv__pth_load(pv__blob *b, const char *what, const pv_weights_options *opt,
                 pv_weights **out);
int pv__safetensors_load(pv__blob *b, const char *what,
                         const pv_weights_options *opt, pv_weights **out);

/* --- the whitelisted unpickler ------------------------------------------ */

typedef enum pv__pk_kind {
  PV__PK_NONE,
  PV__PK_BOOL,
  PV__PK_INT,
  PV__PK_FLOAT,
  PV__PK_STR, /* unicode or byte string, not NUL-terminated */
  PV__PK_TUPLE,
  PV__PK_LIST,
  PV__PK_DICT,
  PV__PK_GLOBAL, /* a whitelisted global (pv__pk_global) */
  PV__PK_STORAGE,
  PV__PK_TENSOR
} pv__pk_kind;

typedef enum pv__pk_global {
  PV__G_ORDEREDDICT,
  PV__G_REBUILD_TENSOR_V2,
  PV__G_REBUILD_TENSOR,
  PV__G_REBUILD_PARAMETER,
  PV__G_STORAGE /* a torch.*Storage type; dtype in the object */
} pv__pk_global;

typedef struct pv__pk_obj pv__pk_obj;
struct pv__pk_obj {
  pv__pk_kind kind;
  int global;     /* PV__PK_GLOBAL */
  pv_dtype dtype; /* storage global, storage, tensor */
  int64_t i;      /* INT / BOOL; storage index for STORAGE */
  double f;
  const char *s; /* STR: points into the pickle bytes */
  size_t len;
  pv__pk_obj **items; /* TUPLE/LIST items; DICT keys and values interleaved */
  size_t n, cap;      /* items used / allocated (DICT: 2 per pair) */
  /* TENSOR */
  int storage;
  int64_t offset;
  int ndim;
  int64_t size[PV_MAX_DIMS], stride[PV_MAX_DIMS];
  int requires_grad, is_parameter;
};

/* A storage referenced by a persistent id. Legacy views (view_metadata)
 * point at a root storage with an element offset. */
typedef struct pv__pk_storage {
  char *key;
  pv_dtype dtype;
  int64_t numel;
  int root;         /* index of the root storage, or -1 */
  int64_t root_off; /* element offset inside the root */
  /* filled by the container reader */
  const uint8_t *data; /* NULL until resolved */
  pv__blob *blob;      /* the blob `data` points into (not owned) */
} pv__pk_storage;

typedef struct pv__pk {
  const char *what; /* file name for errors */
  uint64_t file_size;
  pv__pk_obj **objs; /* arena */
  size_t nobjs, capobjs;
  pv__pk_storage *st;
  int nst, capst;
  int *sidx; /* open-addressing index of st by key; nsidx a power of two */
  int nsidx;
  int legacy;           /* persistent ids carry view_metadata */
  const pv__blob *file; /* the file's own bytes (zero-copy is a view of it) */
} pv__pk;

/* Runs one pickle from `data`; *consumed = bytes up to and including STOP.
 * Objects live in ctx's arena until pv__pk_free. */
int pv__pk_run(pv__pk *ctx, const uint8_t *data, size_t len, size_t *consumed,
               pv__pk_obj **result);
void pv__pk_free(pv__pk *ctx);
/* Finds a storage by key, -1 if absent. */
int pv__pk_find_storage(const pv__pk *ctx, const char *key, size_t len);

#endif
