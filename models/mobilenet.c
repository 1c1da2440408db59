/* MobileNet V2 and V3 (torchvision.models.mobilenetv2 / mobilenetv3). */
#include "models_internal.h"

#include <math.h>
#include <string.h>

/* Conv2dNormActivation at <path>.0 (conv) / <path>.1 (bn). act: 0 none,
 * 1 relu, 2 relu6, 3 hardswish. */
static pv_value cna(pv__mb *b, pv_value x, const char *path, int in, int out,
                    int k, int stride, int groups, float eps, int act) {
  size_t l = pv__mb_push(b, "%s", path);
  x = pv__mb_conv(b, x, "0", in, out, k, k, stride, (k - 1) / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, "1", out, eps);
  pv__mb_pop(b, l);
  switch (act) {
  case 1:
    return pv_relu(b->g, x);
  case 2:
    return pv_relu6(b->g, x);
  case 3:
    return pv_hardswish(b->g, x);
  default:
    return x;
  }
}

int pv__build_mobilenet_v2(pv__mb *b, pv_value x, pv_value *out) {
  static const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2},
                                {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                                {6, 320, 1, 1}};
  size_t l = pv__mb_push(b, "features");
  x = cna(b, x, "0", 3, 32, 3, 2, 1, 1e-5f, 2);
  int in = 32, idx = 1;
  char path[32];
  for (int s = 0; s < 7; s++)
    for (int i = 0; i < cfg[s][2]; i++) {
      int t = cfg[s][0], oup = cfg[s][1], stride = i == 0 ? cfg[s][3] : 1;
      int hidden = (int)lrint(in * (double)t);
      size_t p = pv__mb_push(b, "%d.conv", idx++);
      pv_value y = x;
      int j = 0;
      if (t != 1) {
        snprintf(path, sizeof path, "%d", j++);
        y = cna(b, y, path, in, hidden, 1, 1, 1, 1e-5f, 2);
      }
      snprintf(path, sizeof path, "%d", j++);
      y = cna(b, y, path, hidden, hidden, 3, stride, hidden, 1e-5f, 2);
      snprintf(path, sizeof path, "%d", j++);
      y = pv__mb_conv(b, y, path, hidden, oup, 1, 1, 1, 0, 1, 1, 0);
      snprintf(path, sizeof path, "%d", j++);
      y = pv__mb_bn(b, y, path, oup, 1e-5f);
      pv__mb_pop(b, p);
      x = stride == 1 && in == oup ? pv_add(b->g, x, y) : y;
      in = oup;
    }
  snprintf(path, sizeof path, "%d", idx);
  x = cna(b, x, path, in, 1280, 1, 1, 1, 1e-5f, 2);
  pv__mb_pop(b, l);
  x = pv__mb_global_pool_flat(b, x);
  l = pv__mb_push(b, "classifier");
  *out = pv__mb_linear(b, x, "1", 1280, b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}

typedef struct bneck {
  int in, k, exp, out, se, hs, stride;
} bneck;

static const bneck k_large[] = {
    {16, 3, 16, 16, 0, 0, 1},    {16, 3, 64, 24, 0, 0, 2},
    {24, 3, 72, 24, 0, 0, 1},    {24, 5, 72, 40, 1, 0, 2},
    {40, 5, 120, 40, 1, 0, 1},   {40, 5, 120, 40, 1, 0, 1},
    {40, 3, 240, 80, 0, 1, 2},   {80, 3, 200, 80, 0, 1, 1},
    {80, 3, 184, 80, 0, 1, 1},   {80, 3, 184, 80, 0, 1, 1},
    {80, 3, 480, 112, 1, 1, 1},  {112, 3, 672, 112, 1, 1, 1},
    {112, 5, 672, 160, 1, 1, 2}, {160, 5, 960, 160, 1, 1, 1},
    {160, 5, 960, 160, 1, 1, 1},
};
static const bneck k_small[] = {
    {16, 3, 16, 16, 1, 0, 2},  {16, 3, 72, 24, 0, 0, 2},
    {24, 3, 88, 24, 0, 0, 1},  {24, 5, 96, 40, 1, 1, 2},
    {40, 5, 240, 40, 1, 1, 1}, {40, 5, 240, 40, 1, 1, 1},
    {40, 5, 120, 48, 1, 1, 1}, {48, 5, 144, 48, 1, 1, 1},
    {48, 5, 288, 96, 1, 1, 2}, {96, 5, 576, 96, 1, 1, 1},
    {96, 5, 576, 96, 1, 1, 1},
};

/* torchvision.ops.SqueezeExcitation with ReLU and Hardsigmoid. */
static pv_value se(pv__mb *b, pv_value x, const char *path, int c) {
  int sq = pv__make_divisible(c / 4, 8, 0);
  size_t l = pv__mb_push(b, "%s", path);
  pv_value s = pv_adaptive_avg_pool2d(b->g, x, 1, 1);
  s = pv_relu(b->g, pv__mb_conv(b, s, "fc1", c, sq, 1, 1, 1, 0, 1, 1, 1));
  s = pv_hardsigmoid(b->g,
                     pv__mb_conv(b, s, "fc2", sq, c, 1, 1, 1, 0, 1, 1, 1));
  pv__mb_pop(b, l);
  return pv_mul(b->g, x, s);
}

int pv__build_mobilenet_v3(pv__mb *b, pv_value x, pv_value *out) {
  int large = !strcmp(b->variant, "mobilenet_v3_large");
  const bneck *cfg = large ? k_large : k_small;
  int n = large ? 15 : 11, last_channel = large ? 1280 : 1024;
  const float eps = 1e-3f;
  size_t l = pv__mb_push(b, "features");
  x = cna(b, x, "0", 3, 16, 3, 2, 1, eps, 3);
  char path[32];
  for (int i = 0; i < n; i++) {
    const bneck *c = &cfg[i];
    int act = c->hs ? 3 : 1;
    size_t p = pv__mb_push(b, "%d.block", i + 1);
    pv_value y = x;
    int j = 0;
    if (c->exp != c->in) {
      snprintf(path, sizeof path, "%d", j++);
      y = cna(b, y, path, c->in, c->exp, 1, 1, 1, eps, act);
    }
    snprintf(path, sizeof path, "%d", j++);
    y = cna(b, y, path, c->exp, c->exp, c->k, c->stride, c->exp, eps, act);
    if (c->se) {
      snprintf(path, sizeof path, "%d", j++);
      y = se(b, y, path, c->exp);
    }
    snprintf(path, sizeof path, "%d", j++);
    y = cna(b, y, path, c->exp, c->out, 1, 1, 1, eps, 0);
    pv__mb_pop(b, p);
    x = c->stride == 1 && c->in == c->out ? pv_add(b->g, x, y) : y;
  }
  int last_in = cfg[n - 1].out;
  snprintf(path, sizeof path, "%d", n + 1);
  x = cna(b, x, path, last_in, 6 * last_in, 1, 1, 1, eps, 3);
  pv__mb_pop(b, l);
  x = pv__mb_global_pool_flat(b, x);
  l = pv__mb_push(b, "classifier");
  x = pv_hardswish(b->g,
                   pv__mb_linear(b, x, "0", 6 * last_in, last_channel, 1));
  *out = pv__mb_linear(b, x, "3", last_channel, b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}
