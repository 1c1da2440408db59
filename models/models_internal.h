#ifndef POLYVIS_MODELS_INTERNAL_H
#define POLYVIS_MODELS_INTERNAL_H

#include <polyvis/models.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct pv__weights_entry {
  const char *model;
  const char *name;
  const char *url;
  const char *file;
  const char *sha256_prefix;
  const char *corrected_file; /* re-uploaded name with the right prefix */
  int categories;             /* pv_category_set */
  int num_categories;
  const char *preset; /* "ImageClassification", "ObjectDetection", ... */
  int resize_size, crop_size, interpolation;
  float mean[3], std[3];
  int64_t num_params;
  const char *metrics_json;
  int is_default;
  int min_size[2];
} pv__weights_entry;

typedef struct pv__category_list {
  const char *const *names;
  int count;
} pv__category_list;

extern const pv__weights_entry pv__weights_table[];
extern const int pv__weights_table_len;
extern const pv__category_list pv__category_lists[];

/* --- the model builder context -------------------------------------------- */

#include <polyvis/graph.h>

typedef struct pv__param {
  char *key;
  pv_tensor *t;
  int used;
} pv__param;

/* State shared by the family builders: the graph, the parameters by
 * state_dict key, and the module path being built ("layer1.0."). */
typedef struct pv__mb {
  pv_graph *g;
  pv__param *params;
  int n_params;
  char prefix[256];
  int status;
  unsigned seed;
  int num_classes;
  int transform_input;
  const char *variant; /* the name the model was created with */
  int64_t image_size;  /* fixed input size (vit), 0 = dynamic */
} pv__mb;

typedef int (*pv__build_fn)(pv__mb *b, pv_value x, pv_value *out);

typedef struct pv__arch {
  const char *name;
  pv__build_fn build;
  /* parameter key whose first dim is num_classes ("fc.weight") */
  const char *classifier_key;
} pv__arch;

/* Looks up prefix+name; shape-checks against `shape` (ndim dims, -1 = any);
 * when missing, makes a seeded random tensor (or fails if the model has
 * loaded weights: missing keys are then an error naming the key). */
pv_value pv__mb_param(pv__mb *b, const char *name, int ndim,
                      const int64_t *shape);
/* Same, for a key the caller may not need (returns PV_NO_VALUE if absent
 * and weights were loaded). */
pv_value pv__mb_param_opt(pv__mb *b, const char *name, int ndim,
                          const int64_t *shape);
/* Appends to / restores the module path: push returns the old length. */
size_t pv__mb_push(pv__mb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pv__mb_pop(pv__mb *b, size_t len);
int pv__mb_fail(pv__mb *b, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* nn.Conv2d at the current path + name (weight [cout, cin/groups, k, k]). */
pv_value pv__mb_conv(pv__mb *b, pv_value x, const char *name, int cin, int cout,
                     int kh, int kw, int stride, int pad, int groups,
                     int dilation, int bias);
/* nn.BatchNorm2d (weight, bias, running_mean, running_var). */
pv_value pv__mb_bn(pv__mb *b, pv_value x, const char *name, int c, float eps);
/* nn.Linear (weight [out, in], bias). */
pv_value pv__mb_linear(pv__mb *b, pv_value x, const char *name, int in, int out,
                       int bias);
/* nn.LayerNorm over the last dim (weight, bias). */
pv_value pv__mb_layer_norm(pv__mb *b, pv_value x, const char *name, int c,
                           float eps);
/* Max/avg pool shorthands. */
pv_value pv__mb_max_pool(pv__mb *b, pv_value x, int k, int s, int p,
                         int ceil_mode);
pv_value pv__mb_avg_pool(pv__mb *b, pv_value x, int k, int s, int p,
                         int ceil_mode, int count_include_pad);
/* x.mean([2,3]) / adaptive_avg_pool2d(1) + flatten: [N,C,H,W] -> [N,C]. */
pv_value pv__mb_global_pool_flat(pv__mb *b, pv_value x);
/* torchvision's _make_divisible. */
int pv__make_divisible(double v, int divisor, int min_value);

/* The family builders (one file each). */
int pv__build_resnet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_alexnet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_vgg(pv__mb *b, pv_value x, pv_value *out);
int pv__build_squeezenet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_mobilenet_v2(pv__mb *b, pv_value x, pv_value *out);
int pv__build_mobilenet_v3(pv__mb *b, pv_value x, pv_value *out);
int pv__build_densenet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_shufflenet_v2(pv__mb *b, pv_value x, pv_value *out);
int pv__build_mnasnet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_efficientnet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_efficientnet_v2(pv__mb *b, pv_value x, pv_value *out);
int pv__build_googlenet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_convnext(pv__mb *b, pv_value x, pv_value *out);
int pv__build_vit(pv__mb *b, pv_value x, pv_value *out);
int pv__build_swin(pv__mb *b, pv_value x, pv_value *out);
int pv__build_maxvit(pv__mb *b, pv_value x, pv_value *out);
int pv__build_regnet(pv__mb *b, pv_value x, pv_value *out);
int pv__build_inception_v3(pv__mb *b, pv_value x, pv_value *out);
pv_value pv__transform_input(pv__mb *b, pv_value x);

#endif
