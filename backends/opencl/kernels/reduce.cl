/* reduce.cl: sum/mean/max/min over any set of axes, and argmax/argmin.
 * reduce prm: nk, kept sizes[nk], kept strides[nk], nr, red sizes[nr],
 * red strides[nr] (input element strides). */
PV_KERNEL void reduce_f32(PV_GLOBAL const float *X, pv_long xo,
                          PV_GLOBAL float *Y, pv_long yo, int total,
                          PV_GLOBAL const int *prm, int op) {
  int o = PV_GID(0);
  if (o >= total)
    return;
  int nk = prm[0];
  PV_GLOBAL const int *rp = prm + 1 + 2 * nk;
  int nr = rp[0];
  pv_long base = 0;
  int r = o;
  for (int d = nk - 1; d >= 0; d--) {
    int s = prm[1 + d];
    base += (pv_long)(r % s) * prm[1 + nk + d];
    r /= s;
  }
  int R = 1;
  for (int d = 0; d < nr; d++)
    R *= rp[1 + d];
  int is_max = op == PV_OP_REDUCE_MAX, is_min = op == PV_OP_REDUCE_MIN;
  float acc = is_max ? -PV_INF : is_min ? PV_INF : 0.0f;
  for (int k = 0; k < R; k++) {
    pv_long off = base;
    int q = k;
    for (int d = nr - 1; d >= 0; d--) {
      int s = rp[1 + d];
      off += (pv_long)(q % s) * rp[1 + nr + d];
      q /= s;
    }
    float v = X[xo + off];
    if (is_max)
      acc = v > acc || PV_ISNAN(v) || PV_ISNAN(acc) ? (PV_ISNAN(acc) ? acc : v) : acc;
    else if (is_min)
      acc = v < acc || PV_ISNAN(v) || PV_ISNAN(acc) ? (PV_ISNAN(acc) ? acc : v) : acc;
    else
      acc += v;
  }
  if (op == PV_OP_REDUCE_MEAN)
    acc /= (float)R;
  Y[yo + o] = acc;
}

/* x viewed as [outer, len, inner]; a NaN counts as the extreme (torch). */
PV_KERNEL void argext_f32(PV_GLOBAL const float *X, pv_long xo,
                          PV_GLOBAL pv_long *Y, pv_long yo, int total, int len,
                          int inner, int is_min, int last) {
  int r = PV_GID(0);
  if (r >= total)
    return;
  int o = r / inner, in_ = r % inner;
  PV_GLOBAL const float *x = X + xo + (pv_long)o * len * inner + in_;
  float best = x[0];
  int bi = 0;
  for (int k = 1; k < len && !PV_ISNAN(best); k++) {
    float v = x[(pv_long)k * inner];
    int better = PV_ISNAN(v) || (is_min ? v < best : v > best) ||
                 (last && v == best);
    if (better) {
      best = v;
      bi = k;
    }
  }
  Y[yo + r] = (pv_long)bi;
}

/* topk order: does (av, ai) come before (bv, bi)? NaN counts as the largest
 * value (torch); ties keep the lower index first. */
PV_INLINE int pv_topk_before(float av, int ai, float bv, int bi, int largest) {
  int an = PV_ISNAN(av), bn = PV_ISNAN(bv);
  if (an != bn)
    return largest ? an : bn;
  if (!an && av != bv)
    return largest ? av > bv : av < bv;
  return ai < bi;
}

/* topk along an axis of x viewed as [outer, len, inner]: output j of a row
 * is the first element in topk order after output j-1. O(k * len) per row,
 * no scratch memory; results are always sorted. */
PV_KERNEL void topk_f32(PV_GLOBAL const float *X, pv_long xo,
                        PV_GLOBAL float *V, pv_long vo, PV_GLOBAL pv_long *I,
                        pv_long io, int rows, int len, int inner, int k,
                        int largest) {
  int r = PV_GID(0);
  if (r >= rows)
    return;
  int o = r / inner, in_ = r % inner;
  PV_GLOBAL const float *x = X + xo + (pv_long)o * len * inner + in_;
  pv_long ob = (pv_long)o * k * inner + in_;
  float pv = 0.0f;
  int pi = -1;
  for (int j = 0; j < k; j++) {
    float bv = 0.0f;
    int bi = -1;
    for (int t = 0; t < len; t++) {
      float v = x[(pv_long)t * inner];
      if (pi >= 0 && !pv_topk_before(pv, pi, v, t, largest))
        continue;
      if (bi < 0 || pv_topk_before(v, t, bv, bi, largest)) {
        bv = v;
        bi = t;
      }
    }
    V[vo + ob + (pv_long)j * inner] = bv;
    I[io + ob + (pv_long)j * inner] = (pv_long)bi;
    pv = bv;
    pi = bi;
  }
}
