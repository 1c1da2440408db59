#version 450
#extension GL_GOOGLE_include_directive : enable
// F.interpolate on NCHW planes (torch 1.13 semantics):
// MODE 0 nearest (floor(dst*scale)), 1 nearest-exact, 2 bilinear,
// 3 bicubic (A = cubic_a, border-clamped taps). Scales are in push constants
// as torch computes them (in/out, 1/user_scale, or (in-1)/(out-1) with
// align_corners). AA: antialiased bilinear/bicubic (torch's separable
// filter: support scaled by the downsampling factor, triangle or Keys cubic
// with a = -0.5, weights normalized per axis).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 2;
layout(constant_id = 1) const int ALIGN = 0;
layout(constant_id = 2) const float CUBIC_A = -0.75;
layout(constant_id = 3) const int AA = 0;
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
float aa_filter(float x) {
  x = abs(x);
  if (MODE == 2) return x < 1.0 ? 1.0 - x : 0.0;
  const float a = -0.5;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}
// The window [lo, lo+n) of one output index along an axis, its filter
// argument scale and the sum of its weights.
void aa_window(float scale, uint dst, uint insz, out int lo, out int n,
               out float center, out float inv, out float total) {
  float support = (MODE == 2 ? 1.0 : 2.0) * (scale >= 1.0 ? scale : 1.0);
  center = scale * (float(dst) + 0.5);
  inv = scale >= 1.0 ? 1.0 / scale : 1.0;
  lo = max(int(center - support + 0.5), 0);
  n = min(int(center + support + 0.5), int(insz)) - lo;
  total = 0.0;
  for (int j = 0; j < n; j++) total += aa_filter((float(j + lo) - center + 0.5) * inv);
}
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.total) return;
  uint ox = i % p.ow, t = i / p.ow;
  uint oy = t % p.oh, plane = t / p.oh;
  uint base = p.xo + plane * p.h * p.w;
  float r;
  if (AA != 0 && MODE >= 2) {
    int y0, ny, x0, nx;
    float cy, iy, ty, cx, ix, tx;
    aa_window(p.sh, oy, p.h, y0, ny, cy, iy, ty);
    aa_window(p.sw, ox, p.w, x0, nx, cx, ix, tx);
    r = 0.0;
    for (int a = 0; a < ny; a++) {
      float wy = aa_filter((float(y0 + a) - cy + 0.5) * iy);
      if (wy == 0.0) continue;
      float row = 0.0;
      for (int b = 0; b < nx; b++)
        row += aa_filter((float(x0 + b) - cx + 0.5) * ix) *
               X[base + uint(y0 + a) * p.w + uint(x0 + b)];
      r += wy * row;
    }
    r = (ty != 0.0 && tx != 0.0) ? r / (ty * tx) : 0.0;
  } else if (MODE <= 1) {
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
