/* The one RESIZE tap builder (and the CPU's separable passes), compiled into
 * libpolyvis (core/transforms/resize.c, the built-in CPU op) and into each
 * plugin that runs RESIZE (cpu, vulkan, opencl), so every device computes
 * the same taps with the same arithmetic and replays the same sum order.
 *
 * Per axis and per output index: a tap count, source indices and float32
 * weights, plus the axis' accumulation form (PV__RS_*), which the kernels
 * replay operation for operation:
 *  - torch modes (coord_mode 0, no ONNX rounding/exclude_outside): torch
 *    1.13's ATen CPU kernels (upsample_{nearest,bilinear,bicubic}2d,
 *    _upsample_{bilinear,bicubic}2d_aa), with align_corners, user scales and
 *    cubic_a: float32 weights from ATen's mixed float/double expressions and
 *    explicit FMA where torch's -mfma build contracts;
 *  - ONNX modes (coord_mode, nearest_mode, exclude_outside): the ONNX
 *    reference's coordinates in double, taps summed from 0 unfused.
 * Internal (pv__rs_*); hidden in the plugins by their default visibility. */
#ifndef PV_BACKENDS_COMMON_RESIZE_TAPS_H
#define PV_BACKENDS_COMMON_RESIZE_TAPS_H

#include <polyvis/plugin.h>

#include <stdint.h>

/* Accumulation forms of one axis' taps x[idx[j]] * w[j], j < cnt. */
enum {
  PV__RS_TWO = 0,   /* fma(x0, w0, x1 * w1): torch's plain bilinear */
  PV__RS_CHAIN = 1, /* x0 * w0, then acc + xj * wj rounded separately
                       (torch's antialiased width pass; contiguous taps) */
  PV__RS_FMA = 2,   /* x0 * w0, then fma(xj, wj, acc) (bicubic, the
                       antialiased height pass, torch's nearest) */
  PV__RS_SUM0 = 3,  /* 0, then acc + wj * xj unfused (the ONNX modes) */
  PV__RS_COPY = 4   /* one tap, copied (the ONNX modes' nearest height) */
};
/* A count of 0 gives 0 in every form (an empty antialias window). */

typedef struct pv__rs_taps {
  int64_t n_out;
  int k;        /* record size: the most taps of an output index */
  int form;     /* PV__RS_* */
  int *cnt;     /* [n_out] taps used, <= k */
  int64_t *idx; /* [n_out * k] source indices; unused slots 0 */
  float *w;     /* [n_out * k] weights; unused slots 0 */
} pv__rs_taps;

/* Whether the attrs select the ONNX paths. */
int pv__rs_uses_onnx(const pv_resize_attrs *a);

/* k of an axis (axis 0 = H, 1 = W) before building it, for size checks. */
int64_t pv__rs_axis_k(const pv_resize_attrs *a, int axis, int64_t in,
                      int64_t out);

/* Builds the taps of one axis: in > 0 source, out > 0 output positions,
 * user scale a->scale[axis]. Returns 0, or -1 when out of memory (t is then
 * empty); the caller reports the error. */
int pv__rs_taps_build(pv__rs_taps *t, const pv_resize_attrs *a, int axis,
                      int64_t in, int64_t out);
void pv__rs_taps_free(pv__rs_taps *t);

/* The CPU resampler: planes of h x w (float src, or uint8 src8 read
 * exactly as float when src8 is not NULL) to planes of ty->n_out x
 * tx->n_out floats in dst, the width pass into a float intermediate (only
 * on the rows the height taps read), then the height pass, each in its
 * axis' form. par is the caller's parallel_for. Returns 0, or -1 when out of
 * memory. */
typedef void (*pv__rs_parallel)(int64_t n, int64_t grain, pv_parallel_fn fn,
                                void *ctx);
int pv__rs_resample(const float *src, const uint8_t *src8, int64_t planes,
                    int64_t h, int64_t w, const pv__rs_taps *ty,
                    const pv__rs_taps *tx, float *dst, pv__rs_parallel par);

#endif
