/*
 * pv__ref_run: the dispatcher of the reference implementation, plus the
 * helpers the per-family files share. The node's output descs are checked
 * against pv__infer_node, the one definition of every output shape, before
 * any kernel runs, so a kernel may trust the shapes it is given.
 */
#include "ref_internal.h"

#include <polyvis/elem.h>

int64_t pv__ref_ldi(const void *p, int dt, int64_t i) {
  if (pv_elem_is_int(dt))
    return pv_elem_load_i64(p, dt, i);
  double v = pv__load_f64(p, (pv_dtype)dt, i); /* saturating, NaN -> 0 */
  if (isnan(v))
    return 0;
  if (v >= 9.2e18)
    return INT64_MAX;
  if (v <= -9.2e18)
    return INT64_MIN;
  return (int64_t)v;
}

void pv__ref_sti(void *p, int dt, int64_t i, int64_t v) {
  if (!pv_elem_store_i64(p, dt, i, v))
    pv__store_f64(p, (pv_dtype)dt, i, (double)v);
}

void pv__ref_strides(const pv_tensor_desc *d, int64_t *strides) {
  int64_t s = 1;
  for (int k = d->ndim - 1; k >= 0; k--) {
    strides[k] = s;
    s *= d->shape[k];
  }
}

void pv__ref_unravel(const pv_tensor_desc *d, int64_t i, int64_t *coord) {
  for (int k = d->ndim - 1; k >= 0; k--) {
    int64_t n = d->shape[k];
    coord[k] = n ? i % n : 0;
    i = n ? i / n : 0;
  }
}

int64_t pv__ref_bcast_index(const pv_tensor_desc *in, int ondim,
                            const int64_t *oc) {
  int64_t idx = 0;
  for (int k = 0; k < in->ndim; k++) {
    int o = ondim - in->ndim + k;
    int64_t c = in->shape[k] == 1 ? 0 : oc[o];
    idx = idx * in->shape[k] + c;
  }
  return idx;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double pv__ref_unary(int op, double x, double alpha, double beta, int mode) {
  switch (op) {
  case PV_OP_RELU:
    return isnan(x) ? x : x > 0 ? x : 0.0;
  case PV_OP_CLIP:
    if (isnan(x))
      return x;
    return x < alpha ? alpha : x > beta ? beta : x;
  case PV_OP_HARDSWISH: {
    double t = x + 3.0;
    t = t < 0 ? 0 : t > 6 ? 6 : t;
    return x * t / 6.0;
  }
  case PV_OP_HARDSIGMOID: {
    double t = alpha * x + beta;
    if (isnan(t))
      return t;
    return t < 0 ? 0 : t > 1 ? 1 : t;
  }
  case PV_OP_SILU:
    return x * sigmoid(x);
  case PV_OP_GELU:
    if (mode == 1) {
      const double k = sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
    }
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
  case PV_OP_SIGMOID:
    return sigmoid(x);
  case PV_OP_TANH:
    return tanh(x);
  case PV_OP_LEAKY_RELU:
    return x > 0 ? x : x * alpha;
  case PV_OP_EXP:
    return exp(x);
  case PV_OP_LOG:
    return log(x);
  case PV_OP_SQRT:
    return sqrt(x);
  case PV_OP_RSQRT:
    return 1.0 / sqrt(x);
  case PV_OP_NEG:
    return -x;
  case PV_OP_ABS:
    return fabs(x);
  case PV_OP_ERF:
    return erf(x);
  default:
    return x;
  }
}

double pv__ref_act(const pv_act *act, double x) {
  if (!act || act->op == PV_OP_NONE)
    return x;
  return pv__ref_unary(act->op, x, act->alpha, act->beta, act->mode);
}

static int check_act(int op, const pv_act *act) {
  if (act->op != PV_OP_NONE && !pv__op_is_unary(act->op))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "ref %s: fused activation %d is not a unary op",
                        pv_op_name(op), act->op);
  return 0;
}

int pv__ref_run(const pv_node_desc *node, const pv_tensor_desc *in_desc,
                const void *const *in_data, const pv_tensor_desc *out_desc,
                void *const *out_data) {
  if (!node || !in_desc || !in_data || !out_desc || !out_data)
    return pv_set_error(PV_ERR_INVALID_ARG, "pv__ref_run: NULL argument");
  int op = node->op;
  if (op <= PV_OP_NONE || op >= PV_OP_COUNT)
    return pv_set_error(PV_ERR_UNKNOWN_OP, "pv__ref_run: unknown op %d", op);
  int n_in = node->n_inputs, n_out = node->n_outputs;
  if (n_in < pv__op_min_inputs(op) || n_in > pv__op_max_inputs(op) ||
      n_out != pv__op_num_outputs(op))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "ref %s: %d inputs and %d outputs given, takes %d..%d "
                        "and %d",
                        pv_op_name(op), n_in, n_out, pv__op_min_inputs(op),
                        pv__op_max_inputs(op), pv__op_num_outputs(op));
  /* Absent optional inputs: shape inference sees them as ndim -1, as the
   * graph does. */
  pv_tensor_desc ind[PV_MAX_INPUTS];
  for (int i = 0; i < n_in; i++) {
    ind[i] = in_desc[i];
    if (!in_data[i]) {
      if (i < pv__op_min_inputs(op))
        return pv_set_error(PV_ERR_INVALID_ARG,
                            "ref %s: required input %d is NULL", pv_op_name(op),
                            i);
      ind[i].ndim = -1;
      ind[i].dtype = in_desc[0].dtype;
    } else {
      int rc = pv__check_shape(ind[i].ndim, ind[i].shape, "ref input");
      if (rc)
        return rc;
    }
  }
  pv_tensor_desc want[PV_MAX_OUTPUTS];
  int rc = pv__infer_node(op, &node->attrs, n_in, ind, n_out, want);
  if (rc)
    return rc;
  for (int i = 0; i < n_out; i++) {
    const pv_tensor_desc *o = &out_desc[i];
    bool same = o->dtype == want[i].dtype && o->ndim == want[i].ndim;
    for (int k = 0; same && k < o->ndim; k++)
      same = o->shape[k] == want[i].shape[k];
    if (!same) {
      char b1[PV__SHAPE_STR_LEN], b2[PV__SHAPE_STR_LEN];
      return pv_set_error(
          PV_ERR_SHAPE, "ref %s: output %d is %s %s, inference says %s %s",
          pv_op_name(op), i, pv_dtype_name((pv_dtype)o->dtype),
          pv__shape_str(o->ndim, o->shape, b1, sizeof b1),
          pv_dtype_name((pv_dtype)want[i].dtype),
          pv__shape_str(want[i].ndim, want[i].shape, b2, sizeof b2));
    }
    if (!out_data[i] && pv__desc_numel(o) > 0)
      return pv_set_error(PV_ERR_INVALID_ARG, "ref %s: output %d is NULL",
                          pv_op_name(op), i);
  }
  if (pv__op_is_composite(op))
    return pv__ref_composite(node, in_desc, in_data, out_desc, out_data);
  pv__ref_args r = {op,      &node->attrs, n_in,     n_out,
                    in_desc, in_data,      out_desc, out_data};
  switch (op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    if ((rc = check_act(op, &node->attrs.conv.act)))
      return rc;
    return pv__ref_conv(&r);
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
  case PV_OP_MATMUL:
    if (op != PV_OP_MATMUL && (rc = check_act(op, &node->attrs.gemm.act)))
      return rc;
    return pv__ref_gemm(&r);
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    return pv__ref_pool(&r);
  case PV_OP_RESHAPE:
  case PV_OP_PERMUTE:
  case PV_OP_CONCAT:
  case PV_OP_SLICE:
  case PV_OP_PAD:
  case PV_OP_GATHER:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    return pv__ref_layout(&r);
  case PV_OP_BATCH_NORM:
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX:
    return pv__ref_norm(&r);
  case PV_OP_REDUCE_SUM:
  case PV_OP_REDUCE_MEAN:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
  case PV_OP_TOPK:
    return pv__ref_reduce(&r);
  case PV_OP_RESIZE:
    return pv__ref_resize(&r);
  default:
    if (pv__op_is_binary(op) && (rc = check_act(op, &node->attrs.binary.act)))
      return rc;
    return pv__ref_eltwise(&r);
  }
}
