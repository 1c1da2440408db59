/* layout.cl: dtype-agnostic strided copies (reshape, permute, slice, expand,
 * tile, concat pieces), pad and gather.
 *
 * copy table prm: nd, in_base, out_base, then per dim: size[nd], mod[nd],
 * in_stride[nd] (may be negative or 0), out_stride[nd]. Output element with
 * coordinates c reads input in_base + sum((c[d] % mod[d]) * in_stride[d]). */
#define PV_COPY_KERNEL(name, T)                                                \
  PV_KERNEL void name(PV_GLOBAL const T *x, pv_long xo, PV_GLOBAL T *y,        \
                      pv_long yo, int n, PV_GLOBAL const int *prm) {           \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    int nd = prm[0];                                                           \
    int io = prm[1], oo = prm[2], r = i;                                       \
    for (int d = nd - 1; d >= 0; d--) {                                        \
      int s = prm[3 + d];                                                      \
      int c = r % s;                                                           \
      r /= s;                                                                  \
      io += (c % prm[3 + nd + d]) * prm[3 + 2 * nd + d];                       \
      oo += c * prm[3 + 3 * nd + d];                                           \
    }                                                                          \
    y[yo + oo] = x[xo + io];                                                   \
  }
PV_COPY_KERNEL(copy_x8, pv_uchar)
PV_COPY_KERNEL(copy_x16, unsigned short)
PV_COPY_KERNEL(copy_x32, unsigned int)
PV_COPY_KERNEL(copy_x64, pv_long)

/* pad: prm = nd, then out shape[nd], in shape[nd], before[nd]. */
PV_KERNEL void pad_f32(PV_GLOBAL const float *x, pv_long xo,
                       PV_GLOBAL float *y, pv_long yo, int n,
                       PV_GLOBAL const int *prm, int mode, float value) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  int nd = prm[0];
  int r = i, io = 0, stride = 1, inside = 1;
  for (int d = nd - 1; d >= 0; d--) {
    int os = prm[1 + d], is = prm[1 + nd + d], b = prm[1 + 2 * nd + d];
    int c = r % os - b;
    r /= os;
    if (c < 0 || c >= is) {
      if (mode == 0) {
        inside = 0;
      } else if (mode == 1) { /* reflect */
        int p = 2 * (is - 1);
        c = p > 0 ? c % p : 0;
        if (c < 0)
          c += p;
        if (c >= is)
          c = p - c;
      } else if (mode == 2) { /* replicate */
        c = c < 0 ? 0 : is - 1;
      } else { /* circular */
        c %= is;
        if (c < 0)
          c += is;
      }
    }
    io += c * stride;
    stride *= is;
  }
  y[yo + i] = inside ? x[xo + io] : value;
}

/* gather along an axis: data viewed as [outer, len, inner], indices [m]. */
#define PV_GATHER_KERNEL(name, T, TI)                                          \
  PV_KERNEL void name(PV_GLOBAL const T *x, pv_long xo,                        \
                      PV_GLOBAL const TI *idx, pv_long io, PV_GLOBAL T *y,     \
                      pv_long yo, int n, int len, int m, int inner) {          \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    int in_ = i % inner, j = (i / inner) % m, o = i / inner / m;               \
    pv_long k = (pv_long)idx[io + j];                                          \
    if (k < 0)                                                                 \
      k += len;                                                                \
    if (k < 0 || k >= len) {                                                   \
      y[yo + i] = 0; /* out of range: the host validated constants */          \
      return;                                                                  \
    }                                                                          \
    y[yo + i] = x[xo + ((pv_long)o * len + k) * inner + in_];                  \
  }
PV_GATHER_KERNEL(gather_x32_i64, unsigned int, pv_long)
PV_GATHER_KERNEL(gather_x32_i32, unsigned int, int)
PV_GATHER_KERNEL(gather_x64_i64, pv_long, pv_long)
PV_GATHER_KERNEL(gather_x64_i32, pv_long, int)
