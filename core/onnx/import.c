/*
 * The ONNX importer: walks the nodes of a parsed model in file order (ONNX
 * requires topological order) and emits pv_graph nodes through the generic
 * builder pv_graph_node. Initializers and Constant nodes become host
 * constants that are only added to the graph when a real node consumes them;
 * integer shape subgraphs are evaluated by fold.c at load time.
 *
 * The op handlers live in import_ops.c; this file holds the value table,
 * inputs/outputs, constants, folding and dispatch.
 */
#include "import.h"

#include <stdarg.h>

/* The graph runtime (core/graph/graph.c) lands separately. Until it is in
 * the tree, the builder symbols are weak references: the importer compiles
 * and links, and reports at run time that there is no runtime. */
#if defined(__has_include)
#if !__has_include("../graph/graph.c")
#define PV__ONNX_WEAK_GRAPH 1
#pragma weak pv_graph_create
#pragma weak pv_graph_free
#pragma weak pv_graph_status
#pragma weak pv_graph_error
#pragma weak pv_graph_input
#pragma weak pv_graph_constant
#pragma weak pv_graph_output
#pragma weak pv_graph_node
#pragma weak pv_graph_value_desc
#pragma weak pv_graph_num_nodes
#endif
#endif

int pv__imp_fail(pv__imp *I, int code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const pv__onnx_node *n = I->n;
  if (!n)
    return pv_set_error(code, "onnx: %s", msg);
  return pv_set_error(code, "onnx: node '%s' (%s%s%s): %s", n->name,
                      n->domain[0] ? n->domain : "", n->domain[0] ? ":" : "",
                      n->op_type, msg);
}

/* --- value table --------------------------------------------------------- */

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

pv__ival *pv__imp_get(pv__imp *I, const char *name) {
  if (!name || !name[0])
    return NULL;
  size_t mask = I->cap - 1, i = (size_t)hash_str(name) & mask;
  while (I->tab[i].name) {
    if (!strcmp(I->tab[i].name, name))
      return &I->tab[i];
    i = (i + 1) & mask;
  }
  return NULL;
}

/* Defines (or redefines) a value; the table is sized for every name the
 * model can define, so it never fills. */
static pv__ival *put(pv__imp *I, const char *name) {
  size_t mask = I->cap - 1, i = (size_t)hash_str(name) & mask;
  while (I->tab[i].name) {
    if (!strcmp(I->tab[i].name, name)) {
      pv_tensor_release(I->tab[i].k);
      I->tab[i].k = NULL;
      I->tab[i].v = PV_NO_VALUE;
      return &I->tab[i];
    }
    i = (i + 1) & mask;
  }
  I->tab[i].name = name;
  I->tab[i].v = PV_NO_VALUE;
  I->tab[i].k = NULL;
  return &I->tab[i];
}

bool pv__imp_has(const pv__imp *I, int i) {
  return i >= 0 && i < I->n->n_in && I->n->in[i][0];
}

pv_tensor *pv__imp_const(pv__imp *I, int i) {
  if (!pv__imp_has(I, i))
    return NULL;
  pv__ival *v = pv__imp_get(I, I->n->in[i]);
  return v ? v->k : NULL;
}

static int materialize(pv__imp *I, pv__ival *v) {
  if (v->v != PV_NO_VALUE)
    return 0;
  if (!v->k)
    return pv__imp_fail(I, PV_ERR_INTERNAL, "value '%s' has no definition",
                        v->name);
  v->v = pv_graph_constant(I->g, v->name, v->k);
  if (v->v == PV_NO_VALUE)
    return pv__imp_fail(
        I, pv_graph_status(I->g) ? pv_graph_status(I->g) : PV_ERR_INTERNAL,
        "constant '%s': %s", v->name, pv_graph_error(I->g));
  I->n_consts++;
  return 0;
}

int pv__imp_in(pv__imp *I, int i, pv_value *out) {
  *out = PV_NO_VALUE;
  if (!pv__imp_has(I, i))
    return pv__imp_fail(I, PV_ERR_INVALID_ARG, "input %d is missing", i);
  pv__ival *v = pv__imp_get(I, I->n->in[i]);
  if (!v)
    return pv__imp_fail(I, PV_ERR_FORMAT,
                        "input '%s' is not defined before use (not an "
                        "initializer, graph input or earlier output)",
                        I->n->in[i]);
  int rc = materialize(I, v);
  if (rc)
    return rc;
  *out = v->v;
  return 0;
}

int pv__imp_desc(pv__imp *I, int i, pv_tensor_desc *d) {
  memset(d, 0, sizeof *d);
  if (!pv__imp_has(I, i))
    return pv__imp_fail(I, PV_ERR_INVALID_ARG, "input %d is missing", i);
  pv__ival *v = pv__imp_get(I, I->n->in[i]);
  if (!v)
    return pv__imp_fail(I, PV_ERR_FORMAT, "input '%s' is not defined",
                        I->n->in[i]);
  if (v->k) {
    d->dtype = pv_tensor_dtype(v->k);
    d->ndim = pv_tensor_ndim(v->k);
    memcpy(d->shape, pv_tensor_shape(v->k), sizeof(int64_t) * (size_t)d->ndim);
    return 0;
  }
  int rc = pv_graph_value_desc(I->g, v->v, d);
  return rc ? pv__imp_fail(I, rc, "no shape for input '%s'", v->name) : 0;
}

int pv__imp_value_desc(pv__imp *I, pv_value v, pv_tensor_desc *d) {
  int rc = pv_graph_value_desc(I->g, v, d);
  return rc ? pv__imp_fail(I, rc, "no shape for an intermediate value") : 0;
}

int pv__imp_ints(pv__imp *I, int i, int64_t *out, int cap, const char *what) {
  pv_tensor *k = pv__imp_const(I, i);
  if (!k)
    return pv__imp_fail(I, PV_ERR_UNSUPPORTED,
                        "%s (input '%s') must be a constant: dynamic %s are "
                        "not supported (pin the input shapes so it folds)",
                        what, pv__imp_has(I, i) ? I->n->in[i] : "", what);
  int n = pv__onnx_tensor_ints(k, out, cap);
  if (n < 0 || n > cap)
    return pv__imp_fail(I, PV_ERR_INVALID_ARG,
                        "%s (input '%s') must be at most %d integers", what,
                        I->n->in[i], cap);
  return n;
}

int pv__imp_floats(pv__imp *I, int i, double *out, int cap, const char *what) {
  pv_tensor *k = pv__imp_const(I, i);
  if (!k)
    return pv__imp_fail(I, PV_ERR_UNSUPPORTED,
                        "%s (input '%s') must be a constant", what,
                        pv__imp_has(I, i) ? I->n->in[i] : "");
  int64_t n = pv_tensor_numel(k);
  if (n > cap)
    return pv__imp_fail(I, PV_ERR_INVALID_ARG, "%s has %lld values (max %d)",
                        what, (long long)n, cap);
  pv_tensor *c = pv_tensor_cast(k, PV_F64);
  if (!c)
    return pv_last_status();
  memcpy(out, pv_tensor_data(c), sizeof(double) * (size_t)n);
  pv_tensor_release(c);
  return (int)n;
}

int pv__imp_bind(pv__imp *I, int k, pv_value v) {
  if (k >= I->n->n_out || !I->n->out[k][0])
    return 0;
  pv__ival *iv = put(I, I->n->out[k]);
  iv->v = v;
  return 0;
}

int pv__imp_bind_const(pv__imp *I, int k, pv_tensor *t) {
  if (k >= I->n->n_out || !I->n->out[k][0]) {
    pv_tensor_release(t);
    return 0;
  }
  pv__ival *iv = put(I, I->n->out[k]);
  iv->k = t;
  return 0;
}

int pv__imp_alias(pv__imp *I, int out_k, int in_i) {
  if (!pv__imp_has(I, in_i))
    return pv__imp_fail(I, PV_ERR_INVALID_ARG, "input %d is missing", in_i);
  pv__ival *src = pv__imp_get(I, I->n->in[in_i]);
  if (!src)
    return pv__imp_fail(I, PV_ERR_FORMAT, "input '%s' is not defined",
                        I->n->in[in_i]);
  if (out_k >= I->n->n_out || !I->n->out[out_k][0])
    return 0;
  pv_value v = src->v;
  pv_tensor *k = src->k ? pv_tensor_retain(src->k) : NULL;
  pv__ival *dst = put(I, I->n->out[out_k]);
  dst->v = v;
  dst->k = k;
  return 0;
}

int pv__imp_node(pv__imp *I, pv_op op, int n_in, const pv_value *ins,
                 const pv_op_attrs *attrs, int n_out, pv_value *outs) {
  pv_op_attrs zero;
  if (!attrs) {
    memset(&zero, 0, sizeof zero);
    attrs = &zero;
  }
  pv_value tmp[PV_MAX_OUTPUTS];
  pv_value v = pv_graph_node(I->g, op, n_in, ins, attrs, tmp);
  if (v == PV_NO_VALUE) {
    int st = pv_graph_status(I->g);
    return pv__imp_fail(I, st ? st : PV_ERR_INTERNAL, "%s",
                        pv_graph_error(I->g) ? pv_graph_error(I->g)
                                             : pv_last_error());
  }
  I->n_emitted++;
  if (outs)
    for (int i = 0; i < n_out; i++)
      outs[i] = i == 0 ? v : tmp[i];
  return 0;
}

int pv__imp_node1(pv__imp *I, pv_op op, int n_in, const pv_value *ins,
                  const pv_op_attrs *attrs) {
  pv_value v;
  int rc = pv__imp_node(I, op, n_in, ins, attrs, 1, &v);
  return rc ? rc : pv__imp_bind(I, 0, v);
}

int pv__imp_new_const(pv__imp *I, pv_tensor *t, pv_value *out) {
  char name[64];
  snprintf(name, sizeof name, "onnx_const_%d", I->n_anon++);
  *out = pv_graph_constant(I->g, name, t);
  pv_tensor_release(t);
  if (*out == PV_NO_VALUE)
    return pv__imp_fail(I, PV_ERR_INTERNAL, "constant: %s",
                        pv_graph_error(I->g));
  I->n_consts++;
  return 0;
}

int pv__imp_scalar(pv__imp *I, pv_dtype dt, double v, pv_value *out) {
  pv_tensor *f = pv_tensor_create(PV_F64, 1, (int64_t[]){1});
  if (!f)
    return pv_last_status();
  *(double *)pv_tensor_data(f) = v;
  pv_tensor *c = pv_tensor_cast(f, dt);
  pv_tensor_release(f);
  if (!c)
    return pv_last_status();
  return pv__imp_new_const(I, c, out);
}

/* --- Constant nodes ------------------------------------------------------ */

static int constant_node(pv__imp *I) {
  const pv__onnx_node *n = I->n;
  const pv__onnx_attr *a;
  pv_tensor *t = NULL;
  if ((a = pv__onnx_attr_find(n, "value")) && a->type == PV__AT_TENSOR) {
    t = pv__onnx_tensor_make(a->t, I->m->buf, I->m->base_dir);
  } else if ((a = pv__onnx_attr_find(n, "value_float"))) {
    t = pv_tensor_from_data(PV_F32, 0, NULL, &a->f);
  } else if ((a = pv__onnx_attr_find(n, "value_int"))) {
    t = pv_tensor_from_data(PV_I64, 0, NULL, &a->i);
  } else if ((a = pv__onnx_attr_find(n, "value_floats"))) {
    int64_t k = a->n_floats;
    t = pv_tensor_create(PV_F32, 1, &k);
    if (t)
      pv__pb_read(a->msg, 7, PV__PBK_F32, pv_tensor_data(t), k, "floats");
  } else if ((a = pv__onnx_attr_find(n, "value_ints"))) {
    int64_t k = a->n_ints;
    t = pv_tensor_create(PV_I64, 1, &k);
    if (t)
      pv__pb_read(a->msg, 8, PV__PBK_VARINT, pv_tensor_data(t), k, "ints");
  } else {
    return pv__imp_fail(I, PV_ERR_UNSUPPORTED,
                        "only tensor, float(s) and int(s) constants are "
                        "supported");
  }
  if (!t) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", pv_last_error());
    return pv__imp_fail(I, pv_last_status() ? pv_last_status() : PV_ERR_FORMAT,
                        "%s", msg);
  }
  I->n_folded++;
  return pv__imp_bind_const(I, 0, t);
}

/* Shape and Size of a value whose shape is static fold to constants. */
static int shape_node(pv__imp *I, bool size) {
  pv_tensor_desc d;
  int rc = pv__imp_desc(I, 0, &d);
  if (rc)
    return rc;
  for (int i = 0; i < d.ndim; i++)
    if (d.shape[i] < 0)
      return pv__imp_fail(I, PV_ERR_UNSUPPORTED,
                          "input '%s' has a dynamic shape; pin the graph "
                          "input shapes (pv_onnx_options.input_shapes) so "
                          "shape computations fold at load time",
                          I->n->in[0]);
  pv_tensor *t;
  if (size) {
    int64_t n = pv__desc_numel(&d);
    t = pv_tensor_from_data(PV_I64, 0, NULL, &n);
  } else {
    int64_t r = d.ndim, s = pv__onnx_attr_i(I->n, "start", 0),
            e = pv__onnx_attr_i(I->n, "end", r);
    s = s < 0 ? s + r : s;
    e = e < 0 ? e + r : e;
    s = PV__MAX(0, PV__MIN(s, r));
    e = PV__MAX(s, PV__MIN(e, r));
    int64_t k = e - s;
    t = pv_tensor_from_data(PV_I64, 1, &k, d.shape + s);
  }
  if (!t)
    return pv_last_status();
  I->n_folded++;
  return pv__imp_bind_const(I, 0, t);
}

/* Evaluates the node on host constants when the folder knows it and every
 * present input is constant. Returns 1 when folded. */
static int try_fold(pv__imp *I) {
  const pv__onnx_node *n = I->n;
  if (!pv__onnx_foldable(n->op_type) || n->n_in > 16)
    return 0;
  pv_tensor *in[16] = {0};
  for (int i = 0; i < n->n_in; i++) {
    if (!n->in[i][0])
      continue;
    pv__ival *v = pv__imp_get(I, n->in[i]);
    if (!v || !v->k)
      return 0;
    in[i] = v->k;
  }
  if (n->n_out < 1)
    return 0;
  pv_tensor *out[1] = {0};
  int rc = pv__onnx_fold(n, I->opset, n->n_in, in, 1, out);
  if (rc <= 0) {
    if (rc < 0 && pv_last_status() == PV_ERR_RANGE &&
        strstr(pv_last_error(), "too large"))
      return 0; /* too big to fold here: leave it to the graph */
    return rc;
  }
  I->n_folded++;
  pv__imp_bind_const(I, 0, out[0]);
  return 1;
}

/* --- driver -------------------------------------------------------------- */

static int add_inputs(pv__imp *I, const pv_onnx_options *o) {
  const pv_onnx_model *m = I->m;
  for (int i = 0; i < m->n_inputs; i++) {
    const pv__onnx_vi *vi = m->inputs[i];
    bool frozen = false;
    for (int k = 0; o && k < o->n_frozen_inputs && !frozen; k++) {
      const char *fn = o->frozen_input_names ? o->frozen_input_names[k] : NULL;
      pv_tensor *ft = o->frozen_input_values ? o->frozen_input_values[k] : NULL;
      if (fn && ft && !strcmp(fn, vi->name)) {
        pv_tensor *c = pv_tensor_contiguous(ft);
        if (!c)
          return pv_last_status();
        put(I, vi->name)->k = c;
        frozen = true;
      }
    }
    if (frozen)
      continue;
    pv_tensor_desc d;
    int rc = pv_onnx_model_input_desc(m, i, &d);
    if (rc)
      return rc;
    for (int k = 0; o && k < o->n_input_shapes; k++) {
      const pv_onnx_input_shape *s = &o->input_shapes[k];
      if (s->name && !strcmp(s->name, vi->name)) {
        if (s->ndim < 0 || s->ndim > PV_MAX_DIMS)
          return pv_set_error(PV_ERR_INVALID_ARG,
                              "onnx: pinned shape of '%s' has %d dims", s->name,
                              s->ndim);
        d.ndim = s->ndim;
        memcpy(d.shape, s->shape, sizeof(int64_t) * (size_t)s->ndim);
      }
    }
    if (d.ndim < 0)
      return pv_set_error(PV_ERR_UNSUPPORTED,
                          "onnx: graph input '%s' declares no shape; pin it "
                          "with pv_onnx_options.input_shapes",
                          vi->name);
    for (int k = 0; k < d.ndim; k++)
      if (d.shape[k] < 0 && o && o->dynamic_dims_to_one)
        d.shape[k] = 1;
    pv_value v =
        pv_graph_input(I->g, vi->name, (pv_dtype)d.dtype, d.ndim, d.shape);
    if (v == PV_NO_VALUE)
      return pv_set_error(
          pv_graph_status(I->g) ? pv_graph_status(I->g) : PV_ERR_INTERNAL,
          "onnx: graph input '%s': %s", vi->name, pv_graph_error(I->g));
    put(I, vi->name)->v = v;
  }
  return 0;
}

static int run_nodes(pv__imp *I) {
  const pv_onnx_model *m = I->m;
  for (int i = 0; i < m->n_nodes; i++) {
    const pv__onnx_node *n = &m->nodes[i];
    I->n = n;
    for (int a = 0; a < n->n_attr; a++)
      if (n->attrs[a].type == PV__AT_GRAPH || n->attrs[a].type == PV__AT_GRAPHS)
        return pv__imp_fail(I, PV_ERR_UNSUPPORTED,
                            "attribute '%s' is a sub-graph: control flow "
                            "(If/Loop/Scan) is not supported",
                            n->attrs[a].name);
    bool std = !n->domain[0] || !strcmp(n->domain, "ai.onnx");
    int rc;
    if (std && !strcmp(n->op_type, "Constant")) {
      rc = constant_node(I);
    } else if (std &&
               (!strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size"))) {
      rc = shape_node(I, n->op_type[1] == 'i');
    } else {
      rc = std ? try_fold(I) : 0;
      if (rc == 1)
        rc = 0;
      else if (rc == 0)
        rc = pv__imp_dispatch(I, std);
    }
    if (rc)
      return rc;
  }
  I->n = NULL;
  return 0;
}

static int add_outputs(pv__imp *I) {
  const pv_onnx_model *m = I->m;
  for (int i = 0; i < m->n_outputs; i++) {
    const char *name = m->outputs[i].name;
    pv__ival *v = pv__imp_get(I, name);
    if (!v)
      return pv_set_error(PV_ERR_FORMAT,
                          "onnx: graph output '%s' is not produced by any "
                          "node",
                          name);
    int rc = materialize(I, v);
    if (rc)
      return rc;
    if (pv_graph_output(I->g, name, v->v) < 0)
      return pv_set_error(
          pv_graph_status(I->g) ? pv_graph_status(I->g) : PV_ERR_INTERNAL,
          "onnx: graph output '%s': %s", name, pv_graph_error(I->g));
  }
  return 0;
}

static int load_initializers(pv__imp *I) {
  const pv_onnx_model *m = I->m;
  for (int i = 0; i < m->n_inits; i++) {
    pv_tensor *t = pv__onnx_tensor_make(&m->inits[i], m->buf, m->base_dir);
    if (!t)
      return pv_last_status() ? pv_last_status() : PV_ERR_FORMAT;
    put(I, m->inits[i].name)->k = t;
  }
  return 0;
}

pv_onnx_options pv_onnx_options_default(void) {
  pv_onnx_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  return o;
}

int pv_onnx_import_model(const pv_onnx_model *m, const pv_onnx_options *opts,
                         pv_graph **graph, pv_onnx_info *info) {
  if (!m || !graph)
    return pv_set_error(PV_ERR_INVALID_ARG, "onnx: NULL model or graph");
  *graph = NULL;
  if (opts && opts->struct_size < sizeof(pv_onnx_options))
    return pv_set_error(PV_ERR_ABI,
                        "onnx: pv_onnx_options struct_size %u < %zu",
                        opts->struct_size, sizeof(pv_onnx_options));
#ifdef PV__ONNX_WEAK_GRAPH
  if (!pv_graph_create)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: this build has no graph runtime to import into");
#endif
  pv__imp I;
  memset(&I, 0, sizeof I);
  I.m = m;
  I.opset = pv_onnx_model_opset(m, "");
  if (I.opset < 0)
    I.opset = 1;
  size_t names = (size_t)m->n_inits + (size_t)m->n_inputs_all + 16;
  for (int i = 0; i < m->n_nodes; i++)
    names += (size_t)m->nodes[i].n_out;
  I.cap = 64;
  while (I.cap < 2 * names)
    I.cap *= 2;
  I.tab = calloc(I.cap, sizeof *I.tab);
  I.g = pv_graph_create();
  int rc = 0;
  if (!I.tab || !I.g)
    rc = pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
  if (!rc)
    rc = load_initializers(&I);
  if (!rc)
    rc = add_inputs(&I, opts);
  if (!rc)
    rc = run_nodes(&I);
  if (!rc)
    rc = add_outputs(&I);
  if (!rc && pv_graph_status(I.g))
    rc = pv_set_error(pv_graph_status(I.g), "onnx: %s", pv_graph_error(I.g));
  for (size_t i = 0; I.tab && i < I.cap; i++)
    pv_tensor_release(I.tab[i].k);
  free(I.tab);
  if (rc) {
    pv_graph_free(I.g);
    return rc;
  }
  if (info) {
    memset(info, 0, sizeof *info);
    info->ir_version = m->ir_version;
    info->opset = I.opset;
    info->n_onnx_nodes = m->n_nodes;
    info->n_graph_nodes = I.n_emitted;
    info->n_folded = I.n_folded;
    info->n_constants = I.n_consts;
    snprintf(info->producer, sizeof info->producer, "%s", m->producer);
  }
  *graph = I.g;
  return 0;
}

int pv_onnx_import(const char *path, const pv_onnx_options *opts,
                   pv_graph **graph, pv_onnx_info *info) {
  if (graph)
    *graph = NULL;
  pv_onnx_model *m = pv_onnx_model_load(path);
  if (!m)
    return pv_last_status() ? pv_last_status() : PV_ERR_FORMAT;
  int rc = pv_onnx_import_model(m, opts, graph, info);
  if (rc) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", pv_last_error());
    pv_set_error(rc, "%s: %s", path, msg);
  }
  pv_onnx_model_free(m);
  return rc;
}

int pv_onnx_import_memory(const void *data, size_t size,
                          const pv_onnx_options *opts, pv_graph **graph,
                          pv_onnx_info *info) {
  if (graph)
    *graph = NULL;
  pv_onnx_model *m = pv_onnx_model_parse(data, size, NULL);
  if (!m)
    return pv_last_status() ? pv_last_status() : PV_ERR_FORMAT;
  int rc = pv_onnx_import_model(m, opts, graph, info);
  pv_onnx_model_free(m);
  return rc;
}
