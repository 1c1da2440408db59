#version 450
#extension GL_GOOGLE_include_directive : enable
// linear for few rows (M <= 8, e.g. a classifier head at batch 1): one
// workgroup of 64 threads per output column n, striding over K along the
// contiguous weight row w[n, :] and reducing in shared memory. Same bindings
// and push constants as gemm.comp (B is the weight, trans_b layout).
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int TRANS_A = 0;
layout(constant_id = 1) const int TRANS_B = 1;
layout(constant_id = 2) const int BIAS = 0;
layout(constant_id = 3) const int ACT = 0;
layout(constant_id = 4) const float ACT_A = 0.0;
layout(constant_id = 5) const float ACT_B = 0.0;
layout(constant_id = 6) const int ACT_MODE = 0;
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
  uint nb2, bsa2, bsb2; // unused: no batch
} p;
shared float red[8][64];
void main() {
  uint n = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (n >= p.N) return; // uniform per workgroup
  uint lid = gl_LocalInvocationID.x;
  float acc[8];
  for (int m = 0; m < 8; m++) acc[m] = 0.0;
  for (uint k = lid; k < p.K; k += 64) {
    float w = float(B[p.bo + n * p.ldb + k]);
    for (uint m = 0; m < 8; m++)
      if (m < p.M) acc[m] = fma(A[p.ao + m * p.lda + k], w, acc[m]);
  }
  for (int m = 0; m < 8; m++) red[m][lid] = acc[m];
  barrier();
  for (uint s = 32; s > 0; s >>= 1) {
    if (lid < s)
      for (int m = 0; m < 8; m++) red[m][lid] += red[m][lid + s];
    barrier();
  }
  if (lid < p.M) {
    float v = p.alpha * red[lid][0];
    if (BIAS == 1) v += p.beta * bias[p.biaso + n];
    C[p.co + lid * p.ldc + n] = pv_unary(ACT, v, ACT_A, ACT_B, ACT_MODE);
  }
}
