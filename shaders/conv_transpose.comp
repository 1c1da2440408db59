#version 450
#extension GL_GOOGLE_include_directive : enable
// conv_transpose2d, one thread per output, gathering the inputs that
// scatter into it: iy = (oy + pad - ky*dil) / stride when divisible.
// Weight layout [Cin, Cout/groups, KH, KW]; fused bias and activation.
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
  uint g = co / coutg, cog = co % coutg;
  float acc = HAS_BIAS != 0 ? bias[p.bo + co] : 0.0;
  for (uint ky = 0; ky < p.kh; ky++) {
    int ny = int(oy + p.ph) - int(ky * p.dh);
    if (ny < 0 || ny % int(p.sh) != 0) continue;
    uint iy = uint(ny) / p.sh;
    if (iy >= p.h) continue;
    for (uint kx = 0; kx < p.kw; kx++) {
      int nx = int(ox + p.pw) - int(kx * p.dw);
      if (nx < 0 || nx % int(p.sw) != 0) continue;
      uint ix = uint(nx) / p.sw;
      if (ix >= p.w) continue;
      for (uint ci = 0; ci < cing; ci++) {
        uint c = g * cing + ci;
        acc = fma(X[p.xo + ((b * p.cin + c) * p.h + iy) * p.w + ix],
                  float(W[p.wo + ((c * coutg + cog) * p.kh + ky) * p.kw + kx]), acc);
      }
    }
  }
  Y[p.yo + i] = pv_unary(ACT, acc, ACT_A, ACT_B, ACT_MODE);
}
