/* The pipeline object shared by the parser, the runner and the presets. */
#ifndef POLYVIS_TF_PIPELINE_INTERNAL_H
#define POLYVIS_TF_PIPELINE_INTERNAL_H

#include "tf_internal.h"

#define PV__TF_MAX_CH 16

typedef enum pv__tf_kind {
  PV__TF_RESIZE,
  PV__TF_CENTER_CROP,
  PV__TF_CROP,
  PV__TF_RESIZED_CROP,
  PV__TF_PAD,
  PV__TF_HFLIP,
  PV__TF_VFLIP,
  PV__TF_NORMALIZE,
  PV__TF_TO_DTYPE,
  PV__TF_CONVERT_IMAGE_DTYPE,
  PV__TF_GRAYSCALE,
  PV__TF_BRIGHTNESS,
  PV__TF_CONTRAST,
  PV__TF_SATURATION,
  PV__TF_HUE,
  PV__TF_GAMMA,
  PV__TF_SHARPNESS,
  PV__TF_POSTERIZE,
  PV__TF_SOLARIZE,
  PV__TF_INVERT,
  PV__TF_AUTOCONTRAST,
  PV__TF_EQUALIZE,
  PV__TF_GAUSSIAN_BLUR,
  PV__TF_ERASE,
  PV__TF_AFFINE,
  PV__TF_ROTATE,
  PV__TF_PERSPECTIVE,
  PV__TF_AUGMENT_OP,
  /* random ops: sample parameters once per call from the run's pv_rng */
  PV__TF_RANDOM_HFLIP,
  PV__TF_RANDOM_VFLIP,
  PV__TF_RANDOM_RESIZED_CROP,
  PV__TF_RANDOM_CROP,
  PV__TF_COLOR_JITTER,
  PV__TF_RANDOM_GRAYSCALE,
  PV__TF_RANDOM_GAUSSIAN_BLUR,
  PV__TF_RANDOM_ERASING,
  PV__TF_RANDOM_INVERT,
  PV__TF_RANDOM_POSTERIZE,
  PV__TF_RANDOM_SOLARIZE,
  PV__TF_RANDOM_AUTOCONTRAST,
  PV__TF_RANDOM_EQUALIZE,
  PV__TF_RANDOM_ADJUST_SHARPNESS,
  PV__TF_RANDOM_ROTATION,
  PV__TF_RANDOM_AFFINE,
  PV__TF_RANDOM_PERSPECTIVE,
  PV__TF_AUTO_AUGMENT,
  PV__TF_RAND_AUGMENT,
  PV__TF_TRIVIAL_AUGMENT_WIDE,
  PV__TF_AUGMIX,
  PV__TF_RANDOM_ELASTIC,
  /* presets: expanded into their ops by the parser, never stored */
  PV__TF_PRESET_CLASSIFICATION,
  PV__TF_PRESET_SEGMENTATION,
  PV__TF_PRESET_DETECTION,
  PV__TF_KIND_COUNT
} pv__tf_kind;

typedef struct pv__tf_op {
  int kind;
  int n_size;
  int64_t size[2];
  int64_t max_size;
  int interp;
  int antialias;
  int64_t top, left, height, width;
  int64_t pad[4];
  int pad_mode;
  double fill;
  int n_mean;
  float mean[PV__TF_MAX_CH], std[PV__TF_MAX_CH];
  int dtype;
  int scale;
  double f0, f1; /* factors: brightness/contrast/..., gamma+gain */
  int64_t i0;    /* bits, num_output_channels */
  double p;      /* probability of the random ops */
  double scale_r[2], ratio_r[2]; /* random_resized_crop, random_erasing */
  double jit[4][2];              /* color_jitter ranges */
  int jit_on[4];
  int has_pad, pad_if_needed; /* random_crop */
  double sigma[2];            /* gaussian blur: sigma or [min, max] */
  int n_value;
  float value[PV__TF_MAX_CH]; /* erase; warps' fill (has_fill) */
  int has_fill, has_center, expand;
  double translate[2], shear[4], center[2];
  double pts[16]; /* perspective: startpoints, endpoints */
  double degrees[2];
  int has_translate, has_scale, n_shear;
  char name[16];   /* augment_op */
  int64_t ints[4]; /* autoaugment family: policy / num_ops, magnitude, bins,
                      severity, width, depth; all_ops in scale */
} pv__tf_op;

struct pv_pipeline {
  int n;
  pv__tf_op *ops;
};

/* Applies one op to an image; returns a new reference or NULL. */
pv_tensor *pv__tf_apply(const pv__tf_op *op, pv_tensor *img, pv_rng *rng);
/* The random ops (kind >= PV__TF_RANDOM_HFLIP). */
pv_tensor *pv__tf_apply_random(const pv__tf_op *op, pv_tensor *img,
                               pv_rng *rng);
/* Allocates a pipeline of n ops (copied from ops). */
pv_pipeline *pv__pipeline_new(const pv__tf_op *ops, int n);
/* The SPEC name of an op kind. */
const char *pv__tf_kind_name(int kind);

/* Fused u8 -> f32 classification preprocessing over a strided image. `v2`
 * selects the x * (1/255) scaling of to_dtype over convert_image_dtype's
 * x / 255. */
int pv__preprocess_u8(const uint8_t *data, int64_t h, int64_t w, int c,
                      int64_t sc, int64_t sy, int64_t sx, int64_t oh,
                      int64_t ow, int64_t crop_h, int64_t crop_w,
                      int interpolation, int antialias, int v2,
                      const float *mean, const float *std, float *out);

#endif
