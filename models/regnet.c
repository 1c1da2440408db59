/* RegNet X and Y (torchvision.models.regnet). The per-stage parameters are
 * what torchvision's BlockParams.from_init_params computes for each builder
 * (printed from torchvision 0.14.1 and tabled here, so no float rounding of
 * the quantised-linear rule has to be reproduced). */
#include "models_internal.h"

#include <math.h>
#include <string.h>

typedef struct regnet_cfg {
  const char *name;
  int depths[4], widths[4], group_widths[4];
  int se; /* Y models: squeeze-excitation with ratio 0.25 */
} regnet_cfg;

static const regnet_cfg k_cfgs[] = {
    {"regnet_x_400mf", {1, 2, 7, 12}, {32, 64, 160, 400}, {16, 16, 16, 16}, 0},
    {"regnet_x_800mf", {1, 3, 7, 5}, {64, 128, 288, 672}, {16, 16, 16, 16}, 0},
    {"regnet_x_1_6gf", {2, 4, 10, 2}, {72, 168, 408, 912}, {24, 24, 24, 24}, 0},
    {"regnet_x_3_2gf",
     {2, 6, 15, 2},
     {96, 192, 432, 1008},
     {48, 48, 48, 48},
     0},
    {"regnet_x_8gf",
     {2, 5, 15, 1},
     {80, 240, 720, 1920},
     {80, 120, 120, 120},
     0},
    {"regnet_x_16gf",
     {2, 6, 13, 1},
     {256, 512, 896, 2048},
     {128, 128, 128, 128},
     0},
    {"regnet_x_32gf",
     {2, 7, 13, 1},
     {336, 672, 1344, 2520},
     {168, 168, 168, 168},
     0},
    {"regnet_y_400mf", {1, 3, 6, 6}, {48, 104, 208, 440}, {8, 8, 8, 8}, 1},
    {"regnet_y_800mf", {1, 3, 8, 2}, {64, 144, 320, 784}, {16, 16, 16, 16}, 1},
    {"regnet_y_1_6gf", {2, 6, 17, 2}, {48, 120, 336, 888}, {24, 24, 24, 24}, 1},
    {"regnet_y_3_2gf",
     {2, 5, 13, 1},
     {72, 216, 576, 1512},
     {24, 24, 24, 24},
     1},
    {"regnet_y_8gf", {2, 4, 10, 1}, {224, 448, 896, 2016}, {56, 56, 56, 56}, 1},
    {"regnet_y_16gf",
     {2, 4, 11, 1},
     {224, 448, 1232, 3024},
     {112, 112, 112, 112},
     1},
    {"regnet_y_32gf",
     {2, 5, 12, 1},
     {232, 696, 1392, 3712},
     {232, 232, 232, 232},
     1},
    {"regnet_y_128gf",
     {2, 7, 17, 1},
     {528, 1056, 2904, 7392},
     {264, 264, 264, 264},
     1},
};

/* Conv2dNormActivation at <path>.0 / <path>.1 with optional ReLU. */
static pv_value cna(pv__mb *b, pv_value x, const char *path, int in, int out,
                    int k, int stride, int groups, int relu) {
  size_t l = pv__mb_push(b, "%s", path);
  x = pv__mb_conv(b, x, "0", in, out, k, k, stride, (k - 1) / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, "1", out, 1e-5f);
  pv__mb_pop(b, l);
  return relu ? pv_relu(b->g, x) : x;
}

int pv__build_regnet(pv__mb *b, pv_value x, pv_value *out) {
  const regnet_cfg *c = NULL;
  for (size_t i = 0; i < sizeof k_cfgs / sizeof k_cfgs[0]; i++)
    if (!strcmp(k_cfgs[i].name, b->variant))
      c = &k_cfgs[i];
  if (!c)
    return pv__mb_fail(b, PV_ERR_NOT_FOUND, "no such regnet variant");
  x = cna(b, x, "stem", 3, 32, 3, 2, 1, 1);
  int win = 32;
  for (int s = 0; s < 4; s++) {
    int w = c->widths[s], g = w / c->group_widths[s];
    for (int j = 0; j < c->depths[s]; j++) {
      int stride = j == 0 ? 2 : 1;
      size_t p =
          pv__mb_push(b, "trunk_output.block%d.block%d-%d", s + 1, s + 1, j);
      pv_value id = x;
      if (win != w || stride != 1)
        id = cna(b, x, "proj", win, w, 1, stride, 1, 0);
      size_t q = pv__mb_push(b, "f");
      pv_value y = cna(b, x, "a", win, w, 1, 1, 1, 1);
      y = cna(b, y, "b", w, w, 3, stride, g, 1);
      if (c->se) {
        int se_w = (int)lrint(0.25 * win);
        size_t r = pv__mb_push(b, "se");
        pv_value s2 = pv_adaptive_avg_pool2d(b->g, y, 1, 1);
        s2 = pv_relu(b->g,
                     pv__mb_conv(b, s2, "fc1", w, se_w, 1, 1, 1, 0, 1, 1, 1));
        s2 = pv_sigmoid(
            b->g, pv__mb_conv(b, s2, "fc2", se_w, w, 1, 1, 1, 0, 1, 1, 1));
        pv__mb_pop(b, r);
        y = pv_mul(b->g, y, s2);
      }
      y = cna(b, y, "c", w, w, 1, 1, 1, 0);
      pv__mb_pop(b, q);
      pv__mb_pop(b, p);
      x = pv_relu(b->g, pv_add(b->g, id, y));
      win = w;
    }
  }
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "fc", win, b->num_classes, 1);
  return b->status;
}
