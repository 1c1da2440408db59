/*
 * The CPU backend: devices, buffers (plain host memory), and partitions
 * executed node by node with the kernels of ops/.
 */
#include "cpu_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const pv_host_api *pv__cpu_host;

int pv__cpu_error(int status, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pv__cpu_host->set_error(status, msg);
}

struct pv_plugin_ctx {
  int dummy;
};
struct pv_plugin_device {
  int dummy;
};
struct pv_plugin_buffer {
  void *data;
  uint64_t size;
};

typedef struct cpu_partition {
  int n_nodes;
  pv_node_desc *nodes;
  int n_values;
  pv_value_desc *values;
  void **prepared;
  /* POLYVIS_CPU_PROFILE=1: time per op kind (ns) and node runs, summed over
   * every execution (atomics: executions may run in parallel), printed to
   * stderr when the partition is released. */
  uint64_t *prof_ns, *prof_runs, *prof_node;
} cpu_partition;

/* Profile slots: one per op kind, and three more that split conv2d by
 * path, since it usually dominates. */
#define PROF_SLOTS (PV_OP_COUNT + 6)
static const char *const k_conv_kinds[6] = {
    "conv2d (depthwise)",       "conv2d (1x1)",       "conv2d (other)",
    "qlinear_conv (depthwise)", "qlinear_conv (1x1)", "qlinear_conv (other)"};

static int prof_slot(const cpu_partition *p, const pv_node_desc *n) {
  if (n->op != PV_OP_CONV2D && n->op != PV_OP_QLINEAR_CONV)
    return n->op;
  int q = n->op == PV_OP_QLINEAR_CONV;
  const pv_tensor_desc *x = &p->values[n->inputs[0]].desc,
                       *w = &p->values[n->inputs[q ? 3 : 1]].desc;
  int base = PV_OP_COUNT + 3 * q;
  if (n->attrs.conv.groups > 1 && n->attrs.conv.groups == x->shape[1])
    return base;
  return base + (w->shape[2] == 1 && w->shape[3] == 1 ? 1 : 2);
}

static pv_plugin_ctx g_ctx;
static pv_plugin_device g_dev;

static int cpu_init(const pv_host_api *host, pv_plugin_ctx **ctx) {
  pv__cpu_host = host;
  *ctx = &g_ctx;
  return 0;
}
static void cpu_shutdown(pv_plugin_ctx *ctx) {
  (void)ctx;
  pv__cpu_scratch_release_all();
}
static int cpu_device_count(pv_plugin_ctx *ctx) { return 1; }

static int cpu_device_get_info(pv_plugin_ctx *ctx, int index,
                               pv_device_info *info) {
  uint32_t ss = info->struct_size;
  memset(info, 0, ss ? ss : sizeof *info);
  info->struct_size = ss;
  info->type = PV_DEVICE_CPU;
  snprintf(info->name, sizeof info->name, "CPU (%d threads)",
           pv__cpu_host->num_threads());
  snprintf(info->vendor, sizeof info->vendor, "polyvis");
  snprintf(info->driver, sizeof info->driver, "native");
  long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
  info->memory_bytes =
      pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
  info->max_alloc_bytes = info->memory_bytes;
  info->caps = PV_CAP_HOST_MEMORY | PV_CAP_INT8;
  info->score = 0;
  return 0;
}

static int cpu_device_open(pv_plugin_ctx *ctx, int index,
                           const pv_device_options *opts,
                           pv_plugin_device **dev) {
  *dev = &g_dev;
  return 0;
}
static void cpu_device_close(pv_plugin_device *dev) { (void)dev; }

static int cpu_buffer_alloc(pv_plugin_device *dev, uint64_t size,
                            pv_plugin_buffer **out) {
  pv_plugin_buffer *b = calloc(1, sizeof *b);
  if (!b)
    return pv__cpu_error(-2, "cpu: out of memory");
  b->data = pv__cpu_host->aligned_alloc(64, size ? size : 1);
  if (!b->data) {
    free(b);
    return pv__cpu_error(-2, "cpu: cannot allocate %llu bytes",
                         (unsigned long long)size);
  }
  b->size = size;
  *out = b;
  return 0;
}

static void cpu_buffer_free(pv_plugin_device *dev, pv_plugin_buffer *b) {
  if (!b)
    return;
  pv__cpu_host->aligned_free(b->data);
  free(b);
}

static int cpu_buffer_write(pv_plugin_device *dev, pv_plugin_buffer *b,
                            uint64_t off, const void *src, uint64_t size) {
  if (off > b->size || size > b->size - off)
    return pv__cpu_error(-15, "cpu: buffer write out of range");
  memcpy((char *)b->data + off, src, size);
  return 0;
}

static int cpu_buffer_read(pv_plugin_device *dev, pv_plugin_buffer *b,
                           uint64_t off, void *dst, uint64_t size) {
  if (off > b->size || size > b->size - off)
    return pv__cpu_error(-15, "cpu: buffer read out of range");
  memcpy(dst, (char *)b->data + off, size);
  return 0;
}

static void *cpu_buffer_host_ptr(pv_plugin_device *dev, pv_plugin_buffer *b) {
  return b->data;
}

static int all_f32(const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 && op->inputs[i].dtype != PV_F32)
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (op->outputs[i].dtype != PV_F32)
      return 0;
  return 1;
}

static int cpu_supports_op(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_cpu_op_impl *impl = pv__cpu_op_impl(op->op);
  if (!impl || !impl->run)
    return 0;
  return impl->supports ? impl->supports(op) : all_f32(op);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The profile, slowest op kinds first. */
static void print_profile(const cpu_partition *p) {
  uint64_t total = 0;
  for (int op = 0; op < PROF_SLOTS; op++)
    total += p->prof_ns[op];
  if (!total)
    return;
  fprintf(stderr, "polyvis cpu profile (partition of %d nodes): %.3f ms\n",
          p->n_nodes, (double)total / 1e6);
  bool done[PROF_SLOTS] = {0};
  for (;;) {
    int best = -1;
    for (int op = 0; op < PROF_SLOTS; op++)
      if (!done[op] && p->prof_ns[op] &&
          (best < 0 || p->prof_ns[op] > p->prof_ns[best]))
        best = op;
    if (best < 0)
      break;
    done[best] = true;
    fprintf(stderr, "  %-24s %8llu runs %10.3f ms %5.1f%%\n",
            best < PV_OP_COUNT ? pv__cpu_host->op_name(best)
                               : k_conv_kinds[best - PV_OP_COUNT],
            (unsigned long long)p->prof_runs[best],
            (double)p->prof_ns[best] / 1e6,
            100.0 * (double)p->prof_ns[best] / (double)total);
  }
  /* the slowest nodes, with their output shapes */
  fprintf(stderr, "  slowest nodes:\n");
  bool *seen = calloc((size_t)p->n_nodes + 1, 1);
  for (int r = 0; r < 10 && seen; r++) {
    int best = -1;
    for (int i = 0; i < p->n_nodes; i++)
      if (!seen[i] && p->prof_node[i] &&
          (best < 0 || p->prof_node[i] > p->prof_node[best]))
        best = i;
    if (best < 0)
      break;
    seen[best] = true;
    const pv_node_desc *n = &p->nodes[best];
    const pv_tensor_desc *y = &p->values[n->outputs[0]].desc;
    char shp[96];
    int o = 0;
    for (int d = 0; d < y->ndim && o < (int)sizeof shp - 24; d++)
      o += snprintf(shp + o, sizeof shp - (size_t)o, "%s%lld", d ? "x" : "",
                    (long long)y->shape[d]);
    shp[o] = 0;
    fprintf(stderr, "    node %4d %-24s -> %-20s %10.3f ms\n", best,
            prof_slot(p, n) >= PV_OP_COUNT
                ? k_conv_kinds[prof_slot(p, n) - PV_OP_COUNT]
                : pv__cpu_host->op_name(n->op),
            shp, (double)p->prof_node[best] / 1e6);
  }
  free(seen);
}

static void release_partition(cpu_partition *p) {
  if (!p)
    return;
  if (p->prof_ns) {
    print_profile(p);
    free(p->prof_ns);
  }
  for (int i = 0; i < p->n_nodes && p->prepared; i++) {
    const pv_cpu_op_impl *impl = pv__cpu_op_impl(p->nodes[i].op);
    if (p->prepared[i] && impl && impl->release)
      impl->release(p->prepared[i]);
  }
  free(p->prepared);
  free(p->nodes);
  free(p->values);
  free(p);
}

static int cpu_partition_compile(pv_plugin_device *dev,
                                 const pv_partition_desc *pd,
                                 pv_plugin_partition **out) {
  cpu_partition *p = calloc(1, sizeof *p);
  if (!p)
    return pv__cpu_error(-2, "cpu: out of memory");
  const char *prof = pv__cpu_host->get_option("POLYVIS_CPU_PROFILE");
  if (prof && *prof && strcmp(prof, "0")) {
    p->prof_ns =
        calloc(2 * PROF_SLOTS + (size_t)pd->n_nodes + 1, sizeof(uint64_t));
    p->prof_runs = p->prof_ns ? p->prof_ns + PROF_SLOTS : NULL;
    p->prof_node = p->prof_ns ? p->prof_runs + PROF_SLOTS : NULL;
  }
  p->n_nodes = pd->n_nodes;
  p->n_values = pd->n_values;
  p->nodes =
      malloc(sizeof(pv_node_desc) * (size_t)(pd->n_nodes ? pd->n_nodes : 1));
  p->values =
      malloc(sizeof(pv_value_desc) * (size_t)(pd->n_values ? pd->n_values : 1));
  p->prepared = calloc((size_t)(pd->n_nodes ? pd->n_nodes : 1), sizeof(void *));
  if (!p->nodes || !p->values || !p->prepared) {
    release_partition(p);
    return pv__cpu_error(-2, "cpu: out of memory");
  }
  memcpy(p->nodes, pd->nodes, sizeof(pv_node_desc) * (size_t)pd->n_nodes);
  memcpy(p->values, pd->values, sizeof(pv_value_desc) * (size_t)pd->n_values);
  /* reads left per value: a constant whose every reader repacked it is
   * handed back to the host as soon as the last one has (const_done) */
  int *reads = NULL;
  if (pd->struct_size >=
          offsetof(pv_partition_desc, host_ctx) + sizeof pd->host_ctx &&
      pd->const_done)
    reads = calloc((size_t)(pd->n_values ? pd->n_values : 1), sizeof(int));
  for (int i = 0; reads && i < p->n_nodes; i++)
    for (int k = 0; k < p->nodes[i].n_inputs; k++)
      if (p->nodes[i].inputs[k] >= 0)
        reads[p->nodes[i].inputs[k]]++;
  for (int i = 0; i < p->n_nodes; i++) {
    const pv_cpu_op_impl *impl = pv__cpu_op_impl(p->nodes[i].op);
    if (!impl || !impl->run) {
      int op = p->nodes[i].op;
      free(reads);
      release_partition(p);
      return pv__cpu_error(-12, "cpu: op %s has no kernel",
                           pv__cpu_host->op_name(op));
    }
    if (impl->prepare) {
      int rc = impl->prepare(&p->nodes[i], p->values, &p->prepared[i]);
      if (rc) {
        free(reads);
        release_partition(p);
        return rc;
      }
    }
    int k = impl->prepare_consumes - 1;
    if (reads && p->prepared[i] && k >= 0 && k < p->nodes[i].n_inputs) {
      int v = p->nodes[i].inputs[k];
      if (v >= 0 && p->values[v].kind == PV_VALUE_CONST && --reads[v] == 0) {
        pd->const_done(pd->host_ctx, v);
        p->values[v].data = NULL; /* the host may have freed it */
      }
    }
  }
  free(reads);
  *out = (pv_plugin_partition *)p;
  return 0;
}

static void *value_ptr(const cpu_partition *p, int v, char *arena) {
  const pv_value_desc *vd = &p->values[v];
  if (vd->kind == PV_VALUE_CONST)
    return (void *)vd->data;
  return arena + vd->offset;
}

static int cpu_partition_execute(pv_plugin_device *dev,
                                 pv_plugin_partition *part,
                                 pv_plugin_buffer *arena) {
  cpu_partition *p = (cpu_partition *)part;
  char *base = arena ? arena->data : NULL;
  for (int i = 0; i < p->n_nodes; i++) {
    const pv_node_desc *n = &p->nodes[i];
    pv_cpu_exec e;
    memset(&e, 0, sizeof e);
    e.node = n;
    e.n_in = n->n_inputs;
    e.n_out = n->n_outputs;
    e.prepared = p->prepared[i];
    for (int k = 0; k < n->n_inputs; k++) {
      if (n->inputs[k] < 0)
        continue;
      e.in[k].desc = &p->values[n->inputs[k]].desc;
      e.in[k].data = value_ptr(p, n->inputs[k], base);
    }
    for (int k = 0; k < n->n_outputs; k++) {
      e.out[k].desc = &p->values[n->outputs[k]].desc;
      e.out[k].data = value_ptr(p, n->outputs[k], base);
    }
    uint64_t t0 = p->prof_ns ? now_ns() : 0;
    int rc = pv__cpu_op_impl(n->op)->run(&e);
    if (rc)
      return rc;
    if (p->prof_ns) {
      int k = prof_slot(p, n);
      __atomic_fetch_add(&p->prof_ns[k], now_ns() - t0, __ATOMIC_RELAXED);
      __atomic_fetch_add(&p->prof_runs[k], 1, __ATOMIC_RELAXED);
      __atomic_fetch_add(&p->prof_node[i], now_ns() - t0, __ATOMIC_RELAXED);
    }
  }
  return 0;
}

static void cpu_partition_release(pv_plugin_device *dev,
                                  pv_plugin_partition *part) {
  release_partition((cpu_partition *)part);
}

static int cpu_device_describe(pv_plugin_ctx *ctx, int index, char *buf,
                               size_t size) {
  int n = 0;
  for (int op = 1; op < PV_OP_COUNT; op++)
    if (pv__cpu_op_impl(op))
      n++;
  snprintf(buf, size, "threads=%d kernels=%d/%d", pv__cpu_host->num_threads(),
           n, PV_OP_COUNT - 1);
  return 0;
}

static const pv_plugin_desc g_desc = {
    .struct_size = sizeof(pv_plugin_desc),
    .abi_major = PV_PLUGIN_ABI_MAJOR,
    .abi_minor = PV_PLUGIN_ABI_MINOR,
    .name = "cpu",
    .version = "0.1.0",
    .features = 0,
    .init = cpu_init,
    .shutdown = cpu_shutdown,
    .device_count = cpu_device_count,
    .device_get_info = cpu_device_get_info,
    .device_open = cpu_device_open,
    .device_close = cpu_device_close,
    .buffer_alloc = cpu_buffer_alloc,
    .buffer_free = cpu_buffer_free,
    .buffer_write = cpu_buffer_write,
    .buffer_read = cpu_buffer_read,
    .buffer_host_ptr = cpu_buffer_host_ptr,
    .supports_op = cpu_supports_op,
    .partition_compile = cpu_partition_compile,
    .partition_execute = cpu_partition_execute,
    .partition_release = cpu_partition_release,
    .synchronize = NULL,
    .device_describe = cpu_device_describe,
};

const pv_plugin_desc *pv__cpu_plugin_query(uint32_t major, uint32_t minor,
                                           const pv_host_api *host) {
  (void)major;
  (void)minor;
  (void)host;
  return &g_desc;
}
