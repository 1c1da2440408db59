/*
 * linear, gemm (ONNX) and matmul (torch, batched with broadcasting) on the
 * tiled GEMM shader. A constant weight bigger than one storage binding
 * (lavapipe: 128 MiB) is bound in row ranges, one dispatch per range, each
 * writing its block of output columns. With fp16 storage requested, constant
 * linear weights are converted once at compile and read by the fp16 variant.
 *
 * Few rows (M <= 8, no batch, weight as [N, K]) take the GEMV shader: a
 * workgroup per output column reducing along the contiguous weight row.
 *
 * POLYVIS_VK_GEMM=naive selects the one-thread-per-output baseline shader
 * (used by bench/vulkan).
 */
#include "vk_ops.h"

#include <stddef.h>
#include <stdlib.h>

typedef struct gemm_push {
  uint32_t M, N, K, ao, bo, biaso, co, lda, ldb, ldc, bsa, bsb, bsc, bias_sm,
      bias_sn;
  float alpha, beta;
  uint32_t nb2, bsa2, bsb2; /* second batch level (see gemm.comp) */
} gemm_push;

uint16_t pv__vk_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u, e = (x >> 23) & 0xff, m = x & 0x7fffffu;
  if (e == 0xff)
    return (uint16_t)(sign | 0x7c00u | (m ? 0x200u : 0));
  int ee = (int)e - 127 + 15;
  if (ee >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (ee <= 0) {
    if (ee < -10)
      return (uint16_t)sign;
    m |= 0x800000u;
    int shift = 14 - ee;
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1),
             half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
      h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = sign | ((uint32_t)ee << 10) | (m >> 13);
  uint32_t rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
    h++;
  return (uint16_t)h;
}

static int use_naive(void) {
  const char *v = pv__vk_host->get_option("POLYVIS_VK_GEMM");
  return v && !strcmp(v, "naive");
}

/* The batch dims of a matmul (all but the last two; 1-D operands have
 * none), broadcast and collapsed to two levels with per-operand strides. */
typedef struct batch_plan {
  uint64_t n1, n2, sa1, sa2, sb1, sb2;
} batch_plan;

static int matmul_batches(const pv_tensor_desc *a, const pv_tensor_desc *b,
                          batch_plan *bp) {
  pv_tensor_desc ba, bb, bo;
  memset(&ba, 0, sizeof ba);
  memset(&bb, 0, sizeof bb);
  memset(&bo, 0, sizeof bo);
  ba.ndim = a->ndim > 2 ? a->ndim - 2 : 0;
  bb.ndim = b->ndim > 2 ? b->ndim - 2 : 0;
  memcpy(ba.shape, a->shape, sizeof(int64_t) * (size_t)ba.ndim);
  memcpy(bb.shape, b->shape, sizeof(int64_t) * (size_t)bb.ndim);
  bo.ndim = ba.ndim > bb.ndim ? ba.ndim : bb.ndim;
  for (int i = 0; i < bo.ndim; i++) {
    int ia = ba.ndim - bo.ndim + i, ib = bb.ndim - bo.ndim + i;
    int64_t da = ia >= 0 ? ba.shape[ia] : 1, db = ib >= 0 ? bb.shape[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return -1;
    bo.shape[i] = da > db ? da : db;
  }
  uint32_t shape[6], str[2][6];
  const pv_tensor_desc *in[2] = {&ba, &bb};
  int m = pv__vk_broadcast(&bo, in, 2, shape, str);
  if (m < 0 || m > 2)
    return -1;
  /* strides are in units of whole matrices: scale below */
  bp->n1 = shape[4];
  bp->n2 = shape[5];
  bp->sa1 = str[0][4], bp->sa2 = str[0][5];
  bp->sb1 = str[1][4], bp->sb2 = str[1][5];
  return 0;
}

static int gemm_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (!pv__vk_all_f32(op))
    return 0;
  const pv_act *act = op->op == PV_OP_MATMUL ? NULL : &op->attrs.gemm.act;
  if (act && !pv__vk_act_ok(act))
    return 0;
  if (op->op == PV_OP_LINEAR) {
    /* The weight may exceed one binding when it is a constant. */
    pv_op_desc t = *op;
    if (op->const_inputs & 2u)
      t.inputs[1].ndim = -1;
    return pv__vk_fits(dev, &t) &&
           (uint64_t)op->inputs[1].shape[1] * 4 + dev->align <= dev->max_range;
  }
  if (!pv__vk_fits(dev, op))
    return 0;
  if (op->op == PV_OP_MATMUL) {
    batch_plan bp;
    return matmul_batches(&op->inputs[0], &op->inputs[1], &bp) == 0 &&
           bp.n1 * bp.n2 <= 65535;
  }
  return 1;
}

static int emit_gemm(pv_vk_plan *pl, pv_vk_dispatch *d, const gemm_push *p,
                     uint32_t batch, int trans_a, int trans_b, int bias_mode,
                     const pv_act *act, int f16) {
  memcpy(d->push, p, sizeof *p);
  if (!p->nb2)
    d->push[offsetof(gemm_push, nb2) / 4] = 1;
  uint32_t spec[7] = {(uint32_t)trans_a, (uint32_t)trans_b,
                      (uint32_t)bias_mode};
  pv_act none = {0};
  pv__vk_act_spec(act ? act : &none, &spec[3]);
  if (use_naive() && !trans_a && !trans_b && !bias_mode &&
      (!act || act->op == PV_OP_NONE)) {
    d->groups[0] = (p->N + 15) / 16;
    d->groups[1] = (p->M + 15) / 16;
    d->groups[2] = batch;
    return pv__vk_emit(
        pl, d, PV_VK_SH_GEMM_NAIVE | (f16 ? PV_VK_SHADER_F16 : 0), NULL, 0);
  }
  if (p->M <= 8 && batch == 1 && !trans_a && trans_b && bias_mode <= 1 &&
      !use_naive()) {
    pv__vk_groups_1d(pl->dev, p->N, d->groups);
    return pv__vk_emit(pl, d, PV_VK_SH_GEMV | (f16 ? PV_VK_SHADER_F16 : 0),
                       spec, 7);
  }
  d->groups[0] = (p->N + 63) / 64;
  d->groups[1] = (p->M + 63) / 64;
  d->groups[2] = batch;
  return pv__vk_emit(pl, d, PV_VK_SH_GEMM | (f16 ? PV_VK_SHADER_F16 : 0), spec,
                     7);
}

static int plan_linear(pv_vk_plan *pl, const pv_node_desc *n) {
  pv_plugin_device *dev = pl->dev;
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *w = pv__vk_vdesc(pl, n->inputs[1]);
  int has_bias = n->n_inputs > 2 && n->inputs[2] >= 0;
  uint32_t K = (uint32_t)w->shape[1], N = (uint32_t)w->shape[0];
  uint64_t M = K ? (uint64_t)pv__vk_numel(x) / K : 0;
  if (!M || !N)
    return 0;
  const pv_value_desc *wv = &pl->pd->values[n->inputs[1]];
  int f16 = dev->fp16 && wv->kind == PV_VALUE_CONST;
  int esize = f16 ? 2 : 4;
  pv_vk_buf *wbuf = NULL;
  if (f16) {
    uint64_t cnt = (uint64_t)N * K;
    uint16_t *h = malloc(cnt * 2);
    if (!h)
      return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
    const float *src = wv->data;
    for (uint64_t i = 0; i < cnt; i++)
      h[i] = pv__vk_f32_to_f16(src[i]);
    int rc = pv__vk_const_buf(pl, h, cnt * 2, &wbuf);
    free(h);
    if (rc)
      return rc;
  }
  /* Rows of the weight per dispatch: all of them when they fit. */
  uint64_t row_bytes = (uint64_t)K * (uint64_t)esize;
  uint64_t rows = pv__vk_rows_per_binding(dev, row_bytes, N, "linear");
  if (!rows)
    return PV_ERR_UNSUPPORTED;
  for (uint32_t n0 = 0; n0 < N; n0 += (uint32_t)rows) {
    uint32_t nc = N - n0 < rows ? N - n0 : (uint32_t)rows;
    pv_vk_dispatch d;
    memset(&d, 0, sizeof d);
    gemm_push p = {.M = (uint32_t)M,
                   .N = nc,
                   .K = K,
                   .lda = K,
                   .ldb = K,
                   .ldc = N,
                   .alpha = 1.0f,
                   .beta = 1.0f};
    int rc =
        pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, M * K * 4, 0, 4, &p.ao);
    if (!rc && wbuf)
      rc = pv__vk_bind_buf(pl, &d, 1, wbuf, (uint64_t)n0 * row_bytes,
                           nc * row_bytes, 0, esize, &p.bo);
    else if (!rc)
      rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], (uint64_t)n0 * row_bytes,
                             nc * row_bytes, 0, 4, &p.bo);
    if (!rc)
      rc = has_bias
               ? pv__vk_bind_value(pl, &d, 2, n->inputs[2], (uint64_t)n0 * 4,
                                   (uint64_t)nc * 4, 0, 4, &p.biaso)
               : pv__vk_bind_value(pl, &d, 2, n->inputs[0], 0, 4, 0, 4,
                                   &p.biaso);
    /* The output block starts at column n0 of row 0. */
    if (!rc)
      rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], (uint64_t)n0 * 4,
                             ((M - 1) * N + nc) * 4, 1, 4, &p.co);
    if (!rc)
      rc = emit_gemm(pl, &d, &p, 1, 0, 1, has_bias ? 1 : 0, &n->attrs.gemm.act,
                     f16);
    if (rc)
      return rc;
  }
  return 0;
}

static int plan_gemm(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_gemm_attrs *g = &n->attrs.gemm;
  const pv_tensor_desc *a = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *b = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  uint32_t M = (uint32_t)y->shape[0], N = (uint32_t)y->shape[1];
  uint32_t K = (uint32_t)(g->trans_a ? a->shape[0] : a->shape[1]);
  if (!M || !N)
    return 0;
  int has_c = n->n_inputs > 2 && n->inputs[2] >= 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  gemm_push p = {.M = M,
                 .N = N,
                 .K = K,
                 .lda = (uint32_t)a->shape[1],
                 .ldb = (uint32_t)b->shape[1],
                 .ldc = N,
                 .alpha = g->alpha,
                 .beta = g->beta};
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(a) * 4, 0, 4, &p.ao);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0,
                           (uint64_t)pv__vk_numel(b) * 4, 0, 4, &p.bo);
  if (!rc && has_c) {
    const pv_tensor_desc *c = pv__vk_vdesc(pl, n->inputs[2]);
    int64_t cm = c->ndim >= 2 ? c->shape[c->ndim - 2] : 1;
    int64_t cn = c->ndim >= 1 ? c->shape[c->ndim - 1] : 1;
    p.bias_sn = cn == 1 ? 0 : 1;
    p.bias_sm = cm == 1 ? 0 : (uint32_t)cn;
    rc = pv__vk_bind_value(pl, &d, 2, n->inputs[2], 0,
                           (uint64_t)pv__vk_numel(c) * 4, 0, 4, &p.biaso);
  } else if (!rc) {
    rc = pv__vk_bind_value(pl, &d, 2, n->inputs[0], 0, 4, 0, 4, &p.biaso);
  }
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], 0, (uint64_t)M * N * 4, 1,
                           4, &p.co);
  if (rc)
    return rc;
  return emit_gemm(pl, &d, &p, 1, g->trans_a, g->trans_b, has_c ? 3 : 0,
                   &g->act, 0);
}

static int plan_matmul(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *a = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *b = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  uint32_t M = a->ndim > 1 ? (uint32_t)a->shape[a->ndim - 2] : 1;
  uint32_t K = (uint32_t)a->shape[a->ndim - 1];
  uint32_t N = b->ndim > 1 ? (uint32_t)b->shape[b->ndim - 1] : 1;
  batch_plan bp;
  if (matmul_batches(a, b, &bp))
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: matmul batch broadcast over > 2 levels");
  uint64_t batch = bp.n1 * bp.n2;
  if (!batch || !M || !N || !pv__vk_numel(y))
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t mk = M * K, kn = K * N;
  gemm_push p = {.M = M,
                 .N = N,
                 .K = K,
                 .lda = K,
                 .ldb = N,
                 .ldc = N,
                 .bsa = (uint32_t)bp.sa1 * mk,
                 .bsb = (uint32_t)bp.sb1 * kn,
                 .bsc = 0,
                 .alpha = 1.0f,
                 .beta = 0.0f,
                 .nb2 = (uint32_t)bp.n2,
                 .bsa2 = (uint32_t)bp.sa2 * mk,
                 .bsb2 = (uint32_t)bp.sb2 * kn};
  /* The output is contiguous over the whole batch: z * M * N, which the
   * two-level split must reproduce: bsc applies to z as a whole. */
  p.bsc = M * N;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(a) * 4, 0, 4, &p.ao);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0,
                           (uint64_t)pv__vk_numel(b) * 4, 0, 4, &p.bo);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, n->inputs[0], 0, 4, 0, 4, &p.biaso);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], 0,
                           (uint64_t)pv__vk_numel(y) * 4, 1, 4, &p.co);
  if (rc)
    return rc;
  return emit_gemm(pl, &d, &p, (uint32_t)batch, 0, 0, 0, NULL, 0);
}

static int gemm_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  switch (n->op) {
  case PV_OP_LINEAR:
    return plan_linear(pl, n);
  case PV_OP_GEMM:
    return plan_gemm(pl, n);
  default:
    return plan_matmul(pl, n);
  }
}

const pv_vk_op_impl pv__vk_gemm_impl = {gemm_supports, gemm_plan};
