/* Colour / photometric ops, following torchvision's tensor formulas
 * operation by operation in float32 (what torch computes for uint8 inputs
 * promoted by Python-float factors), then truncating (.to(dtype)) or
 * rounding exactly where torchvision does. float16 images are computed in
 * float32 and rounded once at the end (torch rounds every intermediate to
 * half; expect differences of an f16 ulp there). */
#include "tf_internal.h"

/* A whole image tensor loaded as float32, with its geometry. */
typedef struct fimg {
  pv_tensor *src;
  float *f;
  pv__img g;
  int64_t n;
  float bound;
} fimg;

static int fimg_load(pv_tensor *img, const char *op, int channels_13,
                     fimg *fi) {
  memset(fi, 0, sizeof *fi);
  if (pv__tf_check(img, op, 3, &fi->g))
    return pv_last_status();
  if (channels_13 && fi->g.c != 1 && fi->g.c != 3)
    return pv_set_error(PV_ERR_SHAPE,
                        "%s: input image tensor permitted channel values are "
                        "1 or 3, but found %lld",
                        op, (long long)fi->g.c);
  fi->src = pv_tensor_contiguous(img);
  if (!fi->src)
    return pv_last_status();
  fi->n = pv_tensor_numel(fi->src);
  fi->f = malloc(sizeof(float) * (size_t)(fi->n ? fi->n : 1));
  if (!fi->f) {
    pv_tensor_release(fi->src);
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", op);
  }
  pv__tf_load_f32(fi->f, pv_tensor_data(fi->src), fi->src->dtype, fi->n);
  fi->bound = (float)pv__tf_max_value(fi->src->dtype);
  return 0;
}

static void fimg_free(fimg *fi) {
  free(fi->f);
  pv_tensor_release(fi->src);
}

/* Writes fi->f (same shape) to a new tensor; trunc = torch .to() after
 * clamping to [0, bound]. */
static pv_tensor *fimg_store(fimg *fi, int trunc) {
  pv_tensor *out =
      pv__tensor_alloc(fi->src->dtype, fi->src->ndim, fi->src->shape, false);
  if (out) {
    if (trunc)
      pv__tf_store_trunc(pv_tensor_data(out), out->dtype, fi->f, fi->n);
    else
      pv__tf_store_round(pv_tensor_data(out), out->dtype, fi->f, fi->n);
  }
  fimg_free(fi);
  return out;
}

static inline float clampf(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Gray plane of image b (C == 3): 0.2989 r + 0.587 g + 0.114 b in float,
 * truncated for integer dtypes. */
static void gray_plane(const fimg *fi, int64_t b, float *out) {
  int64_t hw = fi->g.h * fi->g.w;
  const float *r = fi->f + b * 3 * hw, *g = r + hw, *bl = g + hw;
  int isint = !pv__tf_is_float(fi->src->dtype);
  for (int64_t i = 0; i < hw; i++) {
    float v = 0.2989f * r[i] + 0.587f * g[i] + 0.114f * bl[i];
    if (isint)
      v = truncf(v);
    out[i] = v;
  }
}

/* ratio * a + (1 - ratio) * b, as torch's _blend computes it (clamp and
 * cast happen at store time). */
static inline float blend(float a, float b, float ratio, float inv) {
  return ratio * a + inv * b;
}

pv_tensor *pv_rgb_to_grayscale(pv_tensor *img, int num_output_channels) {
  fimg fi;
  if (num_output_channels != 1 && num_output_channels != 3) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "rgb_to_grayscale: num_output_channels should be either 1 "
                 "or 3, got %d",
                 num_output_channels);
    return NULL;
  }
  if (fimg_load(img, "rgb_to_grayscale", 1, &fi))
    return NULL;
  int64_t hw = fi.g.h * fi.g.w, images = fi.g.planes / fi.g.c;
  int64_t shape[PV_MAX_DIMS];
  memcpy(shape, fi.src->shape, sizeof(int64_t) * (size_t)fi.src->ndim);
  shape[fi.src->ndim - 3] = num_output_channels;
  pv_tensor *out = pv__tensor_alloc(fi.src->dtype, fi.src->ndim, shape, false);
  float *gbuf = malloc(sizeof(float) * (size_t)(hw ? hw : 1));
  if (out && gbuf) {
    size_t es = pv_dtype_size(out->dtype);
    uint8_t *o = pv_tensor_data(out);
    for (int64_t b = 0; b < images; b++) {
      if (fi.g.c == 3)
        gray_plane(&fi, b, gbuf);
      else
        memcpy(gbuf, fi.f + b * hw, sizeof(float) * (size_t)hw);
      for (int k = 0; k < num_output_channels; k++)
        pv__tf_store_round(o + (size_t)((b * num_output_channels + k) * hw) *
                                   es,
                           out->dtype, gbuf, hw);
    }
  } else if (out) {
    pv_set_error(PV_ERR_NOMEM, "rgb_to_grayscale: out of memory");
    pv_tensor_release(out);
    out = NULL;
  }
  free(gbuf);
  fimg_free(&fi);
  return out;
}

static int check_factor(double f, const char *op, const char *name) {
  if (!(f >= 0) || !isfinite(f))
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: %s (%g) is not non-negative",
                        op, name, f);
  return 0;
}

pv_tensor *pv_adjust_brightness(pv_tensor *img, double factor) {
  fimg fi;
  if (check_factor(factor, "adjust_brightness", "brightness_factor") ||
      fimg_load(img, "adjust_brightness", 1, &fi))
    return NULL;
  float r = (float)factor, inv = (float)(1.0 - factor);
  for (int64_t i = 0; i < fi.n; i++)
    fi.f[i] = clampf(blend(fi.f[i], 0.0f, r, inv), 0.0f, fi.bound);
  return fimg_store(&fi, 1);
}

pv_tensor *pv_adjust_contrast(pv_tensor *img, double factor) {
  fimg fi;
  if (check_factor(factor, "adjust_contrast", "contrast_factor") ||
      fimg_load(img, "adjust_contrast", 1, &fi))
    return NULL;
  int64_t hw = fi.g.h * fi.g.w, images = fi.g.planes / fi.g.c;
  float *gbuf = malloc(sizeof(float) * (size_t)(hw ? hw : 1));
  if (!gbuf) {
    fimg_free(&fi);
    pv_set_error(PV_ERR_NOMEM, "adjust_contrast: out of memory");
    return NULL;
  }
  float r = (float)factor, inv = (float)(1.0 - factor);
  for (int64_t b = 0; b < images; b++) {
    double sum = 0;
    if (fi.g.c == 3) {
      gray_plane(&fi, b, gbuf);
      for (int64_t i = 0; i < hw; i++)
        sum += gbuf[i];
    } else {
      for (int64_t i = 0; i < hw; i++)
        sum += fi.f[b * hw + i];
    }
    float mean = (float)((float)sum / (float)hw);
    float *p = fi.f + b * fi.g.c * hw;
    for (int64_t i = 0; i < fi.g.c * hw; i++)
      p[i] = clampf(blend(p[i], mean, r, inv), 0.0f, fi.bound);
  }
  free(gbuf);
  return fimg_store(&fi, 1);
}

pv_tensor *pv_adjust_saturation(pv_tensor *img, double factor) {
  fimg fi;
  if (check_factor(factor, "adjust_saturation", "saturation_factor") ||
      fimg_load(img, "adjust_saturation", 1, &fi))
    return NULL;
  if (fi.g.c == 1) {
    fimg_free(&fi);
    return pv_tensor_retain(img);
  }
  int64_t hw = fi.g.h * fi.g.w, images = fi.g.planes / 3;
  float *gbuf = malloc(sizeof(float) * (size_t)(hw ? hw : 1));
  if (!gbuf) {
    fimg_free(&fi);
    pv_set_error(PV_ERR_NOMEM, "adjust_saturation: out of memory");
    return NULL;
  }
  float r = (float)factor, inv = (float)(1.0 - factor);
  for (int64_t b = 0; b < images; b++) {
    gray_plane(&fi, b, gbuf);
    for (int k = 0; k < 3; k++) {
      float *p = fi.f + (b * 3 + k) * hw;
      for (int64_t i = 0; i < hw; i++)
        p[i] = clampf(blend(p[i], gbuf[i], r, inv), 0.0f, fi.bound);
    }
  }
  free(gbuf);
  return fimg_store(&fi, 1);
}

static inline float torch_remainder(float a, float b) {
  float m = fmodf(a, b);
  if (m != 0 && ((b < 0) != (m < 0)))
    m += b;
  return m;
}

pv_tensor *pv_adjust_hue(pv_tensor *img, double hue_factor) {
  if (!(hue_factor >= -0.5 && hue_factor <= 0.5)) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "adjust_hue: hue_factor (%g) is not in [-0.5, 0.5]",
                 hue_factor);
    return NULL;
  }
  fimg fi;
  if (fimg_load(img, "adjust_hue", 1, &fi))
    return NULL;
  if (fi.g.c == 1) {
    fimg_free(&fi);
    return pv_tensor_retain(img);
  }
  int isint = !pv__tf_is_float(fi.src->dtype);
  float scale = fi.bound;
  float hf = (float)hue_factor;
  int64_t hw = fi.g.h * fi.g.w, images = fi.g.planes / 3;
  for (int64_t b = 0; b < images; b++) {
    float *R = fi.f + b * 3 * hw, *G = R + hw, *B = G + hw;
    for (int64_t i = 0; i < hw; i++) {
      float r = R[i], g = G[i], bl = B[i];
      if (isint) {
        r = r / scale;
        g = g / scale;
        bl = bl / scale;
      }
      float maxc = fmaxf(r, fmaxf(g, bl)), minc = fminf(r, fminf(g, bl));
      int eqc = maxc == minc;
      float cr = maxc - minc;
      float s = cr / (eqc ? 1.0f : maxc);
      float crd = eqc ? 1.0f : cr;
      float rc = (maxc - r) / crd, gc = (maxc - g) / crd,
            bc = (maxc - bl) / crd;
      float hr = (maxc == r) ? (bc - gc) : 0.0f;
      float hg = (maxc == g && maxc != r) ? (2.0f + rc - bc) : 0.0f;
      float hb = (maxc != g && maxc != r) ? (4.0f + gc - rc) : 0.0f;
      float h = hr + hg + hb;
      h = fmodf(h / 6.0f + 1.0f, 1.0f);
      float v = maxc;
      h = torch_remainder(h + hf, 1.0f);
      float i6 = floorf(h * 6.0f);
      float f = h * 6.0f - i6;
      int ii = ((int)i6) % 6;
      if (ii < 0)
        ii += 6;
      float p = clampf(v * (1.0f - s), 0.0f, 1.0f);
      float q = clampf(v * (1.0f - s * f), 0.0f, 1.0f);
      float t = clampf(v * (1.0f - s * (1.0f - f)), 0.0f, 1.0f);
      float o[3];
      switch (ii) {
      case 0:
        o[0] = v;
        o[1] = t;
        o[2] = p;
        break;
      case 1:
        o[0] = q;
        o[1] = v;
        o[2] = p;
        break;
      case 2:
        o[0] = p;
        o[1] = v;
        o[2] = t;
        break;
      case 3:
        o[0] = p;
        o[1] = q;
        o[2] = v;
        break;
      case 4:
        o[0] = t;
        o[1] = p;
        o[2] = v;
        break;
      default:
        o[0] = v;
        o[1] = p;
        o[2] = q;
        break;
      }
      if (isint)
        for (int k = 0; k < 3; k++)
          o[k] = o[k] * scale;
      R[i] = o[0];
      G[i] = o[1];
      B[i] = o[2];
    }
  }
  return fimg_store(&fi, 1);
}

pv_tensor *pv_adjust_gamma(pv_tensor *img, double gamma, double gain) {
  if (!(gamma >= 0)) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "adjust_gamma: gamma should be a non-negative real number");
    return NULL;
  }
  fimg fi;
  if (fimg_load(img, "adjust_gamma", 1, &fi))
    return NULL;
  int isint = !pv__tf_is_float(fi.src->dtype);
  float gm = (float)gamma, gn = (float)gain;
  float mul = (float)(fi.bound + 1.0 - 1e-3);
  for (int64_t i = 0; i < fi.n; i++) {
    float x = fi.f[i];
    if (isint)
      x = x / fi.bound;
    float p;
    if (gamma == 2.0)
      p = x * x;
    else if (gamma == 3.0)
      p = x * x * x;
    else if (gamma == 0.5)
      p = sqrtf(x);
    else if (gamma == 1.0)
      p = x;
    else
      p = powf(x, gm);
    float r = clampf(gn * p, 0.0f, 1.0f);
    fi.f[i] = isint ? truncf(r * mul) : r;
  }
  return fimg_store(&fi, 1);
}

pv_tensor *pv_adjust_sharpness(pv_tensor *img, double factor) {
  fimg fi;
  if (check_factor(factor, "adjust_sharpness", "sharpness_factor") ||
      fimg_load(img, "adjust_sharpness", 1, &fi))
    return NULL;
  int64_t H = fi.g.h, W = fi.g.w, hw = H * W;
  if (H <= 2 || W <= 2) {
    fimg_free(&fi);
    return pv_tensor_retain(img);
  }
  int isint = !pv__tf_is_float(fi.src->dtype);
  float k1 = 1.0f / 13.0f, k5 = 5.0f / 13.0f;
  float r = (float)factor, inv = (float)(1.0 - factor);
  float *row = malloc(sizeof(float) * (size_t)(2 * W));
  float *blur = malloc(sizeof(float) * (size_t)hw);
  if (!row || !blur) {
    free(row);
    free(blur);
    fimg_free(&fi);
    pv_set_error(PV_ERR_NOMEM, "adjust_sharpness: out of memory");
    return NULL;
  }
  free(row);
  for (int64_t pl = 0; pl < fi.g.planes; pl++) {
    float *p = fi.f + pl * hw;
    for (int64_t y = 1; y < H - 1; y++)
      for (int64_t x = 1; x < W - 1; x++) {
        const float *a = p + (y - 1) * W + x - 1, *m = a + W, *c = m + W;
        float s = a[0] * k1 + a[1] * k1 + a[2] * k1 + m[0] * k1 + m[1] * k5 +
                  m[2] * k1 + c[0] * k1 + c[1] * k1 + c[2] * k1;
        blur[y * W + x] = isint ? nearbyintf(s) : s;
      }
    for (int64_t y = 0; y < H; y++)
      for (int64_t x = 0; x < W; x++) {
        float v = p[y * W + x];
        float d = (y == 0 || x == 0 || y == H - 1 || x == W - 1)
                      ? v
                      : blur[y * W + x];
        p[y * W + x] = clampf(blend(v, d, r, inv), 0.0f, fi.bound);
      }
  }
  free(blur);
  return fimg_store(&fi, 1);
}

pv_tensor *pv_posterize(pv_tensor *img, int bits) {
  pv__img g;
  if (pv__tf_check(img, "posterize", 3, &g))
    return NULL;
  if (img->dtype != PV_U8) {
    pv_set_error(PV_ERR_DTYPE,
                 "posterize: only uint8 image tensors are supported, but "
                 "found %s",
                 pv_dtype_name(img->dtype));
    return NULL;
  }
  if (bits < 0 || bits > 8) {
    pv_set_error(PV_ERR_INVALID_ARG, "posterize: bits %d not in [0, 8]", bits);
    return NULL;
  }
  pv_tensor *out = pv_tensor_clone(img);
  if (!out)
    return NULL;
  uint8_t mask = (uint8_t)(-(1 << (8 - bits)));
  uint8_t *d = pv_tensor_data(out);
  int64_t n = pv_tensor_numel(out);
  for (int64_t i = 0; i < n; i++)
    d[i] &= mask;
  return out;
}

pv_tensor *pv_invert(pv_tensor *img) {
  fimg fi;
  if (fimg_load(img, "invert", 1, &fi))
    return NULL;
  for (int64_t i = 0; i < fi.n; i++)
    fi.f[i] = fi.bound - fi.f[i];
  return fimg_store(&fi, 0);
}

pv_tensor *pv_solarize(pv_tensor *img, double threshold) {
  fimg fi;
  if (fimg_load(img, "solarize", 1, &fi))
    return NULL;
  if (threshold > fi.bound) {
    fimg_free(&fi);
    pv_set_error(PV_ERR_INVALID_ARG,
                 "solarize: threshold %g should be less than bound of img",
                 threshold);
    return NULL;
  }
  float th = (float)threshold;
  for (int64_t i = 0; i < fi.n; i++)
    if (fi.f[i] >= th)
      fi.f[i] = fi.bound - fi.f[i];
  return fimg_store(&fi, 0);
}

pv_tensor *pv_autocontrast(pv_tensor *img) {
  fimg fi;
  if (fimg_load(img, "autocontrast", 1, &fi))
    return NULL;
  int64_t hw = fi.g.h * fi.g.w;
  for (int64_t pl = 0; pl < fi.g.planes; pl++) {
    float *p = fi.f + pl * hw;
    float mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < hw; i++) {
      mn = fminf(mn, p[i]);
      mx = fmaxf(mx, p[i]);
    }
    float scale = fi.bound / (mx - mn);
    if (!isfinite(scale)) {
      mn = 0;
      scale = 1;
    }
    for (int64_t i = 0; i < hw; i++)
      p[i] = clampf((p[i] - mn) * scale, 0.0f, fi.bound);
  }
  return fimg_store(&fi, 1);
}

pv_tensor *pv_equalize(pv_tensor *img) {
  pv__img g;
  if (pv__tf_check(img, "equalize", 3, &g))
    return NULL;
  if (img->dtype != PV_U8) {
    pv_set_error(PV_ERR_DTYPE,
                 "equalize: only uint8 image tensors are supported, but "
                 "found %s",
                 pv_dtype_name(img->dtype));
    return NULL;
  }
  pv_tensor *out = pv_tensor_clone(img);
  if (!out)
    return NULL;
  uint8_t *d = pv_tensor_data(out);
  int64_t hw = g.h * g.w;
  for (int64_t pl = 0; pl < g.planes; pl++) {
    uint8_t *p = d + pl * hw;
    int64_t hist[256] = {0};
    for (int64_t i = 0; i < hw; i++)
      hist[p[i]]++;
    int64_t total = 0, last = 0;
    for (int k = 0; k < 256; k++)
      if (hist[k]) {
        total += hist[k];
        last = hist[k];
      }
    int64_t step = (total - last) / 255;
    if (step == 0)
      continue;
    uint8_t lut[256];
    int64_t cum = 0;
    lut[0] = 0;
    for (int k = 0; k < 255; k++) {
      cum += hist[k];
      int64_t v = (cum + step / 2) / step;
      lut[k + 1] = (uint8_t)(v > 255 ? 255 : v);
    }
    for (int64_t i = 0; i < hw; i++)
      p[i] = lut[p[i]];
  }
  return out;
}
