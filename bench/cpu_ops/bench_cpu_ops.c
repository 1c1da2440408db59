/*
 * bench_cpu_ops: the CPU backend's sgemm and conv kernels, driven through
 * the plugin ABI like the runtime does, against OpenBLAS on the same shapes
 * in the same run. The conv peer is im2col + cblas_sgemm (+ bias), timed as
 * a whole. Prints one JSON document with GFLOP/s and polyvis/openblas ratios.
 *
 * Threads: POLYVIS_NUM_THREADS and OPENBLAS_NUM_THREADS (both default to 2
 * here, the size of the reference machine). Each timing is the best of
 * many repetitions in two rounds, to damp noise from other processes.
 *
 * Usage: bench_cpu_ops [--quick]
 */
#include "internal.h"

#include <cblas.h>
#include <math.h>
#include <time.h>

/* From the CPU backend (linked in through polyvis_obj). */
const char *pv__cpu_sgemm_kernel_name(void);

static const pv_plugin_desc *P;
static pv_plugin_device *DEV;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *frand_buf(int64_t n) {
  float *p = pv__aligned_alloc(64, sizeof(float) * (size_t)(n ? n : 1));
  uint32_t s = 777u + (uint32_t)n;
  for (int64_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return p;
}

/* One compiled single-node partition with its arena. */
typedef struct bnode {
  pv_plugin_partition *part;
  pv_plugin_buffer *arena;
  char *base;
  uint64_t in_off[3], out_off;
} bnode;

/* values: inputs [0..n_in), output n_in. const_mask marks constant inputs. */
static int bnode_make(bnode *b, const pv_node_desc *node_in,
                      const pv_tensor_desc *in, const void *const *in_data,
                      int n_in, uint32_t const_mask,
                      const pv_tensor_desc *out) {
  pv_value_desc vals[4];
  pv_node_desc node = *node_in;
  memset(vals, 0, sizeof vals);
  uint64_t off = 0;
  for (int i = 0; i < n_in; i++) {
    vals[i].desc = in[i];
    vals[i].nbytes = pv__desc_nbytes(&in[i]);
    if (const_mask & (1u << i)) {
      vals[i].kind = PV_VALUE_CONST;
      vals[i].data = in_data[i];
    } else {
      vals[i].offset = off;
      b->in_off[i] = off;
      off = PV__ALIGN_UP(off + vals[i].nbytes, 64);
    }
    node.inputs[i] = i;
  }
  vals[n_in].desc = *out;
  vals[n_in].nbytes = pv__desc_nbytes(out);
  vals[n_in].offset = off;
  b->out_off = off;
  off = PV__ALIGN_UP(off + vals[n_in].nbytes, 64);
  node.outputs[0] = n_in;
  node.n_inputs = n_in;
  node.n_outputs = 1;
  pv_partition_desc pd = {sizeof pd, 1, &node, n_in + 1, vals, off, NULL, NULL};
  int rc = P->partition_compile(DEV, &pd, &b->part);
  if (!rc)
    rc = P->buffer_alloc(DEV, off, &b->arena);
  if (rc)
    return rc;
  b->base = P->buffer_host_ptr(DEV, b->arena);
  for (int i = 0; i < n_in; i++)
    if (!(const_mask & (1u << i)))
      memcpy(b->base + b->in_off[i], in_data[i], vals[i].nbytes);
  return 0;
}

static void bnode_free(bnode *b) {
  P->buffer_free(DEV, b->arena);
  P->partition_release(DEV, b->part);
}

static int g_quick;

/* Best seconds per call of each statement, measured in two rounds of
 * (polyvis block, OpenBLAS block). OpenBLAS's workers spin for a while after
 * each call and would steal a core from the polyvis pool if the two were
 * interleaved call by call, so each polyvis block starts after a pause that
 * lets them park; polyvis's workers sleep on a condition variable and do
 * not disturb OpenBLAS. */
#define TIME_BLOCK(best, stmt, secs)                                           \
  do {                                                                         \
    stmt;                                                                      \
    double t_end = now() + (secs);                                             \
    int reps = 0;                                                              \
    while (reps < 3 || (now() < t_end && reps < 500)) {                        \
      double t0 = now();                                                       \
      stmt;                                                                    \
      double dt = now() - t0;                                                  \
      best = dt < best ? dt : best;                                            \
      reps++;                                                                  \
    }                                                                          \
  } while (0)

#define TIME_PAIR(tp, stmt_p, tb, stmt_b)                                      \
  do {                                                                         \
    tp = tb = 1e30;                                                            \
    double blk = g_quick ? 0.15 : 0.6;                                         \
    for (int round = 0; round < 2; round++) {                                  \
      struct timespec pause = {0, 200000000};                                  \
      nanosleep(&pause, NULL);                                                 \
      TIME_BLOCK(tp, stmt_p, blk);                                             \
      TIME_BLOCK(tb, stmt_b, blk);                                             \
    }                                                                          \
  } while (0)

static int g_first = 1;
static double g_min_ratio = 1e30;

static void emit(const char *kind, const char *name, double flops, double tp,
                 double tb, double maxdiff) {
  double gp = flops / tp * 1e-9, gb = flops / tb * 1e-9;
  if (gp / gb < g_min_ratio)
    g_min_ratio = gp / gb;
  printf("%s    {\"kind\": \"%s\", \"name\": \"%s\", \"gflop\": %.4f, "
         "\"polyvis_ms\": %.4f, \"openblas_ms\": %.4f, "
         "\"polyvis_gflops\": %.2f, \"openblas_gflops\": %.2f, "
         "\"ratio\": %.3f, \"max_rel_diff\": %.2e}",
         g_first ? "" : ",\n", kind, name, flops * 1e-9, tp * 1e3, tb * 1e3, gp,
         gb, gp / gb, maxdiff);
  g_first = 0;
  fflush(stdout);
}

static double rel_diff(const float *a, const float *b, int64_t n) {
  double md = 0, mw = 0;
  for (int64_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    md = d > md ? d : md;
    mw = fabs((double)b[i]) > mw ? fabs((double)b[i]) : mw;
  }
  return mw > 0 ? md / mw : md;
}

static void bench_gemm(const char *name, int64_t m, int64_t n, int64_t k) {
  float *a = frand_buf(m * k), *b = frand_buf(k * n), *c = frand_buf(m * n);
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = PV_OP_GEMM;
  node.attrs.gemm.alpha = 1.0f;
  node.attrs.gemm.beta = 0.0f;
  pv_tensor_desc in[2] = {{PV_F32, 2, {m, k}}, {PV_F32, 2, {k, n}}};
  pv_tensor_desc out = {PV_F32, 2, {m, n}};
  const void *data[2] = {a, b};
  bnode bn;
  if (bnode_make(&bn, &node, in, data, 2, 0, &out)) {
    fprintf(stderr, "gemm %s: %s\n", name, pv_last_error());
    return;
  }
  double tp, tb;
  TIME_PAIR(tp, P->partition_execute(DEV, bn.part, bn.arena), tb,
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m,
                        (int)n, (int)k, 1.0f, a, (int)k, b, (int)n, 0.0f, c,
                        (int)n));
  double diff = rel_diff((const float *)(bn.base + bn.out_off), c, m * n);
  emit("sgemm", name, 2.0 * (double)m * (double)n * (double)k, tp, tb, diff);
  bnode_free(&bn);
  pv__aligned_free(a);
  pv__aligned_free(b);
  pv__aligned_free(c);
}

static void im2col(const float *x, int64_t c, int64_t h, int64_t w, int k,
                   int s, int p, int64_t oh, int64_t ow, float *col) {
  for (int64_t ch = 0; ch < c; ch++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        float *dst = col + ((ch * k + ky) * k + kx) * oh * ow;
        for (int64_t oy = 0; oy < oh; oy++) {
          int64_t iy = oy * s - p + ky;
          for (int64_t ox = 0; ox < ow; ox++) {
            int64_t ix = ox * s - p + kx;
            dst[oy * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w
                                    ? x[(ch * h + iy) * w + ix]
                                    : 0.0f;
          }
        }
      }
}

/* The peer: im2col (skipped for 1x1/s1/p0) + sgemm + bias. */
static void peer_conv(const float *x, const float *wt, const float *bias,
                      float *y, float *col, int64_t c, int64_t h, int64_t w,
                      int64_t o, int k, int s, int p, int64_t oh, int64_t ow) {
  const float *bm = x;
  if (!(k == 1 && s == 1 && p == 0)) {
    im2col(x, c, h, w, k, s, p, oh, ow, col);
    bm = col;
  }
  int64_t kk = c * k * k, n = oh * ow;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)o, (int)n,
              (int)kk, 1.0f, wt, (int)kk, bm, (int)n, 0.0f, y, (int)n);
  for (int64_t i = 0; i < o; i++)
    for (int64_t j = 0; j < n; j++)
      y[i * n + j] += bias[i];
}

static void bench_conv(const char *name, int64_t c, int64_t h, int64_t w,
                       int64_t o, int k, int s, int p) {
  int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
  float *x = frand_buf(c * h * w), *wt = frand_buf(o * c * k * k),
        *bias = frand_buf(o), *y = frand_buf(o * oh * ow),
        *col = frand_buf(c * k * k * oh * ow);
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = PV_OP_CONV2D;
  pv_conv_attrs *ca = &node.attrs.conv;
  ca->stride[0] = ca->stride[1] = s;
  for (int i = 0; i < 4; i++)
    ca->padding[i] = p;
  ca->dilation[0] = ca->dilation[1] = 1;
  ca->groups = 1;
  pv_tensor_desc in[3] = {
      {PV_F32, 4, {1, c, h, w}}, {PV_F32, 4, {o, c, k, k}}, {PV_F32, 1, {o}}};
  pv_tensor_desc out = {PV_F32, 4, {1, o, oh, ow}};
  const void *data[3] = {x, wt, bias};
  bnode bn;
  if (bnode_make(&bn, &node, in, data, 3, 6, &out)) {
    fprintf(stderr, "conv %s: %s\n", name, pv_last_error());
    return;
  }
  double tp, tb;
  TIME_PAIR(tp, P->partition_execute(DEV, bn.part, bn.arena), tb,
            peer_conv(x, wt, bias, y, col, c, h, w, o, k, s, p, oh, ow));
  double diff = rel_diff((const float *)(bn.base + bn.out_off), y, o * oh * ow);
  emit("conv2d", name,
       2.0 * (double)o * (double)(oh * ow) * (double)(c * k * k), tp, tb, diff);
  bnode_free(&bn);
  pv__aligned_free(x);
  pv__aligned_free(wt);
  pv__aligned_free(bias);
  pv__aligned_free(y);
  pv__aligned_free(col);
}

/* Kernels without an OpenBLAS counterpart: polyvis alone, for the record. */
static void bench_dw(const char *name, int64_t c, int64_t h, int64_t w, int k,
                     int s) {
  int p = k / 2;
  int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
  float *x = frand_buf(c * h * w), *wt = frand_buf(c * k * k),
        *bias = frand_buf(c);
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = PV_OP_CONV2D;
  pv_conv_attrs *ca = &node.attrs.conv;
  ca->stride[0] = ca->stride[1] = s;
  for (int i = 0; i < 4; i++)
    ca->padding[i] = p;
  ca->dilation[0] = ca->dilation[1] = 1;
  ca->groups = (int32_t)c;
  ca->act.op = PV_OP_CLIP;
  ca->act.beta = 6.0f;
  pv_tensor_desc in[3] = {
      {PV_F32, 4, {1, c, h, w}}, {PV_F32, 4, {c, 1, k, k}}, {PV_F32, 1, {c}}};
  pv_tensor_desc out = {PV_F32, 4, {1, c, oh, ow}};
  const void *data[3] = {x, wt, bias};
  bnode bn;
  if (bnode_make(&bn, &node, in, data, 3, 6, &out)) {
    fprintf(stderr, "dwconv %s: %s\n", name, pv_last_error());
    return;
  }
  double tp, tb;
  TIME_PAIR(tp, P->partition_execute(DEV, bn.part, bn.arena), tb, (void)0);
  double flops = 2.0 * (double)(c * oh * ow) * (double)(k * k);
  printf(",\n    {\"kind\": \"dwconv\", \"name\": \"%s\", \"gflop\": %.4f, "
         "\"polyvis_ms\": %.4f, \"polyvis_gflops\": %.2f}",
         name, flops * 1e-9, tp * 1e3, flops / tp * 1e-9);
  (void)tb;
  bnode_free(&bn);
  pv__aligned_free(x);
  pv__aligned_free(wt);
  pv__aligned_free(bias);
}

static void bench_maxpool(const char *name, int64_t c, int64_t h, int64_t w) {
  int64_t oh = (h + 2 - 3) / 2 + 1, ow = (w + 2 - 3) / 2 + 1;
  float *x = frand_buf(c * h * w);
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = PV_OP_MAX_POOL2D;
  pv_pool_attrs *pa = &node.attrs.pool;
  pa->kernel[0] = pa->kernel[1] = 3;
  pa->stride[0] = pa->stride[1] = 2;
  for (int i = 0; i < 4; i++)
    pa->padding[i] = 1;
  pa->dilation[0] = pa->dilation[1] = 1;
  pv_tensor_desc in[1] = {{PV_F32, 4, {1, c, h, w}}};
  pv_tensor_desc out = {PV_F32, 4, {1, c, oh, ow}};
  const void *data[1] = {x};
  bnode bn;
  if (bnode_make(&bn, &node, in, data, 1, 0, &out)) {
    fprintf(stderr, "maxpool %s: %s\n", name, pv_last_error());
    return;
  }
  double tp, tb;
  TIME_PAIR(tp, P->partition_execute(DEV, bn.part, bn.arena), tb, (void)0);
  (void)tb;
  printf(",\n    {\"kind\": \"maxpool\", \"name\": \"%s\", "
         "\"polyvis_ms\": %.4f}",
         name, tp * 1e3);
  bnode_free(&bn);
  pv__aligned_free(x);
}

int main(int argc, char **argv) {
  g_quick = argc > 1 && !strcmp(argv[1], "--quick");
  if (!getenv("POLYVIS_NUM_THREADS"))
    setenv("POLYVIS_NUM_THREADS", "2", 1);
  const char *ob = getenv("OPENBLAS_NUM_THREADS");
  int obt = ob && atoi(ob) > 0 ? atoi(ob) : 2;
  openblas_set_num_threads(obt);
  P = pv__cpu_plugin_query(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR,
                           pv__host_api());
  pv_plugin_ctx *ctx = NULL;
  if (!P || P->init(pv__host_api(), &ctx) ||
      P->device_open(ctx, 0, NULL, &DEV)) {
    fprintf(stderr, "bench_cpu_ops: cannot open the CPU backend: %s\n",
            pv_last_error());
    return 1;
  }
  printf("{\n  \"bench\": \"cpu_ops\",\n  \"polyvis_threads\": %d,\n"
         "  \"openblas_threads\": %d,\n  \"polyvis_kernel\": \"%s\",\n"
         "  \"openblas_core\": \"%s\",\n  \"results\": [\n",
         pv_num_threads(), obt, pv__cpu_sgemm_kernel_name(),
         openblas_get_corename());
  bench_gemm("256^3", 256, 256, 256);
  bench_gemm("512^3", 512, 512, 512);
  bench_gemm("1024^3", 1024, 1024, 1024);
  bench_gemm("conv3x3_64_56 (64x3136x576)", 64, 3136, 576);
  bench_gemm("conv1x1_256_56 (64x3136x256)", 64, 3136, 256);
  bench_gemm("conv3x3_256_14 (256x196x2304)", 256, 196, 2304);
  bench_conv("3x3 1x64x56x56 -> 64", 64, 56, 56, 64, 3, 1, 1);
  bench_conv("1x1 1x256x56x56 -> 64", 256, 56, 56, 64, 1, 1, 0);
  bench_conv("3x3 1x128x28x28 -> 128", 128, 28, 28, 128, 3, 1, 1);
  bench_conv("3x3 s2 1x128x56x56 -> 128", 128, 56, 56, 128, 3, 2, 1);
  bench_conv("1x1 1x64x56x56 -> 256", 64, 56, 56, 256, 1, 1, 0);
  bench_conv("3x3 1x512x7x7 -> 512", 512, 7, 7, 512, 3, 1, 1);
  bench_dw("3x3 dw 1x144x56x56 relu6", 144, 56, 56, 3, 1);
  bench_dw("3x3 dw s2 1x96x112x112 relu6", 96, 112, 112, 3, 2);
  bench_dw("5x5 dw 1x240x14x14 relu6", 240, 14, 14, 5, 1);
  bench_maxpool("3x3 s2 p1 1x64x112x112", 64, 112, 112);
  printf("\n  ],\n  \"min_ratio\": %.3f\n}\n", g_min_ratio);
  P->device_close(DEV);
  P->shutdown(ctx);
  return 0;
}
