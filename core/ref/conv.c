/*
 * Reference CONV2D and CONV_TRANSPOSE2D (NCHW), as F.conv2d and
 * F.conv_transpose2d. Weights: conv [O, C/g, kh, kw]; transposed conv
 * [Cin, Cout/g, kh, kw]. Padding is top, left, bottom, right; a transposed
 * conv crops `top`/`left` from the full output and its size comes from shape
 * inference (so bottom/right padding and output_padding only change the
 * size). Accumulation is in double; the fused activation runs before the
 * single rounding on store.
 */
#include "ref_internal.h"

static int conv2d(const pv__ref_args *r) {
  const pv_conv_attrs *a = &r->a->conv;
  const pv_tensor_desc *xd = &r->in[0], *wd = &r->in[1], *od = &r->out[0];
  int xt = xd->dtype, wt = wd->dtype;
  bool has_b = r->n_in > 2 && r->x[2];
  int64_t N = xd->shape[0], C = xd->shape[1], H = xd->shape[2],
          W = xd->shape[3];
  int64_t O = od->shape[1], OH = od->shape[2], OW = od->shape[3];
  int64_t KH = wd->shape[2], KW = wd->shape[3];
  int64_t G = a->groups > 0 ? a->groups : 1, CG = C / G, OG = O / G;
  for (int64_t n = 0; n < N; n++)
    for (int64_t o = 0; o < O; o++) {
      int64_t g = o / OG;
      double bias = has_b ? pv__ref_ld(r->x[2], r->in[2].dtype, o) : 0.0;
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          double acc = bias;
          for (int64_t c = 0; c < CG; c++)
            for (int64_t kh = 0; kh < KH; kh++) {
              int64_t ih =
                  oh * a->stride[0] - a->padding[0] + kh * a->dilation[0];
              if (ih < 0 || ih >= H)
                continue;
              for (int64_t kw = 0; kw < KW; kw++) {
                int64_t iw =
                    ow * a->stride[1] - a->padding[1] + kw * a->dilation[1];
                if (iw < 0 || iw >= W)
                  continue;
                int64_t xi = ((n * C + g * CG + c) * H + ih) * W + iw;
                int64_t wi = ((o * CG + c) * KH + kh) * KW + kw;
                acc +=
                    pv__ref_ld(r->x[0], xt, xi) * pv__ref_ld(r->x[1], wt, wi);
              }
            }
          pv__ref_st(r->y[0], od->dtype, ((n * O + o) * OH + oh) * OW + ow,
                     pv__ref_act(&a->act, acc));
        }
    }
  return 0;
}

static int conv_transpose2d(const pv__ref_args *r) {
  const pv_conv_attrs *a = &r->a->conv;
  const pv_tensor_desc *xd = &r->in[0], *wd = &r->in[1], *od = &r->out[0];
  int xt = xd->dtype, wt = wd->dtype;
  bool has_b = r->n_in > 2 && r->x[2];
  int64_t N = xd->shape[0], C = xd->shape[1], H = xd->shape[2],
          W = xd->shape[3];
  int64_t O = od->shape[1], OH = od->shape[2], OW = od->shape[3];
  int64_t KH = wd->shape[2], KW = wd->shape[3];
  int64_t G = a->groups > 0 ? a->groups : 1, CG = C / G, OG = O / G;
  int64_t total = N * O * OH * OW;
  double *acc = calloc((size_t)(total ? total : 1), sizeof(double));
  if (!acc)
    return pv_set_error(PV_ERR_NOMEM, "ref conv_transpose2d: out of memory");
  /* Scatter every input element through the kernel into the output. */
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      int64_t g = c / CG;
      for (int64_t ih = 0; ih < H; ih++)
        for (int64_t iw = 0; iw < W; iw++) {
          double xv = pv__ref_ld(r->x[0], xt, ((n * C + c) * H + ih) * W + iw);
          for (int64_t ol = 0; ol < OG; ol++) {
            int64_t o = g * OG + ol;
            for (int64_t kh = 0; kh < KH; kh++) {
              int64_t oh =
                  ih * a->stride[0] - a->padding[0] + kh * a->dilation[0];
              if (oh < 0 || oh >= OH)
                continue;
              for (int64_t kw = 0; kw < KW; kw++) {
                int64_t ow =
                    iw * a->stride[1] - a->padding[1] + kw * a->dilation[1];
                if (ow < 0 || ow >= OW)
                  continue;
                double wv = pv__ref_ld(r->x[1], wt,
                                       ((c * OG + ol) * KH + kh) * KW + kw);
                acc[((n * O + o) * OH + oh) * OW + ow] += xv * wv;
              }
            }
          }
        }
    }
  for (int64_t i = 0; i < total; i++) {
    int64_t o = (i / (OH * OW)) % O;
    double b = has_b ? pv__ref_ld(r->x[2], r->in[2].dtype, o) : 0.0;
    pv__ref_st(r->y[0], od->dtype, i, pv__ref_act(&a->act, acc[i] + b));
  }
  free(acc);
  return 0;
}

int pv__ref_conv(const pv__ref_args *r) {
  if (!pv__ref_is_float(r->in[0].dtype) || r->in[1].dtype != r->in[0].dtype)
    return pv_set_error(PV_ERR_DTYPE,
                        "ref %s: needs float input and weight of one dtype",
                        pv_op_name(r->op));
  return r->op == PV_OP_CONV2D ? conv2d(r) : conv_transpose2d(r);
}
