/* GoogLeNet (torchvision.models.googlenet). The auxiliary heads are
 * train-only; their checkpoint keys are accepted and ignored. */
#include "models_internal.h"

#include <string.h>

/* BasicConv2d: conv (no bias) + BatchNorm(eps 1e-3) + ReLU. */
static pv_value basic(pv__mb *b, pv_value x, const char *path, int in, int out,
                      int k, int stride, int pad) {
  size_t l = pv__mb_push(b, "%s", path);
  x = pv__mb_conv(b, x, "conv", in, out, k, k, stride, pad, 1, 1, 0);
  x = pv_relu(b->g, pv__mb_bn(b, x, "bn", out, 1e-3f));
  pv__mb_pop(b, l);
  return x;
}

static pv_value inception(pv__mb *b, pv_value x, const char *name, int in,
                          int c1, int c3r, int c3, int c5r, int c5, int pp) {
  size_t l = pv__mb_push(b, "%s", name);
  pv_value br[4];
  br[0] = basic(b, x, "branch1", in, c1, 1, 1, 0);
  br[1] = basic(b, basic(b, x, "branch2.0", in, c3r, 1, 1, 0), "branch2.1", c3r,
                c3, 3, 1, 1);
  br[2] = basic(b, basic(b, x, "branch3.0", in, c5r, 1, 1, 0), "branch3.1", c5r,
                c5, 3, 1, 1);
  br[3] =
      basic(b, pv__mb_max_pool(b, x, 3, 1, 1, 1), "branch4.1", in, pp, 1, 1, 0);
  pv__mb_pop(b, l);
  return pv_concat(b->g, 4, br, 1);
}

/* transform_input: x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5, the ImageNet
 * normalised input mapped to the [-1, 1] range the network expects. */
pv_value pv__transform_input(pv__mb *b, pv_value x) {
  static const float mean[3] = {0.485f, 0.456f, 0.406f},
                     std[3] = {0.229f, 0.224f, 0.225f};
  int64_t s[4] = {1, 3, 1, 1};
  pv_tensor *sc = pv_tensor_create(PV_F32, 4, s),
            *sh = pv_tensor_create(PV_F32, 4, s);
  if (!sc || !sh) {
    pv_tensor_release(sc);
    pv_tensor_release(sh);
    pv__mb_fail(b, PV_ERR_NOMEM, "transform_input");
    return PV_NO_VALUE;
  }
  for (int c = 0; c < 3; c++) {
    ((float *)pv_tensor_data(sc))[c] = std[c] / 0.5f;
    ((float *)pv_tensor_data(sh))[c] = (mean[c] - 0.5f) / 0.5f;
  }
  x = pv_add(b->g, pv_mul(b->g, x, pv_graph_constant(b->g, NULL, sc)),
             pv_graph_constant(b->g, NULL, sh));
  pv_tensor_release(sc);
  pv_tensor_release(sh);
  return x;
}

int pv__build_googlenet(pv__mb *b, pv_value x, pv_value *out) {
  if (b->transform_input)
    x = pv__transform_input(b, x);
  x = basic(b, x, "conv1", 3, 64, 7, 2, 3);
  x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
  x = basic(b, x, "conv2", 64, 64, 1, 1, 0);
  x = basic(b, x, "conv3", 64, 192, 3, 1, 1);
  x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
  x = inception(b, x, "inception3a", 192, 64, 96, 128, 16, 32, 32);
  x = inception(b, x, "inception3b", 256, 128, 128, 192, 32, 96, 64);
  x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
  x = inception(b, x, "inception4a", 480, 192, 96, 208, 16, 48, 64);
  x = inception(b, x, "inception4b", 512, 160, 112, 224, 24, 64, 64);
  x = inception(b, x, "inception4c", 512, 128, 128, 256, 24, 64, 64);
  x = inception(b, x, "inception4d", 512, 112, 144, 288, 32, 64, 64);
  x = inception(b, x, "inception4e", 528, 256, 160, 320, 32, 128, 128);
  x = pv__mb_max_pool(b, x, 2, 2, 0, 1);
  x = inception(b, x, "inception5a", 832, 256, 160, 320, 32, 128, 128);
  x = inception(b, x, "inception5b", 832, 384, 192, 384, 48, 128, 128);
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "fc", 1024, b->num_classes, 1);
  return b->status;
}
