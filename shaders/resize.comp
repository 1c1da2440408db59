#version 450
#extension GL_GOOGLE_include_directive : enable
// RESIZE on NCHW planes, replaying the CPU's passes bit for bit: the host
// (backends/vulkan/ops/resize.c) builds each axis' taps (count, source
// indices, float32 weights) with the shared RESIZE tap builder
// (backends/common/resize_taps.c, the one pv_resize and the CPU op use);
// this shader runs its separable passes for one output pixel: the width
// pass on every source row the height taps read (a float per row, as the
// CPU's intermediate), then the height pass on those sums, taps in the
// CPU's order. Each axis has its accumulation form (FORM_H, FORM_W, the
// PV__RS_* of resize_taps.h); every multiply-add is either an explicit
// pv_fma() where the CPU fuses or `precise` (no contraction) where not:
//   RS_TWO   fma(x0, w0, x1 * w1)          (torch's plain bilinear)
//   RS_CHAIN x0 * w0, then acc + xj * wj   (torch's antialiased width pass)
//   RS_FMA   x0 * w0, then fma(xj, wj, acc)
//   RS_SUM0  0, then acc + wj * xj         (the ONNX modes)
//   RS_COPY  x0                            (ONNX nearest, height pass)
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int FORM_H = 2;
layout(constant_id = 1) const int FORM_W = 2;
const int RS_TWO = 0;
const int RS_CHAIN = 1;
const int RS_FMA = 2;
const int RS_SUM0 = 3;
const int RS_COPY = 4;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { float Y[]; };
layout(std430, binding = 2) readonly buffer T_ { uint T[]; };
layout(push_constant) uniform P {
  uint h, w, oh, ow, total, xo, yo, to, kh, kw, tw;
} p;

// fma(a, b, c) correctly rounded, in plain float operations: a SPIR-V Fma
// may run as a multiply then an add (lavapipe's does), which is not the
// CPU's FMA. Dekker's exact product ph + pl = a*b (Veltkamp split by
// 2^12 + 1), TwoSum th + tl = c + ph, v = tl + pl rounded to odd, then
// th + v rounded to nearest: the correctly rounded a*b + c (Boldo and
// Melquiond, "Emulation of FMA and correctly rounded sums: proved
// algorithms using rounding to odd", 2008), barring over/underflow.
float pv_fma(float a, float b, float c) {
  precise float t = 4097.0 * a;
  precise float ah = t - (t - a);
  precise float al = a - ah;
  precise float u = 4097.0 * b;
  precise float bh = u - (u - b);
  precise float bl = b - bh;
  precise float ph = a * b;
  precise float pl = (((ah * bh - ph) + ah * bl) + al * bh) + al * bl;
  precise float th = c + ph;
  precise float tb = th - c;
  precise float tl = (c - (th - tb)) + (ph - tb);
  precise float v = tl + pl;
  precise float vb = v - tl;
  precise float ve = (tl - (v - vb)) + (pl - vb);
  uint vbits = floatBitsToUint(v);
  if (ve != 0.0 && (vbits & 1u) == 0u) // round to odd: step toward ve
    vbits += (ve > 0.0) == (v > 0.0) ? 1u : 0xffffffffu;
  precise float r = th + uintBitsToFloat(vbits);
  return r;
}

// The width pass at source row `row` (element offset) for output column ox.
precise float wpass(uint row, uint ox) {
  uint r = p.to + p.tw + ox * (1u + 2u * p.kw);
  int n = int(T[r]);
  uint ii = r + 1u, wi = r + 1u + p.kw;
  precise float acc;
  if (n == 0) return 0.0;
  if (FORM_W == RS_COPY) return X[row + T[ii]];
  if (FORM_W == RS_TWO) {
    acc = pv_fma(X[row + T[ii]], uintBitsToFloat(T[wi]),
                 X[row + T[ii + 1u]] * uintBitsToFloat(T[wi + 1u]));
    return acc;
  }
  if (FORM_W == RS_SUM0) {
    acc = 0.0;
    for (int j = 0; j < n; j++)
      acc = acc + uintBitsToFloat(T[wi + uint(j)]) * X[row + T[ii + uint(j)]];
    return acc;
  }
  acc = X[row + T[ii]] * uintBitsToFloat(T[wi]);
  for (int j = 1; j < n; j++) {
    float xj = X[row + T[ii + uint(j)]];
    float wj = uintBitsToFloat(T[wi + uint(j)]);
    if (FORM_W == RS_FMA)
      acc = pv_fma(xj, wj, acc);
    else
      acc = acc + xj * wj;
  }
  return acc;
}

void main() {
  uint i = pv_flat_id(256);
  if (i >= p.total) return;
  uint ox = i % p.ow, t = i / p.ow;
  uint oy = t % p.oh, plane = t / p.oh;
  uint base = p.xo + plane * p.h * p.w;
  uint r = p.to + oy * (1u + 2u * p.kh);
  int n = int(T[r]);
  uint ii = r + 1u, wi = r + 1u + p.kh;
  precise float acc;
  if (n == 0) {
    acc = 0.0;
  } else if (FORM_H == RS_COPY) {
    acc = wpass(base + T[ii] * p.w, ox);
  } else if (FORM_H == RS_TWO) {
    acc = pv_fma(wpass(base + T[ii] * p.w, ox), uintBitsToFloat(T[wi]),
                 wpass(base + T[ii + 1u] * p.w, ox) *
                     uintBitsToFloat(T[wi + 1u]));
  } else if (FORM_H == RS_SUM0) {
    acc = 0.0;
    for (int j = 0; j < n; j++)
      acc = acc + uintBitsToFloat(T[wi + uint(j)]) *
                      wpass(base + T[ii + uint(j)] * p.w, ox);
  } else {
    acc = wpass(base + T[ii] * p.w, ox) * uintBitsToFloat(T[wi]);
    for (int j = 1; j < n; j++) {
      float sj = wpass(base + T[ii + uint(j)] * p.w, ox);
      float wj = uintBitsToFloat(T[wi + uint(j)]);
      if (FORM_H == RS_FMA)
        acc = pv_fma(sj, wj, acc);
      else
        acc = acc + sj * wj;
    }
  }
  Y[p.yo + i] = acc;
}
