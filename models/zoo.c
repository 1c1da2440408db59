/* The zoo registry, weights metadata lookups and the pv_model lifecycle. */
#include "models_internal.h"

#include <polyvis/transforms.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const pv__arch k_archs[] = {
    {"alexnet", pv__build_alexnet, "classifier.6.weight"},
    {"vgg11", pv__build_vgg, "classifier.6.weight"},
    {"vgg11_bn", pv__build_vgg, "classifier.6.weight"},
    {"vgg13", pv__build_vgg, "classifier.6.weight"},
    {"vgg13_bn", pv__build_vgg, "classifier.6.weight"},
    {"vgg16", pv__build_vgg, "classifier.6.weight"},
    {"vgg16_bn", pv__build_vgg, "classifier.6.weight"},
    {"vgg19", pv__build_vgg, "classifier.6.weight"},
    {"vgg19_bn", pv__build_vgg, "classifier.6.weight"},
    {"resnet18", pv__build_resnet, "fc.weight"},
    {"resnet34", pv__build_resnet, "fc.weight"},
    {"resnet50", pv__build_resnet, "fc.weight"},
    {"resnet101", pv__build_resnet, "fc.weight"},
    {"resnet152", pv__build_resnet, "fc.weight"},
    {"resnext50_32x4d", pv__build_resnet, "fc.weight"},
    {"resnext101_32x8d", pv__build_resnet, "fc.weight"},
    {"resnext101_64x4d", pv__build_resnet, "fc.weight"},
    {"wide_resnet50_2", pv__build_resnet, "fc.weight"},
    {"wide_resnet101_2", pv__build_resnet, "fc.weight"},
    {"squeezenet1_0", pv__build_squeezenet, "classifier.1.weight"},
    {"squeezenet1_1", pv__build_squeezenet, "classifier.1.weight"},
    {"mobilenet_v2", pv__build_mobilenet_v2, "classifier.1.weight"},
    {"mobilenet_v3_large", pv__build_mobilenet_v3, "classifier.3.weight"},
    {"mobilenet_v3_small", pv__build_mobilenet_v3, "classifier.3.weight"},
    {"densenet121", pv__build_densenet, "classifier.weight"},
    {"densenet161", pv__build_densenet, "classifier.weight"},
    {"densenet169", pv__build_densenet, "classifier.weight"},
    {"densenet201", pv__build_densenet, "classifier.weight"},
    {"shufflenet_v2_x0_5", pv__build_shufflenet_v2, "fc.weight"},
    {"shufflenet_v2_x1_0", pv__build_shufflenet_v2, "fc.weight"},
    {"shufflenet_v2_x1_5", pv__build_shufflenet_v2, "fc.weight"},
    {"shufflenet_v2_x2_0", pv__build_shufflenet_v2, "fc.weight"},
    {"mnasnet0_5", pv__build_mnasnet, "classifier.1.weight"},
    {"mnasnet0_75", pv__build_mnasnet, "classifier.1.weight"},
    {"mnasnet1_0", pv__build_mnasnet, "classifier.1.weight"},
    {"mnasnet1_3", pv__build_mnasnet, "classifier.1.weight"},
    {"efficientnet_b0", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b1", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b2", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b3", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b4", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b5", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b6", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_b7", pv__build_efficientnet, "classifier.1.weight"},
    {"efficientnet_v2_s", pv__build_efficientnet_v2, "classifier.1.weight"},
    {"efficientnet_v2_m", pv__build_efficientnet_v2, "classifier.1.weight"},
    {"efficientnet_v2_l", pv__build_efficientnet_v2, "classifier.1.weight"},
    {"googlenet", pv__build_googlenet, "fc.weight"},
    {"inception_v3", pv__build_inception_v3, "fc.weight"},
    {"convnext_tiny", pv__build_convnext, "classifier.2.weight"},
    {"convnext_small", pv__build_convnext, "classifier.2.weight"},
    {"convnext_base", pv__build_convnext, "classifier.2.weight"},
    {"convnext_large", pv__build_convnext, "classifier.2.weight"},
    {"regnet_x_400mf", pv__build_regnet, "fc.weight"},
    {"regnet_x_800mf", pv__build_regnet, "fc.weight"},
    {"regnet_x_1_6gf", pv__build_regnet, "fc.weight"},
    {"regnet_x_3_2gf", pv__build_regnet, "fc.weight"},
    {"regnet_x_8gf", pv__build_regnet, "fc.weight"},
    {"regnet_x_16gf", pv__build_regnet, "fc.weight"},
    {"regnet_x_32gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_400mf", pv__build_regnet, "fc.weight"},
    {"regnet_y_800mf", pv__build_regnet, "fc.weight"},
    {"regnet_y_1_6gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_3_2gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_8gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_16gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_32gf", pv__build_regnet, "fc.weight"},
    {"regnet_y_128gf", pv__build_regnet, "fc.weight"},
    {"vit_b_16", pv__build_vit, "heads.head.weight"},
    {"vit_b_32", pv__build_vit, "heads.head.weight"},
    {"vit_l_16", pv__build_vit, "heads.head.weight"},
    {"vit_l_32", pv__build_vit, "heads.head.weight"},
    {"vit_h_14", pv__build_vit, "heads.head.weight"},
    {"swin_t", pv__build_swin, "head.weight"},
    {"swin_s", pv__build_swin, "head.weight"},
    {"swin_b", pv__build_swin, "head.weight"},
    {"swin_v2_t", pv__build_swin, "head.weight"},
    {"swin_v2_s", pv__build_swin, "head.weight"},
    {"swin_v2_b", pv__build_swin, "head.weight"},
    {"maxvit_t", pv__build_maxvit, "classifier.5.weight"},
};

int pv_model_count(void) { return (int)(sizeof k_archs / sizeof k_archs[0]); }

const char *pv_model_name(int i) {
  return i >= 0 && i < pv_model_count() ? k_archs[i].name : NULL;
}

/* COCO-80 is COCO-91 without "__background__" and "N/A": index i of the
 * 80 is the i-th real name of the 91 (computed, so no second list). */
static const char *coco80_name(int index) {
  const pv__category_list *l = &pv__category_lists[PV_CATEGORIES_COCO91];
  for (int i = 0, k = 0; i < l->count; i++) {
    const char *n = l->names[i];
    if (!strcmp(n, "__background__") || !strcmp(n, "N/A"))
      continue;
    if (k++ == index)
      return n;
  }
  return NULL;
}

int pv_categories_count(pv_category_set set) {
  if (set == PV_CATEGORIES_COCO80)
    return 80;
  if ((int)set <= 0 || set > PV_CATEGORIES_KINETICS400)
    return 0;
  return pv__category_lists[set].count;
}

const char *pv_categories_name(pv_category_set set, int index) {
  if (index < 0 || index >= pv_categories_count(set))
    return NULL;
  if (set == PV_CATEGORIES_COCO80)
    return coco80_name(index);
  return pv__category_lists[set].names[index];
}

int pv_pretrained_count(void) { return pv__weights_table_len; }

const pv_pretrained_info *pv_pretrained_get(int i) {
  if (i < 0 || i >= pv__weights_table_len)
    return NULL;
  _Static_assert(sizeof(pv_pretrained_info) >= sizeof(pv__weights_entry) - 16,
                 "layouts drift");
  static pv_pretrained_info cache[512];
  static int filled[512];
  if (i >= 512)
    return NULL;
  if (!filled[i]) { /* a stable public copy of the generated row */
    const pv__weights_entry *e = &pv__weights_table[i];
    pv_pretrained_info *w = &cache[i];
    w->model = e->model;
    w->name = e->name;
    w->url = e->url;
    w->file = e->file;
    w->sha256_prefix = e->sha256_prefix;
    w->corrected_file = e->corrected_file;
    w->categories = (pv_category_set)e->categories;
    w->num_categories = e->num_categories;
    w->preset = e->preset;
    w->resize_size = e->resize_size;
    w->crop_size = e->crop_size;
    w->interpolation = e->interpolation;
    memcpy(w->mean, e->mean, sizeof w->mean);
    memcpy(w->std, e->std, sizeof w->std);
    w->num_params = e->num_params;
    w->metrics_json = e->metrics_json;
    w->is_default = e->is_default;
    filled[i] = 1;
  }
  return &cache[i];
}

const pv_pretrained_info *pv_pretrained_find(const char *spec) {
  if (!spec)
    return NULL;
  char model[128] = "", name[128] = "DEFAULT";
  const char *dot = strchr(spec, '.');
  size_t ml = dot ? (size_t)(dot - spec) : strlen(spec);
  if (ml >= sizeof model)
    return NULL;
  memcpy(model, spec, ml);
  model[ml] = 0;
  if (dot)
    snprintf(name, sizeof name, "%s", dot + 1);
  for (int i = 0; i < pv__weights_table_len; i++) {
    const pv__weights_entry *e = &pv__weights_table[i];
    /* "ResNet50_Weights" matches "resnet50" ignoring case and '_' */
    char enum_name[160];
    snprintf(enum_name, sizeof enum_name, "%s_weights", e->model);
    bool model_ok = !strcasecmp(model, e->model);
    if (!model_ok) {
      const char *a = model, *b2 = enum_name;
      model_ok = true;
      while (*a || *b2) {
        while (*a == '_')
          a++;
        while (*b2 == '_')
          b2++;
        if ((*a | 32) != (*b2 | 32)) {
          model_ok = false;
          break;
        }
        if (*a)
          a++;
        if (*b2)
          b2++;
      }
    }
    if (!model_ok)
      continue;
    if ((!strcasecmp(name, "DEFAULT") && e->is_default) ||
        !strcasecmp(name, e->name))
      return pv_pretrained_get(i);
  }
  return NULL;
}

/* --- models ----------------------------------------------------------------
 */

struct pv_model {
  const pv__arch *arch;
  pv_model_options opts;
  pv__param *params;
  int n_params, cap_params;
  char weights_file[512];
  pv_graph *graph;
  pv_compiled *compiled;
  int num_classes;
};

pv_model_options pv_model_options_default(void) {
  pv_model_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.transform_input = -1;
  return o;
}

pv_model *pv_model_create(const char *name, const pv_model_options *o) {
  const pv__arch *a = NULL;
  for (int i = 0; name && i < pv_model_count(); i++)
    if (!strcmp(name, k_archs[i].name))
      a = &k_archs[i];
  if (!a) {
    pv_set_error(PV_ERR_NOT_FOUND,
                 "unknown model '%s' (see polyvis run --list)",
                 name ? name : "(null)");
    return NULL;
  }
  pv_model *m = calloc(1, sizeof *m);
  if (!m) {
    pv_set_error(PV_ERR_NOMEM, "model: out of memory");
    return NULL;
  }
  m->arch = a;
  m->opts = o ? *o : pv_model_options_default();
  return m;
}

void pv_model_free(pv_model *m) {
  if (!m)
    return;
  for (int i = 0; i < m->n_params; i++) {
    free(m->params[i].key);
    pv_tensor_release(m->params[i].t);
  }
  free(m->params);
  pv_compiled_free(m->compiled);
  pv_graph_free(m->graph);
  free(m);
}

const char *pv_model_get_name(const pv_model *m) { return m->arch->name; }

int pv_model_set_param(pv_model *m, const char *key, pv_tensor *t) {
  if (!m || !key || !t)
    return pv_set_error(PV_ERR_INVALID_ARG, "set_param: NULL argument");
  for (int i = 0; i < m->n_params; i++)
    if (!strcmp(m->params[i].key, key)) {
      pv_tensor_release(m->params[i].t);
      m->params[i].t = pv_tensor_retain(t);
      return 0;
    }
  if (m->n_params == m->cap_params) {
    int nc = m->cap_params ? m->cap_params * 2 : 256;
    pv__param *p = realloc(m->params, sizeof(*p) * (size_t)nc);
    if (!p)
      return pv_set_error(PV_ERR_NOMEM, "set_param: out of memory");
    m->params = p;
    m->cap_params = nc;
  }
  m->params[m->n_params].key = strdup(key);
  m->params[m->n_params].t = pv_tensor_retain(t);
  m->params[m->n_params].used = 0;
  m->n_params++;
  return 0;
}

/* Keys a checkpoint may carry that the inference graph never reads. */
static bool ignorable_key(const pv_model *m, const char *key) {
  if (!strncasecmp(key, "aux", 3) && (!strcmp(m->arch->name, "googlenet") ||
                                      !strcmp(m->arch->name, "inception_v3")))
    return true; /* aux1./aux2./AuxLogits. heads are train-only */
  size_t n = strlen(key);
  return n >= 19 && !strcmp(key + n - 19, "num_batches_tracked");
}

const pv_pretrained_info *pv_model_pretrained_info(const pv_model *m) {
  const char *base = strrchr(m->weights_file, '/');
  base = base ? base + 1 : m->weights_file;
  for (int i = 0; base[0] && i < pv_pretrained_count(); i++) {
    const pv_pretrained_info *w = pv_pretrained_get(i);
    if (!strcmp(w->model, m->arch->name) &&
        (!strcmp(w->file, base) ||
         (w->corrected_file && !strcmp(w->corrected_file, base))))
      return w;
  }
  char spec[160];
  snprintf(spec, sizeof spec, "%s.DEFAULT", m->arch->name);
  return pv_pretrained_find(spec);
}

int pv__model_set_weights_file(pv_model *m, const char *path) {
  snprintf(m->weights_file, sizeof m->weights_file, "%s", path);
  return 0;
}

int pv_model_num_classes(const pv_model *m) {
  if (m->num_classes)
    return m->num_classes;
  if (m->opts.num_classes > 0)
    return m->opts.num_classes;
  for (int i = 0; i < m->n_params; i++)
    if (!strcmp(m->params[i].key, m->arch->classifier_key))
      return (int)pv_tensor_shape(m->params[i].t)[0];
  return 1000;
}

static int build(pv_model *m) {
  pv__mb b;
  memset(&b, 0, sizeof b);
  b.g = pv_graph_create();
  if (!b.g)
    return pv_last_status();
  b.params = m->params;
  b.n_params = m->n_params;
  b.seed = 12345u;
  b.variant = m->arch->name;
  b.num_classes = pv_model_num_classes(m);
  int ti = m->opts.transform_input;
  if (ti < 0) { /* on for a recognised official checkpoint only */
    const pv_pretrained_info *w = pv_model_pretrained_info(m);
    const char *base = strrchr(m->weights_file, '/');
    base = base ? base + 1 : m->weights_file;
    ti = w && base[0] &&
         (!strcmp(w->file, base) ||
          (w->corrected_file && !strcmp(w->corrected_file, base)));
  }
  b.transform_input = ti;
  b.image_size = m->opts.image_size;
  for (int i = 0; i < m->n_params; i++)
    m->params[i].used = 0;
  int64_t shape[4] = {-1, 3, -1, -1};
  if (!strncmp(m->arch->name, "vit_",
               4)) { /* the positional embedding fixes H, W */
    int64_t s = m->opts.image_size > 0 ? m->opts.image_size : 224;
    shape[2] = shape[3] = s;
  } else if (!strncmp(m->arch->name, "swin_", 5) ||
             !strcmp(m->arch->name, "maxvit_t")) {
    /* window padding, shifts, masks and partitions are built for one
       feature map size */
    int64_t s = m->opts.image_size > 0                  ? m->opts.image_size
                : !strncmp(m->arch->name, "swin_v2", 7) ? 256
                                                        : 224;
    shape[2] = shape[3] = s;
  }
  pv_value x = pv_graph_input(b.g, "input", PV_F32, 4, shape);
  pv_value out = PV_NO_VALUE;
  int rc = m->arch->build(&b, x, &out);
  if (!rc && b.status)
    rc = b.status;
  if (!rc && pv_graph_status(b.g))
    rc = pv_set_error(pv_graph_status(b.g), "%s: %s", m->arch->name,
                      pv_graph_error(b.g));
  if (!rc)
    rc = pv_graph_output(b.g, "logits", out);
  for (int i = 0; !rc && i < m->n_params; i++)
    if (!m->params[i].used && !ignorable_key(m, m->params[i].key))
      rc = pv_set_error(PV_ERR_FORMAT, "%s: unexpected key in state_dict: %s",
                        m->arch->name, m->params[i].key);
  if (rc) {
    pv_graph_free(b.g);
    return rc;
  }
  pv_graph_free(m->graph);
  m->graph = b.g;
  m->num_classes = b.num_classes;
  return 0;
}

int pv_model_compile(pv_model *m, const pv_compile_options *opts) {
  if (!m)
    return pv_set_error(PV_ERR_INVALID_ARG, "compile: NULL model");
  int rc = build(m);
  if (rc)
    return rc;
  pv_compiled_free(m->compiled);
  m->compiled = pv_graph_compile(m->graph, opts);
  return m->compiled ? 0 : pv_last_status();
}

struct pv_pipeline *pv_model_weights_transforms(const pv_model *m) {
  const pv_pretrained_info *w = m ? pv_model_pretrained_info(m) : NULL;
  if (!w || !w->crop_size || !w->resize_size ||
      strcmp(w->preset, "ImageClassification")) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "weights_transforms: %s has no ImageClassification preset",
                 m ? m->arch->name : "(null)");
    return NULL;
  }
  return pv_preset_image_classification(w->resize_size, w->crop_size, w->mean,
                                        w->std, w->interpolation, 1);
}

pv_device *pv_model_device(const pv_model *m) {
  return m && m->compiled ? pv_compiled_device(m->compiled) : NULL;
}

int pv_model_forward(pv_model *m, pv_tensor *input, pv_tensor **output) {
  if (!m || !m->compiled)
    return pv_set_error(PV_ERR_STATE, "forward: model is not compiled");
  return pv_compiled_run(m->compiled, 1, &input, 1, output);
}

const pv_graph *pv_model_graph(const pv_model *m) { return m->graph; }
