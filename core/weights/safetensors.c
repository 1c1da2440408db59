/*
 * safetensors: an 8-byte little-endian header length, a JSON header
 * {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {str: str}}, then the raw little-endian data. The header
 * is parsed with jansson (docs/dependencies.md says why); tensors are views
 * of the file mapping when their data is aligned to the element size.
 */
#include "weights_internal.h"

#include <errno.h>
#include <jansson.h>
#include <unistd.h>

/* The reference implementation's header limit. */
#define ST_MAX_HEADER (100u << 20)

static const struct {
  const char *name;
  pv_dtype dtype;
} k_dtypes[] = {
    {"F32", PV_F32}, {"F16", PV_F16}, {"BF16", PV_BF16}, {"F64", PV_F64},
    {"I64", PV_I64}, {"I32", PV_I32}, {"I16", PV_I16},   {"I8", PV_I8},
    {"U8", PV_U8},   {"U16", PV_U16}, {"BOOL", PV_BOOL},
};

static int dtype_of(const char *s) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_dtypes); i++)
    if (strcmp(s, k_dtypes[i].name) == 0)
      return (int)k_dtypes[i].dtype;
  return -1;
}

static const char *dtype_str(pv_dtype dt) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_dtypes); i++)
    if (k_dtypes[i].dtype == dt)
      return k_dtypes[i].name;
  return NULL;
}

static int load_entry(pv_weights *w, pv__blob *b, const char *what,
                      const char *name, json_t *v, const uint8_t *data,
                      uint64_t dlen, uint32_t flags) {
  if (!json_is_object(v))
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: entry '%s' is not "
                        "an object",
                        what, name);
  json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"),
         *jo = json_object_get(v, "data_offsets");
  if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) ||
      json_array_size(jo) != 2)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: '%s' needs dtype, shape and "
                        "data_offsets [begin, end]",
                        what, name);
  int dt = dtype_of(json_string_value(jd));
  if (dt < 0)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "%s: safetensors: '%s' has unsupported dtype %s", what,
                        name, json_string_value(jd));
  size_t nd = json_array_size(js);
  if (nd > PV_MAX_DIMS)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "%s: safetensors: '%s' has %zu dims (at most %d)", what,
                        name, nd, PV_MAX_DIMS);
  int64_t shape[PV_MAX_DIMS], strides[PV_MAX_DIMS];
  uint64_t numel = 1;
  for (size_t i = 0; i < nd; i++) {
    json_t *e = json_array_get(js, i);
    if (!json_is_integer(e) || json_integer_value(e) < 0)
      return pv_set_error(PV_ERR_FORMAT,
                          "%s: safetensors: '%s' shape[%zu] is not a "
                          "non-negative integer",
                          what, name, i);
    shape[i] = json_integer_value(e);
    if (!pv__mul_overflow_u64(numel, (uint64_t)shape[i], &numel))
      return pv_set_error(PV_ERR_RANGE, "%s: safetensors: '%s' shape overflows",
                          what, name);
  }
  {
    int64_t st = 1;
    for (int i = (int)nd - 1; i >= 0; i--) {
      strides[i] = st;
      st *= shape[i] > 0 ? shape[i] : 1;
    }
  }
  json_t *j0 = json_array_get(jo, 0), *j1 = json_array_get(jo, 1);
  if (!json_is_integer(j0) || !json_is_integer(j1))
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: '%s' data_offsets not integers", what,
                        name);
  json_int_t o0 = json_integer_value(j0), o1 = json_integer_value(j1);
  uint64_t bytes;
  if (!pv__mul_overflow_u64(numel, pv_dtype_size((pv_dtype)dt), &bytes) ||
      o0 < 0 || o1 < o0 || (uint64_t)o1 > dlen || (uint64_t)(o1 - o0) != bytes)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: '%s' data_offsets [%lld, %lld] do "
                        "not match its shape and dtype or leave the %llu-byte "
                        "data section",
                        what, name, (long long)o0, (long long)o1,
                        (unsigned long long)dlen);
  int zc = 0;
  pv_tensor *t =
      pv__blob_tensor(b, data + o0, (pv_dtype)dt, (int)nd, shape, strides, &zc);
  if (!t)
    return pv_last_status();
  (void)flags; /* tensors here are always contiguous */
  pv__wentry meta = {.zero_copy = zc};
  int rc = pv__weights_append(w, name, t, &meta);
  if (rc)
    pv_set_error(rc, "%s: %s", what, pv_last_error());
  return rc;
}

int pv__safetensors_load(pv__blob *b, const char *what,
                         const pv_weights_options *opt, pv_weights **out) {
  if (b->size < 8)
    return pv_set_error(PV_ERR_FORMAT, "%s: safetensors: shorter than 8 bytes",
                        what);
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | b->base[i];
  if (n > b->size - 8 || n > ST_MAX_HEADER)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: header length %llu exceeds the file "
                        "(%zu bytes) or the 100 MiB limit",
                        what, (unsigned long long)n, b->size);
  json_error_t err;
  json_t *root = json_loadb((const char *)b->base + 8, (size_t)n,
                            JSON_REJECT_DUPLICATES, &err);
  if (!root)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: safetensors: bad JSON header at byte %d: %s", what,
                        err.position + 8, err.text);
  pv_weights *w = NULL;
  int rc = 0;
  if (!json_is_object(root)) {
    rc = pv_set_error(PV_ERR_FORMAT,
                      "%s: safetensors: header is not a JSON object", what);
    goto done;
  }
  w = pv__weights_new(PV_WEIGHTS_FORMAT_SAFETENSORS);
  if (!w) {
    rc = PV_ERR_NOMEM;
    goto done;
  }
  const uint8_t *data = b->base + 8 + n;
  uint64_t dlen = b->size - 8 - n;
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (strcmp(key, "__metadata__") == 0) {
      const char *mk;
      json_t *mv;
      if (!json_is_object(v)) {
        rc = pv_set_error(PV_ERR_FORMAT,
                          "%s: safetensors: __metadata__ is not an object",
                          what);
        goto done;
      }
      json_object_foreach(v, mk, mv) {
        if (!json_is_string(mv)) {
          rc = pv_set_error(PV_ERR_FORMAT,
                            "%s: safetensors: __metadata__['%s'] is not a "
                            "string",
                            what, mk);
          goto done;
        }
        if ((rc = pv__weights_meta_append(w, mk, json_string_value(mv))) != 0)
          goto done;
      }
      continue;
    }
    if (!*key) {
      rc = pv_set_error(PV_ERR_FORMAT, "%s: safetensors: empty tensor name",
                        what);
      goto done;
    }
    if ((rc = load_entry(w, b, what, key, v, data, dlen, opt->flags)) != 0)
      goto done;
  }
done:
  json_decref(root);
  if (rc) {
    pv_weights_free(w);
    return rc;
  }
  *out = w;
  return 0;
}

/* --- writing ------------------------------------------------------------- */

static int write_all(FILE *f, const void *p, size_t n) {
  return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
}

int pv_weights_save_safetensors(const pv_weights *w, const char *path) {
  if (!w || !path)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "weights_save_safetensors: NULL argument");
  int rc = 0;
  json_t *root = json_object();
  pv_tensor **dense = calloc((size_t)w->n + 1, sizeof *dense);
  uint64_t *offs_of = calloc((size_t)w->n + 1, sizeof *offs_of);
  int *order = calloc((size_t)w->n + 1, sizeof *order);
  char *hdr = NULL, *tmp = NULL;
  FILE *f = NULL;
  if (!root || !dense || !offs_of || !order) {
    rc = pv_set_error(PV_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  /* The data section may not have holes (the reference reader refuses
   * them), so alignment comes from laying the data out by element size,
   * largest first; the header keeps the collection order. */
  {
    int k = 0;
    for (size_t es = 8; es >= 1; es /= 2)
      for (int i = 0; i < w->n; i++)
        if (pv_dtype_size(pv_tensor_dtype(w->e[i].tensor)) == es)
          order[k++] = i;
    for (int i = 0; i < w->n; i++) /* any other size, at the end */
      if (!pv_dtype_size(pv_tensor_dtype(w->e[i].tensor)) ||
          pv_dtype_size(pv_tensor_dtype(w->e[i].tensor)) > 8)
        order[k++] = i;
    uint64_t o = 0;
    for (int j = 0; j < k; j++) {
      offs_of[order[j]] = o;
      o += pv_tensor_nbytes(w->e[order[j]].tensor);
    }
  }
  for (int i = 0; i < w->n; i++) {
    uint64_t off = offs_of[i];
    const pv__wentry *e = &w->e[i];
    const char *ds = dtype_str(pv_tensor_dtype(e->tensor));
    if (!ds) {
      rc = pv_set_error(PV_ERR_DTYPE,
                        "%s: '%s': dtype %s has no safetensors "
                        "name",
                        path, e->name,
                        pv_dtype_name(pv_tensor_dtype(e->tensor)));
      goto done;
    }
    if (strcmp(e->name, "__metadata__") == 0) {
      rc = pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: a tensor may not be named __metadata__", path);
      goto done;
    }
    dense[i] = pv_tensor_contiguous(e->tensor);
    if (!dense[i]) {
      rc = pv_last_status();
      goto done;
    }
    json_t *ent = json_object(), *shape = json_array();
    uint64_t nb = pv_tensor_nbytes(dense[i]);
    int bad = !ent || !shape;
    for (int d = 0; !bad && d < pv_tensor_ndim(dense[i]); d++)
      bad |= json_array_append_new(shape,
                                   json_integer(pv_tensor_shape(dense[i])[d]));
    json_t *offs = json_pack("[II]", (json_int_t)off, (json_int_t)(off + nb));
    bad |= !offs;
    if (!bad) {
      bad |= json_object_set_new(ent, "dtype", json_string(ds));
      bad |= json_object_set_new(ent, "shape", shape);
      shape = NULL;
      bad |= json_object_set_new(ent, "data_offsets", offs);
      offs = NULL;
      bad |= json_object_set_new(root, e->name, ent);
      ent = NULL;
    }
    json_decref(ent);
    json_decref(shape);
    json_decref(offs);
    if (bad) {
      rc = pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: cannot encode entry '%s' (name not UTF-8?)", path,
                        e->name);
      goto done;
    }
  }
  if (w->nmeta) {
    json_t *md = json_object();
    int bad = !md;
    for (int i = 0; !bad && i < w->nmeta; i++)
      bad |= json_object_set_new(md, w->mkey[i], json_string(w->mval[i]));
    if (bad || json_object_set_new(root, "__metadata__", md)) {
      rc = pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: cannot encode the metadata (not UTF-8?)", path);
      goto done;
    }
  }
  hdr = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!hdr) {
    rc = pv_set_error(PV_ERR_NOMEM, "%s: cannot encode the header", path);
    goto done;
  }
  size_t hl = strlen(hdr), padded = (size_t)PV__ALIGN_UP(hl, 8);
  uint8_t lenb[8];
  for (int i = 0; i < 8; i++)
    lenb[i] = (uint8_t)((uint64_t)padded >> (8 * i));
  size_t pl = strlen(path);
  tmp = malloc(pl + 32);
  if (!tmp) {
    rc = pv_set_error(PV_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  snprintf(tmp, pl + 32, "%s.tmp.%d", path, (int)getpid());
  f = fopen(tmp, "wb");
  if (!f) {
    rc =
        pv_set_error(PV_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    goto done;
  }
  int bad = write_all(f, lenb, 8) || write_all(f, hdr, hl) ||
            write_all(f, "        ", padded - hl);
  for (int j = 0; !bad && j < w->n; j++)
    bad = write_all(f, pv_tensor_data(dense[order[j]]),
                    pv_tensor_nbytes(dense[order[j]]));
  int e = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  f = NULL;
  if (bad || rename(tmp, path) != 0) {
    if (!bad)
      e = errno;
    unlink(tmp);
    rc = pv_set_error(PV_ERR_IO, "%s: write failed: %s", path, strerror(e));
  }
done:
  if (f) {
    fclose(f);
    unlink(tmp);
  }
  free(tmp);
  free(hdr);
  if (dense)
    for (int i = 0; i < w->n; i++)
      pv_tensor_release(dense[i]);
  free(dense);
  free(offs_of);
  free(order);
  json_decref(root);
  return rc;
}

int pv_safetensors_save(const char *path, int n, const char *const *names,
                        pv_tensor *const *tensors) {
  if (n < 0 || (n && (!names || !tensors)))
    return pv_set_error(PV_ERR_INVALID_ARG, "safetensors_save: bad arrays");
  pv_weights *w;
  int rc = pv_weights_create(&w);
  for (int i = 0; rc == 0 && i < n; i++)
    rc = pv_weights_add(w, names[i], tensors[i]);
  if (rc == 0)
    rc = pv_weights_save_safetensors(w, path);
  pv_weights_free(w);
  return rc;
}
