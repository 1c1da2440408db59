#include "internal.h"

#include <polyvis/elem.h>

#include <math.h>
#include <strings.h>

size_t pv_dtype_size(pv_dtype dt) {
  switch (dt) {
#define PV__DT_SIZE(name, val, size, descr)                                    \
  case PV_##name:                                                              \
    return size;
    PV_DTYPE_MAP(PV__DT_SIZE)
#undef PV__DT_SIZE
  default:
    return 0;
  }
}

static const char *const k_names[PV_DTYPE_COUNT] = {
    [PV_F32] = "float32", [PV_F16] = "float16", [PV_BF16] = "bfloat16",
    [PV_U8] = "uint8",    [PV_I8] = "int8",     [PV_U16] = "uint16",
    [PV_I32] = "int32",   [PV_I64] = "int64",   [PV_BOOL] = "bool",
    [PV_F64] = "float64", [PV_I16] = "int16"};

const char *pv_dtype_name(pv_dtype dt) {
  if ((int)dt < 0 || dt >= PV_DTYPE_COUNT)
    return "invalid";
  return k_names[dt];
}

int pv_dtype_from_name(const char *name) {
  static const struct {
    const char *n;
    int dt;
  } aliases[] = {{"f32", PV_F32},    {"float", PV_F32}, {"fp32", PV_F32},
                 {"f16", PV_F16},    {"half", PV_F16},  {"fp16", PV_F16},
                 {"bf16", PV_BF16},  {"u8", PV_U8},     {"i8", PV_I8},
                 {"u16", PV_U16},    {"i32", PV_I32},   {"int", PV_I32},
                 {"i64", PV_I64},    {"long", PV_I64},  {"f64", PV_F64},
                 {"double", PV_F64}, {"i16", PV_I16}};
  if (!name)
    return -1;
  for (int i = 0; i < PV_DTYPE_COUNT; i++)
    if (!strcasecmp(name, k_names[i]))
      return i;
  for (size_t i = 0; i < PV__ARRAY_LEN(aliases); i++)
    if (!strcasecmp(name, aliases[i].n))
      return aliases[i].dt;
  return -1;
}

double pv__load_f64(const void *p, pv_dtype dt, int64_t i) {
  return pv_elem_load_f64(p, dt, i);
}

/* Float to integer as torch's `.to()`: truncation toward zero; out-of-range
 * and NaN values are undefined in C, so they are clamped here instead. */
static int64_t trunc_i64(double v, double lo, double hi) {
  if (isnan(v))
    return 0;
  if (v < lo)
    return (int64_t)lo;
  if (v > hi)
    return (int64_t)hi;
  return (int64_t)v;
}

void pv__store_f64(void *p, pv_dtype dt, int64_t i, double v) {
  switch (dt) {
  case PV_F32:
    ((float *)p)[i] = (float)v;
    break;
  case PV_F16:
    ((uint16_t *)p)[i] = pv_float_to_half((float)v);
    break;
  case PV_BF16:
    ((uint16_t *)p)[i] = pv_float_to_bf16((float)v);
    break;
  case PV_U8: /* torch wraps modulo 256 for in-range integers */
    ((uint8_t *)p)[i] = (uint8_t)trunc_i64(v, -2147483648.0, 2147483647.0);
    break;
  case PV_I8:
    ((int8_t *)p)[i] = (int8_t)trunc_i64(v, -2147483648.0, 2147483647.0);
    break;
  case PV_U16:
    ((uint16_t *)p)[i] = (uint16_t)trunc_i64(v, -2147483648.0, 2147483647.0);
    break;
  case PV_I16:
    ((int16_t *)p)[i] = (int16_t)trunc_i64(v, -2147483648.0, 2147483647.0);
    break;
  case PV_I32:
    ((int32_t *)p)[i] = (int32_t)trunc_i64(v, -2147483648.0, 2147483647.0);
    break;
  case PV_I64:
    ((int64_t *)p)[i] =
        trunc_i64(v, -9.2233720368547758e18, 9.2233720368547748e18);
    break;
  case PV_BOOL:
    ((uint8_t *)p)[i] = v != 0;
    break;
  case PV_F64:
    ((double *)p)[i] = v;
    break;
  default:
    break;
  }
}

void pv__convert(void *dst, pv_dtype dt, const void *src, pv_dtype st,
                 int64_t n) {
  if (dt == st) {
    memcpy(dst, src, (size_t)n * pv_dtype_size(dt));
    return;
  }
  if (dt == PV_F32 && st == PV_U8) {
    const uint8_t *s = src;
    float *d = dst;
    for (int64_t i = 0; i < n; i++)
      d[i] = s[i];
    return;
  }
  if (pv_elem_is_int(dt) && pv_elem_is_int(st)) { /* exact, wraps like torch */
    for (int64_t i = 0; i < n; i++)
      pv_elem_store_i64(dst, dt, i, pv_elem_load_i64(src, st, i));
    return;
  }
  for (int64_t i = 0; i < n; i++)
    pv__store_f64(dst, dt, i, pv__load_f64(src, st, i));
}
