/* Batch chunking: ops whose activations exceed maxStorageBufferRange run in
 * chunks of batch items. The debug knob POLYVIS_VK_MAX_STORAGE_RANGE lowers
 * the plugin's limit to 64 KiB so the tensors stay small: every activation
 * below is over the limit whole and under it per item (or per few items, so
 * the last chunk is a partial one), in strict mode (the harness fails when
 * supports_op says no), against inline CPU references. */
#include "testutil.h"
#include "vk_harness.h"

#include <math.h>
#include <stdlib.h>

#define LIMIT 65536

static vkh VK;

/* 3x3, stride 1, pad 1 convolution with bias, `g` groups. */
static void conv_case(const char *name, int B, int C, int H, int W, int O,
                      int g) {
  CHECK((int64_t)B * C * H * W * 4 > LIMIT);
  int cg = C / g, og = O / g;
  float *x = vkh_rnd(B * C * H * W), *w = vkh_rnd(O * cg * 9), *b = vkh_rnd(O);
  float *want = malloc(sizeof(float) * (size_t)(B * O * H * W)), *y = NULL;
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      for (int oy = 0; oy < H; oy++)
        for (int ox = 0; ox < W; ox++) {
          double acc = b[o];
          int gi = o / og;
          for (int c = 0; c < cg; c++)
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 3; kx++) {
                int iy = oy - 1 + ky, ix = ox - 1 + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                  continue;
                acc += (double)x[((n * C + gi * cg + c) * H + iy) * W + ix] *
                       w[((o * cg + c) * 3 + ky) * 3 + kx];
              }
          want[((n * O + o) * H + oy) * W + ox] = (float)acc;
        }
  pv_tensor_desc in[3] = {VKH_D(B, C, H, W), VKH_D(O, cg, 3, 3), VKH_D(O)}, od;
  pv_op_attrs at = vkh_zattrs();
  at.conv.stride[0] = at.conv.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    at.conv.padding[i] = 1;
  at.conv.dilation[0] = at.conv.dilation[1] = 1;
  at.conv.groups = g;
  const void *data[3] = {x, w, b};
  CHECK_EQ_INT(
      vkh_run(&VK, PV_OP_CONV2D, &at, 3, in, data, 6u, &od, (void **)&y), 0);
  CHECK(y && vkh_close_enough(name, y, want, B * O * H * W, 1e-5));
  free(x), free(w), free(b), free(want), free(y);
}

/* A 1x1 convolution whose constant weight exceeds the limit binds it in
 * ranges of output channels (regnet_y_128gf's 7392x7392 on lavapipe); with
 * fused relu and bias, with and without batch chunking of the activations. */
static void pointwise_case(const char *name, int B, int C, int HW, int O,
                           int bias) {
  CHECK((int64_t)O * C * 4 > LIMIT);
  float *x = vkh_rnd(B * C * HW), *w = vkh_rnd(O * C), *b = vkh_rnd(O);
  float *want = malloc(sizeof(float) * (size_t)(B * O * HW)), *y = NULL;
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      for (int i = 0; i < HW; i++) {
        double acc = bias ? b[o] : 0.0;
        for (int c = 0; c < C; c++)
          acc += (double)x[(n * C + c) * HW + i] * w[o * C + c];
        want[(n * O + o) * HW + i] = acc > 0 ? (float)acc : 0.0f;
      }
  pv_tensor_desc in[3] = {VKH_D(B, C, HW, 1), VKH_D(O, C, 1, 1), VKH_D(O)}, od;
  pv_op_attrs at = vkh_zattrs();
  at.conv.stride[0] = at.conv.stride[1] = 1;
  at.conv.dilation[0] = at.conv.dilation[1] = 1;
  at.conv.groups = 1;
  at.conv.act.op = PV_OP_RELU;
  const void *data[3] = {x, w, b};
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CONV2D, &at, bias ? 3 : 2, in, data, 6u, &od,
                       (void **)&y),
               0);
  CHECK(y && vkh_close_enough(name, y, want, B * O * HW, 1e-5));
  free(x), free(w), free(b), free(want), free(y);
}

/* silu, then an SE-style mul by [B,C,1,1] and an add of a [1,C,1,1] bias
 * (broadcast whole) and of a second full tensor. */
static void test_eltwise(int B, int C, int H, int W) {
  int64_t n = (int64_t)B * C * H * W, hw = (int64_t)H * W;
  CHECK(n * 4 > LIMIT);
  float *x = vkh_rnd(n), *s = vkh_rnd(B * C), *c = vkh_rnd(C), *x2 = vkh_rnd(n);
  float *want = malloc(sizeof(float) * (size_t)n), *y = NULL;
  pv_op_attrs at = vkh_zattrs();
  pv_tensor_desc od;
  {
    pv_tensor_desc in = VKH_D(B, C, H, W);
    const void *data[1] = {x};
    for (int64_t i = 0; i < n; i++)
      want[i] = (float)(x[i] / (1.0 + exp(-(double)x[i])));
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_SILU, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("silu", y, want, n, 1e-5));
    free(y), y = NULL;
  }
  {
    pv_tensor_desc in[2] = {VKH_D(B, C, H, W), VKH_D(B, C, 1, 1)};
    const void *data[2] = {x, s};
    for (int64_t i = 0; i < n; i++)
      want[i] = x[i] * s[i / hw];
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_MUL, &at, 2, in, data, 0, &od, (void **)&y),
                 0);
    CHECK(y && vkh_close_enough("mul [B,C,1,1]", y, want, n, 1e-6));
    free(y), y = NULL;
  }
  {
    pv_tensor_desc in[2] = {VKH_D(B, C, H, W), VKH_D(1, C, 1, 1)};
    const void *data[2] = {x, c};
    for (int64_t i = 0; i < n; i++)
      want[i] = x[i] + c[(i / hw) % C];
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_ADD, &at, 2, in, data, 0, &od, (void **)&y),
                 0);
    CHECK(y && vkh_close_enough("add [1,C,1,1]", y, want, n, 1e-6));
    free(y), y = NULL;
    /* the same broadcast operand as a constant (bound whole) */
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_ADD, &at, 2, in, data, 2u, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("add const [1,C,1,1]", y, want, n, 1e-6));
    free(y), y = NULL;
  }
  {
    pv_tensor_desc in[2] = {VKH_D(B, C, H, W), VKH_D(B, C, H, W)};
    const void *data[2] = {x, x2};
    for (int64_t i = 0; i < n; i++)
      want[i] = x[i] + x2[i];
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_ADD, &at, 2, in, data, 0, &od, (void **)&y),
                 0);
    CHECK(y && vkh_close_enough("add", y, want, n, 1e-6));
    free(y), y = NULL;
  }
  free(x), free(s), free(c), free(x2), free(want);
}

/* adaptive avg pool to 1x1, softmax over channels, batch norm. */
static void test_pool_softmax_bn(int B, int C, int H, int W) {
  int64_t n = (int64_t)B * C * H * W, hw = (int64_t)H * W;
  float *x = vkh_rnd(n), *want = malloc(sizeof(float) * (size_t)n), *y = NULL;
  pv_tensor_desc od;
  {
    pv_op_attrs at = vkh_zattrs();
    at.pool.output_size[0] = at.pool.output_size[1] = 1;
    pv_tensor_desc in = VKH_D(B, C, H, W);
    const void *data[1] = {x};
    for (int64_t i = 0; i < (int64_t)B * C; i++) {
      double s = 0;
      for (int64_t j = 0; j < hw; j++)
        s += x[i * hw + j];
      want[i] = (float)(s / (double)hw);
    }
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_ADAPTIVE_AVG_POOL2D, &at, 1, &in, data, 0,
                         &od, (void **)&y),
                 0);
    CHECK(y && vkh_close_enough("adaptive_avg_pool", y, want, B * C, 1e-5));
    free(y), y = NULL;
  }
  {
    pv_op_attrs at = vkh_zattrs();
    at.axis.axis = 1;
    pv_tensor_desc in = VKH_D(B, C, H, W);
    const void *data[1] = {x};
    for (int b = 0; b < B; b++)
      for (int64_t j = 0; j < hw; j++) {
        double m = -1e30, s = 0;
        for (int c = 0; c < C; c++)
          m = fmax(m, x[(b * C + c) * hw + j]);
        for (int c = 0; c < C; c++)
          s += exp(x[(b * C + c) * hw + j] - m);
        for (int c = 0; c < C; c++)
          want[(b * C + c) * hw + j] =
              (float)(exp(x[(b * C + c) * hw + j] - m) / s);
      }
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_SOFTMAX, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    CHECK(y && vkh_close_enough("softmax axis 1", y, want, n, 1e-5));
    free(y), y = NULL;
  }
  {
    pv_op_attrs at = vkh_zattrs();
    at.norm.eps = 1e-5f;
    float *w = vkh_rnd(C), *bb = vkh_rnd(C), *mean = vkh_rnd(C),
          *var = vkh_rnd(C);
    for (int c = 0; c < C; c++)
      var[c] = fabsf(var[c]) + 0.5f;
    pv_tensor_desc in[5] = {VKH_D(B, C, H, W), VKH_D(C), VKH_D(C), VKH_D(C),
                            VKH_D(C)};
    const void *data[5] = {x, w, bb, mean, var};
    for (int64_t i = 0; i < n; i++) {
      int c = (int)((i / hw) % C);
      want[i] = (float)((x[i] - mean[c]) / sqrt(var[c] + 1e-5) * w[c] + bb[c]);
    }
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_BATCH_NORM, &at, 5, in, data, 30u, &od, (void **)&y),
        0);
    CHECK(y && vkh_close_enough("batch_norm", y, want, n, 1e-5));
    free(y), y = NULL;
    free(w), free(bb), free(mean), free(var);
  }
  free(x), free(want);
}

/* Items whose bytes are not a multiple of the offset alignment: silu (f32)
 * and a comparison (a bool output, chunks starting inside a word). */
static void test_unaligned(int B, int C, int H, int W) {
  int64_t n = (int64_t)B * C * H * W, hw = (int64_t)H * W;
  CHECK(n * 4 > LIMIT);
  float *x = vkh_rnd(n), *t = vkh_rnd(C),
        *want = malloc(sizeof(float) * (size_t)n);
  float *y = NULL;
  uint8_t *m = NULL;
  pv_op_attrs at = vkh_zattrs();
  pv_tensor_desc od;
  pv_tensor_desc in[2] = {VKH_D(B, C, H, W), VKH_D(1, C, 1, 1)};
  const void *data[2] = {x, t};
  for (int64_t i = 0; i < n; i++)
    want[i] = (float)(x[i] / (1.0 + exp(-(double)x[i])));
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_SILU, &at, 1, in, data, 0, &od, (void **)&y),
               0);
  CHECK(y && vkh_close_enough("silu unaligned", y, want, n, 1e-5));
  CHECK_EQ_INT(
      vkh_run(&VK, PV_OP_GREATER, &at, 2, in, data, 0, &od, (void **)&m), 0);
  CHECK_EQ_INT(od.dtype, PV_BOOL);
  int bad = 0;
  for (int64_t i = 0; m && i < n; i++)
    bad += m[i] != (x[i] > t[(i / hw) % C]);
  CHECK(m && bad == 0);
  free(x), free(t), free(want), free(y), free(m);
}

/* The op on the whole batch (chunked) against the same op run on one item
 * at a time (which fits whole). Inputs in `batched` have the batch dim;
 * the others are passed as they are. Float data, any output dtype. */
static void per_item_case(const char *name, int op, const pv_op_attrs *at,
                          int n_in, const pv_tensor_desc *in,
                          const void *const *data, uint32_t const_mask,
                          uint32_t batched) {
  pv_tensor_desc od, od1;
  void *y = NULL;
  CHECK_EQ_INT(vkh_run(&VK, op, at, n_in, in, data, const_mask, &od, &y), 0);
  if (!y)
    return;
  int64_t N = od.shape[0], on = 1;
  for (int i = 0; i < od.ndim; i++)
    on *= od.shape[i];
  size_t es = od.dtype == PV_BOOL ? 1 : 4;
  CHECK(on * (int64_t)es > LIMIT);
  size_t item = (size_t)(on / N) * es;
  int mism = 0;
  for (int64_t b = 0; b < N; b++) {
    pv_tensor_desc in1[4];
    const void *d1[4];
    for (int i = 0; i < n_in; i++) {
      in1[i] = in[i];
      d1[i] = data[i];
      if (batched >> i & 1u) {
        int64_t n = 1;
        for (int k = 1; k < in[i].ndim; k++)
          n *= in[i].shape[k];
        in1[i].shape[0] = 1;
        d1[i] = (const char *)data[i] + (size_t)(b * n) * 4;
      }
    }
    void *y1 = NULL;
    CHECK_EQ_INT(vkh_run(&VK, op, at, n_in, in1, d1, const_mask, &od1, &y1), 0);
    if (y1 && od.dtype == PV_BOOL)
      mism += memcmp((char *)y + b * item, y1, item) != 0;
    else if (y1)
      mism += !vkh_close_enough(name, (float *)((char *)y + b * item), y1,
                                (int64_t)(item / 4), 1e-6);
    free(y1);
  }
  if (mism)
    fprintf(stderr, "%s: %d item(s) differ\n", name, mism);
  CHECK_EQ_INT(mism, 0);
  free(y);
}

static void test_per_item(void) {
  float *x = vkh_rnd(3 * 4 * 50 * 40), *w = vkh_rnd(4 * 2 * 3 * 3),
        *g = vkh_rnd(40);
  pv_tensor_desc in = VKH_D(3, 4, 50, 40);
  const void *data[3] = {x, w, g};
  pv_op_attrs at = vkh_zattrs();
  /* pad H and W (constant 0.5) */
  at.pad.mode = PV_PAD_CONSTANT;
  at.pad.value = 0.5f;
  at.pad.pads[4] = 1, at.pad.pads[5] = 2, at.pad.pads[6] = 3;
  per_item_case("pad", PV_OP_PAD, &at, 1, &in, data, 0, 1u);
  at = vkh_zattrs();
  at.resize.mode = PV_RESIZE_BILINEAR;
  at.resize.size[0] = 60, at.resize.size[1] = 45;
  per_item_case("resize bilinear", PV_OP_RESIZE, &at, 1, &in, data, 0, 1u);
  at = vkh_zattrs();
  at.pool.kernel[0] = at.pool.kernel[1] = 3;
  at.pool.stride[0] = at.pool.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    at.pool.padding[i] = 1;
  at.pool.dilation[0] = at.pool.dilation[1] = 1;
  per_item_case("max_pool 3x3 s1", PV_OP_MAX_POOL2D, &at, 1, &in, data, 0, 1u);
  at = vkh_zattrs();
  at.norm.eps = 1e-5f;
  at.norm.groups = 2;
  per_item_case("group_norm", PV_OP_GROUP_NORM, &at, 1, &in, data, 0, 1u);
  at = vkh_zattrs();
  at.norm.eps = 1e-5f;
  at.norm.n_norm_dims = 1;
  pv_tensor_desc lin[2] = {in, VKH_D(40)};
  const void *ldata[2] = {x, g};
  per_item_case("layer_norm", PV_OP_LAYER_NORM, &at, 2, lin, ldata, 2u, 1u);
  /* conv_transpose2d 4 -> 4 channels (groups 2), stride 1, pad 1: same size */
  at = vkh_zattrs();
  at.conv.stride[0] = at.conv.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    at.conv.padding[i] = 1;
  at.conv.dilation[0] = at.conv.dilation[1] = 1;
  at.conv.groups = 2;
  pv_tensor_desc cin[2] = {in, VKH_D(4, 2, 3, 3)};
  per_item_case("conv_transpose2d", PV_OP_CONV_TRANSPOSE2D, &at, 2, cin, data,
                2u, 1u);
  free(x), free(w), free(g);
}

/* What cannot be chunked is still refused. */
static void test_refused(void) {
  pv_op_attrs at = vkh_zattrs();
  pv_tensor_desc od;
  float *y = NULL;
  /* one item (4*64*80*4 = 80 KiB) over the limit */
  float *x = vkh_rnd(2 * 4 * 64 * 80);
  pv_tensor_desc in = VKH_D(2, 4, 64, 80);
  const void *data[1] = {x};
  CHECK(vkh_run(&VK, PV_OP_RELU, &at, 1, &in, data, 0, &od, (void **)&y) != 0);
  free(y), y = NULL;
  /* softmax along the batch dim is not independent along it */
  pv_tensor_desc in2 = VKH_D(2, 4, 64, 60);
  at.axis.axis = 0;
  CHECK(vkh_run(&VK, PV_OP_SOFTMAX, &at, 1, &in2, data, 0, &od, (void **)&y) !=
        0);
  free(y);
  free(x);
}

int main(void) {
  vkh_seed(4242);
  setenv("POLYVIS_VK_MAX_STORAGE_RANGE", "65536", 1);
  int rc = vkh_open(&VK, 0);
  if (rc)
    return rc;
  /* 2 items of 60 KiB: one item per chunk */
  conv_case("conv 2x[4,64,60]", 2, 4, 64, 60, 4, 1);
  test_eltwise(2, 4, 64, 60);
  test_pool_softmax_bn(2, 4, 64, 60);
  /* 5 items of 15 KiB: chunks of 4 and 1 */
  conv_case("depthwise 5x[4,32,30]", 5, 4, 32, 30, 4, 4);
  test_eltwise(5, 4, 32, 30);
  test_pool_softmax_bn(5, 4, 32, 30);
  /* 5 items of 18204 bytes: 3 + 2, unaligned; 20 of 6004: 8 + 8 + 4 */
  test_unaligned(5, 3, 37, 41);
  test_unaligned(20, 1, 19, 79);
  /* 3 items of 32000 bytes (and larger padded/resized outputs) */
  test_per_item();
  /* weights of 200x100 floats (78 KiB): ranges of 163 output channels */
  pointwise_case("pointwise weight 2x[100,7x7]->200", 2, 100, 49, 200, 1);
  pointwise_case("pointwise weight 1x[100,3x3]->333", 1, 100, 9, 333, 0);
  /* outputs of 3x[300,7x7] (172 KiB): chunks of one item as well */
  pointwise_case("pointwise weight+batch 3x[60,7x7]->300", 3, 60, 49, 300, 1);
  test_refused();
  vkh_close(&VK);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_batch");
}
