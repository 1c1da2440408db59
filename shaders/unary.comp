#version 450
#extension GL_GOOGLE_include_directive : enable
// Unary elementwise ops (and the identity copy of reshape), one thread per
// element. The op and its attributes are specialization constants.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const float ALPHA = 0.0;
layout(constant_id = 2) const float BETA = 0.0;
layout(constant_id = 3) const int MODE = 0;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, xo, yo; } p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  y[p.yo + i] = pv_unary(OP, x[p.xo + i], ALPHA, BETA, MODE);
}
