/*
 * The scheduler and the memory planner.
 *
 * For concrete input shapes: infer every shape, assign each node to the main
 * device or (when it lacks the op and fallback is allowed) to the CPU, merge
 * small islands, cut the node list into partitions of one device each, then
 * plan each device's arena by simulating execution like ggml-alloc: values
 * are allocated when produced and freed after their last use, with best-fit
 * reuse of freed blocks and in-place outputs for single-consumer elementwise
 * ops. Values that cross devices get a copy in the consumer's arena, made
 * when the consuming partition starts. Reshapes are views: they never run and
 * share their input's memory.
 */
#include "plan.h"

#include <strings.h>

#define PV__ARENA_ALIGN 256

/* --- best-fit allocator over one arena ------------------------------------ */

typedef struct blk {
  uint64_t off, size;
} blk;

typedef struct allocator {
  blk *free_blocks;
  int n_free, cap;
  uint64_t top, peak;
} allocator;

static int alloc_push(allocator *a, uint64_t off, uint64_t size) {
  if (a->n_free == a->cap) {
    int nc = a->cap ? a->cap * 2 : 32;
    blk *b = realloc(a->free_blocks, sizeof(blk) * (size_t)nc);
    if (!b)
      return -1;
    a->free_blocks = b;
    a->cap = nc;
  }
  a->free_blocks[a->n_free].off = off;
  a->free_blocks[a->n_free].size = size;
  a->n_free++;
  return 0;
}

static uint64_t alloc_get(allocator *a, uint64_t size) {
  size = PV__ALIGN_UP(size ? size : 1, PV__ARENA_ALIGN);
  int best = -1;
  for (int i = 0; i < a->n_free; i++)
    if (a->free_blocks[i].size >= size &&
        (best < 0 || a->free_blocks[i].size < a->free_blocks[best].size))
      best = i;
  if (best >= 0) {
    uint64_t off = a->free_blocks[best].off;
    a->free_blocks[best].off += size;
    a->free_blocks[best].size -= size;
    if (a->free_blocks[best].size == 0)
      a->free_blocks[best] = a->free_blocks[--a->n_free];
    return off;
  }
  /* grow the top; a free block touching the top is extended instead */
  for (int i = 0; i < a->n_free; i++)
    if (a->free_blocks[i].off + a->free_blocks[i].size == a->top) {
      uint64_t off = a->free_blocks[i].off;
      a->top = off + size;
      a->free_blocks[i] = a->free_blocks[--a->n_free];
      if (a->top > a->peak)
        a->peak = a->top;
      return off;
    }
  uint64_t off = a->top;
  a->top += size;
  if (a->top > a->peak)
    a->peak = a->top;
  return off;
}

static void alloc_put(allocator *a, uint64_t off, uint64_t size) {
  size = PV__ALIGN_UP(size ? size : 1, PV__ARENA_ALIGN);
  /* coalesce with neighbours */
  for (int i = 0; i < a->n_free; i++) {
    blk *b = &a->free_blocks[i];
    if (b->off + b->size == off) {
      off = b->off;
      size += b->size;
      a->free_blocks[i--] = a->free_blocks[--a->n_free];
    } else if (off + size == b->off) {
      size += b->size;
      a->free_blocks[i--] = a->free_blocks[--a->n_free];
    }
  }
  if (off + size == a->top) {
    a->top = off;
    return;
  }
  alloc_push(a, off, size);
}

/* --- helpers -------------------------------------------------------------- */

static bool is_view_op(int op) { return op == PV_OP_RESHAPE; }

static bool is_inplace_op(int op) {
  return pv__op_is_unary(op) || (op >= PV_OP_ADD && op <= PV_OP_MIN) ||
         op == PV_OP_PRELU;
}

static bool is_cheap_op(int op) {
  return op != PV_OP_CONV2D && op != PV_OP_CONV_TRANSPOSE2D &&
         op != PV_OP_LINEAR && op != PV_OP_GEMM && op != PV_OP_MATMUL;
}

static void make_op_desc(const pv_graph *g, const pv_tensor_desc *descs,
                         const pv__gnode *nd, pv_op_desc *od) {
  memset(od, 0, sizeof *od);
  od->op = nd->op;
  od->n_inputs = nd->n_in;
  od->n_outputs = nd->n_out;
  od->attrs = nd->attrs;
  for (int i = 0; i < nd->n_in; i++) {
    if (nd->in[i] < 0) {
      od->inputs[i].ndim = -1;
      continue;
    }
    od->inputs[i] = descs[nd->in[i]];
    if (g->values[nd->in[i]].kind == PV__V_CONST)
      od->const_inputs |= 1u << i;
  }
  for (int i = 0; i < nd->n_out; i++)
    od->outputs[i] = descs[nd->out[i]];
}

static const char *dtypes_str(const pv_op_desc *od, char *buf, size_t n) {
  size_t o = 0;
  for (int i = 0; i < od->n_inputs && o < n; i++)
    if (od->inputs[i].ndim >= 0)
      o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? "," : "",
                            pv_dtype_name((pv_dtype)od->inputs[i].dtype));
  return buf;
}

void pv__plan_free(pv_compiled *c, pv__plan *p) {
  if (!p)
    return;
  for (int i = 0; i < p->n_parts; i++) {
    pv__partition *pt = &p->parts[i];
    if (pt->compiled) {
      pv_device *d = c->slots[pt->slot];
      pv__device_plugin(d)->partition_release(pv__device_handle(d),
                                              pt->compiled);
    }
    free(pt->nodes);
    free(pt->copies);
  }
  free(p->parts);
  free(p->in_desc);
  free(p->descs);
  free(p->alias);
  free(p->node_slot);
  for (int s = 0; s < PV__MAX_SLOTS; s++)
    free(p->offset[s]);
  free(p);
}

/* --- device assignment ---------------------------------------------------- */

static int assign_devices(pv_compiled *c, pv__plan *p) {
  const pv_graph *g = c->g;
  for (int n = 0; n < g->n_nodes; n++) {
    const pv__gnode *nd = &g->nodes[n];
    p->node_slot[n] = -1;
    if (nd->dead)
      continue;
    if (is_view_op(nd->op) && g->values[nd->in[0]].kind != PV__V_CONST) {
      p->alias[nd->out[0]] = p->alias[nd->in[0]];
      continue;
    }
    pv_op_desc od;
    make_op_desc(g, p->descs, nd, &od);
    if (pv_device_supports_op(c->slots[0], &od)) {
      p->node_slot[n] = 0;
      continue;
    }
    char dts[128] = "";
    dtypes_str(&od, dts, sizeof dts);
    if (c->n_slots < 2 || c->strict) {
      if (c->strict && c->n_slots >= 2)
        return pv_set_error(PV_ERR_FALLBACK,
                            "%s does not support op %s (node %d, inputs %s) "
                            "and fallback is off (POLYVIS_FALLBACK=off / "
                            "--no-fallback)",
                            pv_device_name(c->slots[0]), pv_op_name(nd->op), n,
                            dts);
      return pv_set_error(
          PV_ERR_UNSUPPORTED, "%s has no kernel for op %s (node %d, inputs %s)",
          pv_device_name(c->slots[0]), pv_op_name(nd->op), n, dts);
    }
    if (!pv_device_supports_op(c->slots[1], &od))
      return pv_set_error(PV_ERR_UNSUPPORTED,
                          "no device supports op %s (node %d, inputs %s)",
                          pv_op_name(nd->op), n, dts);
    p->node_slot[n] = 1;
    pv_log(PV_LOG_INFO, "op %s (node %d) falls back from %s to cpu",
           pv_op_name(nd->op), n, pv_device_name(c->slots[0]));
  }
  /* Merge islands: a short run of cheap ops on the main device between CPU
   * nodes costs two copies for little work; run it on the CPU instead. */
  if (c->n_slots == 2 && !c->strict) {
    int n = 0;
    while (n < g->n_nodes) {
      if (p->node_slot[n] != 0) {
        n++;
        continue;
      }
      int start = n, count = 0;
      bool cheap = true;
      while (n < g->n_nodes && p->node_slot[n] != 1) {
        if (p->node_slot[n] == 0) {
          count++;
          cheap &= is_cheap_op(g->nodes[n].op);
        }
        n++;
      }
      bool cpu_before = false;
      for (int k = start - 1; k >= 0; k--)
        if (p->node_slot[k] >= 0) {
          cpu_before = p->node_slot[k] == 1;
          break;
        }
      bool cpu_after = n < g->n_nodes;
      if (cheap && count <= 2 && cpu_before && cpu_after) {
        for (int k = start; k < n; k++) {
          if (p->node_slot[k] != 0)
            continue;
          pv_op_desc od;
          make_op_desc(g, p->descs, &g->nodes[k], &od);
          if (pv_device_supports_op(c->slots[1], &od))
            p->node_slot[k] = 1;
        }
      }
    }
  }
  return 0;
}

/* --- partitions and memory ------------------------------------------------ */

static int build_partitions(pv_compiled *c, pv__plan *p) {
  const pv_graph *g = c->g;
  int cur = -1;
  for (int n = 0; n < g->n_nodes; n++) {
    int s = p->node_slot[n];
    if (s < 0)
      continue;
    if (s != cur) {
      pv__partition *np =
          realloc(p->parts, sizeof(*np) * (size_t)(p->n_parts + 1));
      if (!np)
        return pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
      p->parts = np;
      memset(&p->parts[p->n_parts], 0, sizeof *np);
      p->parts[p->n_parts].slot = s;
      p->parts[p->n_parts].nodes = malloc(sizeof(int) * (size_t)g->n_nodes);
      if (!p->parts[p->n_parts].nodes)
        return pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
      p->n_parts++;
      cur = s;
    }
    pv__partition *pt = &p->parts[p->n_parts - 1];
    pt->nodes[pt->n_nodes++] = n;
  }
  return 0;
}

/* Position (partition index * big + node order) helpers for lifetimes. */
typedef struct life {
  int64_t last[PV__MAX_SLOTS]; /* last use position per slot, -1 none */
} life;

static int plan_memory(pv_compiled *c, pv__plan *p) {
  const pv_graph *g = c->g;
  int nv = g->n_values;
  life *lf = malloc(sizeof(life) * (size_t)nv);
  int *home = malloc(sizeof(int) * (size_t)nv); /* producing slot of base */
  allocator al[PV__MAX_SLOTS];
  memset(al, 0, sizeof al);
  if (!lf || !home) {
    free(lf);
    free(home);
    return pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
  }
  for (int v = 0; v < nv; v++) {
    lf[v].last[0] = lf[v].last[1] = -1;
    home[v] = -1;
  }
  /* positions: node n inside partition k is at k*(nodes+1)+1+idx; the
   * partition's copies happen at k*(nodes+1). */
  int64_t span = g->n_nodes + 1;
  int64_t end_pos = (int64_t)p->n_parts * span + 1;
  /* homes of node outputs */
  for (int k = 0; k < p->n_parts; k++)
    for (int i = 0; i < p->parts[k].n_nodes; i++) {
      const pv__gnode *nd = &g->nodes[p->parts[k].nodes[i]];
      for (int o = 0; o < nd->n_out; o++)
        home[nd->out[o]] = p->parts[k].slot;
    }
  /* uses */
  for (int k = 0; k < p->n_parts; k++) {
    pv__partition *pt = &p->parts[k];
    for (int i = 0; i < pt->n_nodes; i++) {
      const pv__gnode *nd = &g->nodes[pt->nodes[i]];
      int64_t pos = k * span + 1 + i;
      for (int j = 0; j < nd->n_in; j++) {
        if (nd->in[j] < 0)
          continue;
        int b = p->alias[nd->in[j]];
        if (g->values[b].kind == PV__V_CONST)
          continue;
        if (pos > lf[b].last[pt->slot])
          lf[b].last[pt->slot] = pos;
        int h = home[b];
        if (h >= 0 && h != pt->slot && k * span > lf[b].last[h])
          lf[b].last[h] = k * span; /* read by the copy */
      }
    }
  }
  for (int i = 0; i < g->n_outputs; i++) {
    int b = p->alias[g->outputs[i]];
    int h = home[b] >= 0 ? home[b] : 0;
    lf[b].last[h] = end_pos;
  }
  /* graph inputs: allocated up front on every slot that reads them */
  for (int s = 0; s < PV__MAX_SLOTS; s++)
    for (int v = 0; v < nv; v++)
      p->offset[s][v] = PV__NO_OFFSET;
  for (int i = 0; i < g->n_inputs; i++) {
    int v = g->inputs[i];
    bool any = false;
    for (int s = 0; s < c->n_slots; s++)
      if (lf[v].last[s] >= 0) {
        p->offset[s][v] = alloc_get(&al[s], pv__desc_nbytes(&p->descs[v]));
        any = true;
      }
    if (!any && pv__graph_is_output(g, v))
      p->offset[0][v] = alloc_get(&al[0], pv__desc_nbytes(&p->descs[v]));
    home[v] = -2; /* present wherever allocated */
  }
  int rc = 0;
  for (int k = 0; k < p->n_parts && !rc; k++) {
    pv__partition *pt = &p->parts[k];
    int s = pt->slot;
    /* copies of values that live on the other device */
    for (int i = 0; i < pt->n_nodes && !rc; i++) {
      const pv__gnode *nd = &g->nodes[pt->nodes[i]];
      for (int j = 0; j < nd->n_in; j++) {
        if (nd->in[j] < 0)
          continue;
        int b = p->alias[nd->in[j]];
        if (g->values[b].kind == PV__V_CONST || home[b] < 0 || home[b] == s ||
            p->offset[s][b] != PV__NO_OFFSET)
          continue; /* constant, graph input, local, or already copied */
        int from = home[b];
        if (p->offset[from][b] == PV__NO_OFFSET) {
          rc = pv_set_error(PV_ERR_INTERNAL, "plan: value %d has no home", b);
          break;
        }
        uint64_t nb = pv__desc_nbytes(&p->descs[b]);
        p->offset[s][b] = alloc_get(&al[s], nb);
        pv__copy *cp =
            realloc(pt->copies, sizeof(*cp) * (size_t)(pt->n_copies + 1));
        if (!cp) {
          rc = pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
          break;
        }
        pt->copies = cp;
        cp[pt->n_copies].from_slot = from;
        cp[pt->n_copies].to_slot = s;
        cp[pt->n_copies].from_off = p->offset[from][b];
        cp[pt->n_copies].to_off = p->offset[s][b];
        cp[pt->n_copies].nbytes = nb;
        pt->n_copies++;
      }
    }
    /* the copy sources whose last use was this copy */
    for (int v = 0; v < nv; v++)
      for (int t = 0; t < c->n_slots; t++)
        if (t != s && lf[v].last[t] == k * span &&
            p->offset[t][v] != PV__NO_OFFSET && p->alias[v] == v) {
          alloc_put(&al[t], p->offset[t][v], pv__desc_nbytes(&p->descs[v]));
          lf[v].last[t] = -1;
        }
    for (int i = 0; i < pt->n_nodes; i++) {
      const pv__gnode *nd = &g->nodes[pt->nodes[i]];
      int64_t pos = k * span + 1 + i;
      for (int o = 0; o < nd->n_out; o++) {
        int v = nd->out[o];
        uint64_t nb = pv__desc_nbytes(&p->descs[v]);
        /* in place: single-consumer elementwise input of the same size */
        int b0 = nd->n_in > 0 && nd->in[0] >= 0 ? p->alias[nd->in[0]] : -1;
        if (o == 0 && is_inplace_op(nd->op) && b0 >= 0 &&
            g->values[b0].kind == PV__V_NODE && lf[b0].last[s] == pos &&
            p->offset[s][b0] != PV__NO_OFFSET &&
            pv__desc_nbytes(&p->descs[b0]) == nb &&
            p->descs[b0].dtype == p->descs[v].dtype) {
          p->offset[s][v] = p->offset[s][b0];
          lf[b0].last[s] = -1; /* the block now belongs to v */
          continue;
        }
        p->offset[s][v] = alloc_get(&al[s], nb);
      }
      /* free inputs whose last use is here */
      for (int j = 0; j < nd->n_in; j++) {
        if (nd->in[j] < 0)
          continue;
        int b = p->alias[nd->in[j]];
        if (g->values[b].kind == PV__V_CONST || lf[b].last[s] != pos)
          continue;
        alloc_put(&al[s], p->offset[s][b], pv__desc_nbytes(&p->descs[b]));
        lf[b].last[s] = -1;
      }
      /* outputs nobody reads (uses of views count on their base) */
      for (int o = 0; o < nd->n_out; o++) {
        int v = nd->out[o];
        bool used = false;
        for (int t = 0; t < c->n_slots; t++)
          used |= lf[v].last[t] >= 0;
        if (!used && p->offset[s][v] != PV__NO_OFFSET &&
            !pv__graph_is_output(g, v))
          alloc_put(&al[s], p->offset[s][v], pv__desc_nbytes(&p->descs[v]));
      }
    }
  }
  /* views share their base's offset */
  for (int v = 0; v < nv; v++)
    if (p->alias[v] != v)
      for (int s = 0; s < c->n_slots; s++)
        p->offset[s][v] = p->offset[s][p->alias[v]];
  for (int s = 0; s < PV__MAX_SLOTS; s++) {
    p->arena_size[s] = al[s].peak;
    free(al[s].free_blocks);
  }
  free(lf);
  free(home);
  return rc;
}

int pv__plan_build(pv_compiled *c, const pv_tensor_desc *in_desc,
                   pv__plan **out) {
  const pv_graph *g = c->g;
  pv__plan *p = calloc(1, sizeof *p);
  int nv = g->n_values;
  if (!p)
    return pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
  p->in_desc = malloc(sizeof(pv_tensor_desc) * (size_t)(g->n_inputs + 1));
  p->descs = malloc(sizeof(pv_tensor_desc) * (size_t)(nv + 1));
  p->alias = malloc(sizeof(int) * (size_t)(nv + 1));
  p->node_slot = malloc(sizeof(int) * (size_t)(g->n_nodes + 1));
  for (int s = 0; s < PV__MAX_SLOTS; s++)
    p->offset[s] = malloc(sizeof(uint64_t) * (size_t)(nv + 1));
  if (!p->in_desc || !p->descs || !p->alias || !p->node_slot || !p->offset[0] ||
      !p->offset[1]) {
    pv__plan_free(c, p);
    return pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
  }
  for (int v = 0; v < nv; v++) {
    p->descs[v] = g->values[v].desc;
    p->alias[v] = v;
  }
  for (int i = 0; i < g->n_inputs; i++) {
    const pv_tensor_desc *want = &g->values[g->inputs[i]].desc;
    const pv_tensor_desc *got = &in_desc[i];
    bool ok = want->dtype == got->dtype && want->ndim == got->ndim;
    for (int d = 0; ok && d < want->ndim; d++)
      ok = want->shape[d] < 0 || want->shape[d] == got->shape[d];
    if (!ok) {
      char a[PV__SHAPE_STR_LEN], b[PV__SHAPE_STR_LEN];
      pv__plan_free(c, p);
      return pv_set_error(
          PV_ERR_SHAPE, "input '%s': got %s %s, graph expects %s %s",
          g->values[g->inputs[i]].name, pv_dtype_name((pv_dtype)got->dtype),
          pv__shape_str(got->ndim, got->shape, a, sizeof a),
          pv_dtype_name((pv_dtype)want->dtype),
          pv__shape_str(want->ndim, want->shape, b, sizeof b));
    }
    p->in_desc[i] = *got;
    p->descs[g->inputs[i]] = *got;
  }
  int rc = pv__graph_infer_all(g, p->descs);
  if (!rc)
    for (int v = 0; v < nv && !rc; v++)
      if (pv__desc_numel(&p->descs[v]) < 0 && pv__graph_use_count(g, v) > 0)
        rc = pv_set_error(PV_ERR_SHAPE,
                          "value %d has a dynamic shape after "
                          "inference",
                          v);
  if (!rc)
    rc = assign_devices(c, p);
  if (!rc)
    rc = build_partitions(c, p);
  if (!rc)
    rc = plan_memory(c, p);
  if (rc) {
    pv__plan_free(c, p);
    return rc;
  }
  *out = p;
  return 0;
}

/* What const_done needs to find a partition value's constant in c->g. */
typedef struct const_done_ctx {
  pv_compiled *c;
  pv__plan *p;
  const int *graph_value; /* partition value -> graph value */
  int n_values;
  bool *done; /* per partition value: already reported */
  int *uses;  /* per graph value: partitions of p that still need it */
} const_done_ctx;

static bool aliases_output(const pv_graph *g, const pv__plan *p, int b) {
  for (int i = 0; i < g->n_outputs; i++)
    if (p->alias[g->outputs[i]] == b)
      return true;
  return false;
}

/* The plugin will not read this constant again: free it when no other
 * partition needs it and the compiled graph is its only owner, otherwise
 * just let the pages of a mapped checkpoint go (plugin.h, const_done). */
static void on_const_done(void *host_ctx, int32_t value) {
  const_done_ctx *x = host_ctx;
  if (!x || value < 0 || value >= x->n_values || x->done[value])
    return;
  x->done[value] = true;
  pv_graph *g = x->c->g;
  int b = x->p->alias[x->graph_value[value]];
  if (g->values[b].kind != PV__V_CONST || !g->values[b].constant ||
      --x->uses[b] > 0 || aliases_output(g, x->p, b))
    return;
  pv_tensor *t = g->values[b].constant;
  if (!x->c->src || !pv__tensor_is_exclusive(t)) {
    pv__tensor_advise_cold(t);
    return;
  }
  if (!x->c->released) {
    x->c->released = calloc((size_t)g->n_values, sizeof(bool));
    if (!x->c->released)
      return; /* keep it: freeing is an optimisation */
  }
  x->c->released[b] = true;
  x->c->released_bytes += pv_tensor_nbytes(t);
  pv_tensor_release(t);
  g->values[b].constant = NULL;
}

int pv__plan_restore_constants(pv_compiled *c) {
  if (!c->released)
    return 0;
  if (!c->src)
    return pv_set_error(PV_ERR_INTERNAL, "plan: released constants and no "
                                         "source graph to restore them");
  pv_graph *fresh = pv__graph_clone(c->src);
  int rc = fresh ? 0 : pv_last_status();
  if (!rc)
    rc =
        c->no_optimize ? pv__pass_remove_dead(fresh) : pv_graph_optimize(fresh);
  pv_graph *g = c->g;
  for (int v = 0; v < g->n_values && !rc; v++) {
    if (!c->released[v])
      continue;
    if (v >= fresh->n_values || fresh->values[v].kind != PV__V_CONST ||
        !fresh->values[v].constant ||
        fresh->values[v].desc.dtype != g->values[v].desc.dtype ||
        pv__desc_numel(&fresh->values[v].desc) !=
            pv__desc_numel(&g->values[v].desc)) {
      rc = pv_set_error(PV_ERR_INTERNAL,
                        "plan: constant %d differs when rebuilt", v);
      break;
    }
    g->values[v].constant = pv_tensor_retain(fresh->values[v].constant);
    c->released[v] = false;
  }
  pv_graph_free(fresh);
  if (!rc) {
    free(c->released);
    c->released = NULL;
  }
  return rc;
}

/* Builds the plugin-facing description of one partition and compiles it. */
static int compile_partition(pv_compiled *c, pv__plan *p, pv__partition *pt,
                             int *uses) {
  const pv_graph *g = c->g;
  int nv = g->n_values;
  int *map = malloc(sizeof(int) * (size_t)nv);
  int *inv = malloc(sizeof(int) * (size_t)nv);
  bool *done = calloc((size_t)nv, sizeof(bool));
  pv_node_desc *nodes = calloc((size_t)pt->n_nodes, sizeof(pv_node_desc));
  pv_value_desc *vals = calloc((size_t)nv, sizeof(pv_value_desc));
  int rc = 0, n_vals = 0;
  if (!map || !inv || !done || !nodes || !vals) {
    rc = pv_set_error(PV_ERR_NOMEM, "plan: out of memory");
    goto done;
  }
  for (int v = 0; v < nv; v++)
    map[v] = -1;
  for (int i = 0; i < pt->n_nodes; i++) {
    const pv__gnode *nd = &g->nodes[pt->nodes[i]];
    pv_node_desc *d = &nodes[i];
    d->op = nd->op;
    d->n_inputs = nd->n_in;
    d->n_outputs = nd->n_out;
    d->attrs = nd->attrs;
    for (int j = 0; j < nd->n_in + nd->n_out; j++) {
      bool is_in = j < nd->n_in;
      int v = is_in ? nd->in[j] : nd->out[j - nd->n_in];
      int32_t *slotp = is_in ? &d->inputs[j] : &d->outputs[j - nd->n_in];
      if (v < 0) {
        *slotp = -1;
        continue;
      }
      if (map[v] < 0) {
        pv_value_desc *vd = &vals[n_vals];
        int b = p->alias[v];
        vd->desc = p->descs[v];
        vd->nbytes = pv__desc_nbytes(&p->descs[v]);
        if (g->values[b].kind == PV__V_CONST) {
          vd->kind = PV_VALUE_CONST;
          vd->data = pv_tensor_data(g->values[b].constant);
        } else {
          vd->kind = PV_VALUE_ARENA;
          vd->offset = p->offset[pt->slot][v];
          if (vd->offset == PV__NO_OFFSET) {
            rc = pv_set_error(PV_ERR_INTERNAL, "plan: value %d not placed", v);
            goto done;
          }
        }
        inv[n_vals] = v;
        map[v] = n_vals++;
      }
      *slotp = map[v];
    }
  }
  pv_partition_desc pd;
  memset(&pd, 0, sizeof pd);
  pd.struct_size = sizeof pd;
  pd.n_nodes = pt->n_nodes;
  pd.nodes = nodes;
  pd.n_values = n_vals;
  pd.values = vals;
  pd.arena_size = p->arena_size[pt->slot];
  const_done_ctx cx = {c, p, inv, n_vals, done, uses};
  if (uses) {
    pd.const_done = on_const_done;
    pd.host_ctx = &cx;
  }
  pv_device *dev = c->slots[pt->slot];
  pv_plugin_device *h = pv__device_handle(dev);
  if (!h) {
    rc = pv_last_status();
    goto done;
  }
  pv_clear_error();
  rc = pv__device_plugin(dev)->partition_compile(h, &pd, &pt->compiled);
  if (rc)
    rc = pv_set_error(rc, "%s: partition compile failed: %s",
                      pv_device_name(dev), pv_last_error());
done:
  free(map);
  free(inv);
  free(done);
  free(nodes);
  free(vals);
  return rc;
}

/* Per constant (base value): how many partitions of p read it. NULL when
 * out of memory (then nothing is released early). */
static int *count_const_uses(const pv_compiled *c, const pv__plan *p) {
  const pv_graph *g = c->g;
  int *uses = calloc((size_t)g->n_values + 1, sizeof(int));
  int *seen = malloc(sizeof(int) * ((size_t)g->n_values + 1));
  if (!uses || !seen) {
    free(uses);
    free(seen);
    return NULL;
  }
  for (int v = 0; v < g->n_values; v++)
    seen[v] = -1;
  for (int i = 0; i < p->n_parts; i++)
    for (int k = 0; k < p->parts[i].n_nodes; k++) {
      const pv__gnode *nd = &g->nodes[p->parts[i].nodes[k]];
      for (int j = 0; j < nd->n_in; j++) {
        if (nd->in[j] < 0)
          continue;
        int b = p->alias[nd->in[j]];
        if (g->values[b].kind == PV__V_CONST && seen[b] != i) {
          seen[b] = i;
          uses[b]++;
        }
      }
    }
  free(seen);
  return uses;
}

int pv__plan_compile(pv_compiled *c, pv__plan *p) {
  int *uses = count_const_uses(c, p);
  for (int i = 0; i < p->n_parts; i++) {
    int rc = compile_partition(c, p, &p->parts[i], uses);
    if (rc) {
      free(uses);
      return rc;
    }
  }
  free(uses);
  if (p->n_parts > 8)
    pv_log(PV_LOG_WARN,
           "graph splits into %d partitions between %s and cpu; expect copy "
           "overhead (see --verbose)",
           p->n_parts, pv_device_name(c->slots[0]));
  return 0;
}
