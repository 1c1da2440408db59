#version 450
#extension GL_GOOGLE_include_directive : enable
// pad (constant, reflect, replicate, circular) of 32-bit elements over up to
// 6 dims; pads may be negative (cropping).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 0;
layout(std430, binding = 0) readonly buffer X_ { uint X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { uint Y[]; };
layout(push_constant) uniform P {
  uint n, xo, yo, value;
  uint oshape[6];
  uint ishape[6];
  int before[6];
} p;
void main() {
  uint i = pv_flat_id(256);
  if (i >= p.n) return;
  uint r = i, xi = 0, stride = 1;
  bool inside = true;
  for (int d = 5; d >= 0; d--) {
    int c = int(r % p.oshape[d]);
    r /= p.oshape[d];
    int n = int(p.ishape[d]);
    int s = c - p.before[d];
    if (s < 0 || s >= n) {
      if (MODE == 0) inside = false;
      else if (MODE == 1) { // reflect (no edge repeat)
        int period = 2 * (n - 1);
        s = period > 0 ? abs(s) % period : 0;
        if (s >= n) s = period - s;
      } else if (MODE == 2) s = clamp(s, 0, n - 1);
      else s = ((s % n) + n) % n;
    }
    xi += uint(s) * stride;
    stride *= p.ishape[d];
  }
  Y[p.yo + i] = inside ? X[p.xo + xi] : p.value;
}
