/* Host side of kernels/softmax.cl: softmax and log_softmax. */
#include "ocl_backend.h"

static int softmax_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  return op->inputs[0].dtype == PV_F32 && op->outputs[0].dtype == PV_F32 &&
         pv__ocl_numel(&op->inputs[0]) <= 0x7fffffff;
}

static int softmax_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  int nd = x->ndim ? x->ndim : 1;
  int ax =
      n->attrs.axis.axis < 0 ? n->attrs.axis.axis + nd : n->attrs.axis.axis;
  int64_t outer = 1, inner = 1, len = x->ndim ? x->shape[ax] : 1;
  for (int d = 0; d < ax && d < x->ndim; d++)
    outer *= x->shape[d];
  for (int d = ax + 1; d < x->ndim; d++)
    inner *= x->shape[d];
  int64_t rows = outer * inner;
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_SOFTMAX, "softmax_f32", &l);
  if (rc)
    return rc;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)rows)) ||
      (rc = pv__ocl_arg_int(nc, l, 5, (int)len)) ||
      (rc = pv__ocl_arg_int(nc, l, 6, (int)(inner ? inner : 1))) ||
      (rc = pv__ocl_arg_int(nc, l, 7, n->op == PV_OP_LOG_SOFTMAX)))
    return rc;
  pv__ocl_range1(l, len ? rows : 0);
  return 0;
}

const pv_ocl_op_impl pv__ocl_softmax = {softmax_supports, softmax_build};
