#include "vk_harness.h"

#include "internal.h"

#include <dlfcn.h>
#include <math.h>

int vkh_validation_msgs;
static pv_host_api g_host;

static void count_log(int level, const char *msg) {
  if (strstr(msg, "vulkan validation:")) {
    vkh_validation_msgs++;
    fprintf(stderr, "VALIDATION: %s\n", msg);
  }
  pv__host_api()->log(level, msg);
}

int vkh_load(vkh *h) {
  memset(h, 0, sizeof *h);
  const char *bd = getenv("POLYVIS_BUILD_DIR");
  char path[1024];
  snprintf(path, sizeof path,
           "%s/lib/polyvis/plugins/libpolyvis-backend-vulkan.so",
           bd ? bd : ".");
  h->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h->lib) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 1;
  }
  pv_plugin_query_fn q =
      (pv_plugin_query_fn)dlsym(h->lib, PV_PLUGIN_QUERY_SYMBOL);
  if (!q) {
    fprintf(stderr, "no %s in %s\n", PV_PLUGIN_QUERY_SYMBOL, path);
    return 1;
  }
  g_host = *pv__host_api();
  g_host.log = count_log;
  h->d = q(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, &g_host);
  if (!h->d || h->d->abi_major != PV_PLUGIN_ABI_MAJOR) {
    fprintf(stderr, "bad descriptor\n");
    return 1;
  }
  if (h->d->init(&g_host, &h->ctx)) {
    fprintf(stderr, "init failed: %s\n", pv_last_error());
    return 1;
  }
  return 0;
}

int vkh_open(vkh *h, int precision) {
  if (vkh_load(h))
    return 1;
  int n = h->d->device_count(h->ctx);
  if (n <= 0) {
    printf(
        "SKIP: no Vulkan device (install mesa-vulkan-drivers for lavapipe)\n");
    return 77;
  }
  pv_device_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.precision = precision;
  /* When validation was asked for, the messenger must be installed, or the
   * "no validation messages" checks would prove nothing. */
  const char *pv = getenv("POLYVIS_VK_VALIDATION"),
             *il = getenv("VK_INSTANCE_LAYERS");
  if ((pv && !strcmp(pv, "1")) ||
      (il && strstr(il, "VK_LAYER_KHRONOS_validation"))) {
    char desc[1024] = "";
    h->d->device_describe(h->ctx, 0, desc, sizeof desc);
    if (!strstr(desc, "validation=on")) {
      fprintf(stderr, "validation requested but not active: %s\n", desc);
      return 1;
    }
  }
  if (h->d->device_open(h->ctx, 0, &o, &h->dev)) {
    fprintf(stderr, "device_open failed: %s\n", pv_last_error());
    return 1;
  }
  return 0;
}

void vkh_close(vkh *h) {
  if (h->dev)
    h->d->device_close(h->dev);
  if (h->ctx)
    h->d->shutdown(h->ctx);
  if (h->lib)
    dlclose(h->lib);
  memset(h, 0, sizeof *h);
}

pv_tensor_desc vkh_desc(int dtype, int ndim, const int64_t *shape) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = dtype;
  d.ndim = ndim;
  for (int i = 0; i < ndim; i++)
    d.shape[i] = shape[i];
  return d;
}

static uint64_t nbytes(const pv_tensor_desc *d) {
  uint64_t n = pv_dtype_size((pv_dtype)d->dtype);
  for (int i = 0; i < d->ndim; i++)
    n *= (uint64_t)d->shape[i];
  return n;
}

int vkh_run_multi(vkh *h, int op, const pv_op_attrs *attrs, int n_in,
                  const pv_tensor_desc *in, const void *const *data,
                  uint32_t const_mask, int n_out, pv_tensor_desc *out_descs,
                  void **outs) {
  pv_tensor_desc od[PV_MAX_OUTPUTS];
  for (int k = 0; k < n_out; k++)
    outs[k] = NULL;
  int rc = pv__infer_node(op, attrs, n_in, in, n_out, od);
  if (rc)
    return rc;
  pv_op_desc q;
  memset(&q, 0, sizeof q);
  q.op = op;
  q.n_inputs = n_in;
  q.n_outputs = n_out;
  memcpy(q.inputs, in, sizeof(pv_tensor_desc) * (size_t)n_in);
  memcpy(q.outputs, od, sizeof(pv_tensor_desc) * (size_t)n_out);
  memcpy(out_descs, od, sizeof(pv_tensor_desc) * (size_t)n_out);
  q.const_inputs = const_mask;
  q.attrs = *attrs;
  if (!h->d->supports_op(h->dev, &q)) {
    fprintf(stderr, "supports_op(%s) = 0\n", pv_op_name(op));
    return PV_ERR_UNSUPPORTED;
  }
  pv_value_desc vals[PV_MAX_INPUTS + PV_MAX_OUTPUTS];
  memset(vals, 0, sizeof vals);
  uint64_t off = 64; /* not 0, to exercise offsets */
  for (int i = 0; i < n_in + n_out; i++) {
    const pv_tensor_desc *d = i < n_in ? &in[i] : &od[i - n_in];
    vals[i].desc = *d;
    vals[i].nbytes = nbytes(d);
    if (i < n_in && (const_mask & (1u << i))) {
      vals[i].kind = PV_VALUE_CONST;
      vals[i].data = data[i];
    } else {
      vals[i].kind = PV_VALUE_ARENA;
      vals[i].offset = off;
      off += (vals[i].nbytes + 255) / 256 * 256 + 64;
    }
  }
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.n_inputs = n_in;
  node.n_outputs = n_out;
  for (int i = 0; i < n_in; i++)
    node.inputs[i] = i;
  for (int k = 0; k < n_out; k++)
    node.outputs[k] = n_in + k;
  node.attrs = *attrs;
  pv_partition_desc pd = {sizeof pd, 1,   &node, n_in + n_out,
                          vals,      off, NULL,  NULL};
  pv_plugin_buffer *arena = NULL;
  pv_plugin_partition *part = NULL;
  rc = h->d->buffer_alloc(h->dev, off, &arena);
  for (int i = 0; i < n_in && !rc; i++)
    if (vals[i].kind == PV_VALUE_ARENA)
      rc = h->d->buffer_write(h->dev, arena, vals[i].offset, data[i],
                              vals[i].nbytes);
  if (!rc)
    rc = h->d->partition_compile(h->dev, &pd, &part);
  if (!rc)
    rc = h->d->partition_execute(h->dev, part, arena);
  for (int k = 0; k < n_out; k++) {
    const pv_value_desc *v = &vals[n_in + k];
    outs[k] = malloc(v->nbytes + 1);
    if (!rc)
      rc = h->d->buffer_read(h->dev, arena, v->offset, outs[k], v->nbytes);
  }
  if (part)
    h->d->partition_release(h->dev, part);
  if (arena)
    h->d->buffer_free(h->dev, arena);
  if (rc)
    fprintf(stderr, "run %s failed: %s\n", pv_op_name(op), pv_last_error());
  return rc;
}

int vkh_run(vkh *h, int op, const pv_op_attrs *attrs, int n_in,
            const pv_tensor_desc *in, const void *const *data,
            uint32_t const_mask, pv_tensor_desc *out_desc, void **out) {
  return vkh_run_multi(h, op, attrs, n_in, in, data, const_mask, 1, out_desc,
                       out);
}

int vkh_close_enough(const char *what, const float *got, const float *want,
                     int64_t n, double tol) {
  double maxd = 0, maxw = 1e-30;
  int64_t worst = 0;
  for (int64_t i = 0; i < n; i++) {
    double d = fabs((double)got[i] - (double)want[i]);
    if (isnan(got[i]) != isnan(want[i]))
      d = INFINITY;
    if (d > maxd) {
      maxd = d;
      worst = i;
    }
    if (fabs(want[i]) > maxw)
      maxw = fabs(want[i]);
  }
  if (maxd / maxw > tol) {
    fprintf(stderr, "%s: rel error %g at %lld (got %g want %g)\n", what,
            maxd / maxw, (long long)worst, got[worst], want[worst]);
    return 0;
  }
  return 1;
}

static uint32_t g_seed = 12345;

void vkh_seed(uint32_t seed) { g_seed = seed; }

float vkh_frand(void) {
  g_seed = g_seed * 1664525u + 1013904223u;
  return (float)((g_seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

float *vkh_rnd(int64_t n) {
  float *p = malloc(sizeof(float) * (size_t)(n ? n : 1));
  for (int64_t i = 0; p && i < n; i++)
    p[i] = vkh_frand();
  return p;
}

pv_op_attrs vkh_zattrs(void) {
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  return a;
}
