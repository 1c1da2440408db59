#version 450
#extension GL_GOOGLE_include_directive : enable
// cast between f32, i32 and the byte types (u8, i8, bool) with torch .to()
// semantics (float -> int truncates toward zero, -> bool is x != 0), and
// among the float types f32, f16 and bf16 (integer bit operations of
// common.glsl, bit for bit include/polyvis/elem.h).
// Byte and 16-bit tensors are addressed by element offset inside 32-bit
// words; such outputs are written a word per thread, boundary words merged
// atomically.
#include "common.glsl"
layout(local_size_x = 256) in;
// 0 f32, 1 i32, 2 u8, 3 i8, 4 bool, 5 f16, 6 bf16 (16-bit types pair only
// with the float types: the host checks)
layout(constant_id = 0) const int SRC = 0;
layout(constant_id = 1) const int DST = 0;
layout(std430, binding = 0) readonly buffer X_ { uint X[]; };
layout(std430, binding = 1) buffer Y_ { uint Y[]; };
layout(push_constant) uniform P { uint n, xo, yo; } p; // xo/yo: elements
// The source element as float and as int (exact for the integer types).
void load(uint i, out float f, out int k) {
  if (SRC <= 1) {
    uint w = X[p.xo + i];
    f = SRC == 0 ? uintBitsToFloat(w) : float(int(w));
    k = SRC == 0 ? int(uintBitsToFloat(w)) : int(w);
  } else {
    uint b = p.xo + i;
    uint v = (X[b >> 2] >> ((b & 3u) * 8u)) & 0xffu;
    k = SRC == 3 ? (int(v << 24) >> 24) : int(v);
    f = float(k);
  }
}
// A float source element (f32, f16, bf16) as the bits of a float32.
uint load_bits(uint i) {
  if (SRC == 0) return X[p.xo + i];
  uint b = p.xo + i;
  uint h = (X[b >> 1] >> ((b & 1u) * 16u)) & 0xffffu;
  return SRC == 5 ? pv_f16_to_f32bits(h) : pv_bf16_to_f32bits(h);
}
// Output element i of a byte or 16-bit output, in its low bits.
uint narrow(uint i) {
  if (DST >= 5) {
    uint x = load_bits(i);
    return DST == 5 ? pv_f32bits_to_f16(x) : pv_f32bits_to_bf16(x);
  }
  float f;
  int k;
  load(i, f, k);
  if (DST == 4) return (SRC == 0 ? f != 0.0 : k != 0) ? 1u : 0u;
  return uint(k) & 0xffu; // wraps like a C cast of the truncated value
}
void main() {
  uint t = pv_flat_id(256);
  if (DST <= 1) {
    if (t >= p.n) return;
    if (SRC >= 5) { // 16-bit float -> f32
      Y[p.yo + t] = load_bits(t);
      return;
    }
    float f;
    int k;
    load(t, f, k);
    Y[p.yo + t] = DST == 0 ? floatBitsToUint(f) : uint(k);
    return;
  }
  const uint PER = DST >= 5 ? 2u : 4u, BITS = 32u / PER;
  const uint ONES = DST >= 5 ? 0xffffu : 0xffu;
  uint first = t * PER;
  if (first >= p.yo + p.n || first + PER <= p.yo) return;
  uint word = 0, mask = 0;
  for (uint j = 0; j < PER; j++) {
    uint e = first + j;
    if (e < p.yo || e >= p.yo + p.n) continue;
    word |= narrow(e - p.yo) << (BITS * j);
    mask |= ONES << (BITS * j);
  }
  if (mask == 0xffffffffu) {
    Y[t] = word;
  } else {
    atomicAnd(Y[t], ~mask);
    atomicOr(Y[t], word);
  }
}
