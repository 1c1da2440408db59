/* AutoAugment, RandAugment, TrivialAugmentWide and AugMix: torchvision's
 * policies, magnitude tables and _apply_op, on polyvis's pv_rng. */
#include "tf_internal.h"

enum {
  OP_IDENTITY,
  OP_SHEARX,
  OP_SHEARY,
  OP_TRANSLATEX,
  OP_TRANSLATEY,
  OP_ROTATE,
  OP_BRIGHTNESS,
  OP_COLOR,
  OP_CONTRAST,
  OP_SHARPNESS,
  OP_POSTERIZE,
  OP_SOLARIZE,
  OP_AUTOCONTRAST,
  OP_EQUALIZE,
  OP_INVERT,
  OP_COUNT
};

static const char *const k_op_names[OP_COUNT] = {
    "Identity",  "ShearX",     "ShearY",       "TranslateX", "TranslateY",
    "Rotate",    "Brightness", "Color",        "Contrast",   "Sharpness",
    "Posterize", "Solarize",   "AutoContrast", "Equalize",   "Invert"};

typedef struct {
  int op;
  float p;
  int mag; /* -1 = none */
} sub_op;

/* torchvision.transforms.autoaugment.AutoAugment._get_policies */
static const sub_op k_policies[3][25][2] = {
    {{{OP_POSTERIZE, 0.4f, 8}, {OP_ROTATE, 0.6f, 9}},
     {{OP_SOLARIZE, 0.6f, 5}, {OP_AUTOCONTRAST, 0.6f, -1}},
     {{OP_EQUALIZE, 0.8f, -1}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_POSTERIZE, 0.6f, 7}, {OP_POSTERIZE, 0.6f, 6}},
     {{OP_EQUALIZE, 0.4f, -1}, {OP_SOLARIZE, 0.2f, 4}},
     {{OP_EQUALIZE, 0.4f, -1}, {OP_ROTATE, 0.8f, 8}},
     {{OP_SOLARIZE, 0.6f, 3}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_POSTERIZE, 0.8f, 5}, {OP_EQUALIZE, 1.0f, -1}},
     {{OP_ROTATE, 0.2f, 3}, {OP_SOLARIZE, 0.6f, 8}},
     {{OP_EQUALIZE, 0.6f, -1}, {OP_POSTERIZE, 0.4f, 6}},
     {{OP_ROTATE, 0.8f, 8}, {OP_COLOR, 0.4f, 0}},
     {{OP_ROTATE, 0.4f, 9}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_EQUALIZE, 0.0f, -1}, {OP_EQUALIZE, 0.8f, -1}},
     {{OP_INVERT, 0.6f, -1}, {OP_EQUALIZE, 1.0f, -1}},
     {{OP_COLOR, 0.6f, 4}, {OP_CONTRAST, 1.0f, 8}},
     {{OP_ROTATE, 0.8f, 8}, {OP_COLOR, 1.0f, 2}},
     {{OP_COLOR, 0.8f, 8}, {OP_SOLARIZE, 0.8f, 7}},
     {{OP_SHARPNESS, 0.4f, 7}, {OP_INVERT, 0.6f, -1}},
     {{OP_SHEARX, 0.6f, 5}, {OP_EQUALIZE, 1.0f, -1}},
     {{OP_COLOR, 0.4f, 0}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_EQUALIZE, 0.4f, -1}, {OP_SOLARIZE, 0.2f, 4}},
     {{OP_SOLARIZE, 0.6f, 5}, {OP_AUTOCONTRAST, 0.6f, -1}},
     {{OP_INVERT, 0.6f, -1}, {OP_EQUALIZE, 1.0f, -1}},
     {{OP_COLOR, 0.6f, 4}, {OP_CONTRAST, 1.0f, 8}},
     {{OP_EQUALIZE, 0.8f, -1}, {OP_EQUALIZE, 0.6f, -1}}},
    {{{OP_INVERT, 0.1f, -1}, {OP_CONTRAST, 0.2f, 6}},
     {{OP_ROTATE, 0.7f, 2}, {OP_TRANSLATEX, 0.3f, 9}},
     {{OP_SHARPNESS, 0.8f, 1}, {OP_SHARPNESS, 0.9f, 3}},
     {{OP_SHEARY, 0.5f, 8}, {OP_TRANSLATEY, 0.7f, 9}},
     {{OP_AUTOCONTRAST, 0.5f, -1}, {OP_EQUALIZE, 0.9f, -1}},
     {{OP_SHEARY, 0.2f, 7}, {OP_POSTERIZE, 0.3f, 7}},
     {{OP_COLOR, 0.4f, 3}, {OP_BRIGHTNESS, 0.6f, 7}},
     {{OP_SHARPNESS, 0.3f, 9}, {OP_BRIGHTNESS, 0.7f, 9}},
     {{OP_EQUALIZE, 0.6f, -1}, {OP_EQUALIZE, 0.5f, -1}},
     {{OP_CONTRAST, 0.6f, 7}, {OP_SHARPNESS, 0.6f, 5}},
     {{OP_COLOR, 0.7f, 7}, {OP_TRANSLATEX, 0.5f, 8}},
     {{OP_EQUALIZE, 0.3f, -1}, {OP_AUTOCONTRAST, 0.4f, -1}},
     {{OP_TRANSLATEY, 0.4f, 3}, {OP_SHARPNESS, 0.2f, 6}},
     {{OP_BRIGHTNESS, 0.9f, 6}, {OP_COLOR, 0.2f, 8}},
     {{OP_SOLARIZE, 0.5f, 2}, {OP_INVERT, 0.0f, -1}},
     {{OP_EQUALIZE, 0.2f, -1}, {OP_AUTOCONTRAST, 0.6f, -1}},
     {{OP_EQUALIZE, 0.2f, -1}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_COLOR, 0.9f, 9}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_AUTOCONTRAST, 0.8f, -1}, {OP_SOLARIZE, 0.2f, 8}},
     {{OP_BRIGHTNESS, 0.1f, 3}, {OP_COLOR, 0.7f, 0}},
     {{OP_SOLARIZE, 0.4f, 5}, {OP_AUTOCONTRAST, 0.9f, -1}},
     {{OP_TRANSLATEY, 0.9f, 9}, {OP_TRANSLATEY, 0.7f, 9}},
     {{OP_AUTOCONTRAST, 0.9f, -1}, {OP_SOLARIZE, 0.8f, 3}},
     {{OP_EQUALIZE, 0.8f, -1}, {OP_INVERT, 0.1f, -1}},
     {{OP_TRANSLATEY, 0.7f, 9}, {OP_AUTOCONTRAST, 0.9f, -1}}},
    {{{OP_SHEARX, 0.9f, 4}, {OP_INVERT, 0.2f, -1}},
     {{OP_SHEARY, 0.9f, 8}, {OP_INVERT, 0.7f, -1}},
     {{OP_EQUALIZE, 0.6f, -1}, {OP_SOLARIZE, 0.6f, 6}},
     {{OP_INVERT, 0.9f, -1}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_EQUALIZE, 0.6f, -1}, {OP_ROTATE, 0.9f, 3}},
     {{OP_SHEARX, 0.9f, 4}, {OP_AUTOCONTRAST, 0.8f, -1}},
     {{OP_SHEARY, 0.9f, 8}, {OP_INVERT, 0.4f, -1}},
     {{OP_SHEARY, 0.9f, 5}, {OP_SOLARIZE, 0.2f, 6}},
     {{OP_INVERT, 0.9f, -1}, {OP_AUTOCONTRAST, 0.8f, -1}},
     {{OP_EQUALIZE, 0.6f, -1}, {OP_ROTATE, 0.9f, 3}},
     {{OP_SHEARX, 0.9f, 4}, {OP_SOLARIZE, 0.3f, 3}},
     {{OP_SHEARY, 0.8f, 8}, {OP_INVERT, 0.7f, -1}},
     {{OP_EQUALIZE, 0.9f, -1}, {OP_TRANSLATEY, 0.6f, 6}},
     {{OP_INVERT, 0.9f, -1}, {OP_EQUALIZE, 0.6f, -1}},
     {{OP_CONTRAST, 0.3f, 3}, {OP_ROTATE, 0.8f, 4}},
     {{OP_INVERT, 0.8f, -1}, {OP_TRANSLATEY, 0.0f, 2}},
     {{OP_SHEARY, 0.7f, 6}, {OP_SOLARIZE, 0.4f, 8}},
     {{OP_INVERT, 0.6f, -1}, {OP_ROTATE, 0.8f, 4}},
     {{OP_SHEARY, 0.3f, 7}, {OP_TRANSLATEX, 0.9f, 3}},
     {{OP_SHEARX, 0.1f, 6}, {OP_INVERT, 0.6f, -1}},
     {{OP_SOLARIZE, 0.7f, 2}, {OP_TRANSLATEY, 0.6f, 7}},
     {{OP_SHEARY, 0.8f, 4}, {OP_INVERT, 0.8f, -1}},
     {{OP_SHEARX, 0.7f, 9}, {OP_TRANSLATEY, 0.8f, 3}},
     {{OP_SHEARY, 0.8f, 5}, {OP_AUTOCONTRAST, 0.7f, -1}},
     {{OP_SHEARX, 0.7f, 2}, {OP_INVERT, 0.1f, -1}}}};

float pv__linspace_f32(double a, double b, int64_t n, int64_t i) {
  float fa = (float)a, fb = (float)b;
  if (n <= 1)
    return fa;
  float step = (fb - fa) / (float)(n - 1);
  if (i < n / 2)
    return fmaf(step, (float)i, fa);
  return fmaf(-step, (float)(n - i - 1), fb);
}

/* torch.linspace(a, b, n)[i] in float32 (fused multiply-add form). */
static float linspace_at(double a, double b, int n, int i) {
  float fa = (float)a, fb = (float)b;
  if (n <= 1)
    return fa;
  float step = (fb - fa) / (float)(n - 1);
  if (i < n / 2)
    return fmaf(step, (float)i, fa);
  return fmaf(-step, (float)(n - i - 1), fb);
}

/* 8 - round(arange(n) / ((n - 1) / span)) (torch.round: half-to-even). */
static double posterize_at(int base, int span, int n, int i) {
  float d = (float)((double)(n - 1) / span);
  return base - nearbyintf((float)i / d);
}

/* Magnitude of bin i for op in a space: 0 AutoAugment/RandAugment, 1
 * TrivialAugmentWide, 2 AugMix. Returns 0 for the ops without magnitude. */
static double magnitude(int space, int op, int bins, int i, int64_t h,
                        int64_t w) {
  int wide = space == 1;
  switch (op) {
  case OP_SHEARX:
  case OP_SHEARY:
    return linspace_at(0.0, wide ? 0.99 : 0.3, bins, i);
  case OP_TRANSLATEX:
    return linspace_at(0.0,
                       wide         ? 32.0
                       : space == 2 ? (double)w / 3.0
                                    : 150.0 / 331.0 * (double)w,
                       bins, i);
  case OP_TRANSLATEY:
    return linspace_at(0.0,
                       wide         ? 32.0
                       : space == 2 ? (double)h / 3.0
                                    : 150.0 / 331.0 * (double)h,
                       bins, i);
  case OP_ROTATE:
    return linspace_at(0.0, wide ? 135.0 : 30.0, bins, i);
  case OP_BRIGHTNESS:
  case OP_COLOR:
  case OP_CONTRAST:
  case OP_SHARPNESS:
    return linspace_at(0.0, wide ? 0.99 : 0.9, bins, i);
  case OP_POSTERIZE:
    return space == 2 ? posterize_at(4, 4, bins, i)
                      : posterize_at(8, wide ? 6 : 4, bins, i);
  case OP_SOLARIZE:
    return linspace_at(255.0, 0.0, bins, i);
  default:
    return 0.0;
  }
}

static int signed_op(int op) { return op >= OP_SHEARX && op <= OP_SHARPNESS; }

static pv_tensor *apply_op(pv_tensor *img, int op, double m, int interp,
                           const float *fill, int n_fill) {
  double z[2] = {0, 0};
  switch (op) {
  case OP_SHEARX: {
    double sh[2] = {atan(m) * 180.0 / M_PI, 0.0};
    return pv_affine(img, 0.0, z, 1.0, sh, interp, fill, n_fill, z);
  }
  case OP_SHEARY: {
    double sh[2] = {0.0, atan(m) * 180.0 / M_PI};
    return pv_affine(img, 0.0, z, 1.0, sh, interp, fill, n_fill, z);
  }
  case OP_TRANSLATEX: {
    double t[2] = {(double)(int64_t)m, 0.0};
    return pv_affine(img, 0.0, t, 1.0, z, interp, fill, n_fill, NULL);
  }
  case OP_TRANSLATEY: {
    double t[2] = {0.0, (double)(int64_t)m};
    return pv_affine(img, 0.0, t, 1.0, z, interp, fill, n_fill, NULL);
  }
  case OP_ROTATE:
    return pv_rotate(img, m, interp, 0, NULL, fill, n_fill);
  case OP_BRIGHTNESS:
    return pv_adjust_brightness(img, 1.0 + m);
  case OP_COLOR:
    return pv_adjust_saturation(img, 1.0 + m);
  case OP_CONTRAST:
    return pv_adjust_contrast(img, 1.0 + m);
  case OP_SHARPNESS:
    return pv_adjust_sharpness(img, 1.0 + m);
  case OP_POSTERIZE:
    return pv_posterize(img, (int)m);
  case OP_SOLARIZE:
    return pv_solarize(img, m);
  case OP_AUTOCONTRAST:
    return pv_autocontrast(img);
  case OP_EQUALIZE:
    return pv_equalize(img);
  case OP_INVERT:
    return pv_invert(img);
  default:
    return pv_tensor_retain(img);
  }
}

pv_tensor *pv_augment_op(pv_tensor *img, const char *name, double magnitude_,
                         int interpolation, const float *fill, int n_fill) {
  for (int op = 0; op < OP_COUNT; op++)
    if (name && !strcmp(name, k_op_names[op]))
      return apply_op(img, op, magnitude_, interpolation, fill, n_fill);
  pv_set_error(PV_ERR_INVALID_ARG, "augment: unknown op '%s'",
               name ? name : "(null)");
  return NULL;
}

static int dims(pv_tensor *img, const char *op, int64_t *h, int64_t *w) {
  pv__img g;
  if (pv__tf_check(img, op, 3, &g))
    return -1;
  *h = g.h;
  *w = g.w;
  return 0;
}

pv_tensor *pv_auto_augment(pv_tensor *img, pv_rng *rng, int policy,
                           int interpolation, const float *fill, int n_fill) {
  int64_t h, w;
  if (dims(img, "auto_augment", &h, &w))
    return NULL;
  if (policy < 0 || policy > 2) {
    pv_set_error(PV_ERR_INVALID_ARG, "auto_augment: unknown policy %d", policy);
    return NULL;
  }
  int id = (int)pv_rng_randint(rng, 0, 25);
  double probs[2] = {pv_rng_uniform(rng, 0, 1), pv_rng_uniform(rng, 0, 1)};
  int signs[2] = {(int)pv_rng_randint(rng, 0, 2),
                  (int)pv_rng_randint(rng, 0, 2)};
  pv_tensor *cur = pv_tensor_retain(img);
  for (int i = 0; i < 2 && cur; i++) {
    const sub_op *s = &k_policies[policy][id][i];
    if (!(probs[i] <= s->p))
      continue;
    double m = s->mag >= 0 ? magnitude(0, s->op, 10, s->mag, h, w) : 0.0;
    if (signed_op(s->op) && signs[i] == 0)
      m = -m;
    pv_tensor *n = apply_op(cur, s->op, m, interpolation, fill, n_fill);
    pv_tensor_release(cur);
    cur = n;
  }
  return cur;
}

pv_tensor *pv_rand_augment(pv_tensor *img, pv_rng *rng, int num_ops,
                           int magnitude_bin, int num_bins, int interpolation,
                           const float *fill, int n_fill) {
  int64_t h, w;
  if (dims(img, "rand_augment", &h, &w))
    return NULL;
  if (num_bins < 1 || magnitude_bin < 0 || magnitude_bin >= num_bins ||
      num_ops < 0) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "rand_augment: magnitude %d not in [0, %d) or num_ops %d",
                 magnitude_bin, num_bins, num_ops);
    return NULL;
  }
  pv_tensor *cur = pv_tensor_retain(img);
  for (int k = 0; k < num_ops && cur; k++) {
    int op = (int)pv_rng_randint(rng, 0, 14); /* Identity .. Equalize */
    double m = magnitude(0, op, num_bins, magnitude_bin, h, w);
    if (signed_op(op) && pv_rng_randint(rng, 0, 2))
      m = -m;
    pv_tensor *n = apply_op(cur, op, m, interpolation, fill, n_fill);
    pv_tensor_release(cur);
    cur = n;
  }
  return cur;
}

pv_tensor *pv_trivial_augment_wide(pv_tensor *img, pv_rng *rng, int num_bins,
                                   int interpolation, const float *fill,
                                   int n_fill) {
  int64_t h, w;
  if (dims(img, "trivial_augment_wide", &h, &w))
    return NULL;
  if (num_bins < 1) {
    pv_set_error(PV_ERR_INVALID_ARG, "trivial_augment_wide: num bins %d",
                 num_bins);
    return NULL;
  }
  int op = (int)pv_rng_randint(rng, 0, 14);
  int has_mag = op != OP_IDENTITY && op != OP_AUTOCONTRAST && op != OP_EQUALIZE;
  double m = has_mag ? magnitude(1, op, num_bins,
                                 (int)pv_rng_randint(rng, 0, num_bins), h, w)
                     : 0.0;
  if (signed_op(op) && pv_rng_randint(rng, 0, 2))
    m = -m;
  return apply_op(img, op, m, interpolation, fill, n_fill);
}

/* Gamma(alpha, 1) by Marsaglia-Tsang, for the Dirichlet draws. */
static double gauss(pv_rng *r) {
  double u1 = pv_rng_uniform(r, 0, 1), u2 = pv_rng_uniform(r, 0, 1);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double gamma_draw(pv_rng *r, double a) {
  if (a < 1.0) {
    double u = pv_rng_uniform(r, 0, 1);
    return gamma_draw(r, a + 1.0) * pow(u > 0 ? u : 1e-300, 1.0 / a);
  }
  double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = gauss(r), v = 1.0 + c * x;
    if (v <= 0)
      continue;
    v = v * v * v;
    double u = pv_rng_uniform(r, 0, 1);
    if (u < 1.0 - 0.0331 * x * x * x * x ||
        log(u > 0 ? u : 1e-300) < 0.5 * x * x + d * (1.0 - v + log(v)))
      return d * v;
  }
}

static void dirichlet(pv_rng *r, double alpha, int n, double *out) {
  double s = 0;
  for (int i = 0; i < n; i++)
    s += out[i] = gamma_draw(r, alpha);
  for (int i = 0; i < n; i++)
    out[i] = s > 0 ? out[i] / s : 1.0 / n;
}

pv_tensor *pv_augmix(pv_tensor *img, pv_rng *rng, int severity,
                     int mixture_width, int chain_depth, double alpha,
                     int all_ops, int interpolation, const float *fill,
                     int n_fill) {
  int64_t h, w;
  if (dims(img, "augmix", &h, &w))
    return NULL;
  if (severity < 1 || severity > 10 || mixture_width < 1 ||
      mixture_width > 64 || !(alpha > 0)) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "augmix: severity %d must be in [1, 10], mixture_width %d "
                 ">= 1, alpha %g > 0",
                 severity, mixture_width, alpha);
    return NULL;
  }
  /* AugMix's op list: the geometric and histogram ops, then (all_ops) the
   * colour ones; no Identity or Invert. */
  static const int k_augmix_ops[13] = {
      OP_SHEARX,    OP_SHEARY,   OP_TRANSLATEX,   OP_TRANSLATEY, OP_ROTATE,
      OP_POSTERIZE, OP_SOLARIZE, OP_AUTOCONTRAST, OP_EQUALIZE,   OP_BRIGHTNESS,
      OP_COLOR,     OP_CONTRAST, OP_SHARPNESS};
  int n_ops = all_ops ? 13 : 9;
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  int64_t n = pv_tensor_numel(src);
  int nd = src->ndim;
  int64_t batch = nd >= 4 ? n / (src->shape[nd - 3] * h * w) : 1;
  int64_t per = batch ? n / batch : 0;
  double *wts = malloc(sizeof(double) * (size_t)(batch * (mixture_width + 2)));
  float *mix = malloc(sizeof(float) * (size_t)(n + per + 1));
  if (!wts || !mix) {
    free(wts);
    free(mix);
    pv_tensor_release(src);
    pv_set_error(PV_ERR_NOMEM, "augmix: out of memory");
    return NULL;
  }
  float *tmp = mix + n;
  (void)tmp;
  for (int64_t b = 0; b < batch; b++) {
    double *m = wts + b * (mixture_width + 2);
    dirichlet(rng, alpha, 2, m);
    dirichlet(rng, alpha, mixture_width, m + 2);
    for (int i = 0; i < mixture_width; i++)
      m[2 + i] = (double)((float)m[2 + i] * (float)m[1]);
  }
  pv__tf_load_f32(mix, pv_tensor_data(src), src->dtype, n);
  for (int64_t i = 0; i < n; i++)
    mix[i] = (float)wts[(i / per) * (mixture_width + 2)] * mix[i];
  int rc = 0;
  for (int i = 0; i < mixture_width && !rc; i++) {
    pv_tensor *aug = pv_tensor_retain(src);
    int depth = chain_depth > 0 ? chain_depth : (int)pv_rng_randint(rng, 1, 4);
    for (int d = 0; d < depth && aug; d++) {
      int op = k_augmix_ops[pv_rng_randint(rng, 0, n_ops)];
      int has_mag = op != OP_AUTOCONTRAST && op != OP_EQUALIZE;
      double mg = has_mag
                      ? magnitude(2, op, 10,
                                  (int)pv_rng_randint(rng, 0, severity), h, w)
                      : 0.0;
      if (signed_op(op) && pv_rng_randint(rng, 0, 2))
        mg = -mg;
      pv_tensor *nx = apply_op(aug, op, mg, interpolation, fill, n_fill);
      pv_tensor_release(aug);
      aug = nx;
    }
    if (!aug) {
      rc = -1;
      break;
    }
    pv_tensor *ac = pv_tensor_contiguous(aug);
    pv_tensor_release(aug);
    if (!ac) {
      rc = -1;
      break;
    }
    const void *ad = pv_tensor_data(ac);
    for (int64_t b = 0; b < batch; b++) {
      float wgt = (float)wts[b * (mixture_width + 2) + 2 + i];
      float buf[256];
      for (int64_t k = 0; k < per; k += 256) {
        int64_t cnt = PV__MIN(256, per - k);
        pv__tf_load_f32(buf,
                        (const uint8_t *)ad +
                            (size_t)(b * per + k) * pv_dtype_size(ac->dtype),
                        ac->dtype, cnt);
        for (int64_t q = 0; q < cnt; q++)
          mix[b * per + k + q] += wgt * buf[q];
      }
    }
    pv_tensor_release(ac);
  }
  pv_tensor *out = NULL;
  if (!rc) {
    out = pv__tensor_alloc(src->dtype, src->ndim, src->shape, false);
    if (out)
      pv__tf_store_trunc(pv_tensor_data(out), out->dtype, mix, n);
  }
  free(wts);
  free(mix);
  pv_tensor_release(src);
  return out;
}
