/*
 * Composite ops and their expansion into the rest of the op set.
 *
 * The quantised ops (quantize_linear, dequantize_linear and the qlinear_*
 * family) are real ops: the CPU backend runs them as int8 kernels. A device
 * that does not take one gets the op's expansion instead, at compile time,
 * so a GPU runs a quantised model on its float kernels, in strict mode too,
 * without handing those nodes to the CPU. The same expansion is the
 * reference implementation (pv__ref_composite), so the conformance runner and
 * constant folding agree with it by construction.
 *
 * The expansion follows ONNX Runtime's arithmetic (docs/quantization.md):
 *  - conv and matmul run on the zero-point-centred integers (x - zp) held in
 *    f32, exact while partial sums stay below 2^24, i.e. the same integer
 *    ONNX Runtime accumulates in int32; the int32 bias is added as a float of
 *    the same integer;
 *  - the accumulator is scaled by (x_scale * w_scale[c]) / y_scale, rounded
 *    in f32 in that order, as ONNX Runtime computes its multiplier;
 *  - rounding is half to even, by adding and subtracting 1.5 * 2^23 in f32;
 *    then the zero point is added and CLIP saturates before the exact CAST;
 *  - qlinear_add and qlinear_mul dequantise both operands in f32, apply the
 *    op and quantise (value / c_scale), as MLAS does.
 */
#include "graph_internal.h"

#include <stdlib.h>

#define PV__RNE_MAGIC 12582912.0f /* 1.5 * 2^23 */

bool pv__op_is_composite(int op) {
  return op >= PV_OP_QUANTIZE_LINEAR && op <= PV_OP_QLINEAR_GLOBAL_AVG_POOL;
}

static pv_tensor_desc vdesc(pv_graph *g, pv_value v) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.ndim = -1;
  if (v >= 0 && v < g->n_values)
    d = g->values[v].desc;
  return d;
}

static pv_value scalar(pv_graph *g, float f) {
  pv_tensor *t = pv_tensor_from_data(PV_F32, 0, NULL, &f);
  pv_value v = pv_graph_constant(g, NULL, t);
  pv_tensor_release(t);
  return v;
}

/* A scale or zero point as f32, a 1-D per-channel vector reshaped to run
 * along dim `axis` of a rank-`rank` tensor (left alone when axis < 0). */
static pv_value param(pv_graph *g, pv_value p, int rank, int axis) {
  pv_tensor_desc d = vdesc(g, p);
  if (d.ndim == 1 && d.shape[0] != 1 && rank > 1 && axis >= 0 && axis < rank) {
    int64_t s[PV_MAX_DIMS];
    for (int i = 0; i < rank; i++)
      s[i] = i == axis ? d.shape[0] : 1;
    p = pv_reshape(g, p, rank, s);
  }
  return d.dtype == PV_F32 ? p : pv_cast(g, p, PV_F32);
}

/* (x - zp) in f32; zp may be absent. */
static pv_value centred(pv_graph *g, pv_value x, pv_value zp, int axis) {
  pv_tensor_desc d = vdesc(g, x);
  pv_value v = d.dtype == PV_F32 ? x : pv_cast(g, x, PV_F32);
  if (zp < 0)
    return v;
  return pv_sub(g, v, param(g, zp, d.ndim, axis));
}

/* saturate(round_half_even(v) + zp) in dtype dt. */
static pv_value requant(pv_graph *g, pv_value v, int axis, pv_value zp,
                        int dt) {
  int rank = vdesc(g, v).ndim;
  pv_value m = scalar(g, PV__RNE_MAGIC);
  v = pv_sub(g, pv_add(g, v, m), m);
  if (zp >= 0)
    v = pv_add(g, v, param(g, zp, rank, axis));
  v = pv_unary(g, PV_OP_CLIP, v, dt == PV_U8 ? 0.0f : -128.0f,
               dt == PV_U8 ? 255.0f : 127.0f, 0);
  return pv_cast(g, v, (pv_dtype)dt);
}

static pv_value in_or_none(const pv__gnode *nd, int i) {
  return i < nd->n_in ? nd->in[i] : PV_NO_VALUE;
}

/* The node's expansion; its output, or PV_NO_VALUE with the graph's error
 * set. */
static pv_value expand_node(pv_graph *g, const pv__gnode *nd) {
  const pv_value *in = nd->in;
  pv_tensor_desc x = vdesc(g, in[0]);
  int dt = vdesc(g, nd->out[0]).dtype;
  int ax = nd->attrs.quant.axis;
  switch (nd->op) {
  case PV_OP_QUANTIZE_LINEAR:
    return requant(g, pv_div(g, in[0], param(g, in[1], x.ndim, ax)), ax,
                   in_or_none(nd, 2), dt);
  case PV_OP_DEQUANTIZE_LINEAR:
    return pv_mul(g, centred(g, in[0], in_or_none(nd, 2), ax),
                  param(g, in[1], x.ndim, ax));
  case PV_OP_QLINEAR_CONV: {
    pv_conv_attrs a = nd->attrs.conv;
    memset(&a.act, 0, sizeof a.act);
    pv_value b = in_or_none(nd, 8);
    if (b >= 0)
      b = pv_cast(g, b, PV_F32);
    pv_value y = pv_conv2d(g, centred(g, in[0], in[2], 1),
                           centred(g, in[3], in[5], 0), b, &a);
    pv_value m =
        pv_div(g, pv_mul(g, param(g, in[1], 4, 1), param(g, in[4], 4, 1)),
               param(g, in[6], 4, 1));
    return requant(g, pv_mul(g, y, m), 1, in[7], dt);
  }
  case PV_OP_QLINEAR_MATMUL: {
    pv_tensor_desc b = vdesc(g, in[3]);
    pv_value y = pv_matmul(g, centred(g, in[0], in[2], x.ndim - 2),
                           centred(g, in[3], in[5], b.ndim - 1));
    int ry = vdesc(g, y).ndim;
    pv_value m =
        pv_div(g,
               pv_mul(g, param(g, in[1], ry, x.ndim >= 2 ? ry - 2 : -1),
                      param(g, in[4], ry, ry - 1)),
               param(g, in[6], ry, -1));
    return requant(g, pv_mul(g, y, m), ry - 1, in[7], dt);
  }
  case PV_OP_QLINEAR_ADD:
  case PV_OP_QLINEAR_MUL: {
    pv_value a =
        pv_mul(g, centred(g, in[0], in[2], -1), param(g, in[1], 0, -1));
    pv_value b =
        pv_mul(g, centred(g, in[3], in[5], -1), param(g, in[4], 0, -1));
    pv_value c =
        nd->op == PV_OP_QLINEAR_ADD ? pv_add(g, a, b) : pv_mul(g, a, b);
    return requant(g, pv_div(g, c, param(g, in[6], 0, -1)), -1, in[7], dt);
  }
  case PV_OP_QLINEAR_GLOBAL_AVG_POOL: {
    int axes[PV_MAX_DIMS];
    double img = 1;
    for (int i = 2; i < x.ndim; i++) {
      axes[i - 2] = i;
      img *= (double)x.shape[i];
    }
    pv_value s = pv_reduce(g, PV_OP_REDUCE_SUM, centred(g, in[0], in[2], 1),
                           x.ndim - 2, axes, 1);
    pv_value m =
        pv_div(g, param(g, in[1], 0, -1),
               pv_mul(g, param(g, in[3], 0, -1), scalar(g, (float)img)));
    return requant(g, pv_mul(g, s, m), 1, in[4], dt);
  }
  default:
    pv_set_error(PV_ERR_INTERNAL, "expand: %s is not a composite op",
                 pv_op_name(nd->op));
    pv__graph_fail(g, PV_ERR_INTERNAL);
    return PV_NO_VALUE;
  }
}

/* Whether the expansion can be built (static spatial dims for the pool). */
static bool expandable(const pv_graph *g, const pv__gnode *nd) {
  if (nd->op != PV_OP_QLINEAR_GLOBAL_AVG_POOL)
    return true;
  const pv_tensor_desc *x = &g->values[nd->in[0]].desc;
  for (int i = 2; i < x->ndim; i++)
    if (x->shape[i] <= 0)
      return false;
  return true;
}

/* The op descriptor the device is asked about, unknown dims read as 1. */
static void op_desc(const pv_graph *g, const pv__gnode *nd, pv_op_desc *od) {
  memset(od, 0, sizeof *od);
  od->op = nd->op;
  od->attrs = nd->attrs;
  od->n_inputs = nd->n_in;
  od->n_outputs = nd->n_out;
  for (int i = 0; i < nd->n_in + nd->n_out; i++) {
    bool is_in = i < nd->n_in;
    int v = is_in ? nd->in[i] : nd->out[i - nd->n_in];
    pv_tensor_desc *d = is_in ? &od->inputs[i] : &od->outputs[i - nd->n_in];
    if (v < 0) {
      d->ndim = -1;
      continue;
    }
    *d = g->values[v].desc;
    for (int k = 0; k < d->ndim; k++)
      if (d->shape[k] < 0)
        d->shape[k] = 1;
    if (is_in && g->values[v].kind == PV__V_CONST)
      od->const_inputs |= 1u << i;
  }
}

/* Puts each expansion where its node was, so the node list stays in
 * execution order: [first[n], last[n]) are node n's expansion. */
static int reorder(pv_graph *g, int n0, const int *first, const int *last) {
  int nn = g->n_nodes;
  pv__gnode *nodes = malloc(sizeof *nodes * (size_t)nn);
  int *map = malloc(sizeof *map * (size_t)nn);
  if (!nodes || !map) {
    free(nodes);
    free(map);
    return pv_set_error(PV_ERR_NOMEM, "expand: out of memory");
  }
  int k = 0;
  for (int n = 0; n < n0; n++) {
    for (int j = first[n]; j < last[n]; j++) {
      map[j] = k;
      nodes[k++] = g->nodes[j];
    }
    map[n] = k;
    nodes[k++] = g->nodes[n];
  }
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].kind == PV__V_NODE && g->values[v].producer >= 0)
      g->values[v].producer = map[g->values[v].producer];
  memcpy(g->nodes, nodes, sizeof *nodes * (size_t)nn);
  free(nodes);
  free(map);
  return 0;
}

int pv__pass_expand(pv_graph *g, pv_device *dev) {
  int n0 = g->n_nodes, expanded = 0, rc = 0;
  int *first = calloc((size_t)n0 + 1, sizeof(int));
  int *last = calloc((size_t)n0 + 1, sizeof(int));
  if (!first || !last) {
    free(first);
    free(last);
    return pv_set_error(PV_ERR_NOMEM, "expand: out of memory");
  }
  for (int n = 0; n < n0 && !rc; n++) {
    pv__gnode nd = g->nodes[n]; /* g->nodes moves as nodes are added */
    if (nd.dead || !pv__op_is_composite(nd.op) || !expandable(g, &nd))
      continue;
    if (dev) {
      pv_op_desc od;
      op_desc(g, &nd, &od);
      if (pv_device_supports_op(dev, &od))
        continue;
      pv_clear_error();
    }
    first[n] = g->n_nodes;
    pv_value y = expand_node(g, &nd);
    last[n] = g->n_nodes;
    if (y == PV_NO_VALUE || g->status) {
      rc = pv_set_error(g->status ? g->status : PV_ERR_INTERNAL,
                        "expanding %s (node %d): %s", pv_op_name(nd.op), n,
                        pv_last_error());
      break;
    }
    pv__graph_replace_uses(g, nd.out[0], y);
    g->nodes[n].dead = true;
    expanded++;
  }
  if (!rc && expanded) {
    rc = reorder(g, n0, first, last);
    pv_log(PV_LOG_DEBUG, "expand: %d composite node(s) expanded%s%s", expanded,
           dev ? " for " : "", dev ? pv_device_name(dev) : "");
  }
  free(first);
  free(last);
  return rc;
}

int pv__ref_composite(const pv_node_desc *node, const pv_tensor_desc *in_desc,
                      const void *const *in_data,
                      const pv_tensor_desc *out_desc, void *const *out_data) {
  pv_graph *g = pv_graph_create();
  if (!g)
    return pv_last_status();
  pv_value in[PV_MAX_INPUTS];
  for (int i = 0; i < node->n_inputs; i++) {
    in[i] = PV_NO_VALUE;
    if (!in_data[i])
      continue;
    pv_tensor *t =
        pv_tensor_from_data((pv_dtype)in_desc[i].dtype, in_desc[i].ndim,
                            in_desc[i].shape, in_data[i]);
    in[i] = pv_graph_constant(g, NULL, t);
    pv_tensor_release(t);
  }
  pv_value y =
      pv_graph_node(g, (pv_op)node->op, node->n_inputs, in, &node->attrs, NULL);
  pv_graph_output(g, "y", y);
  int rc = g->status;
  if (!rc && pv__pass_expand(g, NULL) == 0 && !g->status) {
    /* Evaluate the expansion node by node with the reference kernels. */
    y = g->outputs[0];
    pv_tensor **val = calloc((size_t)g->n_values, sizeof *val);
    rc = val ? 0 : pv_set_error(PV_ERR_NOMEM, "ref: out of memory");
    for (int n = 0; n < g->n_nodes && !rc; n++) {
      const pv__gnode *nd = &g->nodes[n];
      if (nd->dead)
        continue;
      pv_tensor_desc id[PV_MAX_INPUTS], odesc = g->values[nd->out[0]].desc;
      const void *idata[PV_MAX_INPUTS];
      for (int i = 0; i < nd->n_in; i++) {
        int v = nd->in[i];
        id[i] = v >= 0 ? g->values[v].desc : (pv_tensor_desc){0, -1, {0}};
        idata[i] = v < 0 ? NULL
                   : g->values[v].kind == PV__V_CONST
                       ? pv_tensor_data(g->values[v].constant)
                       : pv_tensor_data(val[v]);
      }
      pv_tensor *o =
          pv_tensor_create((pv_dtype)odesc.dtype, odesc.ndim, odesc.shape);
      if (!o) {
        rc = pv_last_status();
        break;
      }
      val[nd->out[0]] = o;
      pv_node_desc sub;
      memset(&sub, 0, sizeof sub);
      sub.op = nd->op;
      sub.attrs = nd->attrs;
      sub.n_inputs = nd->n_in;
      sub.n_outputs = 1;
      void *odata = pv_tensor_data(o);
      rc = pv__ref_run(&sub, id, idata, &odesc, &odata);
    }
    if (!rc) {
      pv_tensor_desc want = g->values[y].desc;
      if (want.dtype != out_desc[0].dtype ||
          pv__desc_nbytes(&want) != pv__desc_nbytes(&out_desc[0]) || !val[y])
        rc = pv_set_error(PV_ERR_INTERNAL, "ref %s: expansion output differs",
                          pv_op_name(node->op));
      else
        memcpy(out_data[0], pv_tensor_data(val[y]), pv__desc_nbytes(&want));
    }
    for (int v = 0; v < g->n_values && val; v++)
      pv_tensor_release(val[v]);
    free(val);
  } else if (!rc) {
    rc = g->status ? g->status : pv_last_status();
  }
  pv_graph_free(g);
  return rc;
}
