/* A stand-in for the graph builder of graph.h, used by the ONNX import tests
 * (and the fuzz harness) while the real runtime (core/graph/graph.c) is not
 * in the tree. It records values and nodes and runs the real shape
 * inference (core/graph/infer.c), so every emitted node is checked for
 * arity, attributes and shapes exactly as the builder will check it. It
 * cannot compile or run graphs. */
#include "mock_graph.h"
#include "internal.h"

struct pv_graph {
  int status;
  char error[512];
  int n_vals, cap_vals;
  pv_tensor_desc *descs;
  pv_tensor **consts;
  int n_nodes, cap_nodes;
  int op_count[PV_OP_COUNT];
  int *node_ops;
  pv_op_attrs *node_attrs;
  int n_inputs, n_outputs;
  pv_value inputs[64], outputs[64];
  char *in_names[64], *out_names[64];
};

pv_graph *pv_graph_create(void) { return calloc(1, sizeof(pv_graph)); }

void pv_graph_free(pv_graph *g) {
  if (!g)
    return;
  for (int i = 0; i < g->n_vals; i++)
    pv_tensor_release(g->consts[i]);
  for (int i = 0; i < g->n_inputs; i++)
    free(g->in_names[i]);
  for (int i = 0; i < g->n_outputs; i++)
    free(g->out_names[i]);
  free(g->descs);
  free(g->consts);
  free(g->node_ops);
  free(g->node_attrs);
  free(g);
}

int pv_graph_status(const pv_graph *g) { return g ? g->status : 0; }
const char *pv_graph_error(const pv_graph *g) { return g ? g->error : ""; }

static void record(pv_graph *g, int code) {
  if (!g->status) {
    g->status = code;
    snprintf(g->error, sizeof g->error, "%s", pv_last_error());
  }
}

static pv_value new_val(pv_graph *g, const pv_tensor_desc *d, pv_tensor *k) {
  if (g->n_vals == g->cap_vals) {
    int cap = g->cap_vals ? 2 * g->cap_vals : 64;
    pv_tensor_desc *nd = realloc(g->descs, sizeof *nd * (size_t)cap);
    if (nd)
      g->descs = nd;
    pv_tensor **nk = realloc(g->consts, sizeof *nk * (size_t)cap);
    if (nk)
      g->consts = nk;
    if (!nd || !nk) {
      record(g, pv_set_error(PV_ERR_NOMEM, "mock graph: out of memory"));
      return PV_NO_VALUE;
    }
    g->cap_vals = cap;
  }
  g->descs[g->n_vals] = *d;
  g->consts[g->n_vals] = k;
  return g->n_vals++;
}

pv_value pv_graph_input(pv_graph *g, const char *name, pv_dtype dtype, int ndim,
                        const int64_t *shape) {
  if (g->status)
    return PV_NO_VALUE;
  if (ndim < 0 || ndim > PV_MAX_DIMS || g->n_inputs >= 64) {
    record(g, pv_set_error(PV_ERR_INVALID_ARG, "graph_input: bad input"));
    return PV_NO_VALUE;
  }
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = dtype;
  d.ndim = ndim;
  memcpy(d.shape, shape, sizeof(int64_t) * (size_t)ndim);
  pv_value v = new_val(g, &d, NULL);
  if (v != PV_NO_VALUE) {
    g->in_names[g->n_inputs] = pv__strdup(name);
    g->inputs[g->n_inputs++] = v;
  }
  return v;
}

pv_value pv_graph_constant(pv_graph *g, const char *name, pv_tensor *t) {
  if (g->status)
    return PV_NO_VALUE;
  pv_tensor_desc d;
  if (!t || pv_tensor_get_desc(t, &d)) {
    record(g, pv_set_error(PV_ERR_INVALID_ARG,
                           "graph_constant '%s': bad tensor", name));
    return PV_NO_VALUE;
  }
  return new_val(g, &d, pv_tensor_retain(t));
}

int pv_graph_output(pv_graph *g, const char *name, pv_value v) {
  if (g->status)
    return g->status;
  if (v < 0 || v >= g->n_vals || g->n_outputs >= 64) {
    record(g, pv_set_error(PV_ERR_INVALID_ARG, "graph_output: bad value"));
    return g->status;
  }
  g->out_names[g->n_outputs] = pv__strdup(name);
  g->outputs[g->n_outputs++] = v;
  return 0;
}

pv_value pv_graph_node(pv_graph *g, pv_op op, int n_inputs,
                       const pv_value *inputs, const pv_op_attrs *attrs,
                       pv_value *outs) {
  if (g->status)
    return PV_NO_VALUE;
  if (n_inputs < 0 || n_inputs > PV_MAX_INPUTS) {
    record(g,
           pv_set_error(PV_ERR_INVALID_ARG, "graph_node: %d inputs", n_inputs));
    return PV_NO_VALUE;
  }
  pv_tensor_desc in[PV_MAX_INPUTS], out[PV_MAX_OUTPUTS];
  for (int i = 0; i < n_inputs; i++) {
    if (inputs[i] < 0 || inputs[i] >= g->n_vals) {
      record(g,
             pv_set_error(PV_ERR_INVALID_ARG, "graph_node: bad input %d", i));
      return PV_NO_VALUE;
    }
    in[i] = g->descs[inputs[i]];
  }
  int no = pv__op_num_outputs(op);
  if (no < 1 || no > PV_MAX_OUTPUTS) {
    record(g, pv_set_error(PV_ERR_UNKNOWN_OP, "graph_node: op %d", op));
    return PV_NO_VALUE;
  }
  int rc = pv__infer_node(op, attrs, n_inputs, in, no, out);
  if (rc) {
    record(g, rc);
    return PV_NO_VALUE;
  }
  pv_value first = PV_NO_VALUE;
  for (int i = 0; i < no; i++) {
    pv_value v = new_val(g, &out[i], NULL);
    if (v == PV_NO_VALUE)
      return PV_NO_VALUE;
    if (outs)
      outs[i] = v;
    if (i == 0)
      first = v;
  }
  if (g->n_nodes == g->cap_nodes) {
    int cap = g->cap_nodes ? 2 * g->cap_nodes : 64;
    int *no = realloc(g->node_ops, sizeof *no * (size_t)cap);
    if (no)
      g->node_ops = no;
    pv_op_attrs *na = realloc(g->node_attrs, sizeof *na * (size_t)cap);
    if (na)
      g->node_attrs = na;
    if (!no || !na) {
      record(g, pv_set_error(PV_ERR_NOMEM, "mock graph: out of memory"));
      return PV_NO_VALUE;
    }
    g->cap_nodes = cap;
  }
  g->node_ops[g->n_nodes] = op;
  if (attrs)
    g->node_attrs[g->n_nodes] = *attrs;
  else
    memset(&g->node_attrs[g->n_nodes], 0, sizeof(pv_op_attrs));
  g->n_nodes++;
  g->op_count[op]++;
  return first;
}

int pv_graph_value_desc(const pv_graph *g, pv_value v, pv_tensor_desc *desc) {
  if (v < 0 || v >= g->n_vals)
    return pv_set_error(PV_ERR_INVALID_ARG, "bad value %d", v);
  *desc = g->descs[v];
  return 0;
}

pv_tensor *pv_graph_value_constant(const pv_graph *g, pv_value v) {
  return v >= 0 && v < g->n_vals ? g->consts[v] : NULL;
}
int pv_graph_num_nodes(const pv_graph *g) { return g->n_nodes; }
int pv_graph_num_inputs(const pv_graph *g) { return g->n_inputs; }
int pv_graph_num_outputs(const pv_graph *g) { return g->n_outputs; }
const char *pv_graph_input_name(const pv_graph *g, int i) {
  return i >= 0 && i < g->n_inputs ? g->in_names[i] : NULL;
}
const char *pv_graph_output_name(const pv_graph *g, int i) {
  return i >= 0 && i < g->n_outputs ? g->out_names[i] : NULL;
}
pv_value pv_graph_output_value(const pv_graph *g, int i) {
  return i >= 0 && i < g->n_outputs ? g->outputs[i] : PV_NO_VALUE;
}
pv_value pv_graph_input_value(const pv_graph *g, int i) {
  return i >= 0 && i < g->n_inputs ? g->inputs[i] : PV_NO_VALUE;
}

int pv_mock_graph_op_count(const pv_graph *g, pv_op op) {
  return op > 0 && op < PV_OP_COUNT ? g->op_count[op] : 0;
}

int pv_mock_graph_node(const pv_graph *g, int i, pv_op_attrs *attrs) {
  if (i < 0 || i >= g->n_nodes)
    return -1;
  if (attrs)
    *attrs = g->node_attrs[i];
  return g->node_ops[i];
}
