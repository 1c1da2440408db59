#version 450
#extension GL_GOOGLE_include_directive : enable
// gather along one axis: out[o, j, in] = x[o, idx[j], in] for 32-bit data;
// indices are int32 or int64 (IDX64: the low word, sign from the high word);
// negative indices count from the end.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int IDX64 = 1;
layout(std430, binding = 0) readonly buffer X_ { uint X[]; };
layout(std430, binding = 1) readonly buffer I_ { int I[]; };
layout(std430, binding = 2) writeonly buffer Y_ { uint Y[]; };
layout(push_constant) uniform P { uint n, axis_len, n_idx, inner, xo, io, yo; } p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint in_ = i % p.inner, t = i / p.inner;
  uint j = t % p.n_idx, o = t / p.n_idx;
  int k = IDX64 != 0 ? I[p.io + 2 * j] : I[p.io + j];
  if (k < 0) k += int(p.axis_len);
  k = clamp(k, 0, int(p.axis_len) - 1); // out of range: clamped, never OOB
  Y[p.yo + i] = X[p.xo + (o * p.axis_len + uint(k)) * p.inner + in_];
}
