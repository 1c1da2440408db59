#version 450
#extension GL_GOOGLE_include_directive : enable
// 2-D pooling over NCHW planes, one thread per output. MODE: 0 max, 1 avg,
// 2 adaptive avg, 3 adaptive max (torch semantics: ceil_mode windows are
// clipped, count_include_pad counts padding up to H + pad_bottom).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int COUNT_PAD = 1;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint h, w, oh, ow, kh, kw, sh, sw;
  uint pt, pl, pb, pr, dh, dw;
  uint divisor, total, xo, yo;
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.total) return;
  uint ox = i % p.ow, t = i / p.ow;
  uint oy = t % p.oh, plane = t / p.oh;
  uint xb = p.xo + plane * p.h * p.w;
  float r;
  if (MODE == 2 || MODE == 3) {
    uint y0 = (oy * p.h) / p.oh, y1 = ((oy + 1) * p.h + p.oh - 1) / p.oh;
    uint x0 = (ox * p.w) / p.ow, x1 = ((ox + 1) * p.w + p.ow - 1) / p.ow;
    r = MODE == 3 ? uintBitsToFloat(0xff800000u) : 0.0;
    for (uint y = y0; y < y1; y++)
      for (uint x = x0; x < x1; x++) {
        float v = X[xb + y * p.w + x];
        if (MODE == 3) { if (v > r || isnan(v)) r = v; }
        else r += v;
      }
    if (MODE == 2) r /= float((y1 - y0) * (x1 - x0));
  } else if (MODE == 0) {
    int y0 = int(oy * p.sh) - int(p.pt), x0 = int(ox * p.sw) - int(p.pl);
    r = uintBitsToFloat(0xff800000u);
    for (uint ky = 0; ky < p.kh; ky++) {
      int y = y0 + int(ky * p.dh);
      if (y < 0 || y >= int(p.h)) continue;
      for (uint kx = 0; kx < p.kw; kx++) {
        int x = x0 + int(kx * p.dw);
        if (x < 0 || x >= int(p.w)) continue;
        float v = X[xb + uint(y) * p.w + uint(x)];
        if (v > r || isnan(v)) r = v;
      }
    }
  } else {
    int y0 = int(oy * p.sh) - int(p.pt), x0 = int(ox * p.sw) - int(p.pl);
    int y1 = min(y0 + int(p.kh), int(p.h + p.pb));
    int x1 = min(x0 + int(p.kw), int(p.w + p.pr));
    int pool = (y1 - y0) * (x1 - x0);
    y0 = max(y0, 0); x0 = max(x0, 0);
    y1 = min(y1, int(p.h)); x1 = min(x1, int(p.w));
    r = 0.0;
    for (int y = y0; y < y1; y++)
      for (int x = x0; x < x1; x++)
        r += X[xb + uint(y) * p.w + uint(x)];
    int div = p.divisor != 0 ? int(p.divisor)
            : (COUNT_PAD != 0 ? pool : (y1 - y0) * (x1 - x0));
    r /= float(div);
  }
  Y[p.yo + i] = r;
}
