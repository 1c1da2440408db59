#version 450
#extension GL_GOOGLE_include_directive : enable
// F.interpolate on NCHW planes (torch 1.13 semantics, no antialias):
// MODE 0 nearest (floor(dst*scale)), 1 nearest-exact, 2 bilinear,
// 3 bicubic (A = cubic_a, border-clamped taps). Scales are in push constants
// as torch computes them (in/out, 1/user_scale, or (in-1)/(out-1) with
// align_corners).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 2;
layout(constant_id = 1) const int ALIGN = 0;
layout(constant_id = 2) const float CUBIC_A = -0.75;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint h, w, oh, ow, total, xo, yo;
  float sh, sw;
} p;
float src_index(float scale, uint dst, bool cubic) {
  if (ALIGN != 0) return scale * float(dst);
  float s = scale * (float(dst) + 0.5) - 0.5;
  return (!cubic && s < 0.0) ? 0.0 : s;
}
float cc1(float x) { return ((CUBIC_A + 2.0) * x - (CUBIC_A + 3.0)) * x * x + 1.0; }
float cc2(float x) { return ((CUBIC_A * x - 5.0 * CUBIC_A) * x + 8.0 * CUBIC_A) * x - 4.0 * CUBIC_A; }
void weights(float t, out float c[4]) {
  c[0] = cc2(t + 1.0);
  c[1] = cc1(t);
  c[2] = cc1(1.0 - t);
  c[3] = cc2(2.0 - t);
}
float at(uint base, int y, int x) {
  y = clamp(y, 0, int(p.h) - 1);
  x = clamp(x, 0, int(p.w) - 1);
  return X[base + uint(y) * p.w + uint(x)];
}
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.total) return;
  uint ox = i % p.ow, t = i / p.ow;
  uint oy = t % p.oh, plane = t / p.oh;
  uint base = p.xo + plane * p.h * p.w;
  float r;
  if (MODE <= 1) {
    float off = MODE == 1 ? 0.5 : 0.0;
    uint y = min(uint(floor((float(oy) + off) * p.sh)), p.h - 1);
    uint x = min(uint(floor((float(ox) + off) * p.sw)), p.w - 1);
    r = X[base + y * p.w + x];
  } else if (MODE == 2) {
    float sy = src_index(p.sh, oy, false), sx = src_index(p.sw, ox, false);
    int y0 = int(sy), x0 = int(sx);
    int y1 = y0 < int(p.h) - 1 ? y0 + 1 : y0, x1 = x0 < int(p.w) - 1 ? x0 + 1 : x0;
    float ly = sy - float(y0), lx = sx - float(x0);
    r = (1.0 - ly) * ((1.0 - lx) * at(base, y0, x0) + lx * at(base, y0, x1)) +
        ly * ((1.0 - lx) * at(base, y1, x0) + lx * at(base, y1, x1));
  } else {
    float sy = src_index(p.sh, oy, true), sx = src_index(p.sw, ox, true);
    int iy = int(floor(sy)), ix = int(floor(sx));
    float wy[4], wx[4];
    weights(sy - float(iy), wy);
    weights(sx - float(ix), wx);
    r = 0.0;
    for (int a = 0; a < 4; a++) {
      float row = 0.0;
      for (int b = 0; b < 4; b++) row += wx[b] * at(base, iy - 1 + a, ix - 1 + b);
      r += wy[a] * row;
    }
  }
  Y[p.yo + i] = r;
}
