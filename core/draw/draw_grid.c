/*
 * torchvision.utils.make_grid and save_image. Float math is float32 with the
 * same operation order as torch (clamp, subtract, divide; x*255 + 0.5), so
 * results are bit-exact.
 */
#include "draw_internal.h"

#include <math.h>
#include <polyvis/image.h>
#include <strings.h>

void pv_make_grid_options_default(pv_make_grid_options *opt) {
  if (!opt)
    return;
  memset(opt, 0, sizeof *opt);
  opt->nrow = 8;
  opt->padding = 2;
}

static void pv__norm_range(float *x, int64_t n, const pv_make_grid_options *o) {
  double low, high;
  if (o->has_value_range) {
    low = o->value_range[0];
    high = o->value_range[1];
  } else {
    float mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      if (x[i] < mn)
        mn = x[i];
      if (x[i] > mx)
        mx = x[i];
    }
    low = mn;
    high = mx;
  }
  const float fl = (float)low, fh = (float)high;
  const float div = (float)(high - low > 1e-5 ? high - low : 1e-5);
  for (int64_t i = 0; i < n; i++) {
    float v = x[i];
    v = v < fl ? fl : v;
    v = v > fh ? fh : v;
    x[i] = (v - fl) / div;
  }
}

pv_tensor *pv_make_grid(const pv_tensor *batch,
                        const pv_make_grid_options *opt) {
  pv_make_grid_options o;
  if (opt)
    o = *opt;
  else
    pv_make_grid_options_default(&o);
  if (!batch) {
    pv_set_error(PV_ERR_INVALID_ARG, "make_grid: tensor is NULL");
    return NULL;
  }
  if (o.nrow < 1 || o.padding < 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "make_grid: nrow %d / padding %d invalid",
                 o.nrow, o.padding);
    return NULL;
  }
  int nd = pv_tensor_ndim(batch);
  const int64_t *s = pv_tensor_shape(batch);
  int64_t b, c, h, w;
  if (nd == 2) {
    b = 1, c = 1, h = s[0], w = s[1];
  } else if (nd == 3) {
    b = 1, c = s[0], h = s[1], w = s[2];
  } else if (nd == 4) {
    b = s[0], c = s[1], h = s[2], w = s[3];
  } else {
    pv_set_error(PV_ERR_SHAPE, "make_grid: expected 2-4 dims, got %d", nd);
    return NULL;
  }
  if (b < 1 || c < 1) {
    pv_set_error(PV_ERR_SHAPE, "make_grid: empty batch");
    return NULL;
  }
  pv_dtype dt = pv_tensor_dtype(batch);
  if (dt != PV_U8 && dt != PV_F32) {
    pv_set_error(PV_ERR_DTYPE, "make_grid: float32 or uint8 expected, got %s",
                 pv_dtype_name(dt));
    return NULL;
  }
  if (o.normalize && dt != PV_F32) {
    pv_set_error(PV_ERR_DTYPE, "make_grid: normalize needs float32 images");
    return NULL;
  }
  pv_tensor *src = pv_tensor_contiguous((pv_tensor *)batch);
  if (!src)
    return NULL;
  int64_t oc = c == 1 ? 3 : c, chw = c * h * w, hw = h * w;
  size_t es = pv_dtype_size(dt);
  /* Working copy [b, oc, h, w] with gray repeated to 3 channels. */
  int64_t wshape[4] = {b, oc, h, w};
  pv_tensor *work = pv_tensor_create(dt, 4, wshape);
  if (!work) {
    pv_tensor_release(src);
    return NULL;
  }
  const uint8_t *sp = pv_tensor_data(src);
  uint8_t *wp = pv_tensor_data(work);
  for (int64_t i = 0; i < b; i++)
    for (int64_t k = 0; k < oc; k++)
      memcpy(wp + (size_t)((i * oc + k) * hw) * es,
             sp + (size_t)(i * chw + (c == 1 ? 0 : k) * hw) * es,
             (size_t)hw * es);
  pv_tensor_release(src);
  if (o.normalize) {
    float *x = (float *)wp;
    if (o.scale_each)
      for (int64_t i = 0; i < b; i++)
        pv__norm_range(x + i * oc * hw, oc * hw, &o);
    else
      pv__norm_range(x, b * oc * hw, &o);
  }
  if (b == 1) {
    pv_tensor *r = pv_tensor_reshape(work, 3, wshape + 1);
    pv_tensor_release(work);
    return r;
  }
  int64_t xmaps = PV__MIN((int64_t)o.nrow, b);
  int64_t ymaps = (b + xmaps - 1) / xmaps;
  int64_t ch = h + o.padding, cw = w + o.padding;
  int64_t gshape[3] = {oc, ch * ymaps + o.padding, cw * xmaps + o.padding};
  pv_tensor *grid = pv_tensor_create(dt, 3, gshape);
  if (!grid) {
    pv_tensor_release(work);
    return NULL;
  }
  int64_t gn = pv_tensor_numel(grid), gw = gshape[2], ghw = gshape[1] * gw;
  if (dt == PV_F32) {
    float *g = pv_tensor_data(grid);
    for (int64_t i = 0; i < gn; i++)
      g[i] = o.pad_value;
  } else {
    float pv = o.pad_value;
    uint8_t v = pv <= 0 ? 0 : pv >= 255 ? 255 : (uint8_t)pv;
    memset(pv_tensor_data(grid), v, (size_t)gn);
  }
  uint8_t *gp = pv_tensor_data(grid);
  for (int64_t k = 0; k < b; k++) {
    int64_t y = k / xmaps, x = k % xmaps;
    int64_t oy = y * ch + o.padding, ox = x * cw + o.padding;
    for (int64_t ci = 0; ci < oc; ci++)
      for (int64_t r = 0; r < h; r++)
        memcpy(gp + (size_t)(ci * ghw + (oy + r) * gw + ox) * es,
               wp + (size_t)(((k * oc + ci) * h + r) * w) * es, (size_t)w * es);
  }
  pv_tensor_release(work);
  return grid;
}

int pv_save_image(const pv_tensor *batch, const char *path,
                  const pv_make_grid_options *opt) {
  if (!path)
    return pv_set_error(PV_ERR_INVALID_ARG, "save_image: path is NULL");
  const char *dot = strrchr(path, '.');
  int jpeg = dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
  if (!jpeg && !(dot && !strcasecmp(dot, ".png")))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "save_image: '%s' must end in .png, .jpg or .jpeg",
                        path);
  pv_tensor *grid = pv_make_grid(batch, opt);
  if (!grid)
    return pv_last_status();
  pv_tensor *u8 = grid;
  if (pv_tensor_dtype(grid) == PV_F32) {
    u8 = pv_tensor_create(PV_U8, 3, pv_tensor_shape(grid));
    if (u8) {
      const float *g = pv_tensor_data(grid);
      uint8_t *d = pv_tensor_data(u8);
      for (int64_t i = 0; i < pv_tensor_numel(grid); i++) {
        volatile float v = g[i] * 255.0f; /* mul(255) then add_(0.5) */
        float x = v + 0.5f;
        d[i] = x >= 255.0f ? 255 : x > 0.0f ? (uint8_t)x : 0;
      }
    }
    pv_tensor_release(grid);
    if (!u8)
      return pv_last_status();
  }
  int st = jpeg ? pv_write_jpeg(u8, path, 95) : pv_write_png(u8, path, 6);
  pv_tensor_release(u8);
  return st;
}
