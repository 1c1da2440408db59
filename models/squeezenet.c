/* SqueezeNet 1.0 and 1.1 (torchvision.models.squeezenet). */
#include "models_internal.h"

#include <string.h>

static pv_value fire(pv__mb *b, pv_value x, int idx, int in, int sq, int e1,
                     int e3) {
  size_t l = pv__mb_push(b, "%d", idx);
  pv_value s =
      pv_relu(b->g, pv__mb_conv(b, x, "squeeze", in, sq, 1, 1, 1, 0, 1, 1, 1));
  pv_value a = pv_relu(
      b->g, pv__mb_conv(b, s, "expand1x1", sq, e1, 1, 1, 1, 0, 1, 1, 1));
  pv_value c = pv_relu(
      b->g, pv__mb_conv(b, s, "expand3x3", sq, e3, 3, 3, 1, 1, 1, 1, 1));
  pv__mb_pop(b, l);
  pv_value both[2] = {a, c};
  return pv_concat(b->g, 2, both, 1);
}

int pv__build_squeezenet(pv__mb *b, pv_value x, pv_value *out) {
  size_t l = pv__mb_push(b, "features");
  if (!strcmp(b->variant, "squeezenet1_0")) {
    x = pv_relu(b->g, pv__mb_conv(b, x, "0", 3, 96, 7, 7, 2, 0, 1, 1, 1));
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 3, 96, 16, 64, 64);
    x = fire(b, x, 4, 128, 16, 64, 64);
    x = fire(b, x, 5, 128, 32, 128, 128);
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 7, 256, 32, 128, 128);
    x = fire(b, x, 8, 256, 48, 192, 192);
    x = fire(b, x, 9, 384, 48, 192, 192);
    x = fire(b, x, 10, 384, 64, 256, 256);
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 12, 512, 64, 256, 256);
  } else {
    x = pv_relu(b->g, pv__mb_conv(b, x, "0", 3, 64, 3, 3, 2, 0, 1, 1, 1));
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 3, 64, 16, 64, 64);
    x = fire(b, x, 4, 128, 16, 64, 64);
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 6, 128, 32, 128, 128);
    x = fire(b, x, 7, 256, 32, 128, 128);
    x = pv__mb_max_pool(b, x, 3, 2, 0, 1);
    x = fire(b, x, 9, 256, 48, 192, 192);
    x = fire(b, x, 10, 384, 48, 192, 192);
    x = fire(b, x, 11, 384, 64, 256, 256);
    x = fire(b, x, 12, 512, 64, 256, 256);
  }
  pv__mb_pop(b, l);
  l = pv__mb_push(b, "classifier");
  x = pv_relu(b->g,
              pv__mb_conv(b, x, "1", 512, b->num_classes, 1, 1, 1, 0, 1, 1, 1));
  pv__mb_pop(b, l);
  *out = pv__mb_global_pool_flat(b, x);
  return b->status;
}
