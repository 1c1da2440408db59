#version 450
#extension GL_GOOGLE_include_directive : enable
// Strided copy of 32-bit elements: out[yo + sum c_d*ostr_d] =
// in[xo + sum (c_d % mod_d) * istr_d] over an up-to-6-D index space. One
// shader serves reshape, permute, slice (negative steps: negative strides),
// expand (stride 0), tile (mod) and concat (one dispatch per input).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X_ { uint X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { uint Y[]; };
layout(push_constant) uniform P {
  uint n, xo, yo;
  uint shape[6];
  int istr[6];
  uint ostr[6];
  uint mod_[6];
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint r = i;
  int xi = int(p.xo);
  uint yi = p.yo;
  for (int d = 5; d >= 0; d--) {
    uint c = r % p.shape[d];
    r /= p.shape[d];
    xi += int(c % p.mod_[d]) * p.istr[d];
    yi += c * p.ostr[d];
  }
  Y[yi] = X[uint(xi)];
}
