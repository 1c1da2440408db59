/*
 * Reference pooling on [N, C, H, W] or [C, H, W]: MAX_POOL2D (dilation,
 * ceil_mode, padding as -inf, NaN propagates), AVG_POOL2D (count_include_pad
 * counts the padded window clipped to input + padding, as torch does;
 * divisor_override), and the adaptive pools, whose window for output o of O
 * over I is [floor(o*I/O), ceil((o+1)*I/O)). Output sizes come from shape
 * inference.
 */
#include "ref_internal.h"

int pv__ref_pool(const pv__ref_args *r) {
  const pv_pool_attrs *p = &r->a->pool;
  const pv_tensor_desc *xd = &r->in[0], *od = &r->out[0];
  int hd = xd->ndim - 2, dt = xd->dtype;
  int64_t H = xd->shape[hd], W = xd->shape[hd + 1];
  int64_t OH = od->shape[hd], OW = od->shape[hd + 1];
  int64_t planes = pv__desc_numel(xd) / ((H * W) != 0 ? H * W : 1);
  if (H * W == 0)
    planes = pv__desc_numel(od) / ((OH * OW) != 0 ? OH * OW : 1);
  for (int64_t pl = 0; pl < planes; pl++) {
    const int64_t xb = pl * H * W;
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        double v = 0;
        if (r->op == PV_OP_MAX_POOL2D) {
          v = -INFINITY;
          for (int64_t kh = 0; kh < p->kernel[0]; kh++) {
            int64_t ih =
                oh * p->stride[0] - p->padding[0] + kh * p->dilation[0];
            if (ih < 0 || ih >= H)
              continue;
            for (int64_t kw = 0; kw < p->kernel[1]; kw++) {
              int64_t iw =
                  ow * p->stride[1] - p->padding[1] + kw * p->dilation[1];
              if (iw < 0 || iw >= W)
                continue;
              double e = pv__ref_ld(r->x[0], dt, xb + ih * W + iw);
              if (e > v || isnan(e))
                v = e;
              if (isnan(v))
                break;
            }
          }
        } else if (r->op == PV_OP_AVG_POOL2D) {
          int64_t h0 = oh * p->stride[0] - p->padding[0];
          int64_t w0 = ow * p->stride[1] - p->padding[1];
          int64_t h1 = PV__MIN(h0 + p->kernel[0], H + p->padding[2]);
          int64_t w1 = PV__MIN(w0 + p->kernel[1], W + p->padding[3]);
          int64_t pool_size = (h1 - h0) * (w1 - w0);
          h0 = PV__MAX(h0, 0);
          w0 = PV__MAX(w0, 0);
          h1 = PV__MIN(h1, H);
          w1 = PV__MIN(w1, W);
          double sum = 0;
          for (int64_t ih = h0; ih < h1; ih++)
            for (int64_t iw = w0; iw < w1; iw++)
              sum += pv__ref_ld(r->x[0], dt, xb + ih * W + iw);
          int64_t div = p->divisor_override    ? p->divisor_override
                        : p->count_include_pad ? pool_size
                                               : (h1 - h0) * (w1 - w0);
          v = div ? sum / (double)div : NAN;
        } else {
          int64_t h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
          int64_t w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
          bool mx = r->op == PV_OP_ADAPTIVE_MAX_POOL2D;
          double acc = mx ? -INFINITY : 0;
          for (int64_t ih = h0; ih < h1; ih++)
            for (int64_t iw = w0; iw < w1; iw++) {
              double e = pv__ref_ld(r->x[0], dt, xb + ih * W + iw);
              if (!mx)
                acc += e;
              else if (e > acc || isnan(e) || isnan(acc))
                acc = isnan(acc) ? acc : e;
            }
          v = mx ? acc : acc / (double)((h1 - h0) * (w1 - w0));
        }
        pv__ref_st(r->y[0], od->dtype, (pl * OH + oh) * OW + ow, v);
      }
  }
  return 0;
}
