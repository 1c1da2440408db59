/* Host side of kernels/gemm.cl: linear, gemm and matmul (and the 1x1 conv
 * path of conv.c), all as one strided, batched GEMM launch. Constant linear
 * weights are repacked once at compile from [N, K] to [K, N] so that B tiles
 * load along contiguous memory. */
#include "ocl_backend.h"

#include <stdlib.h>

static int use_tiled(const pv_plugin_device *dev) {
  const char *o = pv__ocl_host->get_option("POLYVIS_OCL_GEMM");
  if (o && !strcmp(o, "naive"))
    return 0;
  return dev->di->max_wg >= 256 && dev->di->info.local_memory_bytes >= 8192;
}

int pv__ocl_add_gemm(pv_ocl_node_ctx *nc, const pv_ocl_gemm_spec *s) {
  /* Few rows (batch-1 linear layers): a 64-row tile would be mostly idle;
   * the one-output-per-work-item kernel is a GEMV with B loads coalesced
   * along n. */
  int tiled = use_tiled(nc->dev) && s->M >= 16;
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_GEMM,
                              tiled ? "gemm_tiled_f32" : "gemm_naive_f32", &l);
  if (rc)
    return rc;
  if (tiled && !pv__ocl_kernel_fits(nc, l->k, 256)) {
    nc->dev->ctx->cl.clReleaseKernel(l->k);
    nc->n_launch--;
    tiled = 0;
    if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_GEMM, "gemm_naive_f32", &l)))
      return rc;
  }
  rc = pv__ocl_arg_tensor(nc, l, 0, s->a_v);
  if (!rc)
    rc = s->b_mem ? pv__ocl_arg_mem(nc, l, 2, s->b_mem) ||
                        pv__ocl_arg_long(nc, l, 3, 0)
                  : pv__ocl_arg_tensor(nc, l, 2, s->b_v);
  if (!rc) {
    if (s->c_mem)
      rc = pv__ocl_arg_mem(nc, l, 4, s->c_mem) || pv__ocl_arg_long(nc, l, 5, 0);
    else if (s->c_v >= 0)
      rc = pv__ocl_arg_tensor(nc, l, 4, s->c_v);
    else {
      float z = 0;
      rc = pv__ocl_arg_data(nc, l, 4, &z, sizeof z) ||
           pv__ocl_arg_long(nc, l, 5, 0);
    }
  }
  if (rc || (rc = pv__ocl_arg_tensor(nc, l, 6, s->y_v)) ||
      (rc = pv__ocl_arg_int(nc, l, 8, s->M)) ||
      (rc = pv__ocl_arg_int(nc, l, 9, s->N)) ||
      (rc = pv__ocl_arg_int(nc, l, 10, s->K)) ||
      (rc = pv__ocl_arg_int(nc, l, 11, s->sam)) ||
      (rc = pv__ocl_arg_int(nc, l, 12, s->sak)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, s->sbk)) ||
      (rc = pv__ocl_arg_int(nc, l, 14, s->sbn)) ||
      (rc = pv__ocl_arg_int(nc, l, 15, s->scm)) ||
      (rc = pv__ocl_arg_int(nc, l, 16, s->scn)) ||
      (rc = pv__ocl_arg_float(nc, l, 17, s->alpha)) ||
      (rc = pv__ocl_arg_float(nc, l, 18, s->beta)) ||
      (rc = pv__ocl_arg_int(nc, l, 19, s->act.op)) ||
      (rc = pv__ocl_arg_float(nc, l, 20, s->act.alpha)) ||
      (rc = pv__ocl_arg_float(nc, l, 21, s->act.beta)) ||
      (rc = pv__ocl_arg_int(nc, l, 22, s->act.mode)) ||
      (rc = pv__ocl_arg_data(nc, l, 23, s->bt,
                             sizeof(int) * 4 * (size_t)s->nbatch)) ||
      (rc = pv__ocl_arg_int(nc, l, 24, s->c_v >= 0 || s->c_mem)))
    return rc < 0 ? rc : PV_ERR_DEVICE;
  l->dims = 3;
  l->use_lws = 1;
  if (tiled) {
    l->lws[0] = l->lws[1] = 16;
    l->gws[0] = (size_t)((s->N + 63) / 64) * 16;
    l->gws[1] = (size_t)((s->M + 63) / 64) * 16;
  } else {
    l->lws[0] = 8;
    l->lws[1] = 8;
    l->gws[0] = (size_t)((s->N + 7) / 8) * 8;
    l->gws[1] = (size_t)((s->M + 7) / 8) * 8;
  }
  l->lws[2] = 1;
  l->gws[2] = (size_t)s->nbatch;
  if (s->M == 0 || s->N == 0)
    l->gws[0] = 0;
  return 0;
}

static int act_ok(int op) {
  return op == PV_OP_NONE || (op >= PV_OP_RELU && op <= PV_OP_ERF);
}

static int fits_int(const pv_tensor_desc *d) {
  return pv__ocl_numel(d) <= 0x7fffffff;
}

static int gemm_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 &&
        (op->inputs[i].dtype != PV_F32 || !fits_int(&op->inputs[i])))
      return 0;
  if (op->outputs[0].dtype != PV_F32 || !fits_int(&op->outputs[0]))
    return 0;
  if (!act_ok(op->attrs.gemm.act.op) && op->op != PV_OP_MATMUL)
    return 0;
  if (op->op == PV_OP_GEMM && op->n_inputs > 2 && op->inputs[2].ndim > 2)
    return 0;
  return 1;
}

static void contiguous_strides(const pv_tensor_desc *d, int64_t *s) {
  int64_t st = 1;
  for (int i = d->ndim - 1; i >= 0; i--) {
    s[i] = st;
    st *= d->shape[i];
  }
}

static int build_linear(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *w = &pv__ocl_in(nc, 1)->desc;
  int K = (int)w->shape[1], N = (int)w->shape[0];
  int M = K ? (int)(pv__ocl_numel(x) / K) : 0;
  int bt[4] = {0, 0, 0, 0};
  pv_ocl_gemm_spec s = {.M = M,
                        .N = N,
                        .K = K,
                        .sam = K,
                        .sak = 1,
                        .sbk = 1,
                        .sbn = K,
                        .scm = 0,
                        .scn = 1,
                        .alpha = 1.0f,
                        .beta = 1.0f,
                        .act = n->attrs.gemm.act,
                        .nbatch = 1,
                        .bt = bt,
                        .a_v = n->inputs[0],
                        .b_v = n->inputs[1],
                        .c_v = -1,
                        .y_v = n->outputs[0]};
  if (n->n_inputs > 2 && n->inputs[2] >= 0)
    s.c_v = n->inputs[2];
  const float *wd = pv__ocl_const_data(nc, n->inputs[1]);
  if (wd && (size_t)K * (size_t)N > 0) {
    float *t = malloc(sizeof(float) * (size_t)K * (size_t)N);
    if (!t)
      return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    for (int nn = 0; nn < N; nn++)
      for (int k = 0; k < K; k++)
        t[(size_t)k * N + nn] = wd[(size_t)nn * K + k];
    int rc =
        pv__ocl_upload(nc, t, sizeof(float) * (size_t)K * (size_t)N, &s.b_mem);
    free(t);
    if (rc)
      return rc;
    s.sbk = N;
    s.sbn = 1;
  }
  return pv__ocl_add_gemm(nc, &s);
}

static int build_gemm(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_gemm_attrs *g = &n->attrs.gemm;
  const pv_tensor_desc *a = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *b = &pv__ocl_in(nc, 1)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int M = (int)y->shape[0], N = (int)y->shape[1];
  int K = (int)(g->trans_a ? a->shape[0] : a->shape[1]);
  int bt[4] = {0, 0, 0, 0};
  pv_ocl_gemm_spec s = {.M = M,
                        .N = N,
                        .K = K,
                        .alpha = g->alpha,
                        .beta = g->beta,
                        .act = g->act,
                        .nbatch = 1,
                        .bt = bt,
                        .a_v = n->inputs[0],
                        .b_v = n->inputs[1],
                        .c_v = -1,
                        .y_v = n->outputs[0]};
  s.sam = g->trans_a ? 1 : (int)a->shape[1];
  s.sak = g->trans_a ? (int)a->shape[1] : 1;
  s.sbk = g->trans_b ? 1 : (int)b->shape[1];
  s.sbn = g->trans_b ? (int)b->shape[1] : 1;
  if (n->n_inputs > 2 && n->inputs[2] >= 0) {
    const pv_tensor_desc *c = &pv__ocl_in(nc, 2)->desc;
    s.c_v = n->inputs[2];
    int64_t cm = c->ndim == 2 ? c->shape[0] : 1;
    int64_t cn = c->ndim >= 1 ? c->shape[c->ndim - 1] : 1;
    s.scm = cm == 1 ? 0 : (int)cn;
    s.scn = cn == 1 ? 0 : 1;
  }
  return pv__ocl_add_gemm(nc, &s);
}

static int build_matmul(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  pv_tensor_desc A = pv__ocl_in(nc, 0)->desc, B = pv__ocl_in(nc, 1)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  if (A.ndim == 1) {
    A.ndim = 2;
    A.shape[1] = A.shape[0];
    A.shape[0] = 1;
  }
  if (B.ndim == 1) {
    B.ndim = 2;
    B.shape[1] = 1;
  }
  int M = (int)A.shape[A.ndim - 2], K = (int)A.shape[A.ndim - 1];
  int N = (int)B.shape[B.ndim - 1];
  /* Batch dims: broadcast of A[:-2] and B[:-2]. */
  int nb = A.ndim - 2 > B.ndim - 2 ? A.ndim - 2 : B.ndim - 2;
  int64_t bshape[PV_MAX_DIMS], nbatch = 1;
  for (int d = 0; d < nb; d++) {
    int da = A.ndim - 2 - nb + d, db = B.ndim - 2 - nb + d;
    int64_t sa = da >= 0 ? A.shape[da] : 1, sb = db >= 0 ? B.shape[db] : 1;
    bshape[d] = sa > sb ? sa : sb;
    nbatch *= bshape[d];
  }
  int64_t as[PV_MAX_DIMS], bs[PV_MAX_DIMS];
  contiguous_strides(&A, as);
  contiguous_strides(&B, bs);
  int *bt = malloc(sizeof(int) * 4 * (size_t)(nbatch ? nbatch : 1));
  if (!bt)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
  for (int64_t b = 0; b < nbatch; b++) {
    int64_t r = b, ao = 0, bo = 0;
    for (int d = nb - 1; d >= 0; d--) {
      int64_t c = r % bshape[d];
      r /= bshape[d];
      int da = A.ndim - 2 - nb + d, db = B.ndim - 2 - nb + d;
      if (da >= 0 && A.shape[da] != 1)
        ao += c * as[da];
      if (db >= 0 && B.shape[db] != 1)
        bo += c * bs[db];
    }
    bt[4 * b] = (int)ao;
    bt[4 * b + 1] = (int)bo;
    bt[4 * b + 2] = (int)(b * M * N);
    bt[4 * b + 3] = 0;
  }
  (void)y;
  pv_ocl_gemm_spec s = {.M = M,
                        .N = N,
                        .K = K,
                        .sam = K,
                        .sak = 1,
                        .sbk = N,
                        .sbn = 1,
                        .alpha = 1.0f,
                        .beta = 0.0f,
                        .nbatch = (int)(nbatch ? nbatch : 1),
                        .bt = bt,
                        .a_v = n->inputs[0],
                        .b_v = n->inputs[1],
                        .c_v = -1,
                        .y_v = n->outputs[0]};
  if (nbatch == 0)
    s.M = 0;
  int rc = pv__ocl_add_gemm(nc, &s);
  free(bt);
  return rc;
}

static int gemm_build(pv_ocl_node_ctx *nc) {
  switch (nc->node->op) {
  case PV_OP_LINEAR:
    return build_linear(nc);
  case PV_OP_GEMM:
    return build_gemm(nc);
  default:
    return build_matmul(nc);
  }
}

const pv_ocl_op_impl pv__ocl_gemm = {gemm_supports, gemm_build};
