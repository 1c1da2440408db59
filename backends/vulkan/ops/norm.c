/*
 * layer_norm, group_norm, instance_norm (one workgroup per normalized chunk,
 * two-pass mean/variance) and batch_norm in inference form (elementwise).
 */
#include "vk_ops.h"

static int norm_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  if (!pv__vk_all_f32(op) || !pv__vk_fits(dev, op))
    return 0;
  const pv_tensor_desc *x = &op->inputs[0];
  if (op->op == PV_OP_LAYER_NORM)
    return op->attrs.norm.n_norm_dims >= 1 &&
           op->attrs.norm.n_norm_dims <= x->ndim;
  if (x->ndim < 2)
    return 0;
  if (op->op == PV_OP_GROUP_NORM)
    return op->attrs.norm.groups > 0 &&
           x->shape[1] % op->attrs.norm.groups == 0;
  return 1;
}

static int norm_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  uint64_t total = (uint64_t)pv__vk_numel(x);
  if (!total)
    return 0;
  uint64_t len = 1, inner = 1, cpg = 1, G = 1;
  int mode = 0;
  if (n->op == PV_OP_LAYER_NORM) {
    for (int i = x->ndim - n->attrs.norm.n_norm_dims; i < x->ndim; i++)
      len *= (uint64_t)x->shape[i];
  } else {
    uint64_t C = (uint64_t)x->shape[1];
    for (int i = 2; i < x->ndim; i++)
      inner *= (uint64_t)x->shape[i];
    G = n->op == PV_OP_GROUP_NORM ? (uint64_t)n->attrs.norm.groups : C;
    cpg = C / G;
    len = cpg * inner;
    mode = 1;
  }
  if (!len)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t *p = d.push;
  p[0] = (uint32_t)(total / len);
  p[1] = (uint32_t)len;
  p[2] = (uint32_t)inner;
  p[3] = (uint32_t)cpg;
  p[4] = (uint32_t)G;
  float eps = n->attrs.norm.eps;
  memcpy(&p[9], &eps, 4);
  int has_w = n->n_inputs > 1 && n->inputs[1] >= 0;
  int has_b = n->n_inputs > 2 && n->inputs[2] >= 0;
  uint64_t wlen = mode == 0 ? len : cpg * G;
  int rc =
      pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, total * 4, 0, 4, &p[5]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 1, has_w ? n->inputs[1] : n->inputs[0], 0,
                           has_w ? wlen * 4 : 4, 0, 4, &p[6]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 2, has_b ? n->inputs[2] : n->inputs[0], 0,
                           has_b ? wlen * 4 : 4, 0, 4, &p[7]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], 0, total * 4, 1, 4, &p[8]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, total / len, d.groups);
  uint32_t spec[3] = {(uint32_t)mode, (uint32_t)has_w, (uint32_t)has_b};
  return pv__vk_emit(pl, &d, PV_VK_SH_NORM, spec, 3);
}

const pv_vk_op_impl pv__vk_norm_impl = {norm_supports, norm_plan};

static int bn_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) && op->inputs[0].ndim >= 2;
}

static int bn_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  uint64_t total = (uint64_t)pv__vk_numel(x), C = (uint64_t)x->shape[1];
  uint64_t inner = 1;
  for (int i = 2; i < x->ndim; i++)
    inner *= (uint64_t)x->shape[i];
  if (!total)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t *p = d.push;
  p[0] = (uint32_t)total;
  p[1] = (uint32_t)C;
  p[2] = (uint32_t)inner;
  float eps = n->attrs.norm.eps;
  memcpy(&p[9], &eps, 4);
  int rc =
      pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0, total * 4, 0, 4, &p[3]);
  for (int k = 1; k < 5 && !rc; k++)
    rc = pv__vk_bind_value(pl, &d, k, n->inputs[k], 0, C * 4, 0, 4, &p[3 + k]);
  if (!rc)
    rc = pv__vk_bind_value(pl, &d, 5, n->outputs[0], 0, total * 4, 1, 4, &p[8]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, (total + 255) / 256, d.groups);
  return pv__vk_emit(pl, &d, PV_VK_SH_BATCHNORM, NULL, 0);
}

const pv_vk_op_impl pv__vk_batchnorm_impl = {bn_supports, bn_plan};
