/*
 * Shape and dtype inference: the one definition of every op's output shape.
 * Errors name the op and the shapes at fault. Dims of -1 (dynamic) propagate
 * where the output does not depend on them.
 */
#include "internal.h"
#include "tensor/tensor_internal.h"

static _Thread_local char sbuf[4][PV__SHAPE_STR_LEN];
static _Thread_local int sb;

/* Formats a shape into one of four rotating buffers, so a message may show
 * up to four shapes. */
static const char *SHP(const pv_tensor_desc *d) {
  char *b = sbuf[sb];
  sb = (sb + 1) % 4;
  return pv__shape_str(d->ndim, d->shape, b, PV__SHAPE_STR_LEN);
}

static int fail(int op, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(int op, int code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pv_set_error(code, "%s: %s", pv_op_name(op), msg);
}

static bool is_float(int dt) {
  return dt == PV_F32 || dt == PV_F16 || dt == PV_BF16 || dt == PV_F64;
}

/* numpy broadcasting of two shapes into out. */
static int broadcast2(int op, const pv_tensor_desc *a, const pv_tensor_desc *b,
                      pv_tensor_desc *out) {
  int nd = PV__MAX(a->ndim, b->ndim);
  out->ndim = nd;
  for (int i = 0; i < nd; i++) {
    int ia = a->ndim - nd + i, ib = b->ndim - nd + i;
    int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
    if (da == db || db == 1)
      out->shape[i] = da;
    else if (da == 1)
      out->shape[i] = db;
    else if (da < 0 || db < 0)
      out->shape[i] = da < 0 ? db : da;
    else
      return fail(op, PV_ERR_SHAPE, "shapes %s and %s do not broadcast", SHP(a),
                  SHP(b));
  }
  return 0;
}

static int norm_axis(int op, int axis, int ndim, int *out) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= (ndim ? ndim : 1))
    return fail(op, PV_ERR_INVALID_ARG, "axis %d out of range for %d dims",
                axis, ndim);
  *out = a;
  return 0;
}

static int pool_out(int op, int64_t in, int k, int s, int p0, int p1, int d,
                    int ceil_mode, int64_t *out) {
  if (k <= 0 || s <= 0 || d <= 0)
    return fail(op, PV_ERR_INVALID_ARG, "kernel %d, stride %d, dilation %d", k,
                s, d);
  if (in < 0) {
    *out = -1;
    return 0;
  }
  int64_t eff = in + p0 + p1 - (int64_t)d * (k - 1) - 1;
  if (eff < 0)
    return fail(op, PV_ERR_SHAPE,
                "input size %lld is smaller than the kernel (%d, dilation %d)",
                (long long)in, k, d);
  int64_t o = ceil_mode ? (eff + s - 1) / s + 1 : eff / s + 1;
  if (ceil_mode && (o - 1) * s >= in + p0)
    o--; /* the last window must start inside the input or left padding */
  *out = o;
  return 0;
}

static int infer_conv(int op, const pv_conv_attrs *a, int n_in,
                      const pv_tensor_desc *in, pv_tensor_desc *out) {
  const pv_tensor_desc *x = &in[0], *w = &in[1];
  if (x->ndim != 4 || w->ndim != 4)
    return fail(op, PV_ERR_SHAPE, "expects 4-D input and weight, got %s and %s",
                SHP(x), SHP(w));
  int g = a->groups > 0 ? a->groups : 1;
  bool tr = op == PV_OP_CONV_TRANSPOSE2D;
  int64_t cin = x->shape[1];
  int64_t wcin = tr ? w->shape[0] : w->shape[1] * g;
  int64_t cout = tr ? w->shape[1] * g : w->shape[0];
  if (cin >= 0 && cin != wcin)
    return fail(op, PV_ERR_SHAPE,
                "input %s has %lld channels but weight %s with groups=%d "
                "expects %lld",
                SHP(x), (long long)cin, SHP(w), g, (long long)wcin);
  if (!tr && cout % g)
    return fail(op, PV_ERR_SHAPE,
                "out channels %lld not divisible by groups %d", (long long)cout,
                g);
  if (n_in > 2 && in[2].ndim >= 0 &&
      (in[2].ndim != 1 || in[2].shape[0] != cout))
    return fail(op, PV_ERR_SHAPE, "bias %s does not match %lld out channels",
                SHP(&in[2]), (long long)cout);
  out->dtype = x->dtype;
  out->ndim = 4;
  out->shape[0] = x->shape[0];
  out->shape[1] = cout;
  for (int i = 0; i < 2; i++) {
    int64_t h = x->shape[2 + i];
    int k = (int)w->shape[2 + i], s = a->stride[i], d = a->dilation[i];
    int p0 = a->padding[i], p1 = a->padding[2 + i];
    if (s <= 0 || d <= 0 || p0 < 0 || p1 < 0)
      return fail(op, PV_ERR_INVALID_ARG, "bad stride/dilation/padding");
    if (tr) {
      out->shape[2 + i] = h < 0 ? -1
                                : (h - 1) * s - p0 - p1 + (int64_t)d * (k - 1) +
                                      a->output_padding[i] + 1;
    } else {
      int rc = pool_out(op, h, k, s, p0, p1, d, 0, &out->shape[2 + i]);
      if (rc)
        return rc;
    }
    if (out->shape[2 + i] == 0)
      return fail(op, PV_ERR_SHAPE, "output size is 0 for input %s", SHP(x));
  }
  return 0;
}

static int infer_matmul(int op, const pv_tensor_desc *a,
                        const pv_tensor_desc *b, pv_tensor_desc *out) {
  if (a->ndim < 1 || b->ndim < 1)
    return fail(op, PV_ERR_SHAPE, "0-d operands");
  pv_tensor_desc A = *a, B = *b;
  bool va = false, vb = false;
  if (A.ndim == 1) { /* [K] -> [1,K] */
    A.ndim = 2;
    A.shape[1] = A.shape[0];
    A.shape[0] = 1;
    va = true;
  }
  if (B.ndim == 1) { /* [K] -> [K,1] */
    B.ndim = 2;
    B.shape[1] = 1;
    vb = true;
  }
  int64_t k1 = A.shape[A.ndim - 1], k2 = B.shape[B.ndim - 2];
  if (k1 >= 0 && k2 >= 0 && k1 != k2)
    return fail(op, PV_ERR_SHAPE, "inner dims differ: %s @ %s", SHP(a), SHP(b));
  pv_tensor_desc ba = A, bb = B, bo;
  ba.ndim -= 2;
  bb.ndim -= 2;
  int rc = broadcast2(op, &ba, &bb, &bo);
  if (rc)
    return rc;
  out->ndim = bo.ndim;
  memcpy(out->shape, bo.shape, sizeof(int64_t) * (size_t)bo.ndim);
  if (!va)
    out->shape[out->ndim++] = A.shape[A.ndim - 2];
  if (!vb)
    out->shape[out->ndim++] = B.shape[B.ndim - 1];
  out->dtype = a->dtype;
  return 0;
}

static int infer_reduce(int op, const pv_axis_attrs *a, const pv_tensor_desc *x,
                        pv_tensor_desc *out) {
  bool red[PV_MAX_DIMS] = {0};
  if (a->n_axes == 0) {
    for (int i = 0; i < x->ndim; i++)
      red[i] = true;
  } else {
    if (a->n_axes < 0 || a->n_axes > PV_MAX_DIMS)
      return fail(op, PV_ERR_INVALID_ARG, "bad axis count %d", a->n_axes);
    for (int i = 0; i < a->n_axes; i++) {
      int ax = 0;
      int rc = norm_axis(op, a->axes[i], x->ndim, &ax);
      if (rc)
        return rc;
      red[ax] = true;
    }
  }
  out->dtype = x->dtype;
  out->ndim = 0;
  for (int i = 0; i < x->ndim; i++) {
    if (!red[i])
      out->shape[out->ndim++] = x->shape[i];
    else if (a->keepdims)
      out->shape[out->ndim++] = 1;
    if (red[i] && x->shape[i] == 0 &&
        (op == PV_OP_REDUCE_MAX || op == PV_OP_REDUCE_MIN))
      return fail(op, PV_ERR_SHAPE, "reduction over an empty dim of %s",
                  SHP(x));
  }
  return 0;
}

static bool is_q8(int dt) { return dt == PV_U8 || dt == PV_I8; }

/* A scale or zero point: a scalar, or 1-D of `n` values when n > 0. */
static int quant_param(int op, const pv_tensor_desc *in, int n_in, int i,
                       bool scale, int64_t n) {
  if (i >= n_in || in[i].ndim < 0)
    return scale ? fail(op, PV_ERR_INVALID_ARG, "input %d (scale) is absent", i)
                 : 0;
  const pv_tensor_desc *d = &in[i];
  if (scale ? d->dtype != PV_F32 : !is_q8(d->dtype))
    return fail(op, PV_ERR_DTYPE, "input %d: a %s must be %s, got %s", i,
                scale ? "scale" : "zero point", scale ? "f32" : "u8 or i8",
                pv_dtype_name((pv_dtype)d->dtype));
  int64_t k = 1;
  for (int j = 0; j < d->ndim; j++)
    k *= d->shape[j];
  if (d->ndim > 1 || (d->ndim == 1 && k != 1 && (n <= 0 || (k >= 0 && k != n))))
    return fail(op, PV_ERR_SHAPE, "input %d: %s %s must be a scalar%s", i,
                scale ? "scale" : "zero point", SHP(d),
                n > 0 ? " or hold one value per channel" : "");
  return 0;
}

static int infer_quant(int op, const pv_op_attrs *attrs, int n_in,
                       const pv_tensor_desc *in, pv_tensor_desc *o) {
  const pv_tensor_desc *x = &in[0];
  int rc;
  if (op == PV_OP_QUANTIZE_LINEAR || op == PV_OP_DEQUANTIZE_LINEAR) {
    int ax = attrs->quant.axis;
    if (ax < 0 || (x->ndim > 0 && ax >= x->ndim && ax != 0))
      return fail(op, PV_ERR_INVALID_ARG, "axis %d out of range for %s", ax,
                  SHP(x));
    int64_t n = x->ndim > ax ? x->shape[ax] : 1;
    if ((rc = quant_param(op, in, n_in, 1, true, n)) ||
        (rc = quant_param(op, in, n_in, 2, false, n)))
      return rc;
    if (op == PV_OP_DEQUANTIZE_LINEAR) {
      if (!is_q8(x->dtype) && x->dtype != PV_I32)
        return fail(op, PV_ERR_DTYPE, "needs u8, i8 or i32 input, got %s",
                    pv_dtype_name((pv_dtype)x->dtype));
      o->dtype = PV_F32;
      return 0;
    }
    if (x->dtype != PV_F32)
      return fail(op, PV_ERR_DTYPE, "needs f32 input, got %s",
                  pv_dtype_name((pv_dtype)x->dtype));
    o->dtype = n_in > 2 && in[2].ndim >= 0 ? in[2].dtype : attrs->quant.to;
    if (!is_q8(o->dtype))
      return fail(op, PV_ERR_DTYPE, "output dtype must be u8 or i8");
    return 0;
  }
  int yzp = op == PV_OP_QLINEAR_GLOBAL_AVG_POOL ? 4 : 7;
  if (!is_q8(x->dtype))
    return fail(op, PV_ERR_DTYPE, "needs u8 or i8 input, got %s",
                pv_dtype_name((pv_dtype)x->dtype));
  if (op == PV_OP_QLINEAR_GLOBAL_AVG_POOL) {
    if (x->ndim < 3)
      return fail(op, PV_ERR_SHAPE, "expects N,C,spatial... input, got %s",
                  SHP(x));
    for (int i = 2; i < x->ndim; i++)
      o->shape[i] = 1;
    if ((rc = quant_param(op, in, n_in, 1, true, 0)) ||
        (rc = quant_param(op, in, n_in, 2, false, 0)) ||
        (rc = quant_param(op, in, n_in, 3, true, 0)) ||
        (rc = quant_param(op, in, n_in, 4, false, 0)))
      return rc;
  } else {
    const pv_tensor_desc *w = &in[3];
    if (!is_q8(w->dtype))
      return fail(op, PV_ERR_DTYPE, "input 3 must be u8 or i8, got %s",
                  pv_dtype_name((pv_dtype)w->dtype));
    int64_t na = 0, nb = 0; /* per-channel lengths allowed */
    if (op == PV_OP_QLINEAR_CONV) {
      pv_tensor_desc xw[3] = {*x, *w};
      xw[2].ndim = -1;
      if (n_in > 8 && in[8].ndim >= 0) {
        if (in[8].dtype != PV_I32)
          return fail(op, PV_ERR_DTYPE, "bias must be i32, got %s",
                      pv_dtype_name((pv_dtype)in[8].dtype));
        xw[2] = in[8];
      }
      if ((rc = infer_conv(PV_OP_CONV2D, &attrs->conv, 3, xw, o)))
        return rc;
      nb = w->shape[0];
    } else if (op == PV_OP_QLINEAR_MATMUL) {
      if (w->ndim < 2)
        return fail(op, PV_ERR_SHAPE, "b must have 2 or more dims, got %s",
                    SHP(w));
      if ((rc = infer_matmul(op, x, w, o)))
        return rc;
      na = x->ndim >= 2 ? x->shape[x->ndim - 2] : 0;
      nb = w->shape[w->ndim - 1];
    } else if ((rc = broadcast2(op, x, w, o))) {
      return rc;
    }
    if ((rc = quant_param(op, in, n_in, 1, true, na)) ||
        (rc = quant_param(op, in, n_in, 2, false, na)) ||
        (rc = quant_param(op, in, n_in, 4, true, nb)) ||
        (rc = quant_param(op, in, n_in, 5, false, nb)) ||
        (rc = quant_param(op, in, n_in, 6, true, 0)) ||
        (rc = quant_param(op, in, n_in, 7, false, 0)))
      return rc;
  }
  o->dtype = n_in > yzp && in[yzp].ndim >= 0 ? in[yzp].dtype : x->dtype;
  return 0;
}

int pv__infer_node(int op, const pv_op_attrs *attrs, int n_in,
                   const pv_tensor_desc *in, int n_out, pv_tensor_desc *out) {
  if (op <= 0 || op >= PV_OP_COUNT)
    return pv_set_error(PV_ERR_UNKNOWN_OP, "unknown op %d", op);
  if (n_in < pv__op_min_inputs(op) || n_in > pv__op_max_inputs(op))
    return fail(op, PV_ERR_INVALID_ARG, "takes %d..%d inputs, got %d",
                pv__op_min_inputs(op), pv__op_max_inputs(op), n_in);
  for (int i = 0; i < n_in; i++)
    if (in[i].ndim >= 0 && pv_dtype_size((pv_dtype)in[i].dtype) == 0)
      return fail(op, PV_ERR_DTYPE, "input %d has an invalid dtype", i);
  const pv_tensor_desc *x = &in[0];
  pv_tensor_desc *o = &out[0];
  memset(out, 0, sizeof(pv_tensor_desc) * (size_t)n_out);
  o->dtype = x->dtype;
  o->ndim = x->ndim;
  memcpy(o->shape, x->shape, sizeof o->shape);

  if (pv__op_is_unary(op)) {
    if (!is_float(x->dtype) && op != PV_OP_RELU && op != PV_OP_NEG &&
        op != PV_OP_ABS && op != PV_OP_CLIP)
      return fail(op, PV_ERR_DTYPE, "needs a float input, got %s",
                  pv_dtype_name((pv_dtype)x->dtype));
    return 0;
  }
  if (pv__op_is_binary(op)) {
    if (in[0].dtype != in[1].dtype)
      return fail(op, PV_ERR_DTYPE, "operand dtypes differ (%s vs %s)",
                  pv_dtype_name((pv_dtype)in[0].dtype),
                  pv_dtype_name((pv_dtype)in[1].dtype));
    int rc = broadcast2(op, &in[0], &in[1], o);
    o->dtype = op >= PV_OP_EQUAL ? PV_BOOL : x->dtype;
    return rc;
  }
  switch (op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return infer_conv(op, &attrs->conv, n_in, in, o);
  case PV_OP_BATCH_NORM:
    if (x->ndim < 2)
      return fail(op, PV_ERR_SHAPE, "input %s needs a channel dim", SHP(x));
    for (int i = 1; i < 5; i++)
      if (in[i].ndim != 1 ||
          (x->shape[1] >= 0 && in[i].shape[0] != x->shape[1]))
        return fail(op, PV_ERR_SHAPE,
                    "parameter %d %s does not match %lld channels", i,
                    SHP(&in[i]), (long long)x->shape[1]);
    return 0;
  case PV_OP_LINEAR: {
    const pv_tensor_desc *w = &in[1];
    if (x->ndim < 1 || w->ndim != 2)
      return fail(op, PV_ERR_SHAPE, "input %s, weight %s", SHP(x), SHP(w));
    int64_t k = x->shape[x->ndim - 1];
    if (k >= 0 && k != w->shape[1])
      return fail(op, PV_ERR_SHAPE,
                  "input %s has %lld features, weight %s expects %lld", SHP(x),
                  (long long)k, SHP(w), (long long)w->shape[1]);
    if (n_in > 2 && in[2].ndim >= 0 &&
        (in[2].ndim != 1 || in[2].shape[0] != w->shape[0]))
      return fail(op, PV_ERR_SHAPE, "bias %s vs weight %s", SHP(&in[2]),
                  SHP(w));
    o->shape[o->ndim - 1] = w->shape[0];
    return 0;
  }
  case PV_OP_GEMM: {
    const pv_gemm_attrs *g = &attrs->gemm;
    if (in[0].ndim != 2 || in[1].ndim != 2)
      return fail(op, PV_ERR_SHAPE, "expects 2-D operands, got %s and %s",
                  SHP(&in[0]), SHP(&in[1]));
    int64_t m = g->trans_a ? in[0].shape[1] : in[0].shape[0];
    int64_t k = g->trans_a ? in[0].shape[0] : in[0].shape[1];
    int64_t k2 = g->trans_b ? in[1].shape[1] : in[1].shape[0];
    int64_t n = g->trans_b ? in[1].shape[0] : in[1].shape[1];
    if (k >= 0 && k2 >= 0 && k != k2)
      return fail(op, PV_ERR_SHAPE, "inner dims differ: %s, %s", SHP(&in[0]),
                  SHP(&in[1]));
    o->ndim = 2;
    o->shape[0] = m;
    o->shape[1] = n;
    if (n_in > 2 && in[2].ndim >= 0) {
      pv_tensor_desc t;
      int rc = broadcast2(op, o, &in[2], &t);
      if (rc || t.shape[0] != m || t.shape[1] != n)
        return rc ? rc
                  : fail(op, PV_ERR_SHAPE,
                         "C %s does not broadcast to [%lld, %lld]", SHP(&in[2]),
                         (long long)m, (long long)n);
    }
    return 0;
  }
  case PV_OP_MATMUL:
    if (in[0].dtype != in[1].dtype)
      return fail(op, PV_ERR_DTYPE, "operand dtypes differ");
    return infer_matmul(op, &in[0], &in[1], o);
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D: {
    const pv_pool_attrs *p = &attrs->pool;
    if (x->ndim != 4 && x->ndim != 3)
      return fail(op, PV_ERR_SHAPE, "expects 3-D or 4-D input, got %s", SHP(x));
    int hd = x->ndim - 2;
    for (int i = 0; i < 2; i++) {
      if (p->padding[i] * 2 > p->kernel[i] ||
          p->padding[2 + i] * 2 > p->kernel[i])
        return fail(op, PV_ERR_INVALID_ARG,
                    "pad should be at most half of the kernel size");
      int rc = pool_out(op, x->shape[hd + i], p->kernel[i], p->stride[i],
                        p->padding[i], p->padding[2 + i],
                        op == PV_OP_MAX_POOL2D ? p->dilation[i] : 1,
                        p->ceil_mode, &o->shape[hd + i]);
      if (rc)
        return rc;
      if (o->shape[hd + i] == 0)
        return fail(op, PV_ERR_SHAPE, "output size is empty for input %s",
                    SHP(x));
    }
    return 0;
  }
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    if (x->ndim != 4 && x->ndim != 3)
      return fail(op, PV_ERR_SHAPE, "expects 3-D or 4-D input, got %s", SHP(x));
    if (attrs->pool.output_size[0] <= 0 || attrs->pool.output_size[1] <= 0)
      return fail(op, PV_ERR_INVALID_ARG, "bad output size");
    o->shape[x->ndim - 2] = attrs->pool.output_size[0];
    o->shape[x->ndim - 1] = attrs->pool.output_size[1];
    return 0;
  case PV_OP_RESHAPE: {
    const pv_reshape_attrs *r = &attrs->reshape;
    int64_t numel = pv__desc_numel(x);
    if (numel < 0) { /* dynamic input: keep -1 */
      o->ndim = r->ndim;
      memcpy(o->shape, r->shape, sizeof(int64_t) * (size_t)r->ndim);
      return 0;
    }
    o->ndim = r->ndim;
    char msg[512];
    int rc = pv__resolve_reshape(numel, r->ndim, r->shape, o->shape);
    if (rc) {
      snprintf(msg, sizeof msg, "%s", pv_last_error());
      return fail(op, rc, "input %s: %s", SHP(x), msg);
    }
    return 0;
  }
  case PV_OP_PERMUTE: {
    int seen[PV_MAX_DIMS] = {0};
    for (int i = 0; i < x->ndim; i++) {
      int p = attrs->permute.perm[i];
      if (p < 0 || p >= x->ndim || seen[p]++)
        return fail(op, PV_ERR_INVALID_ARG, "invalid permutation for %s",
                    SHP(x));
      o->shape[i] = x->shape[p];
    }
    return 0;
  }
  case PV_OP_CONCAT: {
    int ax = 0;
    int rc = norm_axis(op, attrs->axis.axis, x->ndim, &ax);
    if (rc)
      return rc;
    int64_t total = 0;
    for (int i = 0; i < n_in; i++) {
      if (in[i].ndim != x->ndim || in[i].dtype != x->dtype)
        return fail(op, PV_ERR_SHAPE, "input %d %s does not match input 0 %s",
                    i, SHP(&in[i]), SHP(x));
      for (int d = 0; d < x->ndim; d++)
        if (d != ax && in[i].shape[d] != x->shape[d] && in[i].shape[d] >= 0 &&
            x->shape[d] >= 0)
          return fail(op, PV_ERR_SHAPE,
                      "input %d %s differs from input 0 %s outside axis %d", i,
                      SHP(&in[i]), SHP(x), ax);
      total = total < 0 || in[i].shape[ax] < 0 ? -1 : total + in[i].shape[ax];
    }
    o->shape[ax] = total;
    return 0;
  }
  case PV_OP_SLICE:
    for (int d = 0; d < x->ndim; d++) {
      int64_t s = attrs->slice.start[d], e = attrs->slice.end[d],
              st = attrs->slice.step[d], c;
      if (st == 0)
        return fail(op, PV_ERR_INVALID_ARG, "step 0 on dim %d", d);
      if (x->shape[d] < 0) {
        o->shape[d] = -1;
        continue;
      }
      pv__slice_normalize(x->shape[d], &s, &e, st, &c);
      o->shape[d] = c;
    }
    return 0;
  case PV_OP_PAD:
    for (int d = 0; d < x->ndim; d++) {
      int64_t b = attrs->pad.pads[2 * d], a = attrs->pad.pads[2 * d + 1];
      if (x->shape[d] < 0)
        continue;
      o->shape[d] = x->shape[d] + b + a;
      if (o->shape[d] < 0)
        return fail(op, PV_ERR_SHAPE, "padding makes dim %d negative", d);
      if (attrs->pad.mode == PV_PAD_REFLECT &&
          (b >= x->shape[d] || a >= x->shape[d]))
        return fail(op, PV_ERR_INVALID_ARG,
                    "reflect padding (%lld, %lld) must be < input size %lld on "
                    "dim %d",
                    (long long)b, (long long)a, (long long)x->shape[d], d);
      if (attrs->pad.mode != PV_PAD_CONSTANT && x->shape[d] == 0 && (a || b))
        return fail(op, PV_ERR_INVALID_ARG, "cannot pad an empty dim %d", d);
    }
    return 0;
  case PV_OP_GATHER: {
    int ax = 0;
    int rc = norm_axis(op, attrs->axis.axis, x->ndim, &ax);
    if (rc)
      return rc;
    if (in[1].dtype != PV_I64 && in[1].dtype != PV_I32)
      return fail(op, PV_ERR_DTYPE, "indices must be int32 or int64");
    if (x->ndim - 1 + in[1].ndim > PV_MAX_DIMS)
      return fail(op, PV_ERR_SHAPE, "too many output dims");
    o->ndim = 0;
    for (int d = 0; d < ax; d++)
      o->shape[o->ndim++] = x->shape[d];
    for (int d = 0; d < in[1].ndim; d++)
      o->shape[o->ndim++] = in[1].shape[d];
    for (int d = ax + 1; d < x->ndim; d++)
      o->shape[o->ndim++] = x->shape[d];
    return 0;
  }
  case PV_OP_EXPAND: {
    pv_tensor_desc t;
    memset(&t, 0, sizeof t);
    t.ndim = attrs->reshape.ndim;
    memcpy(t.shape, attrs->reshape.shape, sizeof t.shape);
    for (int i = 0; i < t.ndim; i++)
      if (t.shape[i] == -1) /* torch: -1 keeps the size */
        t.shape[i] =
            i - (t.ndim - x->ndim) >= 0 ? x->shape[i - (t.ndim - x->ndim)] : 1;
    int rc = broadcast2(op, x, &t, o);
    o->dtype = x->dtype;
    return rc;
  }
  case PV_OP_TILE:
    if (attrs->reshape.ndim != x->ndim)
      return fail(op, PV_ERR_SHAPE, "repeats has %d entries for %s",
                  attrs->reshape.ndim, SHP(x));
    for (int d = 0; d < x->ndim; d++) {
      if (attrs->reshape.shape[d] < 0)
        return fail(op, PV_ERR_INVALID_ARG, "negative repeat");
      o->shape[d] =
          x->shape[d] < 0 ? -1 : x->shape[d] * attrs->reshape.shape[d];
    }
    return 0;
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX: {
    int ax = 0;
    if (!is_float(x->dtype))
      return fail(op, PV_ERR_DTYPE, "needs a float input");
    return norm_axis(op, attrs->axis.axis, x->ndim, &ax);
  }
  case PV_OP_LAYER_NORM: {
    int k = attrs->norm.n_norm_dims;
    if (k < 1 || k > x->ndim)
      return fail(op, PV_ERR_INVALID_ARG, "normalizes %d dims of %s", k,
                  SHP(x));
    for (int i = 1; i < n_in; i++) {
      if (in[i].ndim < 0)
        continue;
      if (in[i].ndim != k || memcmp(in[i].shape, x->shape + x->ndim - k,
                                    sizeof(int64_t) * (size_t)k))
        return fail(op, PV_ERR_SHAPE, "parameter %s does not match input %s",
                    SHP(&in[i]), SHP(x));
    }
    return 0;
  }
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM: {
    if (x->ndim < 2)
      return fail(op, PV_ERR_SHAPE, "input %s needs a channel dim", SHP(x));
    int64_t c = x->shape[1];
    if (op == PV_OP_GROUP_NORM &&
        (attrs->norm.groups <= 0 || (c >= 0 && c % attrs->norm.groups)))
      return fail(op, PV_ERR_INVALID_ARG,
                  "%lld channels not divisible by %d groups", (long long)c,
                  attrs->norm.groups);
    for (int i = 1; i < n_in; i++)
      if (in[i].ndim >= 0 && (in[i].ndim != 1 || in[i].shape[0] != c))
        return fail(op, PV_ERR_SHAPE,
                    "parameter %s does not match %lld channels", SHP(&in[i]),
                    (long long)c);
    return 0;
  }
  case PV_OP_REDUCE_SUM:
  case PV_OP_REDUCE_MEAN:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
    return infer_reduce(op, &attrs->axis, x, o);
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN: {
    pv_axis_attrs a = attrs->axis;
    int ax = 0;
    int rc = norm_axis(op, a.axis, x->ndim, &ax);
    if (rc)
      return rc;
    if (x->shape[ax] == 0)
      return fail(op, PV_ERR_SHAPE, "empty reduction dim in %s", SHP(x));
    a.n_axes = 1;
    a.axes[0] = ax;
    rc = infer_reduce(op, &a, x, o);
    o->dtype = PV_I64;
    return rc;
  }
  case PV_OP_TOPK: {
    int ax = 0;
    int rc = norm_axis(op, attrs->axis.axis, x->ndim, &ax);
    if (rc)
      return rc;
    if (attrs->axis.k < 0 ||
        (x->shape[ax] >= 0 && attrs->axis.k > x->shape[ax]))
      return fail(op, PV_ERR_RANGE, "k=%lld out of range for %s",
                  (long long)attrs->axis.k, SHP(x));
    o->shape[ax] = attrs->axis.k;
    if (n_out > 1) {
      out[1] = *o;
      out[1].dtype = PV_I64;
    }
    return 0;
  }
  case PV_OP_WHERE: {
    if (in[0].dtype != PV_BOOL)
      return fail(op, PV_ERR_DTYPE, "condition must be bool");
    if (in[1].dtype != in[2].dtype)
      return fail(op, PV_ERR_DTYPE, "branch dtypes differ");
    pv_tensor_desc t;
    int rc = broadcast2(op, &in[0], &in[1], &t);
    if (!rc)
      rc = broadcast2(op, &t, &in[2], o);
    o->dtype = in[1].dtype;
    return rc;
  }
  case PV_OP_CAST:
    if (pv_dtype_size((pv_dtype)attrs->cast.to) == 0)
      return fail(op, PV_ERR_DTYPE, "invalid target dtype %d", attrs->cast.to);
    o->dtype = attrs->cast.to;
    return 0;
  case PV_OP_RESIZE:
    if (x->ndim != 4)
      return fail(op, PV_ERR_SHAPE, "expects NCHW input, got %s", SHP(x));
    if (attrs->resize.size[0] <= 0 || attrs->resize.size[1] <= 0)
      return fail(op, PV_ERR_INVALID_ARG, "bad output size");
    if (attrs->resize.mode < 0 || attrs->resize.mode > PV_RESIZE_BICUBIC)
      return fail(op, PV_ERR_INVALID_ARG, "bad mode %d", attrs->resize.mode);
    o->shape[2] = attrs->resize.size[0];
    o->shape[3] = attrs->resize.size[1];
    return 0;
  case PV_OP_PRELU: {
    pv_tensor_desc t;
    int rc = broadcast2(op, x, &in[1], &t);
    if (rc)
      return rc;
    if (t.ndim != x->ndim ||
        memcmp(t.shape, x->shape, sizeof(int64_t) * (size_t)x->ndim))
      return fail(op, PV_ERR_SHAPE, "slope %s must broadcast to input %s",
                  SHP(&in[1]), SHP(x));
    return 0;
  }
  case PV_OP_QUANTIZE_LINEAR:
  case PV_OP_DEQUANTIZE_LINEAR:
  case PV_OP_QLINEAR_CONV:
  case PV_OP_QLINEAR_MATMUL:
  case PV_OP_QLINEAR_ADD:
  case PV_OP_QLINEAR_MUL:
  case PV_OP_QLINEAR_GLOBAL_AVG_POOL:
    return infer_quant(op, attrs, n_in, in, o);
  default:
    return fail(op, PV_ERR_UNKNOWN_OP, "no shape rule");
  }
}
