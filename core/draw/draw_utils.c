/*
 * torchvision.utils drawing functions: draw_bounding_boxes,
 * draw_segmentation_masks, draw_keypoints, and the colour helpers.
 */
#include "draw_internal.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

/* --- colours -----------------------------------------------------------------
 */

static const struct {
  const char *name;
  uint32_t rgb;
} pv__named_colors[] = {
    {"aqua", 0x00ffff},      {"beige", 0xf5f5dc},       {"black", 0x000000},
    {"blue", 0x0000ff},      {"brown", 0xa52a2a},       {"chocolate", 0xd2691e},
    {"coral", 0xff7f50},     {"crimson", 0xdc143c},     {"cyan", 0x00ffff},
    {"darkblue", 0x00008b},  {"darkgray", 0xa9a9a9},    {"darkgreen", 0x006400},
    {"darkgrey", 0xa9a9a9},  {"darkorange", 0xff8c00},  {"darkred", 0x8b0000},
    {"fuchsia", 0xff00ff},   {"gold", 0xffd700},        {"gray", 0x808080},
    {"green", 0x008000},     {"grey", 0x808080},        {"indigo", 0x4b0082},
    {"khaki", 0xf0e68c},     {"lavender", 0xe6e6fa},    {"lightblue", 0xadd8e6},
    {"lightgray", 0xd3d3d3}, {"lightgreen", 0x90ee90},  {"lightgrey", 0xd3d3d3},
    {"lime", 0x00ff00},      {"magenta", 0xff00ff},     {"maroon", 0x800000},
    {"navy", 0x000080},      {"olive", 0x808000},       {"orange", 0xffa500},
    {"orchid", 0xda70d6},    {"pink", 0xffc0cb},        {"purple", 0x800080},
    {"red", 0xff0000},       {"salmon", 0xfa8072},      {"silver", 0xc0c0c0},
    {"skyblue", 0x87ceeb},   {"teal", 0x008080},        {"tomato", 0xff6347},
    {"turquoise", 0x40e0d0}, {"violet", 0xee82ee},      {"white", 0xffffff},
    {"yellow", 0xffff00},    {"yellowgreen", 0x9acd32},
};

static int pv__hexval(int ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  ch = tolower(ch);
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

int pv_color_parse(const char *s, pv_color *out) {
  if (!s || !out)
    return pv_set_error(PV_ERR_INVALID_ARG, "color_parse: NULL argument");
  size_t n = strlen(s);
  if (s[0] == '#' && (n == 4 || n == 7)) {
    int v[6];
    for (size_t i = 1; i < n; i++)
      if ((v[i - 1] = pv__hexval((unsigned char)s[i])) < 0)
        goto bad;
    if (n == 4) {
      out->r = (uint8_t)(v[0] * 17);
      out->g = (uint8_t)(v[1] * 17);
      out->b = (uint8_t)(v[2] * 17);
    } else {
      out->r = (uint8_t)(v[0] * 16 + v[1]);
      out->g = (uint8_t)(v[2] * 16 + v[3]);
      out->b = (uint8_t)(v[4] * 16 + v[5]);
    }
    return PV_ERR_OK;
  }
  int r, g, b;
  char tail;
  if (sscanf(s, "rgb(%d ,%d ,%d %c", &r, &g, &b, &tail) == 4 && tail == ')' &&
      r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255) {
    out->r = (uint8_t)r;
    out->g = (uint8_t)g;
    out->b = (uint8_t)b;
    return PV_ERR_OK;
  }
  for (size_t i = 0; i < PV__ARRAY_LEN(pv__named_colors); i++)
    if (!strcasecmp(s, pv__named_colors[i].name)) {
      uint32_t v = pv__named_colors[i].rgb;
      out->r = (uint8_t)(v >> 16);
      out->g = (uint8_t)(v >> 8);
      out->b = (uint8_t)v;
      return PV_ERR_OK;
    }
bad:
  return pv_set_error(PV_ERR_INVALID_ARG, "color_parse: unknown color '%s'", s);
}

pv_color pv_color_palette(int64_t i) {
  static const int64_t pal[3] = {(1 << 25) - 1, (1 << 15) - 1, (1 << 21) - 1};
  pv_color c;
  c.r = (uint8_t)((i * pal[0]) % 255);
  c.g = (uint8_t)((i * pal[1]) % 255);
  c.b = (uint8_t)((i * pal[2]) % 255);
  return c;
}

/* --- argument checks
 * ----------------------------------------------------------- */

static int pv__check_image(const pv_tensor *img, const char *op,
                           int allow_gray) {
  if (!img)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: image is NULL", op);
  if (pv_tensor_dtype(img) != PV_U8)
    return pv_set_error(PV_ERR_DTYPE, "%s: image must be uint8, got %s", op,
                        pv_dtype_name(pv_tensor_dtype(img)));
  const int64_t *s = pv_tensor_shape(img);
  char buf[PV__SHAPE_STR_LEN];
  if (pv_tensor_ndim(img) != 3 || !(s[0] == 3 || (allow_gray && s[0] == 1)))
    return pv_set_error(PV_ERR_SHAPE, "%s: image must be [%s, H, W], got %s",
                        op, allow_gray ? "1 or 3" : "3",
                        pv__shape_str(pv_tensor_ndim(img), s, buf, sizeof buf));
  if (s[1] > INT32_MAX / 4 || s[2] > INT32_MAX / 4 || s[1] * s[2] > INT32_MAX)
    return pv_set_error(PV_ERR_RANGE, "%s: image too large", op);
  return PV_ERR_OK;
}

/* Truncates toward zero as torch's .to(int64), clamped to a drawable int. */
static int pv__coord(double v) {
  if (!(v == v))
    return 0;
  if (v > 1e9)
    v = 1e9;
  if (v < -1e9)
    v = -1e9;
  return (int)v;
}

/* --- bounding boxes
 * -------------------------------------------------------------- */

pv_tensor *pv_draw_bounding_boxes(const pv_tensor *image,
                                  const pv_tensor *boxes,
                                  const pv_draw_boxes_options *opt) {
  static const pv_draw_boxes_options defaults = {NULL, NULL, 0, 0, 1, 0};
  if (!opt)
    opt = &defaults;
  if (pv__check_image(image, "draw_bounding_boxes", 1) < 0)
    return NULL;
  char buf[PV__SHAPE_STR_LEN];
  if (!boxes || pv_tensor_ndim(boxes) != 2 || pv_tensor_dim(boxes, 1) != 4) {
    pv_set_error(PV_ERR_SHAPE,
                 "draw_bounding_boxes: boxes must be [N, 4], got %s",
                 boxes ? pv__shape_str(pv_tensor_ndim(boxes),
                                       pv_tensor_shape(boxes), buf, sizeof buf)
                       : "NULL");
    return NULL;
  }
  int64_t n = pv_tensor_dim(boxes, 0);
  if (opt->colors && opt->n_colors != 1 && opt->n_colors < n) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "draw_bounding_boxes: Number of colors (%d) is less than "
                 "number of boxes (%lld)",
                 opt->n_colors, (long long)n);
    return NULL;
  }
  if (opt->width < 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "draw_bounding_boxes: width %d < 0",
                 opt->width);
    return NULL;
  }
  pv_tensor *bc = pv_tensor_contiguous((pv_tensor *)boxes);
  if (!bc)
    return NULL;
  const void *bd = pv_tensor_data(bc);
  pv_dtype bt = pv_tensor_dtype(bc);
  for (int64_t i = 0; i < n; i++) {
    double x0 = pv__load_f64(bd, bt, 4 * i),
           y0 = pv__load_f64(bd, bt, 4 * i + 1);
    double x1 = pv__load_f64(bd, bt, 4 * i + 2),
           y1 = pv__load_f64(bd, bt, 4 * i + 3);
    if (x0 > x1 || y0 > y1) {
      pv_tensor_release(bc);
      pv_set_error(PV_ERR_INVALID_ARG,
                   "draw_bounding_boxes: box %lld (%g, %g, %g, %g) is not in "
                   "(xmin, ymin, xmax, ymax) format",
                   (long long)i, x0, y0, x1, y1);
      return NULL;
    }
  }
  int h, w;
  uint8_t *px = pv__chw_to_rgb(image, &h, &w);
  if (!px) {
    pv_tensor_release(bc);
    return NULL;
  }
  pv__canvas cv = {px, w, h, opt->fill != 0};
  int width = opt->width ? opt->width : 1;
  int scale = opt->font_size > 0 ? PV__MAX(1, opt->font_size / 11) : 1;
  for (int64_t i = 0; i < n; i++) {
    pv_color col = opt->colors ? opt->colors[opt->n_colors == 1 ? 0 : i]
                               : pv_color_palette(i);
    pv__ink ink = {col.r, col.g, col.b, 255};
    int x0 = pv__coord(pv__load_f64(bd, bt, 4 * i));
    int y0 = pv__coord(pv__load_f64(bd, bt, 4 * i + 1));
    int x1 = pv__coord(pv__load_f64(bd, bt, 4 * i + 2));
    int y1 = pv__coord(pv__load_f64(bd, bt, 4 * i + 3));
    if (opt->fill) {
      pv__ink fill = {col.r, col.g, col.b, 100};
      pv__draw_rectangle(&cv, x0, y0, x1, y1, fill, 1, 0);
    }
    pv__draw_rectangle(&cv, x0, y0, x1, y1, ink, 0, width);
    if (opt->labels && opt->labels[i])
      pv__draw_text(&cv, x0 + width + 1, y0 + width + 1, opt->labels[i], ink,
                    scale);
  }
  pv_tensor_release(bc);
  pv_tensor *out = pv__rgb_to_chw(px, h, w);
  free(px);
  return out;
}

/* --- segmentation masks
 * ------------------------------------------------------------ */

pv_tensor *pv_draw_segmentation_masks(const pv_tensor *image,
                                      const pv_tensor *masks, double alpha,
                                      const pv_color *colors, int n_colors) {
  if (pv__check_image(image, "draw_segmentation_masks", 0) < 0)
    return NULL;
  const int64_t *is = pv_tensor_shape(image);
  int64_t h = is[1], w = is[2], hw = h * w;
  char buf[PV__SHAPE_STR_LEN];
  int nd = masks ? pv_tensor_ndim(masks) : 0;
  if (!masks || (nd != 2 && nd != 3) || pv_tensor_dim(masks, -2) != h ||
      pv_tensor_dim(masks, -1) != w) {
    pv_set_error(
        PV_ERR_SHAPE,
        "draw_segmentation_masks: masks must be [N, %lld, %lld] or "
        "[%lld, %lld], got %s",
        (long long)h, (long long)w, (long long)h, (long long)w,
        masks ? pv__shape_str(nd, pv_tensor_shape(masks), buf, sizeof buf)
              : "NULL");
    return NULL;
  }
  if (pv_tensor_dtype(masks) != PV_BOOL && pv_tensor_dtype(masks) != PV_U8) {
    pv_set_error(PV_ERR_DTYPE,
                 "draw_segmentation_masks: masks must be bool, got %s",
                 pv_dtype_name(pv_tensor_dtype(masks)));
    return NULL;
  }
  int64_t n = nd == 2 ? 1 : pv_tensor_dim(masks, 0);
  if (colors && n_colors != 1 && n > n_colors) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "draw_segmentation_masks: There are more masks (%lld) than "
                 "colors (%d)",
                 (long long)n, n_colors);
    return NULL;
  }
  pv_tensor *img = pv_tensor_contiguous((pv_tensor *)image);
  pv_tensor *mk = img ? pv_tensor_contiguous((pv_tensor *)masks) : NULL;
  pv_tensor *out = mk ? pv_tensor_clone(img) : NULL;
  if (!out) {
    pv_tensor_release(img);
    pv_tensor_release(mk);
    return NULL;
  }
  const uint8_t *src = pv_tensor_data(img), *m = pv_tensor_data(mk);
  uint8_t *d = pv_tensor_data(out);
  /* img_to_draw[:, mask] = color, later masks win. */
  for (int64_t k = 0; k < n; k++) {
    pv_color c = colors ? colors[n_colors == 1 ? 0 : k] : pv_color_palette(k);
    const uint8_t *mm = m + k * hw;
    for (int64_t i = 0; i < hw; i++)
      if (mm[i]) {
        d[i] = c.r;
        d[hw + i] = c.g;
        d[2 * hw + i] = c.b;
      }
  }
  /* image * (1 - alpha) + img_to_draw * alpha in float32, then truncation. */
  const float a = (float)(1.0 - alpha), b = (float)alpha;
  for (int64_t i = 0; i < 3 * hw; i++) {
    volatile float p = (float)src[i] * a; /* no fused multiply-add */
    volatile float q = (float)d[i] * b;
    float s = p + q;
    d[i] = s <= 0 ? 0 : s >= 255 ? 255 : (uint8_t)s;
  }
  pv_tensor_release(img);
  pv_tensor_release(mk);
  return out;
}

/* --- keypoints
 * -------------------------------------------------------------------- */

pv_tensor *pv_draw_keypoints(const pv_tensor *image, const pv_tensor *keypoints,
                             const int *connectivity, int n_connections,
                             const pv_color *color, int radius, int width) {
  if (pv__check_image(image, "draw_keypoints", 0) < 0)
    return NULL;
  char buf[PV__SHAPE_STR_LEN];
  if (!keypoints || pv_tensor_ndim(keypoints) != 3 ||
      pv_tensor_dim(keypoints, 2) != 2) {
    pv_set_error(PV_ERR_SHAPE,
                 "draw_keypoints: keypoints must be of shape (num_instances, "
                 "K, 2), got %s",
                 keypoints ? pv__shape_str(pv_tensor_ndim(keypoints),
                                           pv_tensor_shape(keypoints), buf,
                                           sizeof buf)
                           : "NULL");
    return NULL;
  }
  int64_t n = pv_tensor_dim(keypoints, 0), k = pv_tensor_dim(keypoints, 1);
  if (n_connections < 0 || (n_connections > 0 && !connectivity)) {
    pv_set_error(PV_ERR_INVALID_ARG, "draw_keypoints: bad connectivity");
    return NULL;
  }
  for (int i = 0; i < 2 * n_connections; i++)
    if (connectivity[i] < 0 || connectivity[i] >= k) {
      pv_set_error(PV_ERR_RANGE,
                   "draw_keypoints: connection %d refers to keypoint %d of "
                   "%lld",
                   i / 2, connectivity[i], (long long)k);
      return NULL;
    }
  pv_tensor *kc = pv_tensor_contiguous((pv_tensor *)keypoints);
  if (!kc)
    return NULL;
  int h, w;
  uint8_t *px = pv__chw_to_rgb(image, &h, &w);
  if (!px) {
    pv_tensor_release(kc);
    return NULL;
  }
  pv__canvas cv = {px, w, h, 0};
  const void *kd = pv_tensor_data(kc);
  pv_dtype kt = pv_tensor_dtype(kc);
  const pv__ink white = {255, 255, 255, 255};
  for (int64_t i = 0; i < n; i++) {
    if (color) {
      pv__ink ink = {color->r, color->g, color->b, 255};
      for (int64_t j = 0; j < k; j++) {
        int x = pv__coord(pv__load_f64(kd, kt, (i * k + j) * 2));
        int y = pv__coord(pv__load_f64(kd, kt, (i * k + j) * 2 + 1));
        pv__draw_ellipse_filled(&cv, x - radius, y - radius, x + radius,
                                y + radius, ink);
      }
    }
    for (int c = 0; c < n_connections; c++) {
      int64_t s = i * k + connectivity[2 * c],
              e = i * k + connectivity[2 * c + 1];
      int x0 = pv__coord(pv__load_f64(kd, kt, 2 * s));
      int y0 = pv__coord(pv__load_f64(kd, kt, 2 * s + 1));
      int x1 = pv__coord(pv__load_f64(kd, kt, 2 * e));
      int y1 = pv__coord(pv__load_f64(kd, kt, 2 * e + 1));
      if (width <= 1) {
        pv__draw_line(&cv, x0, y0, x1, y1, white);
        pv__draw_point(&cv, x1, y1, white);
      } else {
        pv__draw_wide_line(&cv, x0, y0, x1, y1, white, width);
      }
    }
  }
  pv_tensor_release(kc);
  pv_tensor *out = pv__rgb_to_chw(px, h, w);
  free(px);
  return out;
}
