#version 450
#extension GL_GOOGLE_include_directive : enable
// where(cond, a, b) with numpy broadcasting of all three; cond is bool
// (1 byte per element, read out of 32-bit words).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer C { uint c[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, cbyte, ao, bo, yo;
  uint shape[6];
  uint sc[6];
  uint sa[6];
  uint sb[6];
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint r = i, ic = p.cbyte, ia = p.ao, ib = p.bo;
  for (int d = 5; d >= 0; d--) {
    uint k = r % p.shape[d];
    r /= p.shape[d];
    ic += k * p.sc[d];
    ia += k * p.sa[d];
    ib += k * p.sb[d];
  }
  bool cond = ((c[ic >> 2] >> ((ic & 3u) * 8u)) & 0xffu) != 0u;
  y[p.yo + i] = cond ? a[ia] : b[ib];
}
