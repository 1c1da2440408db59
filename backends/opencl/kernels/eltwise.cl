/* eltwise.cl: unary, binary (numpy broadcasting through strides, fused
 * activation), comparisons, where, and casts. */

PV_KERNEL void unary_f32(PV_GLOBAL const float *x, pv_long xo,
                         PV_GLOBAL float *y, pv_long yo, int n, int op,
                         float alpha, float beta, int mode) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  y[yo + i] = pv_unary(x[xo + i], op, alpha, beta, mode);
}

PV_INLINE float pv_binary(float a, float b, int op) {
  if (op == PV_OP_ADD)
    return a + b;
  if (op == PV_OP_SUB)
    return a - b;
  if (op == PV_OP_MUL)
    return a * b;
  if (op == PV_OP_DIV)
    return a / b;
  if (op == PV_OP_POW)
    return pow(a, b);
  if (op == PV_OP_MAX)
    return PV_ISNAN(a) || PV_ISNAN(b) ? a + b : fmax(a, b);
  if (op == PV_OP_MIN)
    return PV_ISNAN(a) || PV_ISNAN(b) ? a + b : fmin(a, b);
  if (op == PV_OP_PRELU)
    return a >= 0.0f ? a : a * b;
  return 0.0f;
}

/* prm == bcast table; when prm[0] == 0 both operands are contiguous with the
 * output (no broadcasting). */
PV_KERNEL void binary_f32(PV_GLOBAL const float *a, pv_long ao,
                          PV_GLOBAL const float *b, pv_long bo,
                          PV_GLOBAL float *y, pv_long yo, int n,
                          PV_GLOBAL const int *prm, int op, int act,
                          float alpha, float beta, int mode) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  int ia = i, ib = i;
  if (prm[0]) {
    ia = pv_bcast_off(prm, i, 0);
    ib = pv_bcast_off(prm, i, 1);
  }
  y[yo + i] = pv_unary(pv_binary(a[ao + ia], b[bo + ib], op), act, alpha, beta,
                       mode);
}

PV_KERNEL void compare_f32(PV_GLOBAL const float *a, pv_long ao,
                           PV_GLOBAL const float *b, pv_long bo,
                           PV_GLOBAL pv_uchar *y, pv_long yo, int n,
                           PV_GLOBAL const int *prm, int op) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  int ia = i, ib = i;
  if (prm[0]) {
    ia = pv_bcast_off(prm, i, 0);
    ib = pv_bcast_off(prm, i, 1);
  }
  float va = a[ao + ia], vb = b[bo + ib];
  int r = op == PV_OP_EQUAL ? va == vb : op == PV_OP_LESS ? va < vb : va > vb;
  y[yo + i] = (pv_uchar)r;
}

PV_KERNEL void where_f32(PV_GLOBAL const pv_uchar *c, pv_long co,
                         PV_GLOBAL const float *a, pv_long ao,
                         PV_GLOBAL const float *b, pv_long bo,
                         PV_GLOBAL float *y, pv_long yo, int n,
                         PV_GLOBAL const int *prm) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  int ic = i, ia = i, ib = i;
  if (prm[0]) {
    ic = pv_bcast_off(prm, i, 0);
    ia = pv_bcast_off(prm, i, 1);
    ib = pv_bcast_off(prm, i, 2);
  }
  y[yo + i] = c[co + ic] ? a[ao + ia] : b[bo + ib];
}

/* Casts with torch .to() semantics for the pairs the host accepts: float to
 * integer truncates toward zero, anything to bool is != 0. */
#define PV_CAST_KERNEL(name, TI, TO, EXPR)                                     \
  PV_KERNEL void name(PV_GLOBAL const TI *x, pv_long xo, PV_GLOBAL TO *y,      \
                      pv_long yo, int n) {                                     \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    TI v = x[xo + i];                                                          \
    y[yo + i] = (EXPR);                                                        \
  }
PV_CAST_KERNEL(cast_f32_i32, float, int, (int)v)
PV_CAST_KERNEL(cast_f32_i64, float, pv_long, (pv_long)v)
PV_CAST_KERNEL(cast_f32_bool, float, pv_uchar, (pv_uchar)(v != 0.0f))
PV_CAST_KERNEL(cast_i32_f32, int, float, (float)v)
PV_CAST_KERNEL(cast_i64_f32, pv_long, float, (float)v)
PV_CAST_KERNEL(cast_u8_f32, pv_uchar, float, (float)v)
PV_CAST_KERNEL(cast_f32_u8, float, pv_uchar, (pv_uchar)(int)v)
PV_CAST_KERNEL(cast_i32_i64, int, pv_long, (pv_long)v)
PV_CAST_KERNEL(cast_i64_i32, pv_long, int, (int)v)
PV_CAST_KERNEL(cast_i32_bool, int, pv_uchar, (pv_uchar)(v != 0))
PV_CAST_KERNEL(cast_i64_bool, pv_long, pv_uchar, (pv_uchar)(v != 0))
PV_CAST_KERNEL(cast_u8_i32, pv_uchar, int, (int)v)
PV_CAST_KERNEL(cast_u8_i64, pv_uchar, pv_long, (pv_long)v)

/* Integer binary ops (add, sub, mul, max, min; wraparound like torch) and
 * comparisons, with the same broadcast table as the f32 kernels. */
#define PV_INT_BINARY_KERNELS(T, SUF)                                          \
  PV_KERNEL void binary_##SUF(PV_GLOBAL const T *a, pv_long ao,                \
                              PV_GLOBAL const T *b, pv_long bo,                \
                              PV_GLOBAL T *y, pv_long yo, int n,               \
                              PV_GLOBAL const int *prm, int op) {              \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    int ia = i, ib = i;                                                        \
    if (prm[0]) {                                                              \
      ia = pv_bcast_off(prm, i, 0);                                            \
      ib = pv_bcast_off(prm, i, 1);                                            \
    }                                                                          \
    T va = a[ao + ia], vb = b[bo + ib];                                        \
    T r = op == PV_OP_ADD   ? va + vb                                          \
          : op == PV_OP_SUB ? va - vb                                          \
          : op == PV_OP_MUL ? va * vb                                          \
          : op == PV_OP_MAX ? (va > vb ? va : vb)                              \
                            : (va < vb ? va : vb);                             \
    y[yo + i] = r;                                                             \
  }                                                                            \
  PV_KERNEL void compare_##SUF(PV_GLOBAL const T *a, pv_long ao,               \
                               PV_GLOBAL const T *b, pv_long bo,               \
                               PV_GLOBAL pv_uchar *y, pv_long yo, int n,       \
                               PV_GLOBAL const int *prm, int op) {             \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    int ia = i, ib = i;                                                        \
    if (prm[0]) {                                                              \
      ia = pv_bcast_off(prm, i, 0);                                            \
      ib = pv_bcast_off(prm, i, 1);                                            \
    }                                                                          \
    T va = a[ao + ia], vb = b[bo + ib];                                        \
    y[yo + i] = (pv_uchar)(op == PV_OP_EQUAL  ? va == vb                       \
                           : op == PV_OP_LESS ? va < vb                        \
                                              : va > vb);                      \
  }
PV_INT_BINARY_KERNELS(int, i32)
PV_INT_BINARY_KERNELS(pv_long, i64)

/* fp16 storage <-> f32: core OpenCL C vload_half / vstore_half_rte, so this
 * needs no cl_khr_fp16 (fp16 math kernels are behind PV_HAS_FP16). */
PV_KERNEL void cast_f16_f32(PV_GLOBAL const pv_half *x, pv_long xo,
                            PV_GLOBAL float *y, pv_long yo, int n) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  y[yo + i] = PV_LOAD_HALF(x, xo + i);
}

PV_KERNEL void cast_f32_f16(PV_GLOBAL const float *x, pv_long xo,
                            PV_GLOBAL pv_half *y, pv_long yo, int n) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  PV_STORE_HALF(x[xo + i], y, yo + i);
}

/* bfloat16 storage (16-bit patterns) <-> f32 with integer bit operations,
 * exactly as include/polyvis/elem.h: widening shifts the bits up; narrowing
 * rounds to nearest even and keeps NaN a quiet NaN. */
PV_KERNEL void cast_bf16_f32(PV_GLOBAL const unsigned short *x, pv_long xo,
                             PV_GLOBAL float *y, pv_long yo, int n) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  y[yo + i] = PV_AS_FLOAT((unsigned int)x[xo + i] << 16);
}

PV_KERNEL void cast_f32_bf16(PV_GLOBAL const float *x, pv_long xo,
                             PV_GLOBAL unsigned short *y, pv_long yo, int n) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  unsigned int u = PV_AS_UINT(x[xo + i]);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    u = (u | 0x400000u);
  else
    u += 0x7fffu + ((u >> 16) & 1u);
  y[yo + i] = (unsigned short)(u >> 16);
}

/* where for any element size (the selection does not look at values). */
#define PV_WHERE_KERNEL(name, T)                                               \
  PV_KERNEL void name(PV_GLOBAL const pv_uchar *c, pv_long co,                 \
                      PV_GLOBAL const T *a, pv_long ao, PV_GLOBAL const T *b,  \
                      pv_long bo, PV_GLOBAL T *y, pv_long yo, int n,           \
                      PV_GLOBAL const int *prm) {                              \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    int ic = i, ia = i, ib = i;                                                \
    if (prm[0]) {                                                              \
      ic = pv_bcast_off(prm, i, 0);                                            \
      ia = pv_bcast_off(prm, i, 1);                                            \
      ib = pv_bcast_off(prm, i, 2);                                            \
    }                                                                          \
    y[yo + i] = c[co + ic] ? a[ao + ia] : b[bo + ib];                          \
  }
PV_WHERE_KERNEL(where_x8, pv_uchar)
PV_WHERE_KERNEL(where_x16, unsigned short)
PV_WHERE_KERNEL(where_x32, unsigned int)
PV_WHERE_KERNEL(where_x64, pv_long)

/* relu, neg, abs on integers (torch semantics; abs(INT_MIN) wraps). */
#define PV_INT_UNARY_KERNEL(name, T)                                           \
  PV_KERNEL void name(PV_GLOBAL const T *x, pv_long xo, PV_GLOBAL T *y,        \
                      pv_long yo, int n, int op) {                             \
    int i = PV_GID(0);                                                         \
    if (i >= n)                                                                \
      return;                                                                  \
    T v = x[xo + i];                                                           \
    y[yo + i] = op == PV_OP_RELU  ? (v > 0 ? v : 0)                            \
                : op == PV_OP_NEG ? -v                                         \
                                  : (v < 0 ? -v : v);                          \
  }
PV_INT_UNARY_KERNEL(unary_i32, int)
PV_INT_UNARY_KERNEL(unary_i64, pv_long)

/* fp16 storage variants: each element is widened to f32, computed exactly
 * like the f32 kernels, and rounded to nearest-even on store (torch's CPU
 * half semantics). Core OpenCL C, so they need no cl_khr_fp16. */
PV_KERNEL void unary_f16(PV_GLOBAL const pv_half *x, pv_long xo,
                         PV_GLOBAL pv_half *y, pv_long yo, int n, int op,
                         float alpha, float beta, int mode) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  PV_STORE_HALF(pv_unary(PV_LOAD_HALF(x, xo + i), op, alpha, beta, mode),
                y, yo + i);
}

PV_KERNEL void binary_f16(PV_GLOBAL const pv_half *a, pv_long ao,
                          PV_GLOBAL const pv_half *b, pv_long bo,
                          PV_GLOBAL pv_half *y, pv_long yo, int n,
                          PV_GLOBAL const int *prm, int op, int act,
                          float alpha, float beta, int mode) {
  int i = PV_GID(0);
  if (i >= n)
    return;
  int ia = i, ib = i;
  if (prm[0]) {
    ia = pv_bcast_off(prm, i, 0);
    ib = pv_bcast_off(prm, i, 1);
  }
  float r = pv_binary(PV_LOAD_HALF(a, ao + ia), PV_LOAD_HALF(b, bo + ib), op);
  PV_STORE_HALF(pv_unary(r, act, alpha, beta, mode), y, yo + i);
}
