/*
 * Quantised ONNX ops (QuantizeLinear, DequantizeLinear, QLinearConv,
 * QLinearMatMul and com.microsoft's QLinearAdd, QLinearMul and
 * QLinearGlobalAveragePool), lowered onto the core op set so that they run
 * on every device.
 *
 * The lowering follows ONNX Runtime's arithmetic rather than a generic
 * "dequantize, float op, quantize" rewrite:
 *  - conv and matmul run on the zero-point-centred integers (x - zp) held in
 *    f32, which is exact while partial sums stay below 2^24, i.e. the same
 *    integer accumulator ONNX Runtime keeps in int32; the int32 bias is added
 *    as a float of the same integer;
 *  - the accumulator is requantised with ONNX Runtime's float multiplier
 *    (x_scale * w_scale[c] / y_scale, computed in f32 at load time);
 *  - rounding is round-half-to-even (nearbyint) by adding and subtracting
 *    1.5 * 2^23 in f32, then the zero point is added and the result
 *    saturated by CLIP before the exact CAST to the integer dtype.
 * QLinearAdd/QLinearMul compute in float like MLAS: dequantise both inputs,
 * add or multiply, then round(c / c_scale) + c_zp.
 */
#include "import.h"

#include <math.h>

#define PV__RNE_MAGIC 12582912.0 /* 1.5 * 2^23 */

/* Value of parameter input pi, reshaped so that a 1-D per-channel vector
 * lines up with dim `axis` of a rank-`rank` tensor, and cast to f32 when
 * to_f32. A scalar or one-element parameter is left to broadcast. */
static int param(pv__imp *I, int pi, int rank, int axis, bool to_f32,
                 pv_value *out) {
  pv_tensor_desc d;
  int rc;
  if ((rc = pv__imp_in(I, pi, out)) || (rc = pv__imp_desc(I, pi, &d)))
    return rc;
  int64_t n = 1;
  for (int i = 0; i < d.ndim; i++)
    n *= d.shape[i];
  if (d.ndim > 1)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "input %d: quantisation parameters must be scalars or 1-D", pi);
  if (d.ndim == 1 && n > 1 && rank > 1) {
    if (axis < 0 || axis >= rank)
      return FAIL(I, PV_ERR_INVALID_ARG, "bad quantisation axis %d", axis);
    int64_t s[PV_MAX_DIMS];
    for (int i = 0; i < rank; i++)
      s[i] = i == axis ? n : 1;
    if ((rc = reshape(I, *out, rank, s, out)))
      return rc;
  }
  if (to_f32 && d.dtype != PV_F32)
    return cast_to(I, *out, PV_F32, out);
  return 0;
}

/* (x - zp) in f32, with the zero point (input zi, may be absent) broadcast
 * along `axis` of x (input xi). */
static int centred(pv__imp *I, int xi, int zi, int axis, pv_value *out) {
  pv_tensor_desc d;
  int rc;
  if ((rc = pv__imp_desc(I, xi, &d)) || (rc = pv__imp_in(I, xi, out)) ||
      (rc = cast_to(I, *out, PV_F32, out)))
    return rc;
  if (!pv__imp_has(I, zi))
    return 0;
  pv_value z, in[2];
  if ((rc = param(I, zi, d.ndim, axis, true, &z)))
    return rc;
  in[0] = *out;
  in[1] = z;
  return pv__imp_node(I, PV_OP_SUB, 2, in, NULL, 1, out);
}

static int binop(pv__imp *I, pv_op op, pv_value a, pv_value b, pv_value *out) {
  pv_value in[2] = {a, b};
  return pv__imp_node(I, op, 2, in, NULL, 1, out);
}

/* The dtype the output zero point (input zi) fixes; uint8 without one. */
static int out_dtype(pv__imp *I, int zi, pv_dtype *dt) {
  *dt = PV_U8;
  if (!pv__imp_has(I, zi))
    return 0;
  pv_tensor_desc d;
  int rc = pv__imp_desc(I, zi, &d);
  if (rc)
    return rc;
  if (d.dtype != PV_U8 && d.dtype != PV_I8)
    return FAIL(I, PV_ERR_DTYPE, "zero point must be uint8 or int8");
  *dt = (pv_dtype)d.dtype;
  return 0;
}

/* Binds output 0 to saturate(nearbyint(v) + zp) in the zero point's dtype;
 * v is an f32 value of rank `rank`, zp is input zi (may be absent). */
static int requant(pv__imp *I, pv_value v, int rank, int axis, int zi) {
  pv_dtype dt;
  pv_value m;
  int rc;
  if ((rc = out_dtype(I, zi, &dt)) ||
      (rc = pv__imp_scalar(I, PV_F32, PV__RNE_MAGIC, &m)) ||
      (rc = binop(I, PV_OP_ADD, v, m, &v)) ||
      (rc = binop(I, PV_OP_SUB, v, m, &v)))
    return rc;
  if (pv__imp_has(I, zi)) {
    pv_value z;
    if ((rc = param(I, zi, rank, axis, true, &z)) ||
        (rc = binop(I, PV_OP_ADD, v, z, &v)))
      return rc;
  }
  pv_op_attrs a = zattrs();
  a.unary.alpha = dt == PV_U8 ? 0.0f : -128.0f;
  a.unary.beta = dt == PV_U8 ? 255.0f : 127.0f;
  if ((rc = pv__imp_node(I, PV_OP_CLIP, 1, &v, &a, 1, &v)) ||
      (rc = cast_to(I, v, dt, &v)))
    return rc;
  return pv__imp_bind(I, 0, v);
}

/* Scale constant(s) of input i as f32 values; count or <0. */
static int scales(pv__imp *I, int i, float *out, int cap) {
  double tmp[4096];
  if (cap > 4096)
    cap = 4096;
  int n = pv__imp_floats(I, i, tmp, cap, "scale");
  if (n < 0)
    return n;
  if (n == 0)
    return FAIL(I, PV_ERR_INVALID_ARG, "input %d: empty scale", i);
  for (int k = 0; k < n; k++)
    out[k] = (float)tmp[k];
  return n;
}

/* A constant f32 vector (or scalar when n == 1) shaped to line up with
 * `axis` of a rank-`rank` tensor. */
static int vec_const(pv__imp *I, const float *v, int n, int rank, int axis,
                     pv_value *out) {
  int64_t s[PV_MAX_DIMS];
  int nd = n == 1 ? 1 : rank;
  for (int i = 0; i < nd; i++)
    s[i] = n == 1 ? 1 : i == axis ? n : 1;
  pv_tensor *t = pv_tensor_create(PV_F32, nd, s);
  if (!t)
    return pv_last_status();
  memcpy(pv_tensor_data(t), v, sizeof(float) * (size_t)n);
  return pv__imp_new_const(I, t, out);
}

/* The `axis` attribute, normalised; param() checks the range when a
 * per-channel parameter actually needs it. */
static int get_axis(pv__imp *I, int rank, int *axis) {
  int64_t a = pv__onnx_attr_i(NODE, "axis", 1);
  if (a < 0)
    a += rank;
  *axis = a < 0 || a > PV_MAX_DIMS ? -1 : (int)a;
  return 0;
}

/* --- QuantizeLinear / DequantizeLinear ----------------------------------- */

static int h_dequantize(pv__imp *I) {
  pv_tensor_desc d;
  pv_value v, s;
  int rc, axis = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = get_axis(I, d.ndim, &axis)) ||
      (rc = centred(I, 0, 2, axis, &v)) ||
      (rc = param(I, 1, d.ndim, axis, true, &s)) ||
      (rc = binop(I, PV_OP_MUL, v, s, &v)))
    return rc;
  return pv__imp_bind(I, 0, v);
}

static int h_quantize(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x, s;
  int rc, axis = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = get_axis(I, d.ndim, &axis)) ||
      (rc = pv__imp_in(I, 0, &x)))
    return rc;
  if (d.dtype != PV_F32 && (rc = cast_to(I, x, PV_F32, &x)))
    return rc;
  if ((rc = param(I, 1, d.ndim, axis, true, &s)) ||
      (rc = binop(I, PV_OP_DIV, x, s, &x)))
    return rc;
  return requant(I, x, d.ndim, axis, 2);
}

/* --- QLinearConv / QLinearMatMul ------------------------------------------ */

/* Output multipliers x_scale * w_scale[c] / y_scale in f32, as ONNX Runtime
 * computes them. */
static int multipliers(pv__imp *I, int xs_i, int ws_i, int ys_i, float *m,
                       int cap) {
  float xs, ys;
  int n;
  if (scales(I, xs_i, &xs, 1) < 0 || scales(I, ys_i, &ys, 1) < 0 ||
      (n = scales(I, ws_i, m, cap)) < 0)
    return FAIL(I, PV_ERR_UNSUPPORTED, "scales must be constants (%s)",
                pv_last_error());
  for (int i = 0; i < n; i++)
    m[i] = xs * m[i] / ys;
  return n;
}

static int h_qconv(pv__imp *I) {
  /* x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B] */
  pv_tensor_desc xd, wd;
  pv_value in[3], y, mv;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &xd)) || (rc = pv__imp_desc(I, 3, &wd)))
    return rc;
  if (wd.ndim != 4 || xd.ndim != 4)
    return FAIL(I, PV_ERR_UNSUPPORTED, "only 2-D QLinearConv is supported");
  if ((rc = centred(I, 0, 2, 1, &in[0])) || (rc = centred(I, 3, 5, 0, &in[1])))
    return rc;
  int n = 2;
  if (pv__imp_has(I, 8)) {
    if ((rc = pv__imp_in(I, 8, &in[2])) ||
        (rc = cast_to(I, in[2], PV_F32, &in[2])))
      return rc;
    n = 3;
  }
  float m[4096];
  int nm = multipliers(I, 1, 4, 6, m, 4096);
  if (nm < 0)
    return nm;
  if (nm != 1 && nm != wd.shape[0])
    return FAIL(I, PV_ERR_SHAPE, "w_scale has %d values for %lld channels", nm,
                (long long)wd.shape[0]);
  if ((rc = pv__h_conv_ex(I, false, 0, 3, in, n, &y)) ||
      (rc = vec_const(I, m, nm, 4, 1, &mv)) ||
      (rc = binop(I, PV_OP_MUL, y, mv, &y)))
    return rc;
  return requant(I, y, 4, 1, 7);
}

static int h_qmatmul(pv__imp *I) {
  /* a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp */
  pv_tensor_desc ad, bd;
  pv_value a, b, y, mv;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &ad)) || (rc = pv__imp_desc(I, 3, &bd)))
    return rc;
  if (ad.ndim < 1 || bd.ndim < 2)
    return FAIL(I, PV_ERR_UNSUPPORTED, "QLinearMatMul needs a 2-D b");
  /* a's zero point is per row (axis -2) when 1-D, b's per column. */
  if ((rc = centred(I, 0, 2, ad.ndim - 2, &a)) ||
      (rc = centred(I, 3, 5, bd.ndim - 1, &b)) ||
      (rc = binop(I, PV_OP_MATMUL, a, b, &y)))
    return rc;
  float m[4096];
  int nm = multipliers(I, 1, 4, 6, m, 4096);
  if (nm < 0)
    return nm;
  pv_tensor_desc yd;
  if ((rc = pv__imp_value_desc(I, y, &yd)) ||
      (rc = vec_const(I, m, nm, yd.ndim, yd.ndim - 1, &mv)) ||
      (rc = binop(I, PV_OP_MUL, y, mv, &y)))
    return rc;
  return requant(I, y, yd.ndim, yd.ndim - 1, 7);
}

/* --- com.microsoft QLinearAdd / QLinearMul / QLinearGlobalAveragePool ---- */

static int h_qbinary(pv__imp *I, pv_op op) {
  /* A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp */
  pv_value a, b, s, c;
  pv_tensor_desc cd;
  int rc;
  if ((rc = centred(I, 0, 2, 0, &a)) || (rc = param(I, 1, 0, 0, true, &s)) ||
      (rc = binop(I, PV_OP_MUL, a, s, &a)) || (rc = centred(I, 3, 5, 0, &b)) ||
      (rc = param(I, 4, 0, 0, true, &s)) ||
      (rc = binop(I, PV_OP_MUL, b, s, &b)) || (rc = binop(I, op, a, b, &c)) ||
      (rc = param(I, 6, 0, 0, true, &s)) ||
      (rc = binop(I, PV_OP_DIV, c, s, &c)) ||
      (rc = pv__imp_value_desc(I, c, &cd)))
    return rc;
  return requant(I, c, cd.ndim, 0, 7);
}

static int h_qgap(pv__imp *I) {
  /* X, x_scale, x_zp, y_scale, y_zp; NCHW (channels_last = 0) */
  if (pv__onnx_attr_i(NODE, "channels_last", 0))
    return FAIL(I, PV_ERR_UNSUPPORTED, "channels_last=1");
  pv_tensor_desc d;
  pv_value v, mv;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)))
    return rc;
  if (d.ndim < 3)
    return FAIL(I, PV_ERR_SHAPE, "needs at least 3 dims");
  int64_t img = 1;
  for (int i = 2; i < d.ndim; i++) {
    if (d.shape[i] <= 0)
      return FAIL(I, PV_ERR_UNSUPPORTED, "needs static spatial dims");
    img *= d.shape[i];
  }
  float xs, ys;
  if (scales(I, 1, &xs, 1) < 0 || scales(I, 3, &ys, 1) < 0)
    return FAIL(I, PV_ERR_UNSUPPORTED, "scales must be constants (%s)",
                pv_last_error());
  float m = xs / (ys * (float)img);
  pv_op_attrs a = zattrs();
  a.axis.keepdims = 1;
  a.axis.n_axes = d.ndim - 2;
  for (int i = 2; i < d.ndim; i++)
    a.axis.axes[i - 2] = i;
  if ((rc = centred(I, 0, 2, 1, &v)) ||
      (rc = pv__imp_node(I, PV_OP_REDUCE_SUM, 1, &v, &a, 1, &v)) ||
      (rc = vec_const(I, &m, 1, d.ndim, 1, &mv)) ||
      (rc = binop(I, PV_OP_MUL, v, mv, &v)))
    return rc;
  return requant(I, v, d.ndim, 1, 4);
}

int pv__imp_quant_dispatch(pv__imp *I, bool std) {
  const char *op = NODE->op_type;
  (void)std; /* com.microsoft carries the same ops with the same inputs */
#define IS(s) (!strcmp(op, s))
  if (IS("QuantizeLinear"))
    return h_quantize(I);
  if (IS("DequantizeLinear"))
    return h_dequantize(I);
  if (IS("QLinearConv"))
    return h_qconv(I);
  if (IS("QLinearMatMul"))
    return h_qmatmul(I);
  if (IS("QLinearAdd"))
    return h_qbinary(I, PV_OP_ADD);
  if (IS("QLinearMul"))
    return h_qbinary(I, PV_OP_MUL);
  if (IS("QLinearGlobalAveragePool"))
    return h_qgap(I);
#undef IS
  return 1;
}
