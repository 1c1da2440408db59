/* Internal helpers shared by the transforms kernels (core/transforms). */
#ifndef POLYVIS_TF_INTERNAL_H
#define POLYVIS_TF_INTERNAL_H

#include "../tensor/tensor_internal.h"

#include <math.h>
#include <polyvis/transforms.h>

/* The geometry of an image tensor [..., C, H, W]: `planes` counts every
 * leading H x W plane (batch dims x channels). */
typedef struct pv__img {
  int64_t planes, c, h, w;
  int ndim;
} pv__img;

/* Validates dtype (u8, u16, f16, f32) and rank (>= `min_rank`, 2 or 3) and
 * fills *g; errors name `op`. */
int pv__tf_check(const pv_tensor *t, const char *op, int min_rank, pv__img *g);
/* A new contiguous tensor shaped like `t` but with the last two dims h, w. */
pv_tensor *pv__tf_alloc_like(const pv_tensor *t, pv_dtype dt, int64_t h,
                             int64_t w);
/* Converts n elements of a contiguous buffer to float32. */
void pv__tf_load_f32(float *dst, const void *src, pv_dtype dt, int64_t n);
/* Stores n floats into dtype `dt`: integer types round half-to-even and
 * clamp (torchvision's round-then-cast after resampling), f16 rounds to
 * nearest, f32 copies. */
void pv__tf_store_round(void *dst, pv_dtype dt, const float *src, int64_t n);
/* Stores with torch's `.to(dtype)` semantics (truncation toward zero) after
 * clamping to [0, max]: the `_blend` rule of the colour ops. */
void pv__tf_store_trunc(void *dst, pv_dtype dt, const float *src, int64_t n);
/* One value cast with torch's `.to(dtype)` (truncation, no clamp beyond the
 * type's range), for fill values. */
void pv__tf_store_trunc_raw(void *dst, pv_dtype dt, float v);
/* Largest value of an image dtype: 255, 65535, or 1 for floats. */
double pv__tf_max_value(pv_dtype dt);
int pv__tf_is_float(pv_dtype dt);

/* torch.linspace(a, b, n)[i] in float32 (the fused multiply-add form of
 * ATen's kernel). */
float pv__linspace_f32(double a, double b, int64_t n, int64_t i);

/* One separable resampling filter: for each output index i, cnt[i] taps
 * idx[i*k + j] with weights w[i*k + j] (j < cnt[i]). */
typedef struct pv__filter {
  int64_t n_out;
  int k;
  int64_t *idx;
  float *w;
  int *cnt;
  int two_tap; /* torch's t0*w0 + t1*w1 form (non-AA bilinear) */
  int aa;      /* antialiased (separable PIL-style) taps */
} pv__filter;

/* Builds the taps torch uses for `mode` (bilinear/bicubic, with or without
 * antialias, align_corners=False) from in_size to out_size. */
int pv__filter_build(pv__filter *f, int64_t in_size, int64_t out_size, int mode,
                     int antialias);
void pv__filter_free(pv__filter *f);
/* Nearest / nearest-exact source index for output index i. */
int64_t pv__nearest_index(int64_t i, int64_t in_size, int64_t out_size,
                          int exact);

/* Resizes `planes` float32 planes h x w -> oh x ow with separable filters
 * (width pass first, then height, as torch). */
int pv__resample_f32(const float *src, int64_t planes, int64_t h, int64_t w,
                     const pv__filter *fy, const pv__filter *fx, float *dst);

#endif
