/* Host side of kernels/reduce.cl: reduce_sum/mean/max/min over any axes,
 * argmax/argmin (i64 output) and topk (values + i64 indices, sorted). */
#include "ocl_backend.h"

static int reduce_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->inputs[0].dtype != PV_F32 ||
      pv__ocl_numel(&op->inputs[0]) > 0x7fffffff)
    return 0;
  if (op->op == PV_OP_TOPK)
    return op->n_outputs == 2 && op->outputs[0].dtype == PV_F32 &&
           op->outputs[1].dtype == PV_I64;
  int arg = op->op == PV_OP_ARGMAX || op->op == PV_OP_ARGMIN;
  return op->outputs[0].dtype == (arg ? PV_I64 : PV_F32);
}

static int reduce_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_axis_attrs *a = &n->attrs.axis;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int64_t total = pv__ocl_numel(y);
  int rc;
  pv_ocl_launch *l;
  if (n->op == PV_OP_TOPK) {
    int nd = x->ndim ? x->ndim : 1;
    int ax = a->axis < 0 ? a->axis + nd : a->axis;
    int64_t inner = 1, outer = 1, len = x->ndim ? x->shape[ax] : 1;
    for (int d = 0; d < ax && d < x->ndim; d++)
      outer *= x->shape[d];
    for (int d = ax + 1; d < x->ndim; d++)
      inner *= x->shape[d];
    int64_t rows = outer * inner;
    if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_REDUCE, "topk_f32", &l)) ||
        (rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
        (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
        (rc = pv__ocl_arg_tensor(nc, l, 4, n->outputs[1])) ||
        (rc = pv__ocl_arg_int(nc, l, 6, (int)rows)) ||
        (rc = pv__ocl_arg_int(nc, l, 7, (int)len)) ||
        (rc = pv__ocl_arg_int(nc, l, 8, (int)(inner ? inner : 1))) ||
        (rc = pv__ocl_arg_int(nc, l, 9, (int)a->k)) ||
        (rc = pv__ocl_arg_int(nc, l, 10, a->largest)))
      return rc;
    pv__ocl_range1(l, a->k > 0 ? rows : 0);
    return 0;
  }
  if (n->op == PV_OP_ARGMAX || n->op == PV_OP_ARGMIN) {
    int nd = x->ndim ? x->ndim : 1;
    int ax = a->axis < 0 ? a->axis + nd : a->axis;
    int64_t inner = 1, len = x->ndim ? x->shape[ax] : 1;
    for (int d = ax + 1; d < x->ndim; d++)
      inner *= x->shape[d];
    if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_REDUCE, "argext_f32", &l)) ||
        (rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
        (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
        (rc = pv__ocl_arg_int(nc, l, 4, (int)total)) ||
        (rc = pv__ocl_arg_int(nc, l, 5, (int)len)) ||
        (rc = pv__ocl_arg_int(nc, l, 6, (int)(inner ? inner : 1))) ||
        (rc = pv__ocl_arg_int(nc, l, 7, n->op == PV_OP_ARGMIN)) ||
        (rc = pv__ocl_arg_int(nc, l, 8, a->select_last_index)))
      return rc;
    pv__ocl_range1(l, total);
    return 0;
  }
  int red[PV_MAX_DIMS] = {0};
  if (a->n_axes == 0)
    for (int d = 0; d < x->ndim; d++)
      red[d] = 1;
  for (int i = 0; i < a->n_axes; i++)
    red[a->axes[i] < 0 ? a->axes[i] + x->ndim : a->axes[i]] = 1;
  int64_t st[PV_MAX_DIMS], s = 1;
  for (int d = x->ndim - 1; d >= 0; d--) {
    st[d] = s;
    s *= x->shape[d];
  }
  int tab[2 + 4 * PV_MAX_DIMS], nk = 0, nr = 0;
  int ks[PV_MAX_DIMS], kst[PV_MAX_DIMS], rs[PV_MAX_DIMS], rst[PV_MAX_DIMS];
  for (int d = 0; d < x->ndim; d++) {
    if (red[d]) {
      rs[nr] = (int)x->shape[d];
      rst[nr++] = (int)st[d];
    } else {
      ks[nk] = (int)x->shape[d];
      kst[nk++] = (int)st[d];
    }
  }
  int p = 0;
  tab[p++] = nk;
  for (int i = 0; i < nk; i++)
    tab[p++] = ks[i] ? ks[i] : 1;
  for (int i = 0; i < nk; i++)
    tab[p++] = kst[i];
  tab[p++] = nr;
  for (int i = 0; i < nr; i++)
    tab[p++] = rs[i];
  for (int i = 0; i < nr; i++)
    tab[p++] = rst[i];
  if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_REDUCE, "reduce_f32", &l)) ||
      (rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)total)) ||
      (rc = pv__ocl_arg_data(nc, l, 5, tab, sizeof(int) * (size_t)p)) ||
      (rc = pv__ocl_arg_int(nc, l, 6, n->op)))
    return rc;
  pv__ocl_range1(l, total);
  return 0;
}

const pv_ocl_op_impl pv__ocl_reduce = {reduce_supports, reduce_build};
