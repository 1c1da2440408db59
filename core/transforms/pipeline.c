/* Pipelines: running, describing, composing, and the weights presets. */
#include "pipeline_internal.h"

#include <time.h>

pv_pipeline *pv__pipeline_new(const pv__tf_op *ops, int n) {
  pv_pipeline *p = calloc(1, sizeof *p);
  if (!p || n < 0) {
    free(p);
    pv_set_error(PV_ERR_NOMEM, "pipeline: out of memory");
    return NULL;
  }
  p->ops = malloc(sizeof *ops * (size_t)(n ? n : 1));
  if (!p->ops) {
    free(p);
    pv_set_error(PV_ERR_NOMEM, "pipeline: out of memory");
    return NULL;
  }
  if (n)
    memcpy(p->ops, ops, sizeof *ops * (size_t)n);
  p->n = n;
  return p;
}

void pv_pipeline_free(pv_pipeline *p) {
  if (!p)
    return;
  free(p->ops);
  free(p);
}

int pv_pipeline_length(const pv_pipeline *p) { return p ? p->n : 0; }

pv_pipeline *pv_compose(pv_pipeline *const *parts, int n) {
  int total = 0;
  for (int i = 0; i < n; i++) {
    if (!parts || !parts[i]) {
      pv_set_error(PV_ERR_INVALID_ARG, "compose: part %d is NULL", i);
      return NULL;
    }
    total += parts[i]->n;
  }
  pv__tf_op *ops = malloc(sizeof *ops * (size_t)(total ? total : 1));
  if (!ops) {
    pv_set_error(PV_ERR_NOMEM, "compose: out of memory");
    return NULL;
  }
  int k = 0;
  for (int i = 0; i < n; i++) {
    memcpy(ops + k, parts[i]->ops, sizeof *ops * (size_t)parts[i]->n);
    k += parts[i]->n;
  }
  pv_pipeline *p = pv__pipeline_new(ops, total);
  free(ops);
  return p;
}

pv_tensor *pv__tf_apply(const pv__tf_op *op, pv_tensor *img, pv_rng *rng) {
  if (op->kind >= PV__TF_RANDOM_HFLIP)
    return pv__tf_apply_random(op, img, rng);
  switch (op->kind) {
  case PV__TF_RESIZE:
    return pv_resize(img, op->n_size, op->size, op->interp, op->max_size,
                     op->antialias);
  case PV__TF_CENTER_CROP:
    return pv_center_crop(img, op->size[0], op->size[1]);
  case PV__TF_CROP:
    return pv_crop(img, op->top, op->left, op->height, op->width);
  case PV__TF_RESIZED_CROP:
    return pv_resized_crop(img, op->top, op->left, op->height, op->width,
                           op->n_size, op->size, op->interp, op->antialias);
  case PV__TF_PAD:
    return pv_pad_image(img, op->pad, op->pad_mode, op->fill);
  case PV__TF_HFLIP:
    return pv_hflip(img);
  case PV__TF_VFLIP:
    return pv_vflip(img);
  case PV__TF_NORMALIZE:
    return pv_normalize(img, op->mean, op->std, op->n_mean);
  case PV__TF_TO_DTYPE:
    return pv_to_dtype(img, (pv_dtype)op->dtype, op->scale);
  case PV__TF_CONVERT_IMAGE_DTYPE:
    return pv_convert_image_dtype(img, (pv_dtype)op->dtype);
  case PV__TF_GRAYSCALE:
    return pv_rgb_to_grayscale(img, (int)op->i0);
  case PV__TF_BRIGHTNESS:
    return pv_adjust_brightness(img, op->f0);
  case PV__TF_CONTRAST:
    return pv_adjust_contrast(img, op->f0);
  case PV__TF_SATURATION:
    return pv_adjust_saturation(img, op->f0);
  case PV__TF_HUE:
    return pv_adjust_hue(img, op->f0);
  case PV__TF_GAMMA:
    return pv_adjust_gamma(img, op->f0, op->f1);
  case PV__TF_SHARPNESS:
    return pv_adjust_sharpness(img, op->f0);
  case PV__TF_POSTERIZE:
    return pv_posterize(img, (int)op->i0);
  case PV__TF_SOLARIZE:
    return pv_solarize(img, op->f0);
  case PV__TF_INVERT:
    return pv_invert(img);
  case PV__TF_AUTOCONTRAST:
    return pv_autocontrast(img);
  case PV__TF_EQUALIZE:
    return pv_equalize(img);
  case PV__TF_GAUSSIAN_BLUR: {
    int64_t k[2] = {op->size[0], op->n_size == 1 ? op->size[0] : op->size[1]};
    return pv_gaussian_blur(img, k, op->sigma);
  }
  case PV__TF_ERASE:
    return pv_erase(img, op->top, op->left, op->height, op->width, op->value,
                    op->n_value);
  case PV__TF_AFFINE: {
    double sh[2] = {op->shear[0], op->n_shear >= 2 ? op->shear[1] : 0.0};
    return pv_affine(img, op->f0, op->translate, op->f1, sh, op->interp,
                     op->has_fill ? op->value : NULL, op->n_value,
                     op->has_center ? op->center : NULL);
  }
  case PV__TF_ROTATE:
    return pv_rotate(img, op->f0, op->interp, op->expand,
                     op->has_center ? op->center : NULL,
                     op->has_fill ? op->value : NULL, op->n_value);
  case PV__TF_PERSPECTIVE:
    return pv_perspective(img, op->pts, op->pts + 8, op->interp,
                          op->has_fill ? op->value : NULL, op->n_value);
  case PV__TF_AUGMENT_OP:
    return pv_augment_op(img, op->name, op->f0, op->interp,
                         op->has_fill ? op->value : NULL, op->n_value);
  default:
    pv_set_error(PV_ERR_INTERNAL, "pipeline: unknown op kind %d", op->kind);
    return NULL;
  }
}

/* Runs the fused kernel when ops[i..i+3] are resize(short side, bilinear or
 * bicubic) -> center_crop -> to float32 (scaled) -> normalize on a uint8
 * image; returns NULL with *handled = 0 when the chain does not apply. */
static pv_tensor *try_fused(const pv__tf_op *o, int n, pv_tensor *img,
                            int *handled) {
  *handled = 0;
  if (n < 4 || !img || img->dtype != PV_U8 || img->ndim < 3 ||
      pv_tensor_device(img))
    return NULL;
  const pv__tf_op *r = &o[0], *c = &o[1], *t = &o[2], *nm = &o[3];
  if (r->kind != PV__TF_RESIZE || r->n_size == 0 ||
      (r->interp != PV_RESIZE_BILINEAR && r->interp != PV_RESIZE_BICUBIC) ||
      c->kind != PV__TF_CENTER_CROP || nm->kind != PV__TF_NORMALIZE)
    return NULL;
  int v2;
  if (t->kind == PV__TF_CONVERT_IMAGE_DTYPE && t->dtype == PV_F32)
    v2 = 0;
  else if (t->kind == PV__TF_TO_DTYPE && t->dtype == PV_F32 && t->scale)
    v2 = 1;
  else
    return NULL;
  pv__img g;
  if (pv__tf_check(img, "pipeline", 3, &g))
    return NULL;
  if (nm->n_mean != 1 && nm->n_mean != g.c)
    return NULL;
  int64_t os[2];
  if (pv_resize_output_size(g.h, g.w, r->n_size, r->size, r->max_size, os))
    return NULL;
  if (os[0] == g.h && os[1] == g.w)
    return NULL; /* resize is a no-op: the unfused path is already cheap */
  if (c->size[0] > os[0] || c->size[1] > os[1])
    return NULL; /* padding crops go the generic way */
  float mean[PV__TF_MAX_CH], std[PV__TF_MAX_CH];
  if (g.c > PV__TF_MAX_CH)
    return NULL;
  for (int64_t i = 0; i < g.c; i++) {
    mean[i] = nm->mean[nm->n_mean == 1 ? 0 : i];
    std[i] = nm->std[nm->n_mean == 1 ? 0 : i];
    if (std[i] == 0.0f)
      return NULL; /* let normalize report it */
  }
  *handled = 1;
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  pv_tensor *out = pv__tf_alloc_like(src, PV_F32, c->size[0], c->size[1]);
  if (!out) {
    pv_tensor_release(src);
    return NULL;
  }
  int64_t images = g.planes / g.c;
  const uint8_t *base = pv_tensor_data(src);
  float *dst = pv_tensor_data(out);
  int rc = 0;
  for (int64_t b = 0; b < images && !rc; b++)
    rc = pv__preprocess_u8(base + b * g.c * g.h * g.w, g.h, g.w, (int)g.c,
                           g.h * g.w, g.w, 1, os[0], os[1], c->size[0],
                           c->size[1], r->interp, r->antialias, v2, mean, std,
                           dst + b * g.c * c->size[0] * c->size[1]);
  pv_tensor_release(src);
  if (rc) {
    pv_tensor_release(out);
    return NULL;
  }
  return out;
}

static _Thread_local pv_rng t_rng;
static _Thread_local int t_rng_init;

pv_tensor *pv_pipeline_run(const pv_pipeline *p, pv_tensor *img) {
  if (!t_rng_init) {
    const char *s = getenv("POLYVIS_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 10)
                      : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&t_rng;
    pv_rng_seed(&t_rng, seed);
    t_rng_init = 1;
  }
  return pv_pipeline_run_rng(p, img, &t_rng);
}

pv_tensor *pv_pipeline_run_rng(const pv_pipeline *p, pv_tensor *img,
                               pv_rng *rng) {
  if (!p || !img || !rng) {
    pv_set_error(PV_ERR_INVALID_ARG, "pipeline: NULL argument");
    return NULL;
  }
  pv_tensor *cur = pv_tensor_retain(img);
  for (int i = 0; i < p->n; i++) {
    int handled = 0;
    pv_tensor *next = NULL;
    if (!getenv("POLYVIS_NO_FUSE"))
      next = try_fused(p->ops + i, p->n - i, cur, &handled);
    if (handled)
      i += 3;
    else
      next = pv__tf_apply(&p->ops[i], cur, rng);
    pv_tensor_release(cur);
    if (!next)
      return NULL;
    cur = next;
  }
  return cur;
}

/* --- describe ------------------------------------------------------------ */

typedef struct sbuf {
  char *buf;
  size_t size, len;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *dst = b->len < b->size ? b->buf + b->len : NULL;
  size_t room = b->len < b->size ? b->size - b->len : 0;
  int n = vsnprintf(dst, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    b->len += (size_t)n;
}

/* Shortest %g spelling that reads back as the same float. */
static void sb_float(sbuf *b, float v) {
  char tmp[32];
  for (int prec = 6; prec <= 9; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, (double)v);
    if (strtof(tmp, NULL) == v)
      break;
  }
  sb_printf(b, "%s", tmp);
}

static const char *interp_name(int m) {
  static const char *n[] = {"nearest", "nearest_exact", "bilinear", "bicubic"};
  return m >= 0 && m < 4 ? n[m] : "?";
}

static void sb_size(sbuf *b, int n, const int64_t *s) {
  if (n == 1)
    sb_printf(b, "%lld", (long long)s[0]);
  else
    sb_printf(b, "[%lld, %lld]", (long long)s[0], (long long)s[1]);
}

int pv_pipeline_describe(const pv_pipeline *p, char *buf, size_t size) {
  sbuf b = {buf, size, 0};
  if (buf && size)
    buf[0] = 0;
  if (!p)
    return 0;
  for (int i = 0; i < p->n; i++) {
    const pv__tf_op *o = &p->ops[i];
    if (i)
      sb_printf(&b, " | ");
    sb_printf(&b, "%s", pv__tf_kind_name(o->kind));
    switch (o->kind) {
    case PV__TF_RESIZE:
      sb_printf(&b, "(");
      if (o->n_size)
        sb_size(&b, o->n_size, o->size);
      else
        sb_printf(&b, "none");
      sb_printf(&b, ", %s, max_size=", interp_name(o->interp));
      if (o->max_size)
        sb_printf(&b, "%lld", (long long)o->max_size);
      else
        sb_printf(&b, "none");
      sb_printf(&b, ", antialias=%s)", o->antialias ? "true" : "false");
      break;
    case PV__TF_CENTER_CROP:
      sb_printf(&b, "([%lld, %lld])", (long long)o->size[0],
                (long long)o->size[1]);
      break;
    case PV__TF_CROP:
      sb_printf(&b, "(%lld, %lld, %lld, %lld)", (long long)o->top,
                (long long)o->left, (long long)o->height, (long long)o->width);
      break;
    case PV__TF_RESIZED_CROP:
      sb_printf(&b, "(%lld, %lld, %lld, %lld, ", (long long)o->top,
                (long long)o->left, (long long)o->height, (long long)o->width);
      sb_size(&b, o->n_size, o->size);
      sb_printf(&b, ", %s, antialias=%s)", interp_name(o->interp),
                o->antialias ? "true" : "false");
      break;
    case PV__TF_PAD: {
      static const char *m[] = {"constant", "edge", "reflect", "symmetric"};
      sb_printf(&b, "([%lld, %lld, %lld, %lld], fill=%.17g, padding_mode=%s)",
                (long long)o->pad[0], (long long)o->pad[1],
                (long long)o->pad[2], (long long)o->pad[3], o->fill,
                m[o->pad_mode & 3]);
      break;
    }
    case PV__TF_NORMALIZE:
      sb_printf(&b, "(mean=[");
      for (int k = 0; k < o->n_mean; k++) {
        sb_printf(&b, "%s", k ? ", " : "");
        sb_float(&b, o->mean[k]);
      }
      sb_printf(&b, "], std=[");
      for (int k = 0; k < o->n_mean; k++) {
        sb_printf(&b, "%s", k ? ", " : "");
        sb_float(&b, o->std[k]);
      }
      sb_printf(&b, "])");
      break;
    case PV__TF_TO_DTYPE:
      sb_printf(&b, "(%s, scale=%s)", pv_dtype_name((pv_dtype)o->dtype),
                o->scale ? "true" : "false");
      break;
    case PV__TF_CONVERT_IMAGE_DTYPE:
      sb_printf(&b, "(%s)", pv_dtype_name((pv_dtype)o->dtype));
      break;
    case PV__TF_GRAYSCALE:
    case PV__TF_POSTERIZE:
      sb_printf(&b, "(%lld)", (long long)o->i0);
      break;
    case PV__TF_GAMMA:
      sb_printf(&b, "(%.17g, gain=%.17g)", o->f0, o->f1);
      break;
    case PV__TF_BRIGHTNESS:
    case PV__TF_CONTRAST:
    case PV__TF_SATURATION:
    case PV__TF_HUE:
    case PV__TF_SHARPNESS:
    case PV__TF_SOLARIZE:
      sb_printf(&b, "(%.17g)", o->f0);
      break;
    case PV__TF_GAUSSIAN_BLUR:
    case PV__TF_RANDOM_GAUSSIAN_BLUR:
      sb_printf(&b, "(");
      sb_size(&b, o->n_size, o->size);
      if (o->kind == PV__TF_RANDOM_GAUSSIAN_BLUR || o->sigma[0] > 0)
        sb_printf(&b, ", sigma=[%.17g, %.17g])", o->sigma[0], o->sigma[1]);
      else
        sb_printf(&b, ")");
      break;
    case PV__TF_ERASE:
      sb_printf(&b, "(%lld, %lld, %lld, %lld, [", (long long)o->top,
                (long long)o->left, (long long)o->height, (long long)o->width);
      for (int k = 0; k < o->n_value; k++) {
        sb_printf(&b, "%s", k ? ", " : "");
        sb_float(&b, o->value[k]);
      }
      sb_printf(&b, "])");
      break;
    case PV__TF_RANDOM_HFLIP:
    case PV__TF_RANDOM_VFLIP:
    case PV__TF_RANDOM_INVERT:
    case PV__TF_RANDOM_AUTOCONTRAST:
    case PV__TF_RANDOM_EQUALIZE:
    case PV__TF_RANDOM_GRAYSCALE:
      sb_printf(&b, "(p=%.17g)", o->p);
      break;
    case PV__TF_RANDOM_POSTERIZE:
      sb_printf(&b, "(%lld, p=%.17g)", (long long)o->i0, o->p);
      break;
    case PV__TF_RANDOM_SOLARIZE:
    case PV__TF_RANDOM_ADJUST_SHARPNESS:
      sb_printf(&b, "(%.17g, p=%.17g)", o->f0, o->p);
      break;
    case PV__TF_RANDOM_RESIZED_CROP:
      sb_printf(&b, "(");
      sb_size(&b, o->n_size, o->size);
      sb_printf(
          &b,
          ", scale=[%.17g, %.17g], ratio=[%.17g, %.17g], interpolation=%s, "
          "antialias=%s)",
          o->scale_r[0], o->scale_r[1], o->ratio_r[0], o->ratio_r[1],
          interp_name(o->interp), o->antialias ? "true" : "false");
      break;
    case PV__TF_RANDOM_CROP: {
      static const char *m[] = {"constant", "edge", "reflect", "symmetric"};
      sb_printf(&b, "(");
      sb_size(&b, o->n_size, o->size);
      if (o->has_pad)
        sb_printf(&b, ", padding=[%lld, %lld, %lld, %lld]",
                  (long long)o->pad[0], (long long)o->pad[1],
                  (long long)o->pad[2], (long long)o->pad[3]);
      sb_printf(&b, ", pad_if_needed=%s, fill=%.17g, padding_mode=%s)",
                o->pad_if_needed ? "true" : "false", o->fill,
                m[o->pad_mode & 3]);
      break;
    }
    case PV__TF_COLOR_JITTER: {
      static const char *nm[] = {"brightness", "contrast", "saturation", "hue"};
      sb_printf(&b, "(");
      int first = 1;
      for (int k = 0; k < 4; k++)
        if (o->jit_on[k]) {
          sb_printf(&b, "%s%s=[%.17g, %.17g]", first ? "" : ", ", nm[k],
                    o->jit[k][0], o->jit[k][1]);
          first = 0;
        }
      sb_printf(&b, ")");
      break;
    }
    case PV__TF_RANDOM_ERASING:
      sb_printf(&b,
                "(p=%.17g, scale=[%.17g, %.17g], ratio=[%.17g, %.17g], "
                "value=[",
                o->p, o->scale_r[0], o->scale_r[1], o->ratio_r[0],
                o->ratio_r[1]);
      for (int k = 0; k < o->n_value; k++) {
        sb_printf(&b, "%s", k ? ", " : "");
        sb_float(&b, o->value[k]);
      }
      sb_printf(&b, "])");
      break;
    case PV__TF_AUGMENT_OP:
      sb_printf(&b, "(%s, %.17g, interpolation=%s", o->name, o->f0,
                interp_name(o->interp));
      goto warp_tail;
    case PV__TF_AUTO_AUGMENT: {
      static const char *pol[] = {"imagenet", "cifar10", "svhn"};
      sb_printf(&b, "(%s, interpolation=%s", pol[o->ints[0] % 3],
                interp_name(o->interp));
      goto warp_tail;
    }
    case PV__TF_RAND_AUGMENT:
      sb_printf(&b, "(%lld, %lld, %lld, interpolation=%s",
                (long long)o->ints[0], (long long)o->ints[1],
                (long long)o->ints[2], interp_name(o->interp));
      goto warp_tail;
    case PV__TF_TRIVIAL_AUGMENT_WIDE:
      sb_printf(&b, "(%lld, interpolation=%s", (long long)o->ints[2],
                interp_name(o->interp));
      goto warp_tail;
    case PV__TF_RANDOM_ELASTIC:
      sb_printf(&b, "([%.17g, %.17g], [%.17g, %.17g], interpolation=%s",
                o->translate[0], o->translate[1], o->sigma[0], o->sigma[1],
                interp_name(o->interp));
      goto warp_tail;
    case PV__TF_AUGMIX:
      sb_printf(&b, "(%lld, %lld, %lld, %.17g, all_ops=%s, interpolation=%s",
                (long long)o->ints[0], (long long)o->ints[1],
                (long long)o->ints[2], o->f0, o->scale ? "true" : "false",
                interp_name(o->interp));
      goto warp_tail;
    case PV__TF_AFFINE:
    case PV__TF_RANDOM_AFFINE:
      if (o->kind == PV__TF_AFFINE)
        sb_printf(&b, "(%.17g, [%.17g, %.17g], %.17g, [%.17g, %.17g]", o->f0,
                  o->translate[0], o->translate[1], o->f1, o->shear[0],
                  o->n_shear >= 2 ? o->shear[1] : 0.0);
      else {
        sb_printf(&b, "([%.17g, %.17g]", o->degrees[0], o->degrees[1]);
        if (o->has_translate)
          sb_printf(&b, ", translate=[%.17g, %.17g]", o->translate[0],
                    o->translate[1]);
        if (o->has_scale)
          sb_printf(&b, ", scale=[%.17g, %.17g]", o->scale_r[0], o->scale_r[1]);
        if (o->n_shear) {
          sb_printf(&b, ", shear=[");
          for (int k = 0; k < o->n_shear; k++)
            sb_printf(&b, "%s%.17g", k ? ", " : "", o->shear[k]);
          sb_printf(&b, "]");
        }
      }
      sb_printf(&b, ", interpolation=%s", interp_name(o->interp));
      goto warp_tail;
    case PV__TF_ROTATE:
    case PV__TF_RANDOM_ROTATION:
      if (o->kind == PV__TF_ROTATE)
        sb_printf(&b, "(%.17g", o->f0);
      else
        sb_printf(&b, "([%.17g, %.17g]", o->degrees[0], o->degrees[1]);
      sb_printf(&b, ", interpolation=%s, expand=%s", interp_name(o->interp),
                o->expand ? "true" : "false");
      goto warp_tail;
    case PV__TF_PERSPECTIVE:
    case PV__TF_RANDOM_PERSPECTIVE:
      if (o->kind == PV__TF_PERSPECTIVE) {
        sb_printf(&b, "([");
        for (int k = 0; k < 16; k++)
          sb_printf(&b, "%s%.17g", k == 8 ? "], [" : (k ? ", " : ""),
                    o->pts[k]);
        sb_printf(&b, "]");
      } else
        sb_printf(&b, "(%.17g, p=%.17g", o->f0, o->p);
      sb_printf(&b, ", interpolation=%s", interp_name(o->interp));
    warp_tail:
      if (o->has_center)
        sb_printf(&b, ", center=[%.17g, %.17g]", o->center[0], o->center[1]);
      if (o->has_fill) {
        sb_printf(&b, ", fill=[");
        for (int k = 0; k < o->n_value; k++) {
          sb_printf(&b, "%s", k ? ", " : "");
          sb_float(&b, o->value[k]);
        }
        sb_printf(&b, "]");
      } else
        sb_printf(&b, ", fill=none");
      sb_printf(&b, ")");
      break;
    default:
      break;
    }
  }
  return (int)b.len;
}

/* --- presets ------------------------------------------------------------- */

static const float k_mean[3] = {0.485f, 0.456f, 0.406f};
static const float k_std[3] = {0.229f, 0.224f, 0.225f};

static void set_norm(pv__tf_op *o, const float *mean, const float *std) {
  o->kind = PV__TF_NORMALIZE;
  o->n_mean = 3;
  memcpy(o->mean, mean ? mean : k_mean, sizeof k_mean);
  memcpy(o->std, std ? std : k_std, sizeof k_std);
}

pv_pipeline *pv_preset_image_classification(int64_t resize_size,
                                            int64_t crop_size,
                                            const float *mean, const float *std,
                                            int interpolation, int antialias) {
  if (resize_size <= 0 || crop_size <= 0) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "ImageClassification: resize_size %lld and crop_size %lld "
                 "must be positive",
                 (long long)resize_size, (long long)crop_size);
    return NULL;
  }
  pv__tf_op o[4];
  memset(o, 0, sizeof o);
  o[0].kind = PV__TF_RESIZE;
  o[0].n_size = 1;
  o[0].size[0] = resize_size;
  o[0].interp = interpolation;
  o[0].antialias = antialias;
  o[1].kind = PV__TF_CENTER_CROP;
  o[1].n_size = 2;
  o[1].size[0] = o[1].size[1] = crop_size;
  o[2].kind = PV__TF_CONVERT_IMAGE_DTYPE;
  o[2].dtype = PV_F32;
  o[2].scale = 1;
  set_norm(&o[3], mean, std);
  return pv__pipeline_new(o, 4);
}

pv_pipeline *pv_preset_semantic_segmentation(int64_t resize_size,
                                             const float *mean,
                                             const float *std,
                                             int interpolation, int antialias) {
  pv__tf_op o[3];
  memset(o, 0, sizeof o);
  int n = 0;
  if (resize_size > 0) {
    o[n].kind = PV__TF_RESIZE;
    o[n].n_size = 1;
    o[n].size[0] = resize_size;
    o[n].interp = interpolation;
    o[n].antialias = antialias;
    n++;
  }
  o[n].kind = PV__TF_CONVERT_IMAGE_DTYPE;
  o[n].dtype = PV_F32;
  o[n].scale = 1;
  n++;
  set_norm(&o[n++], mean, std);
  return pv__pipeline_new(o, n);
}

pv_pipeline *pv_preset_object_detection(void) {
  pv__tf_op o;
  memset(&o, 0, sizeof o);
  o.kind = PV__TF_CONVERT_IMAGE_DTYPE;
  o.dtype = PV_F32;
  o.scale = 1;
  return pv__pipeline_new(&o, 1);
}
