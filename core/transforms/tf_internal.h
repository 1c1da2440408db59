/* Internal helpers shared by the transforms kernels (core/transforms). */
#ifndef POLYVIS_TF_INTERNAL_H
#define POLYVIS_TF_INTERNAL_H

#include "../../backends/common/resize_taps.h"
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

/* Resampling taps: the one RESIZE tap builder shared with the CPU op and
 * the GPU plugins (backends/common/resize_taps.h). pv__tf_taps builds one
 * axis for torch's `mode` (align_corners=False, no user scale) from in_size
 * to out_size along axis (0 = H, 1 = W), setting PV_ERR_NOMEM on failure;
 * pv__rs_resample runs the separable passes (width first, then height, as
 * torch). */
int pv__tf_taps(pv__rs_taps *t, int axis, int64_t in_size, int64_t out_size,
                int mode, int antialias);

#endif
