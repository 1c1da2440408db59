/*
 * Compiled graphs and execution contexts. A compiled graph owns an optimised
 * copy of the graph and a cache of plans, one per concrete input shape. A
 * context owns one arena per device, so threads running the same compiled
 * graph with their own contexts never share mutable memory.
 */
#include "plan.h"
#include "tensor/tensor_internal.h"

#include <strings.h>

pv_compile_options pv_compile_options_default(void) {
  pv_compile_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fallback = -1;
  o.precision = -1;
  return o;
}

static bool inputs_static(const pv_graph *g) {
  for (int i = 0; i < g->n_inputs; i++) {
    const pv_tensor_desc *d = &g->values[g->inputs[i]].desc;
    for (int k = 0; k < d->ndim; k++)
      if (d->shape[k] < 0)
        return false;
  }
  return true;
}

/* Finds or builds (and compiles) the plan for these input descs. Called with
 * c->mu held. */
static int get_plan(pv_compiled *c, const pv_tensor_desc *in, pv__plan **out) {
  for (pv__plan *p = c->plans; p; p = p->next) {
    bool same = true;
    for (int i = 0; i < c->g->n_inputs && same; i++)
      same = p->in_desc[i].dtype == in[i].dtype &&
             p->in_desc[i].ndim == in[i].ndim &&
             !memcmp(p->in_desc[i].shape, in[i].shape,
                     sizeof(int64_t) * (size_t)in[i].ndim);
    if (same) {
      *out = p;
      return 0;
    }
  }
  pv__plan *p = NULL;
  int rc = pv__plan_restore_constants(c);
  if (!rc)
    rc = pv__plan_build(c, in, &p);
  if (!rc)
    rc = pv__plan_compile(c, p);
  if (rc) {
    pv__plan_free(c, p);
    return rc;
  }
  if (c->src && !c->released) { /* nothing to restore later */
    pv_graph_free(c->src);
    c->src = NULL;
  }
  p->next = c->plans;
  c->plans = p;
  if (c->verbose) {
    char buf[4096];
    pv_compiled_report(c, buf, sizeof buf);
    fprintf(stderr, "%s", buf);
  }
  *out = p;
  return 0;
}

pv_compiled *pv_graph_compile(const pv_graph *g,
                              const pv_compile_options *opts) {
  pv_compile_options o = pv_compile_options_default();
  if (opts)
    o = *opts;
  if (!g) {
    pv_set_error(PV_ERR_INVALID_ARG, "compile: NULL graph");
    return NULL;
  }
  if (g->status) {
    pv_set_error(g->status, "compile: graph has a build error: %s", g->error);
    return NULL;
  }
  if (g->n_outputs == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "compile: graph has no outputs");
    return NULL;
  }
  pv_device *dev = pv_device_find(o.device);
  if (!dev)
    return NULL;
  if (o.precision >= 0 && pv__device_request_precision(dev, o.precision))
    return NULL;
  pv_compiled *c = calloc(1, sizeof *c);
  if (!c) {
    pv_set_error(PV_ERR_NOMEM, "compile: out of memory");
    return NULL;
  }
  pthread_mutex_init(&c->mu, NULL);
  c->slots[0] = dev;
  c->n_slots = 1;
  pv_device *cpu = pv__cpu_device();
  if (cpu && cpu != dev)
    c->slots[c->n_slots++] = cpu;
  if (o.fallback < 0) {
    const char *f = pv_get_option("POLYVIS_FALLBACK");
    c->strict = f && (!strcasecmp(f, "off") || !strcmp(f, "0") ||
                      !strcasecmp(f, "false") || !strcasecmp(f, "strict"));
  } else {
    c->strict = o.fallback == 0;
  }
  c->verbose = o.verbose;
  c->g = pv__graph_clone(g);
  /* Composite ops the device lacks become core ops first, so the restore
   * copy (c->src) has the same values as the graph that is planned. */
  if (c->g && pv__pass_expand(c->g, dev) != 0) {
    pv_compiled_free(c);
    return NULL;
  }
  c->src = c->g ? pv__graph_clone(c->g) : NULL;
  c->no_optimize = o.no_optimize;
  if (!c->g || !c->src) {
    pv_compiled_free(c);
    return NULL;
  }
  if (!o.no_optimize && pv_graph_optimize(c->g) != 0) {
    pv_compiled_free(c);
    return NULL;
  } else if (o.no_optimize && pv__pass_remove_dead(c->g) != 0) {
    pv_compiled_free(c);
    return NULL;
  }
  if (inputs_static(c->g)) { /* plan now, so errors surface at compile */
    pv_tensor_desc *in =
        malloc(sizeof(pv_tensor_desc) * (size_t)(c->g->n_inputs + 1));
    if (!in) {
      pv_compiled_free(c);
      pv_set_error(PV_ERR_NOMEM, "compile: out of memory");
      return NULL;
    }
    for (int i = 0; i < c->g->n_inputs; i++)
      in[i] = c->g->values[c->g->inputs[i]].desc;
    pv__plan *p;
    int rc = get_plan(c, in, &p);
    free(in);
    if (rc) {
      pv_compiled_free(c);
      return NULL;
    }
  }
  return c;
}

void pv_compiled_free(pv_compiled *c) {
  if (!c)
    return;
  while (c->plans) {
    pv__plan *n = c->plans->next;
    pv__plan_free(c, c->plans);
    c->plans = n;
  }
  pv_graph_free(c->g);
  pv_graph_free(c->src);
  free(c->released);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

pv_device *pv_compiled_device(const pv_compiled *c) {
  return c ? c->slots[0] : NULL;
}

int pv_compiled_num_partitions(const pv_compiled *c) {
  return c && c->plans ? c->plans->n_parts : 0;
}

uint64_t pv_compiled_arena_bytes(const pv_compiled *c) {
  if (!c || !c->plans)
    return 0;
  return c->plans->arena_size[0] + c->plans->arena_size[1];
}

int pv_compiled_report(const pv_compiled *c, char *buf, size_t size) {
  if (!c || !c->plans || !size)
    return pv_set_error(PV_ERR_STATE, "report: nothing planned yet");
  const pv__plan *p = c->plans;
  size_t o = 0;
  o += (size_t)snprintf(buf + o, size - o,
                        "polyvis: %d partition(s) on %s%s; arena %llu bytes "
                        "(+%llu on cpu)\n",
                        p->n_parts, pv_device_name(c->slots[0]),
                        c->strict ? " (strict)" : "",
                        (unsigned long long)p->arena_size[0],
                        (unsigned long long)p->arena_size[1]);
  for (int i = 0; i < p->n_parts && o < size; i++) {
    const pv__partition *pt = &p->parts[i];
    o += (size_t)snprintf(
        buf + o, size - o, "  partition %d: %-10s %3d nodes, %d copies in:", i,
        pv_device_name(c->slots[pt->slot]), pt->n_nodes, pt->n_copies);
    for (int k = 0; k < pt->n_nodes && k < 12 && o < size; k++)
      o += (size_t)snprintf(buf + o, size - o, " %s",
                            pv_op_name(c->g->nodes[pt->nodes[k]].op));
    if (pt->n_nodes > 12 && o < size)
      o += (size_t)snprintf(buf + o, size - o, " ...");
    if (o < size)
      o += (size_t)snprintf(buf + o, size - o, "\n");
  }
  if (c->released_bytes && o < size)
    snprintf(buf + o, size - o,
             "  constants the devices copied and the host freed: %llu bytes\n",
             (unsigned long long)c->released_bytes);
  return 0;
}

/* --- contexts ------------------------------------------------------------- */

pv_context *pv_context_create(pv_compiled *c) {
  if (!c) {
    pv_set_error(PV_ERR_INVALID_ARG, "context: NULL compiled graph");
    return NULL;
  }
  pv_context *x = calloc(1, sizeof *x);
  if (!x)
    pv_set_error(PV_ERR_NOMEM, "context: out of memory");
  else
    x->c = c;
  return x;
}

void pv_context_free(pv_context *x) {
  if (!x)
    return;
  for (int s = 0; s < PV__MAX_SLOTS; s++)
    if (x->arena[s])
      pv__device_free_buffer(x->c->slots[s], x->arena[s]);
  free(x);
}

static int ensure_arenas(pv_context *x, const pv__plan *p) {
  for (int s = 0; s < x->c->n_slots; s++) {
    if (x->arena[s] && x->arena_cap[s] >= p->arena_size[s])
      continue;
    if (x->arena[s])
      pv__device_free_buffer(x->c->slots[s], x->arena[s]);
    x->arena[s] = NULL;
    x->arena_cap[s] = 0;
    int rc =
        pv__device_alloc_buffer(x->c->slots[s], p->arena_size[s], &x->arena[s]);
    if (rc)
      return rc;
    x->arena_cap[s] = p->arena_size[s];
  }
  return 0;
}

static void *host_ptr(pv_context *x, int s) {
  pv_device *d = x->c->slots[s];
  const pv_plugin_desc *pd = pv__device_plugin(d);
  if (!pd->buffer_host_ptr)
    return NULL;
  return pd->buffer_host_ptr(pv__device_handle(d), x->arena[s]);
}

static int do_copy(pv_context *x, const pv__copy *cp) {
  void *src = host_ptr(x, cp->from_slot), *dst = host_ptr(x, cp->to_slot);
  if (src && dst) {
    memcpy((char *)dst + cp->to_off, (char *)src + cp->from_off, cp->nbytes);
    return 0;
  }
  pv_device *from = x->c->slots[cp->from_slot], *to = x->c->slots[cp->to_slot];
  if (src)
    return pv__device_write(to, x->arena[cp->to_slot], cp->to_off,
                            (char *)src + cp->from_off, cp->nbytes);
  if (dst)
    return pv__device_read(from, x->arena[cp->from_slot], cp->from_off,
                           (char *)dst + cp->to_off, cp->nbytes);
  void *tmp = malloc(cp->nbytes ? cp->nbytes : 1);
  if (!tmp)
    return pv_set_error(PV_ERR_NOMEM, "copy: out of memory");
  int rc = pv__device_read(from, x->arena[cp->from_slot], cp->from_off, tmp,
                           cp->nbytes);
  if (!rc)
    rc = pv__device_write(to, x->arena[cp->to_slot], cp->to_off, tmp,
                          cp->nbytes);
  free(tmp);
  return rc;
}

int pv_context_run(pv_context *x, int n_inputs, pv_tensor **inputs,
                   int n_outputs, pv_tensor **outputs) {
  if (!x)
    return pv_set_error(PV_ERR_INVALID_ARG, "run: NULL context");
  pv_compiled *c = x->c;
  const pv_graph *g = c->g;
  for (int i = 0; i < n_outputs && outputs; i++)
    outputs[i] = NULL;
  if (n_inputs != g->n_inputs)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "run: %d inputs given, graph has %d", n_inputs,
                        g->n_inputs);
  if (n_outputs > g->n_outputs || (n_outputs && !outputs))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "run: %d outputs asked, graph has %d", n_outputs,
                        g->n_outputs);
  pv_tensor_desc in[64];
  if (n_inputs > 64)
    return pv_set_error(PV_ERR_RANGE, "run: too many inputs");
  pv_tensor *host_in[64] = {0};
  int rc = 0;
  for (int i = 0; i < n_inputs; i++) {
    if (!inputs[i])
      return pv_set_error(PV_ERR_INVALID_ARG, "run: input %d is NULL", i);
    host_in[i] = pv_tensor_contiguous(inputs[i]);
    if (!host_in[i]) {
      rc = pv_last_status();
      goto done;
    }
    pv_tensor_get_desc(host_in[i], &in[i]);
  }
  pthread_mutex_lock(&c->mu);
  pv__plan *p = NULL;
  rc = get_plan(c, in, &p);
  pthread_mutex_unlock(&c->mu);
  if (rc)
    goto done;
  if ((rc = ensure_arenas(x, p)))
    goto done;
  for (int i = 0; i < n_inputs && !rc; i++) {
    int v = g->inputs[i];
    for (int s = 0; s < c->n_slots && !rc; s++)
      if (p->offset[s][v] != PV__NO_OFFSET)
        rc = pv__device_write(c->slots[s], x->arena[s], p->offset[s][v],
                              pv_tensor_data(host_in[i]),
                              pv_tensor_nbytes(host_in[i]));
  }
  for (int k = 0; k < p->n_parts && !rc; k++) {
    pv__partition *pt = &p->parts[k];
    for (int j = 0; j < pt->n_copies && !rc; j++)
      rc = do_copy(x, &pt->copies[j]);
    if (rc)
      break;
    pv_device *d = c->slots[pt->slot];
    pv_clear_error();
    rc = pv__device_plugin(d)->partition_execute(
        pv__device_handle(d), pt->compiled, x->arena[pt->slot]);
    if (rc)
      rc = pv_set_error(rc, "%s: partition %d failed: %s", pv_device_name(d), k,
                        pv_last_error());
  }
  for (int i = 0; i < n_outputs && !rc; i++) {
    int v = g->outputs[i];
    int b = p->alias[v];
    const pv_tensor_desc *d = &p->descs[v];
    if (g->values[b].kind == PV__V_CONST) {
      pv_tensor *r =
          pv_tensor_reshape(g->values[b].constant, d->ndim, d->shape);
      outputs[i] = r ? pv_tensor_clone(r) : NULL;
      pv_tensor_release(r);
      if (!outputs[i])
        rc = pv_last_status();
      continue;
    }
    int s = -1;
    for (int t = 0; t < c->n_slots; t++)
      if (p->offset[t][v] != PV__NO_OFFSET) {
        s = t;
        break;
      }
    if (s < 0) {
      rc = pv_set_error(PV_ERR_INTERNAL, "run: output %d not placed", i);
      break;
    }
    outputs[i] = pv__tensor_alloc((pv_dtype)d->dtype, d->ndim, d->shape, false);
    if (!outputs[i]) {
      rc = pv_last_status();
      break;
    }
    rc = pv__device_read(c->slots[s], x->arena[s], p->offset[s][v],
                         pv_tensor_data(outputs[i]),
                         pv_tensor_nbytes(outputs[i]));
  }
done:
  for (int i = 0; i < n_inputs; i++)
    pv_tensor_release(host_in[i]);
  if (rc) {
    for (int i = 0; i < n_outputs && outputs; i++) {
      pv_tensor_release(outputs[i]);
      outputs[i] = NULL;
    }
  }
  return rc;
}

int pv_compiled_run(pv_compiled *c, int n_inputs, pv_tensor **inputs,
                    int n_outputs, pv_tensor **outputs) {
  pv_context *x = pv_context_create(c);
  if (!x)
    return pv_last_status();
  int rc = pv_context_run(x, n_inputs, inputs, n_outputs, outputs);
  pv_context_free(x);
  return rc;
}

uint64_t pv_graph_plan_memory(const pv_graph *g, int n_inputs,
                              const pv_tensor_desc *inputs) {
  pv_compile_options o = pv_compile_options_default();
  o.device = "cpu";
  o.no_optimize = 1;
  pv_graph *copy = pv__graph_clone(g);
  if (!copy)
    return 0;
  /* plan without compiling partitions */
  pv_compiled c;
  memset(&c, 0, sizeof c);
  c.g = copy;
  c.slots[0] = pv__cpu_device();
  c.n_slots = 1;
  uint64_t r = 0;
  pv__plan *p = NULL;
  if (n_inputs == copy->n_inputs && pv__pass_remove_dead(copy) == 0 &&
      pv__plan_build(&c, inputs, &p) == 0)
    r = p->arena_size[0];
  pv__plan_free(&c, p);
  pv_graph_free(copy);
  (void)o;
  return r;
}
