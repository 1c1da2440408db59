/*
 * Reference LINEAR (y = x @ w^T + b over the last dim), GEMM (ONNX Gemm:
 * Y = alpha * A' @ B' + beta * C, C broadcasting to [M, N], A' = A^T when
 * trans_a, likewise B) and MATMUL (torch.matmul: 1-D operands promoted and
 * squeezed, batch dims broadcast). Dot products accumulate in double; the
 * fused activation of LINEAR and GEMM runs before rounding on store.
 */
#include "ref_internal.h"

static int linear(const pv__ref_args *r) {
  const pv_tensor_desc *xd = &r->in[0], *wd = &r->in[1], *od = &r->out[0];
  bool has_b = r->n_in > 2 && r->x[2];
  int64_t K = wd->shape[1], N = wd->shape[0];
  int64_t M = K ? pv__desc_numel(xd) / K : pv__desc_numel(od) / (N ? N : 1);
  for (int64_t m = 0; m < M; m++)
    for (int64_t j = 0; j < N; j++) {
      double acc = has_b ? pv__ref_ld(r->x[2], r->in[2].dtype, j) : 0.0;
      for (int64_t k = 0; k < K; k++)
        acc += pv__ref_ld(r->x[0], xd->dtype, m * K + k) *
               pv__ref_ld(r->x[1], wd->dtype, j * K + k);
      pv__ref_st(r->y[0], od->dtype, m * N + j,
                 pv__ref_act(&r->a->gemm.act, acc));
    }
  return 0;
}

static int gemm(const pv__ref_args *r) {
  const pv_gemm_attrs *g = &r->a->gemm;
  const pv_tensor_desc *ad = &r->in[0], *bd = &r->in[1], *od = &r->out[0];
  bool has_c = r->n_in > 2 && r->x[2];
  int64_t M = od->shape[0], N = od->shape[1];
  int64_t K = g->trans_a ? ad->shape[0] : ad->shape[1];
  for (int64_t m = 0; m < M; m++)
    for (int64_t n = 0; n < N; n++) {
      double acc = 0;
      for (int64_t k = 0; k < K; k++) {
        int64_t ia = g->trans_a ? k * M + m : m * K + k;
        int64_t ib = g->trans_b ? n * K + k : k * N + n;
        acc += pv__ref_ld(r->x[0], ad->dtype, ia) *
               pv__ref_ld(r->x[1], bd->dtype, ib);
      }
      double v = g->alpha * acc;
      if (has_c) {
        int64_t oc[2] = {m, n};
        v += g->beta * pv__ref_ld(r->x[2], r->in[2].dtype,
                                  pv__ref_bcast_index(&r->in[2], 2, oc));
      }
      pv__ref_st(r->y[0], od->dtype, m * N + n, pv__ref_act(&g->act, v));
    }
  return 0;
}

static int matmul(const pv__ref_args *r) {
  pv_tensor_desc A = r->in[0], B = r->in[1];
  const pv_tensor_desc *od = &r->out[0];
  if (A.ndim == 1) { /* [K] -> [1, K] */
    A.ndim = 2;
    A.shape[1] = A.shape[0];
    A.shape[0] = 1;
  }
  if (B.ndim == 1) { /* [K] -> [K, 1] */
    B.ndim = 2;
    B.shape[1] = 1;
  }
  int64_t M = A.shape[A.ndim - 2], K = A.shape[A.ndim - 1];
  int64_t N = B.shape[B.ndim - 1];
  /* Batch descs: the leading dims of each operand and of the output. */
  pv_tensor_desc ba = A, bb = B, bo;
  ba.ndim -= 2;
  bb.ndim -= 2;
  memset(&bo, 0, sizeof bo);
  bo.ndim = PV__MAX(ba.ndim, bb.ndim);
  for (int k = 0; k < bo.ndim; k++) {
    int ia = ba.ndim - bo.ndim + k, ib = bb.ndim - bo.ndim + k;
    int64_t da = ia >= 0 ? ba.shape[ia] : 1, db = ib >= 0 ? bb.shape[ib] : 1;
    bo.shape[k] = da == 1 ? db : da;
  }
  int64_t nb = pv__desc_numel(&bo), bc[PV_MAX_DIMS];
  int dt = r->in[0].dtype;
  bool fl = pv__ref_is_float(dt);
  for (int64_t b = 0; b < nb; b++) {
    pv__ref_unravel(&bo, b, bc);
    int64_t oa = pv__ref_bcast_index(&ba, bo.ndim, bc) * M * K;
    int64_t ob = pv__ref_bcast_index(&bb, bo.ndim, bc) * K * N;
    for (int64_t m = 0; m < M; m++)
      for (int64_t n = 0; n < N; n++) {
        int64_t oi = (b * M + m) * N + n;
        if (fl) {
          double acc = 0;
          for (int64_t k = 0; k < K; k++)
            acc += pv__ref_ld(r->x[0], dt, oa + m * K + k) *
                   pv__ref_ld(r->x[1], dt, ob + k * N + n);
          pv__ref_st(r->y[0], od->dtype, oi, acc);
        } else { /* exact integer matmul, wrapping */
          uint64_t acc = 0;
          for (int64_t k = 0; k < K; k++)
            acc += (uint64_t)pv__ref_ldi(r->x[0], dt, oa + m * K + k) *
                   (uint64_t)pv__ref_ldi(r->x[1], dt, ob + k * N + n);
          pv__ref_sti(r->y[0], od->dtype, oi, (int64_t)acc);
        }
      }
  }
  return 0;
}

int pv__ref_gemm(const pv__ref_args *r) {
  switch (r->op) {
  case PV_OP_LINEAR:
    return linear(r);
  case PV_OP_GEMM:
    return gemm(r);
  default:
    return matmul(r);
  }
}
