/* Explicit random state and the parameter samplers of torchvision's random
 * transforms (same formulas, polyvis's own generator). */
#include "tf_internal.h"

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(pv_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void pv_rng_seed(pv_rng *rng, uint64_t seed) {
  if (!rng)
    return;
  for (int i = 0; i < 4; i++) { /* splitmix64 */
    uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    rng->s[i] = z ^ (z >> 31);
  }
}

double pv_rng_uniform(pv_rng *rng, double lo, double hi) {
  double u = (double)(next_u64(rng) >> 11) * (1.0 / 9007199254740992.0);
  return lo + (hi - lo) * u;
}

int64_t pv_rng_randint(pv_rng *rng, int64_t lo, int64_t hi) {
  if (hi <= lo)
    return lo;
  uint64_t n = (uint64_t)(hi - lo);
  /* rejection sampling: unbiased */
  uint64_t lim = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do
    v = next_u64(rng);
  while (v >= lim);
  return lo + (int64_t)(v % n);
}

void pv_random_resized_crop_params(pv_rng *rng, int64_t height, int64_t width,
                                   const double scale[2], const double ratio[2],
                                   int64_t out[4]) {
  double area = (double)height * (double)width;
  double lr0 = log(ratio[0]), lr1 = log(ratio[1]);
  for (int t = 0; t < 10; t++) {
    double target = area * pv_rng_uniform(rng, scale[0], scale[1]);
    double aspect = exp(pv_rng_uniform(rng, lr0, lr1));
    int64_t w = (int64_t)nearbyint(sqrt(target * aspect));
    int64_t h = (int64_t)nearbyint(sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      out[0] = pv_rng_randint(rng, 0, height - h + 1);
      out[1] = pv_rng_randint(rng, 0, width - w + 1);
      out[2] = h;
      out[3] = w;
      return;
    }
  }
  double in_ratio = (double)width / (double)height;
  double rmin = fmin(ratio[0], ratio[1]), rmax = fmax(ratio[0], ratio[1]);
  int64_t w = width, h = height;
  if (in_ratio < rmin)
    h = (int64_t)nearbyint((double)w / rmin);
  else if (in_ratio > rmax)
    w = (int64_t)nearbyint((double)h * rmax);
  out[0] = (height - h) / 2;
  out[1] = (width - w) / 2;
  out[2] = h;
  out[3] = w;
}

int pv_random_crop_params(pv_rng *rng, int64_t height, int64_t width,
                          int64_t th, int64_t tw, int64_t out[2]) {
  if (height < th || width < tw)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "random_crop: required crop size (%lld, %lld) is "
                        "larger than the input image size (%lld, %lld)",
                        (long long)th, (long long)tw, (long long)height,
                        (long long)width);
  if (height == th && width == tw) {
    out[0] = out[1] = 0;
    return 0;
  }
  out[0] = pv_rng_randint(rng, 0, height - th + 1);
  out[1] = pv_rng_randint(rng, 0, width - tw + 1);
  return 0;
}

void pv_color_jitter_params(pv_rng *rng, const double brightness[2],
                            const double contrast[2],
                            const double saturation[2], const double hue[2],
                            int order[4], double factors[4]) {
  for (int i = 0; i < 4; i++)
    order[i] = i;
  for (int i = 3; i > 0; i--) { /* Fisher-Yates: torch.randperm(4) */
    int j = (int)pv_rng_randint(rng, 0, i + 1);
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const double *r[4] = {brightness, contrast, saturation, hue};
  for (int i = 0; i < 4; i++)
    factors[i] = r[i] ? pv_rng_uniform(rng, r[i][0], r[i][1]) : NAN;
}

int pv_random_erasing_params(pv_rng *rng, int64_t height, int64_t width,
                             const double scale[2], const double ratio[2],
                             int64_t out[4]) {
  double area = (double)height * (double)width;
  double lr0 = log(ratio[0]), lr1 = log(ratio[1]);
  for (int t = 0; t < 10; t++) {
    double ea = area * pv_rng_uniform(rng, scale[0], scale[1]);
    double aspect = exp(pv_rng_uniform(rng, lr0, lr1));
    int64_t h = (int64_t)nearbyint(sqrt(ea * aspect));
    int64_t w = (int64_t)nearbyint(sqrt(ea / aspect));
    if (!(h < height && w < width))
      continue;
    out[0] = pv_rng_randint(rng, 0, height - h + 1);
    out[1] = pv_rng_randint(rng, 0, width - w + 1);
    out[2] = h;
    out[3] = w;
    return 1;
  }
  out[0] = out[1] = 0;
  out[2] = height;
  out[3] = width;
  return 0;
}

void pv_random_affine_params(pv_rng *rng, const double degrees[2],
                             const double *translate, const double *scale,
                             const double *shear, int n_shear, int64_t width,
                             int64_t height, double out[6]) {
  out[0] = pv_rng_uniform(rng, degrees[0], degrees[1]);
  out[1] = out[2] = 0;
  if (translate) {
    double mdx = translate[0] * (double)width;
    double mdy = translate[1] * (double)height;
    out[1] = nearbyint(pv_rng_uniform(rng, -mdx, mdx));
    out[2] = nearbyint(pv_rng_uniform(rng, -mdy, mdy));
  }
  out[3] = scale ? pv_rng_uniform(rng, scale[0], scale[1]) : 1.0;
  out[4] = out[5] = 0;
  if (shear && n_shear >= 2) {
    out[4] = pv_rng_uniform(rng, shear[0], shear[1]);
    if (n_shear == 4)
      out[5] = pv_rng_uniform(rng, shear[2], shear[3]);
  }
}

void pv_random_perspective_params(pv_rng *rng, int64_t width, int64_t height,
                                  double distortion, double start[8],
                                  double end[8]) {
  int64_t hh = height / 2, hw = width / 2;
  int64_t dw = (int64_t)(distortion * (double)hw);
  int64_t dh = (int64_t)(distortion * (double)hh);
  double s[8] = {0,
                 0,
                 (double)(width - 1),
                 0,
                 (double)(width - 1),
                 (double)(height - 1),
                 0,
                 (double)(height - 1)};
  memcpy(start, s, sizeof s);
  end[0] = (double)pv_rng_randint(rng, 0, dw + 1);
  end[1] = (double)pv_rng_randint(rng, 0, dh + 1);
  end[2] = (double)pv_rng_randint(rng, width - dw - 1, width);
  end[3] = (double)pv_rng_randint(rng, 0, dh + 1);
  end[4] = (double)pv_rng_randint(rng, width - dw - 1, width);
  end[5] = (double)pv_rng_randint(rng, height - dh - 1, height);
  end[6] = (double)pv_rng_randint(rng, 0, dw + 1);
  end[7] = (double)pv_rng_randint(rng, height - dh - 1, height);
}
