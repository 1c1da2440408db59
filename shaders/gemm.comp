#version 450
#extension GL_GOOGLE_include_directive : enable
// Tiled GEMM: C = alpha * op(A) op(B) + beta * bias, then an activation.
// 64x64 output tile per workgroup of 64 threads, each computing 8x8 (a high
// FMA-to-load ratio; also what makes CPU drivers such as lavapipe
// vectorize well), with 16-deep K slices of A and B staged in shared
// memory. z = batch, split in two levels so either operand may broadcast
// over either level.
// Bias modes: 0 none, 1 per column (n), 2 per row (m), 3 strided [M,N].
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int TRANS_A = 0;
layout(constant_id = 1) const int TRANS_B = 0;
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
  uint bsa, bsb, bsc; // batch strides
  uint bias_sm, bias_sn;
  float alpha, beta;
  uint nb2, bsa2, bsb2; // batch = (z / nb2, z % nb2): strides bsa/bsb, bsa2/bsb2
} p;
#define BM 64
#define BN 64
#define BK 16
shared vec4 As[BK][BM / 4];
shared vec4 Bs[BK][BN / 4];
void main() {
  uint lid = gl_LocalInvocationID.x;
  uint tx = lid % 8, ty = lid / 8; // rows ty*8.., cols tx*8..
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  uint z = gl_WorkGroupID.z;
  uint z1 = z / p.nb2, z2 = z % p.nb2;
  uint abase = p.ao + z1 * p.bsa + z2 * p.bsa2;
  uint bbase = p.bo + z1 * p.bsb + z2 * p.bsb2;
  vec4 acc[8][2];
  for (int i = 0; i < 8; i++)
    acc[i][0] = acc[i][1] = vec4(0.0);
  for (uint k0 = 0; k0 < p.K; k0 += BK) {
    // 1024 elements of each tile, 16 per thread
    for (uint e = lid; e < BM * BK; e += 64) {
      uint mm, kk;
      if (TRANS_A != 0) { mm = e % BM; kk = e / BM; } // coalesced along m
      else { kk = e % BK; mm = e / BK; }              // coalesced along k
      uint gm = m0 + mm, gk = k0 + kk;
      float v = 0.0;
      if (gm < p.M && gk < p.K)
        v = TRANS_A != 0 ? A[abase + gk * p.lda + gm] : A[abase + gm * p.lda + gk];
      As[kk][mm / 4][mm % 4] = v;
    }
    for (uint e = lid; e < BN * BK; e += 64) {
      uint nn, kk;
      if (TRANS_B != 0) { kk = e % BK; nn = e / BK; }
      else { nn = e % BN; kk = e / BN; }
      uint gn = n0 + nn, gk = k0 + kk;
      float v = 0.0;
      if (gn < p.N && gk < p.K)
        v = TRANS_B != 0 ? float(B[bbase + gn * p.ldb + gk]) : float(B[bbase + gk * p.ldb + gn]);
      Bs[kk][nn / 4][nn % 4] = v;
    }
    barrier();
    for (uint kk = 0; kk < BK; kk++) {
      vec4 a0 = As[kk][ty * 2], a1 = As[kk][ty * 2 + 1];
      vec4 b0 = Bs[kk][tx * 2], b1 = Bs[kk][tx * 2 + 1];
      float a[8] = float[8](a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w);
      for (int i = 0; i < 8; i++) {
        acc[i][0] = fma(vec4(a[i]), b0, acc[i][0]);
        acc[i][1] = fma(vec4(a[i]), b1, acc[i][1]);
      }
    }
    barrier();
  }
  uint cbase = p.co + z * p.bsc;
  for (int i = 0; i < 8; i++) {
    uint m = m0 + ty * 8 + i;
    if (m >= p.M) continue;
    for (int j = 0; j < 8; j++) {
      uint n = n0 + tx * 8 + j;
      if (n >= p.N) continue;
      float v = p.alpha * acc[i][j / 4][j % 4];
      if (BIAS == 1) v += p.beta * bias[p.biaso + n];
      else if (BIAS == 2) v += p.beta * bias[p.biaso + m];
      else if (BIAS == 3) v += p.beta * bias[p.biaso + m * p.bias_sm + n * p.bias_sn];
      C[cbase + m * p.ldc + n] = pv_unary(ACT, v, ACT_A, ACT_B, ACT_MODE);
    }
  }
}
