/* Shared helpers of the transforms kernels: argument checks, dtype
 * conversion to and from the float32 working type. */
#include "tf_internal.h"

int pv__tf_is_float(pv_dtype dt) { return dt == PV_F32 || dt == PV_F16; }

double pv__tf_max_value(pv_dtype dt) {
  switch (dt) {
  case PV_U8:
    return 255.0;
  case PV_U16:
    return 65535.0;
  default:
    return 1.0;
  }
}

int pv__tf_check(const pv_tensor *t, const char *op, int min_rank, pv__img *g) {
  if (!t)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: image is NULL", op);
  if (pv_tensor_device(t))
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "%s: transforms run on host tensors; copy the image "
                        "to the host first",
                        op);
  pv_dtype dt = t->dtype;
  if (dt != PV_U8 && dt != PV_U16 && dt != PV_F32 && dt != PV_F16)
    return pv_set_error(PV_ERR_DTYPE,
                        "%s: image dtype %s is not supported (uint8, "
                        "uint16, float16, float32)",
                        op, pv_dtype_name(dt));
  if (t->ndim < min_rank) {
    char b[PV__SHAPE_STR_LEN];
    return pv_set_error(PV_ERR_SHAPE,
                        "%s: image of shape %s needs at least %d dims "
                        "([..., %sH, W])",
                        op, pv__shape_str(t->ndim, t->shape, b, sizeof b),
                        min_rank, min_rank >= 3 ? "C, " : "");
  }
  g->ndim = t->ndim;
  g->h = t->ndim >= 2 ? t->shape[t->ndim - 2] : 1;
  g->w = t->ndim >= 1 ? t->shape[t->ndim - 1] : 1;
  g->c = t->ndim >= 3 ? t->shape[t->ndim - 3] : 1;
  g->planes = 1;
  for (int i = 0; i < t->ndim - 2; i++) /* leading dims */
    g->planes *= t->shape[i];
  return 0;
}

pv_tensor *pv__tf_alloc_like(const pv_tensor *t, pv_dtype dt, int64_t h,
                             int64_t w) {
  int64_t shape[PV_MAX_DIMS];
  memcpy(shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  shape[t->ndim - 2] = h;
  shape[t->ndim - 1] = w;
  return pv__tensor_alloc(dt, t->ndim, shape, false);
}

void pv__tf_load_f32(float *dst, const void *src, pv_dtype dt, int64_t n) {
  switch (dt) {
  case PV_U8: {
    const uint8_t *s = src;
    for (int64_t i = 0; i < n; i++)
      dst[i] = (float)s[i];
    break;
  }
  case PV_U16: {
    const uint16_t *s = src;
    for (int64_t i = 0; i < n; i++)
      dst[i] = (float)s[i];
    break;
  }
  case PV_F16: {
    const uint16_t *s = src;
    for (int64_t i = 0; i < n; i++)
      dst[i] = pv_half_to_float(s[i]);
    break;
  }
  case PV_F32:
    memcpy(dst, src, (size_t)n * sizeof(float));
    break;
  default:
    pv__convert(dst, PV_F32, src, dt, n);
  }
}

static inline float clampf(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

void pv__tf_store_round(void *dst, pv_dtype dt, const float *src, int64_t n) {
  switch (dt) {
  case PV_U8: {
    uint8_t *d = dst;
    for (int64_t i = 0; i < n; i++) {
      float v = src[i];
      d[i] = v != v ? 0 : (uint8_t)clampf(nearbyintf(v), 0.f, 255.f);
    }
    break;
  }
  case PV_U16: {
    uint16_t *d = dst;
    for (int64_t i = 0; i < n; i++) {
      float v = src[i];
      d[i] = v != v ? 0 : (uint16_t)clampf(nearbyintf(v), 0.f, 65535.f);
    }
    break;
  }
  case PV_F16: {
    uint16_t *d = dst;
    for (int64_t i = 0; i < n; i++)
      d[i] = pv_float_to_half(src[i]);
    break;
  }
  case PV_F32:
    if (dst != (const void *)src)
      memcpy(dst, src, (size_t)n * sizeof(float));
    break;
  default:
    pv__convert(dst, dt, src, PV_F32, n);
  }
}

void pv__tf_store_trunc(void *dst, pv_dtype dt, const float *src, int64_t n) {
  switch (dt) {
  case PV_U8: {
    uint8_t *d = dst;
    for (int64_t i = 0; i < n; i++) {
      float v = src[i];
      d[i] = v != v ? 0 : (uint8_t)clampf(v, 0.f, 255.f);
    }
    break;
  }
  case PV_U16: {
    uint16_t *d = dst;
    for (int64_t i = 0; i < n; i++) {
      float v = src[i];
      d[i] = v != v ? 0 : (uint16_t)clampf(v, 0.f, 65535.f);
    }
    break;
  }
  default: {
    /* float images: torch's _blend clamps to [0, 1] */
    float *tmp = (float *)src;
    if (dt == PV_F32) {
      float *d = dst;
      for (int64_t i = 0; i < n; i++)
        d[i] = clampf(tmp[i], 0.f, 1.f);
    } else {
      uint16_t *d = dst;
      for (int64_t i = 0; i < n; i++)
        d[i] = pv_float_to_half(clampf(tmp[i], 0.f, 1.f));
    }
  }
  }
}

void pv__tf_store_trunc_raw(void *dst, pv_dtype dt, float v) {
  pv__store_f64(dst, dt, 0, (double)v);
}
