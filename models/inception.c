/* Inception v3 (torchvision.models.inception_v3). AuxLogits is train-only;
 * its keys are accepted and ignored. */
#include "models_internal.h"

/* BasicConv2d with a kh x kw kernel: conv (no bias), BN eps 1e-3, ReLU. */
static pv_value bc(pv__mb *b, pv_value x, const char *name, int in, int out,
                   int kh, int kw, int stride, int ph, int pw) {
  size_t l = pv__mb_push(b, "%s", name);
  size_t c = pv__mb_push(b, "conv");
  int64_t ws[4] = {out, in, kh, kw};
  pv_value w = pv__mb_param(b, "weight", 4, ws);
  pv__mb_pop(b, c);
  pv_conv_attrs a = pv_conv_attrs_default();
  a.stride[0] = a.stride[1] = stride;
  a.padding[0] = a.padding[2] = ph;
  a.padding[1] = a.padding[3] = pw;
  x = b->status ? PV_NO_VALUE : pv_conv2d(b->g, x, w, PV_NO_VALUE, &a);
  x = pv_relu(b->g, pv__mb_bn(b, x, "bn", out, 1e-3f));
  pv__mb_pop(b, l);
  return x;
}

static pv_value sq(pv__mb *b, pv_value x, const char *n, int in, int out, int k,
                   int stride, int pad) {
  return bc(b, x, n, in, out, k, k, stride, pad, pad);
}

static pv_value cat(pv__mb *b, int n, pv_value *xs) {
  return pv_concat(b->g, n, xs, 1);
}

static pv_value avg3(pv__mb *b, pv_value x) {
  return pv__mb_avg_pool(b, x, 3, 1, 1, 0, 1);
}

static pv_value block_a(pv__mb *b, pv_value x, int in, int pool) {
  pv_value br[4];
  br[0] = sq(b, x, "branch1x1", in, 64, 1, 1, 0);
  br[1] = sq(b, sq(b, x, "branch5x5_1", in, 48, 1, 1, 0), "branch5x5_2", 48, 64,
             5, 1, 2);
  br[2] = sq(b, x, "branch3x3dbl_1", in, 64, 1, 1, 0);
  br[2] = sq(b, br[2], "branch3x3dbl_2", 64, 96, 3, 1, 1);
  br[2] = sq(b, br[2], "branch3x3dbl_3", 96, 96, 3, 1, 1);
  br[3] = sq(b, avg3(b, x), "branch_pool", in, pool, 1, 1, 0);
  return cat(b, 4, br);
}

static pv_value block_b(pv__mb *b, pv_value x, int in) {
  pv_value br[3];
  br[0] = sq(b, x, "branch3x3", in, 384, 3, 2, 0);
  br[1] = sq(b, x, "branch3x3dbl_1", in, 64, 1, 1, 0);
  br[1] = sq(b, br[1], "branch3x3dbl_2", 64, 96, 3, 1, 1);
  br[1] = sq(b, br[1], "branch3x3dbl_3", 96, 96, 3, 2, 0);
  br[2] = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  return cat(b, 3, br);
}

static pv_value block_c(pv__mb *b, pv_value x, int in, int c7) {
  pv_value br[4];
  br[0] = sq(b, x, "branch1x1", in, 192, 1, 1, 0);
  br[1] = sq(b, x, "branch7x7_1", in, c7, 1, 1, 0);
  br[1] = bc(b, br[1], "branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
  br[1] = bc(b, br[1], "branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
  br[2] = sq(b, x, "branch7x7dbl_1", in, c7, 1, 1, 0);
  br[2] = bc(b, br[2], "branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
  br[2] = bc(b, br[2], "branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
  br[2] = bc(b, br[2], "branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
  br[2] = bc(b, br[2], "branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
  br[3] = sq(b, avg3(b, x), "branch_pool", in, 192, 1, 1, 0);
  return cat(b, 4, br);
}

static pv_value block_d(pv__mb *b, pv_value x, int in) {
  pv_value br[3];
  br[0] = sq(b, sq(b, x, "branch3x3_1", in, 192, 1, 1, 0), "branch3x3_2", 192,
             320, 3, 2, 0);
  br[1] = sq(b, x, "branch7x7x3_1", in, 192, 1, 1, 0);
  br[1] = bc(b, br[1], "branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
  br[1] = bc(b, br[1], "branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
  br[1] = sq(b, br[1], "branch7x7x3_4", 192, 192, 3, 2, 0);
  br[2] = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  return cat(b, 3, br);
}

static pv_value block_e(pv__mb *b, pv_value x, int in) {
  pv_value br[4], two[2];
  br[0] = sq(b, x, "branch1x1", in, 320, 1, 1, 0);
  pv_value t = sq(b, x, "branch3x3_1", in, 384, 1, 1, 0);
  two[0] = bc(b, t, "branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
  two[1] = bc(b, t, "branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
  br[1] = cat(b, 2, two);
  t = sq(b, x, "branch3x3dbl_1", in, 448, 1, 1, 0);
  t = sq(b, t, "branch3x3dbl_2", 448, 384, 3, 1, 1);
  two[0] = bc(b, t, "branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
  two[1] = bc(b, t, "branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
  br[2] = cat(b, 2, two);
  br[3] = sq(b, avg3(b, x), "branch_pool", in, 192, 1, 1, 0);
  return cat(b, 4, br);
}

#define MODULE(name, expr)                                                     \
  do {                                                                         \
    size_t l_ = pv__mb_push(b, name);                                          \
    x = (expr);                                                                \
    pv__mb_pop(b, l_);                                                         \
  } while (0)

int pv__build_inception_v3(pv__mb *b, pv_value x, pv_value *out) {
  if (b->transform_input)
    x = pv__transform_input(b, x);
  x = sq(b, x, "Conv2d_1a_3x3", 3, 32, 3, 2, 0);
  x = sq(b, x, "Conv2d_2a_3x3", 32, 32, 3, 1, 0);
  x = sq(b, x, "Conv2d_2b_3x3", 32, 64, 3, 1, 1);
  x = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  x = sq(b, x, "Conv2d_3b_1x1", 64, 80, 1, 1, 0);
  x = sq(b, x, "Conv2d_4a_3x3", 80, 192, 3, 1, 0);
  x = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  MODULE("Mixed_5b", block_a(b, x, 192, 32));
  MODULE("Mixed_5c", block_a(b, x, 256, 64));
  MODULE("Mixed_5d", block_a(b, x, 288, 64));
  MODULE("Mixed_6a", block_b(b, x, 288));
  MODULE("Mixed_6b", block_c(b, x, 768, 128));
  MODULE("Mixed_6c", block_c(b, x, 768, 160));
  MODULE("Mixed_6d", block_c(b, x, 768, 160));
  MODULE("Mixed_6e", block_c(b, x, 768, 192));
  MODULE("Mixed_7a", block_d(b, x, 768));
  MODULE("Mixed_7b", block_e(b, x, 1280));
  MODULE("Mixed_7c", block_e(b, x, 2048));
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "fc", 2048, b->num_classes, 1);
  return b->status;
}
