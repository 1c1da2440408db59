/*
 * Reference elementwise ops: unary (RELU ... ERF), binary arithmetic with
 * numpy broadcasting and an optional fused activation, comparisons (bool
 * output), WHERE, PRELU and CAST.
 *
 * Floating dtypes compute in double and round once on store. Integer dtypes
 * are exact: ADD/SUB/MUL wrap like two's complement (as torch does), DIV
 * truncates toward zero (ONNX Div; division by zero gives 0), POW is an exact
 * integer power (negative exponents give 0 unless the base is +-1, where
 * torch raises an error).
 */
#include "ref_internal.h"

static int unary(const pv__ref_args *r) {
  const pv_tensor_desc *d = &r->in[0];
  int64_t n = pv__desc_numel(d);
  const pv_unary_attrs *u = &r->a->unary;
  if (!pv__ref_is_float(d->dtype)) { /* RELU, NEG, ABS, CLIP on integers */
    for (int64_t i = 0; i < n; i++) {
      int64_t v = pv__ref_ldi(r->x[0], d->dtype, i);
      switch (r->op) {
      case PV_OP_RELU:
        v = v > 0 ? v : 0;
        break;
      case PV_OP_NEG:
        v = (int64_t)(0ull - (uint64_t)v);
        break;
      case PV_OP_ABS:
        v = v < 0 ? (int64_t)(0ull - (uint64_t)v) : v;
        break;
      case PV_OP_CLIP:
        if ((double)v < u->alpha)
          v = (int64_t)ceil(u->alpha);
        if ((double)v > u->beta)
          v = (int64_t)floor(u->beta);
        break;
      default:
        return pv_set_error(PV_ERR_DTYPE, "ref %s: integer input",
                            pv_op_name(r->op));
      }
      pv__ref_sti(r->y[0], d->dtype, i, v);
    }
    return 0;
  }
  for (int64_t i = 0; i < n; i++) {
    double v = pv__ref_ld(r->x[0], d->dtype, i);
    pv__ref_st(r->y[0], d->dtype, i,
               pv__ref_unary(r->op, v, u->alpha, u->beta, u->mode));
  }
  return 0;
}

/* Exact integer power; 0 for negative exponents except bases +-1. */
static int64_t ipow(int64_t b, int64_t e) {
  if (e < 0)
    return b == 1 ? 1 : b == -1 ? (e % 2 ? -1 : 1) : 0;
  uint64_t res = 1, base = (uint64_t)b;
  while (e) {
    if (e & 1)
      res *= base;
    base *= base;
    e >>= 1;
  }
  return (int64_t)res;
}

static double fbinary(int op, double a, double b) {
  switch (op) {
  case PV_OP_ADD:
    return a + b;
  case PV_OP_SUB:
    return a - b;
  case PV_OP_MUL:
    return a * b;
  case PV_OP_DIV:
    return a / b;
  case PV_OP_POW:
    return pow(a, b);
  case PV_OP_MAX: /* torch.maximum propagates NaN */
    return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
  case PV_OP_MIN:
    return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
  case PV_OP_EQUAL:
    return a == b;
  case PV_OP_LESS:
    return a < b;
  case PV_OP_GREATER:
    return a > b;
  default:
    return 0;
  }
}

static int64_t ibinary(int op, int64_t a, int64_t b) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (op) {
  case PV_OP_ADD:
    return (int64_t)(ua + ub);
  case PV_OP_SUB:
    return (int64_t)(ua - ub);
  case PV_OP_MUL:
    return (int64_t)(ua * ub);
  case PV_OP_DIV:
    if (b == 0 || (a == INT64_MIN && b == -1))
      return b == 0 ? 0 : a;
    return a / b;
  case PV_OP_POW:
    return ipow(a, b);
  case PV_OP_MAX:
    return a > b ? a : b;
  case PV_OP_MIN:
    return a < b ? a : b;
  case PV_OP_EQUAL:
    return a == b;
  case PV_OP_LESS:
    return a < b;
  case PV_OP_GREATER:
    return a > b;
  default:
    return 0;
  }
}

static int binary(const pv__ref_args *r) {
  const pv_tensor_desc *o = &r->out[0];
  int dt = r->in[0].dtype;
  bool fl = pv__ref_is_float(dt);
  const pv_act *act = &r->a->binary.act;
  bool cmp = r->op >= PV_OP_EQUAL;
  int64_t n = pv__desc_numel(o), oc[PV_MAX_DIMS];
  for (int64_t i = 0; i < n; i++) {
    pv__ref_unravel(o, i, oc);
    int64_t ia = pv__ref_bcast_index(&r->in[0], o->ndim, oc);
    int64_t ib = pv__ref_bcast_index(&r->in[1], o->ndim, oc);
    if (fl) {
      double v = fbinary(r->op, pv__ref_ld(r->x[0], dt, ia),
                         pv__ref_ld(r->x[1], dt, ib));
      pv__ref_st(r->y[0], o->dtype, i, cmp ? v : pv__ref_act(act, v));
    } else {
      int64_t v = ibinary(r->op, pv__ref_ldi(r->x[0], dt, ia),
                          pv__ref_ldi(r->x[1], dt, ib));
      if (!cmp && act->op != PV_OP_NONE)
        pv__ref_st(r->y[0], o->dtype, i, pv__ref_act(act, (double)v));
      else
        pv__ref_sti(r->y[0], o->dtype, i, v);
    }
  }
  return 0;
}

static int where(const pv__ref_args *r) {
  const pv_tensor_desc *o = &r->out[0];
  size_t es = pv_dtype_size((pv_dtype)o->dtype);
  int64_t n = pv__desc_numel(o), oc[PV_MAX_DIMS];
  for (int64_t i = 0; i < n; i++) {
    pv__ref_unravel(o, i, oc);
    int64_t ic = pv__ref_bcast_index(&r->in[0], o->ndim, oc);
    bool c = ((const uint8_t *)r->x[0])[ic] != 0;
    int src = c ? 1 : 2;
    int64_t is = pv__ref_bcast_index(&r->in[src], o->ndim, oc);
    memcpy((char *)r->y[0] + (size_t)i * es,
           (const char *)r->x[src] + (size_t)is * es, es);
  }
  return 0;
}

/* PRELU: x where x >= 0, slope * x elsewhere; slope broadcasts to x. */
static int prelu(const pv__ref_args *r) {
  const pv_tensor_desc *o = &r->out[0];
  int dt = r->in[0].dtype, sdt = r->in[1].dtype;
  int64_t n = pv__desc_numel(o), oc[PV_MAX_DIMS];
  for (int64_t i = 0; i < n; i++) {
    pv__ref_unravel(o, i, oc);
    double x = pv__ref_ld(r->x[0], dt, i);
    double s =
        pv__ref_ld(r->x[1], sdt, pv__ref_bcast_index(&r->in[1], o->ndim, oc));
    pv__ref_st(r->y[0], dt, i, x >= 0 ? x : s * x);
  }
  return 0;
}

int pv__ref_eltwise(const pv__ref_args *r) {
  if (pv__op_is_unary(r->op))
    return unary(r);
  if (pv__op_is_binary(r->op))
    return binary(r);
  switch (r->op) {
  case PV_OP_WHERE:
    return where(r);
  case PV_OP_PRELU:
    return prelu(r);
  case PV_OP_CAST:
    pv__convert(r->y[0], (pv_dtype)r->out[0].dtype, r->x[0],
                (pv_dtype)r->in[0].dtype, pv__desc_numel(&r->in[0]));
    return 0;
  default:
    return pv_set_error(PV_ERR_UNKNOWN_OP, "ref: no kernel for op %s",
                        pv_op_name(r->op));
  }
}
