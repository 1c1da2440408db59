/*
 * polyvis element access: header-only loads and stores of one tensor element
 * of any dtype, and the fp16/bf16 conversions.
 *
 * Header-only on purpose. A backend plugin is a separate shared library that
 * must not link libpolyvis (the host hands it services through the ABI), yet
 * it needs exactly the same conversions as the core: a CPU fallback that
 * rounded fp16 differently from the device would break parity. Keeping one
 * inline definition here gives the core, the built-in CPU backend and
 * third-party plugins the same bits.
 */
#ifndef POLYVIS_ELEM_H
#define POLYVIS_ELEM_H

#include <stdint.h>
#include <string.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IEEE half to float, exact (subnormals, inf and NaN payloads kept). */
static inline float pv_elem_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      int e = -1;
      do {
        e++;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* Float to IEEE half, rounding to nearest even as numpy and torch do. */
static inline uint16_t pv_elem_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff,
           mant = x & 0x7fffff;
  if (exp == 0xff)
    return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0));
  int32_t e = (int32_t)exp - 127 + 15;
  if (e >= 31)
    return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10)
      return (uint16_t)sign;
    mant |= 0x800000;
    uint32_t shift = (uint32_t)(14 - e);
    uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1),
             mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      half++;
    return (uint16_t)(sign | half);
  }
  uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    h++; /* may carry into the exponent, which is correct (up to inf) */
  return (uint16_t)(sign | h);
}

static inline float pv_elem_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* Float to bfloat16, rounding to nearest even; NaN stays a quiet NaN. */
static inline uint16_t pv_elem_f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return (uint16_t)((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

/* Element i of `p` as a double (bool as 0/1; int64 beyond 2^53 rounds). */
static inline double pv_elem_load_f64(const void *p, int dt, int64_t i) {
  switch (dt) {
  case PV_F32:
    return ((const float *)p)[i];
  case PV_F16:
    return pv_elem_f16_to_f32(((const uint16_t *)p)[i]);
  case PV_BF16:
    return pv_elem_bf16_to_f32(((const uint16_t *)p)[i]);
  case PV_U8:
    return ((const uint8_t *)p)[i];
  case PV_I8:
    return ((const int8_t *)p)[i];
  case PV_U16:
    return ((const uint16_t *)p)[i];
  case PV_I16:
    return ((const int16_t *)p)[i];
  case PV_I32:
    return ((const int32_t *)p)[i];
  case PV_I64:
    return (double)((const int64_t *)p)[i];
  case PV_BOOL:
    return ((const uint8_t *)p)[i] != 0;
  case PV_F64:
    return ((const double *)p)[i];
  default:
    return 0;
  }
}

/* Whether dt is an integer dtype (bool included). */
static inline int pv_elem_is_int(int dt) {
  return dt == PV_U8 || dt == PV_I8 || dt == PV_U16 || dt == PV_I16 ||
         dt == PV_I32 || dt == PV_I64 || dt == PV_BOOL;
}

/* Element i of an integer (or bool) tensor, exactly; 0 for float dtypes,
 * whose conversion rules differ by caller (truncation, saturation). */
static inline int64_t pv_elem_load_i64(const void *p, int dt, int64_t i) {
  switch (dt) {
  case PV_U8:
    return ((const uint8_t *)p)[i];
  case PV_I8:
    return ((const int8_t *)p)[i];
  case PV_U16:
    return ((const uint16_t *)p)[i];
  case PV_I16:
    return ((const int16_t *)p)[i];
  case PV_I32:
    return ((const int32_t *)p)[i];
  case PV_I64:
    return ((const int64_t *)p)[i];
  case PV_BOOL:
    return ((const uint8_t *)p)[i] != 0;
  default:
    return 0;
  }
}

/* Stores v into an integer (or bool: v != 0) element, wrapping to the
 * width as C casts do. Returns 0 without storing for other dtypes. */
static inline int pv_elem_store_i64(void *p, int dt, int64_t i, int64_t v) {
  switch (dt) {
  case PV_U8:
    ((uint8_t *)p)[i] = (uint8_t)v;
    return 1;
  case PV_I8:
    ((int8_t *)p)[i] = (int8_t)v;
    return 1;
  case PV_U16:
    ((uint16_t *)p)[i] = (uint16_t)v;
    return 1;
  case PV_I16:
    ((int16_t *)p)[i] = (int16_t)v;
    return 1;
  case PV_I32:
    ((int32_t *)p)[i] = (int32_t)v;
    return 1;
  case PV_I64:
    ((int64_t *)p)[i] = v;
    return 1;
  case PV_BOOL:
    ((uint8_t *)p)[i] = v != 0;
    return 1;
  default:
    return 0;
  }
}

#ifdef __cplusplus
}
#endif
#endif
