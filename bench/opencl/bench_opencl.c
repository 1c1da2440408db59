/*
 * bench_opencl: GFLOP/s of the OpenCL backend's heavy ops on opencl:0, with
 * the naive one-work-item-per-output GEMM kernel measured in the same run as
 * the baseline peer (POLYVIS_OCL_GEMM=naive selects it at compile time).
 *
 *   bench_opencl [--quick] [--size N]
 *
 * Prints one JSON document. Each op runs once to warm up (kernel build,
 * PoCL's work-group compile), then repeatedly for at least ~0.3 s (naive:
 * once). Exit 0 when done, 77 when there is no OpenCL device.
 */
#include "internal.h"

#include <dlfcn.h>
#include <polyvis/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const pv_plugin_desc *D;
static pv_plugin_ctx *C;
static pv_plugin_device *DEV;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static pv_tensor_desc mk(int ndim, const int64_t *s) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = PV_F32;
  d.ndim = ndim;
  memcpy(d.shape, s, sizeof(int64_t) * (size_t)ndim);
  return d;
}

static void fill(float *p, int64_t n) {
  uint32_t s = 12345;
  for (int64_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
}

/* Times one node: input 0 in the arena, the others constants. Returns
 * seconds per run, or -1 on error. */
static double time_node(int op, const pv_op_attrs *at, int n_in,
                        const pv_tensor_desc *in, int max_iters) {
  pv_tensor_desc out;
  if (pv__infer_node(op, at, n_in, in, 1, &out))
    return -1;
  pv_value_desc v[4];
  memset(v, 0, sizeof v);
  float *bufs[4] = {0};
  uint64_t off = 0;
  for (int i = 0; i <= n_in; i++) {
    v[i].desc = i < n_in ? in[i] : out;
    v[i].nbytes = pv__desc_nbytes(&v[i].desc);
    if (i > 0 && i < n_in) {
      bufs[i] = malloc(v[i].nbytes);
      fill(bufs[i], (int64_t)(v[i].nbytes / 4));
      v[i].kind = PV_VALUE_CONST;
      v[i].data = bufs[i];
    } else {
      v[i].kind = PV_VALUE_ARENA;
      v[i].offset = off;
      off += PV__ALIGN_UP(v[i].nbytes, 4096);
    }
  }
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.n_inputs = n_in;
  node.n_outputs = 1;
  for (int i = 0; i < n_in; i++)
    node.inputs[i] = i;
  node.outputs[0] = n_in;
  node.attrs = *at;
  pv_partition_desc pd = {.struct_size = sizeof pd,
                          .n_nodes = 1,
                          .nodes = &node,
                          .n_values = n_in + 1,
                          .values = v,
                          .arena_size = off};
  pv_plugin_partition *part = NULL;
  pv_plugin_buffer *arena = NULL;
  double per = -1;
  if (D->partition_compile(DEV, &pd, &part) == 0 &&
      D->buffer_alloc(DEV, off, &arena) == 0) {
    float *x = malloc(v[0].nbytes);
    fill(x, (int64_t)(v[0].nbytes / 4));
    D->buffer_write(DEV, arena, 0, x, v[0].nbytes);
    free(x);
    if (D->partition_execute(DEV, part, arena) == 0) { /* warm-up */
      int iters = 0;
      double t0 = now(), t;
      do {
        D->partition_execute(DEV, part, arena);
        iters++;
        t = now() - t0;
      } while (t < 0.3 && iters < max_iters);
      per = t / iters;
    }
  } else {
    fprintf(stderr, "bench_opencl: %s: %s\n", pv_op_name(op), pv_last_error());
  }
  if (arena)
    D->buffer_free(DEV, arena);
  if (part)
    D->partition_release(DEV, part);
  for (int i = 0; i < 4; i++)
    free(bufs[i]);
  return per;
}

static double gemm_secs(int64_t n, int naive) {
  if (naive)
    setenv("POLYVIS_OCL_GEMM", "naive", 1);
  else
    unsetenv("POLYVIS_OCL_GEMM");
  int64_t sa[2] = {n, n};
  pv_tensor_desc in[2] = {mk(2, sa), mk(2, sa)};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  at.gemm.alpha = 1.0f;
  at.gemm.beta = 1.0f;
  double s = time_node(PV_OP_GEMM, &at, 2, in, naive ? 1 : 50);
  unsetenv("POLYVIS_OCL_GEMM");
  return s;
}

static double conv_secs(int64_t cin, int64_t hw, int64_t cout, int k,
                        int groups, double *flops) {
  int64_t sx[4] = {1, cin, hw, hw}, sw[4] = {cout, cin / groups, k, k},
          sb[1] = {cout};
  pv_tensor_desc in[3] = {mk(4, sx), mk(4, sw), mk(1, sb)};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  at.conv.stride[0] = at.conv.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    at.conv.padding[i] = k / 2;
  at.conv.dilation[0] = at.conv.dilation[1] = 1;
  at.conv.groups = groups;
  at.conv.act.op = PV_OP_RELU;
  *flops =
      2.0 * (double)cout * (double)hw * hw * (double)(cin / groups) * k * k;
  return time_node(PV_OP_CONV2D, &at, 3, in, 50);
}

int main(int argc, char **argv) {
  int quick = 0;
  int64_t n = 1024;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strcmp(argv[i], "--size") && i + 1 < argc)
      n = atoll(argv[++i]);
  }
  if (quick)
    n = 256;
  void *so = dlopen(PV_OCL_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (!so) {
    fprintf(stderr, "bench_opencl: %s\n", dlerror());
    return 1;
  }
  pv_plugin_query_fn q;
  *(void **)&q = dlsym(so, PV_PLUGIN_QUERY_SYMBOL);
  D = q ? q(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, pv__host_api()) : NULL;
  if (!D || D->init(pv__host_api(), &C)) {
    fprintf(stderr, "bench_opencl: plugin init failed\n");
    return 1;
  }
  if (D->device_count(C) == 0) {
    fprintf(stderr, "bench_opencl: no OpenCL device\n");
    D->shutdown(C);
    return 77;
  }
  pv_device_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  D->device_get_info(C, 0, &info);
  pv_device_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  if (D->device_open(C, 0, &o, &DEV)) {
    fprintf(stderr, "bench_opencl: %s\n", pv_last_error());
    return 1;
  }
  double gf = 2.0 * (double)n * n * n * 1e-9;
  double tt = gemm_secs(n, 0), tn = gemm_secs(n, 1);
  int64_t s = quick ? 2 : 1;
  double f3, f1, fd;
  double t3 = conv_secs(64 / s, 56 / s, 64 / s, 3, 1, &f3);
  double t1 = conv_secs(256 / s, 28 / s, 256 / s, 1, 1, &f1);
  double td = conv_secs(256 / s, 56 / s, 256 / s, 3, (int)(256 / s), &fd);
  printf("{\n  \"device\": \"opencl:0 %s\",\n  \"driver\": \"%s\",\n",
         info.name, info.driver);
  printf("  \"gemm\": {\"m\": %lld, \"n\": %lld, \"k\": %lld, "
         "\"tiled_gflops\": %.2f, \"naive_gflops\": %.2f, "
         "\"tiled_over_naive\": %.2f},\n",
         (long long)n, (long long)n, (long long)n, tt > 0 ? gf / tt : 0,
         tn > 0 ? gf / tn : 0, tt > 0 && tn > 0 ? tn / tt : 0);
  printf("  \"conv3x3\": {\"shape\": \"1x%lldx%lldx%lld->%lld\", \"gflops\": "
         "%.2f},\n",
         (long long)(64 / s), (long long)(56 / s), (long long)(56 / s),
         (long long)(64 / s), t3 > 0 ? f3 * 1e-9 / t3 : 0);
  printf("  \"conv1x1\": {\"shape\": \"1x%lldx%lldx%lld->%lld\", \"gflops\": "
         "%.2f},\n",
         (long long)(256 / s), (long long)(28 / s), (long long)(28 / s),
         (long long)(256 / s), t1 > 0 ? f1 * 1e-9 / t1 : 0);
  printf("  \"depthwise3x3\": {\"shape\": \"1x%lldx%lldx%lld\", \"gflops\": "
         "%.2f}\n}\n",
         (long long)(256 / s), (long long)(56 / s), (long long)(56 / s),
         td > 0 ? fd * 1e-9 / td : 0);
  D->device_close(DEV);
  D->shutdown(C);
  dlclose(so);
  return 0;
}
