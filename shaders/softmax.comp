#version 450
#extension GL_GOOGLE_include_directive : enable
// softmax / log_softmax along one axis of a tensor viewed as
// [outer, axis, inner]: one workgroup per (outer, inner) row, 256 threads
// reducing the max and the sum of exponentials in shared memory; or, with
// PER_THREAD (short rows, e.g. softmax over the channels of NCHW), one
// thread per row.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int LOG = 0;
layout(constant_id = 1) const int PER_THREAD = 0;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P { uint rows, len, inner, xo, yo; } p;
shared float red[256];
void row_serial(uint row) {
  uint o = row / p.inner, in_ = row % p.inner;
  uint base = p.xo + o * p.len * p.inner + in_;
  uint ybase = p.yo + o * p.len * p.inner + in_;
  float m = uintBitsToFloat(0xff800000u);
  for (uint j = 0; j < p.len; j++) m = max(m, X[base + j * p.inner]);
  float sum = 0.0;
  for (uint j = 0; j < p.len; j++) sum += exp(X[base + j * p.inner] - m);
  float ls = log(sum);
  for (uint j = 0; j < p.len; j++) {
    float v = X[base + j * p.inner] - m;
    Y[ybase + j * p.inner] = LOG != 0 ? v - ls : exp(v) / sum;
  }
}
void main() {
  if (PER_THREAD != 0) {
    uint r = pv_flat_id(256);
    if (r < p.rows) row_serial(r);
    return;
  }
  uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (row >= p.rows) return; // uniform per workgroup
  uint lid = gl_LocalInvocationID.x;
  uint o = row / p.inner, in_ = row % p.inner;
  uint base = o * p.len * p.inner + in_;
  float m = uintBitsToFloat(0xff800000u);
  for (uint j = lid; j < p.len; j += 256) m = max(m, X[p.xo + base + j * p.inner]);
  red[lid] = m;
  barrier();
  for (uint s = 128; s > 0; s >>= 1) {
    if (lid < s) red[lid] = max(red[lid], red[lid + s]);
    barrier();
  }
  m = red[0];
  barrier();
  float sum = 0.0;
  for (uint j = lid; j < p.len; j += 256) sum += exp(X[p.xo + base + j * p.inner] - m);
  red[lid] = sum;
  barrier();
  for (uint s = 128; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  sum = red[0];
  float ls = log(sum);
  for (uint j = lid; j < p.len; j += 256) {
    float v = X[p.xo + base + j * p.inner] - m;
    Y[p.yo + base + j * p.inner] = LOG != 0 ? v - ls : exp(v) / sum;
  }
}
