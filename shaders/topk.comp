#version 450
#extension GL_GOOGLE_include_directive : enable
// topk along one axis for rows of at most 1024 elements (e.g. top-5 of 1000
// classes): one workgroup per row sorts (value, index) pairs with a bitonic
// network in shared memory, then writes the first k values and their int64
// indices. Order: largest (or smallest) first, NaN counted as the largest,
// ties by lower index.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int LARGEST = 1;
layout(std430, binding = 0) readonly buffer X_ { float X[]; };
layout(std430, binding = 1) writeonly buffer V_ { float V[]; };
layout(std430, binding = 2) writeonly buffer I_ { uint I[]; };
layout(push_constant) uniform P { uint rows, len, inner, k, xo, vo, io, n; } p;
shared float sv[1024];
shared uint si[1024];
// Does (a, ia) come before (b, ib)? Padding (index >= len) goes last.
bool before(float a, uint ia, float b, uint ib) {
  if ((ia >= p.len) != (ib >= p.len)) return ib >= p.len;
  bool na = isnan(a), nb = isnan(b);
  if (na != nb) return LARGEST != 0 ? na : nb;
  if (!na && a != b) return LARGEST != 0 ? a > b : a < b;
  return ia < ib;
}
void main() {
  uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (row >= p.rows) return; // uniform per workgroup
  uint lid = gl_LocalInvocationID.x;
  uint o = row / p.inner, in_ = row % p.inner;
  uint base = p.xo + o * p.len * p.inner + in_;
  for (uint j = lid; j < p.n; j += 256) {
    si[j] = j;
    sv[j] = j < p.len ? X[base + j * p.inner] : 0.0;
  }
  barrier();
  for (uint size = 2; size <= p.n; size <<= 1) {
    for (uint stride = size >> 1; stride > 0; stride >>= 1) {
      for (uint t = lid; t < p.n / 2; t += 256) {
        uint lo = 2 * stride * (t / stride) + t % stride, hi = lo + stride;
        bool up = (lo & size) == 0; // this half sorts in the wanted order
        bool swap = up ? before(sv[hi], si[hi], sv[lo], si[lo])
                       : before(sv[lo], si[lo], sv[hi], si[hi]);
        if (swap) {
          float tv = sv[lo];
          sv[lo] = sv[hi];
          sv[hi] = tv;
          uint ti = si[lo];
          si[lo] = si[hi];
          si[hi] = ti;
        }
      }
      barrier();
    }
  }
  uint obase = o * p.k * p.inner + in_;
  for (uint j = lid; j < p.k; j += 256) {
    V[p.vo + obase + j * p.inner] = sv[j];
    I[p.io + 2 * (obase + j * p.inner)] = si[j];
    I[p.io + 2 * (obase + j * p.inner) + 1] = 0u;
  }
}
