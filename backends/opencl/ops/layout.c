/* Host side of kernels/layout.cl: reshape, permute, slice, expand, tile,
 * concat, pad and gather, all as strided copies. */
#include "ocl_backend.h"

#include <stdlib.h>

static const char *copy_kernel(size_t es) {
  return es == 1   ? "copy_x8"
         : es == 2 ? "copy_x16"
         : es == 4 ? "copy_x32"
         : es == 8 ? "copy_x64"
                   : NULL;
}

typedef struct copy_spec {
  int nd;
  int64_t in_base, out_base;
  int64_t size[PV_MAX_DIMS], mod[PV_MAX_DIMS], istr[PV_MAX_DIMS],
      ostr[PV_MAX_DIMS];
} copy_spec;

static void contiguous_strides(const pv_tensor_desc *d, int64_t *s) {
  int64_t st = 1;
  for (int i = d->ndim - 1; i >= 0; i--) {
    s[i] = st;
    st *= d->shape[i];
  }
}

/* Appends one copy launch from value vin to value vout. */
static int add_copy(pv_ocl_node_ctx *nc, int vin, int vout,
                    const copy_spec *cs) {
  size_t es = pv__ocl_host->dtype_size(nc->values[vin].desc.dtype);
  const char *name = copy_kernel(es);
  if (!name)
    return pv__ocl_error(PV_ERR_DTYPE, "opencl: copy of %zu-byte elements", es);
  int64_t n = 1;
  for (int d = 0; d < cs->nd; d++)
    n *= cs->size[d];
  int tab[3 + 4 * PV_MAX_DIMS];
  tab[0] = cs->nd;
  tab[1] = (int)cs->in_base;
  tab[2] = (int)cs->out_base;
  for (int d = 0; d < cs->nd; d++) {
    tab[3 + d] = (int)(cs->size[d] > 0 ? cs->size[d] : 1);
    tab[3 + cs->nd + d] = (int)(cs->mod[d] > 0 ? cs->mod[d] : 1);
    tab[3 + 2 * cs->nd + d] = (int)cs->istr[d];
    tab[3 + 3 * cs->nd + d] = (int)cs->ostr[d];
  }
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_LAYOUT, name, &l);
  if (rc)
    return rc;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, vin)) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, vout)) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)n)) ||
      (rc = pv__ocl_arg_data(nc, l, 5, tab,
                             sizeof(int) * (size_t)(3 + 4 * cs->nd))))
    return rc;
  pv__ocl_range1(l, n);
  return 0;
}

/* A flat copy of the whole tensor (reshape, same-dtype cast). */
int pv__ocl_copy_build(pv_ocl_node_ctx *nc) {
  copy_spec cs;
  memset(&cs, 0, sizeof cs);
  cs.nd = 1;
  cs.size[0] = cs.mod[0] = pv__ocl_numel(&pv__ocl_out(nc, 0)->desc);
  cs.istr[0] = cs.ostr[0] = 1;
  return add_copy(nc, nc->node->inputs[0], nc->node->outputs[0], &cs);
}

static int layout_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  size_t es = pv__ocl_host->dtype_size(op->inputs[0].dtype);
  if (!copy_kernel(es) || op->outputs[0].dtype != op->inputs[0].dtype)
    return 0;
  /* Indices are int in the kernels. */
  if (pv__ocl_numel(&op->inputs[0]) > 0x7fffffff ||
      pv__ocl_numel(&op->outputs[0]) > 0x7fffffff)
    return 0;
  if (op->op == PV_OP_CONCAT)
    for (int i = 1; i < op->n_inputs; i++)
      if (op->inputs[i].dtype != op->inputs[0].dtype)
        return 0;
  return 1;
}

static int layout_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int64_t xs[PV_MAX_DIMS], ys[PV_MAX_DIMS];
  contiguous_strides(x, xs);
  contiguous_strides(y, ys);
  copy_spec cs;
  memset(&cs, 0, sizeof cs);
  cs.nd = y->ndim;
  for (int d = 0; d < y->ndim; d++) {
    cs.size[d] = cs.mod[d] = y->shape[d];
    cs.ostr[d] = ys[d];
  }
  switch (n->op) {
  case PV_OP_RESHAPE:
    return pv__ocl_copy_build(nc);
  case PV_OP_PERMUTE:
    for (int d = 0; d < y->ndim; d++)
      cs.istr[d] = xs[n->attrs.permute.perm[d]];
    break;
  case PV_OP_SLICE:
    for (int d = 0; d < y->ndim; d++) {
      int64_t s = n->attrs.slice.start[d], e = n->attrs.slice.end[d],
              st = n->attrs.slice.step[d], len = x->shape[d];
      /* Python slice normalisation (as pv__slice_normalize). */
      if (st > 0) {
        s = s < 0 ? (s + len < 0 ? 0 : s + len) : (s > len ? len : s);
      } else {
        s = s < 0 ? (s + len < 0 ? -1 : s + len) : (s >= len ? len - 1 : s);
      }
      (void)e;
      cs.in_base += s * xs[d];
      cs.istr[d] = st * xs[d];
    }
    break;
  case PV_OP_EXPAND:
    for (int d = 0; d < y->ndim; d++) {
      int xd = x->ndim - y->ndim + d;
      cs.istr[d] = xd >= 0 && x->shape[xd] != 1 ? xs[xd] : 0;
    }
    break;
  case PV_OP_TILE:
    for (int d = 0; d < y->ndim; d++) {
      cs.mod[d] = x->shape[d];
      cs.istr[d] = xs[d];
    }
    break;
  case PV_OP_CONCAT: {
    int ax = n->attrs.axis.axis < 0 ? n->attrs.axis.axis + y->ndim
                                    : n->attrs.axis.axis;
    int64_t at = 0;
    for (int k = 0; k < n->n_inputs; k++) {
      const pv_tensor_desc *xk = &pv__ocl_in(nc, k)->desc;
      int64_t ks[PV_MAX_DIMS];
      contiguous_strides(xk, ks);
      copy_spec c2 = cs;
      for (int d = 0; d < y->ndim; d++) {
        c2.size[d] = c2.mod[d] = xk->shape[d];
        c2.istr[d] = ks[d];
      }
      c2.out_base = at * ys[ax];
      at += xk->shape[ax];
      if (pv__ocl_numel(xk) == 0)
        continue;
      int rc = add_copy(nc, n->inputs[k], n->outputs[0], &c2);
      if (rc)
        return rc;
    }
    return 0;
  }
  default:
    return pv__ocl_error(PV_ERR_UNSUPPORTED, "opencl: layout op %d", n->op);
  }
  return add_copy(nc, n->inputs[0], n->outputs[0], &cs);
}

const pv_ocl_op_impl pv__ocl_layout = {layout_supports, layout_build};

/* ---- pad ---------------------------------------------------------------- */

static int pad_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  if (op->inputs[0].dtype != PV_F32 || op->outputs[0].dtype != PV_F32)
    return 0;
  if (op->attrs.pad.mode < 0 || op->attrs.pad.mode > PV_PAD_CIRCULAR)
    return 0;
  for (int d = 0; d < op->inputs[0].ndim; d++)
    if (op->inputs[0].shape[d] == 0)
      return 0;
  return 1;
}

static int pad_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int nd = x->ndim;
  int tab[1 + 3 * PV_MAX_DIMS];
  tab[0] = nd;
  for (int d = 0; d < nd; d++) {
    tab[1 + d] = (int)(y->shape[d] > 0 ? y->shape[d] : 1);
    tab[1 + nd + d] = (int)x->shape[d];
    tab[1 + 2 * nd + d] = (int)n->attrs.pad.pads[2 * d];
  }
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_LAYOUT, "pad_f32", &l);
  if (rc)
    return rc;
  int64_t cnt = pv__ocl_numel(y);
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)cnt)) ||
      (rc = pv__ocl_arg_data(nc, l, 5, tab,
                             sizeof(int) * (size_t)(1 + 3 * nd))) ||
      (rc = pv__ocl_arg_int(nc, l, 6, n->attrs.pad.mode)) ||
      (rc = pv__ocl_arg_float(nc, l, 7, n->attrs.pad.value)))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_pad = {pad_supports, pad_build};

/* ---- gather ------------------------------------------------------------- */

static int gather_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  size_t es = pv__ocl_host->dtype_size(op->inputs[0].dtype);
  if ((es != 4 && es != 8) ||
      (op->inputs[1].dtype != PV_I64 && op->inputs[1].dtype != PV_I32))
    return 0;
  return 1;
}

static int gather_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *ix = &pv__ocl_in(nc, 1)->desc;
  int ax = n->attrs.axis.axis < 0 ? n->attrs.axis.axis + x->ndim
                                  : n->attrs.axis.axis;
  int64_t outer = 1, inner = 1, len = x->shape[ax], m = pv__ocl_numel(ix);
  for (int d = 0; d < ax; d++)
    outer *= x->shape[d];
  for (int d = ax + 1; d < x->ndim; d++)
    inner *= x->shape[d];
  /* Constant indices are validated here, like torch's index check. */
  const void *cd = pv__ocl_const_data(nc, n->inputs[1]);
  for (int64_t j = 0; cd && j < m; j++) {
    int64_t k = ix->dtype == PV_I64 ? ((const int64_t *)cd)[j]
                                    : ((const int32_t *)cd)[j];
    if (k < -len || k >= len)
      return pv__ocl_error(PV_ERR_RANGE,
                           "opencl: gather index %lld out of range for size "
                           "%lld",
                           (long long)k, (long long)len);
  }
  size_t es = pv__ocl_host->dtype_size(x->dtype);
  const char *name =
      es == 4 ? (ix->dtype == PV_I64 ? "gather_x32_i64" : "gather_x32_i32")
              : (ix->dtype == PV_I64 ? "gather_x64_i64" : "gather_x64_i32");
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_LAYOUT, name, &l);
  if (rc)
    return rc;
  int64_t cnt = outer * m * inner;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->inputs[1])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 4, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 6, (int)cnt)) ||
      (rc = pv__ocl_arg_int(nc, l, 7, (int)len)) ||
      (rc = pv__ocl_arg_int(nc, l, 8, (int)(m ? m : 1))) ||
      (rc = pv__ocl_arg_int(nc, l, 9, (int)(inner ? inner : 1))))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_gather = {gather_supports, gather_build};
