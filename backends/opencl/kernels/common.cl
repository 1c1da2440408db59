/*
 * common.cl: helpers every program shares (prepended after the compat layer).
 * Op codes are the pv_op values of include/polyvis/types.h; the host passes
 * them as -DPV_OP_<NAME>=<value> build options so the two never drift.
 */

/* A unary op or fused activation, torch semantics (NaN propagates through
 * relu/clip like torch.relu/torch.clamp). */
PV_INLINE float pv_unary(float x, int op, float alpha, float beta, int mode) {
  if (op == PV_OP_NONE)
    return x;
  if (op == PV_OP_RELU)
    return x > 0.0f || PV_ISNAN(x) ? x : 0.0f;
  if (op == PV_OP_CLIP)
    return PV_ISNAN(x) ? x : fmin(fmax(x, alpha), beta);
  if (op == PV_OP_HARDSWISH)
    return x * fmin(fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f;
  if (op == PV_OP_HARDSIGMOID)
    return PV_ISNAN(x) ? x : fmin(fmax(alpha * x + beta, 0.0f), 1.0f);
  if (op == PV_OP_SILU)
    return x / (1.0f + exp(-x));
  if (op == PV_OP_GELU) {
    if (mode == 1) {
      float k = 0.7978845608028654f; /* sqrt(2/pi) */
      return 0.5f * x * (1.0f + tanh(k * (x + 0.044715f * x * x * x)));
    }
    return 0.5f * x * (1.0f + erf(x * 0.7071067811865476f));
  }
  if (op == PV_OP_SIGMOID)
    return 1.0f / (1.0f + exp(-x));
  if (op == PV_OP_TANH)
    return tanh(x);
  if (op == PV_OP_LEAKY_RELU)
    return x > 0.0f ? x : x * alpha;
  if (op == PV_OP_EXP)
    return exp(x);
  if (op == PV_OP_LOG)
    return log(x);
  if (op == PV_OP_SQRT)
    return sqrt(x);
  if (op == PV_OP_RSQRT)
    return 1.0f / sqrt(x);
  if (op == PV_OP_NEG)
    return -x;
  if (op == PV_OP_ABS)
    return fabs(x);
  if (op == PV_OP_ERF)
    return erf(x);
  return x;
}

/* Offsets of element i of a broadcast iteration: prm holds ndim, the output
 * shape and, per operand, its strides (0 on broadcast dims). */
PV_INLINE int pv_bcast_off(PV_GLOBAL const int *prm, int i, int operand) {
  int nd = prm[0];
  int off = 0;
  for (int d = nd - 1; d >= 0; d--) {
    int s = prm[1 + d];
    int c = i % s;
    i /= s;
    off += c * prm[1 + nd * (1 + operand) + d];
  }
  return off;
}
