/* Small helpers shared by the CPU kernels: dtype checks and broadcasting. */
#include "cpu_backend.h"

int pv__cpu_all_dtype(const pv_op_desc *op, int32_t dt) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 && op->inputs[i].dtype != dt)
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (op->outputs[i].dtype != dt)
      return 0;
  return 1;
}

void pv__cpu_bcast_strides(const pv_tensor_desc *in, const pv_tensor_desc *out,
                           int64_t *strides) {
  int64_t s = 1;
  for (int i = out->ndim - 1; i >= 0; i--) {
    int ii = in->ndim - out->ndim + i;
    if (ii < 0) {
      strides[i] = 0;
      continue;
    }
    strides[i] = in->shape[ii] == 1 ? 0 : s;
    s *= in->shape[ii];
  }
}

void pv__cpu_bcast_plan_init(pv_cpu_bcast *p, int n_in,
                             const pv_tensor_desc *const *in,
                             const pv_tensor_desc *out) {
  int64_t st[PV_CPU_BCAST_MAX][PV_MAX_DIMS];
  for (int i = 0; i < n_in; i++)
    pv__cpu_bcast_strides(in[i], out, st[i]);
  p->n_in = n_in;
  p->nd = 0;
  /* drop size-1 dims and merge dims that are contiguous for every operand */
  for (int d = 0; d < out->ndim; d++) {
    int64_t sz = out->shape[d];
    if (sz == 1)
      continue;
    if (p->nd > 0) {
      int k = p->nd - 1, ok = 1;
      for (int i = 0; i < n_in; i++)
        if (p->st[i][k] != st[i][d] * sz)
          ok = 0;
      if (ok) {
        p->shape[k] *= sz;
        for (int i = 0; i < n_in; i++)
          p->st[i][k] = st[i][d];
        continue;
      }
    }
    p->shape[p->nd] = sz;
    for (int i = 0; i < n_in; i++)
      p->st[i][p->nd] = st[i][d];
    p->nd++;
  }
  if (p->nd == 0) {
    p->nd = 1;
    p->shape[0] = 1;
    for (int i = 0; i < n_in; i++)
      p->st[i][0] = 0;
  }
  p->inner = p->shape[p->nd - 1];
  p->rows = 1;
  for (int d = 0; d < p->nd - 1; d++)
    p->rows *= p->shape[d];
  for (int i = 0; i < n_in; i++)
    p->inner_st[i] = p->st[i][p->nd - 1];
}

void pv__cpu_bcast_row(const pv_cpu_bcast *p, int64_t row, int64_t *off) {
  for (int i = 0; i < p->n_in; i++)
    off[i] = 0;
  for (int d = p->nd - 2; d >= 0; d--) {
    int64_t idx = row % p->shape[d];
    row /= p->shape[d];
    for (int i = 0; i < p->n_in; i++)
      off[i] += idx * p->st[i][d];
  }
}
