/*
 * TensorProto -> pv_tensor: raw_data (referenced in place when the model
 * buffer is refcounted and the bytes are aligned), the typed repeated fields
 * (float_data, int32_data, ...), and external data files next to the model.
 * Also the standalone .pb reader used by ONNX's backend test data.
 */
#include "onnx_internal.h"
#include "tensor/tensor_internal.h"

#include <errno.h>
#include <sys/stat.h>

/* ONNX TensorProto.DataType values. */
enum {
  OT_FLOAT = 1,
  OT_UINT8 = 2,
  OT_INT8 = 3,
  OT_UINT16 = 4,
  OT_INT16 = 5,
  OT_INT32 = 6,
  OT_INT64 = 7,
  OT_STRING = 8,
  OT_BOOL = 9,
  OT_FLOAT16 = 10,
  OT_DOUBLE = 11,
  OT_UINT32 = 12,
  OT_UINT64 = 13,
  OT_COMPLEX64 = 14,
  OT_COMPLEX128 = 15,
  OT_BFLOAT16 = 16
};

int pv__onnx_dtype(int t) {
  switch (t) {
  case OT_FLOAT:
    return PV_F32;
  case OT_UINT8:
    return PV_U8;
  case OT_INT8:
    return PV_I8;
  case OT_UINT16:
    return PV_U16;
  case OT_INT16:
    return PV_I16;
  case OT_INT32:
    return PV_I32;
  case OT_INT64:
    return PV_I64;
  case OT_BOOL:
    return PV_BOOL;
  case OT_FLOAT16:
    return PV_F16;
  case OT_DOUBLE:
    return PV_F64;
  case OT_BFLOAT16:
    return PV_BF16;
  default:
    return -1;
  }
}

const char *pv__onnx_type_name(int t) {
  static const char *names[] = {
      "UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
      "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
      "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  return t >= 0 && t < (int)PV__ARRAY_LEN(names) ? names[t] : "unknown";
}

static bool little_endian(void) {
  const uint16_t x = 1;
  uint8_t b;
  memcpy(&b, &x, 1);
  return b == 1;
}

/* Rejects absolute paths and any ".." component: external data must live at
 * or below the model's directory. */
static int check_location(const char *tname, const char *loc) {
  if (!loc[0] || loc[0] == '/' || loc[0] == '\\')
    return pv_set_error(PV_ERR_FORMAT,
                        "onnx: tensor '%s': external data location '%s' is "
                        "absolute or empty (refused)",
                        tname, loc);
  const char *p = loc;
  while (*p) {
    const char *e = p;
    while (*e && *e != '/' && *e != '\\')
      e++;
    if (e - p == 2 && p[0] == '.' && p[1] == '.')
      return pv_set_error(PV_ERR_FORMAT,
                          "onnx: tensor '%s': external data location '%s' "
                          "leaves the model directory (refused)",
                          tname, loc);
    p = *e ? e + 1 : e;
  }
  return 0;
}

static int read_external(const pv__onnx_tensor *t, const char *base_dir,
                         void *dst, size_t nbytes) {
  if (!base_dir)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: tensor '%s' has external data but the model "
                        "was not loaded from a path",
                        t->name);
  int rc = check_location(t->name, t->ext_location);
  if (rc)
    return rc;
  size_t n = strlen(base_dir) + strlen(t->ext_location) + 2;
  char *path = malloc(n);
  if (!path)
    return pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
  snprintf(path, n, "%s/%s", base_dir, t->ext_location);
  FILE *f = fopen(path, "rb");
  if (!f) {
    rc = pv_set_error(errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO,
                      "onnx: tensor '%s': cannot open external data %s: %s",
                      t->name, path, strerror(errno));
    free(path);
    return rc;
  }
  struct stat st;
  int64_t fsize = fstat(fileno(f), &st) == 0 ? (int64_t)st.st_size : -1;
  int64_t len = t->ext_length >= 0 ? t->ext_length : fsize - t->ext_offset;
  if (fsize < 0 || t->ext_offset > fsize || len < 0 ||
      len > fsize - t->ext_offset || (uint64_t)len != nbytes) {
    rc = pv_set_error(PV_ERR_FORMAT,
                      "onnx: tensor '%s': external data %s: offset %lld length "
                      "%lld does not give the %zu bytes the tensor needs (file "
                      "has %lld)",
                      t->name, path, (long long)t->ext_offset, (long long)len,
                      nbytes, (long long)fsize);
  } else if (dst && (fseeko(f, (off_t)t->ext_offset, SEEK_SET) != 0 ||
                     (nbytes && fread(dst, 1, nbytes, f) != nbytes))) {
    rc = pv_set_error(PV_ERR_IO, "onnx: tensor '%s': short read from %s",
                      t->name, path);
  }
  /* dst == NULL: only validate the location and the size */
  fclose(f);
  free(path);
  return rc;
}

pv_tensor *pv__onnx_tensor_make(const pv__onnx_tensor *t, pv__onnx_buf *buf,
                                const char *base_dir) {
  int dt = pv__onnx_dtype(t->data_type);
  if (dt < 0) {
    pv_set_error(PV_ERR_UNSUPPORTED, "onnx: tensor '%s' has type %s (%d)",
                 t->name, pv__onnx_type_name(t->data_type), t->data_type);
    return NULL;
  }
  int64_t numel = pv__shape_numel(t->ndim, t->dims);
  size_t es = pv_dtype_size((pv_dtype)dt);
  uint64_t nbytes;
  if (numel < 0 || !pv__mul_overflow_u64((uint64_t)numel, es, &nbytes) ||
      nbytes > PV__MAX_TENSOR_BYTES) {
    pv_set_error(PV_ERR_FORMAT, "onnx: tensor '%s': bad or huge shape",
                 t->name);
    return NULL;
  }
  if (t->has_raw && !t->external) {
    if (t->raw.n != nbytes) {
      pv_set_error(PV_ERR_FORMAT,
                   "onnx: tensor '%s': raw_data has %zu bytes, shape and type "
                   "%s need %llu",
                   t->name, t->raw.n, pv__onnx_type_name(t->data_type),
                   (unsigned long long)nbytes);
      return NULL;
    }
    if (buf && little_endian() && nbytes >= 64 &&
        ((uintptr_t)t->raw.p % es) == 0 && t->raw.p >= buf->data &&
        t->raw.p + t->raw.n <= buf->data + buf->size) {
      pv__onnx_buf_retain(buf);
      pv_tensor *w =
          pv_tensor_wrap((pv_dtype)dt, t->ndim, t->dims, NULL, (void *)t->raw.p,
                         pv__onnx_buf_release, buf);
      if (!w)
        pv__onnx_buf_release(buf);
      return w;
    }
  }
  /* Validate the data against the shape before allocating from the shape,
   * so a hostile dims field cannot make us allocate: raw_data was checked
   * above, external data and typed fields are checked here. */
  uint32_t field = 0;
  int kind = 0;
  if (t->external) {
    if (read_external(t, base_dir, NULL, (size_t)nbytes))
      return NULL;
  } else if (!t->has_raw) {
    /* Typed repeated fields. */
    switch (t->data_type) {
    case OT_FLOAT:
      field = 4, kind = PV__PBK_F32;
      break;
    case OT_INT64:
      field = 7, kind = PV__PBK_VARINT;
      break;
    case OT_DOUBLE:
      field = 10, kind = PV__PBK_F64;
      break;
    default: /* int32_data holds every narrower type, f16/bf16 as bits */
      field = 5, kind = PV__PBK_VARINT;
      break;
    }
    int64_t cnt = pv__pb_count(t->msg, field, kind, "TensorProto data");
    if (cnt < 0 || cnt != numel) {
      if (cnt >= 0)
        pv_set_error(
            PV_ERR_FORMAT,
            "onnx: tensor '%s': has %lld data values for %lld elements",
            t->name, (long long)cnt, (long long)numel);
      return NULL;
    }
  }
  pv_tensor *out = pv__tensor_alloc((pv_dtype)dt, t->ndim, t->dims, false);
  if (!out)
    return NULL;
  void *dst = pv_tensor_data(out);
  if (t->external) {
    if (read_external(t, base_dir, dst, (size_t)nbytes)) {
      pv_tensor_release(out);
      return NULL;
    }
    return out;
  }
  if (t->has_raw) {
    memcpy(dst, t->raw.p, (size_t)nbytes);
    if (!little_endian() && es > 1) { /* stored little-endian */
      uint8_t *b = dst;
      for (uint64_t i = 0; i < nbytes; i += es)
        for (size_t j = 0; j < es / 2; j++) {
          uint8_t c = b[i + j];
          b[i + j] = b[i + es - 1 - j];
          b[i + es - 1 - j] = c;
        }
    }
    return out;
  }
  if (numel == 0)
    return out;
  if (kind == PV__PBK_F32 || kind == PV__PBK_F64 || dt == PV_I64) {
    pv__pb_read(t->msg, field, kind, dst, numel, "TensorProto data");
    return out;
  }
  int64_t *tmp = malloc(sizeof(int64_t) * (size_t)numel);
  if (!tmp) {
    pv_tensor_release(out);
    pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  pv__pb_read(t->msg, field, kind, tmp, numel, "TensorProto data");
  for (int64_t i = 0; i < numel; i++) {
    int64_t v = tmp[i];
    switch (dt) {
    case PV_I32:
      ((int32_t *)dst)[i] = (int32_t)v;
      break;
    case PV_I16:
      ((int16_t *)dst)[i] = (int16_t)v;
      break;
    case PV_U16:
    case PV_F16:
    case PV_BF16:
      ((uint16_t *)dst)[i] = (uint16_t)v;
      break;
    case PV_I8:
      ((int8_t *)dst)[i] = (int8_t)v;
      break;
    case PV_BOOL:
      ((uint8_t *)dst)[i] = v != 0;
      break;
    default:
      ((uint8_t *)dst)[i] = (uint8_t)v;
      break;
    }
  }
  free(tmp);
  return out;
}

/* --- standalone .pb tensors --------------------------------------------- */

pv_tensor *pv_onnx_decode_tensor_pb(const void *data, size_t size) {
  if (!data && size) {
    pv_set_error(PV_ERR_INVALID_ARG, "onnx: NULL data");
    return NULL;
  }
  /* A throwaway model view owns the strings the parser copies. */
  pv_onnx_model tmp;
  memset(&tmp, 0, sizeof tmp);
  pv__onnx_buf *buf = pv__onnx_buf_copy(data, size);
  if (!buf)
    return NULL;
  tmp.buf = buf;
  pv__onnx_tensor t;
  pv__bytes b = {buf->data, buf->size};
  pv_tensor *out = NULL;
  if (pv__onnx_parse_tensor(&tmp, b, &t) == 0) {
    if (t.external)
      pv_set_error(PV_ERR_UNSUPPORTED,
                   "onnx: tensor .pb with external data is not supported");
    else
      out = pv__onnx_tensor_make(&t, buf, NULL);
  }
  tmp.buf = NULL;
  pv__onnx_buf_release(buf); /* tensors that wrap it hold their own ref */
  pv__onnx_arena_free(tmp.arena);
  return out;
}

pv_tensor *pv_onnx_load_tensor_pb(const char *path) {
  void *data;
  size_t size;
  if (!path) {
    pv_set_error(PV_ERR_INVALID_ARG, "onnx: NULL path");
    return NULL;
  }
  if (pv__read_file(path, &data, &size))
    return NULL;
  pv_tensor *t = pv_onnx_decode_tensor_pb(data, size);
  free(data);
  if (!t) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", pv_last_error());
    pv_set_error(pv_last_status(), "%s: %s", path, msg);
  }
  return t;
}
