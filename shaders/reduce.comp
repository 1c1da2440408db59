#version 450
#extension GL_GOOGLE_include_directive : enable
// Reductions over the middle dim of [outer, len, inner]: one workgroup per
// output, 256 threads. OP: 0 sum, 1 mean, 2 max, 3 min, 4 argmax, 5 argmin
// (int64 output written as two 32-bit words; the first extreme index wins,
// or the last with LAST=1; NaN wins). PER_THREAD: one thread per output
// (short reductions with a non-trivial inner dim). GENERAL: reduced axes
// that are not adjacent: outputs and reduced elements are decoded through
// up to 4 kept and 4 reduced (shape, stride) pairs.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int LAST = 0;
layout(constant_id = 2) const int PER_THREAD = 0;
layout(constant_id = 3) const int GENERAL = 0;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer Y_ { float Y[]; };
layout(push_constant) uniform P {
  uint outs, len, inner, xo, yo;
  uint kshape[4], kstr[4], rshape[4], rstr[4]; // GENERAL only
} p;
uint base_of(uint o) {
  if (GENERAL == 0) return p.xo + (o / p.inner) * p.len * p.inner + o % p.inner;
  uint b = p.xo;
  for (int d = 3; d >= 0; d--) {
    b += (o % p.kshape[d]) * p.kstr[d];
    o /= p.kshape[d];
  }
  return b;
}
uint off_of(uint j) {
  if (GENERAL == 0) return j * p.inner;
  uint r = 0;
  for (int d = 3; d >= 0; d--) {
    r += (j % p.rshape[d]) * p.rstr[d];
    j /= p.rshape[d];
  }
  return r;
}
shared float rv[256];
shared uint ri[256];
bool better(float a, uint ia, float b, uint ib) { // is (a, ia) preferred?
  bool na = isnan(a), nb = isnan(b);
  if (na != nb) return na;
  if (!na && a != b) return (OP == 4 || OP == 2) ? a > b : a < b;
  return LAST != 0 ? ia > ib : ia < ib;
}
void store(uint o, float v, uint idx) {
  if (OP == 4 || OP == 5) {
    Y[p.yo + 2 * o] = uintBitsToFloat(idx);
    Y[p.yo + 2 * o + 1] = 0.0;
  } else {
    Y[p.yo + o] = OP == 1 ? v / float(p.len) : v;
  }
}
void main() {
  if (PER_THREAD != 0) {
    uint o = pv_flat_id(256);
    if (o >= p.outs) return;
    uint base = base_of(o);
    float acc = OP >= 2 ? X[base] : 0.0;
    uint idx = 0;
    for (uint j = OP >= 2 ? 1 : 0; j < p.len; j++) {
      float v = X[base + off_of(j)];
      if (OP < 2) acc += v;
      else if (better(v, j, acc, idx)) { acc = v; idx = j; }
    }
    store(o, acc, idx);
    return;
  }
  uint o = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (o >= p.outs) return;
  uint lid = gl_LocalInvocationID.x;
  uint base = base_of(o);
  bool ext = OP >= 2;
  float acc = OP == 2 || OP == 4 ? uintBitsToFloat(0xff800000u)
            : (OP == 3 || OP == 5 ? uintBitsToFloat(0x7f800000u) : 0.0);
  uint idx = 0xffffffffu;
  for (uint j = lid; j < p.len; j += 256) {
    float v = X[base + off_of(j)];
    if (!ext) acc += v;
    else if (idx == 0xffffffffu || better(v, j, acc, idx)) { acc = v; idx = j; }
  }
  rv[lid] = acc;
  ri[lid] = idx;
  barrier();
  for (uint s = 128; s > 0; s >>= 1) {
    if (lid < s) {
      if (!ext) rv[lid] += rv[lid + s];
      else if (ri[lid + s] != 0xffffffffu &&
               (ri[lid] == 0xffffffffu || better(rv[lid + s], ri[lid + s], rv[lid], ri[lid]))) {
        rv[lid] = rv[lid + s];
        ri[lid] = ri[lid + s];
      }
    }
    barrier();
  }
  if (lid == 0) store(o, rv[0], ri[0]);
}
