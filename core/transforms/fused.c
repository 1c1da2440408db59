/* The fused classification preprocessing: resize -> center crop -> to float
 * -> normalize in one pass over a uint8 image, computing only the rows and
 * columns the crop keeps. Arithmetic is the same, tap for tap, as the
 * unfused ops (pv_resize, pv_center_crop, convert, pv_normalize), so the
 * results agree exactly (tests allow 1e-5). */
#include "pipeline_internal.h"

typedef struct {
  const uint8_t *src;
  int64_t h, w, sc, sy, sx;
  int c;
  int64_t top, left, ch, cw;
  const pv__rs_taps *fx, *fy;
  int v2;
  const float *mean, *std;
  float *out;
  int failed;
} fused_ctx;

#define FUSED_BLOCK 16
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

PV__TARGET_CLONES("fma", "default")
static void fused_rows(void *vctx, int64_t begin, int64_t end) {
  fused_ctx *c = vctx;
  const pv__rs_taps *fx = c->fx, *fy = c->fy;
  const int C = c->c;
  const int64_t cw = c->cw;
  float *line = malloc(sizeof(float) * (size_t)cw);
  for (int64_t b0 = begin; b0 < end; b0 += FUSED_BLOCK) {
    int64_t b1 = PV__MIN(end, b0 + FUSED_BLOCK);
    /* input rows needed by output rows [b0, b1) */
    int64_t rmin = INT64_MAX, rmax = -1;
    for (int64_t y = b0; y < b1; y++) {
      int64_t yy = y + c->top;
      for (int j = 0; j < fy->cnt[yy]; j++) {
        int64_t r = fy->idx[yy * fy->k + j];
        rmin = PV__MIN(rmin, r);
        rmax = PV__MAX(rmax, r);
      }
    }
    if (rmax < 0)
      rmin = rmax = 0;
    int64_t nr = rmax - rmin + 1;
    float *tmp = malloc(sizeof(float) * (size_t)(nr * cw * C));
    if (!tmp || !line) {
      c->failed = 1;
      free(tmp);
      break;
    }
    /* width pass: tmp[ch][r][x] */
    for (int64_t r = 0; r < nr; r++) {
      const uint8_t *row = c->src + (rmin + r) * c->sy;
      for (int64_t x = 0; x < cw; x++) {
        int64_t xx = x + c->left;
        const int64_t *ix = fx->idx + xx * fx->k;
        const float *wt = fx->w + xx * fx->k;
        int n = fx->cnt[xx];
        for (int ch = 0; ch < C; ch++) {
          const uint8_t *s = row + ch * c->sc;
          float acc;
          if (n == 2 && fx->form == PV__RS_TWO)
            acc = FMA((float)s[ix[0] * c->sx], wt[0],
                      (float)s[ix[1] * c->sx] * wt[1]);
          else if (fx->form == PV__RS_CHAIN) { /* resize_taps.c's chain */
            const int64_t sx = c->sx;
            const uint8_t *sp = s + (n > 0 ? ix[0] : 0) * sx;
            acc = n > 0 ? (float)sp[0] * wt[0] : 0.0f;
            for (int j = 1; j < n; j++)
              acc = acc + (float)sp[j * sx] * wt[j];
          } else {
            acc = n > 0 ? (float)s[ix[0] * c->sx] * wt[0] : 0.0f;
            for (int j = 1; j < n; j++)
              acc = FMA((float)s[ix[j] * c->sx], wt[j], acc);
          }
          tmp[((int64_t)ch * nr + r) * cw + x] = acc;
        }
      }
    }
    /* height pass, round to u8, scale, normalize */
    const float inv255 = (float)(1.0 / 255.0);
    for (int64_t y = b0; y < b1; y++) {
      int64_t yy = y + c->top;
      const int64_t *iy = fy->idx + yy * fy->k;
      const float *wt = fy->w + yy * fy->k;
      int n = fy->cnt[yy];
      for (int ch = 0; ch < C; ch++) {
        const float *plane = tmp + (int64_t)ch * nr * cw;
        if (n == 0)
          memset(line, 0, sizeof(float) * (size_t)cw);
        else {
          const float *s0 = plane + (iy[0] - rmin) * cw;
          if (n == 2 && fy->form == PV__RS_TWO) {
            const float *s1 = plane + (iy[1] - rmin) * cw;
            for (int64_t x = 0; x < cw; x++)
              line[x] = FMA(s0[x], wt[0], s1[x] * wt[1]);
          } else {
            for (int64_t x = 0; x < cw; x++)
              line[x] = s0[x] * wt[0];
            for (int j = 1; j < n; j++) {
              const float *sj = plane + (iy[j] - rmin) * cw;
              float wj = wt[j];
              for (int64_t x = 0; x < cw; x++)
                line[x] = FMA(sj[x], wj, line[x]);
            }
          }
        }
        float m = c->mean[ch], sd = c->std[ch];
        float *o = c->out + ((int64_t)ch * c->ch + y) * cw;
        for (int64_t x = 0; x < cw; x++) {
          float v = line[x];
          v = v != v ? 0.0f : nearbyintf(v);
          v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
          float f = c->v2 ? v * inv255 : v / 255.0f;
          o[x] = (f - m) / sd;
        }
      }
    }
    free(tmp);
  }
  free(line);
}

int pv__preprocess_u8(const uint8_t *data, int64_t h, int64_t w, int c,
                      int64_t sc, int64_t sy, int64_t sx, int64_t oh,
                      int64_t ow, int64_t crop_h, int64_t crop_w,
                      int interpolation, int antialias, int v2,
                      const float *mean, const float *std, float *out) {
  if (crop_h > oh || crop_w > ow || crop_h <= 0 || crop_w <= 0)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "preprocess: crop %lld x %lld does not fit the "
                        "resized %lld x %lld image",
                        (long long)crop_h, (long long)crop_w, (long long)oh,
                        (long long)ow);
  pv__rs_taps fy, fx;
  if (pv__tf_taps(&fy, 0, h, oh, interpolation, antialias))
    return pv_last_status();
  if (pv__tf_taps(&fx, 1, w, ow, interpolation, antialias)) {
    pv__rs_taps_free(&fy);
    return pv_last_status();
  }
  fused_ctx ctx = {data,
                   h,
                   w,
                   sc,
                   sy,
                   sx,
                   c,
                   (int64_t)nearbyint((double)(oh - crop_h) / 2.0),
                   (int64_t)nearbyint((double)(ow - crop_w) / 2.0),
                   crop_h,
                   crop_w,
                   &fx,
                   &fy,
                   v2,
                   mean,
                   std,
                   out,
                   0};
  pv__parallel_for(crop_h, 4, fused_rows, &ctx);
  pv__rs_taps_free(&fy);
  pv__rs_taps_free(&fx);
  if (ctx.failed)
    return pv_set_error(PV_ERR_NOMEM, "preprocess: out of memory");
  return 0;
}

int pv_preprocess_hwc_u8(const uint8_t *data, int64_t height, int64_t width,
                         int channels, int64_t row_stride, int64_t resize_size,
                         int64_t crop_h, int64_t crop_w, int interpolation,
                         int antialias, const float *mean, const float *std,
                         float *out) {
  if (!data || !out || channels < 1 || channels > 4 || height <= 0 ||
      width <= 0 || row_stride < width * channels)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "preprocess: bad image (%lld x %lld x %d, row stride "
                        "%lld)",
                        (long long)height, (long long)width, channels,
                        (long long)row_stride);
  if (interpolation != PV_RESIZE_BILINEAR && interpolation != PV_RESIZE_BICUBIC)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "preprocess: interpolation must be bilinear or "
                        "bicubic");
  static const float km[3] = {0.485f, 0.456f, 0.406f};
  static const float ks[3] = {0.229f, 0.224f, 0.225f};
  if ((!mean || !std) && channels != 3)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "preprocess: ImageNet mean/std need 3 channels");
  const float *m = mean ? mean : km, *s = std ? std : ks;
  for (int i = 0; i < channels; i++)
    if (s[i] == 0.0f)
      return pv_set_error(PV_ERR_INVALID_ARG,
                          "preprocess: std is zero at channel %d", i);
  int64_t size = resize_size, os[2];
  if (pv_resize_output_size(height, width, 1, &size, 0, os))
    return pv_last_status();
  if (os[0] == height && os[1] == width) {
    /* torchvision skips the resample entirely: identity filters */
    antialias = 0;
    interpolation = PV_RESIZE_BILINEAR;
  }
  return pv__preprocess_u8(data, height, width, channels, 1, row_stride,
                           channels, os[0], os[1], crop_h, crop_w,
                           interpolation, antialias, 0, m, s, out);
}
