#version 450
#extension GL_GOOGLE_include_directive : enable
// cast between f32, i32 and the byte types (u8, i8, bool) with torch .to()
// semantics (float -> int truncates toward zero, -> bool is x != 0).
// Byte tensors are addressed by byte offset inside 32-bit words; byte
// outputs are written a word per thread, boundary words merged atomically.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int SRC = 0; // 0 f32, 1 i32, 2 u8, 3 i8, 4 bool
layout(constant_id = 1) const int DST = 0;
layout(std430, binding = 0) readonly buffer X_ { uint X[]; };
layout(std430, binding = 1) buffer Y_ { uint Y[]; };
layout(push_constant) uniform P { uint n, xo, yo; } p; // xo/yo: words or bytes
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
uint to_byte(uint i) {
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
    float f;
    int k;
    load(t, f, k);
    Y[p.yo + t] = DST == 0 ? floatBitsToUint(f) : uint(k);
    return;
  }
  uint first = t * 4;
  if (first >= p.yo + p.n || first + 4 <= p.yo) return;
  uint word = 0, mask = 0;
  for (uint j = 0; j < 4; j++) {
    uint byte = first + j;
    if (byte < p.yo || byte >= p.yo + p.n) continue;
    word |= to_byte(byte - p.yo) << (8 * j);
    mask |= 0xffu << (8 * j);
  }
  if (mask == 0xffffffffu) {
    Y[t] = word;
  } else {
    atomicAnd(Y[t], ~mask);
    atomicOr(Y[t], word);
  }
}
