/* MNASNet and EfficientNet B0-B7 (torchvision.models.mnasnet /
 * efficientnet). Dropout and stochastic depth are identities at inference. */
#include "models_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int round_to_multiple(double val, int divisor) {
  int nv = (int)(val + divisor / 2.0) / divisor * divisor;
  if (nv < divisor)
    nv = divisor;
  return nv >= 0.9 * val ? nv : nv + divisor;
}

static pv_value conv_bn_act(pv__mb *b, pv_value x, int ci, int cin, int cout,
                            int k, int stride, int groups, int relu) {
  char cn[8], bn[8];
  snprintf(cn, sizeof cn, "%d", ci);
  snprintf(bn, sizeof bn, "%d", ci + 1);
  x = pv__mb_conv(b, x, cn, cin, cout, k, k, stride, k / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, bn, cout, 1e-5f);
  return relu ? pv_relu(b->g, x) : x;
}

int pv__build_mnasnet(pv__mb *b, pv_value x, pv_value *out) {
  double alpha = !strcmp(b->variant, "mnasnet0_5")    ? 0.5
                 : !strcmp(b->variant, "mnasnet0_75") ? 0.75
                 : !strcmp(b->variant, "mnasnet1_3")  ? 1.3
                                                      : 1.0;
  static const int base[8] = {32, 16, 24, 40, 80, 96, 192, 320};
  int d[8];
  for (int i = 0; i < 8; i++)
    d[i] = round_to_multiple(base[i] * alpha, 8);
  size_t l = pv__mb_push(b, "layers");
  x = conv_bn_act(b, x, 0, 3, d[0], 3, 2, 1, 1);
  x = conv_bn_act(b, x, 3, d[0], d[0], 3, 1, d[0], 1);
  x = conv_bn_act(b, x, 6, d[0], d[1], 1, 1, 1, 0);
  static const int st[6][4] = {{3, 2, 3, 3}, {5, 2, 3, 3}, {5, 2, 6, 3},
                               {3, 1, 6, 2}, {5, 2, 6, 4}, {3, 1, 6, 1}};
  for (int s = 0; s < 6; s++) {
    int in = d[s + 1], o = d[s + 2], k = st[s][0], exp = st[s][2];
    for (int r = 0; r < st[s][3]; r++) {
      int stride = r == 0 ? st[s][1] : 1, cin = r == 0 ? in : o;
      size_t p = pv__mb_push(b, "%d.%d.layers", 8 + s, r);
      pv_value y = conv_bn_act(b, x, 0, cin, cin * exp, 1, 1, 1, 1);
      y = conv_bn_act(b, y, 3, cin * exp, cin * exp, k, stride, cin * exp, 1);
      y = conv_bn_act(b, y, 6, cin * exp, o, 1, 1, 1, 0);
      pv__mb_pop(b, p);
      x = cin == o && stride == 1 ? pv_add(b->g, x, y) : y;
    }
  }
  x = conv_bn_act(b, x, 14, d[7], 1280, 1, 1, 1, 1);
  pv__mb_pop(b, l);
  int axes[2] = {2, 3};
  x = pv_reduce(b->g, PV_OP_REDUCE_MEAN, x, 2, axes, 0);
  l = pv__mb_push(b, "classifier");
  *out = pv__mb_linear(b, x, "1", 1280, b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}

/* Conv2dNormActivation with SiLU (or none) at <idx>.0 / <idx>.1. */
static pv_value cna_silu(pv__mb *b, pv_value x, int idx, int in, int out, int k,
                         int stride, int groups, float eps, int act) {
  size_t l = pv__mb_push(b, "%d", idx);
  x = pv__mb_conv(b, x, "0", in, out, k, k, stride, (k - 1) / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, "1", out, eps);
  pv__mb_pop(b, l);
  return act ? pv_silu(b->g, x) : x;
}

/* One MBConv block (expand, depthwise, squeeze-excitation, project) at the
 * current path; `x` is returned with the residual added when shapes allow. */
static pv_value mbconv(pv__mb *b, pv_value x, int in, int o, int expand,
                       int kernel, int stride, float eps) {
  int expanded = pv__make_divisible(in * (double)expand, 8, 0);
  pv_value y = x;
  int k = 0;
  if (expanded != in)
    y = cna_silu(b, y, k++, in, expanded, 1, 1, 1, eps, 1);
  y = cna_silu(b, y, k++, expanded, expanded, kernel, stride, expanded, eps, 1);
  /* SqueezeExcitation(expanded, max(1, in // 4), SiLU, Sigmoid) */
  int sq = in / 4 > 1 ? in / 4 : 1;
  size_t q = pv__mb_push(b, "%d", k++);
  pv_value se = pv_adaptive_avg_pool2d(b->g, y, 1, 1);
  se = pv_silu(b->g,
               pv__mb_conv(b, se, "fc1", expanded, sq, 1, 1, 1, 0, 1, 1, 1));
  se = pv_sigmoid(b->g,
                  pv__mb_conv(b, se, "fc2", sq, expanded, 1, 1, 1, 0, 1, 1, 1));
  pv__mb_pop(b, q);
  y = pv_mul(b->g, y, se);
  y = cna_silu(b, y, k++, expanded, o, 1, 1, 1, eps, 0);
  return stride == 1 && in == o ? pv_add(b->g, x, y) : y;
}

/* One FusedMBConv block (EfficientNetV2): a full kxk expand conv and a 1x1
 * projection, or a single kxk conv when the expand ratio is 1. */
static pv_value fused_mbconv(pv__mb *b, pv_value x, int in, int o, int expand,
                             int kernel, int stride, float eps) {
  int expanded = pv__make_divisible(in * (double)expand, 8, 0);
  pv_value y;
  if (expanded != in) {
    y = cna_silu(b, x, 0, in, expanded, kernel, stride, 1, eps, 1);
    y = cna_silu(b, y, 1, expanded, o, 1, 1, 1, eps, 0);
  } else {
    y = cna_silu(b, x, 0, in, o, kernel, stride, 1, eps, 1);
  }
  return stride == 1 && in == o ? pv_add(b->g, x, y) : y;
}

int pv__build_efficientnet(pv__mb *b, pv_value x, pv_value *out) {
  static const double k_mult[8][2] = {{1.0, 1.0}, {1.0, 1.1}, {1.1, 1.2},
                                      {1.2, 1.4}, {1.4, 1.8}, {1.6, 2.2},
                                      {1.8, 2.6}, {2.0, 3.1}};
  int v = b->variant[strlen(b->variant) - 1] - '0';
  if (v < 0 || v > 7)
    return pv__mb_fail(b, PV_ERR_NOT_FOUND, "no such efficientnet variant");
  double wm = k_mult[v][0], dm = k_mult[v][1];
  float eps = v >= 5 ? 1e-3f : 1e-5f;
  /* expand, kernel, stride, in, out, layers */
  static const int cfg[7][6] = {{1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},
                                {6, 5, 2, 24, 40, 2},  {6, 3, 2, 40, 80, 3},
                                {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4},
                                {6, 3, 1, 192, 320, 1}};
  size_t l = pv__mb_push(b, "features");
  int first = pv__make_divisible(32 * wm, 8, 0);
  x = cna_silu(b, x, 0, 3, first, 3, 2, 1, eps, 1);
  int last = 0;
  for (int s = 0; s < 7; s++) {
    int in0 = pv__make_divisible(cfg[s][3] * wm, 8, 0);
    int o = pv__make_divisible(cfg[s][4] * wm, 8, 0);
    int layers = (int)ceil(cfg[s][5] * dm);
    for (int j = 0; j < layers; j++) {
      int in = j == 0 ? in0 : o, stride = j == 0 ? cfg[s][2] : 1;
      size_t p = pv__mb_push(b, "%d.%d.block", s + 1, j);
      x = mbconv(b, x, in, o, cfg[s][0], cfg[s][1], stride, eps);
      pv__mb_pop(b, p);
    }
    last = o;
  }
  x = cna_silu(b, x, 8, last, 4 * last, 1, 1, 1, eps, 1);
  pv__mb_pop(b, l);
  x = pv__mb_global_pool_flat(b, x);
  l = pv__mb_push(b, "classifier");
  *out = pv__mb_linear(b, x, "1", 4 * last, b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}

/* EfficientNetV2 S/M/L (torchvision efficientnet_v2_*): FusedMBConv stages
 * then MBConv stages, BatchNorm eps 1e-3, a 1280-channel head. */
int pv__build_efficientnet_v2(pv__mb *b, pv_value x, pv_value *out) {
  /* fused, expand, kernel, stride, in, out, layers */
  static const int s_cfg[][7] = {
      {1, 1, 3, 1, 24, 24, 2},   {1, 4, 3, 2, 24, 48, 4},
      {1, 4, 3, 2, 48, 64, 4},   {0, 4, 3, 2, 64, 128, 6},
      {0, 6, 3, 1, 128, 160, 9}, {0, 6, 3, 2, 160, 256, 15}};
  static const int m_cfg[][7] = {
      {1, 1, 3, 1, 24, 24, 3},    {1, 4, 3, 2, 24, 48, 5},
      {1, 4, 3, 2, 48, 80, 5},    {0, 4, 3, 2, 80, 160, 7},
      {0, 6, 3, 1, 160, 176, 14}, {0, 6, 3, 2, 176, 304, 18},
      {0, 6, 3, 1, 304, 512, 5}};
  static const int l_cfg[][7] = {
      {1, 1, 3, 1, 32, 32, 4},    {1, 4, 3, 2, 32, 64, 7},
      {1, 4, 3, 2, 64, 96, 7},    {0, 4, 3, 2, 96, 192, 10},
      {0, 6, 3, 1, 192, 224, 19}, {0, 6, 3, 2, 224, 384, 25},
      {0, 6, 3, 1, 384, 640, 7}};
  const int(*cfg)[7];
  int n;
  char v = b->variant[strlen(b->variant) - 1];
  if (v == 's') {
    cfg = s_cfg;
    n = 6;
  } else if (v == 'm') {
    cfg = m_cfg;
    n = 7;
  } else if (v == 'l') {
    cfg = l_cfg;
    n = 7;
  } else {
    return pv__mb_fail(b, PV_ERR_NOT_FOUND, "no such efficientnet_v2 variant");
  }
  const float eps = 1e-3f;
  const int last_channel = 1280;
  size_t l = pv__mb_push(b, "features");
  x = cna_silu(b, x, 0, 3, cfg[0][4], 3, 2, 1, eps, 1);
  int last = 0;
  for (int s = 0; s < n; s++) {
    int in0 = pv__make_divisible(cfg[s][4], 8, 0);
    int o = pv__make_divisible(cfg[s][5], 8, 0);
    for (int j = 0; j < cfg[s][6]; j++) {
      int in = j == 0 ? in0 : o, stride = j == 0 ? cfg[s][3] : 1;
      size_t p = pv__mb_push(b, "%d.%d.block", s + 1, j);
      x = cfg[s][0]
              ? fused_mbconv(b, x, in, o, cfg[s][1], cfg[s][2], stride, eps)
              : mbconv(b, x, in, o, cfg[s][1], cfg[s][2], stride, eps);
      pv__mb_pop(b, p);
    }
    last = o;
  }
  x = cna_silu(b, x, n + 1, last, last_channel, 1, 1, 1, eps, 1);
  pv__mb_pop(b, l);
  x = pv__mb_global_pool_flat(b, x);
  l = pv__mb_push(b, "classifier");
  *out = pv__mb_linear(b, x, "1", last_channel, b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}
