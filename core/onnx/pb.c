/*
 * A minimal protobuf wire-format reader: enough for the ONNX messages. Every
 * length is checked against the bytes that remain, varints are at most ten
 * bytes, groups (deprecated wire types 3/4) are rejected. Payloads are
 * returned as slices of the input, so nothing is copied.
 */
#include "onnx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void pv__pb_init(pv__pb *r, pv__bytes b, const char *what) {
  r->p = b.p;
  r->end = b.p + b.n;
  r->what = what;
}

static int rd_varint(pv__pb *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (r->p >= r->end)
      return pv_set_error(PV_ERR_FORMAT, "onnx: %s: truncated varint", r->what);
    uint8_t c = *r->p++;
    if (i == 9 && c > 1)
      return pv_set_error(PV_ERR_FORMAT, "onnx: %s: varint overflows 64 bits",
                          r->what);
    v |= (uint64_t)(c & 0x7f) << (7 * i);
    if (!(c & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return pv_set_error(PV_ERR_FORMAT, "onnx: %s: varint longer than 10 bytes",
                      r->what);
}

static int rd_fixed(pv__pb *r, int nbytes, uint64_t *out) {
  if (r->end - r->p < nbytes)
    return pv_set_error(PV_ERR_FORMAT, "onnx: %s: truncated fixed%d", r->what,
                        nbytes * 8);
  uint64_t v = 0;
  for (int i = 0; i < nbytes; i++)
    v |= (uint64_t)r->p[i] << (8 * i);
  r->p += nbytes;
  *out = v;
  return 0;
}

int pv__pb_next(pv__pb *r, pv__pb_field *f) {
  if (r->p >= r->end)
    return 0;
  uint64_t key;
  int rc = rd_varint(r, &key);
  if (rc)
    return rc;
  uint64_t num = key >> 3;
  f->wire = (int)(key & 7);
  if (num == 0 || num > 0x1fffffff)
    return pv_set_error(PV_ERR_FORMAT, "onnx: %s: invalid field number %llu",
                        r->what, (unsigned long long)num);
  f->num = (uint32_t)num;
  f->v = 0;
  f->b.p = NULL;
  f->b.n = 0;
  switch (f->wire) {
  case PV__PB_VARINT:
    rc = rd_varint(r, &f->v);
    break;
  case PV__PB_I64:
    rc = rd_fixed(r, 8, &f->v);
    break;
  case PV__PB_I32:
    rc = rd_fixed(r, 4, &f->v);
    break;
  case PV__PB_LEN: {
    uint64_t len;
    rc = rd_varint(r, &len);
    if (rc)
      return rc;
    if (len > (uint64_t)(r->end - r->p))
      return pv_set_error(PV_ERR_FORMAT,
                          "onnx: %s: field %u claims %llu bytes but only %zu "
                          "remain",
                          r->what, f->num, (unsigned long long)len,
                          (size_t)(r->end - r->p));
    f->b.p = r->p;
    f->b.n = (size_t)len;
    r->p += len;
    break;
  }
  default:
    return pv_set_error(PV_ERR_FORMAT, "onnx: %s: field %u has wire type %d",
                        r->what, f->num, f->wire);
  }
  return rc ? rc : 1;
}

/* Walks the elements of a repeated field; when out is NULL it only counts. */
static int64_t walk(pv__bytes msg, uint32_t num, int kind, void *out,
                    int64_t cap, const char *what) {
  pv__pb r;
  pv__pb_field f;
  int64_t n = 0;
  int rc;
  pv__pb_init(&r, msg, what);
  while ((rc = pv__pb_next(&r, &f)) > 0) {
    if (f.num != num)
      continue;
    pv__pb sub;
    bool packed = f.wire == PV__PB_LEN;
    int want = kind == PV__PBK_VARINT ? PV__PB_VARINT
               : kind == PV__PBK_F32  ? PV__PB_I32
                                      : PV__PB_I64;
    if (!packed && f.wire != want)
      return pv_set_error(PV_ERR_FORMAT,
                          "onnx: %s: field %u has wire type %d, expected %d",
                          what, num, f.wire, want);
    if (packed)
      pv__pb_init(&sub, f.b, what);
    for (;;) {
      uint64_t v = f.v;
      if (packed) {
        if (sub.p >= sub.end)
          break;
        if (kind == PV__PBK_VARINT)
          rc = rd_varint(&sub, &v);
        else
          rc = rd_fixed(&sub, kind == PV__PBK_F32 ? 4 : 8, &v);
        if (rc)
          return rc;
      }
      if (out && n < cap) {
        if (kind == PV__PBK_VARINT) {
          ((int64_t *)out)[n] = (int64_t)v;
        } else if (kind == PV__PBK_F32) {
          uint32_t u = (uint32_t)v;
          float x;
          memcpy(&x, &u, 4);
          ((float *)out)[n] = x;
        } else {
          double x;
          memcpy(&x, &v, 8);
          ((double *)out)[n] = x;
        }
      }
      n++;
      if (!packed)
        break;
    }
  }
  if (rc < 0)
    return rc;
  return out && n > cap ? cap : n;
}

int64_t pv__pb_count(pv__bytes msg, uint32_t num, int kind, const char *what) {
  return walk(msg, num, kind, NULL, 0, what);
}

int64_t pv__pb_read(pv__bytes msg, uint32_t num, int kind, void *out,
                    int64_t cap, const char *what) {
  return walk(msg, num, kind, out, cap, what);
}

/* --- model buffers ------------------------------------------------------- */

pv__onnx_buf *pv__onnx_buf_copy(const void *data, size_t size) {
  pv__onnx_buf *b = calloc(1, sizeof *b);
  uint8_t *d = pv__aligned_alloc(64, size ? size : 1);
  if (!b || !d) {
    free(b);
    pv__aligned_free(d);
    pv_set_error(PV_ERR_NOMEM, "onnx: cannot allocate %zu bytes", size);
    return NULL;
  }
  if (size)
    memcpy(d, data, size);
  atomic_init(&b->refcount, 1);
  b->data = d;
  b->size = size;
  return b;
}

pv__onnx_buf *pv__onnx_buf_map(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pv_set_error(errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO,
                        "%s: cannot open: %s", path, strerror(errno)),
           NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    pv_set_error(PV_ERR_IO, "%s: not a regular file", path);
    return NULL;
  }
  size_t size = (size_t)st.st_size;
  if (size == 0) {
    close(fd);
    pv_set_error(PV_ERR_FORMAT, "%s: empty file", path);
    return NULL;
  }
  /* Private and writable: copy-on-write, so a consumer that writes into a
   * weight can never modify the file. */
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    /* Some filesystems cannot map: fall back to reading. */
    void *data;
    size_t n;
    if (pv__read_file(path, &data, &n))
      return NULL;
    pv__onnx_buf *b = pv__onnx_buf_copy(data, n);
    free(data);
    return b;
  }
  pv__onnx_buf *b = calloc(1, sizeof *b);
  if (!b) {
    munmap(p, size);
    pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  atomic_init(&b->refcount, 1);
  b->data = p;
  b->size = size;
  b->mapped = true;
  return b;
}

void pv__onnx_buf_retain(pv__onnx_buf *b) {
  if (b)
    atomic_fetch_add(&b->refcount, 1);
}

void pv__onnx_buf_release(void *user) {
  pv__onnx_buf *b = user;
  if (!b || atomic_fetch_sub(&b->refcount, 1) != 1)
    return;
  if (b->mapped)
    munmap(b->data, b->size);
  else
    pv__aligned_free(b->data);
  free(b);
}
