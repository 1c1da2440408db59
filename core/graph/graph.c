/*
 * The graph IR and its builder. Values are indices into a table; nodes are
 * stored in the order they were built, which is a valid topological order
 * because a node can only use values that exist already.
 */
#include "graph_internal.h"

#include <stdarg.h>

static bool grow(void **p, int *cap, int need, size_t elem) {
  if (need <= *cap)
    return true;
  int nc = *cap ? *cap * 2 : 16;
  while (nc < need)
    nc *= 2;
  void *q = realloc(*p, (size_t)nc * elem);
  if (!q)
    return false;
  *p = q;
  *cap = nc;
  return true;
}

pv_graph *pv_graph_create(void) {
  pv_graph *g = calloc(1, sizeof *g);
  if (!g)
    pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
  return g;
}

void pv_graph_free(pv_graph *g) {
  if (!g)
    return;
  for (int i = 0; i < g->n_values; i++) {
    pv_tensor_release(g->values[i].constant);
    free(g->values[i].name);
  }
  for (int i = 0; i < g->n_outputs; i++)
    free(g->output_names[i]);
  free(g->values);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  free(g->output_names);
  free(g);
}

int pv__graph_fail(pv_graph *g, int status) {
  if (g && !g->status) {
    g->status = status;
    snprintf(g->error, sizeof g->error, "%s", pv_last_error());
  }
  return status;
}

int pv_graph_status(const pv_graph *g) {
  return g ? g->status : PV_ERR_INVALID_ARG;
}
const char *pv_graph_error(const pv_graph *g) { return g ? g->error : ""; }

int pv__graph_add_value(pv_graph *g, const pv_tensor_desc *d, int kind) {
  if (!grow((void **)&g->values, &g->cap_values, g->n_values + 1,
            sizeof(pv__gvalue))) {
    pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
    return -1;
  }
  pv__gvalue *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->desc = *d;
  v->kind = kind;
  v->producer = -1;
  return g->n_values++;
}

static bool valid_value(const pv_graph *g, pv_value v) {
  return v >= 0 && v < g->n_values;
}

pv_value pv_graph_input(pv_graph *g, const char *name, pv_dtype dtype, int ndim,
                        const int64_t *shape) {
  if (!g)
    return PV_NO_VALUE;
  if (g->status)
    return PV_NO_VALUE;
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = dtype;
  d.ndim = ndim;
  if (ndim < 0 || ndim > PV_MAX_DIMS || pv_dtype_size(dtype) == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "graph input '%s': bad dtype or rank",
                 name ? name : "");
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < -1) {
      pv_set_error(PV_ERR_SHAPE, "graph input '%s': bad dim %lld", name,
                   (long long)shape[i]);
      pv__graph_fail(g, PV_ERR_SHAPE);
      return PV_NO_VALUE;
    }
    d.shape[i] = shape[i];
  }
  int v = pv__graph_add_value(g, &d, PV__V_INPUT);
  if (v < 0 || !grow((void **)&g->inputs, &g->cap_inputs, g->n_inputs + 1,
                     sizeof(int))) {
    pv__graph_fail(g, PV_ERR_NOMEM);
    return PV_NO_VALUE;
  }
  g->values[v].name = pv__strdup(name ? name : "input");
  g->inputs[g->n_inputs++] = v;
  return v;
}

pv_value pv_graph_constant(pv_graph *g, const char *name, pv_tensor *t) {
  if (!g || g->status)
    return PV_NO_VALUE;
  if (!t) {
    pv_set_error(PV_ERR_INVALID_ARG, "graph constant '%s': NULL tensor",
                 name ? name : "");
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  pv_tensor *c = pv_tensor_contiguous(t);
  if (!c) {
    pv__graph_fail(g, pv_last_status());
    return PV_NO_VALUE;
  }
  pv_tensor_desc d;
  pv_tensor_get_desc(c, &d);
  int v = pv__graph_add_value(g, &d, PV__V_CONST);
  if (v < 0) {
    pv_tensor_release(c);
    pv__graph_fail(g, PV_ERR_NOMEM);
    return PV_NO_VALUE;
  }
  g->values[v].constant = c;
  g->values[v].name = name ? pv__strdup(name) : NULL;
  return v;
}

int pv_graph_output(pv_graph *g, const char *name, pv_value v) {
  if (!g)
    return PV_ERR_INVALID_ARG;
  if (g->status)
    return g->status;
  if (!valid_value(g, v)) {
    pv_set_error(PV_ERR_INVALID_ARG, "graph output '%s': invalid value",
                 name ? name : "");
    return pv__graph_fail(g, PV_ERR_INVALID_ARG);
  }
  if (!grow((void **)&g->outputs, &g->cap_outputs, g->n_outputs + 1,
            sizeof(int)) ||
      !(g->output_names = realloc(g->output_names,
                                  sizeof(char *) * (size_t)g->cap_outputs))) {
    pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
    return pv__graph_fail(g, PV_ERR_NOMEM);
  }
  g->outputs[g->n_outputs] = v;
  g->output_names[g->n_outputs] = pv__strdup(name ? name : "output");
  g->n_outputs++;
  return 0;
}

pv_value pv_graph_node(pv_graph *g, pv_op op, int n_inputs,
                       const pv_value *inputs, const pv_op_attrs *attrs,
                       pv_value *outs) {
  if (!g || g->status)
    return PV_NO_VALUE;
  if ((int)op <= 0 || op >= PV_OP_COUNT) {
    pv_set_error(PV_ERR_UNKNOWN_OP, "graph: unknown op %d", (int)op);
    pv__graph_fail(g, PV_ERR_UNKNOWN_OP);
    return PV_NO_VALUE;
  }
  if (n_inputs < pv__op_min_inputs(op) || n_inputs > pv__op_max_inputs(op)) {
    pv_set_error(PV_ERR_INVALID_ARG, "%s: takes %d..%d inputs, got %d",
                 pv_op_name(op), pv__op_min_inputs(op), pv__op_max_inputs(op),
                 n_inputs);
    pv__graph_fail(g, PV_ERR_INVALID_ARG);
    return PV_NO_VALUE;
  }
  pv_tensor_desc in[PV_MAX_INPUTS], out[PV_MAX_OUTPUTS];
  for (int i = 0; i < n_inputs; i++) {
    if (inputs[i] == PV_NO_VALUE && i >= pv__op_min_inputs(op)) {
      memset(&in[i], 0, sizeof in[i]);
      in[i].ndim = -1; /* absent optional input */
      continue;
    }
    if (!valid_value(g, inputs[i])) {
      pv_set_error(PV_ERR_INVALID_ARG, "%s: input %d is not a valid value",
                   pv_op_name(op), i);
      pv__graph_fail(g, PV_ERR_INVALID_ARG);
      return PV_NO_VALUE;
    }
    in[i] = g->values[inputs[i]].desc;
  }
  pv_op_attrs a;
  if (attrs)
    a = *attrs;
  else
    memset(&a, 0, sizeof a);
  int n_out = pv__op_num_outputs(op);
  int rc = pv__infer_node(op, &a, n_inputs, in, n_out, out);
  if (rc) {
    pv__graph_fail(g, rc);
    return PV_NO_VALUE;
  }
  if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1,
            sizeof(pv__gnode))) {
    pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
    pv__graph_fail(g, PV_ERR_NOMEM);
    return PV_NO_VALUE;
  }
  int ni = g->n_nodes;
  pv__gnode nd;
  memset(&nd, 0, sizeof nd);
  nd.op = op;
  nd.attrs = a;
  nd.n_in = n_inputs;
  nd.n_out = n_out;
  for (int i = 0; i < n_inputs; i++)
    nd.in[i] = inputs[i] < 0 ? -1 : inputs[i];
  for (int i = 0; i < n_out; i++) {
    int v = pv__graph_add_value(g, &out[i], PV__V_NODE);
    if (v < 0) {
      pv__graph_fail(g, PV_ERR_NOMEM);
      return PV_NO_VALUE;
    }
    g->values[v].producer = ni;
    g->values[v].producer_out = i;
    nd.out[i] = v;
    if (outs)
      outs[i] = v;
  }
  g->nodes[g->n_nodes++] = nd;
  return nd.out[0];
}

int pv_graph_value_desc(const pv_graph *g, pv_value v, pv_tensor_desc *desc) {
  if (!g || !valid_value(g, v))
    return pv_set_error(PV_ERR_INVALID_ARG, "graph: invalid value %d", v);
  *desc = g->values[v].desc;
  return 0;
}

pv_tensor *pv_graph_value_constant(const pv_graph *g, pv_value v) {
  if (!g || !valid_value(g, v) || g->values[v].kind != PV__V_CONST)
    return NULL;
  return g->values[v].constant;
}

int pv_graph_num_nodes(const pv_graph *g) {
  int n = 0;
  for (int i = 0; g && i < g->n_nodes; i++)
    n += !g->nodes[i].dead;
  return n;
}
int pv_graph_num_inputs(const pv_graph *g) { return g ? g->n_inputs : 0; }
int pv_graph_num_outputs(const pv_graph *g) { return g ? g->n_outputs : 0; }
const char *pv_graph_input_name(const pv_graph *g, int i) {
  return g && i >= 0 && i < g->n_inputs ? g->values[g->inputs[i]].name : NULL;
}
const char *pv_graph_output_name(const pv_graph *g, int i) {
  return g && i >= 0 && i < g->n_outputs ? g->output_names[i] : NULL;
}
pv_value pv_graph_output_value(const pv_graph *g, int i) {
  return g && i >= 0 && i < g->n_outputs ? g->outputs[i] : PV_NO_VALUE;
}
pv_value pv_graph_input_value(const pv_graph *g, int i) {
  return g && i >= 0 && i < g->n_inputs ? g->inputs[i] : PV_NO_VALUE;
}

pv_graph *pv__graph_clone(const pv_graph *g) {
  pv_graph *c = pv_graph_create();
  if (!c)
    return NULL;
  c->values = malloc(sizeof(pv__gvalue) * (size_t)(g->n_values + 1));
  c->nodes = malloc(sizeof(pv__gnode) * (size_t)(g->n_nodes + 1));
  c->inputs = malloc(sizeof(int) * (size_t)(g->n_inputs + 1));
  c->outputs = malloc(sizeof(int) * (size_t)(g->n_outputs + 1));
  c->output_names = calloc((size_t)(g->n_outputs + 1), sizeof(char *));
  if (!c->values || !c->nodes || !c->inputs || !c->outputs ||
      !c->output_names) {
    pv_graph_free(c);
    pv_set_error(PV_ERR_NOMEM, "graph: out of memory");
    return NULL;
  }
  c->cap_values = g->n_values + 1;
  c->cap_nodes = g->n_nodes + 1;
  c->cap_inputs = g->n_inputs + 1;
  c->cap_outputs = g->n_outputs + 1;
  if (g->n_values) /* an empty graph's arrays may be NULL */
    memcpy(c->values, g->values, sizeof(pv__gvalue) * (size_t)g->n_values);
  c->n_values = g->n_values;
  for (int i = 0; i < c->n_values; i++) {
    pv_tensor_retain(c->values[i].constant);
    c->values[i].name = pv__strdup(g->values[i].name);
  }
  if (g->n_nodes)
    memcpy(c->nodes, g->nodes, sizeof(pv__gnode) * (size_t)g->n_nodes);
  c->n_nodes = g->n_nodes;
  if (g->n_inputs)
    memcpy(c->inputs, g->inputs, sizeof(int) * (size_t)g->n_inputs);
  c->n_inputs = g->n_inputs;
  if (g->n_outputs)
    memcpy(c->outputs, g->outputs, sizeof(int) * (size_t)g->n_outputs);
  c->n_outputs = g->n_outputs;
  for (int i = 0; i < g->n_outputs; i++)
    c->output_names[i] = pv__strdup(g->output_names[i]);
  c->status = g->status;
  memcpy(c->error, g->error, sizeof c->error);
  return c;
}

void pv__graph_replace_uses(pv_graph *g, int from, int to) {
  for (int n = 0; n < g->n_nodes; n++) {
    pv__gnode *nd = &g->nodes[n];
    if (nd->dead)
      continue;
    for (int i = 0; i < nd->n_in; i++)
      if (nd->in[i] == from)
        nd->in[i] = to;
  }
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == from)
      g->outputs[i] = to;
}

int pv__graph_use_count(const pv_graph *g, int v) {
  int c = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    const pv__gnode *nd = &g->nodes[n];
    if (nd->dead)
      continue;
    for (int i = 0; i < nd->n_in; i++)
      c += nd->in[i] == v;
  }
  return c;
}

bool pv__graph_is_output(const pv_graph *g, int v) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v)
      return true;
  return false;
}

int pv__graph_infer_all(const pv_graph *g, pv_tensor_desc *descs) {
  for (int n = 0; n < g->n_nodes; n++) {
    const pv__gnode *nd = &g->nodes[n];
    if (nd->dead)
      continue;
    pv_tensor_desc in[PV_MAX_INPUTS], out[PV_MAX_OUTPUTS];
    for (int i = 0; i < nd->n_in; i++) {
      if (nd->in[i] < 0) {
        memset(&in[i], 0, sizeof in[i]);
        in[i].ndim = -1;
      } else {
        in[i] = descs[nd->in[i]];
      }
    }
    int rc = pv__infer_node(nd->op, &nd->attrs, nd->n_in, in, nd->n_out, out);
    if (rc) {
      char msg[600];
      snprintf(msg, sizeof msg, "%s", pv_last_error());
      return pv_set_error(rc, "node %d: %s", n, msg);
    }
    for (int i = 0; i < nd->n_out; i++)
      descs[nd->out[i]] = out[i];
  }
  return 0;
}
