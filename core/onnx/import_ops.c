/*
 * ONNX op -> core op mapping. Each handler reads the current node's
 * attributes (in their per-opset forms: attribute before opset N, input
 * after) and emits one or a few core nodes. Inputs that must be literals
 * (shapes, axes, pads, scales) must be constants by the time the node is
 * reached; the driver folds shape subgraphs before dispatching.
 */
#include "import.h"

#include <math.h>

/* Set while importing a 1-D window op (3-D input): its attributes read as
 * 2-D ones with H = 1, and the op is lifted to 2-D by reshapes around it. */
static _Thread_local bool g_lift1d;

/* --- auto_pad ------------------------------------------------------------ */

/* Fills pads (top, left, bottom, right) from ONNX pads / auto_pad for a 2-D
 * window op over input spatial dims in[2]. */
static int window_pads(pv__imp *I, const int64_t *in, const int64_t *k,
                       const int64_t *s, const int64_t *d, int32_t *pad) {
  const char *ap = pv__onnx_attr_s(NODE, "auto_pad", "NOTSET");
  int64_t p[4];
  int np = attr_ints(I, "pads", p, 4, 0, g_lift1d ? 2 : 4);
  if (np < 0)
    return np;
  if (g_lift1d && np == 2) {
    p[3] = p[1];
    p[1] = p[0];
    p[0] = p[2] = 0;
    np = 4;
  }
  if (np != 4)
    return FAIL(I, PV_ERR_INVALID_ARG, "pads has %d values, expected 4", np);
  if (!strcmp(ap, "NOTSET") || !strcmp(ap, "")) {
    for (int i = 0; i < 4; i++) {
      if (p[i] < 0 || p[i] > INT32_MAX)
        return FAIL(I, PV_ERR_INVALID_ARG, "bad pad %lld", (long long)p[i]);
      pad[i] = (int32_t)p[i];
    }
    return 0;
  }
  if (!strcmp(ap, "VALID")) {
    memset(pad, 0, sizeof(int32_t) * 4);
    return 0;
  }
  bool upper = !strcmp(ap, "SAME_UPPER");
  if (!upper && strcmp(ap, "SAME_LOWER"))
    return FAIL(I, PV_ERR_INVALID_ARG, "unknown auto_pad '%s'", ap);
  for (int i = 0; i < 2; i++) {
    if (in[i] < 0)
      return FAIL(I, PV_ERR_UNSUPPORTED,
                  "auto_pad %s needs a static input size", ap);
    int64_t out = (in[i] + s[i] - 1) / s[i];
    int64_t total = (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in[i];
    if (total < 0)
      total = 0;
    int64_t lo = upper ? total / 2 : total - total / 2;
    pad[i] = (int32_t)lo;
    pad[2 + i] = (int32_t)(total - lo);
  }
  return 0;
}

static int spatial2(pv__imp *I, const char *name, int64_t *v, int64_t def) {
  int n = attr_ints(I, name, v, 2, def, g_lift1d ? 1 : 2);
  if (n < 0)
    return n;
  if (g_lift1d && n == 1) {
    v[1] = v[0];
    v[0] = 1;
    n = 2;
  }
  if (n != 2)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "'%s' has %d values: only 2-D windows are supported", name, n);
  for (int i = 0; i < 2; i++)
    if (v[i] <= 0 || v[i] > INT32_MAX)
      return FAIL(I, PV_ERR_INVALID_ARG, "bad %s %lld", name, (long long)v[i]);
  return 0;
}

/* --- conv ---------------------------------------------------------------- */

int pv__h_conv_ex(pv__imp *I, bool transpose, int xi, int wi,
                  const pv_value *ins, int n_ins, pv_value *yout, pv_op op) {
  pv_tensor_desc x, w;
  int rc;
  if ((rc = pv__imp_desc(I, xi, &x)) || (rc = pv__imp_desc(I, wi, &w)))
    return rc;
  bool lift = x.ndim == 3 && w.ndim == 3;
  if (!lift && (x.ndim != 4 || w.ndim != 4))
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "only 1-D and 2-D convolution are supported");
  if (lift && op != PV_OP_NONE)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "only 2-D quantised convolution is supported");
  if (lift) {
    x.shape[3] = x.shape[2];
    x.shape[2] = 1;
    w.shape[3] = w.shape[2];
    w.shape[2] = 1;
    x.ndim = w.ndim = 4;
  }
  g_lift1d = lift;
  int64_t k[2] = {w.shape[2], w.shape[3]}, s[2], d[2];
  int64_t kk[2];
  if (pv__onnx_attr_find(NODE, "kernel_shape")) {
    if ((rc = spatial2(I, "kernel_shape", kk, 1)))
      return rc;
    if (kk[0] != k[0] || kk[1] != k[1])
      return FAIL(I, PV_ERR_SHAPE, "kernel_shape does not match the weight");
  }
  if ((rc = spatial2(I, "strides", s, 1)) ||
      (rc = spatial2(I, "dilations", d, 1)))
    return rc;
  pv_op_attrs a = zattrs();
  pv_conv_attrs *c = &a.conv;
  int64_t g = pv__onnx_attr_i(NODE, "group", 1);
  if (g <= 0 || g > INT32_MAX)
    return FAIL(I, PV_ERR_INVALID_ARG, "bad group %lld", (long long)g);
  c->groups = (int32_t)g;
  for (int i = 0; i < 2; i++) {
    c->stride[i] = (int32_t)s[i];
    c->dilation[i] = (int32_t)d[i];
  }
  if (!transpose) {
    if ((rc = window_pads(I, x.shape + 2, k, s, d, c->padding)))
      return rc;
  } else {
    int64_t op[2], os[2];
    if ((rc = attr_ints(I, "output_padding", op, 2, 0, 2)) < 0)
      return rc;
    int nos = pv__onnx_attr_ints(NODE, "output_shape", os, 2);
    const char *ap = pv__onnx_attr_s(NODE, "auto_pad", "NOTSET");
    bool same = !strncmp(ap, "SAME", 4);
    int64_t p[4];
    int np = attr_ints(I, "pads", p, 4, 0, lift ? 2 : 4);
    if (lift && np == 2) {
      p[3] = p[1];
      p[1] = p[0];
      p[0] = p[2] = 0;
      np = 4;
    }
    if (lift && (pv__onnx_attr_find(NODE, "output_padding") || nos >= 0))
      return FAIL(I, PV_ERR_UNSUPPORTED,
                  "1-D ConvTranspose with output_padding/output_shape");
    if (np != 4)
      return FAIL(I, PV_ERR_INVALID_ARG, "pads must have 4 values");
    if (nos > 2)
      return FAIL(I, PV_ERR_UNSUPPORTED, "output_shape with %d dims", nos);
    if (nos == 2 || same) {
      for (int i = 0; i < 2; i++) {
        if (x.shape[2 + i] < 0)
          return FAIL(I, PV_ERR_UNSUPPORTED, "output_shape needs static input");
        int64_t want = nos == 2 ? os[i] : x.shape[2 + i] * s[i];
        int64_t total = s[i] * (x.shape[2 + i] - 1) + op[i] +
                        ((k[i] - 1) * d[i] + 1) - want;
        if (total < 0) {
          op[i] -= total; /* grow through output_padding */
          total = 0;
        }
        /* ONNX: SAME_UPPER puts the smaller half first; SAME_LOWER and an
         * explicit output_shape put the larger half first. */
        bool upper = !strcmp(ap, "SAME_UPPER");
        p[i] = upper ? total / 2 : total - total / 2;
        p[2 + i] = total - p[i];
      }
    }
    for (int i = 0; i < 4; i++) {
      if (p[i] < 0 || p[i] > INT32_MAX)
        return FAIL(I, PV_ERR_INVALID_ARG, "bad pad");
      c->padding[i] = (int32_t)p[i];
    }
    for (int i = 0; i < 2; i++)
      c->output_padding[i] = (int32_t)op[i];
  }
  pv_value in[PV_MAX_INPUTS];
  int n = ins ? n_ins : pv__imp_has(I, 2) ? 3 : 2;
  if (n > PV_MAX_INPUTS)
    return FAIL(I, PV_ERR_INTERNAL, "too many conv inputs");
  for (int i = 0; i < n; i++)
    if (ins)
      in[i] = ins[i];
    else if ((rc = pv__imp_in(I, i, &in[i])))
      return rc;
  if (op == PV_OP_NONE)
    op = transpose ? PV_OP_CONV_TRANSPOSE2D : PV_OP_CONV2D;
  if (!lift)
    return yout ? pv__imp_node(I, op, n, in, &a, 1, yout)
                : pv__imp_node1(I, op, n, in, &a);
  pv_value y;
  pv_tensor_desc yd;
  if ((rc = reshape(I, in[0], 4, x.shape, &in[0])) ||
      (rc = reshape(I, in[1], 4, w.shape, &in[1])) ||
      (rc = pv__imp_node(I, op, n, in, &a, 1, &y)) ||
      (rc = pv__imp_value_desc(I, y, &yd)))
    return rc;
  yd.shape[2] = yd.shape[3];
  if ((rc = reshape(I, y, 3, yd.shape, &y)))
    return rc;
  if (yout) {
    *yout = y;
    return 0;
  }
  return pv__imp_bind(I, 0, y);
}

static int h_conv(pv__imp *I, bool transpose) {
  return pv__h_conv_ex(I, transpose, 0, 1, NULL, 0, NULL, PV_OP_NONE);
}

static int h_batchnorm(pv__imp *I) {
  if (pv__onnx_attr_i(NODE, "spatial", 1) == 0)
    return FAIL(I, PV_ERR_UNSUPPORTED, "spatial=0 is not supported");
  if (pv__onnx_attr_i(NODE, "training_mode", 0))
    return FAIL(I, PV_ERR_UNSUPPORTED, "training_mode is not supported");
  pv_value in[5];
  for (int i = 0; i < 5; i++) {
    int rc = pv__imp_in(I, i, &in[i]);
    if (rc)
      return rc;
  }
  pv_op_attrs a = zattrs();
  a.norm.eps = pv__onnx_attr_f(NODE, "epsilon", 1e-5f);
  return pv__imp_node1(I, PV_OP_BATCH_NORM, 5, in, &a);
}

static int h_gemm(pv__imp *I) {
  pv_value in[3];
  int n = pv__imp_has(I, 2) ? 3 : 2, rc;
  for (int i = 0; i < n; i++)
    if ((rc = pv__imp_in(I, i, &in[i])))
      return rc;
  pv_op_attrs a = zattrs();
  a.gemm.trans_a = (int32_t)pv__onnx_attr_i(NODE, "transA", 0);
  a.gemm.trans_b = (int32_t)pv__onnx_attr_i(NODE, "transB", 0);
  a.gemm.alpha = pv__onnx_attr_f(NODE, "alpha", 1.0f);
  a.gemm.beta = pv__onnx_attr_f(NODE, "beta", 1.0f);
  return pv__imp_node1(I, PV_OP_GEMM, n, in, &a);
}

/* --- elementwise ---------------------------------------------------------- */

static int h_binary(pv__imp *I, pv_op op) {
  pv_value in[2];
  pv_tensor_desc da, db;
  int rc;
  if ((rc = pv__imp_in(I, 0, &in[0])) || (rc = pv__imp_in(I, 1, &in[1])) ||
      (rc = pv__imp_desc(I, 0, &da)) || (rc = pv__imp_desc(I, 1, &db)))
    return rc;
  /* Opset < 7: `broadcast`=1 aligns B at `axis` of A (trailing by default). */
  if (I->opset < 7 && pv__onnx_attr_i(NODE, "broadcast", 0) &&
      pv__onnx_attr_find(NODE, "axis") && db.ndim < da.ndim) {
    int ax = 0;
    if ((rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", 0), da.ndim, &ax)))
      return rc;
    int trail = da.ndim - ax - db.ndim;
    if (trail < 0)
      return FAIL(I, PV_ERR_SHAPE, "legacy broadcast axis does not fit");
    if (trail > 0) {
      int64_t s[PV_MAX_DIMS];
      memcpy(s, db.shape, sizeof(int64_t) * (size_t)db.ndim);
      for (int i = 0; i < trail; i++)
        s[db.ndim + i] = 1;
      if ((rc = reshape(I, in[1], db.ndim + trail, s, &in[1])))
        return rc;
    }
  }
  if (da.dtype != db.dtype && op == PV_OP_POW &&
      (rc = cast_to(I, in[1], (pv_dtype)da.dtype, &in[1])))
    return rc;
  return pv__imp_node1(I, op, 2, in, NULL);
}

/* Variadic Sum / Mean / Max / Min: a chain of binary nodes. */
static int h_variadic(pv__imp *I, pv_op op, bool mean) {
  int n = NODE->n_in, rc;
  if (n < 1)
    return FAIL(I, PV_ERR_INVALID_ARG, "needs at least one input");
  pv_value acc;
  if ((rc = pv__imp_in(I, 0, &acc)))
    return rc;
  if (n == 1 && !mean) {
    return pv__imp_alias(I, 0, 0);
  }
  for (int i = 1; i < n; i++) {
    pv_value in[2] = {acc, 0};
    if ((rc = pv__imp_in(I, i, &in[1])) ||
        (rc = pv__imp_node(I, op, 2, in, NULL, 1, &acc)))
      return rc;
  }
  if (mean) {
    pv_tensor_desc d;
    pv_value in[2] = {acc, 0};
    if ((rc = pv__imp_desc(I, 0, &d)) ||
        (rc = pv__imp_scalar(I, (pv_dtype)d.dtype, n, &in[1])) ||
        (rc = pv__imp_node(I, PV_OP_DIV, 2, in, NULL, 1, &acc)))
      return rc;
  }
  return pv__imp_bind(I, 0, acc);
}

static int h_unary(pv__imp *I, pv_op op, float alpha, float beta) {
  pv_value x;
  int rc = pv__imp_in(I, 0, &x);
  if (rc)
    return rc;
  pv_op_attrs a = zattrs();
  a.unary.alpha = alpha;
  a.unary.beta = beta;
  return pv__imp_node1(I, op, 1, &x, &a);
}

static int h_clip(pv__imp *I) {
  float lo = -INFINITY, hi = INFINITY;
  if (I->opset < 11) {
    lo = pv__onnx_attr_f(NODE, "min", lo);
    hi = pv__onnx_attr_f(NODE, "max", hi);
  } else {
    double v;
    for (int i = 1; i <= 2; i++) {
      if (!pv__imp_has(I, i))
        continue;
      int rc = pv__imp_floats(I, i, &v, 1, i == 1 ? "min" : "max");
      if (rc < 0)
        return rc;
      if (rc != 1)
        return FAIL(I, PV_ERR_INVALID_ARG, "min/max must be scalars");
      *(i == 1 ? &lo : &hi) = (float)v;
    }
  }
  return h_unary(I, PV_OP_CLIP, lo, hi);
}

static int h_reciprocal(pv__imp *I) {
  pv_tensor_desc d;
  pv_value in[2];
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) ||
      (rc = pv__imp_scalar(I, (pv_dtype)d.dtype, 1.0, &in[0])) ||
      (rc = pv__imp_in(I, 0, &in[1])))
    return rc;
  return pv__imp_node1(I, PV_OP_DIV, 2, in, NULL);
}

static int h_prelu(pv__imp *I) {
  pv_value in[2];
  pv_tensor_desc dx, ds;
  int rc;
  if ((rc = pv__imp_in(I, 0, &in[0])) || (rc = pv__imp_in(I, 1, &in[1])) ||
      (rc = pv__imp_desc(I, 0, &dx)) || (rc = pv__imp_desc(I, 1, &ds)))
    return rc;
  /* A per-channel slope [C] (older exporters) applies along dim 1. */
  if (ds.ndim == 1 && dx.ndim > 2 && ds.shape[0] > 1 &&
      ds.shape[0] == dx.shape[1] && ds.shape[0] != dx.shape[dx.ndim - 1]) {
    int64_t s[PV_MAX_DIMS];
    s[0] = ds.shape[0];
    for (int i = 1; i < dx.ndim - 1; i++)
      s[i] = 1;
    if ((rc = reshape(I, in[1], dx.ndim - 1, s, &in[1])))
      return rc;
  }
  return pv__imp_node1(I, PV_OP_PRELU, 2, in, NULL);
}

/* --- softmax -------------------------------------------------------------- */

static int h_softmax(pv__imp *I, pv_op op) {
  pv_tensor_desc d;
  pv_value x;
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  bool legacy = I->opset < 13;
  int64_t axis = pv__onnx_attr_i(NODE, "axis", legacy ? 1 : -1);
  if ((rc = norm_axis(I, axis, d.ndim, &ax)))
    return rc;
  pv_op_attrs a = zattrs();
  if (!legacy || ax == d.ndim - 1) {
    a.axis.axis = ax;
    return pv__imp_node1(I, op, 1, &x, &a);
  }
  /* Opset < 13: softmax over the flattened [prod(:axis), prod(axis:)]. */
  for (int i = 0; i < d.ndim; i++)
    if (d.shape[i] < 0)
      return FAIL(I, PV_ERR_UNSUPPORTED,
                  "opset-%lld softmax over axis %d needs a static shape",
                  (long long)I->opset, ax);
  int64_t s2[2] = {pv__shape_numel(ax, d.shape),
                   pv__shape_numel(d.ndim - ax, d.shape + ax)};
  pv_value t;
  if ((rc = reshape(I, x, 2, s2, &t)))
    return rc;
  a.axis.axis = 1;
  if ((rc = pv__imp_node(I, op, 1, &t, &a, 1, &t)) ||
      (rc = reshape(I, t, d.ndim, d.shape, &t)))
    return rc;
  return pv__imp_bind(I, 0, t);
}

/* --- pooling -------------------------------------------------------------- */

/* ONNX allows pads larger than half the kernel; the core pool ops keep
 * torch's limit (pad <= kernel / 2). Such pads become an explicit PAD
 * (-inf for max, 0 for average) before an unpadded pool. The output size is
 * the same without ceil_mode; with it, the last window's start rule differs,
 * so that case is refused. p->padding is cleared; x is replaced. */
static int pool_big_pads(pv__imp *I, pv_op op, const pv_tensor_desc *d,
                         pv_value *x, pv_pool_attrs *p, int32_t orig[4]) {
  if (p->ceil_mode)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "pads larger than half the kernel with ceil_mode=1");
  if (d->shape[2] < 0 || d->shape[3] < 0)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "pads larger than half the kernel need a static input size");
  pv_op_attrs a = zattrs();
  a.pad.mode = PV_PAD_CONSTANT;
  a.pad.value = op == PV_OP_MAX_POOL2D ? -INFINITY : 0.0f;
  a.pad.pads[4] = p->padding[0]; /* H before, after */
  a.pad.pads[5] = p->padding[2];
  a.pad.pads[6] = p->padding[1]; /* W before, after */
  a.pad.pads[7] = p->padding[3];
  memcpy(orig, p->padding, sizeof p->padding);
  memset(p->padding, 0, sizeof p->padding);
  return pv__imp_node(I, PV_OP_PAD, 1, x, &a, 1, x);
}

/* Average pooling over an explicitly zero-padded input divides by the whole
 * window; count_include_pad=0 divides by the window's overlap with the
 * input instead: y *= k_h * k_w / overlap, a constant [OH, OW] map.
 * pads: the original (top, left, bottom, right). */
static int pool_fix_divisor(pv__imp *I, const pv_tensor_desc *d,
                            const pv_pool_attrs *p, const int32_t pads[4],
                            pv_value *y) {
  pv_tensor_desc yd;
  int rc = pv__imp_value_desc(I, *y, &yd);
  if (rc)
    return rc;
  if (yd.dtype != PV_F32)
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "average pooling of %s with pads larger than half the kernel "
                "and count_include_pad=0",
                pv_dtype_name((pv_dtype)yd.dtype));
  int64_t oh = yd.shape[2], ow = yd.shape[3];
  if (oh <= 0 || ow <= 0 || oh > (1 << 24) / ow) /* like the folder's cap */
    return FAIL(I, PV_ERR_UNSUPPORTED,
                "count_include_pad=0 with pads larger than half the kernel "
                "needs a static output of at most 16 M pixels");
  pv_tensor *t = pv_tensor_create(PV_F32, 2, (int64_t[]){oh, ow});
  if (!t)
    return pv_last_status();
  float *v = pv_tensor_data(t);
  for (int64_t i = 0; i < oh; i++)
    for (int64_t j = 0; j < ow; j++) {
      int64_t h0 = i * p->stride[0] - pads[0], w0 = j * p->stride[1] - pads[1];
      int64_t h1 = h0 + p->kernel[0], w1 = w0 + p->kernel[1];
      int64_t ch = (h1 < d->shape[2] ? h1 : d->shape[2]) - (h0 > 0 ? h0 : 0);
      int64_t cw = (w1 < d->shape[3] ? w1 : d->shape[3]) - (w0 > 0 ? w0 : 0);
      v[i * ow + j] = ch > 0 && cw > 0 ? (float)(p->kernel[0] * p->kernel[1]) /
                                             (float)(ch * cw)
                                       : 0.0f;
    }
  pv_value in[2] = {*y};
  if ((rc = pv__imp_new_const(I, t, &in[1])))
    return rc;
  return pv__imp_node(I, PV_OP_MUL, 2, in, NULL, 1, y);
}

static int h_pool(pv__imp *I, pv_op op) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  bool lift = d.ndim == 3;
  if (d.ndim != 4 && !lift)
    return FAIL(I, PV_ERR_UNSUPPORTED, "only 1-D and 2-D pooling");
  if (lift) {
    d.shape[3] = d.shape[2];
    d.shape[2] = 1;
    d.ndim = 4;
  }
  g_lift1d = lift;
  if (NODE->n_out > 1 && NODE->out[1][0])
    return FAIL(I, PV_ERR_UNSUPPORTED, "the Indices output is not supported");
  int64_t k[2], s[2], dl[2] = {1, 1};
  if (!pv__onnx_attr_find(NODE, "kernel_shape"))
    return FAIL(I, PV_ERR_INVALID_ARG, "kernel_shape is required");
  if ((rc = spatial2(I, "kernel_shape", k, 1)) ||
      (rc = spatial2(I, "strides", s, 1)))
    return rc;
  if (op == PV_OP_MAX_POOL2D && (rc = spatial2(I, "dilations", dl, 1)))
    return rc;
  if (op == PV_OP_AVG_POOL2D && pv__onnx_attr_find(NODE, "dilations")) {
    int64_t t[2];
    if ((rc = spatial2(I, "dilations", t, 1)))
      return rc;
    if (t[0] != 1 || t[1] != 1)
      return FAIL(I, PV_ERR_UNSUPPORTED, "dilated average pooling");
  }
  pv_op_attrs a = zattrs();
  pv_pool_attrs *p = &a.pool;
  for (int i = 0; i < 2; i++) {
    p->kernel[i] = (int32_t)k[i];
    p->stride[i] = (int32_t)s[i];
    p->dilation[i] = (int32_t)dl[i];
  }
  if ((rc = window_pads(I, d.shape + 2, k, s, dl, p->padding)))
    return rc;
  p->ceil_mode = (int32_t)pv__onnx_attr_i(NODE, "ceil_mode", 0);
  p->count_include_pad = (int32_t)pv__onnx_attr_i(NODE, "count_include_pad", 0);
  bool big = false;
  for (int i = 0; i < 2; i++)
    big |= p->padding[i] * 2 > k[i] || p->padding[2 + i] * 2 > k[i];
  if (!lift && !big)
    return pv__imp_node1(I, op, 1, &x, &a);
  pv_value y;
  pv_tensor_desc yd;
  if (lift && (rc = reshape(I, x, 4, d.shape, &x)))
    return rc;
  int32_t pads[4];
  if (big && (rc = pool_big_pads(I, op, &d, &x, p, pads)))
    return rc;
  if ((rc = pv__imp_node(I, op, 1, &x, &a, 1, &y)))
    return rc;
  if (big && op == PV_OP_AVG_POOL2D && !p->count_include_pad &&
      (rc = pool_fix_divisor(I, &d, p, pads, &y)))
    return rc;
  if (!lift)
    return pv__imp_bind(I, 0, y);
  if ((rc = pv__imp_value_desc(I, y, &yd)))
    return rc;
  yd.shape[2] = yd.shape[3];
  yd.ndim = 3;
  if ((rc = reshape(I, y, 3, yd.shape, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

static int h_global_pool(pv__imp *I, bool max) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  pv_op_attrs a = zattrs();
  if (d.ndim == 4) {
    a.pool.output_size[0] = a.pool.output_size[1] = 1;
    return pv__imp_node1(
        I, max ? PV_OP_ADAPTIVE_MAX_POOL2D : PV_OP_ADAPTIVE_AVG_POOL2D, 1, &x,
        &a);
  }
  if (d.ndim < 3)
    return FAIL(I, PV_ERR_SHAPE, "needs at least 3 dims");
  a.axis.keepdims = 1;
  a.axis.n_axes = d.ndim - 2;
  for (int i = 2; i < d.ndim; i++)
    a.axis.axes[i - 2] = i;
  return pv__imp_node1(I, max ? PV_OP_REDUCE_MAX : PV_OP_REDUCE_MEAN, 1, &x,
                       &a);
}

/* --- reductions ----------------------------------------------------------- */

/* ReduceL1/L2/SumSquare/LogSum/LogSumExp: an elementwise pre-op, a sum, and
 * a post-op (naive, as ONNX's reference: LogSumExp is not max-shifted). */
static int h_reduce_composite(pv__imp *I, const char *kind) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  if (!strcmp(kind, "L1")) {
    if ((rc = pv__imp_node(I, PV_OP_ABS, 1, &x, NULL, 1, &x)))
      return rc;
  } else if (!strcmp(kind, "L2") || !strcmp(kind, "SumSquare")) {
    pv_value in[2] = {x, x};
    if ((rc = pv__imp_node(I, PV_OP_MUL, 2, in, NULL, 1, &x)))
      return rc;
  } else if (!strcmp(kind, "LogSumExp")) {
    if ((rc = pv__imp_node(I, PV_OP_EXP, 1, &x, NULL, 1, &x)))
      return rc;
  }
  int64_t axes[PV_MAX_DIMS];
  int na = pv__onnx_attr_ints(NODE, "axes", axes, PV_MAX_DIMS);
  if (na < 0 && pv__imp_has(I, 1) &&
      (na = pv__imp_ints(I, 1, axes, PV_MAX_DIMS, "axes")) < 0)
    return na;
  if (na > PV_MAX_DIMS)
    return FAIL(I, PV_ERR_RANGE, "too many axes");
  if (na < 0)
    na = 0;
  if (na == 0 && pv__onnx_attr_i(NODE, "noop_with_empty_axes", 0))
    return FAIL(I, PV_ERR_UNSUPPORTED, "noop_with_empty_axes");
  pv_op_attrs a = zattrs();
  a.axis.keepdims = (int32_t)pv__onnx_attr_i(NODE, "keepdims", 1);
  a.axis.n_axes = na;
  for (int i = 0; i < na; i++) {
    int ax = 0;
    if ((rc = norm_axis(I, axes[i], d.ndim, &ax)))
      return rc;
    a.axis.axes[i] = ax;
  }
  pv_value y;
  if ((rc = pv__imp_node(I, PV_OP_REDUCE_SUM, 1, &x, &a, 1, &y)))
    return rc;
  if (!strcmp(kind, "L2") &&
      (rc = pv__imp_node(I, PV_OP_SQRT, 1, &y, NULL, 1, &y)))
    return rc;
  if (!strncmp(kind, "LogSum", 6) &&
      (rc = pv__imp_node(I, PV_OP_LOG, 1, &y, NULL, 1, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

static int h_reduce(pv__imp *I, pv_op op) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t axes[PV_MAX_DIMS];
  int na = pv__onnx_attr_ints(NODE, "axes", axes, PV_MAX_DIMS);
  if (na < 0 && pv__imp_has(I, 1) &&
      (na = pv__imp_ints(I, 1, axes, PV_MAX_DIMS, "axes")) < 0)
    return na;
  if (na > PV_MAX_DIMS)
    return FAIL(I, PV_ERR_RANGE, "too many axes");
  if (na <= 0) {
    na = 0;
    if (pv__onnx_attr_i(NODE, "noop_with_empty_axes", 0))
      return pv__imp_alias(I, 0, 0);
  }
  pv_op_attrs a = zattrs();
  a.axis.keepdims = (int32_t)pv__onnx_attr_i(NODE, "keepdims", 1);
  a.axis.n_axes = na;
  for (int i = 0; i < na; i++) {
    int ax = 0;
    if ((rc = norm_axis(I, axes[i], d.ndim, &ax)))
      return rc;
    a.axis.axes[i] = ax;
  }
  return pv__imp_node1(I, op, 1, &x, &a);
}

static int h_arg(pv__imp *I, pv_op op) {
  pv_tensor_desc d;
  pv_value x;
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", 0), d.ndim, &ax)))
    return rc;
  pv_op_attrs a = zattrs();
  a.axis.axis = ax;
  a.axis.keepdims = (int32_t)pv__onnx_attr_i(NODE, "keepdims", 1);
  a.axis.select_last_index =
      (int32_t)pv__onnx_attr_i(NODE, "select_last_index", 0);
  return pv__imp_node1(I, op, 1, &x, &a);
}

static int h_topk(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", -1), d.ndim, &ax)))
    return rc;
  int64_t k;
  if (I->opset < 10) {
    k = pv__onnx_attr_i(NODE, "k", -1);
  } else {
    int n = pv__imp_ints(I, 1, &k, 1, "k");
    if (n < 0)
      return n;
    if (n != 1)
      return FAIL(I, PV_ERR_INVALID_ARG, "k must have one value");
  }
  pv_op_attrs a = zattrs();
  a.axis.axis = ax;
  a.axis.k = k;
  a.axis.largest = (int32_t)pv__onnx_attr_i(NODE, "largest", 1);
  a.axis.sorted = (int32_t)pv__onnx_attr_i(NODE, "sorted", 1);
  pv_value out[2];
  if ((rc = pv__imp_node(I, PV_OP_TOPK, 1, &x, &a, 2, out)))
    return rc;
  pv__imp_bind(I, 0, out[0]);
  return pv__imp_bind(I, 1, out[1]);
}

static int h_where(pv__imp *I) {
  pv_value in[3];
  int rc;
  for (int i = 0; i < 3; i++)
    if ((rc = pv__imp_in(I, i, &in[i])))
      return rc;
  return pv__imp_node1(I, PV_OP_WHERE, 3, in, NULL);
}

/* --- normalisation -------------------------------------------------------- */

static int h_layernorm(pv__imp *I) {
  pv_tensor_desc d;
  pv_value in[3];
  int rc, ax = 0, n = pv__imp_has(I, 2) ? 3 : 2;
  if ((rc = pv__imp_desc(I, 0, &d)) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", -1), d.ndim, &ax)))
    return rc;
  for (int i = 0; i < n; i++)
    if ((rc = pv__imp_in(I, i, &in[i])))
      return rc;
  pv_op_attrs a = zattrs();
  a.norm.eps = pv__onnx_attr_f(NODE, "epsilon", 1e-5f);
  a.norm.n_norm_dims = d.ndim - ax;
  if ((rc = pv__imp_node1(I, PV_OP_LAYER_NORM, n, in, &a)))
    return rc;
  bool want_mean = NODE->n_out > 1 && NODE->out[1][0],
       want_inv = NODE->n_out > 2 && NODE->out[2][0];
  if (!want_mean && !want_inv)
    return 0;
  /* The optional Mean and InvStdDev outputs (keepdims over axis..), from
   * the same formulas: mean(x), 1 / sqrt(mean((x - mean)^2) + eps). */
  if (d.dtype != PV_F32)
    return FAIL(I, PV_ERR_UNSUPPORTED, "Mean/InvStdDev outputs of %s",
                pv_dtype_name((pv_dtype)d.dtype));
  pv_op_attrs r = zattrs();
  r.axis.keepdims = 1;
  r.axis.n_axes = d.ndim - ax;
  for (int i = ax; i < d.ndim; i++)
    r.axis.axes[i - ax] = i;
  pv_value mean, t[2], v, k;
  if ((rc = pv__imp_node(I, PV_OP_REDUCE_MEAN, 1, &in[0], &r, 1, &mean)))
    return rc;
  if (want_mean && (rc = pv__imp_bind(I, 1, mean)))
    return rc;
  if (!want_inv)
    return 0;
  t[0] = in[0];
  t[1] = mean;
  if ((rc = pv__imp_node(I, PV_OP_SUB, 2, t, NULL, 1, &v)))
    return rc;
  t[0] = t[1] = v;
  if ((rc = pv__imp_node(I, PV_OP_MUL, 2, t, NULL, 1, &v)) ||
      (rc = pv__imp_node(I, PV_OP_REDUCE_MEAN, 1, &v, &r, 1, &v)) ||
      (rc = pv__imp_scalar(I, PV_F32, a.norm.eps, &k)))
    return rc;
  t[0] = v;
  t[1] = k;
  if ((rc = pv__imp_node(I, PV_OP_ADD, 2, t, NULL, 1, &v)) ||
      (rc = pv__imp_node(I, PV_OP_SQRT, 1, &v, NULL, 1, &v)) ||
      (rc = pv__imp_scalar(I, PV_F32, 1.0, &k)))
    return rc;
  t[0] = k;
  t[1] = v;
  if ((rc = pv__imp_node(I, PV_OP_DIV, 2, t, NULL, 1, &v)))
    return rc;
  return pv__imp_bind(I, 2, v);
}

static int h_instnorm(pv__imp *I) {
  pv_value in[3];
  int rc;
  for (int i = 0; i < 3; i++)
    if ((rc = pv__imp_in(I, i, &in[i])))
      return rc;
  pv_op_attrs a = zattrs();
  a.norm.eps = pv__onnx_attr_f(NODE, "epsilon", 1e-5f);
  return pv__imp_node1(I, PV_OP_INSTANCE_NORM, 3, in, &a);
}

/* --- resize --------------------------------------------------------------- */

static int h_resize(pv__imp *I, bool upsample) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  if (d.ndim != 4)
    return FAIL(I, PV_ERR_UNSUPPORTED, "only 4-D (NCHW) resize");
  double sc[4] = {1, 1, 1, 1};
  int64_t sizes[4];
  bool have_sc = false, have_sz = false;
  int scale_in = upsample || I->opset == 10 ? 1 : 2;
  if (upsample && I->opset < 9) {
    float f[4];
    int k = pv__onnx_attr_floats(NODE, "scales", f, 4);
    if (k != 4)
      return FAIL(I, PV_ERR_INVALID_ARG, "scales must have 4 values");
    for (int i = 0; i < 4; i++)
      sc[i] = f[i];
    have_sc = true;
  } else {
    pv_tensor *ks = pv__imp_const(I, scale_in);
    if (pv__imp_has(I, scale_in) && !ks)
      return FAIL(I, PV_ERR_UNSUPPORTED, "scales must be constant");
    if (ks && pv_tensor_numel(ks) > 0) {
      int k = pv__imp_floats(I, scale_in, sc, 4, "scales");
      if (k < 0)
        return k;
      if (k != 4)
        return FAIL(I, PV_ERR_INVALID_ARG, "scales must have 4 values");
      have_sc = true;
    }
    if (!upsample && I->opset >= 11 && pv__imp_has(I, 3)) {
      int k = pv__imp_ints(I, 3, sizes, 4, "sizes");
      if (k < 0)
        return k;
      if (k != 4)
        return FAIL(I, PV_ERR_INVALID_ARG, "sizes must have 4 values");
      have_sz = true;
      have_sc = false;
    }
  }
  if (!have_sc && !have_sz)
    return FAIL(I, PV_ERR_INVALID_ARG, "neither scales nor sizes given");
  if (have_sc && (sc[0] != 1 || sc[1] != 1))
    return FAIL(I, PV_ERR_UNSUPPORTED, "resizing N or C is not supported");
  if (have_sz && ((d.shape[0] >= 0 && sizes[0] != d.shape[0]) ||
                  (d.shape[1] >= 0 && sizes[1] != d.shape[1])))
    return FAIL(I, PV_ERR_UNSUPPORTED, "resizing N or C is not supported");
  pv_op_attrs a = zattrs();
  pv_resize_attrs *r = &a.resize;
  for (int i = 0; i < 2; i++) {
    if (have_sz) {
      r->size[i] = sizes[2 + i];
    } else {
      if (d.shape[2 + i] < 0)
        return FAIL(
            I, PV_ERR_UNSUPPORTED,
            "scales on a dynamic spatial dim (pin the input shapes with "
            "pv_onnx_options.input_shapes)");
      if (!(sc[2 + i] > 0) || sc[2 + i] > 1e6)
        return FAIL(I, PV_ERR_INVALID_ARG, "bad scale %g", sc[2 + i]);
      r->size[i] = (int64_t)floor((double)d.shape[2 + i] * sc[2 + i]);
      r->scale[i] = sc[2 + i];
    }
  }
  const char *mode = pv__onnx_attr_s(NODE, "mode", "nearest");
  bool legacy = upsample || I->opset < 11;
  const char *coord =
      legacy ? "asymmetric"
             : pv__onnx_attr_s(NODE, "coordinate_transformation_mode",
                               "half_pixel");
  const char *nm =
      legacy ? "floor"
             : pv__onnx_attr_s(NODE, "nearest_mode", "round_prefer_floor");
  if (!strcmp(coord, "half_pixel"))
    r->coord_mode = 0;
  else if (!strcmp(coord, "asymmetric"))
    r->coord_mode = 1;
  else if (!strcmp(coord, "align_corners"))
    r->coord_mode = 2, r->align_corners = 1;
  else if (!strcmp(coord, "tf_half_pixel_for_nn"))
    r->coord_mode = 3;
  else if (!strcmp(coord, "pytorch_half_pixel"))
    r->coord_mode = 4;
  else
    return FAIL(I, PV_ERR_UNSUPPORTED, "coordinate_transformation_mode '%s'",
                coord);
  if (!strcmp(nm, "floor"))
    r->nearest_mode = 0;
  else if (!strcmp(nm, "round_prefer_floor"))
    r->nearest_mode = 1;
  else if (!strcmp(nm, "round_prefer_ceil"))
    r->nearest_mode = 2;
  else if (!strcmp(nm, "ceil"))
    r->nearest_mode = 3;
  else
    return FAIL(I, PV_ERR_UNSUPPORTED, "nearest_mode '%s'", nm);
  r->cubic_a = pv__onnx_attr_f(NODE, "cubic_coeff_a", -0.75f);
  r->exclude_outside = (int32_t)pv__onnx_attr_i(NODE, "exclude_outside", 0);
  if (!strcmp(mode, "nearest")) {
    /* half_pixel + round_prefer_ceil is torch's 'nearest-exact'. */
    r->mode = r->coord_mode == 0 && r->nearest_mode == 2
                  ? PV_RESIZE_NEAREST_EXACT
                  : PV_RESIZE_NEAREST;
  } else if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) {
    r->mode = PV_RESIZE_BILINEAR;
  } else if (!strcmp(mode, "cubic")) {
    r->mode = PV_RESIZE_BICUBIC;
  } else {
    return FAIL(I, PV_ERR_UNSUPPORTED, "mode '%s'", mode);
  }
  /* Nearest, asymmetric, floor by a power-of-two factor (the Upsample of
   * most detection necks) is exactly torch's legacy nearest: src =
   * floor(dst * in / out) with an exact in / out. Emitting it in torch form
   * lets every backend run it, not only those with the ONNX modes. */
  if (r->mode == PV_RESIZE_NEAREST && r->coord_mode == 1 &&
      r->nearest_mode == 0 && !r->exclude_outside) {
    bool exact = true;
    for (int i = 0; i < 2; i++) {
      int64_t in = d.shape[2 + i], out = r->size[i];
      int64_t k = in > 0 && out % in == 0 ? out / in : 0;
      exact &= k > 0 && (k & (k - 1)) == 0;
    }
    if (exact) {
      r->coord_mode = 0;
      r->scale[0] = r->scale[1] = 0;
    }
  }
  return pv__imp_node1(I, PV_OP_RESIZE, 1, &x, &a);
}

/* --- dispatch ------------------------------------------------------------- */

static const char *const k_int8_ops[] = {
    "QLinearAveragePool",   "QLinearConcat", "QLinearSigmoid",
    "QLinearLeakyRelu",     "ConvInteger",   "MatMulInteger",
    "DynamicQuantizeLinear"};

/* Ops that map one to one onto a core op (or a fixed composite), by the
 * handler that imports them. */
typedef struct {
  const char *name;
  pv_op op;
} onnx_op_map;
static const onnx_op_map k_binary_ops[] = {
    {"Add", PV_OP_ADD},   {"Sub", PV_OP_SUB},        {"Mul", PV_OP_MUL},
    {"Div", PV_OP_DIV},   {"Pow", PV_OP_POW},        {"Equal", PV_OP_EQUAL},
    {"Less", PV_OP_LESS}, {"Greater", PV_OP_GREATER}};
static const onnx_op_map k_unary_ops[] = {
    {"Relu", PV_OP_RELU}, {"Sigmoid", PV_OP_SIGMOID},
    {"Tanh", PV_OP_TANH}, {"Exp", PV_OP_EXP},
    {"Log", PV_OP_LOG},   {"Sqrt", PV_OP_SQRT},
    {"Neg", PV_OP_NEG},   {"Abs", PV_OP_ABS},
    {"Erf", PV_OP_ERF},   {"HardSwish", PV_OP_HARDSWISH}};
static const onnx_op_map k_reduce_ops[] = {{"ReduceMean", PV_OP_REDUCE_MEAN},
                                           {"ReduceSum", PV_OP_REDUCE_SUM},
                                           {"ReduceMax", PV_OP_REDUCE_MAX},
                                           {"ReduceMin", PV_OP_REDUCE_MIN}};
static const struct {
  const char *name;
  pv_op op;
  bool mean;
} k_variadic_ops[] = {{"Max", PV_OP_MAX, false},
                      {"Min", PV_OP_MIN, false},
                      {"Sum", PV_OP_ADD, false},
                      {"Mean", PV_OP_ADD, true}};
static const char *const k_reduce_composites[] = {"L1", "L2", "SumSquare",
                                                  "LogSum", "LogSumExp"};

static const onnx_op_map *find_op(const onnx_op_map *t, size_t n,
                                  const char *op) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].name, op))
      return &t[i];
  return NULL;
}

int pv__imp_dispatch(pv__imp *I, bool std) {
  const char *op = NODE->op_type;
#define IS(s) (!strcmp(op, s))
  if (std) {
    const onnx_op_map *e;
    if ((e = find_op(k_binary_ops, PV__ARRAY_LEN(k_binary_ops), op)))
      return h_binary(I, e->op);
    if ((e = find_op(k_unary_ops, PV__ARRAY_LEN(k_unary_ops), op)))
      return h_unary(I, e->op, 0, 0);
    if ((e = find_op(k_reduce_ops, PV__ARRAY_LEN(k_reduce_ops), op)))
      return h_reduce(I, e->op);
    for (size_t i = 0; i < PV__ARRAY_LEN(k_variadic_ops); i++)
      if (IS(k_variadic_ops[i].name))
        return h_variadic(I, k_variadic_ops[i].op, k_variadic_ops[i].mean);
    for (size_t i = 0; i < PV__ARRAY_LEN(k_reduce_composites); i++)
      if (!strncmp(op, "Reduce", 6) && !strcmp(op + 6, k_reduce_composites[i]))
        return h_reduce_composite(I, k_reduce_composites[i]);
    if (IS("Conv"))
      return h_conv(I, false);
    if (IS("ConvTranspose"))
      return h_conv(I, true);
    if (IS("BatchNormalization"))
      return h_batchnorm(I);
    if (IS("Gemm"))
      return h_gemm(I);
    if (IS("MatMul")) {
      pv_value in[2];
      int rc;
      if ((rc = pv__imp_in(I, 0, &in[0])) || (rc = pv__imp_in(I, 1, &in[1])))
        return rc;
      return pv__imp_node1(I, PV_OP_MATMUL, 2, in, NULL);
    }
    if (IS("LeakyRelu"))
      return h_unary(I, PV_OP_LEAKY_RELU, pv__onnx_attr_f(NODE, "alpha", 0.01f),
                     0);
    if (IS("HardSigmoid"))
      return h_unary(I, PV_OP_HARDSIGMOID, pv__onnx_attr_f(NODE, "alpha", 0.2f),
                     pv__onnx_attr_f(NODE, "beta", 0.5f));
    if (IS("Clip"))
      return h_clip(I);
    if (IS("Reciprocal"))
      return h_reciprocal(I);
    if (IS("PRelu"))
      return h_prelu(I);
    if (IS("Softmax"))
      return h_softmax(I, PV_OP_SOFTMAX);
    if (IS("LogSoftmax"))
      return h_softmax(I, PV_OP_LOG_SOFTMAX);
    if (IS("MaxPool"))
      return h_pool(I, PV_OP_MAX_POOL2D);
    if (IS("AveragePool"))
      return h_pool(I, PV_OP_AVG_POOL2D);
    if (IS("GlobalAveragePool"))
      return h_global_pool(I, false);
    if (IS("GlobalMaxPool"))
      return h_global_pool(I, true);
    if (IS("Reshape"))
      return pv__h_reshape(I);
    if (IS("Flatten"))
      return pv__h_flatten(I);
    if (IS("Squeeze"))
      return pv__h_squeeze(I, false);
    if (IS("Unsqueeze"))
      return pv__h_squeeze(I, true);
    if (IS("Transpose"))
      return pv__h_transpose(I);
    if (IS("Concat"))
      return pv__h_concat(I);
    if (IS("Split"))
      return pv__h_split(I);
    if (IS("Slice"))
      return pv__h_slice(I);
    if (IS("Pad"))
      return pv__h_pad(I);
    if (IS("Gather"))
      return pv__h_gather(I);
    if (IS("Expand"))
      return pv__h_expand_tile(I, PV_OP_EXPAND);
    if (IS("Tile"))
      return pv__h_expand_tile(I, PV_OP_TILE);
    if (IS("Identity"))
      return pv__imp_alias(I, 0, 0);
    if (IS("Dropout"))
      return pv__h_dropout(I);
    if (IS("DepthToSpace"))
      return pv__h_depth_space(I, true);
    if (IS("SpaceToDepth"))
      return pv__h_depth_space(I, false);
    if (IS("CastLike"))
      return pv__h_cast(I);
    if (IS("Cast"))
      return pv__h_cast(I);
    if (IS("Where"))
      return h_where(I);
    if (IS("ArgMax"))
      return h_arg(I, PV_OP_ARGMAX);
    if (IS("ArgMin"))
      return h_arg(I, PV_OP_ARGMIN);
    if (IS("TopK"))
      return h_topk(I);
    if (IS("Resize"))
      return h_resize(I, false);
    if (IS("Upsample"))
      return h_resize(I, true);
    if (IS("LayerNormalization"))
      return h_layernorm(I);
    if (IS("InstanceNormalization"))
      return h_instnorm(I);
    if (IS("ConstantOfShape"))
      return FAIL(I, PV_ERR_UNSUPPORTED,
                  "the shape input must be constant (pin input shapes)");
  }
  int qrc = pv__imp_quant_dispatch(I, std);
  if (qrc != 1)
    return qrc;
  const char *dom = NODE->domain[0] ? NODE->domain : "ai.onnx";
  for (size_t i = 0; i < PV__ARRAY_LEN(k_int8_ops); i++)
    if (IS(k_int8_ops[i]))
      return pv_set_error(PV_ERR_UNKNOWN_OP,
                          "onnx: unknown op '%s' (node '%s', domain '%s'): "
                          "of the quantized ops, polyvis imports "
                          "QuantizeLinear, DequantizeLinear and QLinear "
                          "Conv/MatMul/Add/Mul/GlobalAveragePool (see "
                          "docs/quantization.md)",
                          op, NODE->name, dom);
  return pv_set_error(PV_ERR_UNKNOWN_OP,
                      "onnx: unknown op '%s' (node '%s', domain '%s')", op,
                      NODE->name, dom);
#undef IS
}
