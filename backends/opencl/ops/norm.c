/* Host side of kernels/norm.cl: batch norm (inference) and layer / group /
 * instance norm through one row-normalising kernel. */
#include "ocl_backend.h"

static int norm_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 && op->inputs[i].dtype != PV_F32)
      return 0;
  if (op->outputs[0].dtype != PV_F32 ||
      pv__ocl_numel(&op->inputs[0]) > 0x7fffffff)
    return 0;
  return dev->di->max_wg >= 64;
}

static int norm_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  int64_t total = pv__ocl_numel(x);
  float eps = n->attrs.norm.eps;
  pv_ocl_launch *l;
  int rc;
  if (n->op == PV_OP_BATCH_NORM) {
    int64_t C = x->shape[1], inner = 1;
    for (int d = 2; d < x->ndim; d++)
      inner *= x->shape[d];
    if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_NORM, "batchnorm_f32", &l)))
      return rc;
    for (int k = 0; k < 5; k++)
      if ((rc = pv__ocl_arg_tensor(nc, l, 2 * k, n->inputs[k])))
        return rc;
    if ((rc = pv__ocl_arg_tensor(nc, l, 10, n->outputs[0])) ||
        (rc = pv__ocl_arg_int(nc, l, 12, (int)total)) ||
        (rc = pv__ocl_arg_int(nc, l, 13, (int)C)) ||
        (rc = pv__ocl_arg_int(nc, l, 14, (int)(inner ? inner : 1))) ||
        (rc = pv__ocl_arg_float(nc, l, 15, eps)))
      return rc;
    pv__ocl_range1(l, total);
    return 0;
  }
  int64_t rows, L, G, inner;
  if (n->op == PV_OP_LAYER_NORM) {
    int k = n->attrs.norm.n_norm_dims;
    L = 1;
    for (int d = x->ndim - k; d < x->ndim; d++)
      L *= x->shape[d];
    G = 1;
    inner = 1;
  } else {
    int64_t C = x->shape[1], hw = 1;
    for (int d = 2; d < x->ndim; d++)
      hw *= x->shape[d];
    G = n->op == PV_OP_GROUP_NORM ? n->attrs.norm.groups : C;
    L = C / G * hw;
    inner = hw;
  }
  rows = L ? total / L : 0;
  if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_NORM, "rownorm_f32", &l)))
    return rc;
  int has_w = n->n_inputs > 1 && n->inputs[1] >= 0;
  int has_b = n->n_inputs > 2 && n->inputs[2] >= 0;
  float z = 0;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = has_w ? pv__ocl_arg_tensor(nc, l, 2, n->inputs[1])
                  : (pv__ocl_arg_data(nc, l, 2, &z, sizeof z) ||
                     pv__ocl_arg_long(nc, l, 3, 0))) ||
      (rc = has_b ? pv__ocl_arg_tensor(nc, l, 4, n->inputs[2])
                  : (pv__ocl_arg_data(nc, l, 4, &z, sizeof z) ||
                     pv__ocl_arg_long(nc, l, 5, 0))) ||
      (rc = pv__ocl_arg_tensor(nc, l, 6, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 8, (int)L)) ||
      (rc = pv__ocl_arg_int(nc, l, 9, (int)G)) ||
      (rc = pv__ocl_arg_int(nc, l, 10, (int)(inner ? inner : 1))) ||
      (rc = pv__ocl_arg_float(nc, l, 11, eps)) ||
      (rc = pv__ocl_arg_int(nc, l, 12, has_w)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, has_b)))
    return rc < 0 ? rc : PV_ERR_DEVICE;
  l->dims = 1;
  l->use_lws = 1;
  l->lws[0] = 64;
  l->gws[0] = (size_t)rows * 64;
  return 0;
}

const pv_ocl_op_impl pv__ocl_norm = {norm_supports, norm_build};
