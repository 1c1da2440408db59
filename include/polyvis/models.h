/*
 * polyvis models: the torchvision zoo with its names, state_dict keys,
 * preprocessing presets, categories and metrics.
 */
#ifndef POLYVIS_MODELS_H
#define POLYVIS_MODELS_H

#include "graph.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The label sets compiled into the library. */
typedef enum pv_category_set {
  PV_CATEGORIES_NONE = 0,
  PV_CATEGORIES_IMAGENET1K = 1,
  PV_CATEGORIES_COCO91 = 2,
  PV_CATEGORIES_COCO_PERSON = 3,
  PV_CATEGORIES_VOC21 = 4,
  PV_CATEGORIES_KINETICS400 = 5,
  /* The 80 COCO classes that detectors trained on COCO (YOLO, YOLOX, SSD
   * exports) predict, in their usual order: COCO-91 without the background
   * and the "N/A" gaps, with torchvision's spellings. */
  PV_CATEGORIES_COCO80 = 6
} pv_category_set;

/* Number of names in a label set (0 for NONE or an invalid value). */
PV_API int pv_categories_count(pv_category_set set);
/* Name of class `index` in a set ("tench" is ImageNet class 0), or NULL. */
PV_API const char *pv_categories_name(pv_category_set set, int index);

/* One pretrained weight entry of torchvision 0.14.1 (ResNet50_Weights
 * .IMAGENET1K_V2 and so on). Strings are static. */
typedef struct pv_pretrained_info {
  const char *model;          /* "resnet50" */
  const char *name;           /* "IMAGENET1K_V2" */
  const char *url;            /* official download URL */
  const char *file;           /* file name, with its SHA-256 prefix */
  const char *sha256_prefix;  /* hex digits from the file name */
  const char *corrected_file; /* re-uploaded name when 0.14.1's prefix is
                                 wrong (EfficientNet, some quantized), else
                                 NULL */
  pv_category_set categories;
  int num_categories;
  const char *preset; /* "ImageClassification", "ObjectDetection", ... */
  int resize_size;    /* preset resize (short side), 0 if none */
  int crop_size;      /* preset crop, 0 if none */
  int interpolation;  /* pv_resize_mode: bilinear or bicubic */
  float mean[3], std[3];
  int64_t num_params;
  const char *metrics_json; /* e.g. {"ImageNet-1K": {"acc@1": 80.858, ...}} */
  int is_default;           /* the enum's DEFAULT alias */
} pv_pretrained_info;

/* Number of weight entries known (all of torchvision 0.14.1's). */
PV_API int pv_pretrained_count(void);
/* Entry i, or NULL. */
PV_API const pv_pretrained_info *pv_pretrained_get(int i);
/* Finds "resnet50" (its DEFAULT), "resnet50.IMAGENET1K_V2",
 * "ResNet50_Weights.IMAGENET1K_V2" or "resnet50.DEFAULT". NULL if unknown. */
PV_API const pv_pretrained_info *pv_pretrained_find(const char *spec);

/* --- the zoo ---------------------------------------------------------------
 */

typedef struct pv_model pv_model;

/* Constructor options, as the torchvision builders take them. */
typedef struct pv_model_options {
  uint32_t struct_size;
  int num_classes;     /* 0: from the weights' classifier, else 1000 */
  int transform_input; /* googlenet/inception_v3: -1 auto (on for official
                          checkpoints), 0 off, 1 on */
  int64_t image_size;  /* vit: input size the positional embedding fits;
                          swin: the fixed input size the windows, shifts
                          and masks are built for (0: 224, v2 256) */
} pv_model_options;

/* Defaults: num_classes from the weights, transform_input auto. */
PV_API pv_model_options pv_model_options_default(void);

/* Architectures the zoo builds, in torchvision's names ("resnet50"). */
PV_API int pv_model_count(void);
PV_API const char *pv_model_name(int i);

/* Creates a model by name. Nothing is built until the weights are known, so
 * create, then load weights (or not: missing parameters are then initialised
 * from a fixed seed, like weights=None), then compile. */
PV_API pv_model *pv_model_create(const char *name, const pv_model_options *o);
PV_API void pv_model_free(pv_model *m);
PV_API const char *pv_model_get_name(const pv_model *m);

/* Sets one state_dict entry (retained), e.g. "layer1.0.conv1.weight". */
PV_API int pv_model_set_param(pv_model *m, const char *key, pv_tensor *t);

/* Loads a state_dict from a .pth (zip or legacy) or .safetensors file. Keys
 * and shapes must match the architecture exactly, as with torch's
 * load_state_dict(strict=True); auxiliary-head keys of GoogLeNet and
 * Inception v3 are accepted and ignored. */
PV_API int pv_model_load_weights(pv_model *m, const char *path);

/* Builds the graph (input [N,3,H,W] f32, dynamic N/H/W where the
 * architecture allows) and compiles it for `device` (NULL: auto). */
PV_API int pv_model_compile(pv_model *m, const pv_compile_options *opts);

/* Runs the forward pass: logits before any softmax. */
PV_API int pv_model_forward(pv_model *m, pv_tensor *input, pv_tensor **output);

/* The device pv_model_compile chose (NULL before compiling). */
PV_API pv_device *pv_model_device(const pv_model *m);

/* The graph built by pv_model_compile (owned by the model). */
PV_API const pv_graph *pv_model_graph(const pv_model *m);

/* The official weight entry the loaded file matches (by file name), or the
 * architecture's DEFAULT entry; NULL when the architecture has none. */
PV_API const pv_pretrained_info *pv_model_pretrained_info(const pv_model *m);

/* The preprocessing of the model's weights (weights.transforms() of
 * torchvision: resize, centre crop, rescale, normalise with the entry's
 * sizes, interpolation and mean/std) as a transforms pipeline the caller
 * frees with pv_pipeline_free. Resizing is antialiased, as torchvision >=
 * 0.17 and the PIL path the published accuracies were measured with. Takes
 * a CHW uint8 image and gives a CHW float32 tensor. NULL (error set) when
 * the weights have no classification preset. */
struct pv_pipeline;
PV_API struct pv_pipeline *pv_model_weights_transforms(const pv_model *m);

/* Number of classes the model outputs (after weights are loaded). */
PV_API int pv_model_num_classes(const pv_model *m);

#ifdef __cplusplus
}
#endif
#endif
