/*
 * .npy read/write (numpy format 1.0-3.0). The header is a Python dict
 * literal; we parse only the three keys numpy writes, with bounds on every
 * length, and refuse anything else with a message naming the field.
 */
#include "internal.h"
#include "tensor_internal.h"

#include <ctype.h>

static const struct {
  const char *descr;
  pv_dtype dt;
} k_descrs[] = {
    {"f4", PV_F32},  {"f2", PV_F16}, {"u1", PV_U8},  {"i1", PV_I8},
    {"u2", PV_U16},  {"i2", PV_I16}, {"i4", PV_I32}, {"i8", PV_I64},
    {"b1", PV_BOOL}, {"f8", PV_F64}, {"?", PV_BOOL},
};

static int npy_err(const char *what) {
  return pv_set_error(PV_ERR_FORMAT, "npy: %s", what);
}

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && isspace((unsigned char)*p))
    p++;
  return p;
}

/* Finds 'key' in the header dict and returns a pointer after its ':'. */
static const char *find_key(const char *h, const char *end, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = h; p + kl + 2 <= end; p++) {
    if ((*p == '\'' || *p == '"') && !memcmp(p + 1, key, kl) &&
        p[kl + 1] == *p) {
      const char *q = skip_ws(p + kl + 2, end);
      if (q < end && *q == ':')
        return skip_ws(q + 1, end);
    }
  }
  return NULL;
}

pv_tensor *pv_npy_decode(const void *data, size_t size) {
  const unsigned char *b = data;
  if (!data || size < 10 || memcmp(b, "\x93NUMPY", 6) != 0) {
    npy_err("bad magic (not a .npy file)");
    return NULL;
  }
  int major = b[6];
  size_t hlen, hoff;
  if (major == 1) {
    hlen = (size_t)b[8] | ((size_t)b[9] << 8);
    hoff = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) {
      npy_err("truncated header length");
      return NULL;
    }
    hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) |
           ((size_t)b[11] << 24);
    hoff = 12;
  } else {
    pv_set_error(PV_ERR_UNSUPPORTED, "npy: format version %d", major);
    return NULL;
  }
  if (hlen > size - hoff || hlen > (1u << 20)) {
    npy_err("header length exceeds the file");
    return NULL;
  }
  const char *h = (const char *)b + hoff, *he = h + hlen;

  /* descr */
  const char *p = find_key(h, he, "descr");
  if (!p || (*p != '\'' && *p != '"')) {
    npy_err("missing or non-string 'descr' field");
    return NULL;
  }
  char q = *p++;
  const char *ds = p;
  while (p < he && *p != q)
    p++;
  if (p >= he || p - ds < 1 || p - ds > 8) {
    npy_err("bad 'descr' field");
    return NULL;
  }
  char descr[16] = {0};
  memcpy(descr, ds, (size_t)(p - ds));
  char order = '<';
  const char *code = descr;
  if (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' ||
      descr[0] == '=') {
    order = descr[0];
    code++;
  }
  int dt = -1;
  for (size_t i = 0; i < PV__ARRAY_LEN(k_descrs); i++)
    if (!strcmp(code, k_descrs[i].descr))
      dt = (int)k_descrs[i].dt;
  if (dt < 0) {
    pv_set_error(PV_ERR_UNSUPPORTED, "npy: unsupported dtype descr '%s'",
                 descr);
    return NULL;
  }
  bool swap = order == '>' && pv_dtype_size((pv_dtype)dt) > 1;

  /* fortran_order */
  p = find_key(h, he, "fortran_order");
  if (!p) {
    npy_err("missing 'fortran_order' field");
    return NULL;
  }
  bool fortran;
  if (he - p >= 4 && !memcmp(p, "True", 4))
    fortran = true;
  else if (he - p >= 5 && !memcmp(p, "False", 5))
    fortran = false;
  else {
    npy_err("bad 'fortran_order' field");
    return NULL;
  }

  /* shape */
  p = find_key(h, he, "shape");
  if (!p || *p != '(') {
    npy_err("missing or bad 'shape' field");
    return NULL;
  }
  p++;
  int ndim = 0;
  int64_t shape[PV_MAX_DIMS];
  for (;;) {
    p = skip_ws(p, he);
    if (p >= he) {
      npy_err("unterminated 'shape' field");
      return NULL;
    }
    if (*p == ')')
      break;
    if (!isdigit((unsigned char)*p)) {
      npy_err("bad dimension in 'shape' field");
      return NULL;
    }
    int64_t v = 0;
    while (p < he && isdigit((unsigned char)*p)) {
      if (v > (INT64_MAX - 9) / 10) {
        npy_err("dimension overflows in 'shape' field");
        return NULL;
      }
      v = v * 10 + (*p++ - '0');
    }
    if (ndim >= PV_MAX_DIMS) {
      pv_set_error(PV_ERR_UNSUPPORTED, "npy: more than %d dims", PV_MAX_DIMS);
      return NULL;
    }
    shape[ndim++] = v;
    p = skip_ws(p, he);
    if (p < he && *p == ',')
      p++;
  }
  if (pv__check_shape(ndim, shape, "npy") != 0)
    return NULL;
  int64_t numel = pv__shape_numel(ndim, shape);
  size_t es = pv_dtype_size((pv_dtype)dt);
  size_t need = (size_t)numel * es, avail = size - hoff - hlen;
  if (need > avail) {
    pv_set_error(PV_ERR_FORMAT,
                 "npy: data truncated: shape needs %zu bytes, file has %zu",
                 need, avail);
    return NULL;
  }
  const unsigned char *src = b + hoff + hlen;
  pv_tensor *t;
  if (!fortran) {
    t = pv_tensor_from_data((pv_dtype)dt, ndim, shape, src);
  } else { /* Fortran order: the reversed shape, then permuted back */
    int64_t rshape[PV_MAX_DIMS];
    int perm[PV_MAX_DIMS];
    for (int i = 0; i < ndim; i++) {
      rshape[i] = shape[ndim - 1 - i];
      perm[i] = ndim - 1 - i;
    }
    pv_tensor *r = pv_tensor_from_data((pv_dtype)dt, ndim, rshape, src);
    pv_tensor *v = r ? pv_tensor_permute(r, perm) : NULL;
    t = v ? pv_tensor_clone(v) : NULL;
    pv_tensor_release(v);
    pv_tensor_release(r);
  }
  if (t && swap) {
    unsigned char *d = pv_tensor_data(t);
    for (int64_t i = 0; i < numel; i++)
      for (size_t k = 0; k < es / 2; k++) {
        unsigned char tmp = d[i * es + k];
        d[i * es + k] = d[i * es + es - 1 - k];
        d[i * es + es - 1 - k] = tmp;
      }
  }
  if (t && dt == PV_BOOL) { /* normalise to 0/1 */
    unsigned char *d = pv_tensor_data(t);
    for (int64_t i = 0; i < numel; i++)
      d[i] = d[i] != 0;
  }
  return t;
}

pv_tensor *pv_npy_load(const char *path) {
  void *data;
  size_t size;
  if (pv__read_file(path, &data, &size) != 0)
    return NULL;
  pv_tensor *t = pv_npy_decode(data, size);
  free(data);
  if (!t) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", pv_last_error());
    pv_set_error(pv_last_status(), "%s: %s", path, msg);
  }
  return t;
}

int pv_npy_encode(const pv_tensor *t, void **data, size_t *size) {
  if (t->dtype == PV_BF16)
    return pv_set_error(PV_ERR_UNSUPPORTED, "npy: numpy has no bfloat16");
  pv_tensor *c = pv_tensor_contiguous((pv_tensor *)t);
  if (!c)
    return pv_last_status();
  const char *descr = "";
  switch (t->dtype) {
#define PV__DT_DESCR(name, val, sz, d)                                         \
  case PV_##name:                                                              \
    descr = d;                                                                 \
    break;
    PV_DTYPE_MAP(PV__DT_DESCR)
#undef PV__DT_DESCR
  default:
    break;
  }
  char hdr[512];
  int n = snprintf(hdr, sizeof hdr,
                   "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < t->ndim; i++)
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%lld%s",
                  (long long)t->shape[i],
                  t->ndim == 1 ? "," : (i + 1 < t->ndim ? ", " : ""));
  n += snprintf(hdr + n, sizeof hdr - (size_t)n, "), }");
  size_t total_hdr = 10 + (size_t)n + 1;
  size_t pad = (64 - total_hdr % 64) % 64;
  size_t hlen = (size_t)n + pad + 1;
  size_t nb = pv_tensor_nbytes(c);
  unsigned char *buf = malloc(10 + hlen + nb);
  if (!buf) {
    pv_tensor_release(c);
    return pv_set_error(PV_ERR_NOMEM, "npy: out of memory");
  }
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)(hlen & 0xff);
  buf[9] = (unsigned char)(hlen >> 8);
  memcpy(buf + 10, hdr, (size_t)n);
  memset(buf + 10 + n, ' ', pad);
  buf[10 + hlen - 1] = '\n';
  memcpy(buf + 10 + hlen, pv_tensor_data(c), nb);
  pv_tensor_release(c);
  *data = buf;
  *size = 10 + hlen + nb;
  return 0;
}

int pv_npy_save(const pv_tensor *t, const char *path) {
  void *data;
  size_t size;
  int rc = pv_npy_encode(t, &data, &size);
  if (rc)
    return rc;
  rc = pv__write_file_atomic(path, data, size);
  free(data);
  return rc;
}
