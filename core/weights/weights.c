/*
 * The pv_weights container: an ordered list of named tensors with a hash
 * index and string metadata, the refcounted blobs (file mappings) that
 * zero-copy tensors view, and format detection.
 */
#include "tensor/tensor_internal.h"
#include "weights_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- blobs --------------------------------------------------------------- */

int pv__blob_copy(const void *data, size_t size, pv__blob **out) {
  *out = NULL;
  pv__blob *b = calloc(1, sizeof *b);
  if (!b)
    return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
  b->base = pv__aligned_alloc(64, size ? size : 1);
  if (!b->base) {
    free(b);
    return pv_set_error(PV_ERR_NOMEM, "weights: cannot allocate %zu bytes",
                        size);
  }
  if (data && size)
    memcpy(b->base, data, size);
  b->size = size;
  b->kind = 0;
  atomic_init(&b->refs, 1);
  *out = b;
  return 0;
}

int pv__blob_open(const char *path, bool no_mmap, pv__blob **out) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pv_set_error(errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO,
                        "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return pv_set_error(PV_ERR_IO, "%s: not a regular file", path);
  }
  size_t size = (size_t)st.st_size;
  if (size == 0) {
    close(fd);
    return pv_set_error(PV_ERR_FORMAT, "%s: empty file", path);
  }
  if (!no_mmap) {
    /* Private and writable: a caller that writes into a weight tensor gets
     * its own copy of that page instead of a crash or a changed file. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      close(fd);
      pv__blob *b = calloc(1, sizeof *b);
      if (!b) {
        munmap(p, size);
        return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
      }
      b->base = p;
      b->size = size;
      b->kind = 1;
      atomic_init(&b->refs, 1);
      *out = b;
      return 0;
    }
    /* Fall back to reading (e.g. a file system without mmap). */
  }
  pv__blob *b;
  int rc = pv__blob_copy(NULL, size, &b);
  if (rc) {
    close(fd);
    return rc;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, b->base + got, size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int e = errno;
      close(fd);
      pv__blob_release(b);
      return pv_set_error(PV_ERR_IO, "%s: short read: %s", path,
                          r < 0 ? strerror(e) : "file shrank");
    }
    got += (size_t)r;
  }
  close(fd);
  *out = b;
  return 0;
}

pv__blob *pv__blob_retain(pv__blob *b) {
  if (b)
    atomic_fetch_add(&b->refs, 1);
  return b;
}

void pv__blob_release(pv__blob *b) {
  if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
    return;
  if (b->kind == 1)
    munmap(b->base, b->size);
  else
    pv__aligned_free(b->base);
  free(b);
}

void pv__blob_deleter(void *user) { pv__blob_release(user); }

pv_tensor *pv__blob_tensor(pv__blob *b, const uint8_t *ptr, pv_dtype dt,
                           int ndim, const int64_t *shape,
                           const int64_t *strides, int *zero_copy) {
  size_t es = pv_dtype_size(dt);
  *zero_copy = 0;
  if (((uintptr_t)ptr % es) == 0) {
    pv_tensor *t = pv_tensor_wrap(dt, ndim, shape, strides, (void *)ptr,
                                  pv__blob_deleter, pv__blob_retain(b));
    if (!t) {
      pv__blob_release(b);
    } else {
      *zero_copy = 1;
      if (b->kind == 1)
        pv__tensor_set_file_mapped(t);
    }
    return t;
  }
  /* Misaligned data (legacy files put storages at arbitrary offsets): copy
   * the viewed elements into an aligned, contiguous tensor. */
  pv_tensor *t = pv__tensor_alloc(dt, ndim, shape, false);
  if (!t)
    return NULL;
  int64_t n = pv_tensor_numel(t);
  uint8_t *dst = pv_tensor_data(t);
  int64_t idx[PV_MAX_DIMS] = {0};
  for (int64_t k = 0; k < n; k++) {
    int64_t off = 0;
    for (int d = 0; d < ndim; d++)
      off += idx[d] * strides[d];
    memcpy(dst + (size_t)k * es, ptr + (size_t)off * es, es);
    for (int d = ndim - 1; d >= 0; d--) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return t;
}

/* --- the container ------------------------------------------------------- */

pv_weights *pv__weights_new(pv_weights_format fmt) {
  pv_weights *w = calloc(1, sizeof *w);
  if (!w) {
    pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
    return NULL;
  }
  w->format = fmt;
  return w;
}

static uint32_t hash_name(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

static int index_rebuild(pv_weights *w, int nslots) {
  int *s = malloc((size_t)nslots * sizeof *s);
  if (!s)
    return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
  for (int i = 0; i < nslots; i++)
    s[i] = -1;
  for (int i = 0; i < w->n; i++) {
    uint32_t h = hash_name(w->e[i].name) & (uint32_t)(nslots - 1);
    while (s[h] >= 0)
      h = (h + 1) & (uint32_t)(nslots - 1);
    s[h] = i;
  }
  free(w->slots);
  w->slots = s;
  w->nslots = nslots;
  return 0;
}

int pv_weights_find(const pv_weights *w, const char *name) {
  if (!w || !name || !w->nslots)
    return -1;
  uint32_t h = hash_name(name) & (uint32_t)(w->nslots - 1);
  while (w->slots[h] >= 0) {
    if (strcmp(w->e[w->slots[h]].name, name) == 0)
      return w->slots[h];
    h = (h + 1) & (uint32_t)(w->nslots - 1);
  }
  return -1;
}

int pv__weights_append(pv_weights *w, const char *name, pv_tensor *t,
                       const pv__wentry *meta) {
  int rc;
  if (pv_weights_find(w, name) >= 0) {
    pv_tensor_release(t);
    return pv_set_error(PV_ERR_FORMAT, "weights: duplicate tensor name '%s'",
                        name);
  }
  if (w->n == w->cap) {
    int nc = w->cap ? w->cap * 2 : 32;
    pv__wentry *e = realloc(w->e, (size_t)nc * sizeof *e);
    if (!e) {
      pv_tensor_release(t);
      return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
    }
    w->e = e;
    w->cap = nc;
  }
  pv__wentry *e = &w->e[w->n];
  if (meta)
    *e = *meta;
  else
    memset(e, 0, sizeof *e);
  e->name = pv__strdup(name);
  if (!e->name) {
    pv_tensor_release(t);
    return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
  }
  e->tensor = t;
  e->dtype = pv_tensor_dtype(t);
  w->n++;
  if (w->n * 2 > w->nslots) {
    if ((rc = index_rebuild(w, w->nslots ? w->nslots * 2 : 64)) != 0)
      return rc; /* the entry stays; only the index is stale-free */
  } else {
    uint32_t h = hash_name(name) & (uint32_t)(w->nslots - 1);
    while (w->slots[h] >= 0)
      h = (h + 1) & (uint32_t)(w->nslots - 1);
    w->slots[h] = w->n - 1;
  }
  return 0;
}

int pv__weights_meta_append(pv_weights *w, const char *key, const char *val) {
  for (int i = 0; i < w->nmeta; i++) {
    if (strcmp(w->mkey[i], key) == 0) {
      char *v = pv__strdup(val);
      if (!v)
        return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
      free(w->mval[i]);
      w->mval[i] = v;
      return 0;
    }
  }
  if (w->nmeta == w->capmeta) {
    int nc = w->capmeta ? w->capmeta * 2 : 8;
    char **k = realloc(w->mkey, (size_t)nc * sizeof *k);
    if (!k)
      return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
    w->mkey = k;
    char **v = realloc(w->mval, (size_t)nc * sizeof *v);
    if (!v)
      return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
    w->mval = v;
    w->capmeta = nc;
  }
  char *k = pv__strdup(key), *v = pv__strdup(val);
  if (!k || !v) {
    free(k);
    free(v);
    return pv_set_error(PV_ERR_NOMEM, "weights: out of memory");
  }
  w->mkey[w->nmeta] = k;
  w->mval[w->nmeta] = v;
  w->nmeta++;
  return 0;
}

/* --- public API ---------------------------------------------------------- */

size_t pv__legacy_magic_len(const uint8_t *p, size_t size) {
  /* PROTO n, [FRAME len (protocol 4+)], LONG1 of 10 bytes, STOP. */
  static const uint8_t magic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                  0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
  size_t o = 2;
  if (size < 2 + sizeof magic || p[0] != 0x80)
    return 0;
  if (p[2] == 0x95)
    o += 9;
  if (size < o + sizeof magic || memcmp(p + o, magic, sizeof magic) != 0)
    return 0;
  return o + sizeof magic;
}

pv_weights_format pv_weights_detect(const void *head, size_t size) {
  const uint8_t *p = head;
  if (!p || size < 16)
    return PV_WEIGHTS_FORMAT_UNKNOWN;
  if (p[0] == 'P' && p[1] == 'K' &&
      ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
    return PV_WEIGHTS_FORMAT_TORCH_ZIP;
  if (pv__legacy_magic_len(p, size))
    return PV_WEIGHTS_FORMAT_TORCH_LEGACY;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  if (n >= 2 && p[8] == '{')
    return PV_WEIGHTS_FORMAT_SAFETENSORS;
  return PV_WEIGHTS_FORMAT_UNKNOWN;
}

static int load_blob(pv__blob *b, const char *what,
                     const pv_weights_options *opt, pv_weights **out) {
  pv_weights_options def = {.struct_size = sizeof def};
  if (!opt)
    opt = &def;
  if (opt->struct_size < sizeof(uint32_t) * 2)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: bad options struct_size %u",
                        what, (unsigned)opt->struct_size);
  pv_weights_options o = def;
  memcpy(&o, opt, PV__MIN((size_t)opt->struct_size, sizeof o));
  o.struct_size = sizeof o;
  switch (pv_weights_detect(b->base, b->size)) {
  case PV_WEIGHTS_FORMAT_TORCH_ZIP:
  case PV_WEIGHTS_FORMAT_TORCH_LEGACY:
    return pv__pth_load(b, what, &o, out);
  case PV_WEIGHTS_FORMAT_SAFETENSORS:
    return pv__safetensors_load(b, what, &o, out);
  default:
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: not a PyTorch checkpoint (zip or legacy) nor a "
                        "safetensors file",
                        what);
  }
}

int pv_weights_load_ex(const char *path, const pv_weights_options *opt,
                       pv_weights **out) {
  if (!out)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_load: NULL out");
  *out = NULL;
  if (!path)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_load: NULL path");
  pv__blob *b;
  bool no_mmap =
      opt && opt->struct_size >= 8 && (opt->flags & PV_WEIGHTS_NO_MMAP);
  int rc = pv__blob_open(path, no_mmap, &b);
  if (rc)
    return rc;
  rc = load_blob(b, path, opt, out);
  pv__blob_release(b); /* tensors hold their own references */
  return rc;
}

int pv_weights_load(const char *path, pv_weights **out) {
  return pv_weights_load_ex(path, NULL, out);
}

int pv_weights_load_memory(const void *data, size_t size,
                           const pv_weights_options *opt, pv_weights **out) {
  if (!out)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_load_memory: NULL out");
  *out = NULL;
  if (!data && size)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_load_memory: NULL data");
  pv__blob *b;
  int rc = pv__blob_copy(data, size, &b);
  if (rc)
    return rc;
  rc = load_blob(b, "<memory>", opt, out);
  pv__blob_release(b);
  return rc;
}

pv_weights_format pv_weights_get_format(const pv_weights *w) {
  return w ? w->format : PV_WEIGHTS_FORMAT_UNKNOWN;
}

int pv_weights_count(const pv_weights *w) { return w ? w->n : 0; }

const char *pv_weights_name(const pv_weights *w, int i) {
  return w && i >= 0 && i < w->n ? w->e[i].name : NULL;
}

pv_tensor *pv_weights_tensor(const pv_weights *w, int i) {
  return w && i >= 0 && i < w->n ? w->e[i].tensor : NULL;
}

pv_tensor *pv_weights_get(const pv_weights *w, const char *name) {
  int i = pv_weights_find(w, name);
  if (i < 0) {
    pv_set_error(PV_ERR_NOT_FOUND, "weights: no tensor named '%s'",
                 name ? name : "(null)");
    return NULL;
  }
  return w->e[i].tensor;
}

int pv_weights_get_info(const pv_weights *w, int i, pv_weights_info *info) {
  if (!w || !info || i < 0 || i >= w->n)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_get_info: index %d of %d",
                        i, w ? w->n : 0);
  const pv__wentry *e = &w->e[i];
  info->name = e->name;
  info->tensor = e->tensor;
  info->dtype = e->dtype;
  info->ndim = pv_tensor_ndim(e->tensor);
  info->shape = pv_tensor_shape(e->tensor);
  info->is_parameter = e->is_parameter;
  info->requires_grad = e->requires_grad;
  info->zero_copy = e->zero_copy;
  info->shares_storage = e->shares_storage;
  return 0;
}

int pv_weights_metadata_count(const pv_weights *w) { return w ? w->nmeta : 0; }

const char *pv_weights_metadata_key(const pv_weights *w, int i) {
  return w && i >= 0 && i < w->nmeta ? w->mkey[i] : NULL;
}

const char *pv_weights_metadata_value(const pv_weights *w, int i) {
  return w && i >= 0 && i < w->nmeta ? w->mval[i] : NULL;
}

const char *pv_weights_metadata_get(const pv_weights *w, const char *key) {
  if (!w || !key)
    return NULL;
  for (int i = 0; i < w->nmeta; i++)
    if (strcmp(w->mkey[i], key) == 0)
      return w->mval[i];
  return NULL;
}

void pv_weights_free(pv_weights *w) {
  if (!w)
    return;
  for (int i = 0; i < w->n; i++) {
    free(w->e[i].name);
    pv_tensor_release(w->e[i].tensor);
  }
  for (int i = 0; i < w->nmeta; i++) {
    free(w->mkey[i]);
    free(w->mval[i]);
  }
  free(w->e);
  free(w->mkey);
  free(w->mval);
  free(w->slots);
  free(w);
}

int pv_weights_create(pv_weights **out) {
  if (!out)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_create: NULL out");
  *out = pv__weights_new(PV_WEIGHTS_FORMAT_BUILT);
  return *out ? 0 : PV_ERR_NOMEM;
}

int pv_weights_add(pv_weights *w, const char *name, pv_tensor *t) {
  if (!w || !name || !*name || !t)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "weights_add: NULL collection, tensor or empty name");
  if (pv_tensor_device(t))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "weights_add: '%s' is a device tensor", name);
  if (pv_weights_find(w, name) >= 0)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_add: duplicate name '%s'",
                        name);
  return pv__weights_append(w, name, pv_tensor_retain(t), NULL);
}

int pv_weights_set_metadata(pv_weights *w, const char *key, const char *value) {
  if (!w || !key || !value)
    return pv_set_error(PV_ERR_INVALID_ARG, "weights_set_metadata: NULL arg");
  return pv__weights_meta_append(w, key, value);
}
