/* Host side of kernels/pool.cl: max/avg pool2d and adaptive avg/max pool2d
 * over the last two dims of a 3-D or 4-D input. */
#include "ocl_backend.h"

static int pool_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  return op->inputs[0].dtype == PV_F32 && op->outputs[0].dtype == PV_F32 &&
         (op->inputs[0].ndim == 4 || op->inputs[0].ndim == 3) &&
         pv__ocl_numel(&op->inputs[0]) <= 0x7fffffff &&
         pv__ocl_numel(&op->outputs[0]) > 0;
}

static int pool_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_pool_attrs *a = &n->attrs.pool;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int nd = x->ndim;
  int H = (int)x->shape[nd - 2], W = (int)x->shape[nd - 1];
  int OH = (int)y->shape[nd - 2], OW = (int)y->shape[nd - 1];
  int64_t total = pv__ocl_numel(y);
  int adaptive =
      n->op == PV_OP_ADAPTIVE_AVG_POOL2D || n->op == PV_OP_ADAPTIVE_MAX_POOL2D;
  pv_ocl_launch *l;
  const char *name = adaptive                    ? "adaptive_pool_f32"
                     : n->op == PV_OP_MAX_POOL2D ? "maxpool_f32"
                                                 : "avgpool_f32";
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_POOL, name, &l);
  if (rc)
    return rc;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)total)))
    return rc;
  if (adaptive) {
    if ((rc = pv__ocl_arg_int(nc, l, 5, H)) ||
        (rc = pv__ocl_arg_int(nc, l, 6, W)) ||
        (rc = pv__ocl_arg_int(nc, l, 7, OH)) ||
        (rc = pv__ocl_arg_int(nc, l, 8, OW)) ||
        (rc = pv__ocl_arg_int(nc, l, 9, n->op == PV_OP_ADAPTIVE_MAX_POOL2D)))
      return rc;
  } else {
    int dh =
        n->op == PV_OP_MAX_POOL2D && a->dilation[0] > 0 ? a->dilation[0] : 1;
    int dw =
        n->op == PV_OP_MAX_POOL2D && a->dilation[1] > 0 ? a->dilation[1] : 1;
    int prm[16] = {H,
                   W,
                   OH,
                   OW,
                   a->kernel[0],
                   a->kernel[1],
                   a->stride[0],
                   a->stride[1],
                   a->padding[0],
                   a->padding[1],
                   a->padding[2],
                   a->padding[3],
                   dh,
                   dw,
                   a->count_include_pad,
                   a->divisor_override};
    if ((rc = pv__ocl_arg_data(nc, l, 5, prm, sizeof prm)))
      return rc;
  }
  pv__ocl_range1(l, total);
  return 0;
}

const pv_ocl_op_impl pv__ocl_pool = {pool_supports, pool_build};
