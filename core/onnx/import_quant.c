/*
 * Quantised ONNX ops (QuantizeLinear, DequantizeLinear, QLinearConv,
 * QLinearMatMul and com.microsoft's QLinearAdd, QLinearMul and
 * QLinearGlobalAveragePool) map one to one onto the core's quantised ops,
 * which take ONNX's inputs in ONNX's order. The CPU runs them as int8
 * kernels; a device without them gets their expansion into float core ops at
 * compile time (core/graph/expand.c). Both follow ONNX Runtime's arithmetic:
 * docs/quantization.md.
 */
#include "import.h"

/* The `axis` attribute (default 1) normalised against rank; a per-tensor
 * (one-value) scale makes it irrelevant, so it is then 0. */
static int get_axis(pv__imp *I, int rank, int si, int *axis) {
  pv_tensor_desc s;
  int rc = pv__imp_desc(I, si, &s);
  if (rc)
    return rc;
  int64_t n = 1;
  for (int i = 0; i < s.ndim; i++)
    n *= s.shape[i];
  int64_t a = pv__onnx_attr_i(NODE, "axis", 1);
  if (a < 0)
    a += rank;
  if (n == 1 && (a < 0 || a >= rank))
    a = 0;
  if (a < 0 || (rank > 0 && a >= rank))
    return FAIL(I, PV_ERR_INVALID_ARG, "axis %lld out of range for rank %d",
                (long long)pv__onnx_attr_i(NODE, "axis", 1), rank);
  *axis = (int)a;
  return 0;
}

/* Inputs [0, n) of the node; an absent zero point (index in zps) becomes a
 * zero of dtype the dtype of input zdt[k]. */
static int gather(pv__imp *I, int n, const int *zps, const int *zdt, int nz,
                  pv_value *in) {
  int rc;
  for (int i = 0; i < n; i++) {
    int k = -1;
    for (int j = 0; j < nz; j++)
      if (zps[j] == i)
        k = j;
    if (pv__imp_has(I, i)) {
      if ((rc = pv__imp_in(I, i, &in[i])))
        return rc;
      continue;
    }
    if (k < 0)
      return FAIL(I, PV_ERR_INVALID_ARG, "input %d is missing", i);
    pv_tensor_desc d;
    if ((rc = pv__imp_desc(I, zdt[k], &d)) ||
        (rc = pv__imp_scalar(I, (pv_dtype)d.dtype, 0, &in[i])))
      return rc;
  }
  return 0;
}

static int h_quantize(pv__imp *I, bool dequantize) {
  pv_tensor_desc d;
  pv_value in[3];
  int rc, n = pv__imp_has(I, 2) ? 3 : 2;
  pv_op_attrs a = zattrs();
  if ((rc = pv__imp_desc(I, 0, &d)) ||
      (rc = get_axis(I, d.ndim, 1, &a.quant.axis)) ||
      (rc = gather(I, n, NULL, NULL, 0, in)))
    return rc;
  if (!dequantize && d.dtype != PV_F32 &&
      (rc = cast_to(I, in[0], PV_F32, &in[0])))
    return rc;
  a.quant.to = PV_U8;
  return pv__imp_node1(
      I, dequantize ? PV_OP_DEQUANTIZE_LINEAR : PV_OP_QUANTIZE_LINEAR, n, in,
      &a);
}

static int h_qconv(pv__imp *I) {
  /* x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B] */
  pv_value in[9];
  int n = pv__imp_has(I, 8) ? 9 : 8, rc;
  if ((rc = gather(I, 8, (int[]){2, 5, 7}, (int[]){0, 3, 0}, 3, in)) ||
      (n == 9 && (rc = pv__imp_in(I, 8, &in[8]))))
    return rc;
  return pv__h_conv_ex(I, false, 0, 3, in, n, NULL, PV_OP_QLINEAR_CONV);
}

static int h_qlinear(pv__imp *I, pv_op op) {
  /* a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp */
  pv_value in[8];
  int rc = gather(I, 8, (int[]){2, 5, 7}, (int[]){0, 3, 0}, 3, in);
  return rc ? rc : pv__imp_node1(I, op, 8, in, NULL);
}

static int h_qgap(pv__imp *I) {
  /* X, x_scale, x_zp, y_scale, y_zp; NCHW (channels_last = 0) */
  if (pv__onnx_attr_i(NODE, "channels_last", 0))
    return FAIL(I, PV_ERR_UNSUPPORTED, "channels_last=1");
  pv_value in[5];
  int rc = gather(I, 5, (int[]){2, 4}, (int[]){0, 0}, 2, in);
  return rc ? rc : pv__imp_node1(I, PV_OP_QLINEAR_GLOBAL_AVG_POOL, 5, in, NULL);
}

int pv__imp_quant_dispatch(pv__imp *I, bool std) {
  const char *op = NODE->op_type;
  (void)std; /* com.microsoft carries the same ops with the same inputs */
#define IS(s) (!strcmp(op, s))
  if (IS("QuantizeLinear"))
    return h_quantize(I, false);
  if (IS("DequantizeLinear"))
    return h_quantize(I, true);
  if (IS("QLinearConv"))
    return h_qconv(I);
  if (IS("QLinearMatMul"))
    return h_qlinear(I, PV_OP_QLINEAR_MATMUL);
  if (IS("QLinearAdd"))
    return h_qlinear(I, PV_OP_QLINEAR_ADD);
  if (IS("QLinearMul"))
    return h_qlinear(I, PV_OP_QLINEAR_MUL);
  if (IS("QLinearGlobalAveragePool"))
    return h_qgap(I);
#undef IS
  return 1;
}
