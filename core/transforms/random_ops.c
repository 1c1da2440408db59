/* The random transforms of a pipeline: each samples its parameters once per
 * call (for the whole batch) with torchvision's formulas, then applies the
 * deterministic op. */
#include "pipeline_internal.h"

static pv_tensor *maybe(pv_rng *rng, double p, pv_tensor *img,
                        pv_tensor *(*fn)(pv_tensor *)) {
  if (pv_rng_uniform(rng, 0, 1) < p)
    return fn(img);
  return pv_tensor_retain(img);
}

static pv_tensor *random_crop(const pv__tf_op *o, pv_tensor *img, pv_rng *rng) {
  pv_tensor *cur = pv_tensor_retain(img);
  if (o->has_pad) {
    pv_tensor *n = pv_pad_image(cur, o->pad, o->pad_mode, o->fill);
    pv_tensor_release(cur);
    if (!(cur = n))
      return NULL;
  }
  int64_t th = o->size[0], tw = o->n_size == 1 ? o->size[0] : o->size[1];
  int nd = pv_tensor_ndim(cur);
  if (nd < 2) {
    pv_tensor_release(cur);
    pv_set_error(PV_ERR_SHAPE, "random_crop: image needs 2+ dims");
    return NULL;
  }
  int64_t h = pv_tensor_shape(cur)[nd - 2], w = pv_tensor_shape(cur)[nd - 1];
  if (o->pad_if_needed && w < tw) {
    int64_t pad[4] = {tw - w, 0, tw - w, 0};
    pv_tensor *n = pv_pad_image(cur, pad, o->pad_mode, o->fill);
    pv_tensor_release(cur);
    if (!(cur = n))
      return NULL;
  }
  if (o->pad_if_needed && h < th) {
    int64_t pad[4] = {0, th - h, 0, th - h};
    pv_tensor *n = pv_pad_image(cur, pad, o->pad_mode, o->fill);
    pv_tensor_release(cur);
    if (!(cur = n))
      return NULL;
  }
  h = pv_tensor_shape(cur)[nd - 2];
  w = pv_tensor_shape(cur)[nd - 1];
  int64_t ij[2];
  pv_tensor *out = NULL;
  if (!pv_random_crop_params(rng, h, w, th, tw, ij))
    out = pv_crop(cur, ij[0], ij[1], th, tw);
  pv_tensor_release(cur);
  return out;
}

static pv_tensor *color_jitter(const pv__tf_op *o, pv_tensor *img,
                               pv_rng *rng) {
  int order[4];
  double f[4];
  pv_color_jitter_params(rng, o->jit_on[0] ? o->jit[0] : NULL,
                         o->jit_on[1] ? o->jit[1] : NULL,
                         o->jit_on[2] ? o->jit[2] : NULL,
                         o->jit_on[3] ? o->jit[3] : NULL, order, f);
  pv_tensor *cur = pv_tensor_retain(img);
  for (int k = 0; k < 4 && cur; k++) {
    int id = order[k];
    if (!o->jit_on[id])
      continue;
    pv_tensor *n = id == 0   ? pv_adjust_brightness(cur, f[id])
                   : id == 1 ? pv_adjust_contrast(cur, f[id])
                   : id == 2 ? pv_adjust_saturation(cur, f[id])
                             : pv_adjust_hue(cur, f[id]);
    pv_tensor_release(cur);
    cur = n;
  }
  return cur;
}

/* ElasticTransform: dx, dy ~ U(-1, 1) per pixel, blurred with a
 * k = int(8 sigma + 1) (made odd) gaussian, scaled by alpha / size. */
static pv_tensor *random_elastic(const pv__tf_op *o, pv_tensor *img,
                                 pv_rng *rng) {
  int nd = pv_tensor_ndim(img);
  if (nd < 3) {
    pv_set_error(PV_ERR_SHAPE, "elastic_transform: image needs 3+ dims");
    return NULL;
  }
  int64_t h = pv_tensor_shape(img)[nd - 2], w = pv_tensor_shape(img)[nd - 1];
  int64_t shape[4] = {1, 1, h, w};
  pv_tensor *d[2] = {NULL, NULL};
  for (int a = 0; a < 2; a++) {
    pv_tensor *t = pv_tensor_create(PV_F32, 4, shape);
    if (!t)
      goto fail;
    float *p = pv_tensor_data(t);
    for (int64_t i = 0; i < h * w; i++)
      p[i] = (float)pv_rng_uniform(rng, 0, 1) * 2.0f - 1.0f;
    if (o->sigma[a] > 0.0) {
      int64_t k = (int64_t)(8 * o->sigma[a] + 1);
      if (k % 2 == 0)
        k++;
      int64_t ks[2] = {k, k};
      pv_tensor *b = pv_gaussian_blur(t, ks, o->sigma);
      pv_tensor_release(t);
      if (!(t = b))
        goto fail;
    }
    float *q = pv_tensor_data(t);
    float scale = (float)o->translate[a];
    float size = (float)(a == 0 ? h : w);
    for (int64_t i = 0; i < h * w; i++)
      q[i] = q[i] * scale / size;
    d[a] = t;
  }
  int64_t dshape[4] = {1, h, w, 2};
  pv_tensor *disp = pv_tensor_create(PV_F32, 4, dshape);
  if (!disp)
    goto fail;
  float *dd = pv_tensor_data(disp);
  const float *dx = pv_tensor_data(d[0]), *dy = pv_tensor_data(d[1]);
  for (int64_t i = 0; i < h * w; i++) {
    dd[2 * i] = dx[i];
    dd[2 * i + 1] = dy[i];
  }
  pv_tensor *out = pv_elastic_transform(
      img, disp, o->interp, o->has_fill ? o->value : NULL, o->n_value);
  pv_tensor_release(disp);
  pv_tensor_release(d[0]);
  pv_tensor_release(d[1]);
  return out;
fail:
  pv_tensor_release(d[0]);
  pv_tensor_release(d[1]);
  return NULL;
}

pv_tensor *pv__tf_apply_random(const pv__tf_op *o, pv_tensor *img,
                               pv_rng *rng) {
  switch (o->kind) {
  case PV__TF_RANDOM_HFLIP:
    return maybe(rng, o->p, img, pv_hflip);
  case PV__TF_RANDOM_VFLIP:
    return maybe(rng, o->p, img, pv_vflip);
  case PV__TF_RANDOM_INVERT:
    return maybe(rng, o->p, img, pv_invert);
  case PV__TF_RANDOM_AUTOCONTRAST:
    return maybe(rng, o->p, img, pv_autocontrast);
  case PV__TF_RANDOM_EQUALIZE:
    return maybe(rng, o->p, img, pv_equalize);
  case PV__TF_RANDOM_POSTERIZE:
    return pv_rng_uniform(rng, 0, 1) < o->p ? pv_posterize(img, (int)o->i0)
                                            : pv_tensor_retain(img);
  case PV__TF_RANDOM_SOLARIZE:
    return pv_rng_uniform(rng, 0, 1) < o->p ? pv_solarize(img, o->f0)
                                            : pv_tensor_retain(img);
  case PV__TF_RANDOM_ADJUST_SHARPNESS:
    return pv_rng_uniform(rng, 0, 1) < o->p ? pv_adjust_sharpness(img, o->f0)
                                            : pv_tensor_retain(img);
  case PV__TF_RANDOM_GRAYSCALE: {
    int nd = pv_tensor_ndim(img);
    int c = nd >= 3 ? (int)pv_tensor_shape(img)[nd - 3] : 1;
    return pv_rng_uniform(rng, 0, 1) < o->p ? pv_rgb_to_grayscale(img, c)
                                            : pv_tensor_retain(img);
  }
  case PV__TF_RANDOM_RESIZED_CROP: {
    int nd = pv_tensor_ndim(img);
    if (nd < 2) {
      pv_set_error(PV_ERR_SHAPE, "random_resized_crop: image needs 2+ dims");
      return NULL;
    }
    int64_t box[4];
    pv_random_resized_crop_params(rng, pv_tensor_shape(img)[nd - 2],
                                  pv_tensor_shape(img)[nd - 1], o->scale_r,
                                  o->ratio_r, box);
    int64_t size[2] = {o->size[0], o->n_size == 1 ? o->size[0] : o->size[1]};
    return pv_resized_crop(img, box[0], box[1], box[2], box[3], 2, size,
                           o->interp, o->antialias);
  }
  case PV__TF_RANDOM_CROP:
    return random_crop(o, img, rng);
  case PV__TF_COLOR_JITTER:
    return color_jitter(o, img, rng);
  case PV__TF_RANDOM_GAUSSIAN_BLUR: {
    double s = pv_rng_uniform(rng, o->sigma[0], o->sigma[1]);
    double sig[2] = {s, s};
    int64_t k[2] = {o->size[0], o->n_size == 1 ? o->size[0] : o->size[1]};
    return pv_gaussian_blur(img, k, sig);
  }
  case PV__TF_RANDOM_ERASING: {
    if (!(pv_rng_uniform(rng, 0, 1) < o->p))
      return pv_tensor_retain(img);
    int nd = pv_tensor_ndim(img);
    if (nd < 3) {
      pv_set_error(PV_ERR_SHAPE, "random_erasing: image needs 3+ dims");
      return NULL;
    }
    int64_t box[4];
    if (!pv_random_erasing_params(rng, pv_tensor_shape(img)[nd - 2],
                                  pv_tensor_shape(img)[nd - 1], o->scale_r,
                                  o->ratio_r, box))
      return pv_tensor_retain(img);
    return pv_erase(img, box[0], box[1], box[2], box[3], o->value, o->n_value);
  }
  case PV__TF_RANDOM_ROTATION: {
    double angle = pv_rng_uniform(rng, o->degrees[0], o->degrees[1]);
    return pv_rotate(img, angle, o->interp, o->expand,
                     o->has_center ? o->center : NULL,
                     o->has_fill ? o->value : NULL, o->n_value);
  }
  case PV__TF_RANDOM_AFFINE: {
    int nd = pv_tensor_ndim(img);
    if (nd < 3) {
      pv_set_error(PV_ERR_SHAPE, "random_affine: image needs 3+ dims");
      return NULL;
    }
    double sh[4] = {0, 0, 0, 0};
    int nsh = 0;
    if (o->n_shear == 1) {
      sh[0] = -fabs(o->shear[0]);
      sh[1] = fabs(o->shear[0]);
      nsh = 2;
    } else if (o->n_shear >= 2) {
      memcpy(sh, o->shear, sizeof sh);
      nsh = o->n_shear;
    }
    double prm[6];
    pv_random_affine_params(
        rng, o->degrees, o->has_translate ? o->translate : NULL,
        o->has_scale ? o->scale_r : NULL, nsh ? sh : NULL, nsh,
        pv_tensor_shape(img)[nd - 1], pv_tensor_shape(img)[nd - 2], prm);
    double tr[2] = {prm[1], prm[2]}, shear[2] = {prm[4], prm[5]};
    return pv_affine(img, prm[0], tr, prm[3], shear, o->interp,
                     o->has_fill ? o->value : NULL, o->n_value,
                     o->has_center ? o->center : NULL);
  }
  case PV__TF_RANDOM_PERSPECTIVE: {
    if (!(pv_rng_uniform(rng, 0, 1) < o->p))
      return pv_tensor_retain(img);
    int nd = pv_tensor_ndim(img);
    if (nd < 3) {
      pv_set_error(PV_ERR_SHAPE, "random_perspective: image needs 3+ dims");
      return NULL;
    }
    double st[8], en[8];
    pv_random_perspective_params(rng, pv_tensor_shape(img)[nd - 1],
                                 pv_tensor_shape(img)[nd - 2], o->f0, st, en);
    return pv_perspective(img, st, en, o->interp, o->has_fill ? o->value : NULL,
                          o->n_value);
  }
  case PV__TF_AUTO_AUGMENT:
    return pv_auto_augment(img, rng, (int)o->ints[0], o->interp,
                           o->has_fill ? o->value : NULL, o->n_value);
  case PV__TF_RAND_AUGMENT:
    return pv_rand_augment(img, rng, (int)o->ints[0], (int)o->ints[1],
                           (int)o->ints[2], o->interp,
                           o->has_fill ? o->value : NULL, o->n_value);
  case PV__TF_TRIVIAL_AUGMENT_WIDE:
    return pv_trivial_augment_wide(img, rng, (int)o->ints[2], o->interp,
                                   o->has_fill ? o->value : NULL, o->n_value);
  case PV__TF_AUGMIX:
    return pv_augmix(img, rng, (int)o->ints[0], (int)o->ints[1],
                     (int)o->ints[2], o->f0, o->scale, o->interp,
                     o->has_fill ? o->value : NULL, o->n_value);
  case PV__TF_RANDOM_ELASTIC:
    return random_elastic(o, img, rng);
  default:
    pv_set_error(PV_ERR_INTERNAL, "pipeline: op kind %d is not random",
                 o->kind);
    return NULL;
  }
}
