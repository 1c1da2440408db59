/*
 * Graph passes: constant folding, BatchNorm folding into conv, activation
 * fusion, dead-node removal. Each pass keeps node order topological and
 * rewires uses through pv__graph_replace_uses().
 */
#include "graph_internal.h"
#include "tensor/tensor_internal.h"

#include "../../backends/common/hugepages.h"

#include <math.h>

/* Constants bigger than this are not produced by folding: folding a huge
 * expand or tile would only trade compute for memory. */
#define PV__FOLD_MAX_BYTES ((size_t)64 << 20)

static bool all_inputs_const(const pv_graph *g, const pv__gnode *nd) {
  for (int i = 0; i < nd->n_in; i++)
    if (nd->in[i] >= 0 && g->values[nd->in[i]].kind != PV__V_CONST)
      return false;
  return true;
}

int pv__pass_fold_constants(pv_graph *g) {
  int folded = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    pv__gnode *nd = &g->nodes[n];
    if (nd->dead || !all_inputs_const(g, nd))
      continue;
    bool ok = true;
    for (int o = 0; o < nd->n_out; o++)
      if (pv__desc_nbytes(&g->values[nd->out[o]].desc) > PV__FOLD_MAX_BYTES ||
          pv__desc_numel(&g->values[nd->out[o]].desc) < 0)
        ok = false;
    if (!ok)
      continue;
    pv_tensor_desc in_desc[PV_MAX_INPUTS], out_desc[PV_MAX_OUTPUTS];
    const void *in_data[PV_MAX_INPUTS];
    void *out_data[PV_MAX_OUTPUTS];
    pv_tensor *outs[PV_MAX_OUTPUTS] = {0};
    for (int i = 0; i < nd->n_in; i++) {
      if (nd->in[i] < 0) {
        memset(&in_desc[i], 0, sizeof in_desc[i]);
        in_desc[i].ndim = -1;
        in_data[i] = NULL;
        continue;
      }
      in_desc[i] = g->values[nd->in[i]].desc;
      in_data[i] = pv_tensor_data(g->values[nd->in[i]].constant);
    }
    for (int o = 0; o < nd->n_out && ok; o++) {
      out_desc[o] = g->values[nd->out[o]].desc;
      outs[o] = pv_tensor_create((pv_dtype)out_desc[o].dtype, out_desc[o].ndim,
                                 out_desc[o].shape);
      ok = outs[o] != NULL;
      out_data[o] = ok ? pv_tensor_data(outs[o]) : NULL;
    }
    pv_node_desc node;
    memset(&node, 0, sizeof node);
    node.op = nd->op;
    node.n_inputs = nd->n_in;
    node.n_outputs = nd->n_out;
    node.attrs = nd->attrs;
    if (ok && pv__ref_run(&node, in_desc, in_data, out_desc, out_data) == 0) {
      for (int o = 0; o < nd->n_out; o++) {
        pv__gvalue *v = &g->values[nd->out[o]];
        v->kind = PV__V_CONST;
        v->constant = outs[o];
        v->producer = -1;
        outs[o] = NULL;
      }
      nd->dead = true;
      folded++;
    } else {
      pv_clear_error(); /* not foldable here; it runs at inference time */
    }
    for (int o = 0; o < nd->n_out; o++)
      pv_tensor_release(outs[o]);
  }
  if (folded)
    pv_log(PV_LOG_DEBUG, "fold: %d constant node(s) folded", folded);
  return 0;
}

static const float *const_f32(const pv_graph *g, int v) {
  if (v < 0 || g->values[v].kind != PV__V_CONST ||
      g->values[v].desc.dtype != PV_F32)
    return NULL;
  return pv_tensor_data(g->values[v].constant);
}

int pv__pass_fold_batchnorm(pv_graph *g) {
  int folded = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    pv__gnode *bn = &g->nodes[n];
    if (bn->dead || bn->op != PV_OP_BATCH_NORM)
      continue;
    int x = bn->in[0];
    if (g->values[x].kind != PV__V_NODE)
      continue;
    pv__gnode *cv = &g->nodes[g->values[x].producer];
    if (cv->op != PV_OP_CONV2D || cv->attrs.conv.act.op != PV_OP_NONE ||
        pv__graph_use_count(g, x) != 1 || pv__graph_is_output(g, x))
      continue;
    const float *w = const_f32(g, cv->in[1]);
    const float *cb = cv->n_in > 2 ? const_f32(g, cv->in[2]) : NULL;
    if (!w || (cv->n_in > 2 && cv->in[2] >= 0 && !cb))
      continue;
    const float *gamma = const_f32(g, bn->in[1]),
                *beta = const_f32(g, bn->in[2]),
                *mean = const_f32(g, bn->in[3]), *var = const_f32(g, bn->in[4]);
    if (!gamma || !beta || !mean || !var)
      continue;
    const pv_tensor_desc *wd = &g->values[cv->in[1]].desc;
    int64_t cout = wd->shape[0], per = pv__desc_numel(wd) / cout;
    /* every element is written below: no zero fill */
    pv_tensor *nw = pv__tensor_alloc(PV_F32, wd->ndim, wd->shape, false);
    if (nw) /* lives as long as the compiled graph: before the first touch */
      pv__advise_hugepages(pv_tensor_data(nw), pv_tensor_nbytes(nw));
    int64_t bshape[1] = {cout};
    pv_tensor *nb = pv_tensor_create(PV_F32, 1, bshape);
    if (!nw || !nb) {
      pv_tensor_release(nw);
      pv_tensor_release(nb);
      return pv_last_status();
    }
    float *pw = pv_tensor_data(nw), *pb = pv_tensor_data(nb);
    for (int64_t c = 0; c < cout; c++) {
      /* same arithmetic as torch.nn.utils.fuse_conv_bn_weights */
      float s = gamma[c] / sqrtf(var[c] + bn->attrs.norm.eps);
      for (int64_t k = 0; k < per; k++)
        pw[c * per + k] = w[c * per + k] * s;
      pb[c] = ((cb ? cb[c] : 0.0f) - mean[c]) * s + beta[c];
    }
    /* The source weights are not read again here: when they are a view of
     * the checkpoint's mapping, let the kernel take those pages back now,
     * so that the folded copy does not double the resident weights. */
    pv__tensor_advise_cold(g->values[cv->in[1]].constant);
    int vw = pv_graph_constant(g, NULL, nw),
        vb = pv_graph_constant(g, NULL, nb);
    pv_tensor_release(nw);
    pv_tensor_release(nb);
    if (vw < 0 || vb < 0)
      return pv_last_status();
    cv = &g->nodes[g->values[x].producer]; /* values may have moved */
    bn = &g->nodes[n];
    cv->in[1] = vw;
    cv->in[2] = vb;
    cv->n_in = 3;
    bn->dead = true;
    pv__graph_replace_uses(g, bn->out[0], x);
    folded++;
  }
  if (folded)
    pv_log(PV_LOG_DEBUG, "bn-fold: %d batch_norm(s) folded into conv", folded);
  return 0;
}

static bool fusable_act(int op) {
  switch (op) {
  case PV_OP_RELU:
  case PV_OP_CLIP:
  case PV_OP_HARDSWISH:
  case PV_OP_HARDSIGMOID:
  case PV_OP_SILU:
  case PV_OP_GELU:
  case PV_OP_SIGMOID:
  case PV_OP_TANH:
  case PV_OP_LEAKY_RELU:
    return true;
  default:
    return false;
  }
}

static pv_act *act_slot(pv__gnode *nd) {
  switch (nd->op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return &nd->attrs.conv.act;
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
    return &nd->attrs.gemm.act;
  case PV_OP_ADD:
  case PV_OP_SUB:
  case PV_OP_MUL:
    return &nd->attrs.binary.act;
  default:
    return NULL;
  }
}

/* x * sigmoid(x) (how ONNX exports of SiLU/Swish spell it, e.g. YOLOX)
 * becomes one silu node, which the activation fusion below can then fold
 * into the conv that produces x. */
int pv__pass_fuse_silu(pv_graph *g) {
  int fused = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    pv__gnode *nd = &g->nodes[n];
    if (nd->dead || nd->op != PV_OP_MUL || nd->attrs.binary.act.op)
      continue;
    for (int i = 0; i < 2; i++) {
      int s = nd->in[i], x = nd->in[1 - i];
      if (s < 0 || x < 0 || g->values[s].kind != PV__V_NODE)
        continue;
      pv__gnode *sg = &g->nodes[g->values[s].producer];
      if (sg->dead || sg->op != PV_OP_SIGMOID || sg->in[0] != x ||
          pv__graph_use_count(g, s) != 1 || pv__graph_is_output(g, s))
        continue;
      pv_op_attrs none;
      memset(&none, 0, sizeof none);
      nd->op = PV_OP_SILU;
      nd->attrs = none;
      nd->n_in = 1;
      nd->in[0] = x;
      nd->in[1] = -1;
      sg->dead = true;
      fused++;
      break;
    }
  }
  if (fused)
    pv_log(PV_LOG_DEBUG, "fuse: %d x*sigmoid(x) as silu", fused);
  return 0;
}

int pv__pass_fuse_activations(pv_graph *g) {
  int fused = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    pv__gnode *act = &g->nodes[n];
    if (act->dead || !fusable_act(act->op))
      continue;
    int x = act->in[0];
    if (g->values[x].kind != PV__V_NODE)
      continue;
    pv__gnode *p = &g->nodes[g->values[x].producer];
    pv_act *slot = act_slot(p);
    if (!slot || slot->op != PV_OP_NONE || p->n_out != 1 ||
        pv__graph_use_count(g, x) != 1 || pv__graph_is_output(g, x) ||
        g->values[x].desc.dtype != g->values[act->out[0]].desc.dtype)
      continue;
    /* only elementwise producers whose output shape equals the act's */
    slot->op = act->op;
    slot->alpha = act->attrs.unary.alpha;
    slot->beta = act->attrs.unary.beta;
    slot->mode = act->attrs.unary.mode;
    act->dead = true;
    pv__graph_replace_uses(g, act->out[0], x);
    fused++;
  }
  if (fused)
    pv_log(PV_LOG_DEBUG, "fuse: %d activation(s) fused", fused);
  return 0;
}

int pv__pass_remove_dead(pv_graph *g) {
  bool *live = calloc((size_t)g->n_values + 1, 1);
  if (!live)
    return pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
  for (int i = 0; i < g->n_outputs; i++)
    live[g->outputs[i]] = true;
  int removed = 0;
  for (int n = g->n_nodes - 1; n >= 0; n--) {
    pv__gnode *nd = &g->nodes[n];
    if (nd->dead)
      continue;
    bool used = false;
    for (int o = 0; o < nd->n_out; o++)
      used |= live[nd->out[o]];
    if (!used) {
      nd->dead = true;
      removed++;
      continue;
    }
    for (int i = 0; i < nd->n_in; i++)
      if (nd->in[i] >= 0)
        live[nd->in[i]] = true;
  }
  /* release constants nobody uses any more (folded intermediates) */
  for (int v = 0; v < g->n_values; v++)
    if (!live[v] && g->values[v].kind == PV__V_CONST) {
      pv_tensor_release(g->values[v].constant);
      g->values[v].constant = NULL;
    }
  free(live);
  if (removed)
    pv_log(PV_LOG_DEBUG, "dce: %d dead node(s) removed", removed);
  return 0;
}

int pv_graph_optimize(pv_graph *g) {
  if (!g)
    return pv_set_error(PV_ERR_INVALID_ARG, "optimize: NULL graph");
  if (g->status)
    return pv_set_error(g->status, "%s", g->error);
  int rc;
  if ((rc = pv__pass_fold_constants(g)) || (rc = pv__pass_remove_dead(g)) ||
      (rc = pv__pass_fold_batchnorm(g)) || (rc = pv__pass_fuse_silu(g)) ||
      (rc = pv__pass_fuse_activations(g)) || (rc = pv__pass_remove_dead(g)))
    return rc;
  return 0;
}
