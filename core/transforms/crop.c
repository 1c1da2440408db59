/* Crops, pads and flips: pure index remapping, exact for every dtype. Every
 * op here builds a row map and a column map (source index, or -1 for the
 * fill value) and runs the one gather kernel. */
#include "tf_internal.h"

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  size_t es;
  int64_t h, w, oh, ow;
  const int64_t *rows, *cols;
  uint8_t fill[8];
} remap_ctx;

static void remap_rows(void *vctx, int64_t begin, int64_t end) {
  remap_ctx *c = vctx;
  size_t es = c->es;
  for (int64_t r = begin; r < end; r++) {
    int64_t p = r / c->oh, y = r % c->oh;
    uint8_t *d = c->dst + (size_t)(r * c->ow) * es;
    int64_t sy = c->rows[y];
    if (sy < 0) {
      for (int64_t x = 0; x < c->ow; x++)
        memcpy(d + (size_t)x * es, c->fill, es);
      continue;
    }
    const uint8_t *s = c->src + (size_t)((p * c->h + sy) * c->w) * es;
    for (int64_t x = 0; x < c->ow; x++) {
      int64_t sx = c->cols[x];
      memcpy(d + (size_t)x * es, sx < 0 ? c->fill : s + (size_t)sx * es, es);
    }
  }
}

/* Gathers out[..., y, x] = img[..., rows[y], cols[x]] (fill where < 0). */
static pv_tensor *remap(pv_tensor *img, const pv__img *g, int64_t oh,
                        int64_t ow, const int64_t *rows, const int64_t *cols,
                        double fill) {
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  pv_tensor *out = pv__tf_alloc_like(src, src->dtype, oh, ow);
  if (!out) {
    pv_tensor_release(src);
    return NULL;
  }
  remap_ctx c = {pv_tensor_data(src),
                 pv_tensor_data(out),
                 pv_dtype_size(src->dtype),
                 g->h,
                 g->w,
                 oh,
                 ow,
                 rows,
                 cols,
                 {0}};
  pv__store_f64(c.fill, src->dtype, 0, fill);
  if (g->planes * oh * ow > 0)
    pv__parallel_for(g->planes * oh, 64, remap_rows, &c);
  pv_tensor_release(src);
  return out;
}

static int64_t *alloc_maps(int64_t a, int64_t b) {
  int64_t *m = malloc(sizeof(int64_t) * (size_t)(a + b + 1));
  if (!m)
    pv_set_error(PV_ERR_NOMEM, "transforms: out of memory");
  return m;
}

pv_tensor *pv_crop(pv_tensor *img, int64_t top, int64_t left, int64_t height,
                   int64_t width) {
  pv__img g;
  if (pv__tf_check(img, "crop", 2, &g))
    return NULL;
  if (height < 0 || width < 0 || height > (1 << 30) || width > (1 << 30)) {
    pv_set_error(PV_ERR_INVALID_ARG, "crop: bad size %lld x %lld",
                 (long long)height, (long long)width);
    return NULL;
  }
  int64_t *rows = alloc_maps(height, width);
  if (!rows)
    return NULL;
  int64_t *cols = rows + height;
  for (int64_t y = 0; y < height; y++) {
    int64_t s = top + y;
    rows[y] = s >= 0 && s < g.h ? s : -1;
  }
  for (int64_t x = 0; x < width; x++) {
    int64_t s = left + x;
    cols[x] = s >= 0 && s < g.w ? s : -1;
  }
  pv_tensor *out = remap(img, &g, height, width, rows, cols, 0.0);
  free(rows);
  return out;
}

pv_tensor *pv_center_crop(pv_tensor *img, int64_t ch, int64_t cw) {
  pv__img g;
  if (pv__tf_check(img, "center_crop", 2, &g))
    return NULL;
  if (ch <= 0 || cw <= 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "center_crop: size %lld x %lld",
                 (long long)ch, (long long)cw);
    return NULL;
  }
  /* torchvision pads first (left=(cw-w)//2, top=(ch-h)//2, the odd pixel
   * going right/bottom), then rounds the offset half-to-even. */
  int64_t pt = ch > g.h ? (ch - g.h) / 2 : 0;
  int64_t pb = ch > g.h ? (ch - g.h + 1) / 2 : 0;
  int64_t pl = cw > g.w ? (cw - g.w) / 2 : 0;
  int64_t pr = cw > g.w ? (cw - g.w + 1) / 2 : 0;
  int64_t H = g.h + pt + pb, W = g.w + pl + pr;
  if (H == ch && W == cw && !pt && !pb && !pl && !pr)
    return pv_crop(img, 0, 0, ch, cw);
  int64_t top = (int64_t)nearbyint((double)(H - ch) / 2.0);
  int64_t left = (int64_t)nearbyint((double)(W - cw) / 2.0);
  return pv_crop(img, top - pt, left - pl, ch, cw);
}

pv_tensor *pv_resized_crop(pv_tensor *img, int64_t top, int64_t left,
                           int64_t height, int64_t width, int n_size,
                           const int64_t *size, int interpolation,
                           int antialias) {
  pv_tensor *c = pv_crop(img, top, left, height, width);
  if (!c)
    return NULL;
  pv_tensor *r = pv_resize(c, n_size, size, interpolation, 0, antialias);
  pv_tensor_release(c);
  return r;
}

/* Source index of padded position i (relative to the image start) in a dim
 * of size n, or -1 for the constant fill. */
static int64_t pad_index(int64_t i, int64_t n, int mode) {
  if (i >= 0 && i < n)
    return i;
  switch (mode) {
  case PV_PADDING_EDGE:
    return i < 0 ? 0 : n - 1;
  case PV_PADDING_REFLECT:
    if (n == 1)
      return 0;
    return i < 0 ? -i : 2 * (n - 1) - i;
  case PV_PADDING_SYMMETRIC:
    return i < 0 ? -i - 1 : 2 * n - 1 - i;
  default:
    return -1;
  }
}

static const char *pad_mode_name(int m) {
  static const char *n[] = {"constant", "edge", "reflect", "symmetric"};
  return m >= 0 && m < 4 ? n[m] : "?";
}

pv_tensor *pv_pad_image(pv_tensor *img, const int64_t ltrb[4], int mode,
                        double fill) {
  pv__img g;
  if (pv__tf_check(img, "pad", 2, &g))
    return NULL;
  if (mode < PV_PADDING_CONSTANT || mode > PV_PADDING_SYMMETRIC) {
    pv_set_error(PV_ERR_INVALID_ARG, "pad: unknown padding_mode %d", mode);
    return NULL;
  }
  /* Negative amounts crop first (as torchvision's symmetric path does),
   * then the positive amounts pad the cropped image. */
  int64_t cl = ltrb[0] < 0 ? -ltrb[0] : 0, ct = ltrb[1] < 0 ? -ltrb[1] : 0;
  int64_t cr = ltrb[2] < 0 ? -ltrb[2] : 0, cb = ltrb[3] < 0 ? -ltrb[3] : 0;
  int64_t l = ltrb[0] > 0 ? ltrb[0] : 0, t = ltrb[1] > 0 ? ltrb[1] : 0;
  int64_t r = ltrb[2] > 0 ? ltrb[2] : 0, b = ltrb[3] > 0 ? ltrb[3] : 0;
  int64_t h = g.h - ct - cb, w = g.w - cl - cr;
  if (h < 0 || w < 0 || l > (1 << 30) || t > (1 << 30) || r > (1 << 30) ||
      b > (1 << 30)) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "pad: padding [%lld, %lld, %lld, %lld] is out of range for a "
                 "%lld x %lld image",
                 (long long)ltrb[0], (long long)ltrb[1], (long long)ltrb[2],
                 (long long)ltrb[3], (long long)g.h, (long long)g.w);
    return NULL;
  }
  if (mode != PV_PADDING_CONSTANT && (l || t || r || b)) {
    int strict = mode == PV_PADDING_REFLECT;
    int64_t mh = strict ? h - 1 : h, mw = strict ? w - 1 : w;
    if ((h == 0 || w == 0) || l > mw || r > mw || t > mh || b > mh) {
      pv_set_error(PV_ERR_INVALID_ARG,
                   "pad: %s padding [%lld, %lld, %lld, %lld] must be %s the "
                   "image size %lld x %lld",
                   pad_mode_name(mode), (long long)l, (long long)t,
                   (long long)r, (long long)b,
                   strict ? "smaller than" : "at most", (long long)h,
                   (long long)w);
      return NULL;
    }
  }
  int64_t oh = h + t + b, ow = w + l + r;
  int64_t *rows = alloc_maps(oh, ow);
  if (!rows)
    return NULL;
  int64_t *cols = rows + oh;
  for (int64_t y = 0; y < oh; y++) {
    int64_t s = pad_index(y - t, h, mode);
    rows[y] = s < 0 ? -1 : s + ct;
  }
  for (int64_t x = 0; x < ow; x++) {
    int64_t s = pad_index(x - l, w, mode);
    cols[x] = s < 0 ? -1 : s + cl;
  }
  pv_tensor *out = remap(img, &g, oh, ow, rows, cols, fill);
  free(rows);
  return out;
}

static pv_tensor *flip(pv_tensor *img, int horizontal) {
  pv__img g;
  if (pv__tf_check(img, horizontal ? "hflip" : "vflip", 2, &g))
    return NULL;
  int64_t *rows = alloc_maps(g.h, g.w);
  if (!rows)
    return NULL;
  int64_t *cols = rows + g.h;
  for (int64_t y = 0; y < g.h; y++)
    rows[y] = horizontal ? y : g.h - 1 - y;
  for (int64_t x = 0; x < g.w; x++)
    cols[x] = horizontal ? g.w - 1 - x : x;
  pv_tensor *out = remap(img, &g, g.h, g.w, rows, cols, 0.0);
  free(rows);
  return out;
}

pv_tensor *pv_hflip(pv_tensor *img) { return flip(img, 1); }
pv_tensor *pv_vflip(pv_tensor *img) { return flip(img, 0); }

int pv_five_crop(pv_tensor *img, int64_t ch, int64_t cw, pv_tensor *out[5]) {
  pv__img g;
  if (pv__tf_check(img, "five_crop", 2, &g))
    return pv_last_status();
  if (ch <= 0 || cw <= 0 || ch > g.h || cw > g.w)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "five_crop: requested crop size (%lld, %lld) is "
                        "bigger than input size (%lld, %lld)",
                        (long long)ch, (long long)cw, (long long)g.h,
                        (long long)g.w);
  pv_tensor *r[5] = {
      pv_crop(img, 0, 0, ch, cw), pv_crop(img, 0, g.w - cw, ch, cw),
      pv_crop(img, g.h - ch, 0, ch, cw),
      pv_crop(img, g.h - ch, g.w - cw, ch, cw), pv_center_crop(img, ch, cw)};
  for (int i = 0; i < 5; i++)
    if (!r[i]) {
      for (int k = 0; k < 5; k++)
        pv_tensor_release(r[k]);
      return pv_last_status() ? pv_last_status() : PV_ERR_NOMEM;
    }
  memcpy(out, r, sizeof r);
  return 0;
}

int pv_ten_crop(pv_tensor *img, int64_t ch, int64_t cw, int vertical_flip,
                pv_tensor *out[10]) {
  pv_tensor *first[5], *second[5];
  int rc = pv_five_crop(img, ch, cw, first);
  if (rc)
    return rc;
  pv_tensor *f = vertical_flip ? pv_vflip(img) : pv_hflip(img);
  rc = f ? pv_five_crop(f, ch, cw, second) : pv_last_status();
  pv_tensor_release(f);
  if (rc) {
    for (int k = 0; k < 5; k++)
      pv_tensor_release(first[k]);
    return rc;
  }
  memcpy(out, first, sizeof first);
  memcpy(out + 5, second, sizeof second);
  return 0;
}
