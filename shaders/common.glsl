// Shared by every polyvis compute shader: storage/arithmetic types and the
// op codes (the pv_op values of include/polyvis/types.h; vk_ops.c checks
// them with static asserts).
#ifndef PV_FP16_STORAGE
#define PV_FP16_STORAGE 0
#endif
#if PV_FP16_STORAGE
#extension GL_EXT_shader_16bit_storage : require
#define WTYPE float16_t // weights are stored as fp16, math stays fp32
#else
#define WTYPE float
#endif
#define AFLOAT float // arithmetic type

#include "opcodes.h"

// The flat invocation index of a 1-D dispatch split over x and y.
uint pv_flat_id(uint wg) {
  return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * wg +
         gl_LocalInvocationID.x;
}

float pv_erf(float x) {
  float ax = abs(x);
  if (ax < 0.5) {
    float x2 = x * x;
    // Maclaurin series, error < 1e-8 on |x| < 0.5
    return 1.1283791670955126 * x *
           (1.0 + x2 * (-1.0 / 3.0 + x2 * (1.0 / 10.0 + x2 * (-1.0 / 42.0 +
            x2 * (1.0 / 216.0 + x2 * (-1.0 / 1320.0 + x2 / 9360.0))))));
  }
  // erfc Chebyshev fit (Numerical Recipes), fractional error < 1.2e-7
  float t = 1.0 / (1.0 + 0.5 * ax);
  float r = t * exp(-ax * ax - 1.26551223 +
      t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
      t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 +
      t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0.0 ? 1.0 - r : r - 1.0;
}

float pv_tanh(float x) {
  float c = clamp(x, -15.0, 15.0);
  if (abs(c) < 0.25) { // tanh via exp loses digits near 0
    float c2 = c * c;
    return c * (1.0 + c2 * (-1.0 / 3.0 + c2 * (2.0 / 15.0 + c2 * (-17.0 / 315.0))));
  }
  float e = exp(2.0 * c);
  return (e - 1.0) / (e + 1.0);
}

float pv_sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

// A unary op with its attributes (alpha/beta/mode as in pv_unary_attrs).
float pv_unary(int op, float x, float a, float b, int mode) {
  switch (op) {
  // NaN propagates as in torch (GLSL min/max leave it undefined).
  case OP_RELU: return x > 0.0 || isnan(x) ? x : 0.0;
  case OP_CLIP: return isnan(x) ? x : min(max(x, a), b);
  case OP_HARDSWISH: return x * clamp(x + 3.0, 0.0, 6.0) / 6.0;
  case OP_HARDSIGMOID: return clamp(a * x + b, 0.0, 1.0);
  case OP_SILU: return x * pv_sigmoid(x);
  case OP_GELU:
    if (mode == 1)
      return 0.5 * x * (1.0 + pv_tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    return 0.5 * x * (1.0 + pv_erf(x * 0.7071067811865476));
  case OP_SIGMOID: return pv_sigmoid(x);
  case OP_TANH: return pv_tanh(x);
  case OP_LEAKY_RELU: return x >= 0.0 ? x : x * a;
  case OP_EXP: return exp(x);
  case OP_LOG: return log(x);
  case OP_SQRT: return sqrt(x);
  case OP_RSQRT: return inversesqrt(x);
  case OP_NEG: return -x;
  case OP_ABS: return abs(x);
  case OP_ERF: return pv_erf(x);
  default: return x;
  }
}

float pv_pow(float a, float b) {
  if (b == 0.0) return 1.0;
  if (a == 0.0) return b > 0.0 ? 0.0 : uintBitsToFloat(0x7f800000u);
  if (b == 1.0) return a;
  if (b == 2.0) return a * a;
  if (b == 0.5) return sqrt(a);
  float r = exp2(b * log2(abs(a)));
  if (a < 0.0) {
    if (floor(b) != b) return uintBitsToFloat(0x7fc00000u); // NaN
    if (mod(b, 2.0) != 0.0) r = -r;
  }
  return r;
}

float pv_binary(int op, float a, float b) {
  switch (op) {
  case OP_ADD: return a + b;
  case OP_SUB: return a - b;
  case OP_MUL: return a * b;
  case OP_DIV: return a / b;
  case OP_POW: return pv_pow(a, b);
  case OP_MAX: return isnan(a) || isnan(b) ? a + b : max(a, b);
  case OP_MIN: return isnan(a) || isnan(b) ? a + b : min(a, b);
  case OP_PRELU: return a >= 0.0 ? a : a * b;
  default: return a;
  }
}

// 16-bit float storage as integer bit operations, bit for bit the
// conversions of include/polyvis/elem.h (no 16-bit storage feature needed,
// and no float arithmetic that could flush subnormals): values travel as
// the bits of a float32.
uint pv_f16_to_f32bits(uint h) {
  uint sign = (h >> 15) << 31, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0u) {
    if (m == 0u) return sign;
    int msb = findMSB(m); // subnormal: normalise
    return sign | (uint(103 + msb) << 23) | ((m << uint(23 - msb)) & 0x7fffffu);
  }
  if (e == 31u) return sign | 0x7f800000u | (m << 13);
  return sign | ((e + 112u) << 23) | (m << 13);
}

// float32 bits to IEEE half, round to nearest even.
uint pv_f32bits_to_f16(uint x) {
  uint sign = (x >> 16) & 0x8000u, ex = (x >> 23) & 0xffu, m = x & 0x7fffffu;
  if (ex == 0xffu) return sign | 0x7c00u | (m != 0u ? 0x200u | (m >> 13) : 0u);
  int e = int(ex) - 127 + 15;
  if (e >= 31) return sign | 0x7c00u;
  if (e <= 0) {
    if (e < -10) return sign;
    m |= 0x800000u;
    uint sh = uint(14 - e);
    uint hv = m >> sh, rem = m & ((1u << sh) - 1u), mid = 1u << (sh - 1u);
    if (rem > mid || (rem == mid && (hv & 1u) != 0u)) hv++;
    return sign | hv;
  }
  uint hv = (uint(e) << 10) | (m >> 13), rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (hv & 1u) != 0u)) hv++;
  return sign | hv;
}

uint pv_bf16_to_f32bits(uint h) { return h << 16; }

// float32 bits to bfloat16, round to nearest even; NaN stays a quiet NaN.
uint pv_f32bits_to_bf16(uint x) {
  if ((x & 0x7fffffffu) > 0x7f800000u) return ((x >> 16) | 0x40u) & 0xffffu;
  return ((x + 0x7fffu + ((x >> 16) & 1u)) >> 16) & 0xffffu;
}
