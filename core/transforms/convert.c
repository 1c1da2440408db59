/* Type conversion and normalisation: v1 convert_image_dtype, v2 to_dtype
 * (scale semantics), normalize. */
#include "tf_internal.h"

static int supported_out(pv_dtype dt) {
  return dt == PV_U8 || dt == PV_U16 || dt == PV_F32 || dt == PV_F16;
}

typedef struct {
  const void *src;
  void *dst;
  pv_dtype st, dt;
  int kind; /* 0 int->float div, 1 int->float mul-recip, 2 float->int,
               3 int->int */
  double max_in, max_out;
  int shift;
} conv_ctx;

static void conv_chunk(void *vctx, int64_t begin, int64_t end) {
  conv_ctx *c = vctx;
  float buf[1024];
  for (int64_t i = begin; i < end; i += 1024) {
    int64_t n = PV__MIN(1024, end - i);
    size_t ss = pv_dtype_size(c->st), ds = pv_dtype_size(c->dt);
    const uint8_t *s = (const uint8_t *)c->src + (size_t)i * ss;
    uint8_t *d = (uint8_t *)c->dst + (size_t)i * ds;
    if (c->kind == 3) {
      for (int64_t k = 0; k < n; k++) {
        uint32_t v = c->st == PV_U8 ? s[k] : ((const uint16_t *)s)[k];
        v = c->shift > 0 ? v << c->shift : v >> -c->shift;
        if (c->dt == PV_U8)
          d[k] = (uint8_t)v;
        else
          ((uint16_t *)d)[k] = (uint16_t)v;
      }
      continue;
    }
    pv__tf_load_f32(buf, s, c->st, n);
    if (c->kind == 0) {
      float m = (float)c->max_in;
      for (int64_t k = 0; k < n; k++)
        buf[k] = buf[k] / m;
    } else if (c->kind == 1) {
      float r = (float)(1.0 / c->max_in);
      for (int64_t k = 0; k < n; k++)
        buf[k] = buf[k] * r;
    } else {
      float m = (float)(c->max_out + 1.0 - 1e-3);
      for (int64_t k = 0; k < n; k++) {
        float v = buf[k] * m;
        if (c->st == PV_F16) /* torch rounds the f16 product to f16 */
          v = pv_half_to_float(pv_float_to_half(v));
        buf[k] = v;
      }
    }
    if (c->kind == 2)
      pv__tf_store_trunc(d, c->dt, buf, n);
    else
      pv__tf_store_round(d, c->dt, buf, n);
  }
}

static pv_tensor *convert(pv_tensor *img, pv_dtype dtype, int v2,
                          const char *op) {
  pv__img g;
  if (pv__tf_check(img, op, 0, &g))
    return NULL;
  if (img->dtype == dtype)
    return pv_tensor_retain(img);
  int fin = pv__tf_is_float(img->dtype), fout = pv__tf_is_float(dtype);
  if (fin && !fout && (dtype == PV_I32 || dtype == PV_I64)) {
    pv_set_error(PV_ERR_DTYPE,
                 "%s: the conversion from %s to %s cannot be performed "
                 "safely",
                 op, pv_dtype_name(img->dtype), pv_dtype_name(dtype));
    return NULL;
  }
  if (!supported_out(dtype)) {
    pv_set_error(PV_ERR_DTYPE,
                 "%s: output dtype %s is not supported (uint8, uint16, "
                 "float16, float32)",
                 op, pv_dtype_name(dtype));
    return NULL;
  }
  if (fin && fout)
    return pv_tensor_cast(img, dtype);
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  pv_tensor *out = pv__tensor_alloc(dtype, src->ndim, src->shape, false);
  if (!out) {
    pv_tensor_release(src);
    return NULL;
  }
  conv_ctx c = {pv_tensor_data(src),
                pv_tensor_data(out),
                src->dtype,
                dtype,
                0,
                pv__tf_max_value(src->dtype),
                pv__tf_max_value(dtype),
                0};
  if (!fin && fout)
    c.kind = v2 ? 1 : 0;
  else if (fin)
    c.kind = 2;
  else {
    c.kind = 3;
    c.shift = (dtype == PV_U16 ? 16 : 8) - (src->dtype == PV_U16 ? 16 : 8);
  }
  pv__parallel_for(pv_tensor_numel(src), 1 << 16, conv_chunk, &c);
  pv_tensor_release(src);
  return out;
}

pv_tensor *pv_convert_image_dtype(pv_tensor *img, pv_dtype dtype) {
  return convert(img, dtype, 0, "convert_image_dtype");
}

pv_tensor *pv_to_dtype(pv_tensor *img, pv_dtype dtype, int scale) {
  if (!scale) {
    if (!img) {
      pv_set_error(PV_ERR_INVALID_ARG, "to_dtype: image is NULL");
      return NULL;
    }
    return img->dtype == dtype ? pv_tensor_retain(img)
                               : pv_tensor_cast(img, dtype);
  }
  return convert(img, dtype, 1, "to_dtype");
}

typedef struct {
  const void *src;
  void *dst;
  pv_dtype dt;
  int64_t hw, c;
  const float *mean, *std;
} norm_ctx;

static void norm_planes(void *vctx, int64_t begin, int64_t end) {
  norm_ctx *c = vctx;
  for (int64_t p = begin; p < end; p++) {
    int64_t ch = p % c->c;
    float m = c->mean[ch], s = c->std[ch];
    if (c->dt == PV_F32) {
      const float *x = (const float *)c->src + p * c->hw;
      float *y = (float *)c->dst + p * c->hw;
      for (int64_t i = 0; i < c->hw; i++)
        y[i] = (x[i] - m) / s;
    } else {
      const uint16_t *x = (const uint16_t *)c->src + p * c->hw;
      uint16_t *y = (uint16_t *)c->dst + p * c->hw;
      for (int64_t i = 0; i < c->hw; i++) {
        float d =
            pv_half_to_float(pv_float_to_half(pv_half_to_float(x[i]) - m));
        y[i] = pv_float_to_half(d / s);
      }
    }
  }
}

pv_tensor *pv_normalize(pv_tensor *img, const float *mean, const float *std,
                        int n) {
  pv__img g;
  if (pv__tf_check(img, "normalize", 3, &g))
    return NULL;
  if (!pv__tf_is_float(img->dtype)) {
    pv_set_error(PV_ERR_DTYPE,
                 "normalize: input tensor should be a float tensor, got %s; "
                 "convert it with to_dtype(float32, scale=true) first",
                 pv_dtype_name(img->dtype));
    return NULL;
  }
  if (!mean || !std || (n != 1 && n != g.c) || g.c > 4096) {
    pv_set_error(PV_ERR_SHAPE,
                 "normalize: mean/std have %d values for %lld channels", n,
                 (long long)g.c);
    return NULL;
  }
  float *ms = malloc(sizeof(float) * (size_t)(2 * g.c));
  if (!ms) {
    pv_set_error(PV_ERR_NOMEM, "normalize: out of memory");
    return NULL;
  }
  for (int64_t i = 0; i < g.c; i++) {
    float m = mean[n == 1 ? 0 : i], s = std[n == 1 ? 0 : i];
    if (img->dtype == PV_F16) {
      m = pv_half_to_float(pv_float_to_half(m));
      s = pv_half_to_float(pv_float_to_half(s));
    }
    if (s == 0.0f) {
      free(ms);
      pv_set_error(PV_ERR_INVALID_ARG,
                   "normalize: std evaluated to zero at channel %lld, leading "
                   "to division by zero",
                   (long long)i);
      return NULL;
    }
    ms[i] = m;
    ms[g.c + i] = s;
  }
  pv_tensor *src = pv_tensor_contiguous(img);
  pv_tensor *out =
      src ? pv__tensor_alloc(src->dtype, src->ndim, src->shape, false) : NULL;
  if (out) {
    norm_ctx c = {pv_tensor_data(src),
                  pv_tensor_data(out),
                  src->dtype,
                  g.h * g.w,
                  g.c,
                  ms,
                  ms + g.c};
    pv__parallel_for(g.planes, 1, norm_planes, &c);
  }
  free(ms);
  pv_tensor_release(src);
  return out;
}
