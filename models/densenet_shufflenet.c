/* DenseNet and ShuffleNetV2 (torchvision.models.densenet / shufflenetv2). */
#include "models_internal.h"

#include <stdlib.h>
#include <string.h>

static pv_value bn_relu_conv(pv__mb *b, pv_value x, const char *norm,
                             const char *conv, int cin, int cout, int k) {
  x = pv_relu(b->g, pv__mb_bn(b, x, norm, cin, 1e-5f));
  return pv__mb_conv(b, x, conv, cin, cout, k, k, 1, k / 2, 1, 1, 0);
}

int pv__build_densenet(pv__mb *b, pv_value x, pv_value *out) {
  int growth = 32, init = 64, blocks[4] = {6, 12, 24, 16};
  if (!strcmp(b->variant, "densenet161")) {
    growth = 48;
    init = 96;
    blocks[2] = 36;
    blocks[3] = 24;
  } else if (!strcmp(b->variant, "densenet169")) {
    blocks[2] = 32;
    blocks[3] = 32;
  } else if (!strcmp(b->variant, "densenet201")) {
    blocks[2] = 48;
    blocks[3] = 32;
  }
  size_t l = pv__mb_push(b, "features");
  x = pv__mb_conv(b, x, "conv0", 3, init, 7, 7, 2, 3, 1, 1, 0);
  x = pv_relu(b->g, pv__mb_bn(b, x, "norm0", init, 1e-5f));
  x = pv__mb_max_pool(b, x, 3, 2, 1, 0);
  int c = init;
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < blocks[i]; j++) {
      size_t p = pv__mb_push(b, "denseblock%d.denselayer%d", i + 1, j + 1);
      pv_value y = bn_relu_conv(b, x, "norm1", "conv1", c, 4 * growth, 1);
      y = bn_relu_conv(b, y, "norm2", "conv2", 4 * growth, growth, 3);
      pv__mb_pop(b, p);
      pv_value both[2] = {x, y};
      x = pv_concat(b->g, 2, both, 1);
      c += growth;
    }
    if (i < 3) {
      size_t p = pv__mb_push(b, "transition%d", i + 1);
      x = bn_relu_conv(b, x, "norm", "conv", c, c / 2, 1);
      pv__mb_pop(b, p);
      x = pv__mb_avg_pool(b, x, 2, 2, 0, 0, 1);
      c /= 2;
    }
  }
  x = pv_relu(b->g, pv__mb_bn(b, x, "norm5", c, 1e-5f));
  pv__mb_pop(b, l);
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "classifier", c, b->num_classes, 1);
  return b->status;
}

/* channel_shuffle(x, 2) as one gather along channels: output channel
 * 2k+g reads input channel g*(C/2)+k. */
static pv_value shuffle(pv__mb *b, pv_value x, int c) {
  int64_t s[1] = {c};
  pv_tensor *idx = pv_tensor_create(PV_I64, 1, s);
  if (!idx) {
    pv__mb_fail(b, pv_last_status(), "channel_shuffle");
    return PV_NO_VALUE;
  }
  int64_t *d = pv_tensor_data(idx);
  for (int k = 0; k < c / 2; k++)
    for (int g = 0; g < 2; g++)
      d[2 * k + g] = (int64_t)g * (c / 2) + k;
  pv_value v = pv_gather(b->g, x, pv_graph_constant(b->g, NULL, idx), 1);
  pv_tensor_release(idx);
  return v;
}

static pv_value cbn(pv__mb *b, pv_value x, int ci, int bi, int cin, int cout,
                    int k, int stride, int groups, int relu) {
  char cn[8], bn[8];
  snprintf(cn, sizeof cn, "%d", ci);
  snprintf(bn, sizeof bn, "%d", bi);
  x = pv__mb_conv(b, x, cn, cin, cout, k, k, stride, k / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, bn, cout, 1e-5f);
  return relu ? pv_relu(b->g, x) : x;
}

static pv_value shuffle_block(pv__mb *b, pv_value x, int inp, int oup,
                              int stride) {
  int bf = oup / 2;
  pv_value left, right;
  if (stride > 1) {
    size_t l = pv__mb_push(b, "branch1");
    left = cbn(b, x, 0, 1, inp, inp, 3, stride, inp, 0);
    left = cbn(b, left, 2, 3, inp, bf, 1, 1, 1, 1);
    pv__mb_pop(b, l);
    right = x;
  } else {
    int64_t sizes[2] = {inp / 2, inp - inp / 2};
    pv_value parts[2];
    pv_split(b->g, x, 1, 2, sizes, parts);
    left = parts[0];
    right = parts[1];
  }
  size_t l = pv__mb_push(b, "branch2");
  right = cbn(b, right, 0, 1, stride > 1 ? inp : bf, bf, 1, 1, 1, 1);
  right = cbn(b, right, 3, 4, bf, bf, 3, stride, bf, 0);
  right = cbn(b, right, 5, 6, bf, bf, 1, 1, 1, 1);
  pv__mb_pop(b, l);
  pv_value both[2] = {left, right};
  return shuffle(b, pv_concat(b->g, 2, both, 1), oup);
}

int pv__build_shufflenet_v2(pv__mb *b, pv_value x, pv_value *out) {
  static const int k_ch[4][5] = {{24, 48, 96, 192, 1024},
                                 {24, 116, 232, 464, 1024},
                                 {24, 176, 352, 704, 1024},
                                 {24, 244, 488, 976, 2048}};
  const char *v = b->variant;
  const int *ch = strstr(v, "x0_5")   ? k_ch[0]
                  : strstr(v, "x1_0") ? k_ch[1]
                  : strstr(v, "x1_5") ? k_ch[2]
                                      : k_ch[3];
  static const int repeats[3] = {4, 8, 4};
  size_t l = pv__mb_push(b, "conv1");
  x = cbn(b, x, 0, 1, 3, ch[0], 3, 2, 1, 1);
  pv__mb_pop(b, l);
  x = pv__mb_max_pool(b, x, 3, 2, 1, 0);
  int in = ch[0];
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < repeats[s]; i++) {
      size_t p = pv__mb_push(b, "stage%d.%d", s + 2, i);
      x = shuffle_block(b, x, in, ch[s + 1], i == 0 ? 2 : 1);
      pv__mb_pop(b, p);
      in = ch[s + 1];
    }
  l = pv__mb_push(b, "conv5");
  x = cbn(b, x, 0, 1, in, ch[4], 1, 1, 1, 1);
  pv__mb_pop(b, l);
  int axes[2] = {2, 3};
  x = pv_reduce(b->g, PV_OP_REDUCE_MEAN, x, 2, axes, 0);
  *out = pv__mb_linear(b, x, "fc", ch[4], b->num_classes, 1);
  return b->status;
}
