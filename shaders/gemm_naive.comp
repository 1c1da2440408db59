#version 450
#extension GL_GOOGLE_include_directive : enable
// The benchmark baseline: one thread per output element, no shared memory.
// Same bindings and push constants as gemm.comp (no transposes, no bias).
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer A_ { float A[]; };
layout(std430, binding = 1) readonly buffer B_ { WTYPE B[]; };
layout(std430, binding = 2) readonly buffer Bias_ { float bias[]; };
layout(std430, binding = 3) writeonly buffer C_ { float C[]; };
layout(push_constant) uniform P {
  uint M, N, K;
  uint ao, bo, biaso, co;
  uint lda, ldb, ldc;
  uint bsa, bsb, bsc;
  uint bias_sm, bias_sn;
  float alpha, beta;
  uint nb2, bsa2, bsb2;
} p;
void main() {
  uint n = gl_GlobalInvocationID.x, m = gl_GlobalInvocationID.y;
  uint z = gl_WorkGroupID.z;
  if (m >= p.M || n >= p.N) return;
  float acc = 0.0;
  for (uint k = 0; k < p.K; k++)
    acc += A[p.ao + (z / p.nb2) * p.bsa + (z % p.nb2) * p.bsa2 + m * p.lda + k] *
           float(B[p.bo + (z / p.nb2) * p.bsb + (z % p.nb2) * p.bsb2 + k * p.ldb + n]);
  C[p.co + z * p.bsc + m * p.ldc + n] = p.alpha * acc;
}
