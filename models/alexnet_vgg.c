/* AlexNet and VGG (torchvision.models.alexnet / vgg): conv stacks, an
 * adaptive average pool to a fixed grid, and an MLP classifier (dropout is
 * the identity at inference). */
#include "models_internal.h"

#include <string.h>

int pv__build_alexnet(pv__mb *b, pv_value x, pv_value *out) {
  size_t l = pv__mb_push(b, "features");
  x = pv_relu(b->g, pv__mb_conv(b, x, "0", 3, 64, 11, 11, 4, 2, 1, 1, 1));
  x = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  x = pv_relu(b->g, pv__mb_conv(b, x, "3", 64, 192, 5, 5, 1, 2, 1, 1, 1));
  x = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  x = pv_relu(b->g, pv__mb_conv(b, x, "6", 192, 384, 3, 3, 1, 1, 1, 1, 1));
  x = pv_relu(b->g, pv__mb_conv(b, x, "8", 384, 256, 3, 3, 1, 1, 1, 1, 1));
  x = pv_relu(b->g, pv__mb_conv(b, x, "10", 256, 256, 3, 3, 1, 1, 1, 1, 1));
  x = pv__mb_max_pool(b, x, 3, 2, 0, 0);
  pv__mb_pop(b, l);
  x = pv_flatten(b->g, pv_adaptive_avg_pool2d(b->g, x, 6, 6), 1, -1);
  l = pv__mb_push(b, "classifier");
  x = pv_relu(b->g, pv__mb_linear(b, x, "1", 256 * 36, 4096, 1));
  x = pv_relu(b->g, pv__mb_linear(b, x, "4", 4096, 4096, 1));
  x = pv__mb_linear(b, x, "6", 4096, b->num_classes, 1);
  pv__mb_pop(b, l);
  *out = x;
  return b->status;
}

/* 0 = max pool ("M" in torchvision's cfgs) */
static const int k_vgg_a[] = {64,  0,   128, 0,   256, 256, 0,
                              512, 512, 0,   512, 512, 0,   -1};
static const int k_vgg_b[] = {64, 64,  0,   128, 128, 0,   256, 256,
                              0,  512, 512, 0,   512, 512, 0,   -1};
static const int k_vgg_d[] = {64,  64,  0,   128, 128, 0,   256, 256, 256, 0,
                              512, 512, 512, 0,   512, 512, 512, 0,   -1};
static const int k_vgg_e[] = {64,  64,  0,   128, 128, 0,   256, 256,
                              256, 256, 0,   512, 512, 512, 512, 0,
                              512, 512, 512, 512, 0,   -1};

int pv__build_vgg(pv__mb *b, pv_value x, pv_value *out) {
  const char *v = b->variant;
  const int *cfg = !strncmp(v, "vgg11", 5)   ? k_vgg_a
                   : !strncmp(v, "vgg13", 5) ? k_vgg_b
                   : !strncmp(v, "vgg16", 5) ? k_vgg_d
                                             : k_vgg_e;
  int bn = strstr(v, "_bn") != NULL;
  size_t l = pv__mb_push(b, "features");
  int idx = 0, cin = 3;
  char name[16];
  for (int i = 0; cfg[i] >= 0; i++) {
    if (cfg[i] == 0) {
      x = pv__mb_max_pool(b, x, 2, 2, 0, 0);
      idx++;
      continue;
    }
    snprintf(name, sizeof name, "%d", idx++);
    x = pv__mb_conv(b, x, name, cin, cfg[i], 3, 3, 1, 1, 1, 1, 1);
    if (bn) {
      snprintf(name, sizeof name, "%d", idx++);
      x = pv__mb_bn(b, x, name, cfg[i], 1e-5f);
    }
    x = pv_relu(b->g, x);
    idx++;
    cin = cfg[i];
  }
  pv__mb_pop(b, l);
  x = pv_flatten(b->g, pv_adaptive_avg_pool2d(b->g, x, 7, 7), 1, -1);
  l = pv__mb_push(b, "classifier");
  x = pv_relu(b->g, pv__mb_linear(b, x, "0", 512 * 49, 4096, 1));
  x = pv_relu(b->g, pv__mb_linear(b, x, "3", 4096, 4096, 1));
  x = pv__mb_linear(b, x, "6", 4096, b->num_classes, 1);
  pv__mb_pop(b, l);
  *out = x;
  return b->status;
}
