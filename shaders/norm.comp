#version 450
#extension GL_GOOGLE_include_directive : enable
// layer_norm / group_norm / instance_norm: one workgroup per normalized
// chunk of `len` contiguous elements; mean, then the biased variance of the
// deviations (two passes, for accuracy), then the affine transform.
// MODE 0: weight index = element index in the chunk (layer norm);
// MODE 1: weight index = channel = (chunk % G) * cpg + j / inner.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int HAS_W = 0;
layout(constant_id = 2) const int HAS_B = 0;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) readonly buffer W_ { float Wt[]; };
layout(std430, binding = 2) readonly buffer B_ { float Bs[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint chunks, len, inner, cpg, G;
  uint xo, wo, bo, yo;
  float eps;
} p;
shared float red[256];
float reduce_sum(float v) {
  uint lid = gl_LocalInvocationID.x;
  red[lid] = v;
  barrier();
  for (uint s = 128; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  float r = red[0];
  barrier();
  return r;
}
void main() {
  uint c = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (c >= p.chunks) return;
  uint lid = gl_LocalInvocationID.x;
  uint base = c * p.len;
  float s = 0.0;
  for (uint j = lid; j < p.len; j += 256) s += X[p.xo + base + j];
  float mean = reduce_sum(s) / float(p.len);
  float q = 0.0;
  for (uint j = lid; j < p.len; j += 256) {
    float d = X[p.xo + base + j] - mean;
    q += d * d;
  }
  float rstd = inversesqrt(reduce_sum(q) / float(p.len) + p.eps);
  for (uint j = lid; j < p.len; j += 256) {
    uint wi = MODE == 0 ? j : (c % p.G) * p.cpg + j / p.inner;
    float v = (X[p.xo + base + j] - mean) * rstd;
    if (HAS_W != 0) v *= Wt[p.wo + wi];
    if (HAS_B != 0) v += Bs[p.bo + wi];
    Y[p.yo + base + j] = v;
  }
}
