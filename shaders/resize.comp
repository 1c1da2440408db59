#version 450
#extension GL_GOOGLE_include_directive : enable
// RESIZE on NCHW planes, replaying the CPU kernels bit for bit: the host
// (backends/vulkan/ops/resize.c) computes each axis' taps (count, source
// indices, float32 weights) with the CPU's arithmetic; this shader runs the
// CPU's separable passes for one output pixel: the width pass on every
// source row the height taps read (a float per row, as the CPU's
// intermediate), then the height pass on those sums, taps in the CPU's
// order. Every multiply-add is either an explicit pv_fma() where the CPU uses
// its FMA macro or `precise` (no contraction) where it does not.
//   ONNX = 0: torch order (core/transforms/resize.c): x0*w0 then FMA chain;
//             TWO_TAP (plain bilinear): FMA(x0, w0, x1 * w1);
//             AA: the width pass is an unfused multiply-add chain.
//   ONNX = 1: backends/cpu/ops/resize.c: 0 + w0*x0 + w1*x1 ... unfused, a
//             single height tap copies its row.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int ONNX = 0;
layout(constant_id = 1) const int TWO_TAP = 0;
layout(constant_id = 2) const int AA = 0;
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
precise float hpass(uint row, uint ox) {
  uint r = p.to + p.tw + ox * (1u + 2u * p.kw);
  int n = int(T[r]);
  uint wi = r + 1u + p.kw;
  precise float acc;
  if (ONNX != 0) {
    acc = 0.0;
    for (int j = 0; j < n; j++)
      acc = acc + uintBitsToFloat(T[wi + uint(j)]) * X[row + T[r + 1u + uint(j)]];
    return acc;
  }
  if (n == 0) return 0.0;
  float x0 = X[row + T[r + 1u]];
  float w0 = uintBitsToFloat(T[wi]);
  if (TWO_TAP != 0 && n == 2) {
    acc = pv_fma(x0, w0, X[row + T[r + 2u]] * uintBitsToFloat(T[wi + 1u]));
    return acc;
  }
  acc = x0 * w0;
  for (int j = 1; j < n; j++) {
    float xj = X[row + T[r + 1u + uint(j)]];
    float wj = uintBitsToFloat(T[wi + uint(j)]);
    if (AA != 0)
      acc = acc + xj * wj;
    else
      acc = pv_fma(xj, wj, acc);
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
  uint wi = r + 1u + p.kh;
  precise float acc;
  if (ONNX != 0) {
    if (n == 1) {
      acc = hpass(base + T[r + 1u] * p.w, ox);
    } else {
      acc = 0.0;
      for (int j = 0; j < n; j++)
        acc = acc + uintBitsToFloat(T[wi + uint(j)]) *
                        hpass(base + T[r + 1u + uint(j)] * p.w, ox);
    }
  } else if (n == 0) {
    acc = 0.0;
  } else {
    float s0 = hpass(base + T[r + 1u] * p.w, ox);
    float w0 = uintBitsToFloat(T[wi]);
    if (TWO_TAP != 0 && n == 2) {
      acc = pv_fma(s0, w0,
                hpass(base + T[r + 2u] * p.w, ox) * uintBitsToFloat(T[wi + 1u]));
    } else {
      acc = s0 * w0;
      for (int j = 1; j < n; j++)
        acc = pv_fma(hpass(base + T[r + 1u + uint(j)] * p.w, ox),
                  uintBitsToFloat(T[wi + uint(j)]), acc);
    }
  }
  Y[p.yo + i] = acc;
}
