/*
 * Reference reductions: REDUCE_SUM/MEAN/MAX/MIN over a set of axes (none =
 * all) with keepdims, ARGMAX/ARGMIN along one axis (i64 output; the first
 * extreme wins unless select_last_index; NaN counts as the extreme, as in
 * torch), and TOPK (values and i64 indices, always in sorted order, which
 * is a valid answer for sorted=0 too; ties broken by the lower index; NaN
 * ranks above every number). Floats reduce in double; integer SUM/MAX/MIN
 * are exact (SUM wraps), integer MEAN truncates.
 */
#include "ref_internal.h"

/* Splits x around the reduced axes: for every output element (an
 * assignment of the kept dims) it visits all reduced positions. */
typedef struct {
  const pv_tensor_desc *x;
  bool red[PV_MAX_DIMS];
  pv_tensor_desc kept, reduced; /* dims of each kind, in order */
  int kept_dim[PV_MAX_DIMS], red_dim[PV_MAX_DIMS];
} split;

static void split_init(split *s, const pv_tensor_desc *x, const bool *red) {
  memset(s, 0, sizeof *s);
  s->x = x;
  for (int k = 0; k < x->ndim; k++) {
    s->red[k] = red[k];
    if (red[k]) {
      s->red_dim[s->reduced.ndim] = k;
      s->reduced.shape[s->reduced.ndim++] = x->shape[k];
    } else {
      s->kept_dim[s->kept.ndim] = k;
      s->kept.shape[s->kept.ndim++] = x->shape[k];
    }
  }
}

/* Flat input index of kept position `o` and reduced position `j`. */
static int64_t split_index(const split *s, int64_t o, int64_t j) {
  int64_t c[PV_MAX_DIMS], kc[PV_MAX_DIMS], rc[PV_MAX_DIMS];
  pv__ref_unravel(&s->kept, o, kc);
  pv__ref_unravel(&s->reduced, j, rc);
  for (int k = 0; k < s->kept.ndim; k++)
    c[s->kept_dim[k]] = kc[k];
  for (int k = 0; k < s->reduced.ndim; k++)
    c[s->red_dim[k]] = rc[k];
  int64_t i = 0;
  for (int k = 0; k < s->x->ndim; k++)
    i = i * s->x->shape[k] + c[k];
  return i;
}

static int reduce(const pv__ref_args *r) {
  const pv_axis_attrs *a = &r->a->axis;
  const pv_tensor_desc *xd = &r->in[0];
  bool red[PV_MAX_DIMS] = {0};
  for (int k = 0; k < xd->ndim; k++)
    red[k] = a->n_axes == 0;
  for (int i = 0; i < a->n_axes; i++)
    red[a->axes[i] < 0 ? a->axes[i] + xd->ndim : a->axes[i]] = true;
  split s;
  split_init(&s, xd, red);
  int64_t no = pv__desc_numel(&s.kept), nr = pv__desc_numel(&s.reduced);
  int dt = xd->dtype;
  bool fl = pv__ref_is_float(dt);
  for (int64_t o = 0; o < no; o++) {
    if (fl) {
      double acc = r->op == PV_OP_REDUCE_MAX   ? -INFINITY
                   : r->op == PV_OP_REDUCE_MIN ? INFINITY
                                               : 0.0;
      for (int64_t j = 0; j < nr; j++) {
        double v = pv__ref_ld(r->x[0], dt, split_index(&s, o, j));
        if (r->op == PV_OP_REDUCE_MAX)
          acc = isnan(acc) || v <= acc ? acc : v;
        else if (r->op == PV_OP_REDUCE_MIN)
          acc = isnan(acc) || v >= acc ? acc : v;
        else
          acc += v;
        if (isnan(v))
          acc = v;
      }
      if (r->op == PV_OP_REDUCE_MEAN)
        acc /= (double)nr;
      pv__ref_st(r->y[0], dt, o, acc);
    } else {
      int64_t acc = r->op == PV_OP_REDUCE_MAX   ? INT64_MIN
                    : r->op == PV_OP_REDUCE_MIN ? INT64_MAX
                                                : 0;
      for (int64_t j = 0; j < nr; j++) {
        int64_t v = pv__ref_ldi(r->x[0], dt, split_index(&s, o, j));
        if (r->op == PV_OP_REDUCE_MAX)
          acc = v > acc ? v : acc;
        else if (r->op == PV_OP_REDUCE_MIN)
          acc = v < acc ? v : acc;
        else
          acc = (int64_t)((uint64_t)acc + (uint64_t)v);
      }
      if (r->op == PV_OP_REDUCE_MEAN)
        acc = nr ? acc / nr : 0;
      pv__ref_sti(r->y[0], dt, o, acc);
    }
  }
  return 0;
}

/* True when a ranks strictly before b for ARGMAX (largest) or ARGMIN.
 * NaN ranks first in both. */
static bool better(double a, double b, bool largest) {
  if (isnan(b))
    return false;
  if (isnan(a))
    return true;
  return largest ? a > b : a < b;
}

static int arg(const pv__ref_args *r) {
  const pv_axis_attrs *a = &r->a->axis;
  const pv_tensor_desc *xd = &r->in[0];
  bool red[PV_MAX_DIMS] = {0};
  red[a->axis < 0 ? a->axis + xd->ndim : a->axis] = true;
  split s;
  split_init(&s, xd, red);
  int64_t no = pv__desc_numel(&s.kept), nr = pv__desc_numel(&s.reduced);
  bool largest = r->op == PV_OP_ARGMAX, fl = pv__ref_is_float(xd->dtype);
  for (int64_t o = 0; o < no; o++) {
    int64_t best = 0;
    for (int64_t j = 1; j < nr; j++) {
      int64_t ij = split_index(&s, o, j), ib = split_index(&s, o, best);
      bool b, tie;
      if (fl) {
        double vj = pv__ref_ld(r->x[0], xd->dtype, ij);
        double vb = pv__ref_ld(r->x[0], xd->dtype, ib);
        b = better(vj, vb, largest);
        tie = !b && !better(vb, vj, largest);
      } else {
        int64_t vj = pv__ref_ldi(r->x[0], xd->dtype, ij);
        int64_t vb = pv__ref_ldi(r->x[0], xd->dtype, ib);
        b = largest ? vj > vb : vj < vb;
        tie = vj == vb;
      }
      if (b || (tie && a->select_last_index))
        best = j;
    }
    ((int64_t *)r->y[0])[o] = best;
  }
  return 0;
}

static int topk(const pv__ref_args *r) {
  const pv_axis_attrs *a = &r->a->axis;
  const pv_tensor_desc *xd = &r->in[0];
  int ax = a->axis < 0 ? a->axis + xd->ndim : a->axis;
  int64_t outer = 1, inner = 1, len = xd->shape[ax], k = a->k;
  for (int d = 0; d < ax; d++)
    outer *= xd->shape[d];
  for (int d = ax + 1; d < xd->ndim; d++)
    inner *= xd->shape[d];
  size_t es = pv_dtype_size((pv_dtype)xd->dtype);
  bool fl = pv__ref_is_float(xd->dtype), largest = a->largest != 0;
  int64_t *order = malloc(sizeof(int64_t) * (size_t)(len ? len : 1));
  if (!order)
    return pv_set_error(PV_ERR_NOMEM, "ref topk: out of memory");
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      int64_t base = o * len * inner + in;
      /* Selection: each output slot takes the best remaining element,
       * scanning in index order so ties keep the lower index. */
      for (int64_t j = 0; j < len; j++)
        order[j] = j;
      for (int64_t t = 0; t < k; t++) {
        int64_t bi = t;
        for (int64_t j = t + 1; j < len; j++) {
          int64_t cj = base + order[j] * inner, cb = base + order[bi] * inner;
          bool b;
          if (fl) {
            double vj = pv__ref_ld(r->x[0], xd->dtype, cj);
            double vb = pv__ref_ld(r->x[0], xd->dtype, cb);
            /* NaN is the largest value for both directions */
            if (largest)
              b = better(vj, vb, true);
            else
              b = !isnan(vj) && (isnan(vb) || vj < vb);
          } else {
            int64_t vj = pv__ref_ldi(r->x[0], xd->dtype, cj);
            int64_t vb = pv__ref_ldi(r->x[0], xd->dtype, cb);
            b = largest ? vj > vb : vj < vb;
          }
          /* equal values: keep the lower original index */
          if (!b) {
            bool tie;
            if (fl) {
              double vj = pv__ref_ld(r->x[0], xd->dtype, cj);
              double vb = pv__ref_ld(r->x[0], xd->dtype, cb);
              tie = vj == vb || (isnan(vj) && isnan(vb));
            } else {
              tie = pv__ref_ldi(r->x[0], xd->dtype, cj) ==
                    pv__ref_ldi(r->x[0], xd->dtype, cb);
            }
            b = tie && order[j] < order[bi];
          }
          if (b)
            bi = j;
        }
        int64_t tmp = order[t];
        order[t] = order[bi];
        order[bi] = tmp;
        int64_t oi = (o * k + t) * inner + in;
        memcpy((char *)r->y[0] + (size_t)oi * es,
               (const char *)r->x[0] + (size_t)(base + order[t] * inner) * es,
               es);
        ((int64_t *)r->y[1])[oi] = order[t];
      }
    }
  free(order);
  return 0;
}

int pv__ref_reduce(const pv__ref_args *r) {
  switch (r->op) {
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
    return arg(r);
  case PV_OP_TOPK:
    return topk(r);
  default:
    return reduce(r);
  }
}
