/*
 * linear (y = x @ w^T + b), gemm (ONNX Gemm: alpha * A' @ B' + beta * C) and
 * matmul (torch.matmul, batched and broadcasting), all on the packed sgemm
 * of sgemm.c. A constant weight operand (linear's w, gemm's B) is packed
 * once at prepare(); for few rows the product is then computed transposed
 * (C^T = W A^T) so the per-call work touches the weights only through the
 * packed copy.
 */
#include "cpu_backend.h"

#include <stdlib.h>

typedef struct gemm_prep {
  pv_cpu_packed_a w; /* W'(n, k) = alpha * B(k, n) */
} gemm_prep;

/* The operand geometry of a linear/gemm node. */
typedef struct gemm_geom {
  int64_t m, n, k;
  int64_t rsa, csa, rsb, csb;
  float alpha, beta;
  const pv_act *act;
} gemm_geom;

static void geom_of(const pv_node_desc *node, const pv_tensor_desc *a,
                    const pv_tensor_desc *b, gemm_geom *g) {
  if (node->op == PV_OP_LINEAR) {
    g->k = a->shape[a->ndim - 1];
    g->m = 1;
    for (int i = 0; i < a->ndim - 1; i++)
      g->m *= a->shape[i];
    g->n = b->shape[0];
    g->rsa = g->k;
    g->csa = 1;
    g->rsb = 1; /* B(k, n) = w[n, k] */
    g->csb = g->k;
    g->alpha = 1.0f;
    g->beta = 1.0f;
    g->act = &node->attrs.gemm.act;
    return;
  }
  const pv_gemm_attrs *ga = &node->attrs.gemm;
  int64_t a0 = a->shape[0], a1 = a->shape[1], b0 = b->shape[0],
          b1 = b->shape[1];
  g->m = ga->trans_a ? a1 : a0;
  g->k = ga->trans_a ? a0 : a1;
  g->n = ga->trans_b ? b0 : b1;
  g->rsa = ga->trans_a ? 1 : a1;
  g->csa = ga->trans_a ? a1 : 1;
  g->rsb = ga->trans_b ? 1 : b1;
  g->csb = ga->trans_b ? b1 : 1;
  g->alpha = ga->alpha;
  g->beta = ga->beta;
  g->act = &ga->act;
}

static int gemm_supports(const pv_op_desc *op) {
  if (!pv__cpu_all_dtype(op, PV_F32))
    return 0;
  return pv__cpu_act_supported(&op->attrs.gemm.act);
}

static int gemm_prepare(const pv_node_desc *node, const pv_value_desc *values,
                        void **prepared) {
  const pv_value_desc *va = &values[node->inputs[0]];
  const pv_value_desc *vb = &values[node->inputs[1]];
  if (vb->kind != PV_VALUE_CONST || !vb->data)
    return 0;
  gemm_geom g;
  geom_of(node, &va->desc, &vb->desc, &g);
  gemm_prep *p = calloc(1, sizeof *p);
  if (!p)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory",
                         pv__cpu_host->op_name(node->op));
  /* W'(n, k) = B(k, n) = b[k*rsb + n*csb] */
  int rc = pv__cpu_pack_a(g.n, g.k, vb->data, g.csb, g.rsb, g.alpha, &p->w);
  if (rc) {
    free(p);
    return rc;
  }
  *prepared = p;
  return 0;
}

static void gemm_release(void *prepared) {
  gemm_prep *p = prepared;
  if (p)
    pv__cpu_packed_a_free(&p->w);
  free(p);
}

/* Rows below which the transposed product on the packed weights wins. */
#define PV_GEMM_SMALL_M 48

static int gemm_run(const pv_cpu_exec *e) {
  const pv_node_desc *node = e->node;
  gemm_geom g;
  geom_of(node, e->in[0].desc, e->in[1].desc, &g);
  const float *a = e->in[0].data, *b = e->in[1].data;
  float *y = e->out[0].data;
  const pv_tensor_desc *yd = e->out[0].desc;
  const float *bias = NULL;
  int accumulate = 0;
  pv_cpu_epi epi = {NULL, 0, g.act};
  if (e->n_in > 2 && e->in[2].data) {
    if (node->op == PV_OP_LINEAR) {
      bias = e->in[2].data;
    } else if (g.beta != 0.0f) {
      /* Y = beta * C (broadcast), then accumulate */
      const pv_tensor_desc *cd = e->in[2].desc;
      const float *c = e->in[2].data;
      if (cd->ndim == 1 && cd->shape[0] == g.n && g.beta == 1.0f) {
        bias = c;
      } else if (cd->ndim == 2 && cd->shape[0] == g.m && cd->shape[1] == 1 &&
                 g.beta == 1.0f) {
        epi.bias_rows = 1;
        bias = c;
      } else {
        int64_t st[PV_MAX_DIMS];
        pv__cpu_bcast_strides(cd, yd, st);
        for (int64_t i = 0; i < g.m; i++)
          for (int64_t j = 0; j < g.n; j++)
            y[i * g.n + j] = g.beta * c[i * st[0] + j * st[1]];
        accumulate = 1;
      }
    }
  }
  const gemm_prep *p = e->prepared;
  if (p && g.m < PV_GEMM_SMALL_M) {
    /* C^T(n, m) = W'(n, k) @ A^T(k, m); bias per row of C^T */
    pv_cpu_bsrc bs = {a, g.csa, g.rsa, NULL};
    pv_cpu_epi te = {bias, bias ? !epi.bias_rows : 0, g.act};
    if (bias && epi.bias_rows)
      te.bias_rows = 0;
    return pv__cpu_sgemm(g.n, g.m, g.k, &p->w, NULL, 0, 0, 1.0f, &bs, y, 1, g.n,
                         accumulate, &te);
  }
  epi.bias = bias;
  pv_cpu_bsrc bs = {b, g.rsb, g.csb, NULL};
  return pv__cpu_sgemm(g.m, g.n, g.k, NULL, a, g.rsa, g.csa, g.alpha, &bs, y,
                       g.n, 1, accumulate, &epi);
}

const pv_cpu_op_impl pv__cpu_linear = {.supports = gemm_supports,
                                       .prepare = gemm_prepare,
                                       .release = gemm_release,
                                       .run = gemm_run};
const pv_cpu_op_impl pv__cpu_gemm = {.supports = gemm_supports,
                                     .prepare = gemm_prepare,
                                     .release = gemm_release,
                                     .run = gemm_run};

/* ---- matmul ---------------------------------------------------------------
 */

static int matmul_supports(const pv_op_desc *op) {
  return pv__cpu_all_dtype(op, PV_F32);
}

static int matmul_run(const pv_cpu_exec *e) {
  pv_tensor_desc A = *e->in[0].desc, B = *e->in[1].desc;
  const pv_tensor_desc *yd = e->out[0].desc;
  if (A.ndim == 1) {
    A.ndim = 2;
    A.shape[1] = A.shape[0];
    A.shape[0] = 1;
  }
  if (B.ndim == 1) {
    B.ndim = 2;
    B.shape[1] = 1;
  }
  int64_t m = A.shape[A.ndim - 2], k = A.shape[A.ndim - 1],
          n = B.shape[B.ndim - 1];
  const float *a = e->in[0].data, *b = e->in[1].data;
  float *y = e->out[0].data;
  pv_cpu_bsrc bs = {b, n, 1, NULL};
  if (B.ndim == 2) { /* batch folds into M */
    int64_t rows = 1;
    for (int i = 0; i < A.ndim - 1; i++)
      rows *= A.shape[i];
    return pv__cpu_sgemm(rows, n, k, NULL, a, k, 1, 1.0f, &bs, y, n, 1, 0,
                         NULL);
  }
  /* broadcast batch dims */
  pv_tensor_desc ab = A, bb = B, ob;
  ab.ndim -= 2;
  bb.ndim -= 2;
  int nb = yd->ndim - (e->in[0].desc->ndim == 1 ? 0 : 1) -
           (e->in[1].desc->ndim == 1 ? 0 : 1);
  memset(&ob, 0, sizeof ob);
  ob.ndim = nb;
  memcpy(ob.shape, yd->shape, sizeof(int64_t) * (size_t)nb);
  int64_t sa[PV_MAX_DIMS], sb[PV_MAX_DIMS];
  pv__cpu_bcast_strides(&ab, &ob, sa);
  pv__cpu_bcast_strides(&bb, &ob, sb);
  int64_t batches = 1;
  for (int i = 0; i < nb; i++)
    batches *= ob.shape[i];
  for (int64_t t = 0; t < batches; t++) {
    int64_t r = t, oa = 0, obb = 0;
    for (int i = nb - 1; i >= 0; i--) {
      int64_t idx = r % ob.shape[i];
      r /= ob.shape[i];
      oa += idx * sa[i];
      obb += idx * sb[i];
    }
    bs.b = b + obb * k * n;
    int rc = pv__cpu_sgemm(m, n, k, NULL, a + oa * m * k, k, 1, 1.0f, &bs,
                           y + t * m * n, n, 1, 0, NULL);
    if (rc)
      return rc;
  }
  return 0;
}

const pv_cpu_op_impl pv__cpu_matmul = {.supports = matmul_supports,
                                       .run = matmul_run};
