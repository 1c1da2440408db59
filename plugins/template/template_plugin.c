/*
 * A minimal out-of-tree polyvis backend: copy this directory to start a new
 * one. It builds against the installed <polyvis/plugin.h> alone, keeps its
 * "device memory" in host RAM, and implements three f32 ops (relu, add and
 * mul with numpy broadcasting). Everything else it declines in supports_op,
 * and polyvis runs those ops on the CPU backend instead.
 *
 * Build:  cmake -S . -B build -DCMAKE_PREFIX_PATH=<polyvis prefix>
 * Use:    POLYVIS_PLUGIN_PATH=$PWD/build polyvis devices
 */
#include <polyvis/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pv_host_api *host;

struct pv_plugin_ctx {
  int unused;
};
struct pv_plugin_device {
  int unused;
};
struct pv_plugin_buffer {
  unsigned char *data;
  uint64_t size;
};

typedef struct partition {
  int n_nodes;
  pv_node_desc *nodes;
  pv_value_desc *values;
} partition;

static pv_plugin_ctx ctx_storage;
static pv_plugin_device dev_storage;

static int fail(int code, const char *msg) {
  return host->set_error(code, msg);
}

static int t_init(const pv_host_api *h, pv_plugin_ctx **ctx) {
  host = h;
  /* tests: leave a trace that init ran (test_plugin_defer) */
  const char *marker = getenv("PV_TEMPLATE_INIT_MARKER");
  FILE *f = marker && *marker ? fopen(marker, "w") : NULL;
  if (f)
    fclose(f);
  *ctx = &ctx_storage;
  return 0;
}
/* Optional (ABI 1.1): could a hardware device exist here, before init()?
 * A real backend looks for the device nodes its driver needs (see
 * backends/common/hw_probe.h) and answers 0 when there are none, so that the
 * auto device policy does not load its driver for nothing. The template
 * emulates its device on the host, so it answers "maybe" unless the tests
 * ask it not to (PV_TEMPLATE_HW_PROBE=0). */
static int t_hardware_probe(void) {
  const char *v = getenv("PV_TEMPLATE_HW_PROBE");
  return !(v && !strcmp(v, "0"));
}

static void t_shutdown(pv_plugin_ctx *ctx) { (void)ctx; }
static int t_device_count(pv_plugin_ctx *ctx) { return 1; }

static int t_device_get_info(pv_plugin_ctx *ctx, int index,
                             pv_device_info *info) {
  uint32_t ss = info->struct_size;
  memset(info, 0, ss);
  info->struct_size = ss;
  info->type = PV_DEVICE_OTHER;
  snprintf(info->name, sizeof info->name, "template device");
  snprintf(info->vendor, sizeof info->vendor, "example");
  snprintf(info->driver, sizeof info->driver, "host memory");
  info->memory_bytes = 1ull << 30;
  info->max_alloc_bytes = 1ull << 30;
  info->caps = PV_CAP_HOST_MEMORY;
  return 0;
}

static int t_device_open(pv_plugin_ctx *ctx, int index,
                         const pv_device_options *o, pv_plugin_device **dev) {
  *dev = &dev_storage;
  return 0;
}
static void t_device_close(pv_plugin_device *dev) { (void)dev; }

static int t_buffer_alloc(pv_plugin_device *dev, uint64_t size,
                          pv_plugin_buffer **out) {
  pv_plugin_buffer *b = calloc(1, sizeof *b);
  if (!b || !(b->data = host->aligned_alloc(64, size ? size : 1))) {
    free(b);
    return fail(-2, "template: out of memory");
  }
  b->size = size;
  *out = b;
  return 0;
}

static void t_buffer_free(pv_plugin_device *dev, pv_plugin_buffer *b) {
  if (b)
    host->aligned_free(b->data);
  free(b);
}

static int t_buffer_write(pv_plugin_device *dev, pv_plugin_buffer *b,
                          uint64_t off, const void *src, uint64_t n) {
  if (off > b->size || n > b->size - off)
    return fail(-15, "template: write out of range");
  memcpy(b->data + off, src, n);
  return 0;
}

static int t_buffer_read(pv_plugin_device *dev, pv_plugin_buffer *b,
                         uint64_t off, void *dst, uint64_t n) {
  if (off > b->size || n > b->size - off)
    return fail(-15, "template: read out of range");
  memcpy(dst, b->data + off, n);
  return 0;
}

static int t_supports_op(pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->op != PV_OP_RELU && op->op != PV_OP_ADD && op->op != PV_OP_MUL)
    return 0;
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].dtype != PV_F32)
      return 0;
  if (op->op != PV_OP_RELU && op->attrs.binary.act.op != PV_OP_NONE)
    return 0; /* no fused activations here */
  return 1;
}

static int t_compile(pv_plugin_device *dev, const pv_partition_desc *pd,
                     pv_plugin_partition **out) {
  partition *p = calloc(1, sizeof *p);
  if (!p)
    return fail(-2, "template: out of memory");
  p->n_nodes = pd->n_nodes;
  p->nodes = malloc(sizeof(pv_node_desc) * (size_t)pd->n_nodes);
  p->values = malloc(sizeof(pv_value_desc) * (size_t)pd->n_values);
  if (!p->nodes || !p->values) {
    free(p->nodes);
    free(p->values);
    free(p);
    return fail(-2, "template: out of memory");
  }
  memcpy(p->nodes, pd->nodes, sizeof(pv_node_desc) * (size_t)pd->n_nodes);
  memcpy(p->values, pd->values, sizeof(pv_value_desc) * (size_t)pd->n_values);
  *out = (pv_plugin_partition *)p;
  return 0;
}

static float *ptr(const partition *p, int v, pv_plugin_buffer *arena) {
  const pv_value_desc *d = &p->values[v];
  return d->kind == PV_VALUE_CONST ? (float *)d->data
                                   : (float *)(arena->data + d->offset);
}

/* Index of output element i in a broadcast input of shape `in`. */
static int64_t bcast_index(const pv_tensor_desc *out, const pv_tensor_desc *in,
                           int64_t i) {
  int64_t idx = 0, stride = 1;
  for (int d = out->ndim - 1; d >= 0; d--) {
    int64_t coord = i % out->shape[d];
    i /= out->shape[d];
    int id = d - (out->ndim - in->ndim);
    if (id >= 0) {
      if (in->shape[id] != 1)
        idx += coord * stride;
      stride *= in->shape[id];
    }
  }
  return idx;
}

static int t_execute(pv_plugin_device *dev, pv_plugin_partition *part,
                     pv_plugin_buffer *arena) {
  partition *p = (partition *)part;
  for (int k = 0; k < p->n_nodes; k++) {
    const pv_node_desc *n = &p->nodes[k];
    const pv_tensor_desc *od = &p->values[n->outputs[0]].desc;
    int64_t count = 1;
    for (int d = 0; d < od->ndim; d++)
      count *= od->shape[d];
    float *y = ptr(p, n->outputs[0], arena);
    const float *a = ptr(p, n->inputs[0], arena);
    if (n->op == PV_OP_RELU) {
      for (int64_t i = 0; i < count; i++)
        y[i] = a[i] > 0 ? a[i] : 0;
      continue;
    }
    const float *b = ptr(p, n->inputs[1], arena);
    const pv_tensor_desc *ad = &p->values[n->inputs[0]].desc;
    const pv_tensor_desc *bd = &p->values[n->inputs[1]].desc;
    for (int64_t i = 0; i < count; i++) {
      float va = a[bcast_index(od, ad, i)], vb = b[bcast_index(od, bd, i)];
      y[i] = n->op == PV_OP_ADD ? va + vb : va * vb;
    }
  }
  return 0;
}

static void t_release(pv_plugin_device *dev, pv_plugin_partition *part) {
  partition *p = (partition *)part;
  free(p->nodes);
  free(p->values);
  free(p);
}

static const pv_plugin_desc desc = {
    .struct_size = sizeof(pv_plugin_desc),
    .abi_major = PV_PLUGIN_ABI_MAJOR,
    .abi_minor = PV_PLUGIN_ABI_MINOR,
    .name = "template",
    .version = "1.0.0",
    .init = t_init,
    .shutdown = t_shutdown,
    .device_count = t_device_count,
    .device_get_info = t_device_get_info,
    .device_open = t_device_open,
    .device_close = t_device_close,
    .buffer_alloc = t_buffer_alloc,
    .buffer_free = t_buffer_free,
    .buffer_write = t_buffer_write,
    .buffer_read = t_buffer_read,
    .supports_op = t_supports_op,
    .partition_compile = t_compile,
    .partition_execute = t_execute,
    .partition_release = t_release,
    .hardware_probe = t_hardware_probe,
};

PV_PLUGIN_EXPORT const pv_plugin_desc *
pv_plugin_query(uint32_t major, uint32_t minor, const pv_host_api *h) {
  (void)major;
  (void)minor;
  (void)h;
  return &desc;
}
