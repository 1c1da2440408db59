/*
 * Reference normalisations and softmax: BATCH_NORM (inference, running
 * stats), LAYER_NORM over the last n_norm_dims dims, GROUP_NORM,
 * INSTANCE_NORM (statistics of each sample), SOFTMAX and LOG_SOFTMAX along
 * one axis. Statistics are two-pass in double with the biased variance, as
 * torch uses for normalisation.
 */
#include "ref_internal.h"

static double opt_param(const pv__ref_args *r, int i, int64_t k, double dflt) {
  if (r->n_in <= i || !r->x[i])
    return dflt;
  return pv__ref_ld(r->x[i], r->in[i].dtype, k);
}

/* Normalises `count` groups of `len` contiguous elements; the affine
 * parameter of element j of a group is index pidx(g, j). */
static void normalize_groups(const pv__ref_args *r, int64_t count, int64_t len,
                             double eps,
                             int64_t (*pidx)(int64_t, int64_t, const void *),
                             const void *ctx) {
  int dt = r->in[0].dtype;
  for (int64_t g = 0; g < count; g++) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < len; j++)
      mean += pv__ref_ld(r->x[0], dt, g * len + j);
    mean /= (double)len;
    for (int64_t j = 0; j < len; j++) {
      double d = pv__ref_ld(r->x[0], dt, g * len + j) - mean;
      var += d * d;
    }
    var /= (double)len;
    double inv = 1.0 / sqrt(var + eps);
    for (int64_t j = 0; j < len; j++) {
      int64_t k = pidx(g, j, ctx);
      double v = (pv__ref_ld(r->x[0], dt, g * len + j) - mean) * inv;
      v = v * opt_param(r, 1, k, 1.0) + opt_param(r, 2, k, 0.0);
      pv__ref_st(r->y[0], dt, g * len + j, v);
    }
  }
}

typedef struct {
  int64_t C, G, HW;
} chan_ctx;

/* LAYER_NORM: the parameter index is the position inside the group. */
static int64_t pidx_layer(int64_t g, int64_t j, const void *ctx) {
  (void)g;
  (void)ctx;
  return j;
}
/* GROUP_NORM / INSTANCE_NORM: the channel of element j of group g. */
static int64_t pidx_chan(int64_t g, int64_t j, const void *ctx) {
  const chan_ctx *c = ctx;
  int64_t cg = c->C / c->G;
  return (g % c->G) * cg + j / c->HW;
}

static int softmax(const pv__ref_args *r) {
  const pv_tensor_desc *xd = &r->in[0];
  int ax = r->a->axis.axis < 0 ? r->a->axis.axis + xd->ndim : r->a->axis.axis;
  int64_t outer = 1, inner = 1, len = xd->shape[ax], dt = xd->dtype;
  for (int k = 0; k < ax; k++)
    outer *= xd->shape[k];
  for (int k = ax + 1; k < xd->ndim; k++)
    inner *= xd->shape[k];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      int64_t base = o * len * inner + in;
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < len; j++) {
        double v = pv__ref_ld(r->x[0], (int)dt, base + j * inner);
        mx = v > mx || isnan(v) ? v : mx;
      }
      for (int64_t j = 0; j < len; j++)
        sum += exp(pv__ref_ld(r->x[0], (int)dt, base + j * inner) - mx);
      for (int64_t j = 0; j < len; j++) {
        double d = pv__ref_ld(r->x[0], (int)dt, base + j * inner) - mx;
        double v = r->op == PV_OP_SOFTMAX ? exp(d) / sum : d - log(sum);
        pv__ref_st(r->y[0], (int)dt, base + j * inner, v);
      }
    }
  return 0;
}

int pv__ref_norm(const pv__ref_args *r) {
  const pv_tensor_desc *xd = &r->in[0];
  if (!pv__ref_is_float(xd->dtype))
    return pv_set_error(PV_ERR_DTYPE, "ref %s: needs a float input",
                        pv_op_name(r->op));
  const pv_norm_attrs *na = &r->a->norm;
  int64_t numel = pv__desc_numel(xd);
  int64_t N = xd->ndim > 0 ? xd->shape[0] : 1;
  int64_t C = xd->ndim > 1 ? xd->shape[1] : 1;
  int64_t HW = (N * C) != 0 ? numel / (N * C) : 0;
  switch (r->op) {
  case PV_OP_BATCH_NORM:
    for (int64_t i = 0; i < numel; i++) {
      int64_t c = HW ? (i / HW) % C : 0;
      double x = pv__ref_ld(r->x[0], xd->dtype, i);
      double w = pv__ref_ld(r->x[1], r->in[1].dtype, c);
      double b = pv__ref_ld(r->x[2], r->in[2].dtype, c);
      double m = pv__ref_ld(r->x[3], r->in[3].dtype, c);
      double v = pv__ref_ld(r->x[4], r->in[4].dtype, c);
      pv__ref_st(r->y[0], xd->dtype, i, (x - m) / sqrt(v + na->eps) * w + b);
    }
    return 0;
  case PV_OP_LAYER_NORM: {
    int64_t len = 1;
    for (int k = xd->ndim - na->n_norm_dims; k < xd->ndim; k++)
      len *= xd->shape[k];
    if (len == 0)
      return 0;
    normalize_groups(r, numel / len, len, na->eps, pidx_layer, NULL);
    return 0;
  }
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM: {
    chan_ctx c = {C, r->op == PV_OP_GROUP_NORM ? na->groups : C, HW};
    int64_t len = c.G ? C / c.G * HW : 0;
    if (len == 0)
      return 0;
    normalize_groups(r, numel / len, len, na->eps, pidx_chan, &c);
    return 0;
  }
  default:
    return softmax(r);
  }
}
