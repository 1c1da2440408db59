#version 450
#extension GL_GOOGLE_include_directive : enable
// Binary elementwise ops with numpy broadcasting: the output shape and both
// operands' strides (0 on broadcast dims) arrive in push constants, collapsed
// to at most 6 dims. An activation may be fused.
// F16 (max and min only, no activation): operands and output are IEEE half
// bit patterns packed two to a word; the operands are compared in f32 (exact)
// and the winner's bits copied, NaN propagated, like the CPU backend. Each
// thread writes one output word, boundary words merged atomically.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int ACT = 0;
layout(constant_id = 2) const float ACT_A = 0.0;
layout(constant_id = 3) const float ACT_B = 0.0;
layout(constant_id = 4) const int ACT_MODE = 0;
layout(constant_id = 5) const int F16 = 0;
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) readonly buffer B { uint b[]; };
layout(std430, binding = 2) buffer Y { uint y[]; };
layout(push_constant) uniform P {
  uint n, ao, bo, yo; // element offsets
  uint shape[6];
  uint sa[6];
  uint sb[6];
} p;
void offsets(uint i, out uint ia, out uint ib) {
  uint r = i;
  ia = p.ao;
  ib = p.bo;
  for (int d = 5; d >= 0; d--) {
    uint c = r % p.shape[d];
    r /= p.shape[d];
    ia += c * p.sa[d];
    ib += c * p.sb[d];
  }
}
uint half_at(uint w, uint e) { return (w >> ((e & 1u) * 16u)) & 0xffffu; }
// Output element i of an f16 max/min.
uint f16_elem(uint i) {
  uint ia, ib;
  offsets(i, ia, ib);
  uint ha = half_at(a[ia >> 1], ia), hb = half_at(b[ib >> 1], ib);
  float fa = uintBitsToFloat(pv_f16_to_f32bits(ha));
  float fb = uintBitsToFloat(pv_f16_to_f32bits(hb));
  if (isnan(fa)) return ha;
  if (isnan(fb)) return hb;
  return (OP == OP_MAX ? fa >= fb : fa <= fb) ? ha : hb;
}
void main() {
  uint t = pv_flat_id(256);
  if (F16 != 0) {
    uint first = t * 2u;
    if (first >= p.yo + p.n || first + 2u <= p.yo) return;
    uint word = 0, mask = 0;
    for (uint j = 0; j < 2u; j++) {
      uint e = first + j;
      if (e < p.yo || e >= p.yo + p.n) continue;
      word |= f16_elem(e - p.yo) << (16u * j);
      mask |= 0xffffu << (16u * j);
    }
    if (mask == 0xffffffffu) {
      y[t] = word;
    } else {
      atomicAnd(y[t], ~mask);
      atomicOr(y[t], word);
    }
    return;
  }
  if (t >= p.n) return;
  uint ia, ib;
  offsets(t, ia, ib);
  float v = pv_binary(OP, uintBitsToFloat(a[ia]), uintBitsToFloat(b[ib]));
  y[p.yo + t] = floatBitsToUint(pv_unary(ACT, v, ACT_A, ACT_B, ACT_MODE));
}
