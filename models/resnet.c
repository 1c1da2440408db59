/* ResNet, ResNeXt and Wide ResNet (torchvision.models.resnet), v1.5: the
 * stride of a bottleneck sits on its 3x3 conv. */
#include "models_internal.h"

#include <string.h>

typedef struct resnet_cfg {
  const char *name;
  int bottleneck;
  int blocks[4];
  int groups, width_per_group;
} resnet_cfg;

static const resnet_cfg k_cfgs[] = {
    {"resnet18", 0, {2, 2, 2, 2}, 1, 64},
    {"resnet34", 0, {3, 4, 6, 3}, 1, 64},
    {"resnet50", 1, {3, 4, 6, 3}, 1, 64},
    {"resnet101", 1, {3, 4, 23, 3}, 1, 64},
    {"resnet152", 1, {3, 8, 36, 3}, 1, 64},
    {"resnext50_32x4d", 1, {3, 4, 6, 3}, 32, 4},
    {"resnext101_32x8d", 1, {3, 4, 23, 3}, 32, 8},
    {"resnext101_64x4d", 1, {3, 4, 23, 3}, 64, 4},
    {"wide_resnet50_2", 1, {3, 4, 6, 3}, 1, 128},
    {"wide_resnet101_2", 1, {3, 4, 23, 3}, 1, 128},
};

static pv_value conv_bn(pv__mb *b, pv_value x, int idx, int cin, int cout,
                        int k, int stride, int groups, int relu) {
  char cn[16], bn[16];
  snprintf(cn, sizeof cn, "conv%d", idx);
  snprintf(bn, sizeof bn, "bn%d", idx);
  x = pv__mb_conv(b, x, cn, cin, cout, k, k, stride, k / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, bn, cout, 1e-5f);
  return relu ? pv_relu(b->g, x) : x;
}

static pv_value block(pv__mb *b, const resnet_cfg *c, pv_value x, int inplanes,
                      int planes, int stride) {
  int exp = c->bottleneck ? 4 : 1;
  pv_value y;
  if (c->bottleneck) {
    int width = planes * c->width_per_group / 64 * c->groups;
    y = conv_bn(b, x, 1, inplanes, width, 1, 1, 1, 1);
    y = conv_bn(b, y, 2, width, width, 3, stride, c->groups, 1);
    y = conv_bn(b, y, 3, width, planes * exp, 1, 1, 1, 0);
  } else {
    y = conv_bn(b, x, 1, inplanes, planes, 3, stride, 1, 1);
    y = conv_bn(b, y, 2, planes, planes, 3, 1, 1, 0);
  }
  pv_value id = x;
  if (stride != 1 || inplanes != planes * exp) {
    size_t l = pv__mb_push(b, "downsample");
    id = pv__mb_conv(b, x, "0", inplanes, planes * exp, 1, 1, stride, 0, 1, 1,
                     0);
    id = pv__mb_bn(b, id, "1", planes * exp, 1e-5f);
    pv__mb_pop(b, l);
  }
  return pv_relu(b->g, pv_add(b->g, y, id));
}

int pv__build_resnet(pv__mb *b, pv_value x, pv_value *out) {
  const resnet_cfg *c = NULL;
  for (size_t i = 0; i < sizeof k_cfgs / sizeof k_cfgs[0]; i++)
    if (!strcmp(k_cfgs[i].name, b->variant))
      c = &k_cfgs[i];
  if (!c)
    return pv__mb_fail(b, PV_ERR_NOT_FOUND, "no such resnet variant");
  x = pv__mb_conv(b, x, "conv1", 3, 64, 7, 7, 2, 3, 1, 1, 0);
  x = pv_relu(b->g, pv__mb_bn(b, x, "bn1", 64, 1e-5f));
  x = pv__mb_max_pool(b, x, 3, 2, 1, 0);
  int inplanes = 64, exp = c->bottleneck ? 4 : 1;
  for (int l = 0; l < 4; l++) {
    int planes = 64 << l;
    for (int i = 0; i < c->blocks[l]; i++) {
      size_t p = pv__mb_push(b, "layer%d.%d", l + 1, i);
      x = block(b, c, x, inplanes, planes, i == 0 && l > 0 ? 2 : 1);
      pv__mb_pop(b, p);
      inplanes = planes * exp;
    }
  }
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "fc", 512 * exp, b->num_classes, 1);
  return b->status;
}
