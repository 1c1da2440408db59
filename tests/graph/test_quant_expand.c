/* The quantised ops run as int8 kernels where a device has them and as their
 * float expansion elsewhere (core/graph/expand.c), with the same bits: a
 * quantize -> qlinear_conv (per-channel i8 weight, bias) -> qlinear_add ->
 * qlinear_global_avg_pool -> dequantize graph with a dynamic batch runs
 * strict on every device present, at batch 2, then 1, then 2 again (new
 * plans, and constants the CPU released rebuilt), and every device's output
 * equals the CPU's exactly. The graph is also checked against a scalar
 * reference written here from ONNX Runtime's formulas. */
#include "testutil.h"

#include <math.h>

#define C 3
#define O 4
#define H 6

static float xval(int64_t i) {
  return (float)((i * 37 + 11) % 41 - 20) * 0.173f;
}

static pv_tensor *scalar_f32(float v) {
  return pv_tensor_from_data(PV_F32, 0, NULL, &v);
}
static pv_tensor *scalar_u8(uint8_t v) {
  return pv_tensor_from_data(PV_U8, 0, NULL, &v);
}

static const float XS = 0.05f, WS[O] = {0.01f, 0.02f, 0.015f, 0.03f}, YS = 0.2f,
                   PS = 0.1f;
static const uint8_t XZ = 128, YZ = 120, PZ = 100;

static int8_t wval(int i) { return (int8_t)((i * 29 + 3) % 255 - 127); }
static int32_t bval(int o) { return o * 300 - 500; }

static pv_graph *build(void) {
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {-1, C, H, H}, ws[4] = {O, C, 3, 3}, os[1] = {O};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  int8_t w[O * C * 9];
  for (int i = 0; i < O * C * 9; i++)
    w[i] = wval(i);
  int32_t b[O];
  for (int o = 0; o < O; o++)
    b[o] = bval(o);
  int8_t wz[O] = {0};
  pv_tensor *t[] = {scalar_f32(XS),
                    scalar_u8(XZ),
                    pv_tensor_from_data(PV_I8, 4, ws, w),
                    pv_tensor_from_data(PV_F32, 1, os, WS),
                    pv_tensor_from_data(PV_I8, 1, os, wz),
                    scalar_f32(YS),
                    scalar_u8(YZ),
                    pv_tensor_from_data(PV_I32, 1, os, b),
                    scalar_f32(PS),
                    scalar_u8(PZ)};
  pv_value k[10];
  for (int i = 0; i < 10; i++) {
    k[i] = pv_graph_constant(g, NULL, t[i]);
    pv_tensor_release(t[i]);
  }
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  pv_value q = pv_graph_node(g, PV_OP_QUANTIZE_LINEAR, 3,
                             (pv_value[]){x, k[0], k[1]}, &a, NULL);
  a.conv = pv_conv_attrs_default();
  a.conv.padding[0] = a.conv.padding[1] = a.conv.padding[2] =
      a.conv.padding[3] = 1;
  pv_value y = pv_graph_node(
      g, PV_OP_QLINEAR_CONV, 9,
      (pv_value[]){q, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]}, &a,
      NULL);
  /* y + y (the residual add of a quantised ResNet), then the pool */
  y = pv_graph_node(g, PV_OP_QLINEAR_ADD, 8,
                    (pv_value[]){y, k[5], k[6], y, k[5], k[6], k[5], k[6]},
                    NULL, NULL);
  y = pv_graph_node(g, PV_OP_QLINEAR_GLOBAL_AVG_POOL, 5,
                    (pv_value[]){y, k[5], k[6], k[8], k[9]}, NULL, NULL);
  memset(&a, 0, sizeof a);
  y = pv_graph_node(g, PV_OP_DEQUANTIZE_LINEAR, 3, (pv_value[]){y, k[8], k[9]},
                    &a, NULL);
  pv_graph_output(g, "y", y);
  CHECK_EQ_INT(pv_graph_status(g), 0);
  return g;
}

/* saturate(round_half_even(v) + zp) to uint8 */
static int sat(float v, int zp) {
  v = nearbyintf(v) + (float)zp;
  return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

/* ONNX Runtime's formulas, written out. */
static void reference(int64_t n, float *out) {
  static uint8_t q[C * H * H], y[O * H * H];
  for (int64_t b = 0; b < n; b++) {
    for (int i = 0; i < C * H * H; i++)
      q[i] = (uint8_t)sat(xval(b * C * H * H + i) / XS, XZ);
    for (int o = 0; o < O; o++) {
      float m = (XS * WS[o]) / YS;
      for (int r = 0; r < H; r++)
        for (int c = 0; c < H; c++) {
          int32_t acc = bval(o);
          for (int ci = 0; ci < C; ci++)
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 3; kx++) {
                int iy = r + ky - 1, ix = c + kx - 1;
                if (iy < 0 || iy >= H || ix < 0 || ix >= H)
                  continue;
                acc += ((int32_t)q[(ci * H + iy) * H + ix] - XZ) *
                       wval(((o * C + ci) * 3 + ky) * 3 + kx);
              }
          int v = sat((float)acc * m, YZ);
          /* qlinear_add of y with itself */
          float d = ((float)v - YZ) * YS;
          y[(o * H + r) * H + c] = (uint8_t)sat((d + d) / YS, YZ);
        }
    }
    for (int o = 0; o < O; o++) {
      int32_t s = 0;
      for (int i = 0; i < H * H; i++)
        s += (int32_t)y[o * H * H + i] - YZ;
      float m = YS / (PS * (float)(H * H));
      int p = sat((float)s * m, PZ);
      out[b * O + o] = ((float)p - PZ) * PS;
    }
  }
}

static pv_tensor *input(int64_t n) {
  int64_t s[4] = {n, C, H, H};
  pv_tensor *t = pv_tensor_create(PV_F32, 4, s);
  float *d = pv_tensor_data(t);
  for (int64_t i = 0; i < pv_tensor_numel(t); i++)
    d[i] = xval(i);
  return t;
}

int main(void) {
  pv_graph *g = build();
  const char *devs[] = {"cpu", "vulkan:0", "opencl:0"};
  float want[2 * O];
  reference(2, want);
  printf("reference:");
  for (int i = 0; i < 2 * O; i++)
    printf(" %g", want[i]);
  printf("\n");
  float cpu_out[3][2 * O];
  for (int k = 0; k < 3; k++) {
    if (k && !pv_device_find(devs[k])) {
      pv_clear_error();
      printf("%s: not present, skipped\n", devs[k]);
      continue;
    }
    pv_compile_options o = pv_compile_options_default();
    o.device = devs[k];
    o.fallback = 0; /* strict: the GPUs must take the expansion */
    pv_compiled *c = pv_graph_compile(g, &o);
    CHECK(c != NULL);
    if (!c) {
      fprintf(stderr, "%s: %s\n", devs[k], pv_last_error());
      continue;
    }
    const int64_t batches[3] = {2, 1, 2};
    for (int r = 0; r < 3; r++) {
      pv_tensor *x = input(batches[r]), *y = NULL;
      CHECK_EQ_INT(pv_compiled_run(c, 1, &x, 1, &y), 0);
      if (y) {
        CHECK_EQ_INT((int)pv_tensor_numel(y), (int)batches[r] * O);
        const float *d = pv_tensor_data(y);
        for (int i = 0; i < batches[r] * O; i++) {
          if (d[i] != want[i])
            fprintf(stderr, "%s batch %lld: y[%d] = %g, want %g\n", devs[k],
                    (long long)batches[r], i, d[i], want[i]);
          CHECK(d[i] == want[i]);
          if (r == 0)
            cpu_out[k][i] = d[i];
        }
        if (k && r == 0)
          CHECK(memcmp(cpu_out[k], cpu_out[0], sizeof cpu_out[0]) == 0);
      }
      pv_tensor_release(x);
      pv_tensor_release(y);
    }
    printf("%s: %d partition(s), output equal to the reference\n", devs[k],
           pv_compiled_num_partitions(c));
    CHECK_EQ_INT(pv_compiled_num_partitions(c), 1);
    pv_compiled_free(c);
  }
  pv_graph_free(g);
  return pv_test_finish("test_quant_expand");
}
