#version 450
#extension GL_GOOGLE_include_directive : enable
// Binary elementwise ops with numpy broadcasting: the output shape and both
// operands' strides (0 on broadcast dims) arrive in push constants, collapsed
// to at most 6 dims. An activation may be fused.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int ACT = 0;
layout(constant_id = 2) const float ACT_A = 0.0;
layout(constant_id = 3) const float ACT_B = 0.0;
layout(constant_id = 4) const int ACT_MODE = 0;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, ao, bo, yo;
  uint shape[6];
  uint sa[6];
  uint sb[6];
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint r = i, ia = p.ao, ib = p.bo;
  for (int d = 5; d >= 0; d--) {
    uint c = r % p.shape[d];
    r /= p.shape[d];
    ia += c * p.sa[d];
    ib += c * p.sb[d];
  }
  float v = pv_binary(OP, a[ia], b[ib]);
  y[p.yo + i] = pv_unary(ACT, v, ACT_A, ACT_B, ACT_MODE);
}
