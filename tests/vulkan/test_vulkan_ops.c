/* Single-node partitions on vulkan device 0 against inline CPU references
 * (1e-5 relative for fp32), with the validation layers counting messages. */
#include "testutil.h"
#include "vk_harness.h"

#include <math.h>
#include <pthread.h>

static vkh VK;

static void test_unary(void) {
  int ops[] = {PV_OP_RELU,       PV_OP_CLIP, PV_OP_HARDSWISH, PV_OP_HARDSIGMOID,
               PV_OP_SILU,       PV_OP_GELU, PV_OP_SIGMOID,   PV_OP_TANH,
               PV_OP_LEAKY_RELU, PV_OP_EXP,  PV_OP_NEG,       PV_OP_ABS,
               PV_OP_ERF,        PV_OP_SQRT, PV_OP_LOG,       PV_OP_RSQRT};
  int64_t n = 300;
  float *x = vkh_rnd(n);
  for (int64_t i = 0; i < n; i++)
    x[i] *= 4.0f;
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    int op = ops[k];
    pv_op_attrs a = vkh_zattrs();
    float *xin = x;
    float pos[300];
    if (op == PV_OP_SQRT || op == PV_OP_LOG || op == PV_OP_RSQRT) {
      for (int64_t i = 0; i < n; i++)
        pos[i] = fabsf(x[i]) + 0.1f;
      xin = pos;
    }
    if (op == PV_OP_CLIP) {
      a.unary.alpha = -1.0f;
      a.unary.beta = 2.0f;
    }
    if (op == PV_OP_HARDSIGMOID) {
      a.unary.alpha = 1.0f / 6;
      a.unary.beta = 0.5f;
    }
    if (op == PV_OP_LEAKY_RELU)
      a.unary.alpha = 0.1f;
    pv_tensor_desc in = VKH_D(3, 100), od;
    const void *data[1] = {xin};
    float *y = NULL;
    CHECK_EQ_INT(vkh_run(&VK, op, &a, 1, &in, data, 0, &od, (void **)&y), 0);
    float want[300];
    for (int64_t i = 0; i < n; i++) {
      double v = xin[i], r;
      switch (op) {
      case PV_OP_RELU:
        r = v > 0 ? v : 0;
        break;
      case PV_OP_CLIP:
        r = v < -1 ? -1 : v > 2 ? 2 : v;
        break;
      case PV_OP_HARDSWISH:
        r = v * fmin(fmax(v + 3, 0), 6) / 6;
        break;
      case PV_OP_HARDSIGMOID:
        r = fmin(fmax(v / 6 + 0.5, 0), 1);
        break;
      case PV_OP_SILU:
        r = v / (1 + exp(-v));
        break;
      case PV_OP_GELU:
        r = 0.5 * v * (1 + erf(v / sqrt(2.0)));
        break;
      case PV_OP_SIGMOID:
        r = 1 / (1 + exp(-v));
        break;
      case PV_OP_TANH:
        r = tanh(v);
        break;
      case PV_OP_LEAKY_RELU:
        r = v >= 0 ? v : 0.1 * v;
        break;
      case PV_OP_EXP:
        r = exp(v);
        break;
      case PV_OP_NEG:
        r = -v;
        break;
      case PV_OP_ABS:
        r = fabs(v);
        break;
      case PV_OP_ERF:
        r = erf(v);
        break;
      case PV_OP_SQRT:
        r = sqrt(v);
        break;
      case PV_OP_LOG:
        r = log(v);
        break;
      default:
        r = 1 / sqrt(v);
      }
      want[i] = (float)r;
    }
    CHECK(y && vkh_close_enough(pv_op_name(op), y, want, n, 1e-5));
    free(y);
  }
  free(x);
}

static void test_binary(void) {
  int ops[] = {PV_OP_ADD, PV_OP_SUB, PV_OP_MUL, PV_OP_DIV,
               PV_OP_MAX, PV_OP_MIN, PV_OP_POW, PV_OP_PRELU};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    int op = ops[k];
    pv_tensor_desc in[2] = {VKH_D(2, 3, 5, 4), VKH_D(3, 1, 1)};
    float *a = vkh_rnd(120), *b = vkh_rnd(3);
    if (op == PV_OP_POW)
      for (int i = 0; i < 3; i++)
        b[i] = (float)(i + 1);
    pv_op_attrs at = vkh_zattrs();
    if (op == PV_OP_ADD)
      at.binary.act.op = PV_OP_RELU;
    const void *data[2] = {a, b};
    pv_tensor_desc od;
    float *y = NULL, want[120];
    CHECK_EQ_INT(vkh_run(&VK, op, &at, 2, in, data, op == PV_OP_MUL ? 2u : 0u,
                         &od, (void **)&y),
                 0);
    for (int i = 0; i < 120; i++) {
      double x = a[i], w = b[(i / 20) % 3], r;
      switch (op) {
      case PV_OP_ADD:
        r = fmax(x + w, 0);
        break;
      case PV_OP_SUB:
        r = x - w;
        break;
      case PV_OP_MUL:
        r = x * w;
        break;
      case PV_OP_DIV:
        r = x / w;
        break;
      case PV_OP_MAX:
        r = fmax(x, w);
        break;
      case PV_OP_MIN:
        r = fmin(x, w);
        break;
      case PV_OP_POW:
        r = pow(x, w);
        break;
      default:
        r = x >= 0 ? x : x * w;
      }
      want[i] = (float)r;
    }
    CHECK(y && vkh_close_enough(pv_op_name(op), y, want, 120, 1e-5));
    free(y);
    free(a);
    free(b);
  }
}

static void ref_gemm(const float *a, const float *b, float *c, int M, int N,
                     int K, int ta, int tb) {
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      double s = 0;
      for (int k = 0; k < K; k++)
        s += (double)(ta ? a[k * M + m] : a[m * K + k]) *
             (tb ? b[n * K + k] : b[k * N + n]);
      c[m * N + n] = (float)s;
    }
}

static void test_gemm(void) {
  /* linear: x[R,70] w[65,70] b[65], fused relu, constant weight; 6 rows
   * take the GEMV path, 70 the tiled GEMM */
  for (int rows = 6; rows <= 70; rows += 64) {
    int M = rows, N = 65, K = 70;
    float *x = vkh_rnd(M * K), *w = vkh_rnd(N * K), *b = vkh_rnd(N), *y = NULL;
    float *want = malloc(sizeof(float) * (size_t)(M * N));
    ref_gemm(x, w, want, M, N, K, 0, 1);
    for (int i = 0; i < M * N; i++)
      want[i] = fmaxf(want[i] + b[i % N], 0);
    pv_tensor_desc in[3] = {VKH_D(2, rows / 2, 70), VKH_D(65, 70), VKH_D(65)},
                   od;
    pv_op_attrs at = vkh_zattrs();
    at.gemm.act.op = PV_OP_RELU;
    const void *data[3] = {x, w, b};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_LINEAR, &at, 3, in, data, 6u, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("linear", y, want, M * N, 1e-5));
    free(x), free(w), free(b), free(y), free(want);
  }
  /* gemm: trans_a, trans_b, alpha, beta, C[M,1] */
  {
    int M = 33, N = 70, K = 17;
    float *a = vkh_rnd(K * M), *b = vkh_rnd(N * K), *c = vkh_rnd(M), *y = NULL;
    float *want = malloc(sizeof(float) * (size_t)(M * N));
    ref_gemm(a, b, want, M, N, K, 1, 1);
    for (int i = 0; i < M * N; i++)
      want[i] = 0.5f * want[i] + 2.0f * c[i / N];
    pv_tensor_desc in[3] = {VKH_D(17, 33), VKH_D(70, 17), VKH_D(33, 1)}, od;
    pv_op_attrs at = vkh_zattrs();
    at.gemm.trans_a = at.gemm.trans_b = 1;
    at.gemm.alpha = 0.5f;
    at.gemm.beta = 2.0f;
    const void *data[3] = {a, b, c};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_GEMM, &at, 3, in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("gemm", y, want, M * N, 1e-5));
    free(a), free(b), free(c), free(y), free(want);
  }
  /* matmul: [3,20,30] @ [30,40] (b broadcast over the batch) */
  {
    float *a = vkh_rnd(3 * 20 * 30), *b = vkh_rnd(30 * 40), *y = NULL;
    float *want = malloc(sizeof(float) * 3 * 20 * 40);
    for (int z = 0; z < 3; z++)
      ref_gemm(a + z * 600, b, want + z * 800, 20, 40, 30, 0, 0);
    pv_tensor_desc in[2] = {VKH_D(3, 20, 30), VKH_D(30, 40)}, od;
    pv_op_attrs at = vkh_zattrs();
    const void *data[2] = {a, b};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_MATMUL, &at, 2, in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("matmul", y, want, 2400, 1e-5));
    free(a), free(b), free(y), free(want);
  }
}

/* matmul with batch broadcasting on both sides and 1-D operands */
static void test_matmul_bcast(void) {
  /* [2,1,4,5] @ [1,3,5,6] -> [2,3,4,6] */
  {
    float *a = vkh_rnd(2 * 4 * 5), *b = vkh_rnd(3 * 5 * 6), *y = NULL,
          want[144];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        ref_gemm(a + i * 20, b + j * 30, want + (i * 3 + j) * 24, 4, 6, 5, 0,
                 0);
    pv_tensor_desc in[2] = {VKH_D(2, 1, 4, 5), VKH_D(1, 3, 5, 6)}, od;
    pv_op_attrs at = vkh_zattrs();
    const void *data[2] = {a, b};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_MATMUL, &at, 2, in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("matmul bcast", y, want, 144, 1e-5));
    free(a), free(b), free(y);
  }
  /* [3,4,5] @ [5] -> [3,4]; [5] @ [2,5,3] -> [2,3] */
  {
    float *a = vkh_rnd(60), *v = vkh_rnd(5), *y = NULL, want[12];
    ref_gemm(a, v, want, 12, 1, 5, 0, 0);
    pv_tensor_desc in[2] = {VKH_D(3, 4, 5), VKH_D(5)}, od;
    pv_op_attrs at = vkh_zattrs();
    const void *data[2] = {a, v};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_MATMUL, &at, 2, in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("matmul mv", y, want, 12, 1e-5));
    free(y);
    float *b = vkh_rnd(30), want2[6];
    for (int z = 0; z < 2; z++)
      ref_gemm(v, b + z * 15, want2 + z * 3, 1, 3, 5, 0, 0);
    pv_tensor_desc in2[2] = {VKH_D(5), VKH_D(2, 5, 3)};
    const void *data2[2] = {v, b};
    y = NULL;
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_MATMUL, &at, 2, in2, data2, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("matmul vm", y, want2, 6, 1e-5));
    free(a), free(v), free(b), free(y);
  }
}

static void ref_conv(const float *x, const float *w, const float *b, float *y,
                     int B, int C, int H, int W, int O, int KH, int KW, int s,
                     int p, int d, int g, int OH, int OW, int relu) {
  int cg = C / g, og = O / g;
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
          double acc = b ? b[o] : 0;
          int gi = o / og;
          for (int c = 0; c < cg; c++)
            for (int ky = 0; ky < KH; ky++)
              for (int kx = 0; kx < KW; kx++) {
                int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                  continue;
                acc += (double)x[((n * C + gi * cg + c) * H + iy) * W + ix] *
                       w[((o * cg + c) * KH + ky) * KW + kx];
              }
          if (relu && acc < 0)
            acc = 0;
          y[((n * O + o) * OH + oy) * OW + ox] = (float)acc;
        }
}

static void conv_case(const char *name, int B, int C, int H, int W, int O,
                      int K, int s, int p, int d, int g, int relu) {
  int OH = (H + 2 * p - d * (K - 1) - 1) / s + 1;
  int OW = (W + 2 * p - d * (K - 1) - 1) / s + 1;
  float *x = vkh_rnd(B * C * H * W), *w = vkh_rnd(O * (C / g) * K * K),
        *b = vkh_rnd(O);
  float *want = malloc(sizeof(float) * (size_t)(B * O * OH * OW)), *y = NULL;
  ref_conv(x, w, b, want, B, C, H, W, O, K, K, s, p, d, g, OH, OW, relu);
  pv_tensor_desc in[3] = {VKH_D(B, C, H, W), VKH_D(O, C / g, K, K), VKH_D(O)},
                 od;
  pv_op_attrs at = vkh_zattrs();
  at.conv.stride[0] = at.conv.stride[1] = s;
  for (int i = 0; i < 4; i++)
    at.conv.padding[i] = p;
  at.conv.dilation[0] = at.conv.dilation[1] = d;
  at.conv.groups = g;
  if (relu)
    at.conv.act.op = PV_OP_RELU;
  const void *data[3] = {x, w, b};
  CHECK_EQ_INT(
      vkh_run(&VK, PV_OP_CONV2D, &at, 3, in, data, 6u, &od, (void **)&y), 0);
  CHECK(y && vkh_close_enough(name, y, want, B * O * OH * OW, 1e-5));
  free(x), free(w), free(b), free(want), free(y);
}

static void test_conv(void) {
  conv_case("conv3x3 s2 g2", 2, 4, 9, 11, 6, 3, 2, 1, 1, 2, 1);
  conv_case("conv5x5 dil2", 1, 3, 12, 12, 70, 5, 1, 2, 2, 1, 0);
  conv_case("depthwise", 2, 8, 10, 10, 8, 3, 1, 1, 1, 8, 1);
  conv_case("conv1x1", 2, 16, 7, 9, 20, 1, 1, 0, 1, 1, 1);
}

static void test_pool(void) {
  int C = 3, Hh = 7, W = 8;
  float *x = vkh_rnd(C * Hh * W);
  /* max 3x3 s2 p1 ceil_mode */
  {
    pv_op_attrs at = vkh_zattrs();
    pv_pool_attrs *p = &at.pool;
    p->kernel[0] = p->kernel[1] = 3;
    p->stride[0] = p->stride[1] = 2;
    for (int i = 0; i < 4; i++)
      p->padding[i] = 1;
    p->dilation[0] = p->dilation[1] = 1;
    p->ceil_mode = 1;
    pv_tensor_desc in = VKH_D(1, 3, 7, 8), od;
    const void *data[1] = {x};
    float *y = NULL;
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_MAX_POOL2D, &at, 1, &in, data, 0, &od, (void **)&y),
        0);
    CHECK_EQ_INT(od.shape[2], 4);
    CHECK_EQ_INT(od.shape[3], 5);
    float want[60];
    for (int c = 0; c < 3; c++)
      for (int oy = 0; oy < 4; oy++)
        for (int ox = 0; ox < 5; ox++) {
          float m = -INFINITY;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
              if (iy >= 0 && iy < 7 && ix >= 0 && ix < 8)
                m = fmaxf(m, x[(c * 7 + iy) * 8 + ix]);
            }
          want[(c * 4 + oy) * 5 + ox] = m;
        }
    CHECK(y && vkh_close_enough("max_pool", y, want, 60, 1e-6));
    free(y);
  }
  /* avg 3x3 s2 p1, count_include_pad on and off */
  for (int cip = 0; cip < 2; cip++) {
    pv_op_attrs at = vkh_zattrs();
    pv_pool_attrs *p = &at.pool;
    p->kernel[0] = p->kernel[1] = 3;
    p->stride[0] = p->stride[1] = 2;
    for (int i = 0; i < 4; i++)
      p->padding[i] = 1;
    p->count_include_pad = cip;
    pv_tensor_desc in = VKH_D(1, 3, 7, 8), od;
    const void *data[1] = {x};
    float *y = NULL;
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_AVG_POOL2D, &at, 1, &in, data, 0, &od, (void **)&y),
        0);
    int OH = (int)od.shape[2], OW = (int)od.shape[3];
    float want[64];
    for (int c = 0; c < 3; c++)
      for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
          int y0 = oy * 2 - 1, x0 = ox * 2 - 1;
          int y1 = y0 + 3 < Hh + 1 ? y0 + 3 : Hh + 1,
              x1 = x0 + 3 < W + 1 ? x0 + 3 : W + 1;
          int pool = (y1 - y0) * (x1 - x0);
          double s = 0;
          int cnt = 0;
          for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
              if (iy >= 0 && iy < Hh && ix >= 0 && ix < W) {
                s += x[(c * Hh + iy) * W + ix];
                cnt++;
              }
          want[(c * OH + oy) * OW + ox] = (float)(s / (cip ? pool : cnt));
        }
    CHECK(y && vkh_close_enough("avg_pool", y, want, 3 * OH * OW, 1e-5));
    free(y);
  }
  /* adaptive avg to 3x5 */
  {
    pv_op_attrs at = vkh_zattrs();
    at.pool.output_size[0] = 3;
    at.pool.output_size[1] = 5;
    pv_tensor_desc in = VKH_D(1, 3, 7, 8), od;
    const void *data[1] = {x};
    float *y = NULL, want[45];
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_ADAPTIVE_AVG_POOL2D, &at, 1, &in, data, 0,
                         &od, (void **)&y),
                 0);
    for (int c = 0; c < 3; c++)
      for (int oy = 0; oy < 3; oy++)
        for (int ox = 0; ox < 5; ox++) {
          int y0 = oy * 7 / 3, y1 = ((oy + 1) * 7 + 2) / 3;
          int x0 = ox * 8 / 5, x1 = ((ox + 1) * 8 + 4) / 5;
          double s = 0;
          for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
              s += x[(c * 7 + iy) * 8 + ix];
          want[(c * 3 + oy) * 5 + ox] = (float)(s / ((y1 - y0) * (x1 - x0)));
        }
    CHECK(y && vkh_close_enough("adaptive_avg_pool", y, want, 45, 1e-5));
    free(y);
  }
  free(x);
}

static void test_softmax_norm(void) {
  float *x = vkh_rnd(2 * 5 * 6);
  for (int lg = 0; lg < 2; lg++) {
    pv_op_attrs at = vkh_zattrs();
    at.axis.axis = 1;
    pv_tensor_desc in = VKH_D(2, 5, 6), od;
    const void *data[1] = {x};
    float *y = NULL, want[60];
    CHECK_EQ_INT(vkh_run(&VK, lg ? PV_OP_LOG_SOFTMAX : PV_OP_SOFTMAX, &at, 1,
                         &in, data, 0, &od, (void **)&y),
                 0);
    for (int o = 0; o < 2; o++)
      for (int i = 0; i < 6; i++) {
        double m = -1e30, s = 0;
        for (int j = 0; j < 5; j++)
          m = fmax(m, x[(o * 5 + j) * 6 + i]);
        for (int j = 0; j < 5; j++)
          s += exp(x[(o * 5 + j) * 6 + i] - m);
        for (int j = 0; j < 5; j++) {
          double v = x[(o * 5 + j) * 6 + i] - m;
          want[(o * 5 + j) * 6 + i] = (float)(lg ? v - log(s) : exp(v) / s);
        }
      }
    CHECK(y &&
          vkh_close_enough(lg ? "log_softmax" : "softmax", y, want, 60, 1e-5));
    free(y);
  }
  /* layer norm over the last dim with weight and bias */
  {
    float *w = vkh_rnd(6), *b = vkh_rnd(6), *y = NULL, want[60];
    pv_op_attrs at = vkh_zattrs();
    at.norm.eps = 1e-5f;
    at.norm.n_norm_dims = 1;
    pv_tensor_desc in[3] = {VKH_D(2, 5, 6), VKH_D(6), VKH_D(6)}, od;
    const void *data[3] = {x, w, b};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_LAYER_NORM, &at, 3, in, data, 6u, &od, (void **)&y),
        0);
    for (int r = 0; r < 10; r++) {
      double m = 0, v = 0;
      for (int j = 0; j < 6; j++)
        m += x[r * 6 + j] / 6.0;
      for (int j = 0; j < 6; j++)
        v += (x[r * 6 + j] - m) * (x[r * 6 + j] - m) / 6.0;
      for (int j = 0; j < 6; j++)
        want[r * 6 + j] =
            (float)((x[r * 6 + j] - m) / sqrt(v + 1e-5) * w[j] + b[j]);
    }
    CHECK(y && vkh_close_enough("layer_norm", y, want, 60, 1e-5));
    free(w), free(b), free(y);
  }
  /* group norm: [2, 4, 3, 5] in 2 groups */
  {
    float *gx = vkh_rnd(120), *w = vkh_rnd(4), *b = vkh_rnd(4), *y = NULL,
          want[120];
    pv_op_attrs at = vkh_zattrs();
    at.norm.eps = 1e-5f;
    at.norm.groups = 2;
    pv_tensor_desc in[3] = {VKH_D(2, 4, 3, 5), VKH_D(4), VKH_D(4)}, od;
    const void *data[3] = {gx, w, b};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_GROUP_NORM, &at, 3, in, data, 0, &od, (void **)&y),
        0);
    for (int ch = 0; ch < 4; ch++) {
      const float *p = gx + ch * 30;
      double m = 0, v = 0;
      for (int j = 0; j < 30; j++)
        m += p[j] / 30.0;
      for (int j = 0; j < 30; j++)
        v += (p[j] - m) * (p[j] - m) / 30.0;
      for (int j = 0; j < 30; j++) {
        int c = ((ch % 2) * 2) + j / 15;
        want[ch * 30 + j] = (float)((p[j] - m) / sqrt(v + 1e-5) * w[c] + b[c]);
      }
    }
    CHECK(y && vkh_close_enough("group_norm", y, want, 120, 1e-5));
    /* batch norm on the same input */
    float *mean = vkh_rnd(4), *var = vkh_rnd(4), *y2 = NULL;
    for (int i = 0; i < 4; i++)
      var[i] = fabsf(var[i]) + 0.5f;
    pv_tensor_desc bin[5] = {VKH_D(2, 4, 3, 5), VKH_D(4), VKH_D(4), VKH_D(4),
                             VKH_D(4)};
    const void *bdata[5] = {gx, w, b, mean, var};
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_BATCH_NORM, &at, 5, bin, bdata, 30u, &od,
                         (void **)&y2),
                 0);
    for (int i = 0; i < 120; i++) {
      int c = (i / 15) % 4;
      want[i] = (float)((gx[i] - mean[c]) / sqrt(var[c] + 1e-5) * w[c] + b[c]);
    }
    CHECK(y2 && vkh_close_enough("batch_norm", y2, want, 120, 1e-5));
    free(gx), free(w), free(b), free(y), free(mean), free(var), free(y2);
  }
  free(x);
}

static void test_layout(void) {
  float *x = vkh_rnd(2 * 3 * 4);
  const void *data[2] = {x, NULL};
  float *y = NULL, want[96];
  pv_tensor_desc od;
  /* permute [2,3,4] -> (2,0,1) */
  {
    pv_op_attrs at = vkh_zattrs();
    at.permute.perm[0] = 2, at.permute.perm[1] = 0, at.permute.perm[2] = 1;
    pv_tensor_desc in = VKH_D(2, 3, 4);
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_PERMUTE, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    for (int k = 0; k < 4; k++)
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
          want[(k * 2 + i) * 3 + j] = x[(i * 3 + j) * 4 + k];
    CHECK(y && vkh_close_enough("permute", y, want, 24, 0));
    free(y);
  }
  /* slice dim 2 [3:0:-2], dim 1 [1:] */
  {
    pv_op_attrs at = vkh_zattrs();
    at.slice.start[0] = 0, at.slice.end[0] = INT64_MAX, at.slice.step[0] = 1;
    at.slice.start[1] = 1, at.slice.end[1] = INT64_MAX, at.slice.step[1] = 1;
    at.slice.start[2] = 3, at.slice.end[2] = 0, at.slice.step[2] = -2;
    pv_tensor_desc in = VKH_D(2, 3, 4);
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_SLICE, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    CHECK_EQ_INT(od.shape[1], 2);
    CHECK_EQ_INT(od.shape[2], 2);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        for (int k = 0; k < 2; k++)
          want[(i * 2 + j) * 2 + k] = x[(i * 3 + j + 1) * 4 + 3 - 2 * k];
    CHECK(y && vkh_close_enough("slice", y, want, 8, 0));
    free(y);
  }
  /* concat along 1 of [2,3,4] and [2,1,4] */
  {
    float *x2 = vkh_rnd(8);
    pv_op_attrs at = vkh_zattrs();
    at.axis.axis = 1;
    pv_tensor_desc in[2] = {VKH_D(2, 3, 4), VKH_D(2, 1, 4)};
    const void *d2[2] = {x, x2};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_CONCAT, &at, 2, in, d2, 0, &od, (void **)&y), 0);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 4; k++)
          want[(i * 4 + j) * 4 + k] =
              j < 3 ? x[(i * 3 + j) * 4 + k] : x2[i * 4 + k];
    CHECK(y && vkh_close_enough("concat", y, want, 32, 0));
    free(y), free(x2);
  }
  /* expand [3,1] -> [2,3,4]; tile [2,3,4] x (1,1,2) */
  {
    pv_op_attrs at = vkh_zattrs();
    at.reshape.ndim = 3;
    at.reshape.shape[0] = 2, at.reshape.shape[1] = 3, at.reshape.shape[2] = 4;
    pv_tensor_desc in = VKH_D(3, 1);
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_EXPAND, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    for (int i = 0; i < 24; i++)
      want[i] = x[(i / 4) % 3];
    CHECK(y && vkh_close_enough("expand", y, want, 24, 0));
    free(y);
    at.reshape.shape[0] = 1, at.reshape.shape[1] = 1, at.reshape.shape[2] = 2;
    pv_tensor_desc tin = VKH_D(2, 3, 4);
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_TILE, &at, 1, &tin, data, 0, &od, (void **)&y), 0);
    for (int i = 0; i < 48; i++)
      want[i] = x[(i / 8) * 4 + (i % 8) % 4];
    CHECK(y && vkh_close_enough("tile", y, want, 48, 0));
    free(y);
  }
  /* reduce mean over (1, 2); argmax over 1 */
  {
    pv_op_attrs at = vkh_zattrs();
    at.axis.n_axes = 2, at.axis.axes[0] = 1, at.axis.axes[1] = 2;
    pv_tensor_desc in = VKH_D(2, 3, 4);
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_REDUCE_MEAN, &at, 1, &in, data, 0, &od, (void **)&y),
        0);
    for (int i = 0; i < 2; i++) {
      double s = 0;
      for (int j = 0; j < 12; j++)
        s += x[i * 12 + j];
      want[i] = (float)(s / 12);
    }
    CHECK(y && vkh_close_enough("reduce_mean", y, want, 2, 1e-5));
    free(y);
    pv_op_attrs aa = vkh_zattrs();
    aa.axis.axis = 1;
    int64_t *idx = NULL;
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_ARGMAX, &aa, 1, &in, data, 0, &od, (void **)&idx),
        0);
    CHECK_EQ_INT(od.dtype, PV_I64);
    for (int i = 0; i < 2 && idx; i++)
      for (int k = 0; k < 4; k++) {
        int best = 0;
        for (int j = 1; j < 3; j++)
          if (x[(i * 3 + j) * 4 + k] > x[(i * 3 + best) * 4 + k])
            best = j;
        CHECK_EQ_INT(idx[i * 4 + k], best);
      }
    free(idx);
  }
  free(x);
}

/* Two partitions of two chained nodes each, run from two threads on
 * different arenas at once: exercises barriers and the queue lock. */
typedef struct thr {
  pv_plugin_partition *part;
  pv_plugin_buffer *arena;
  int rc;
} thr;
static void *thr_run(void *p) {
  thr *t = p;
  for (int i = 0; i < 5 && !t->rc; i++)
    t->rc = VK.d->partition_execute(VK.dev, t->part, t->arena);
  return NULL;
}

static void test_chain_threads(void) {
  int64_t n = 1000;
  float *x = vkh_rnd(n);
  pv_value_desc v[3];
  memset(v, 0, sizeof v);
  for (int i = 0; i < 3; i++) {
    v[i].desc = VKH_D(1000);
    v[i].nbytes = 4000;
    v[i].offset = (uint64_t)i * 4096;
  }
  pv_node_desc nodes[2];
  memset(nodes, 0, sizeof nodes);
  nodes[0].op = PV_OP_NEG, nodes[0].n_inputs = 1, nodes[0].n_outputs = 1;
  nodes[0].inputs[0] = 0, nodes[0].outputs[0] = 1;
  nodes[1].op = PV_OP_ADD, nodes[1].n_inputs = 2, nodes[1].n_outputs = 1;
  nodes[1].inputs[0] = 1, nodes[1].inputs[1] = 0, nodes[1].outputs[0] = 2;
  nodes[1].attrs.binary.act.op = PV_OP_EXP; /* exp(-x + x) = 1 */
  pv_partition_desc pd = {sizeof pd, 2, nodes, 3, v, 3 * 4096, NULL, NULL};
  pv_plugin_partition *part = NULL;
  CHECK_EQ_INT(VK.d->partition_compile(VK.dev, &pd, &part), 0);
  thr t[2];
  memset(t, 0, sizeof t);
  for (int i = 0; i < 2; i++) {
    t[i].part = part;
    CHECK_EQ_INT(VK.d->buffer_alloc(VK.dev, 3 * 4096, &t[i].arena), 0);
    CHECK_EQ_INT(VK.d->buffer_write(VK.dev, t[i].arena, 0, x, 4000), 0);
  }
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, thr_run, &t[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT(t[i].rc, 0);
    float y[1000], want[1000];
    CHECK_EQ_INT(VK.d->buffer_read(VK.dev, t[i].arena, 8192, y, 4000), 0);
    for (int k = 0; k < 1000; k++)
      want[k] = 1.0f;
    CHECK(vkh_close_enough("chain", y, want, 1000, 1e-6));
    VK.d->buffer_free(VK.dev, t[i].arena);
  }
  VK.d->partition_release(VK.dev, part);
  free(x);
}

/* Write-after-read: node 1 overwrites the memory node 0 read (as an arena
 * planner reuses dead slots), then node 2 reads both results. Runs under
 * synchronization validation, which reports any missing barrier. */
static void test_war(void) {
  float x[256], z[256];
  for (int i = 0; i < 256; i++)
    x[i] = vkh_frand(), z[i] = vkh_frand();
  pv_value_desc v[5];
  memset(v, 0, sizeof v);
  uint64_t offs[5] = {0, 1024, 2048, 0, 3072}; /* v3 aliases v0 */
  for (int i = 0; i < 5; i++) {
    v[i].desc = VKH_D(256);
    v[i].nbytes = 1024;
    v[i].offset = offs[i];
  }
  pv_node_desc nd[3];
  memset(nd, 0, sizeof nd);
  nd[0].op = PV_OP_NEG, nd[0].n_inputs = nd[0].n_outputs = 1;
  nd[0].inputs[0] = 0, nd[0].outputs[0] = 1;
  nd[1].op = PV_OP_ABS, nd[1].n_inputs = nd[1].n_outputs = 1;
  nd[1].inputs[0] = 2, nd[1].outputs[0] = 3;
  nd[2].op = PV_OP_ADD, nd[2].n_inputs = 2, nd[2].n_outputs = 1;
  nd[2].inputs[0] = 1, nd[2].inputs[1] = 3, nd[2].outputs[0] = 4;
  pv_partition_desc pd = {sizeof pd, 3, nd, 5, v, 4096, NULL, NULL};
  pv_plugin_partition *part = NULL;
  pv_plugin_buffer *arena = NULL;
  CHECK_EQ_INT(VK.d->partition_compile(VK.dev, &pd, &part), 0);
  CHECK_EQ_INT(VK.d->buffer_alloc(VK.dev, 4096, &arena), 0);
  for (int rep = 0; rep < 2 && part && arena; rep++) {
    CHECK_EQ_INT(VK.d->buffer_write(VK.dev, arena, 0, x, 1024), 0);
    CHECK_EQ_INT(VK.d->buffer_write(VK.dev, arena, 2048, z, 1024), 0);
    CHECK_EQ_INT(VK.d->partition_execute(VK.dev, part, arena), 0);
    float y[256], want[256];
    CHECK_EQ_INT(VK.d->buffer_read(VK.dev, arena, 3072, y, 1024), 0);
    for (int i = 0; i < 256; i++)
      want[i] = -x[i] + fabsf(z[i]);
    CHECK(vkh_close_enough("write-after-read", y, want, 256, 1e-6));
  }
  if (arena)
    VK.d->buffer_free(VK.dev, arena);
  /* An arena smaller than the partition needs is an error, not a crash. */
  pv_plugin_buffer *small = NULL;
  CHECK_EQ_INT(VK.d->buffer_alloc(VK.dev, 1024, &small), 0);
  if (part && small)
    CHECK(VK.d->partition_execute(VK.dev, part, small) < 0);
  if (small)
    VK.d->buffer_free(VK.dev, small);
  /* and out-of-range buffer reads/writes are refused */
  CHECK_EQ_INT(VK.d->buffer_alloc(VK.dev, 64, &small), 0);
  if (small) {
    char tmp[128] = {0};
    CHECK(VK.d->buffer_write(VK.dev, small, 32, tmp, 64) < 0);
    CHECK(VK.d->buffer_read(VK.dev, small, 65, tmp, 1) < 0);
    VK.d->buffer_free(VK.dev, small);
  }
  if (part)
    VK.d->partition_release(VK.dev, part);
}

int main(void) {
  vkh_seed(12345);
  int rc = vkh_open(&VK, 0);
  if (rc)
    return rc;
  pv_device_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK_EQ_INT(VK.d->device_get_info(VK.ctx, 0, &info), 0);
  char desc[1024];
  CHECK_EQ_INT(VK.d->device_describe(VK.ctx, 0, desc, sizeof desc), 0);
  printf("device 0: %s (type %d) %s\n", info.name, info.type, desc);
  CHECK(info.memory_bytes > 0);
  /* supports_op must refuse what it does not implement */
  pv_op_desc q;
  memset(&q, 0, sizeof q);
  q.op = PV_OP_TOPK;
  CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 0);
  q.op = PV_OP_RELU;
  q.n_inputs = q.n_outputs = 1;
  q.inputs[0] = vkh_desc(PV_I32, 1, (int64_t[]){4});
  q.outputs[0] = q.inputs[0];
  CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 0);
  /* partition_compile re-checks every node: bad ones are errors */
  {
    pv_value_desc v[2];
    memset(v, 0, sizeof v);
    v[0].desc = vkh_desc(PV_I32, 1, (int64_t[]){4});
    v[1].desc = v[0].desc;
    v[0].nbytes = v[1].nbytes = 16;
    v[1].offset = 64;
    pv_node_desc nd;
    memset(&nd, 0, sizeof nd);
    nd.op = PV_OP_RELU; /* i32: refused by supports_op */
    nd.n_inputs = nd.n_outputs = 1;
    nd.inputs[0] = 0;
    nd.outputs[0] = 1;
    pv_partition_desc pd = {sizeof pd, 1, &nd, 2, v, 128, NULL, NULL};
    pv_plugin_partition *part = NULL;
    CHECK(VK.d->partition_compile(VK.dev, &pd, &part) < 0);
    nd.n_inputs = 99;
    CHECK(VK.d->partition_compile(VK.dev, &pd, &part) < 0);
    nd.n_inputs = 1;
    nd.outputs[0] = 7;
    CHECK(VK.d->partition_compile(VK.dev, &pd, &part) < 0);
  }
  test_unary();
  test_binary();
  test_gemm();
  test_matmul_bcast();
  test_conv();
  test_pool();
  test_softmax_norm();
  test_layout();
  test_chain_threads();
  test_war();
  vkh_close(&VK);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_ops");
}
