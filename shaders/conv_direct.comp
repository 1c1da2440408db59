#version 450
#extension GL_GOOGLE_include_directive : enable
// Direct conv2d, one thread per output: the depthwise path (groups == cin,
// where each output reads only kh*kw inputs and a GEMM tile would be mostly
// padding). Same bindings and push constants as conv2d.comp.
#include "common.glsl"
layout(local_size_x = 256) in;
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
  uint total;
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.total) return;
  uint ox = i % p.ow, t = i / p.ow;
  uint oy = t % p.oh; t /= p.oh;
  uint co = t % p.cout, b = t / p.cout;
  uint cing = p.cin / p.groups, coutg = p.cout / p.groups;
  uint g = co / coutg;
  float acc = HAS_BIAS != 0 ? bias[p.bo + co] : 0.0;
  int iy0 = int(oy * p.sh) - int(p.ph), ix0 = int(ox * p.sw) - int(p.pw);
  for (uint ci = 0; ci < cing; ci++) {
    uint xb = p.xo + (b * p.cin + g * cing + ci) * p.h * p.w;
    uint wb = p.wo + (co * cing + ci) * p.kh * p.kw;
    for (uint ky = 0; ky < p.kh; ky++) {
      int iy = iy0 + int(ky * p.dh);
      if (iy < 0 || iy >= int(p.h)) continue;
      for (uint kx = 0; kx < p.kw; kx++) {
        int ix = ix0 + int(kx * p.dw);
        if (ix < 0 || ix >= int(p.w)) continue;
        acc = fma(X[xb + uint(iy) * p.w + uint(ix)], float(W[wb + ky * p.kw + kx]), acc);
      }
    }
  }
  Y[p.yo + i] = pv_unary(ACT, acc, ACT_A, ACT_B, ACT_MODE);
}
