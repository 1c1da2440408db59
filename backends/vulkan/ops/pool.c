/*
 * max/avg pooling (kernel, stride, padding, dilation, ceil_mode,
 * count_include_pad, divisor_override) and the adaptive pools, one thread
 * per output over NCHW (or CHW) planes.
 */
#include "vk_ops.h"

static int pool_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_pool_attrs *a = &op->attrs.pool;
  if (op->op == PV_OP_MAX_POOL2D || op->op == PV_OP_AVG_POOL2D)
    for (int i = 0; i < 2; i++)
      if (a->kernel[i] < 1 || a->stride[i] < 1 || a->padding[i] < 0 ||
          a->padding[2 + i] < 0 ||
          (op->op == PV_OP_MAX_POOL2D && a->dilation[i] < 0))
        return 0;
  return pv__vk_all_f32(op) && pv__vk_fits(dev, op) &&
         (op->inputs[0].ndim == 4 || op->inputs[0].ndim == 3) &&
         op->outputs[0].ndim == op->inputs[0].ndim;
}

static int pool_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_pool_attrs *a = &n->attrs.pool;
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int nd = x->ndim;
  uint64_t total = (uint64_t)pv__vk_numel(y);
  if (!total)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  uint32_t *p = d.push;
  p[0] = (uint32_t)x->shape[nd - 2];
  p[1] = (uint32_t)x->shape[nd - 1];
  p[2] = (uint32_t)y->shape[nd - 2];
  p[3] = (uint32_t)y->shape[nd - 1];
  int mode = 0;
  switch (n->op) {
  case PV_OP_MAX_POOL2D:
    mode = 0;
    break;
  case PV_OP_AVG_POOL2D:
    mode = 1;
    break;
  case PV_OP_ADAPTIVE_AVG_POOL2D:
    mode = 2;
    break;
  default:
    mode = 3;
  }
  if (mode < 2) {
    p[4] = (uint32_t)a->kernel[0];
    p[5] = (uint32_t)a->kernel[1];
    p[6] = (uint32_t)a->stride[0];
    p[7] = (uint32_t)a->stride[1];
    p[8] = (uint32_t)a->padding[0];
    p[9] = (uint32_t)a->padding[1];
    p[10] = (uint32_t)a->padding[2];
    p[11] = (uint32_t)a->padding[3];
    p[12] = mode == 0 && a->dilation[0] > 0 ? (uint32_t)a->dilation[0] : 1;
    p[13] = mode == 0 && a->dilation[1] > 0 ? (uint32_t)a->dilation[1] : 1;
    p[14] = mode == 1 && a->divisor_override > 0 ? (uint32_t)a->divisor_override
                                                 : 0;
  }
  p[15] = (uint32_t)total;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(x) * 4, 0, 4, &p[16]);
  if (!rc)
    rc =
        pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, total * 4, 1, 4, &p[17]);
  if (rc)
    return rc;
  pv__vk_groups_1d(pl->dev, (total + 255) / 256, d.groups);
  uint32_t spec[2] = {(uint32_t)mode, a->count_include_pad ? 1u : 0u};
  return pv__vk_emit(pl, &d, PV_VK_SH_POOL, spec, 2);
}

const pv_vk_op_impl pv__vk_pool_impl = {pool_supports, pool_plan};
