/*
 * Elementwise ops: unary (one op per pipeline, attributes as specialization
 * constants) and binary with numpy broadcasting (output shape and operand
 * strides collapsed to at most 6 dims in push constants) and an optional
 * fused activation.
 */
#include "vk_ops.h"

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* The unary ops a fused activation may be. */
int pv__vk_act_ok(const pv_act *a) {
  return a->op == PV_OP_NONE || (a->op >= PV_OP_RELU && a->op <= PV_OP_ERF);
}

/* Writes the 4 activation constants (op, alpha, beta, mode) to spec. */
void pv__vk_act_spec(const pv_act *a, uint32_t *spec) {
  spec[0] = (uint32_t)a->op;
  spec[1] = fbits(a->alpha);
  spec[2] = fbits(a->beta);
  spec[3] = (uint32_t)a->mode;
}

static int unary_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->op == PV_OP_GELU && op->attrs.unary.mode != 0 &&
      op->attrs.unary.mode != 1)
    return 0;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op);
}

static int unary_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  int64_t cnt = pv__vk_numel(x);
  if (!cnt)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  d.push[0] = (uint32_t)cnt;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, (uint64_t)cnt * 4, 0,
                             4, &d.push[1]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, (uint64_t)cnt * 4, 1, 4,
                           &d.push[2]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, ((uint64_t)cnt + 255) / 256, d.groups);
  float alpha = n->attrs.unary.alpha, beta = n->attrs.unary.beta;
  uint32_t spec[4] = {(uint32_t)n->op, fbits(alpha), fbits(beta),
                      (uint32_t)n->attrs.unary.mode};
  return pv__vk_emit(pl, &d, PV_VK_SH_UNARY, spec, 4);
}

const pv_vk_op_impl pv__vk_unary_impl = {unary_supports, unary_plan};

/* Broadcast strides of `in` against out (element strides, 0 on broadcast),
 * then dims merged where both operands stay linear. Returns the dim count
 * or -1 when more than 6 remain. */
int pv__vk_broadcast(const pv_tensor_desc *out, const pv_tensor_desc *const *in,
                     int n_in, uint32_t shape[6], uint32_t str[][6]) {
  int nd = out->ndim;
  int64_t sh[PV_MAX_DIMS], st[4][PV_MAX_DIMS];
  for (int k = 0; k < n_in; k++) {
    int64_t s = 1;
    for (int i = nd - 1; i >= 0; i--) {
      int ii = in[k]->ndim - nd + i;
      int64_t dim = ii >= 0 ? in[k]->shape[ii] : 1;
      st[k][i] = dim == 1 ? 0 : s;
      s *= dim;
    }
  }
  /* drop size-1 dims, merge mergeable neighbours */
  int m = 0;
  for (int i = 0; i < nd; i++) {
    if (out->shape[i] == 1)
      continue;
    if (m > 0) {
      int ok = 1;
      for (int k = 0; k < n_in; k++)
        ok &= st[k][m - 1] == st[k][i] * out->shape[i];
      if (ok) {
        sh[m - 1] *= out->shape[i];
        for (int k = 0; k < n_in; k++)
          st[k][m - 1] = st[k][i];
        continue;
      }
    }
    sh[m] = out->shape[i];
    for (int k = 0; k < n_in; k++)
      st[k][m] = st[k][i];
    m++;
  }
  if (m > 6)
    return -1;
  for (int i = 0; i < 6; i++) {
    int j = i - (6 - m);
    shape[i] = j >= 0 ? (uint32_t)sh[j] : 1;
    for (int k = 0; k < n_in; k++)
      str[k][i] = j >= 0 ? (uint32_t)st[k][j] : 0;
  }
  return m;
}

/* f16 max/min (no fused activation): compared in f32, the winner's bits
 * copied, NaN propagated, as the CPU backend does. */
static int binary_f16(const pv_op_desc *op) {
  return (op->op == PV_OP_MAX || op->op == PV_OP_MIN) && op->n_inputs == 2 &&
         op->inputs[0].dtype == PV_F16 && op->inputs[1].dtype == PV_F16 &&
         op->outputs[0].dtype == PV_F16 &&
         op->attrs.binary.act.op == PV_OP_NONE;
}

static int binary_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (!(pv__vk_all_f32(op) || binary_f16(op)) || !pv__vk_fits(dev, op) ||
      !pv__vk_act_ok(&op->attrs.binary.act))
    return 0;
  if (op->op == PV_OP_PRELU && op->attrs.binary.act.op != PV_OP_NONE)
    return 0;
  uint32_t shape[6], str[2][6];
  const pv_tensor_desc *in[2] = {&op->inputs[0], &op->inputs[1]};
  return pv__vk_broadcast(&op->outputs[0], in, 2, shape, str) >= 0;
}

static int binary_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *a = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *b = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int64_t cnt = pv__vk_numel(y);
  if (!cnt)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  const pv_tensor_desc *in[2] = {a, b};
  uint32_t str[2][6];
  if (pv__vk_broadcast(y, in, 2, &d.push[4], str) < 0)
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: %s broadcast needs more than 6 dims",
                        pv__vk_host->op_name(n->op));
  memcpy(&d.push[10], str[0], sizeof str[0]);
  memcpy(&d.push[16], str[1], sizeof str[1]);
  d.push[0] = (uint32_t)cnt;
  int f16 = y->dtype == PV_F16, es = f16 ? 2 : 4;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(a) * es, 0, es, &d.push[1]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0,
                           (uint64_t)pv__vk_numel(b) * es, 0, es, &d.push[2]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, n->outputs[0], 0, (uint64_t)cnt * es, 1,
                           es, &d.push[3]);
  if (rc)
    return rc;
  /* f16: a thread per 32-bit output word */
  uint64_t threads = f16 ? (d.push[3] + (uint64_t)cnt + 1) / 2 : (uint64_t)cnt;
  pv__vk_groups_1d(pl->dev, (threads + 255) / 256, d.groups);
  uint32_t spec[6] = {(uint32_t)n->op};
  pv_act none = {0};
  pv__vk_act_spec(n->op == PV_OP_PRELU ? &none : &n->attrs.binary.act,
                  &spec[1]);
  spec[5] = (uint32_t)f16;
  return pv__vk_emit(pl, &d, PV_VK_SH_BINARY, spec, 6);
}

const pv_vk_op_impl pv__vk_binary_impl = {binary_supports, binary_plan};
