#version 450
#extension GL_GOOGLE_include_directive : enable
// equal / less / greater with numpy broadcasting, bool (1 byte) output.
// Each thread produces the 4 bytes of one 32-bit output word; words only
// partly inside the tensor are merged with atomics so neighbouring bytes of
// other tensors survive.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer Y { uint y[]; };
layout(push_constant) uniform P {
  uint n, ao, bo, ybyte; // ybyte: byte offset of element 0 in the binding
  uint shape[6];
  uint sa[6];
  uint sb[6];
} p;
uint cmp(uint i) {
  uint r = i, ia = p.ao, ib = p.bo;
  for (int d = 5; d >= 0; d--) {
    uint c = r % p.shape[d];
    r /= p.shape[d];
    ia += c * p.sa[d];
    ib += c * p.sb[d];
  }
  float x = a[ia], z = b[ib];
  bool v = OP == OP_EQUAL ? x == z : (OP == OP_LESS ? x < z : x > z);
  return v ? 1u : 0u;
}
void main() {
  uint w = pv_flat_id(256);
  uint first = w * 4; // byte index in the binding
  if (first >= p.ybyte + p.n || first + 4 <= p.ybyte) return;
  uint word = 0, mask = 0;
  for (uint k = 0; k < 4; k++) {
    uint byte = first + k;
    if (byte < p.ybyte || byte >= p.ybyte + p.n) continue;
    word |= cmp(byte - p.ybyte) << (8 * k);
    mask |= 0xffu << (8 * k);
  }
  if (mask == 0xffffffffu) {
    y[w] = word;
  } else {
    atomicAnd(y[w], ~mask);
    atomicOr(y[w], word);
  }
}
