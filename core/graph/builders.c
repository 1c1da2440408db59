/* The typed builder functions: thin wrappers that fill attributes the way the
 * PyTorch functional of the same name defaults them, then call
 * pv_graph_node(). */
#include "graph_internal.h"

static pv_op_attrs zero_attrs(void) {
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  return a;
}

pv_conv_attrs pv_conv_attrs_default(void) {
  pv_conv_attrs c;
  memset(&c, 0, sizeof c);
  c.stride[0] = c.stride[1] = 1;
  c.dilation[0] = c.dilation[1] = 1;
  c.groups = 1;
  return c;
}

pv_pool_attrs pv_pool_attrs_default(void) {
  pv_pool_attrs p;
  memset(&p, 0, sizeof p);
  p.kernel[0] = p.kernel[1] = 1;
  p.stride[0] = p.stride[1] = 1;
  p.dilation[0] = p.dilation[1] = 1;
  p.count_include_pad = 1;
  return p;
}

pv_value pv_conv2d(pv_graph *g, pv_value x, pv_value w, pv_value b,
                   const pv_conv_attrs *attrs) {
  pv_op_attrs a = zero_attrs();
  a.conv = attrs ? *attrs : pv_conv_attrs_default();
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_CONV2D, b == PV_NO_VALUE ? 2 : 3, in, &a, NULL);
}

pv_value pv_conv_transpose2d(pv_graph *g, pv_value x, pv_value w, pv_value b,
                             const pv_conv_attrs *attrs) {
  pv_op_attrs a = zero_attrs();
  a.conv = attrs ? *attrs : pv_conv_attrs_default();
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_CONV_TRANSPOSE2D, b == PV_NO_VALUE ? 2 : 3, in,
                       &a, NULL);
}

pv_value pv_batch_norm(pv_graph *g, pv_value x, pv_value weight, pv_value bias,
                       pv_value mean, pv_value var, float eps) {
  pv_op_attrs a = zero_attrs();
  a.norm.eps = eps;
  pv_value in[5] = {x, weight, bias, mean, var};
  return pv_graph_node(g, PV_OP_BATCH_NORM, 5, in, &a, NULL);
}

pv_value pv_linear(pv_graph *g, pv_value x, pv_value w, pv_value b) {
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_LINEAR, b == PV_NO_VALUE ? 2 : 3, in, NULL,
                       NULL);
}

pv_value pv_matmul(pv_graph *g, pv_value a, pv_value b) {
  pv_value in[2] = {a, b};
  return pv_graph_node(g, PV_OP_MATMUL, 2, in, NULL, NULL);
}

pv_value pv_gemm(pv_graph *g, pv_value a, pv_value b, pv_value c,
                 const pv_gemm_attrs *attrs) {
  pv_op_attrs at = zero_attrs();
  if (attrs)
    at.gemm = *attrs;
  else
    at.gemm.alpha = at.gemm.beta = 1.0f;
  pv_value in[3] = {a, b, c};
  return pv_graph_node(g, PV_OP_GEMM, c == PV_NO_VALUE ? 2 : 3, in, &at, NULL);
}

pv_value pv_binary(pv_graph *g, pv_op op, pv_value a, pv_value b) {
  pv_value in[2] = {a, b};
  return pv_graph_node(g, op, 2, in, NULL, NULL);
}
pv_value pv_add(pv_graph *g, pv_value a, pv_value b) {
  return pv_binary(g, PV_OP_ADD, a, b);
}
pv_value pv_sub(pv_graph *g, pv_value a, pv_value b) {
  return pv_binary(g, PV_OP_SUB, a, b);
}
pv_value pv_mul(pv_graph *g, pv_value a, pv_value b) {
  return pv_binary(g, PV_OP_MUL, a, b);
}
pv_value pv_div(pv_graph *g, pv_value a, pv_value b) {
  return pv_binary(g, PV_OP_DIV, a, b);
}

pv_value pv_unary(pv_graph *g, pv_op op, pv_value x, float alpha, float beta,
                  int mode) {
  pv_op_attrs a = zero_attrs();
  a.unary.alpha = alpha;
  a.unary.beta = beta;
  a.unary.mode = mode;
  return pv_graph_node(g, op, 1, &x, &a, NULL);
}
pv_value pv_relu(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_RELU, x, 0, 0, 0);
}
pv_value pv_relu6(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_CLIP, x, 0.0f, 6.0f, 0);
}
pv_value pv_sigmoid(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_SIGMOID, x, 0, 0, 0);
}
pv_value pv_hardswish(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_HARDSWISH, x, 0, 0, 0);
}
pv_value pv_hardsigmoid(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_HARDSIGMOID, x, 1.0f / 6.0f, 0.5f, 0);
}
pv_value pv_silu(pv_graph *g, pv_value x) {
  return pv_unary(g, PV_OP_SILU, x, 0, 0, 0);
}
pv_value pv_gelu(pv_graph *g, pv_value x, int tanh_approx) {
  return pv_unary(g, PV_OP_GELU, x, 0, 0, tanh_approx ? 1 : 0);
}

static pv_value pool(pv_graph *g, pv_op op, pv_value x,
                     const pv_pool_attrs *attrs) {
  pv_op_attrs a = zero_attrs();
  a.pool = attrs ? *attrs : pv_pool_attrs_default();
  return pv_graph_node(g, op, 1, &x, &a, NULL);
}
pv_value pv_max_pool2d(pv_graph *g, pv_value x, const pv_pool_attrs *attrs) {
  return pool(g, PV_OP_MAX_POOL2D, x, attrs);
}
pv_value pv_avg_pool2d(pv_graph *g, pv_value x, const pv_pool_attrs *attrs) {
  return pool(g, PV_OP_AVG_POOL2D, x, attrs);
}
pv_value pv_adaptive_avg_pool2d(pv_graph *g, pv_value x, int oh, int ow) {
  pv_pool_attrs p = pv_pool_attrs_default();
  p.output_size[0] = oh;
  p.output_size[1] = ow;
  return pool(g, PV_OP_ADAPTIVE_AVG_POOL2D, x, &p);
}
pv_value pv_adaptive_max_pool2d(pv_graph *g, pv_value x, int oh, int ow) {
  pv_pool_attrs p = pv_pool_attrs_default();
  p.output_size[0] = oh;
  p.output_size[1] = ow;
  return pool(g, PV_OP_ADAPTIVE_MAX_POOL2D, x, &p);
}

pv_value pv_reshape(pv_graph *g, pv_value x, int ndim, const int64_t *shape) {
  pv_op_attrs a = zero_attrs();
  if (ndim < 0 || ndim > PV_MAX_DIMS) {
    pv_set_error(PV_ERR_SHAPE, "reshape: %d dims", ndim);
    pv__graph_fail(g, PV_ERR_SHAPE);
    return PV_NO_VALUE;
  }
  a.reshape.ndim = ndim;
  memcpy(a.reshape.shape, shape, sizeof(int64_t) * (size_t)ndim);
  return pv_graph_node(g, PV_OP_RESHAPE, 1, &x, &a, NULL);
}

static bool value_desc(pv_graph *g, pv_value x, pv_tensor_desc *d) {
  if (!g || g->status)
    return false;
  if (pv_graph_value_desc(g, x, d) != 0) {
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return false;
  }
  return true;
}

pv_value pv_flatten(pv_graph *g, pv_value x, int start_dim, int end_dim) {
  pv_tensor_desc d;
  if (!value_desc(g, x, &d))
    return PV_NO_VALUE;
  int nd = d.ndim ? d.ndim : 1;
  if (start_dim < 0)
    start_dim += nd;
  if (end_dim < 0)
    end_dim += nd;
  if (start_dim < 0 || end_dim >= nd || start_dim > end_dim) {
    pv_set_error(PV_ERR_INVALID_ARG, "flatten: bad dims for %d-D input",
                 d.ndim);
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  int64_t shape[PV_MAX_DIMS];
  int n = 0;
  for (int i = 0; i < start_dim; i++)
    shape[n++] = d.shape[i];
  int64_t m = 1;
  bool dyn = false;
  for (int i = start_dim; i <= end_dim && i < d.ndim; i++) {
    if (d.shape[i] < 0)
      dyn = true;
    else
      m *= d.shape[i];
  }
  shape[n++] = dyn ? -1 : m;
  for (int i = end_dim + 1; i < d.ndim; i++)
    shape[n++] = d.shape[i];
  /* a dynamic leading dim (batch) with a static flattened part: keep -1 on
   * the batch and the product on the flattened dim */
  int dyn_count = 0;
  for (int i = 0; i < n; i++)
    dyn_count += shape[i] < 0;
  if (dyn_count > 1) {
    pv_set_error(PV_ERR_SHAPE, "flatten: more than one dynamic dim");
    pv__graph_fail(g, PV_ERR_SHAPE);
    return PV_NO_VALUE;
  }
  return pv_reshape(g, x, n, shape);
}

pv_value pv_permute(pv_graph *g, pv_value x, int ndim, const int *perm) {
  pv_op_attrs a = zero_attrs();
  for (int i = 0; i < ndim && i < PV_MAX_DIMS; i++)
    a.permute.perm[i] = perm[i] < 0 ? perm[i] + ndim : perm[i];
  return pv_graph_node(g, PV_OP_PERMUTE, 1, &x, &a, NULL);
}

pv_value pv_transpose(pv_graph *g, pv_value x, int dim0, int dim1) {
  pv_tensor_desc d;
  if (!value_desc(g, x, &d))
    return PV_NO_VALUE;
  int perm[PV_MAX_DIMS];
  for (int i = 0; i < d.ndim; i++)
    perm[i] = i;
  if (dim0 < 0)
    dim0 += d.ndim;
  if (dim1 < 0)
    dim1 += d.ndim;
  if (dim0 < 0 || dim1 < 0 || dim0 >= d.ndim || dim1 >= d.ndim) {
    pv_set_error(PV_ERR_INVALID_ARG, "transpose: dims out of range");
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  perm[dim0] = dim1;
  perm[dim1] = dim0;
  return pv_permute(g, x, d.ndim, perm);
}

pv_value pv_concat(pv_graph *g, int n, const pv_value *xs, int axis) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  return pv_graph_node(g, PV_OP_CONCAT, n, xs, &a, NULL);
}

pv_value pv_slice(pv_graph *g, pv_value x, int axis, int64_t start, int64_t end,
                  int64_t step) {
  pv_tensor_desc d;
  if (!value_desc(g, x, &d))
    return PV_NO_VALUE;
  if (axis < 0)
    axis += d.ndim;
  if (axis < 0 || axis >= d.ndim) {
    pv_set_error(PV_ERR_INVALID_ARG, "slice: axis out of range");
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  pv_op_attrs a = zero_attrs();
  for (int i = 0; i < d.ndim; i++) {
    a.slice.start[i] = 0;
    a.slice.end[i] = INT64_MAX;
    a.slice.step[i] = 1;
  }
  a.slice.start[axis] = start;
  a.slice.end[axis] = end;
  a.slice.step[axis] = step;
  return pv_graph_node(g, PV_OP_SLICE, 1, &x, &a, NULL);
}

int pv_split(pv_graph *g, pv_value x, int axis, int n, const int64_t *sizes,
             pv_value *outs) {
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    outs[i] = pv_slice(g, x, axis, off, off + sizes[i], 1);
    off += sizes[i];
  }
  return pv_graph_status(g);
}

pv_value pv_pad(pv_graph *g, pv_value x, int n_pads, const int64_t *pads,
                pv_pad_mode mode, float value) {
  pv_tensor_desc d;
  if (!value_desc(g, x, &d))
    return PV_NO_VALUE;
  if (n_pads % 2 || n_pads / 2 > d.ndim) {
    pv_set_error(PV_ERR_INVALID_ARG, "pad: %d pad values for %d-D input",
                 n_pads, d.ndim);
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  pv_op_attrs a = zero_attrs();
  for (int i = 0; i < n_pads / 2; i++) { /* torch order: last dim first */
    int dim = d.ndim - 1 - i;
    a.pad.pads[2 * dim] = pads[2 * i];
    a.pad.pads[2 * dim + 1] = pads[2 * i + 1];
  }
  a.pad.mode = mode;
  a.pad.value = value;
  return pv_graph_node(g, PV_OP_PAD, 1, &x, &a, NULL);
}

pv_value pv_gather(pv_graph *g, pv_value x, pv_value indices, int axis) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  pv_value in[2] = {x, indices};
  return pv_graph_node(g, PV_OP_GATHER, 2, in, &a, NULL);
}

pv_value pv_expand(pv_graph *g, pv_value x, int ndim, const int64_t *shape) {
  pv_op_attrs a = zero_attrs();
  a.reshape.ndim = ndim;
  memcpy(a.reshape.shape, shape, sizeof(int64_t) * (size_t)ndim);
  return pv_graph_node(g, PV_OP_EXPAND, 1, &x, &a, NULL);
}

static pv_value axis_op(pv_graph *g, pv_op op, pv_value x, int axis) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  return pv_graph_node(g, op, 1, &x, &a, NULL);
}
pv_value pv_softmax(pv_graph *g, pv_value x, int axis) {
  return axis_op(g, PV_OP_SOFTMAX, x, axis);
}
pv_value pv_log_softmax(pv_graph *g, pv_value x, int axis) {
  return axis_op(g, PV_OP_LOG_SOFTMAX, x, axis);
}

pv_value pv_layer_norm(pv_graph *g, pv_value x, int n_norm_dims, pv_value w,
                       pv_value b, float eps) {
  pv_op_attrs a = zero_attrs();
  a.norm.eps = eps;
  a.norm.n_norm_dims = n_norm_dims;
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_LAYER_NORM, 3, in, &a, NULL);
}

pv_value pv_group_norm(pv_graph *g, pv_value x, int groups, pv_value w,
                       pv_value b, float eps) {
  pv_op_attrs a = zero_attrs();
  a.norm.eps = eps;
  a.norm.groups = groups;
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_GROUP_NORM, 3, in, &a, NULL);
}

pv_value pv_instance_norm(pv_graph *g, pv_value x, pv_value w, pv_value b,
                          float eps) {
  pv_op_attrs a = zero_attrs();
  a.norm.eps = eps;
  pv_value in[3] = {x, w, b};
  return pv_graph_node(g, PV_OP_INSTANCE_NORM, 3, in, &a, NULL);
}

pv_value pv_reduce(pv_graph *g, pv_op op, pv_value x, int n_axes,
                   const int *axes, int keepdims) {
  pv_op_attrs a = zero_attrs();
  if (n_axes < 0 || n_axes > PV_MAX_DIMS) {
    pv_set_error(PV_ERR_INVALID_ARG, "reduce: %d axes", n_axes);
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  a.axis.n_axes = n_axes;
  for (int i = 0; i < n_axes; i++)
    a.axis.axes[i] = axes[i];
  a.axis.keepdims = keepdims;
  return pv_graph_node(g, op, 1, &x, &a, NULL);
}

pv_value pv_argmax(pv_graph *g, pv_value x, int axis, int keepdims) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  a.axis.keepdims = keepdims;
  return pv_graph_node(g, PV_OP_ARGMAX, 1, &x, &a, NULL);
}

pv_value pv_argmin(pv_graph *g, pv_value x, int axis, int keepdims) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  a.axis.keepdims = keepdims;
  return pv_graph_node(g, PV_OP_ARGMIN, 1, &x, &a, NULL);
}

int pv_topk(pv_graph *g, pv_value x, int64_t k, int axis, int largest,
            pv_value *values, pv_value *indices) {
  pv_op_attrs a = zero_attrs();
  a.axis.axis = axis;
  a.axis.k = k;
  a.axis.largest = largest;
  a.axis.sorted = 1;
  pv_value outs[2] = {PV_NO_VALUE, PV_NO_VALUE};
  pv_graph_node(g, PV_OP_TOPK, 1, &x, &a, outs);
  if (values)
    *values = outs[0];
  if (indices)
    *indices = outs[1];
  return pv_graph_status(g);
}

pv_value pv_where(pv_graph *g, pv_value cond, pv_value a, pv_value b) {
  pv_value in[3] = {cond, a, b};
  return pv_graph_node(g, PV_OP_WHERE, 3, in, NULL, NULL);
}

pv_value pv_cast(pv_graph *g, pv_value x, pv_dtype to) {
  pv_op_attrs a = zero_attrs();
  a.cast.to = to;
  return pv_graph_node(g, PV_OP_CAST, 1, &x, &a, NULL);
}

pv_value pv_interpolate(pv_graph *g, pv_value x, int64_t oh, int64_t ow,
                        pv_resize_mode mode, int align_corners, int antialias) {
  pv_op_attrs a = zero_attrs();
  a.resize.mode = mode;
  a.resize.align_corners = align_corners;
  a.resize.antialias = antialias;
  a.resize.cubic_a = -0.75f;
  a.resize.size[0] = oh;
  a.resize.size[1] = ow;
  return pv_graph_node(g, PV_OP_RESIZE, 1, &x, &a, NULL);
}
