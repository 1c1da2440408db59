/*
 * Reference layout ops. They move whole elements byte-wise, so they work for
 * every dtype: RESHAPE (a copy), PERMUTE, CONCAT, SLICE (Python clamping,
 * negative steps), PAD (per dim before/after, negative values crop; constant,
 * reflect, replicate and circular modes), GATHER (ONNX: negative indices
 * wrap once, out-of-range indices are an error), EXPAND (numpy broadcast) and
 * TILE. Each loops over the output's flat index and computes the source
 * element from the output coordinates.
 */
#include "ref_internal.h"
#include "tensor/tensor_internal.h"

/* Copies element `si` of src to element `di` of dst. */
static inline void cp(void *dst, int64_t di, const void *src, int64_t si,
                      size_t es) {
  memcpy((char *)dst + (size_t)di * es, (const char *)src + (size_t)si * es,
         es);
}

static int64_t flat(const pv_tensor_desc *d, const int64_t *c) {
  int64_t i = 0;
  for (int k = 0; k < d->ndim; k++)
    i = i * d->shape[k] + c[k];
  return i;
}

/* Maps padded coordinate i (relative to the input start) into [0, n). */
static int64_t pad_src(int mode, int64_t i, int64_t n) {
  if (i >= 0 && i < n)
    return i;
  switch (mode) {
  case PV_PAD_REFLECT:
    if (n == 1)
      return 0;
    while (i < 0 || i >= n) /* reflect without repeating the edge */
      i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
  case PV_PAD_REPLICATE:
    return i < 0 ? 0 : n - 1;
  case PV_PAD_CIRCULAR:
    return ((i % n) + n) % n;
  default:
    return -1; /* constant */
  }
}

int pv__ref_layout(const pv__ref_args *r) {
  const pv_tensor_desc *xd = &r->in[0], *od = &r->out[0];
  size_t es = pv_dtype_size((pv_dtype)od->dtype);
  int64_t n = pv__desc_numel(od), oc[PV_MAX_DIMS], ic[PV_MAX_DIMS];
  const pv_op_attrs *a = r->a;
  switch (r->op) {
  case PV_OP_RESHAPE:
    if (n)
      memcpy(r->y[0], r->x[0], (size_t)n * es);
    return 0;
  case PV_OP_PERMUTE:
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      for (int k = 0; k < od->ndim; k++)
        ic[a->permute.perm[k]] = oc[k];
      cp(r->y[0], i, r->x[0], flat(xd, ic), es);
    }
    return 0;
  case PV_OP_CONCAT: {
    int ax = a->axis.axis < 0 ? a->axis.axis + od->ndim : a->axis.axis;
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      int64_t c = oc[ax];
      int j = 0;
      while (c >= r->in[j].shape[ax]) /* shapes sum to the output's */
        c -= r->in[j++].shape[ax];
      memcpy(ic, oc, sizeof ic);
      ic[ax] = c;
      cp(r->y[0], i, r->x[j], flat(&r->in[j], ic), es);
    }
    return 0;
  }
  case PV_OP_SLICE: {
    int64_t start[PV_MAX_DIMS];
    for (int k = 0; k < xd->ndim; k++) {
      int64_t s = a->slice.start[k], e = a->slice.end[k], cnt;
      pv__slice_normalize(xd->shape[k], &s, &e, a->slice.step[k], &cnt);
      start[k] = s;
    }
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      for (int k = 0; k < od->ndim; k++)
        ic[k] = start[k] + oc[k] * a->slice.step[k];
      cp(r->y[0], i, r->x[0], flat(xd, ic), es);
    }
    return 0;
  }
  case PV_OP_PAD: {
    if (a->pad.mode < PV_PAD_CONSTANT || a->pad.mode > PV_PAD_CIRCULAR)
      return pv_set_error(PV_ERR_INVALID_ARG, "ref pad: unknown mode %d",
                          a->pad.mode);
    uint8_t fill[8] = {0};
    pv__ref_st(fill, od->dtype, 0, a->pad.value);
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      bool inside = true;
      for (int k = 0; k < od->ndim && inside; k++) {
        ic[k] = pad_src(a->pad.mode, oc[k] - a->pad.pads[2 * k], xd->shape[k]);
        inside = ic[k] >= 0;
      }
      if (inside)
        cp(r->y[0], i, r->x[0], flat(xd, ic), es);
      else
        memcpy((char *)r->y[0] + (size_t)i * es, fill, es);
    }
    return 0;
  }
  case PV_OP_GATHER: {
    const pv_tensor_desc *id = &r->in[1];
    int ax = a->axis.axis < 0 ? a->axis.axis + xd->ndim : a->axis.axis;
    int64_t dim = xd->shape[ax];
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      int64_t ii = 0;
      for (int k = 0; k < id->ndim; k++)
        ii = ii * id->shape[k] + oc[ax + k];
      int64_t idx = pv__ref_ldi(r->x[1], id->dtype, ii);
      if (idx < 0)
        idx += dim;
      if (idx < 0 || idx >= dim)
        return pv_set_error(PV_ERR_RANGE,
                            "ref gather: index %lld out of range for axis %d "
                            "of size %lld",
                            (long long)pv__ref_ldi(r->x[1], id->dtype, ii), ax,
                            (long long)dim);
      for (int k = 0; k < ax; k++)
        ic[k] = oc[k];
      ic[ax] = idx;
      for (int k = ax + 1; k < xd->ndim; k++)
        ic[k] = oc[k - 1 + id->ndim];
      cp(r->y[0], i, r->x[0], flat(xd, ic), es);
    }
    return 0;
  }
  case PV_OP_EXPAND:
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      cp(r->y[0], i, r->x[0], pv__ref_bcast_index(xd, od->ndim, oc), es);
    }
    return 0;
  case PV_OP_TILE:
    for (int64_t i = 0; i < n; i++) {
      pv__ref_unravel(od, i, oc);
      for (int k = 0; k < od->ndim; k++)
        ic[k] = oc[k] % xd->shape[k];
      cp(r->y[0], i, r->x[0], flat(xd, ic), es);
    }
    return 0;
  default:
    return pv_set_error(PV_ERR_UNKNOWN_OP, "ref: no layout kernel for %s",
                        pv_op_name(r->op));
  }
}
