#version 450
#extension GL_GOOGLE_include_directive : enable
// batch_norm (inference): y = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c]
// over a tensor viewed as [N, C, inner], one thread per element.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) readonly buffer W_ { float Wt[]; };
layout(std430, binding = 2) readonly buffer B_ { float Bs[]; };
layout(std430, binding = 3) readonly buffer M_ { float Mn[]; };
layout(std430, binding = 4) readonly buffer V_ { float Vr[]; };
layout(std430, binding = 5) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint n, C, inner, xo, wo, bo, mo, vo, yo;
  float eps;
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint c = (i / p.inner) % p.C;
  float v = (X[p.xo + i] - Mn[p.mo + c]) / sqrt(Vr[p.vo + c] + p.eps);
  Y[p.yo + i] = v * Wt[p.wo + c] + Bs[p.bo + c];
}
