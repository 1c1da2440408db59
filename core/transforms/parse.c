/* The SPEC language: `op(args) | op | ...`, torchvision's functional names
 * and parameter names. Errors name the offending token and its offset. */
#include "pipeline_internal.h"

#include <ctype.h>
#include <strings.h>

#define MAX_ARGS 8
#define MAX_LIST 16

typedef struct tf_val {
  int kind; /* 0 none, 1 number, 2 ident, 3 list */
  int pos;
  int n;
  double num[MAX_LIST];
  char ident[48];
} tf_val;

typedef struct parser {
  const char *s;
  int pos;
} parser;

static int perr(const parser *p, int pos, const char *fmt, const char *tok) {
  char near[24];
  int i = 0;
  while (p->s[pos + i] && i < 20) {
    near[i] = p->s[pos + i];
    i++;
  }
  near[i] = 0;
  (void)near;
  return pv_set_error(PV_ERR_INVALID_ARG,
                      "transform spec: %s%s%s at offset %d "
                      "('%s')",
                      fmt, tok ? " " : "", tok ? tok : "", pos, near);
}

static void skip_ws(parser *p) {
  while (isspace((unsigned char)p->s[p->pos]))
    p->pos++;
}

static int is_ident_start(int c) { return isalpha(c) || c == '_'; }
static int is_ident_char(int c) {
  return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int parse_ident(parser *p, char *out, size_t size) {
  int start = p->pos;
  size_t n = 0;
  while (is_ident_char((unsigned char)p->s[p->pos])) {
    if (n + 1 < size)
      out[n++] = p->s[p->pos];
    p->pos++;
  }
  out[n] = 0;
  if (p->pos == start)
    return perr(p, start, "expected a name", NULL);
  return 0;
}

static int parse_number(parser *p, double *v) {
  const char *b = p->s + p->pos;
  char *e;
  *v = strtod(b, &e);
  if (e == b || !isfinite(*v))
    return perr(p, p->pos, "expected a number", NULL);
  p->pos += (int)(e - b);
  return 0;
}

static int parse_value(parser *p, tf_val *v) {
  skip_ws(p);
  memset(v, 0, sizeof *v);
  v->pos = p->pos;
  char c = p->s[p->pos];
  if (c == '[' || c == '(') {
    char close = c == '[' ? ']' : ')';
    p->pos++;
    v->kind = 3;
    skip_ws(p);
    if (p->s[p->pos] == close) {
      p->pos++;
      return 0;
    }
    for (;;) {
      skip_ws(p);
      if (v->n >= MAX_LIST)
        return perr(p, p->pos, "list too long (at most 16 values)", NULL);
      if (parse_number(p, &v->num[v->n++]))
        return PV_ERR_INVALID_ARG;
      skip_ws(p);
      if (p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->s[p->pos] == close) {
        p->pos++;
        return 0;
      }
      return perr(p, p->pos, "expected ',' or the end of the list", NULL);
    }
  }
  if (is_ident_start((unsigned char)c)) {
    v->kind = 2;
    if (parse_ident(p, v->ident, sizeof v->ident))
      return PV_ERR_INVALID_ARG;
    if (!strcasecmp(v->ident, "none"))
      v->kind = 0;
    return 0;
  }
  v->kind = 1;
  v->n = 1;
  return parse_number(p, &v->num[0]);
}

/* --- op table ------------------------------------------------------------ */

typedef struct op_def {
  const char *name;
  int kind;
  const char *params[MAX_ARGS];
} op_def;

static const op_def k_ops[] = {
    {"resize",
     PV__TF_RESIZE,
     {"size", "interpolation", "max_size", "antialias"}},
    {"center_crop", PV__TF_CENTER_CROP, {"output_size"}},
    {"crop", PV__TF_CROP, {"top", "left", "height", "width"}},
    {"resized_crop",
     PV__TF_RESIZED_CROP,
     {"top", "left", "height", "width", "size", "interpolation", "antialias"}},
    {"pad", PV__TF_PAD, {"padding", "fill", "padding_mode"}},
    {"hflip", PV__TF_HFLIP, {0}},
    {"horizontal_flip", PV__TF_HFLIP, {0}},
    {"vflip", PV__TF_VFLIP, {0}},
    {"vertical_flip", PV__TF_VFLIP, {0}},
    {"normalize", PV__TF_NORMALIZE, {"mean", "std", "inplace"}},
    {"to_dtype", PV__TF_TO_DTYPE, {"dtype", "scale"}},
    {"convert_image_dtype", PV__TF_CONVERT_IMAGE_DTYPE, {"dtype"}},
    {"rgb_to_grayscale", PV__TF_GRAYSCALE, {"num_output_channels"}},
    {"grayscale", PV__TF_GRAYSCALE, {"num_output_channels"}},
    {"adjust_brightness", PV__TF_BRIGHTNESS, {"brightness_factor"}},
    {"adjust_contrast", PV__TF_CONTRAST, {"contrast_factor"}},
    {"adjust_saturation", PV__TF_SATURATION, {"saturation_factor"}},
    {"adjust_hue", PV__TF_HUE, {"hue_factor"}},
    {"adjust_gamma", PV__TF_GAMMA, {"gamma", "gain"}},
    {"adjust_sharpness", PV__TF_SHARPNESS, {"sharpness_factor"}},
    {"posterize", PV__TF_POSTERIZE, {"bits"}},
    {"solarize", PV__TF_SOLARIZE, {"threshold"}},
    {"invert", PV__TF_INVERT, {0}},
    {"autocontrast", PV__TF_AUTOCONTRAST, {0}},
    {"equalize", PV__TF_EQUALIZE, {0}},
    {"gaussian_blur", PV__TF_GAUSSIAN_BLUR, {"kernel_size", "sigma"}},
    {"erase", PV__TF_ERASE, {"i", "j", "h", "w", "v", "inplace"}},
    {"random_horizontal_flip", PV__TF_RANDOM_HFLIP, {"p"}},
    {"random_vertical_flip", PV__TF_RANDOM_VFLIP, {"p"}},
    {"random_resized_crop",
     PV__TF_RANDOM_RESIZED_CROP,
     {"size", "scale", "ratio", "interpolation", "antialias"}},
    {"random_crop",
     PV__TF_RANDOM_CROP,
     {"size", "padding", "pad_if_needed", "fill", "padding_mode"}},
    {"color_jitter",
     PV__TF_COLOR_JITTER,
     {"brightness", "contrast", "saturation", "hue"}},
    {"random_grayscale", PV__TF_RANDOM_GRAYSCALE, {"p"}},
    {"random_gaussian_blur",
     PV__TF_RANDOM_GAUSSIAN_BLUR,
     {"kernel_size", "sigma"}},
    {"random_erasing", PV__TF_RANDOM_ERASING, {"p", "scale", "ratio", "value"}},
    {"random_invert", PV__TF_RANDOM_INVERT, {"p"}},
    {"random_autocontrast", PV__TF_RANDOM_AUTOCONTRAST, {"p"}},
    {"random_equalize", PV__TF_RANDOM_EQUALIZE, {"p"}},
    {"random_posterize", PV__TF_RANDOM_POSTERIZE, {"bits", "p"}},
    {"random_solarize", PV__TF_RANDOM_SOLARIZE, {"threshold", "p"}},
    {"affine",
     PV__TF_AFFINE,
     {"angle", "translate", "scale", "shear", "interpolation", "fill",
      "center"}},
    {"rotate",
     PV__TF_ROTATE,
     {"angle", "interpolation", "expand", "center", "fill"}},
    {"perspective",
     PV__TF_PERSPECTIVE,
     {"startpoints", "endpoints", "interpolation", "fill"}},
    {"random_rotation",
     PV__TF_RANDOM_ROTATION,
     {"degrees", "interpolation", "expand", "center", "fill"}},
    {"random_affine",
     PV__TF_RANDOM_AFFINE,
     {"degrees", "translate", "scale", "shear", "interpolation", "fill",
      "center"}},
    {"random_perspective",
     PV__TF_RANDOM_PERSPECTIVE,
     {"distortion_scale", "p", "interpolation", "fill"}},
    {"image_classification",
     PV__TF_PRESET_CLASSIFICATION,
     {"crop_size", "resize_size", "mean", "std", "interpolation", "antialias"}},
    {"semantic_segmentation",
     PV__TF_PRESET_SEGMENTATION,
     {"resize_size", "mean", "std", "interpolation", "antialias"}},
    {"object_detection", PV__TF_PRESET_DETECTION, {0}},
    {"elastic_transform",
     PV__TF_RANDOM_ELASTIC,
     {"alpha", "sigma", "interpolation", "fill"}},
    {"augment_op",
     PV__TF_AUGMENT_OP,
     {"op_name", "magnitude", "interpolation", "fill"}},
    {"auto_augment", PV__TF_AUTO_AUGMENT, {"policy", "interpolation", "fill"}},
    {"rand_augment",
     PV__TF_RAND_AUGMENT,
     {"num_ops", "magnitude", "num_magnitude_bins", "interpolation", "fill"}},
    {"trivial_augment_wide",
     PV__TF_TRIVIAL_AUGMENT_WIDE,
     {"num_magnitude_bins", "interpolation", "fill"}},
    {"augmix",
     PV__TF_AUGMIX,
     {"severity", "mixture_width", "chain_depth", "alpha", "all_ops",
      "interpolation", "fill"}},
    {"random_adjust_sharpness",
     PV__TF_RANDOM_ADJUST_SHARPNESS,
     {"sharpness_factor", "p"}},
};

const char *pv__tf_kind_name(int kind) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_ops); i++)
    if (k_ops[i].kind == kind)
      return k_ops[i].name;
  return "?";
}

static const char *last_component(const char *s) {
  const char *d = strrchr(s, '.');
  return d ? d + 1 : s;
}

static int want_kind(parser *p, const tf_val *v, const char *op,
                     const char *param, int ok_num, int ok_ident, int ok_list) {
  if ((v->kind == 1 && ok_num) || (v->kind == 2 && ok_ident) ||
      (v->kind == 3 && ok_list))
    return 0;
  char msg[160];
  snprintf(msg, sizeof msg, "%s: bad value for '%s' (expected %s%s%s)", op,
           param, ok_num ? "a number " : "", ok_ident ? "a name " : "",
           ok_list ? "a list" : "");
  return perr(p, v->pos, msg, NULL);
}

static int get_int(parser *p, const tf_val *v, const char *op,
                   const char *param, int64_t *out) {
  if (want_kind(p, v, op, param, 1, 0, 0))
    return PV_ERR_INVALID_ARG;
  if (v->num[0] != floor(v->num[0]) || fabs(v->num[0]) > 1e15) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: '%s' must be an integer", op, param);
    return perr(p, v->pos, msg, NULL);
  }
  *out = (int64_t)v->num[0];
  return 0;
}

static int get_bool(parser *p, const tf_val *v, const char *op,
                    const char *param, int *out) {
  if (v->kind == 1) {
    *out = v->num[0] != 0;
    return 0;
  }
  if (v->kind == 2) {
    if (!strcasecmp(v->ident, "true")) {
      *out = 1;
      return 0;
    }
    if (!strcasecmp(v->ident, "false")) {
      *out = 0;
      return 0;
    }
  }
  char msg[120];
  snprintf(msg, sizeof msg, "%s: '%s' must be true or false", op, param);
  return perr(p, v->pos, msg, NULL);
}

static int get_interp(parser *p, const tf_val *v, const char *op, int *out) {
  if (v->kind == 1) {
    int m = (int)v->num[0];
    if (m == 0 || m == 2 || m == 3) { /* PIL constants */
      *out = m == 0 ? PV_RESIZE_NEAREST
                    : (m == 2 ? PV_RESIZE_BILINEAR : PV_RESIZE_BICUBIC);
      return 0;
    }
  } else if (v->kind == 2) {
    const char *s = last_component(v->ident);
    if (!strcasecmp(s, "nearest")) {
      *out = PV_RESIZE_NEAREST;
      return 0;
    }
    if (!strcasecmp(s, "nearest_exact") || !strcasecmp(s, "nearest-exact")) {
      *out = PV_RESIZE_NEAREST_EXACT;
      return 0;
    }
    if (!strcasecmp(s, "bilinear") || !strcasecmp(s, "linear")) {
      *out = PV_RESIZE_BILINEAR;
      return 0;
    }
    if (!strcasecmp(s, "bicubic") || !strcasecmp(s, "cubic")) {
      *out = PV_RESIZE_BICUBIC;
      return 0;
    }
  }
  char msg[160];
  snprintf(msg, sizeof msg,
           "%s: unknown interpolation (nearest, nearest_exact, bilinear, "
           "bicubic)",
           op);
  return perr(p, v->pos, msg, NULL);
}

static int get_dtype(parser *p, const tf_val *v, const char *op, int *out) {
  if (v->kind == 2) {
    const char *s = last_component(v->ident);
    int d = !strcasecmp(s, "float")  ? PV_F32
            : !strcasecmp(s, "half") ? PV_F16
                                     : pv_dtype_from_name(s);
    if (d >= 0) {
      *out = d;
      return 0;
    }
  }
  char msg[120];
  snprintf(msg, sizeof msg, "%s: unknown dtype", op);
  return perr(p, v->pos, msg, NULL);
}

/* Fills a size (n 1 or 2) from a number or a 1-2 element list. */
static int get_size(parser *p, const tf_val *v, const char *op,
                    const char *param, int *n, int64_t size[2]) {
  if (want_kind(p, v, op, param, 1, 0, 1))
    return PV_ERR_INVALID_ARG;
  int k = v->kind == 1 ? 1 : v->n;
  if (k < 1 || k > 2) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: '%s' needs 1 or 2 values", op, param);
    return perr(p, v->pos, msg, NULL);
  }
  for (int i = 0; i < k; i++) {
    if (v->num[i] < 1 || v->num[i] != floor(v->num[i]) || v->num[i] > 1e9) {
      char msg[120];
      snprintf(msg, sizeof msg, "%s: '%s' must hold positive integers", op,
               param);
      return perr(p, v->pos, msg, NULL);
    }
    size[i] = (int64_t)v->num[i];
  }
  *n = k;
  return 0;
}

static int get_padding_mode(parser *p, const tf_val *v, const char *op,
                            int *out) {
  static const char *names[] = {"constant", "edge", "reflect", "symmetric"};
  if (v->kind == 2)
    for (int i = 0; i < 4; i++)
      if (!strcasecmp(v->ident, names[i])) {
        *out = i;
        return 0;
      }
  char msg[120];
  snprintf(msg, sizeof msg,
           "%s: padding_mode must be constant, edge, reflect or symmetric", op);
  return perr(p, v->pos, msg, NULL);
}

static int get_float(parser *p, const tf_val *v, const char *op,
                     const char *param, double *out) {
  if (want_kind(p, v, op, param, 1, 0, 0))
    return PV_ERR_INVALID_ARG;
  *out = v->num[0];
  return 0;
}

static const float k_imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float k_imagenet_std[3] = {0.229f, 0.224f, 0.225f};

static int get_vec(parser *p, const tf_val *v, const char *op,
                   const char *param, int *n, float *out) {
  if (want_kind(p, v, op, param, 1, 0, 1))
    return PV_ERR_INVALID_ARG;
  *n = v->kind == 1 ? 1 : v->n;
  if (*n < 1) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: '%s' is empty", op, param);
    return perr(p, v->pos, msg, NULL);
  }
  for (int i = 0; i < *n; i++)
    out[i] = (float)v->num[i];
  return 0;
}

/* A [min, max] range from a list of 2, or from a number v as
 * [center - v, center + v] (clamped at `lo`); *on = 0 when the range is the
 * identity (ColorJitter's None). */
static int get_range(parser *p, const tf_val *v, const char *op,
                     const char *param, double center, double lo,
                     double out[2]) {
  if (want_kind(p, v, op, param, 1, 0, 1))
    return PV_ERR_INVALID_ARG;
  if (v->kind == 1) {
    if (v->num[0] < 0) {
      char msg[120];
      snprintf(msg, sizeof msg, "%s: '%s' must be non-negative", op, param);
      return perr(p, v->pos, msg, NULL);
    }
    out[0] = fmax(center - v->num[0], lo);
    out[1] = center + v->num[0];
  } else {
    if (v->n != 2 || v->num[0] > v->num[1]) {
      char msg[120];
      snprintf(msg, sizeof msg, "%s: '%s' needs [min, max]", op, param);
      return perr(p, v->pos, msg, NULL);
    }
    out[0] = v->num[0];
    out[1] = v->num[1];
  }
  return 0;
}

static int get_prob(parser *p, const tf_val *v, const char *op, double *out) {
  if (get_float(p, v, op, "p", out))
    return PV_ERR_INVALID_ARG;
  if (*out < 0 || *out > 1)
    return perr(p, v->pos, "probability p must be in [0, 1]", NULL);
  return 0;
}

static int bind_more(parser *p, const op_def *d, tf_val *const *a,
                     pv__tf_op *op);
static int bind_warp(parser *p, const op_def *d, tf_val *const *a,
                     pv__tf_op *op);
static int bind_augment(parser *p, const op_def *d, tf_val *const *a,
                        pv__tf_op *op);
static int bind_preset(parser *p, const op_def *d, tf_val *const *a,
                       pv__tf_op *op);

/* Applies the bound arguments (NULL = not given) to op `d`. */
static int bind(parser *p, const op_def *d, tf_val *const *a, pv__tf_op *op) {
  memset(op, 0, sizeof *op);
  op->kind = d->kind;
  const char *n = d->name;
  switch (d->kind) {
  case PV__TF_RESIZE:
  case PV__TF_RESIZED_CROP: {
    int base = d->kind == PV__TF_RESIZE ? 0 : 4;
    op->interp = PV_RESIZE_BILINEAR;
    op->antialias = 1; /* torchvision >= 0.17 default */
    if (d->kind == PV__TF_RESIZED_CROP) {
      const char *nm[4] = {"top", "left", "height", "width"};
      int64_t *dst[4] = {&op->top, &op->left, &op->height, &op->width};
      for (int i = 0; i < 4; i++) {
        if (!a[i])
          return perr(p, p->pos, "resized_crop: missing argument", nm[i]);
        if (get_int(p, a[i], n, nm[i], dst[i]))
          return PV_ERR_INVALID_ARG;
      }
    }
    if (!a[base] || a[base]->kind == 0) {
      if (d->kind == PV__TF_RESIZE && a[2] && a[2]->kind == 1)
        op->n_size = 0; /* v2 size=None with max_size */
      else
        return perr(p, p->pos, "missing argument", "size");
    } else if (get_size(p, a[base], n, "size", &op->n_size, op->size))
      return PV_ERR_INVALID_ARG;
    if (a[base + 1] && get_interp(p, a[base + 1], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    int ia = d->kind == PV__TF_RESIZE ? 3 : 6;
    if (d->kind == PV__TF_RESIZE && a[2] && a[2]->kind != 0 &&
        get_int(p, a[2], n, "max_size", &op->max_size))
      return PV_ERR_INVALID_ARG;
    if (a[ia] && a[ia]->kind != 0 &&
        get_bool(p, a[ia], n, "antialias", &op->antialias))
      return PV_ERR_INVALID_ARG;
    return 0;
  }
  case PV__TF_CENTER_CROP:
    if (!a[0])
      return perr(p, p->pos, "center_crop: missing argument", "output_size");
    if (get_size(p, a[0], n, "output_size", &op->n_size, op->size))
      return PV_ERR_INVALID_ARG;
    if (op->n_size == 1)
      op->size[1] = op->size[0];
    return 0;
  case PV__TF_CROP: {
    const char *nm[4] = {"top", "left", "height", "width"};
    int64_t *dst[4] = {&op->top, &op->left, &op->height, &op->width};
    for (int i = 0; i < 4; i++) {
      if (!a[i])
        return perr(p, p->pos, "crop: missing argument", nm[i]);
      if (get_int(p, a[i], n, nm[i], dst[i]))
        return PV_ERR_INVALID_ARG;
    }
    return 0;
  }
  case PV__TF_PAD: {
    if (!a[0])
      return perr(p, p->pos, "pad: missing argument", "padding");
    if (want_kind(p, a[0], n, "padding", 1, 0, 1))
      return PV_ERR_INVALID_ARG;
    int k = a[0]->kind == 1 ? 1 : a[0]->n;
    const double *v = a[0]->num;
    if (k == 1)
      for (int i = 0; i < 4; i++)
        op->pad[i] = (int64_t)v[0];
    else if (k == 2) {
      op->pad[0] = op->pad[2] = (int64_t)v[0];
      op->pad[1] = op->pad[3] = (int64_t)v[1];
    } else if (k == 4) {
      for (int i = 0; i < 4; i++)
        op->pad[i] = (int64_t)v[i];
    } else
      return perr(p, a[0]->pos, "pad: padding needs 1, 2 or 4 values", NULL);
    if (a[1] && get_float(p, a[1], n, "fill", &op->fill))
      return PV_ERR_INVALID_ARG;
    if (a[2] && get_padding_mode(p, a[2], n, &op->pad_mode))
      return PV_ERR_INVALID_ARG;
    return 0;
  }
  case PV__TF_NORMALIZE:
    if (a[0] && a[0]->kind == 2 && !strcasecmp(a[0]->ident, "imagenet")) {
      op->n_mean = 3;
      memcpy(op->mean, k_imagenet_mean, sizeof k_imagenet_mean);
      memcpy(op->std, k_imagenet_std, sizeof k_imagenet_std);
      if (a[1])
        return perr(p, a[1]->pos, "normalize(imagenet) takes no std", NULL);
      return 0;
    }
    if (!a[0] || !a[1])
      return perr(p, p->pos,
                  "normalize: needs mean and std (or the 'imagenet' "
                  "shorthand)",
                  NULL);
    {
      int nm, ns;
      if (get_vec(p, a[0], n, "mean", &nm, op->mean) ||
          get_vec(p, a[1], n, "std", &ns, op->std))
        return PV_ERR_INVALID_ARG;
      if (nm != ns)
        return perr(p, a[1]->pos, "normalize: mean and std differ in length",
                    NULL);
      op->n_mean = nm;
    }
    return 0;
  case PV__TF_TO_DTYPE:
  case PV__TF_CONVERT_IMAGE_DTYPE:
    op->dtype = PV_F32;
    op->scale = d->kind == PV__TF_CONVERT_IMAGE_DTYPE;
    if (a[0] && get_dtype(p, a[0], n, &op->dtype))
      return PV_ERR_INVALID_ARG;
    if (d->kind == PV__TF_TO_DTYPE && a[1] &&
        get_bool(p, a[1], n, "scale", &op->scale))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_GRAYSCALE:
    op->i0 = 1;
    if (a[0] && get_int(p, a[0], n, "num_output_channels", &op->i0))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_BRIGHTNESS:
  case PV__TF_CONTRAST:
  case PV__TF_SATURATION:
  case PV__TF_HUE:
  case PV__TF_SHARPNESS:
  case PV__TF_SOLARIZE:
    if (!a[0])
      return perr(p, p->pos, "missing argument", d->params[0]);
    return get_float(p, a[0], n, d->params[0], &op->f0);
  case PV__TF_GAMMA:
    op->f1 = 1.0;
    if (!a[0])
      return perr(p, p->pos, "adjust_gamma: missing argument", "gamma");
    if (get_float(p, a[0], n, "gamma", &op->f0))
      return PV_ERR_INVALID_ARG;
    if (a[1] && get_float(p, a[1], n, "gain", &op->f1))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_POSTERIZE:
    if (!a[0])
      return perr(p, p->pos, "posterize: missing argument", "bits");
    return get_int(p, a[0], n, "bits", &op->i0);
  default:
    return bind_more(p, d, a, op);
  }
}

/* fill: none, a number or a list (1 or C values). */
static int get_fill(parser *p, const tf_val *v, const char *op, pv__tf_op *o) {
  if (v->kind == 0) {
    o->has_fill = 0;
    return 0;
  }
  if (get_vec(p, v, op, "fill", &o->n_value, o->value))
    return PV_ERR_INVALID_ARG;
  o->has_fill = 1;
  return 0;
}

static int get_pair(parser *p, const tf_val *v, const char *op,
                    const char *param, double out[2]) {
  if (want_kind(p, v, op, param, 0, 0, 1))
    return PV_ERR_INVALID_ARG;
  if (v->n != 2) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: '%s' needs 2 values", op, param);
    return perr(p, v->pos, msg, NULL);
  }
  out[0] = v->num[0];
  out[1] = v->num[1];
  return 0;
}

/* affine/rotate/perspective and their random classes. */
static int bind_warp(parser *p, const op_def *d, tf_val *const *a,
                     pv__tf_op *op) {
  const char *n = d->name;
  op->interp = PV_RESIZE_NEAREST;
  op->f1 = 1.0; /* scale */
  switch (d->kind) {
  case PV__TF_AFFINE:
  case PV__TF_RANDOM_AFFINE: {
    int rnd = d->kind == PV__TF_RANDOM_AFFINE;
    if (!a[0])
      return perr(p, p->pos, "missing argument", rnd ? "degrees" : "angle");
    if (rnd) {
      if (get_range(p, a[0], n, "degrees", 0, -INFINITY, op->degrees))
        return PV_ERR_INVALID_ARG;
    } else if (get_float(p, a[0], n, "angle", &op->f0))
      return PV_ERR_INVALID_ARG;
    if (a[1] && a[1]->kind != 0) {
      if (get_pair(p, a[1], n, "translate", op->translate))
        return PV_ERR_INVALID_ARG;
      op->has_translate = 1;
    } else if (!rnd)
      return perr(p, p->pos, "affine: missing argument", "translate");
    if (a[2] && a[2]->kind != 0) {
      if (rnd) {
        if (get_pair(p, a[2], n, "scale", op->scale_r))
          return PV_ERR_INVALID_ARG;
        op->has_scale = 1;
      } else if (get_float(p, a[2], n, "scale", &op->f1))
        return PV_ERR_INVALID_ARG;
    } else if (!rnd)
      return perr(p, p->pos, "affine: missing argument", "scale");
    if (a[3] && a[3]->kind != 0) {
      if (want_kind(p, a[3], n, "shear", 1, 0, 1))
        return PV_ERR_INVALID_ARG;
      int k = a[3]->kind == 1 ? 1 : a[3]->n;
      if (k != 1 && k != 2 && !(rnd && k == 4))
        return perr(p, a[3]->pos, "shear needs 1, 2 (or 4) values", NULL);
      for (int i = 0; i < k; i++)
        op->shear[i] = a[3]->num[i];
      op->n_shear = k;
    } else if (!rnd)
      return perr(p, p->pos, "affine: missing argument", "shear");
    if (a[4] && get_interp(p, a[4], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    if (rnd) {
      op->has_fill = 1;
      op->n_value = 1;
    }
    if (a[5] && get_fill(p, a[5], n, op))
      return PV_ERR_INVALID_ARG;
    if (a[6] && a[6]->kind != 0) {
      if (get_pair(p, a[6], n, "center", op->center))
        return PV_ERR_INVALID_ARG;
      op->has_center = 1;
    }
    return 0;
  }
  case PV__TF_ROTATE:
  case PV__TF_RANDOM_ROTATION: {
    int rnd = d->kind == PV__TF_RANDOM_ROTATION;
    if (!a[0])
      return perr(p, p->pos, "missing argument", rnd ? "degrees" : "angle");
    if (rnd) {
      if (get_range(p, a[0], n, "degrees", 0, -INFINITY, op->degrees))
        return PV_ERR_INVALID_ARG;
      op->has_fill = 1;
      op->n_value = 1;
    } else if (get_float(p, a[0], n, "angle", &op->f0))
      return PV_ERR_INVALID_ARG;
    if (a[1] && get_interp(p, a[1], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    if (a[2] && get_bool(p, a[2], n, "expand", &op->expand))
      return PV_ERR_INVALID_ARG;
    if (a[3] && a[3]->kind != 0) {
      if (get_pair(p, a[3], n, "center", op->center))
        return PV_ERR_INVALID_ARG;
      op->has_center = 1;
    }
    if (a[4] && get_fill(p, a[4], n, op))
      return PV_ERR_INVALID_ARG;
    return 0;
  }
  case PV__TF_PERSPECTIVE:
    op->interp = PV_RESIZE_BILINEAR;
    for (int k = 0; k < 2; k++) {
      if (!a[k])
        return perr(p, p->pos, "perspective: missing argument", d->params[k]);
      if (want_kind(p, a[k], n, d->params[k], 0, 0, 1))
        return PV_ERR_INVALID_ARG;
      if (a[k]->n != 8)
        return perr(p, a[k]->pos,
                    "perspective: points need 8 values [x0, y0, ..., x3, y3]",
                    NULL);
      for (int i = 0; i < 8; i++)
        op->pts[8 * k + i] = a[k]->num[i];
    }
    if (a[2] && get_interp(p, a[2], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    if (a[3] && get_fill(p, a[3], n, op))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_RANDOM_PERSPECTIVE:
    op->interp = PV_RESIZE_BILINEAR;
    op->f0 = 0.5;
    op->has_fill = 1;
    op->n_value = 1;
    if (a[0] && get_float(p, a[0], n, "distortion_scale", &op->f0))
      return PV_ERR_INVALID_ARG;
    if (op->f0 < 0 || op->f0 > 1)
      return perr(p, a[0]->pos, "distortion_scale must be in [0, 1]", NULL);
    if (a[1] && get_prob(p, a[1], n, &op->p))
      return PV_ERR_INVALID_ARG;
    if (a[2] && get_interp(p, a[2], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    if (a[3] && get_fill(p, a[3], n, op))
      return PV_ERR_INVALID_ARG;
    return 0;
  default:
    return bind_augment(p, d, a, op);
  }
}

/* image_classification / semantic_segmentation / object_detection. */
static int bind_preset(parser *p, const op_def *d, tf_val *const *a,
                       pv__tf_op *op) {
  const char *n = d->name;
  int cls = d->kind == PV__TF_PRESET_CLASSIFICATION;
  if (d->kind == PV__TF_PRESET_DETECTION)
    return 0;
  op->interp = PV_RESIZE_BILINEAR;
  op->antialias = 1;
  op->n_mean = 3;
  const float m[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
  memcpy(op->mean, m, sizeof m);
  memcpy(op->std, sd, sizeof sd);
  int b = cls ? 1 : 0; /* slot of resize_size */
  op->size[0] = cls ? 0 : 520;
  op->size[1] = cls ? 256 : 0;
  if (cls) {
    if (!a[0])
      return perr(p, p->pos, "image_classification: missing argument",
                  "crop_size");
    if (get_int(p, a[0], n, "crop_size", &op->size[0]) || op->size[0] < 1)
      return perr(p, a[0]->pos, "crop_size must be a positive int", NULL);
  }
  int64_t *rs = cls ? &op->size[1] : &op->size[0];
  if (a[b]) {
    if (a[b]->kind == 0 && !cls)
      *rs = 0;
    else if (get_int(p, a[b], n, "resize_size", rs) || *rs < 1)
      return perr(p, a[b]->pos, "resize_size must be a positive int", NULL);
  }
  int nm = 3, ns = 3;
  if (a[b + 1] && get_vec(p, a[b + 1], n, "mean", &nm, op->mean))
    return PV_ERR_INVALID_ARG;
  if (a[b + 2] && get_vec(p, a[b + 2], n, "std", &ns, op->std))
    return PV_ERR_INVALID_ARG;
  if (nm != ns || nm != 3)
    return perr(p, p->pos, "presets take 3 mean and 3 std values", NULL);
  if (a[b + 3] && get_interp(p, a[b + 3], n, &op->interp))
    return PV_ERR_INVALID_ARG;
  if (a[b + 4] && get_bool(p, a[b + 4], n, "antialias", &op->antialias))
    return PV_ERR_INVALID_ARG;
  return 0;
}

/* Replaces a preset op by its pipeline's ops; returns how many. */
static int expand_preset(const pv__tf_op *pre, pv__tf_op *out) {
  pv_pipeline *pp =
      pre->kind == PV__TF_PRESET_CLASSIFICATION
          ? pv_preset_image_classification(pre->size[1], pre->size[0],
                                           pre->mean, pre->std, pre->interp,
                                           pre->antialias)
      : pre->kind == PV__TF_PRESET_SEGMENTATION
          ? pv_preset_semantic_segmentation(pre->size[0], pre->mean, pre->std,
                                            pre->interp, pre->antialias)
          : pv_preset_object_detection();
  if (!pp)
    return -1;
  int k = pp->n;
  memcpy(out, pp->ops, sizeof *out * (size_t)k);
  pv_pipeline_free(pp);
  return k;
}

/* augment_op and the automatic augmentation policies. */
static int bind_augment(parser *p, const op_def *d, tf_val *const *a,
                        pv__tf_op *op) {
  const char *n = d->name;
  static const char *ops[] = {
      "Identity",  "ShearX",     "ShearY",       "TranslateX", "TranslateY",
      "Rotate",    "Brightness", "Color",        "Contrast",   "Sharpness",
      "Posterize", "Solarize",   "AutoContrast", "Equalize",   "Invert"};
  int ii = 1, fi = 2; /* interpolation / fill argument slots */
  op->interp = PV_RESIZE_NEAREST;
  switch (d->kind) {
  case PV__TF_AUGMENT_OP: {
    if (!a[0] || a[0]->kind != 2)
      return perr(p, a[0] ? a[0]->pos : p->pos,
                  "augment_op: op_name must be a name (ShearX, Rotate, ...)",
                  NULL);
    int found = -1;
    for (int i = 0; i < 15; i++)
      if (!strcmp(a[0]->ident, ops[i]))
        found = i;
    if (found < 0)
      return perr(p, a[0]->pos, "augment_op: unknown op", a[0]->ident);
    snprintf(op->name, sizeof op->name, "%s", ops[found]);
    if (a[1] && get_float(p, a[1], n, "magnitude", &op->f0))
      return PV_ERR_INVALID_ARG;
    ii = 2;
    fi = 3;
    break;
  }
  case PV__TF_AUTO_AUGMENT:
    op->ints[0] = 0;
    if (a[0] && a[0]->kind != 0) {
      const char *pol = a[0]->kind == 2 ? last_component(a[0]->ident) : "";
      if (!strcasecmp(pol, "imagenet"))
        op->ints[0] = 0;
      else if (!strcasecmp(pol, "cifar10"))
        op->ints[0] = 1;
      else if (!strcasecmp(pol, "svhn"))
        op->ints[0] = 2;
      else
        return perr(p, a[0]->pos,
                    "auto_augment: policy must be imagenet, cifar10 or svhn",
                    NULL);
    }
    break;
  case PV__TF_RAND_AUGMENT:
    op->ints[0] = 2;
    op->ints[1] = 9;
    op->ints[2] = 31;
    for (int i = 0; i < 3; i++)
      if (a[i] && get_int(p, a[i], n, d->params[i], &op->ints[i]))
        return PV_ERR_INVALID_ARG;
    if (op->ints[2] < 1 || op->ints[2] > 1000 || op->ints[1] < 0 ||
        op->ints[1] >= op->ints[2] || op->ints[0] < 0 || op->ints[0] > 100)
      return perr(p, p->pos, "rand_augment: bad num_ops/magnitude/bins", NULL);
    ii = 3;
    fi = 4;
    break;
  case PV__TF_TRIVIAL_AUGMENT_WIDE:
    op->ints[2] = 31;
    if (a[0] && get_int(p, a[0], n, "num_magnitude_bins", &op->ints[2]))
      return PV_ERR_INVALID_ARG;
    if (op->ints[2] < 1 || op->ints[2] > 1000)
      return perr(p, p->pos, "trivial_augment_wide: bad num_magnitude_bins",
                  NULL);
    break;
  case PV__TF_AUGMIX:
    op->interp = PV_RESIZE_BILINEAR;
    op->ints[0] = 3;
    op->ints[1] = 3;
    op->ints[2] = -1;
    op->f0 = 1.0;
    op->scale = 1;
    for (int i = 0; i < 3; i++)
      if (a[i] && get_int(p, a[i], n, d->params[i], &op->ints[i]))
        return PV_ERR_INVALID_ARG;
    if (a[3] && get_float(p, a[3], n, "alpha", &op->f0))
      return PV_ERR_INVALID_ARG;
    if (a[4] && get_bool(p, a[4], n, "all_ops", &op->scale))
      return PV_ERR_INVALID_ARG;
    if (op->ints[0] < 1 || op->ints[0] > 10 || op->ints[1] < 1 ||
        op->ints[1] > 64 || op->ints[2] > 16 || !(op->f0 > 0))
      return perr(p, p->pos, "augmix: bad severity/mixture_width/depth/alpha",
                  NULL);
    ii = 5;
    fi = 6;
    break;
  case PV__TF_RANDOM_ELASTIC: {
    /* ElasticTransform(alpha=50, sigma=5, interpolation=bilinear, fill=0) */
    double al[2] = {50.0, 50.0}, sg[2] = {5.0, 5.0};
    double *dst[2] = {al, sg};
    for (int k = 0; k < 2; k++)
      if (a[k]) {
        if (want_kind(p, a[k], n, d->params[k], 1, 0, 1))
          return PV_ERR_INVALID_ARG;
        dst[k][0] = a[k]->num[0];
        dst[k][1] =
            a[k]->kind == 1 || a[k]->n < 2 ? a[k]->num[0] : a[k]->num[1];
      }
    if (sg[0] < 0 || sg[1] < 0 || sg[0] > 100 || sg[1] > 100)
      return perr(p, p->pos, "elastic_transform: sigma must be in [0, 100]",
                  NULL);
    op->translate[0] = al[0];
    op->translate[1] = al[1];
    op->sigma[0] = sg[0];
    op->sigma[1] = sg[1];
    op->interp = PV_RESIZE_BILINEAR;
    op->has_fill = 1;
    op->n_value = 1;
    ii = 2;
    fi = 3;
    break;
  }
  default:
    return bind_preset(p, d, a, op);
  }
  if (a[ii] && get_interp(p, a[ii], n, &op->interp))
    return PV_ERR_INVALID_ARG;
  if (op->interp != PV_RESIZE_NEAREST && op->interp != PV_RESIZE_BILINEAR)
    return perr(p, a[ii] ? a[ii]->pos : p->pos,
                "interpolation must be nearest or bilinear", NULL);
  if (a[fi] && get_fill(p, a[fi], n, op))
    return PV_ERR_INVALID_ARG;
  return 0;
}

/* The blur/erase and random ops. */
static int bind_more(parser *p, const op_def *d, tf_val *const *a,
                     pv__tf_op *op) {
  const char *n = d->name;
  op->p = 0.5;
  switch (d->kind) {
  case PV__TF_GAUSSIAN_BLUR:
  case PV__TF_RANDOM_GAUSSIAN_BLUR:
    if (!a[0])
      return perr(p, p->pos, "missing argument", "kernel_size");
    if (want_kind(p, a[0], n, "kernel_size", 1, 0, 1))
      return PV_ERR_INVALID_ARG;
    op->n_size = a[0]->kind == 1 ? 1 : a[0]->n;
    if (op->n_size < 1 || op->n_size > 2)
      return perr(p, a[0]->pos, "kernel_size needs 1 or 2 values", NULL);
    for (int i = 0; i < op->n_size; i++)
      op->size[i] = (int64_t)a[0]->num[i];
    if (d->kind == PV__TF_RANDOM_GAUSSIAN_BLUR) {
      op->sigma[0] = 0.1;
      op->sigma[1] = 2.0;
      if (a[1]) {
        if (want_kind(p, a[1], n, "sigma", 1, 0, 1))
          return PV_ERR_INVALID_ARG;
        op->sigma[0] = a[1]->num[0];
        op->sigma[1] = a[1]->kind == 1 ? a[1]->num[0] : a[1]->num[1];
        if (!(op->sigma[0] > 0) || op->sigma[1] < op->sigma[0])
          return perr(p, a[1]->pos, "sigma must be positive, min <= max", NULL);
      }
    } else if (a[1] && a[1]->kind != 0) {
      if (want_kind(p, a[1], n, "sigma", 1, 0, 1))
        return PV_ERR_INVALID_ARG;
      op->sigma[0] = a[1]->num[0];
      op->sigma[1] =
          a[1]->kind == 1 || a[1]->n < 2 ? a[1]->num[0] : a[1]->num[1];
      if (!(op->sigma[0] > 0 && op->sigma[1] > 0))
        return perr(p, a[1]->pos, "sigma must be positive", NULL);
    }
    return 0;
  case PV__TF_ERASE: {
    const char *nm[4] = {"i", "j", "h", "w"};
    int64_t *dst[4] = {&op->top, &op->left, &op->height, &op->width};
    for (int i = 0; i < 4; i++) {
      if (!a[i])
        return perr(p, p->pos, "erase: missing argument", nm[i]);
      if (get_int(p, a[i], n, nm[i], dst[i]))
        return PV_ERR_INVALID_ARG;
    }
    if (!a[4])
      return perr(p, p->pos, "erase: missing argument", "v");
    return get_vec(p, a[4], n, "v", &op->n_value, op->value);
  }
  case PV__TF_RANDOM_HFLIP:
  case PV__TF_RANDOM_VFLIP:
  case PV__TF_RANDOM_INVERT:
  case PV__TF_RANDOM_AUTOCONTRAST:
  case PV__TF_RANDOM_EQUALIZE:
  case PV__TF_RANDOM_GRAYSCALE:
    if (d->kind == PV__TF_RANDOM_GRAYSCALE)
      op->p = 0.1;
    return a[0] ? get_prob(p, a[0], n, &op->p) : 0;
  case PV__TF_RANDOM_POSTERIZE:
  case PV__TF_RANDOM_SOLARIZE:
  case PV__TF_RANDOM_ADJUST_SHARPNESS:
    if (!a[0])
      return perr(p, p->pos, "missing argument", d->params[0]);
    if (d->kind == PV__TF_RANDOM_POSTERIZE) {
      if (get_int(p, a[0], n, "bits", &op->i0))
        return PV_ERR_INVALID_ARG;
    } else if (get_float(p, a[0], n, d->params[0], &op->f0))
      return PV_ERR_INVALID_ARG;
    return a[1] ? get_prob(p, a[1], n, &op->p) : 0;
  case PV__TF_RANDOM_RESIZED_CROP:
    op->scale_r[0] = 0.08;
    op->scale_r[1] = 1.0;
    op->ratio_r[0] = 3.0 / 4.0;
    op->ratio_r[1] = 4.0 / 3.0;
    op->interp = PV_RESIZE_BILINEAR;
    op->antialias = 1;
    if (!a[0])
      return perr(p, p->pos, "random_resized_crop: missing argument", "size");
    if (get_size(p, a[0], n, "size", &op->n_size, op->size))
      return PV_ERR_INVALID_ARG;
    if (a[1] && get_range(p, a[1], n, "scale", 0, 0, op->scale_r))
      return PV_ERR_INVALID_ARG;
    if (a[2] && get_range(p, a[2], n, "ratio", 0, 0, op->ratio_r))
      return PV_ERR_INVALID_ARG;
    if (a[1] && a[1]->kind != 3)
      return perr(p, a[1]->pos, "scale needs [min, max]", NULL);
    if (a[2] && a[2]->kind != 3)
      return perr(p, a[2]->pos, "ratio needs [min, max]", NULL);
    if (!(op->ratio_r[0] > 0) || !(op->scale_r[1] > 0))
      return perr(p, p->pos, "random_resized_crop: bad scale or ratio", NULL);
    if (a[3] && get_interp(p, a[3], n, &op->interp))
      return PV_ERR_INVALID_ARG;
    if (a[4] && a[4]->kind != 0 &&
        get_bool(p, a[4], n, "antialias", &op->antialias))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_RANDOM_CROP:
    if (!a[0])
      return perr(p, p->pos, "random_crop: missing argument", "size");
    if (get_size(p, a[0], n, "size", &op->n_size, op->size))
      return PV_ERR_INVALID_ARG;
    if (a[1] && a[1]->kind != 0) {
      if (want_kind(p, a[1], n, "padding", 1, 0, 1))
        return PV_ERR_INVALID_ARG;
      int k = a[1]->kind == 1 ? 1 : a[1]->n;
      const double *v = a[1]->num;
      if (k == 1)
        for (int i = 0; i < 4; i++)
          op->pad[i] = (int64_t)v[0];
      else if (k == 2) {
        op->pad[0] = op->pad[2] = (int64_t)v[0];
        op->pad[1] = op->pad[3] = (int64_t)v[1];
      } else if (k == 4)
        for (int i = 0; i < 4; i++)
          op->pad[i] = (int64_t)v[i];
      else
        return perr(p, a[1]->pos, "padding needs 1, 2 or 4 values", NULL);
      op->has_pad = 1;
    }
    if (a[2] && get_bool(p, a[2], n, "pad_if_needed", &op->pad_if_needed))
      return PV_ERR_INVALID_ARG;
    if (a[3] && get_float(p, a[3], n, "fill", &op->fill))
      return PV_ERR_INVALID_ARG;
    if (a[4] && get_padding_mode(p, a[4], n, &op->pad_mode))
      return PV_ERR_INVALID_ARG;
    return 0;
  case PV__TF_COLOR_JITTER:
    for (int i = 0; i < 4; i++) {
      if (!a[i] || a[i]->kind == 0)
        continue;
      double c = i == 3 ? 0.0 : 1.0, lo = i == 3 ? -0.5 : 0.0;
      if (get_range(p, a[i], n, d->params[i], c, lo, op->jit[i]))
        return PV_ERR_INVALID_ARG;
      if (i == 3 && (op->jit[3][0] < -0.5 || op->jit[3][1] > 0.5))
        return perr(p, a[i]->pos, "color_jitter: hue must be in [-0.5, 0.5]",
                    NULL);
      op->jit_on[i] = !(op->jit[i][0] == c && op->jit[i][1] == c);
    }
    return 0;
  case PV__TF_RANDOM_ERASING:
    op->scale_r[0] = 0.02;
    op->scale_r[1] = 0.33;
    op->ratio_r[0] = 0.3;
    op->ratio_r[1] = 3.3;
    op->n_value = 1;
    op->value[0] = 0;
    if (a[0] && get_prob(p, a[0], n, &op->p))
      return PV_ERR_INVALID_ARG;
    if (a[1] &&
        (a[1]->kind != 3 || get_range(p, a[1], n, "scale", 0, 0, op->scale_r)))
      return perr(p, a[1]->pos, "random_erasing: scale needs [min, max]", NULL);
    if (a[2] &&
        (a[2]->kind != 3 || get_range(p, a[2], n, "ratio", 0, 0, op->ratio_r)))
      return perr(p, a[2]->pos, "random_erasing: ratio needs [min, max]", NULL);
    if (a[3] && get_vec(p, a[3], n, "value", &op->n_value, op->value))
      return PV_ERR_INVALID_ARG;
    return 0;
  default:
    return bind_warp(p, d, a, op);
  }
}

static int parse_op(parser *p, pv__tf_op *op) {
  skip_ws(p);
  int start = p->pos;
  char name[48];
  if (!is_ident_start((unsigned char)p->s[p->pos]))
    return perr(p, start, "expected an op name", NULL);
  if (parse_ident(p, name, sizeof name))
    return PV_ERR_INVALID_ARG;
  const op_def *d = NULL;
  for (size_t i = 0; i < PV__ARRAY_LEN(k_ops); i++)
    if (!strcasecmp(k_ops[i].name, name))
      d = &k_ops[i];
  if (!d)
    return perr(p, start, "unknown op", name);
  int np = 0;
  while (np < MAX_ARGS && d->params[np])
    np++;
  tf_val vals[MAX_ARGS];
  tf_val *bound[MAX_ARGS] = {0};
  skip_ws(p);
  if (p->s[p->pos] == '(') {
    p->pos++;
    skip_ws(p);
    int npos = 0, seen_kw = 0, nv = 0;
    if (p->s[p->pos] == ')')
      p->pos++;
    else
      for (;;) {
        skip_ws(p);
        int at = p->pos;
        char key[48] = {0};
        /* keyword? */
        if (is_ident_start((unsigned char)p->s[p->pos])) {
          parser q = *p;
          if (!parse_ident(&q, key, sizeof key)) {
            skip_ws(&q);
            if (q.s[q.pos] == '=') {
              q.pos++;
              *p = q;
            } else
              key[0] = 0;
          }
        }
        if (nv >= MAX_ARGS)
          return perr(p, at, "too many arguments for", d->name);
        tf_val *v = &vals[nv++];
        if (parse_value(p, v))
          return PV_ERR_INVALID_ARG;
        int slot = -1;
        if (key[0]) {
          seen_kw = 1;
          for (int i = 0; i < np; i++)
            if (!strcmp(d->params[i], key))
              slot = i;
          if (slot < 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s has no parameter", d->name);
            return perr(p, at, msg, key);
          }
        } else {
          if (seen_kw)
            return perr(p, at, "positional argument after a keyword in",
                        d->name);
          slot = npos++;
          if (slot >= np)
            return perr(p, at, "too many arguments for", d->name);
        }
        if (bound[slot])
          return perr(p, at, "argument given twice:", d->params[slot]);
        bound[slot] = v;
        skip_ws(p);
        if (p->s[p->pos] == ',') {
          p->pos++;
          continue;
        }
        if (p->s[p->pos] == ')') {
          p->pos++;
          break;
        }
        return perr(p, p->pos, "expected ',' or ')'", NULL);
      }
  }
  return bind(p, d, bound, op);
}

int pv_pipeline_parse(const char *spec, pv_pipeline **out) {
  if (!spec || !out)
    return pv_set_error(PV_ERR_INVALID_ARG, "transform spec: NULL argument");
  *out = NULL;
  parser p = {spec, 0};
  int cap = 8, n = 0;
  pv__tf_op *ops = malloc(sizeof *ops * (size_t)cap);
  if (!ops)
    return pv_set_error(PV_ERR_NOMEM, "transform spec: out of memory");
  for (;;) {
    skip_ws(&p);
    if (!spec[p.pos] && n == 0) {
      free(ops);
      return perr(&p, p.pos, "empty pipeline", NULL);
    }
    if (n + 4 >= cap) { /* room for a preset's expansion */
      cap *= 2;
      pv__tf_op *o = realloc(ops, sizeof *ops * (size_t)cap);
      if (!o) {
        free(ops);
        return pv_set_error(PV_ERR_NOMEM, "transform spec: out of memory");
      }
      ops = o;
    }
    if (parse_op(&p, &ops[n])) {
      free(ops);
      return PV_ERR_INVALID_ARG;
    }
    if (ops[n].kind >= PV__TF_PRESET_CLASSIFICATION) {
      pv__tf_op pre = ops[n];
      int k = expand_preset(&pre, ops + n);
      if (k < 0) {
        free(ops);
        return pv_last_status();
      }
      n += k;
    } else
      n++;
    skip_ws(&p);
    if (!spec[p.pos])
      break;
    if (spec[p.pos] != '|') {
      free(ops);
      return perr(&p, p.pos, "expected '|' between ops", NULL);
    }
    p.pos++;
  }
  *out = pv__pipeline_new(ops, n);
  free(ops);
  return *out ? 0 : PV_ERR_NOMEM;
}
