/* OpenCL linear algebra and convolution against naive CPU loops: linear
 * (constant repacked and arena weights, bias, fused act), ONNX gemm with
 * transposes and a broadcast C, batched broadcasting matmul, conv2d through
 * each path (tiled implicit GEMM, 1x1 GEMM, depthwise, grouped, strided,
 * dilated, padded) and conv_transpose2d. */
#include "ocl_harness.h"

static ocl_t T;

static void check_close(const char *what, const float *got, const float *want,
                        int64_t n) {
  double e = ocl_rel_err(got, want, n);
  if (e > 1e-5)
    fprintf(stderr, "%s: rel err %g\n", what, e);
  CHECK(e <= 1e-5);
}

static void test_linear(void) {
  enum { M = 37, K = 70, N = 45 };
  int64_t sx[3] = {1, M, K}, sw[2] = {N, K}, sb[1] = {N};
  static float x[M * K], w[N * K], b[N], want[M * N];
  ocl_fill(x, M * K, 11);
  ocl_fill(w, N * K, 12);
  ocl_fill(b, N, 13);
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      double s = b[n];
      for (int k = 0; k < K; k++)
        s += (double)x[m * K + k] * w[n * K + k];
      want[m * N + n] = (float)(s > 0 ? s : 0);
    }
  for (int cw = 0; cw < 2; cw++) {
    pv_tensor_desc in[3] = {ocl_desc(PV_F32, 3, sx), ocl_desc(PV_F32, 2, sw),
                            ocl_desc(PV_F32, 1, sb)};
    const void *data[3] = {x, w, b};
    pv_op_attrs at;
    memset(&at, 0, sizeof at);
    at.gemm.act.op = PV_OP_RELU;
    pv_tensor_desc out;
    void *got = NULL;
    CHECK_EQ_INT(ocl_run_node(&T, PV_OP_LINEAR, &at, 3, in, data, cw ? 6u : 0u,
                              1, &out, &got),
                 0);
    CHECK_EQ_INT(out.shape[2], N);
    if (got)
      check_close(cw ? "linear const" : "linear arena", got, want, M * N);
    free(got);
  }
}

static void test_gemm(void) {
  enum { M = 20, K = 33, N = 17 };
  static float a[M * K], b[K * N], c[N], want[M * N];
  ocl_fill(a, M * K, 21);
  ocl_fill(b, K * N, 22);
  ocl_fill(c, N, 23);
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      int64_t sa[2] = {ta ? K : M, ta ? M : K},
              sb[2] = {tb ? N : K, tb ? K : N}, sc[1] = {N};
      for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
          double s = 0;
          for (int k = 0; k < K; k++)
            s += (double)(ta ? a[k * M + m] : a[m * K + k]) *
                 (tb ? b[n * K + k] : b[k * N + n]);
          want[m * N + n] = (float)(0.5 * s + 2.0 * c[n]);
        }
      pv_tensor_desc in[3] = {ocl_desc(PV_F32, 2, sa), ocl_desc(PV_F32, 2, sb),
                              ocl_desc(PV_F32, 1, sc)};
      const void *data[3] = {a, b, c};
      pv_op_attrs at;
      memset(&at, 0, sizeof at);
      at.gemm.trans_a = ta;
      at.gemm.trans_b = tb;
      at.gemm.alpha = 0.5f;
      at.gemm.beta = 2.0f;
      pv_tensor_desc out;
      void *got = NULL;
      CHECK_EQ_INT(
          ocl_run_node(&T, PV_OP_GEMM, &at, 3, in, data, 0, 1, &out, &got), 0);
      if (got)
        check_close("gemm", got, want, M * N);
      free(got);
    }
}

static void test_matmul(void) {
  /* [2,1,5,7] @ [3,7,4] -> [2,3,5,4]; and [7] @ [3,7,4] -> [3,4]. */
  int64_t sa[4] = {2, 1, 5, 7}, sb[3] = {3, 7, 4}, sv[1] = {7};
  float a[70], b[84], want[120];
  ocl_fill(a, 70, 31);
  ocl_fill(b, 84, 32);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int m = 0; m < 5; m++)
        for (int n = 0; n < 4; n++) {
          double s = 0;
          for (int k = 0; k < 7; k++)
            s += (double)a[i * 35 + m * 7 + k] * b[j * 28 + k * 4 + n];
          want[((i * 3 + j) * 5 + m) * 4 + n] = (float)s;
        }
  pv_tensor_desc in[2] = {ocl_desc(PV_F32, 4, sa), ocl_desc(PV_F32, 3, sb)};
  const void *data[2] = {a, b};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  pv_tensor_desc out;
  void *got = NULL;
  CHECK_EQ_INT(
      ocl_run_node(&T, PV_OP_MATMUL, &at, 2, in, data, 0, 1, &out, &got), 0);
  CHECK_EQ_INT(out.ndim, 4);
  if (got)
    check_close("matmul batched", got, want, 120);
  free(got);
  in[0] = ocl_desc(PV_F32, 1, sv);
  for (int j = 0; j < 3; j++)
    for (int n = 0; n < 4; n++) {
      double s = 0;
      for (int k = 0; k < 7; k++)
        s += (double)a[k] * b[j * 28 + k * 4 + n];
      want[j * 4 + n] = (float)s;
    }
  got = NULL;
  CHECK_EQ_INT(
      ocl_run_node(&T, PV_OP_MATMUL, &at, 2, in, data, 0, 1, &out, &got), 0);
  CHECK_EQ_INT(out.ndim, 2);
  if (got)
    check_close("matmul vector", got, want, 12);
  free(got);
}

typedef struct conv_case {
  const char *name;
  int n, cin, h, w, cout, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, g, bias, act;
  int transpose, oph, opw;
} conv_case;

static void conv_ref(const conv_case *c, const float *x, const float *w,
                     const float *b, const pv_tensor_desc *y, float *out) {
  int OH = (int)y->shape[2], OW = (int)y->shape[3];
  int cig = c->cin / c->g, cog = c->cout / c->g;
  int64_t total = pv__desc_numel(y);
  double *acc = calloc((size_t)total, sizeof *acc);
  if (!c->transpose) {
    for (int n = 0; n < c->n; n++)
      for (int co = 0; co < c->cout; co++)
        for (int oh = 0; oh < OH; oh++)
          for (int ow = 0; ow < OW; ow++) {
            int g = co / cog;
            double s = c->bias ? b[co] : 0;
            for (int ci = 0; ci < cig; ci++)
              for (int kh = 0; kh < c->kh; kh++)
                for (int kw = 0; kw < c->kw; kw++) {
                  int ih = oh * c->sh - c->pt + kh * c->dh,
                      iw = ow * c->sw - c->pl + kw * c->dw;
                  if (ih < 0 || ih >= c->h || iw < 0 || iw >= c->w)
                    continue;
                  s += (double)
                           x[((n * c->cin + g * cig + ci) * c->h + ih) * c->w +
                             iw] *
                       w[((co * cig + ci) * c->kh + kh) * c->kw + kw];
                }
            acc[((n * c->cout + co) * OH + oh) * OW + ow] = s;
          }
  } else {
    for (int n = 0; n < c->n; n++)
      for (int ci = 0; ci < c->cin; ci++)
        for (int ih = 0; ih < c->h; ih++)
          for (int iw = 0; iw < c->w; iw++) {
            int g = ci / cig;
            for (int co = 0; co < cog; co++)
              for (int kh = 0; kh < c->kh; kh++)
                for (int kw = 0; kw < c->kw; kw++) {
                  int oh = ih * c->sh - c->pt + kh * c->dh,
                      ow = iw * c->sw - c->pl + kw * c->dw;
                  if (oh < 0 || oh >= OH || ow < 0 || ow >= OW)
                    continue;
                  acc[((n * c->cout + g * cog + co) * OH + oh) * OW + ow] +=
                      (double)x[((n * c->cin + ci) * c->h + ih) * c->w + iw] *
                      w[((ci * cog + co) * c->kh + kh) * c->kw + kw];
                }
          }
    for (int64_t i = 0; i < total; i++)
      if (c->bias)
        acc[i] += b[(i / (OH * OW)) % c->cout];
  }
  for (int64_t i = 0; i < total; i++)
    out[i] = (float)(c->act && acc[i] < 0 ? 0 : acc[i]);
  free(acc);
}

static void test_conv(void) {
  static const conv_case cases[] = {
      {"3x3 pad1 tiled",
       2,
       5,
       9,
       11,
       70,
       3,
       3,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       0,
       0,
       0},
      {"3x3 stride2 asym pad",
       1,
       4,
       10,
       9,
       6,
       3,
       3,
       2,
       2,
       1,
       0,
       0,
       1,
       1,
       1,
       1,
       0,
       0,
       0,
       0,
       0},
      {"5x3 dilated",
       1,
       3,
       12,
       12,
       4,
       5,
       3,
       1,
       2,
       2,
       1,
       2,
       1,
       2,
       1,
       1,
       1,
       0,
       0,
       0,
       0},
      {"grouped", 2, 6, 7, 7, 4, 3, 3, 1, 1, 1,
       1,         1, 1, 1, 1, 2, 1, 1, 0, 0, 0},
      {"1x1", 2, 16, 6, 5, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0},
      {"1x1 grouped",
       1,
       8,
       4,
       4,
       12,
       1,
       1,
       1,
       1,
       0,
       0,
       0,
       0,
       1,
       1,
       4,
       1,
       0,
       0,
       0,
       0},
      {"depthwise 3x3 s2",
       2,
       8,
       9,
       9,
       8,
       3,
       3,
       2,
       2,
       1,
       1,
       1,
       1,
       1,
       1,
       8,
       1,
       1,
       0,
       0,
       0},
      {"depthwise x2",
       1,
       4,
       8,
       8,
       8,
       3,
       3,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       4,
       0,
       0,
       0,
       0,
       0},
      {"transpose s2",
       1,
       4,
       5,
       6,
       6,
       3,
       3,
       2,
       2,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       0,
       1,
       1,
       1},
      {"transpose grouped",
       2,
       4,
       4,
       4,
       6,
       4,
       4,
       2,
       2,
       1,
       1,
       1,
       1,
       1,
       1,
       2,
       1,
       1,
       1,
       0,
       0},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const conv_case *c = &cases[ci];
    int64_t sx[4] = {c->n, c->cin, c->h, c->w};
    int64_t sw[4] = {c->transpose ? c->cin : c->cout,
                     c->transpose ? c->cout / c->g : c->cin / c->g, c->kh,
                     c->kw};
    int64_t sb[1] = {c->cout};
    pv_tensor_desc in[3] = {ocl_desc(PV_F32, 4, sx), ocl_desc(PV_F32, 4, sw),
                            ocl_desc(PV_F32, 1, sb)};
    int64_t nx = pv__desc_numel(&in[0]), nw = pv__desc_numel(&in[1]);
    float *x = malloc(sizeof(float) * (size_t)nx),
          *w = malloc(sizeof(float) * (size_t)nw);
    float b[128];
    ocl_fill(x, nx, 40 + (uint32_t)ci);
    ocl_fill(w, nw, 60 + (uint32_t)ci);
    ocl_fill(b, c->cout, 80 + (uint32_t)ci);
    pv_op_attrs at;
    memset(&at, 0, sizeof at);
    at.conv.stride[0] = c->sh;
    at.conv.stride[1] = c->sw;
    at.conv.padding[0] = c->pt;
    at.conv.padding[1] = c->pl;
    at.conv.padding[2] = c->pb;
    at.conv.padding[3] = c->pr;
    at.conv.dilation[0] = c->dh;
    at.conv.dilation[1] = c->dw;
    at.conv.groups = c->g;
    at.conv.output_padding[0] = c->oph;
    at.conv.output_padding[1] = c->opw;
    at.conv.act.op = c->act ? PV_OP_RELU : PV_OP_NONE;
    const void *data[3] = {x, w, b};
    pv_tensor_desc out;
    void *got = NULL;
    int op = c->transpose ? PV_OP_CONV_TRANSPOSE2D : PV_OP_CONV2D;
    int rc =
        ocl_run_node(&T, op, &at, c->bias ? 3 : 2, in, data, 6u, 1, &out, &got);
    CHECK_EQ_INT(rc, 0);
    if (!rc) {
      int64_t ny = pv__desc_numel(&out);
      float *want = malloc(sizeof(float) * (size_t)ny);
      conv_ref(c, x, w, b, &out, want);
      check_close(c->name, got, want, ny);
      free(want);
    }
    free(got);
    free(x);
    free(w);
  }
}

int main(void) {
  int rc = ocl_open(&T);
  if (rc)
    return rc;
  test_linear();
  test_gemm();
  test_matmul();
  test_conv();
  ocl_unload(&T);
  return pv_test_finish("test_ocl_nn");
}
