#version 450
#extension GL_GOOGLE_include_directive : enable
// conv2d as an implicit GEMM: per (batch, group), out[co, p] =
// sum_k W[co, k] * im2col(x)[k, p] with k = (ci, kh, kw) and p = (oh, ow),
// tiled 64x64 (64 threads, 8x8 outputs each) with 16-deep K slices in
// shared memory. The im2col matrix is
// never materialized: B tiles are gathered from x with zero padding.
// Bias and activation are fused.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int HAS_BIAS = 0;
layout(constant_id = 1) const int ACT = 0;
layout(constant_id = 2) const float ACT_A = 0.0;
layout(constant_id = 3) const float ACT_B = 0.0;
layout(constant_id = 4) const int ACT_MODE = 0;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) readonly buffer W_ { WTYPE W[]; };
layout(std430, binding = 2) readonly buffer Bias_ { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint cin, h, w, cout, oh, ow, kh, kw;
  uint sh, sw, ph, pw, dh, dw, groups;
  uint xo, wo, bo, yo;
} p;
#define BM 64
#define BN 64
#define BK 16
shared vec4 As[BK][BM / 4];
shared vec4 Bs[BK][BN / 4];
void main() {
  uint lid = gl_LocalInvocationID.x;
  uint tx = lid % 8, ty = lid / 8;
  uint cing = p.cin / p.groups, coutg = p.cout / p.groups;
  uint M = coutg, N = p.oh * p.ow, K = cing * p.kh * p.kw, khw = p.kh * p.kw;
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  uint z = gl_WorkGroupID.z, g = z % p.groups, b = z / p.groups;
  uint wbase = p.wo + g * coutg * K;
  uint xbase = p.xo + (b * p.cin + g * cing) * p.h * p.w;
  vec4 acc[8][2];
  for (int i = 0; i < 8; i++)
    acc[i][0] = acc[i][1] = vec4(0.0);
  for (uint k0 = 0; k0 < K; k0 += BK) {
    for (uint e = lid; e < BM * BK; e += 64) {
      uint kk = e % BK, mm = e / BK;
      uint gm = m0 + mm, gk = k0 + kk;
      As[kk][mm / 4][mm % 4] = gm < M && gk < K ? float(W[wbase + gm * K + gk]) : 0.0;
    }
    for (uint e = lid; e < BN * BK; e += 64) {
      uint nn = e % BN, kk = e / BN;
      uint gn = n0 + nn, gk = k0 + kk;
      float v = 0.0;
      if (gn < N && gk < K) {
        uint ci = gk / khw, r = gk % khw;
        uint ky = r / p.kw, kx = r % p.kw;
        uint oy = gn / p.ow, ox = gn % p.ow;
        int iy = int(oy * p.sh + ky * p.dh) - int(p.ph);
        int ix = int(ox * p.sw + kx * p.dw) - int(p.pw);
        if (iy >= 0 && iy < int(p.h) && ix >= 0 && ix < int(p.w))
          v = X[xbase + (ci * p.h + uint(iy)) * p.w + uint(ix)];
      }
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
  for (int i = 0; i < 8; i++) {
    uint m = m0 + ty * 8 + i;
    if (m >= M) continue;
    uint co = g * coutg + m;
    float bv = HAS_BIAS != 0 ? bias[p.bo + co] : 0.0;
    for (int j = 0; j < 8; j++) {
      uint n = n0 + tx * 8 + j;
      if (n >= N) continue;
      Y[p.yo + (b * p.cout + co) * N + n] =
          pv_unary(ACT, acc[i][j / 4][j % 4] + bv, ACT_A, ACT_B, ACT_MODE);
    }
  }
}
