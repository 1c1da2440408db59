/*
 * bench_vulkan [--plugin PATH] [--gemm N] [--min-seconds S]
 *
 * Loads the Vulkan plugin through the ABI, runs single-node partitions on
 * vulkan:0 and prints one JSON document with GFLOP/s per op and the ratio
 * of the tiled GEMM to the naive one-thread-per-output GEMM shader
 * (POLYVIS_VK_GEMM=naive, switched through the host's get_option) measured
 * in the same run.
 */
#include "internal.h"

#include <dlfcn.h>
#include <time.h>
#include <unistd.h>

static pv_host_api g_host;
static int g_naive;
static const pv_plugin_desc *D;
static pv_plugin_ctx *C;
static pv_plugin_device *DEV;

static const char *bench_get_option(const char *name) {
  if (!strcmp(name, "POLYVIS_VK_GEMM"))
    return g_naive ? "naive" : NULL;
  return pv__host_api()->get_option(name);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static pv_tensor_desc desc(int nd, const int64_t *s) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = PV_F32;
  d.ndim = nd;
  memcpy(d.shape, s, sizeof(int64_t) * (size_t)nd);
  return d;
}

static uint64_t nb(const pv_tensor_desc *d) {
  uint64_t n = 4;
  for (int i = 0; i < d->ndim; i++)
    n *= (uint64_t)d->shape[i];
  return n;
}

/* Times one node (inputs 1.. constant); returns seconds per run or -1. */
static double time_node(int op, const pv_op_attrs *at, int n_in,
                        const pv_tensor_desc *in, double min_s, int *runs) {
  pv_tensor_desc od[PV_MAX_OUTPUTS];
  if (pv__infer_node(op, at, n_in, in, 1, od))
    return -1;
  pv_value_desc v[PV_MAX_INPUTS + 1];
  memset(v, 0, sizeof v);
  float *host[PV_MAX_INPUTS] = {0};
  uint64_t off = 0;
  for (int i = 0; i <= n_in; i++) {
    const pv_tensor_desc *d = i < n_in ? &in[i] : &od[0];
    v[i].desc = *d;
    v[i].nbytes = nb(d);
    if (i > 0 && i < n_in) {
      host[i] = malloc(v[i].nbytes);
      for (uint64_t k = 0; k < v[i].nbytes / 4; k++)
        host[i][k] = (float)((k * 2654435761u) % 1000) / 1000.0f - 0.5f;
      v[i].kind = PV_VALUE_CONST;
      v[i].data = host[i];
    } else {
      v[i].offset = off;
      off += (v[i].nbytes + 255) / 256 * 256;
    }
  }
  pv_node_desc n;
  memset(&n, 0, sizeof n);
  n.op = op;
  n.n_inputs = n_in;
  n.n_outputs = 1;
  for (int i = 0; i < n_in; i++)
    n.inputs[i] = i;
  n.outputs[0] = n_in;
  n.attrs = *at;
  pv_partition_desc pd = {sizeof pd, 1, &n, n_in + 1, v, off, NULL, NULL};
  pv_plugin_buffer *arena = NULL;
  pv_plugin_partition *part = NULL;
  double per = -1;
  if (!D->buffer_alloc(DEV, off, &arena) &&
      !D->partition_compile(DEV, &pd, &part) &&
      !D->partition_execute(DEV, part, arena)) { /* warm-up + recording */
    int r = 0;
    double t0 = now(), t;
    do {
      if (D->partition_execute(DEV, part, arena))
        break;
      r++;
      t = now() - t0;
    } while (t < min_s);
    per = r ? (now() - t0) / r : -1;
    *runs = r;
  } else {
    fprintf(stderr, "bench_vulkan: %s failed: %s\n", pv_op_name(op),
            pv_last_error());
  }
  if (part)
    D->partition_release(DEV, part);
  if (arena)
    D->buffer_free(DEV, arena);
  for (int i = 0; i < n_in; i++)
    free(host[i]);
  return per;
}

static void conv_attrs(pv_op_attrs *a, int pad, int groups) {
  memset(a, 0, sizeof *a);
  a->conv.stride[0] = a->conv.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    a->conv.padding[i] = pad;
  a->conv.dilation[0] = a->conv.dilation[1] = 1;
  a->conv.groups = groups;
}

int main(int argc, char **argv) {
  const char *plugin = NULL;
  int64_t G = 1024;
  double min_s = 1.0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--plugin") && i + 1 < argc)
      plugin = argv[++i];
    else if (!strcmp(argv[i], "--gemm") && i + 1 < argc)
      G = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--min-seconds") && i + 1 < argc)
      min_s = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_vulkan [--plugin PATH] [--gemm N] "
                      "[--min-seconds S]\n");
      return 2;
    }
  }
  char path[1024];
  if (!plugin) {
    /* bin/bench_vulkan -> lib/polyvis/plugins */
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    char *s = strrchr(exe, '/');
    if (s)
      *s = 0;
    snprintf(path, sizeof path,
             "%s/../lib/polyvis/plugins/libpolyvis-backend-vulkan.so", exe);
    plugin = path;
  }
  void *lib = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
  pv_plugin_query_fn q =
      lib ? (pv_plugin_query_fn)dlsym(lib, PV_PLUGIN_QUERY_SYMBOL) : NULL;
  if (!q) {
    fprintf(stderr, "bench_vulkan: cannot load %s\n", plugin);
    return 1;
  }
  g_host = *pv__host_api();
  g_host.get_option = bench_get_option;
  D = q(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, &g_host);
  if (!D || D->init(&g_host, &C) || D->device_count(C) < 1 ||
      D->device_open(C, 0, NULL, &DEV)) {
    fprintf(stderr, "bench_vulkan: no Vulkan device\n");
    return 1;
  }
  pv_device_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  D->device_get_info(C, 0, &info);

  struct {
    const char *name;
    int op, n_in;
    pv_tensor_desc in[3];
    pv_op_attrs at;
    double flops;
    int naive;
  } cases[6];
  int nc = 0;
  pv_op_attrs none;
  memset(&none, 0, sizeof none);
  for (int naive = 0; naive < 2; naive++) {
    cases[nc].name = naive ? "gemm_naive" : "gemm";
    cases[nc].op = PV_OP_MATMUL;
    cases[nc].n_in = 2;
    cases[nc].in[0] = desc(2, (int64_t[]){G, G});
    cases[nc].in[1] = desc(2, (int64_t[]){G, G});
    cases[nc].at = none;
    cases[nc].flops = 2.0 * G * G * G;
    cases[nc].naive = naive;
    nc++;
  }
  /* conv3x3: ResNet stage-1 shape */
  cases[nc].name = "conv3x3";
  cases[nc].op = PV_OP_CONV2D;
  cases[nc].n_in = 2;
  cases[nc].in[0] = desc(4, (int64_t[]){1, 64, 56, 56});
  cases[nc].in[1] = desc(4, (int64_t[]){64, 64, 3, 3});
  conv_attrs(&cases[nc].at, 1, 1);
  cases[nc].flops = 2.0 * 64 * 56 * 56 * 64 * 9;
  cases[nc].naive = 0;
  nc++;
  cases[nc].name = "conv1x1";
  cases[nc].op = PV_OP_CONV2D;
  cases[nc].n_in = 2;
  cases[nc].in[0] = desc(4, (int64_t[]){1, 256, 56, 56});
  cases[nc].in[1] = desc(4, (int64_t[]){64, 256, 1, 1});
  conv_attrs(&cases[nc].at, 0, 1);
  cases[nc].flops = 2.0 * 64 * 56 * 56 * 256;
  cases[nc].naive = 0;
  nc++;
  cases[nc].name = "depthwise3x3";
  cases[nc].op = PV_OP_CONV2D;
  cases[nc].n_in = 2;
  cases[nc].in[0] = desc(4, (int64_t[]){1, 256, 56, 56});
  cases[nc].in[1] = desc(4, (int64_t[]){256, 1, 3, 3});
  conv_attrs(&cases[nc].at, 1, 256);
  cases[nc].flops = 2.0 * 256 * 56 * 56 * 9;
  cases[nc].naive = 0;
  nc++;

  printf("{\"device\": \"%s\", \"vendor\": \"%s\", \"results\": [", info.name,
         info.vendor);
  double gf[6] = {0};
  for (int i = 0; i < nc; i++) {
    g_naive = cases[i].naive;
    int runs = 0;
    double s = time_node(cases[i].op, &cases[i].at, cases[i].n_in, cases[i].in,
                         cases[i].naive ? 0 : min_s, &runs);
    gf[i] = s > 0 ? cases[i].flops / s * 1e-9 : 0;
    printf(
        "%s\n  {\"op\": \"%s\", \"ms\": %.3f, \"runs\": %d, \"gflops\": %.3f}",
        i ? "," : "", cases[i].name, s * 1e3, runs, gf[i]);
    fflush(stdout);
  }
  printf("\n], \"gemm_size\": %lld, \"ratios\": {\"gemm_tiled_vs_naive\": "
         "%.2f}}\n",
         (long long)G, gf[1] > 0 ? gf[0] / gf[1] : 0.0);
  D->device_close(DEV);
  D->shutdown(C);
  dlclose(lib);
  return 0;
}
