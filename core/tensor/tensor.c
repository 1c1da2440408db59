/*
 * Tensors: a view (dtype, shape, strides, byte offset) over a refcounted
 * storage that lives on the host or on a device.
 */
#include "internal.h"
#include "tensor_internal.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

int64_t pv__shape_numel(int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return -1;
    if (__builtin_mul_overflow(n, shape[i], &n))
      return -1;
  }
  return n;
}

int pv__check_shape(int ndim, const int64_t *shape, const char *what) {
  if (ndim < 0 || ndim > PV_MAX_DIMS)
    return pv_set_error(PV_ERR_SHAPE, "%s: %d dims (at most %d)", what, ndim,
                        PV_MAX_DIMS);
  if (ndim && !shape)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: NULL shape", what);
  int64_t n = pv__shape_numel(ndim, shape);
  char buf[PV__SHAPE_STR_LEN];
  if (n < 0 || (uint64_t)n > PV__MAX_TENSOR_BYTES)
    return pv_set_error(PV_ERR_SHAPE, "%s: invalid shape %s", what,
                        pv__shape_str(ndim, shape, buf, sizeof buf));
  return 0;
}

int64_t pv__desc_numel(const pv_tensor_desc *d) {
  return pv__shape_numel(d->ndim, d->shape);
}

size_t pv__desc_nbytes(const pv_tensor_desc *d) {
  int64_t n = pv__desc_numel(d);
  return n < 0 ? 0 : (size_t)n * pv_dtype_size((pv_dtype)d->dtype);
}

const char *pv__shape_str(int ndim, const int64_t *shape, char *buf,
                          size_t size) {
  size_t o = 0;
  o += (size_t)snprintf(buf + o, size - o, "[");
  for (int i = 0; i < ndim && o < size; i++)
    o += (size_t)snprintf(buf + o, size - o, "%s%lld", i ? ", " : "",
                          (long long)shape[i]);
  if (o < size)
    snprintf(buf + o, size - o, "]");
  return buf;
}

static pv__storage *storage_new(void) {
  pv__storage *s = calloc(1, sizeof *s);
  if (s)
    atomic_init(&s->refcount, 1);
  return s;
}

void pv__storage_release(pv__storage *s) {
  if (!s || atomic_fetch_sub(&s->refcount, 1) != 1)
    return;
  if (s->deleter)
    s->deleter(s->user);
  else if (s->owned)
    pv__aligned_free(s->data);
  if (s->buffer && s->device)
    pv__device_free_buffer(s->device, s->buffer);
  free(s);
}

void pv__tensor_set_file_mapped(pv_tensor *t) {
  if (t && t->storage)
    t->storage->file_mapped = true;
}

#ifdef __linux__
/* Drops [lo, hi) (page aligned) from the resident set where a page is still
 * the file's own page; a page a caller wrote to (now anonymous, per
 * /proc/self/pagemap) is kept, since dropping it would lose the write. The
 * page cache keeps the file's pages, so a later read or the next process
 * finds them in memory. */
static void drop_clean_file_pages(uintptr_t lo, uintptr_t hi, uintptr_t page) {
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  uint64_t ent[512];
  uintptr_t a = lo, run = 0;
  while (a < hi) {
    size_t n = (size_t)((hi - a) / page);
    if (n > 512)
      n = 512;
    ssize_t got = pread(fd, ent, n * 8, (off_t)(a / page * 8));
    if (got != (ssize_t)(n * 8))
      break;
    for (size_t i = 0; i < n; i++, a += page) {
      bool file_page = (ent[i] >> 63 & 1) && (ent[i] >> 61 & 1);
      if (file_page && !run)
        run = a;
      if (!file_page && run) {
        (void)madvise((void *)run, a - run, MADV_DONTNEED);
        run = 0;
      }
    }
  }
  if (run)
    (void)madvise((void *)run, a - run, MADV_DONTNEED);
  close(fd);
}
#endif

void pv__tensor_advise_cold(const pv_tensor *t) {
#ifdef __linux__
  if (!t || !t->storage || !t->storage->file_mapped || !t->storage->data)
    return;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0)
    return;
  uintptr_t lo = (uintptr_t)t->storage->data + (uintptr_t)t->offset;
  uintptr_t hi = lo + pv_tensor_nbytes(t);
  lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  hi &= ~((uintptr_t)page - 1);
  if (hi > lo)
    drop_clean_file_pages(lo, hi, (uintptr_t)page);
#else
  (void)t;
#endif
}

bool pv__tensor_is_exclusive(const pv_tensor *t) {
  return t && t->storage && atomic_load(&t->refcount) == 1 &&
         atomic_load(&t->storage->refcount) == 1;
}

static void contiguous_strides(int ndim, const int64_t *shape,
                               int64_t *strides) {
  int64_t st = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    strides[i] = st;
    st *= shape[i] > 0 ? shape[i] : 1;
  }
}

static pv_tensor *tensor_new(pv_dtype dtype, int ndim, const int64_t *shape,
                             const int64_t *strides, pv__storage *s,
                             int64_t offset) {
  pv_tensor *t = calloc(1, sizeof *t);
  if (!t) {
    pv_set_error(PV_ERR_NOMEM, "tensor: out of memory");
    return NULL;
  }
  atomic_init(&t->refcount, 1);
  t->dtype = dtype;
  t->ndim = ndim;
  if (ndim)
    memcpy(t->shape, shape, sizeof(int64_t) * (size_t)ndim);
  if (strides)
    memcpy(t->strides, strides, sizeof(int64_t) * (size_t)ndim);
  else
    contiguous_strides(ndim, shape, t->strides);
  t->storage = s;
  t->offset = offset;
  return t;
}

pv_tensor *pv__tensor_alloc(pv_dtype dtype, int ndim, const int64_t *shape,
                            bool zero) {
  if (pv_dtype_size(dtype) == 0) {
    pv_set_error(PV_ERR_DTYPE, "tensor: invalid dtype %d", (int)dtype);
    return NULL;
  }
  if (pv__check_shape(ndim, shape, "tensor") != 0)
    return NULL;
  size_t nbytes = (size_t)pv__shape_numel(ndim, shape) * pv_dtype_size(dtype);
  pv__storage *s = storage_new();
  if (!s) {
    pv_set_error(PV_ERR_NOMEM, "tensor: out of memory");
    return NULL;
  }
  s->data = pv__aligned_alloc(64, nbytes);
  if (!s->data) {
    free(s);
    pv_set_error(PV_ERR_NOMEM, "tensor: cannot allocate %zu bytes", nbytes);
    return NULL;
  }
  if (zero)
    memset(s->data, 0, nbytes);
  s->owned = true;
  s->nbytes = nbytes;
  pv_tensor *t = tensor_new(dtype, ndim, shape, NULL, s, 0);
  if (!t)
    pv__storage_release(s);
  return t;
}

pv_tensor *pv_tensor_create(pv_dtype dtype, int ndim, const int64_t *shape) {
  return pv__tensor_alloc(dtype, ndim, shape, true);
}

pv_tensor *pv_tensor_from_data(pv_dtype dtype, int ndim, const int64_t *shape,
                               const void *data) {
  pv_tensor *t = pv__tensor_alloc(dtype, ndim, shape, data == NULL);
  if (t && data)
    memcpy(t->storage->data, data, pv_tensor_nbytes(t));
  return t;
}

pv_tensor *pv_tensor_wrap(pv_dtype dtype, int ndim, const int64_t *shape,
                          const int64_t *strides, void *data,
                          void (*deleter)(void *user), void *user) {
  if (pv_dtype_size(dtype) == 0) {
    pv_set_error(PV_ERR_DTYPE, "tensor_wrap: invalid dtype %d", (int)dtype);
    return NULL;
  }
  if (pv__check_shape(ndim, shape, "tensor_wrap") != 0)
    return NULL;
  if (!data && pv__shape_numel(ndim, shape) > 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "tensor_wrap: NULL data");
    return NULL;
  }
  pv__storage *s = storage_new();
  if (!s) {
    pv_set_error(PV_ERR_NOMEM, "tensor: out of memory");
    return NULL;
  }
  s->data = data;
  s->deleter = deleter;
  s->user = user;
  pv_tensor *t = tensor_new(dtype, ndim, shape, strides, s, 0);
  if (!t)
    pv__storage_release(s);
  return t;
}

pv_tensor *pv__tensor_on_device(pv_dtype dtype, int ndim, const int64_t *shape,
                                pv_device *dev, pv_plugin_buffer *buf,
                                size_t nbytes) {
  pv__storage *s = storage_new();
  if (!s) {
    pv_set_error(PV_ERR_NOMEM, "tensor: out of memory");
    return NULL;
  }
  s->device = dev;
  s->buffer = buf;
  s->nbytes = nbytes;
  pv_tensor *t = tensor_new(dtype, ndim, shape, NULL, s, 0);
  if (!t)
    pv__storage_release(s);
  return t;
}

pv_tensor *pv_tensor_retain(pv_tensor *t) {
  if (t)
    atomic_fetch_add(&t->refcount, 1);
  return t;
}

void pv_tensor_release(pv_tensor *t) {
  if (!t || atomic_fetch_sub(&t->refcount, 1) != 1)
    return;
  pv__storage_release(t->storage);
  free(t);
}

pv_dtype pv_tensor_dtype(const pv_tensor *t) { return t->dtype; }
int pv_tensor_ndim(const pv_tensor *t) { return t->ndim; }
const int64_t *pv_tensor_shape(const pv_tensor *t) { return t->shape; }
const int64_t *pv_tensor_strides(const pv_tensor *t) { return t->strides; }

int64_t pv_tensor_dim(const pv_tensor *t, int dim) {
  if (dim < 0)
    dim += t->ndim;
  if (dim < 0 || dim >= t->ndim)
    return -1;
  return t->shape[dim];
}

int64_t pv_tensor_numel(const pv_tensor *t) {
  return pv__shape_numel(t->ndim, t->shape);
}

size_t pv_tensor_nbytes(const pv_tensor *t) {
  return (size_t)pv_tensor_numel(t) * pv_dtype_size(t->dtype);
}

int pv_tensor_is_contiguous(const pv_tensor *t) {
  int64_t st = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && t->strides[i] != st)
      return 0;
    st *= t->shape[i];
  }
  return 1;
}

void *pv_tensor_data(const pv_tensor *t) {
  if (!t || t->storage->device)
    return NULL;
  return (char *)t->storage->data + t->offset;
}

int pv_tensor_get_desc(const pv_tensor *t, pv_tensor_desc *d) {
  memset(d, 0, sizeof *d);
  d->dtype = t->dtype;
  d->ndim = t->ndim;
  memcpy(d->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  if (!pv_tensor_is_contiguous(t))
    return pv_set_error(PV_ERR_INVALID_ARG, "tensor is not contiguous");
  return 0;
}

/* --- views --------------------------------------------------------------- */

static pv_tensor *view_of(pv_tensor *t, int ndim, const int64_t *shape,
                          const int64_t *strides, int64_t offset) {
  atomic_fetch_add(&t->storage->refcount, 1);
  pv_tensor *v = tensor_new(t->dtype, ndim, shape, strides, t->storage, offset);
  if (!v)
    pv__storage_release(t->storage);
  return v;
}

pv_tensor *pv_tensor_slice(pv_tensor *t, int dim, int64_t start, int64_t end,
                           int64_t step) {
  if (dim < 0)
    dim += t->ndim;
  if (dim < 0 || dim >= t->ndim) {
    pv_set_error(PV_ERR_INVALID_ARG, "slice: dim %d out of range for %d dims",
                 dim, t->ndim);
    return NULL;
  }
  if (step == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "slice: step must not be zero");
    return NULL;
  }
  int64_t n = t->shape[dim], count;
  pv__slice_normalize(n, &start, &end, step, &count);
  int64_t shape[PV_MAX_DIMS], strides[PV_MAX_DIMS];
  memcpy(shape, t->shape, sizeof shape);
  memcpy(strides, t->strides, sizeof strides);
  shape[dim] = count;
  strides[dim] = t->strides[dim] * step;
  int64_t off = t->offset + (count ? start : 0) * t->strides[dim] *
                                (int64_t)pv_dtype_size(t->dtype);
  return view_of(t, t->ndim, shape, strides, off);
}

void pv__slice_normalize(int64_t n, int64_t *start, int64_t *end, int64_t step,
                         int64_t *count) {
  int64_t s = *start, e = *end;
  if (step > 0) {
    if (s < 0)
      s += n;
    if (e < 0)
      e += n;
    s = s < 0 ? 0 : s > n ? n : s;
    e = e < 0 ? 0 : e > n ? n : e;
    *count = e > s ? (e - s + step - 1) / step : 0;
  } else {
    if (s < 0)
      s += n;
    if (e < 0)
      e += n;
    s = s < -1 ? -1 : s > n - 1 ? n - 1 : s;
    e = e < -1 ? -1 : e > n - 1 ? n - 1 : e;
    *count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
  }
  *start = s;
  *end = e;
}

pv_tensor *pv_tensor_permute(pv_tensor *t, const int *perm) {
  int seen[PV_MAX_DIMS] = {0};
  int64_t shape[PV_MAX_DIMS], strides[PV_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) {
    int p = perm[i] < 0 ? perm[i] + t->ndim : perm[i];
    if (p < 0 || p >= t->ndim || seen[p]++) {
      pv_set_error(PV_ERR_INVALID_ARG, "permute: invalid permutation");
      return NULL;
    }
    shape[i] = t->shape[p];
    strides[i] = t->strides[p];
  }
  return view_of(t, t->ndim, shape, strides, t->offset);
}

int pv__resolve_reshape(int64_t numel, int ndim, const int64_t *shape,
                        int64_t *out) {
  int infer = -1;
  int64_t known = 1;
  if (ndim < 0 || ndim > PV_MAX_DIMS)
    return pv_set_error(PV_ERR_SHAPE, "reshape: %d dims", ndim);
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == -1) {
      if (infer >= 0)
        return pv_set_error(PV_ERR_SHAPE, "reshape: more than one -1");
      infer = i;
    } else if (shape[i] < 0) {
      return pv_set_error(PV_ERR_SHAPE, "reshape: negative dim %lld",
                          (long long)shape[i]);
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {
      return pv_set_error(PV_ERR_SHAPE, "reshape: shape overflows");
    }
    out[i] = shape[i];
  }
  if (infer >= 0) {
    if (known == 0 || numel % known)
      return pv_set_error(PV_ERR_SHAPE,
                          "reshape: cannot infer -1 for %lld elements",
                          (long long)numel);
    out[infer] = numel / known;
  } else if (known != numel) {
    char b[PV__SHAPE_STR_LEN];
    return pv_set_error(
        PV_ERR_SHAPE, "reshape: shape %s is invalid for %lld elements",
        pv__shape_str(ndim, shape, b, sizeof b), (long long)numel);
  }
  return 0;
}

pv_tensor *pv_tensor_reshape(pv_tensor *t, int ndim, const int64_t *shape) {
  int64_t out[PV_MAX_DIMS];
  if (pv__resolve_reshape(pv_tensor_numel(t), ndim, shape, out) != 0)
    return NULL;
  if (pv_tensor_is_contiguous(t))
    return view_of(t, ndim, out, NULL, t->offset);
  pv_tensor *c = pv_tensor_clone(t);
  if (!c)
    return NULL;
  pv_tensor *v = view_of(c, ndim, out, NULL, 0);
  pv_tensor_release(c);
  return v;
}

/* --- copies -------------------------------------------------------------- */

/* Strided host copy with conversion: iterates the outer dims and converts
 * the innermost run in one call when both sides are unit-stride there. */
static void strided_copy(void *dst, pv_dtype dt, const int64_t *dstr,
                         const void *src, pv_dtype st, const int64_t *sstr,
                         int ndim, const int64_t *shape) {
  int64_t n = pv__shape_numel(ndim, shape);
  if (n <= 0)
    return;
  size_t des = pv_dtype_size(dt), ses = pv_dtype_size(st);
  if (ndim == 0) {
    pv__convert(dst, dt, src, st, 1);
    return;
  }
  int64_t inner = shape[ndim - 1];
  bool unit = dstr[ndim - 1] == 1 && sstr[ndim - 1] == 1;
  int64_t idx[PV_MAX_DIMS] = {0};
  int64_t outer = n / (inner ? inner : 1);
  for (int64_t o = 0; o < outer; o++) {
    int64_t doff = 0, soff = 0;
    for (int d = 0; d < ndim - 1; d++) {
      doff += idx[d] * dstr[d];
      soff += idx[d] * sstr[d];
    }
    char *dp = (char *)dst + doff * (int64_t)des;
    const char *sp = (const char *)src + soff * (int64_t)ses;
    if (unit) {
      pv__convert(dp, dt, sp, st, inner);
    } else {
      for (int64_t i = 0; i < inner; i++)
        pv__convert(dp + i * dstr[ndim - 1] * (int64_t)des, dt,
                    sp + i * sstr[ndim - 1] * (int64_t)ses, st, 1);
    }
    for (int d = ndim - 2; d >= 0; d--) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

/* Returns a host view of t: itself when on the host, else a downloaded
 * contiguous copy. */
static pv_tensor *host_view(const pv_tensor *t) {
  if (!t->storage->device)
    return pv_tensor_retain((pv_tensor *)t);
  return pv__tensor_download(t);
}

pv_tensor *pv_tensor_cast(const pv_tensor *t, pv_dtype dtype) {
  pv_tensor *h = host_view(t);
  if (!h)
    return NULL;
  pv_tensor *c = pv__tensor_alloc(dtype, h->ndim, h->shape, false);
  if (c)
    strided_copy(pv_tensor_data(c), dtype, c->strides, pv_tensor_data(h),
                 h->dtype, h->strides, h->ndim, h->shape);
  pv_tensor_release(h);
  return c;
}

pv_tensor *pv_tensor_clone(const pv_tensor *t) {
  return pv_tensor_cast(t, t->dtype);
}

pv_tensor *pv_tensor_contiguous(pv_tensor *t) {
  if (!t->storage->device && pv_tensor_is_contiguous(t))
    return pv_tensor_retain(t);
  return pv_tensor_clone(t);
}

int pv_tensor_copy(pv_tensor *dst, const pv_tensor *src) {
  if (dst->ndim != src->ndim ||
      memcmp(dst->shape, src->shape, sizeof(int64_t) * (size_t)dst->ndim))
    return pv_set_error(PV_ERR_SHAPE, "tensor_copy: shapes differ");
  pv_tensor *h = host_view(src);
  if (!h)
    return pv_last_status();
  int rc = 0;
  if (!dst->storage->device) {
    strided_copy(pv_tensor_data(dst), dst->dtype, dst->strides,
                 pv_tensor_data(h), h->dtype, h->strides, h->ndim, h->shape);
  } else if (pv_tensor_is_contiguous(dst)) {
    pv_tensor *c = pv_tensor_cast(h, dst->dtype);
    rc = c ? pv__device_write(dst->storage->device, dst->storage->buffer,
                              (uint64_t)dst->offset, pv_tensor_data(c),
                              pv_tensor_nbytes(c))
           : pv_last_status();
    pv_tensor_release(c);
  } else {
    rc = pv_set_error(PV_ERR_UNSUPPORTED,
                      "tensor_copy: strided destination on a device");
  }
  pv_tensor_release(h);
  return rc;
}

pv_device *pv_tensor_device(const pv_tensor *t) { return t->storage->device; }

pv_tensor *pv__tensor_download(const pv_tensor *t) {
  if (!pv_tensor_is_contiguous(t)) {
    pv_set_error(PV_ERR_UNSUPPORTED, "download of a strided device tensor");
    return NULL;
  }
  pv_tensor *h = pv__tensor_alloc(t->dtype, t->ndim, t->shape, false);
  if (!h)
    return NULL;
  if (pv__device_read(t->storage->device, t->storage->buffer,
                      (uint64_t)t->offset, pv_tensor_data(h),
                      pv_tensor_nbytes(h)) != 0) {
    pv_tensor_release(h);
    return NULL;
  }
  return h;
}

pv_tensor *pv_tensor_to(const pv_tensor *t, pv_device *dev) {
  pv_tensor *h = host_view(t);
  if (!h)
    return NULL;
  if (!dev) {
    pv_tensor *c =
        pv_tensor_is_contiguous(h) && h->storage->device == NULL && h != t
            ? pv_tensor_retain(h)
            : pv_tensor_clone(h);
    pv_tensor_release(h);
    return c;
  }
  pv_tensor *c = pv_tensor_contiguous(h);
  pv_tensor_release(h);
  if (!c)
    return NULL;
  size_t nb = pv_tensor_nbytes(c);
  pv_plugin_buffer *buf = NULL;
  pv_tensor *out = NULL;
  if (pv__device_alloc_buffer(dev, nb, &buf) == 0) {
    if (pv__device_write(dev, buf, 0, pv_tensor_data(c), nb) == 0)
      out = pv__tensor_on_device(c->dtype, c->ndim, c->shape, dev, buf, nb);
    if (!out)
      pv__device_free_buffer(dev, buf);
  }
  pv_tensor_release(c);
  return out;
}
