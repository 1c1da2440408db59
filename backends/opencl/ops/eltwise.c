/* Host side of kernels/eltwise.cl: unary, binary, comparisons, prelu, where
 * and cast. */
#include "ocl_backend.h"

#include <stdlib.h>

static int is_f32(const pv_tensor_desc *d) { return d->dtype == PV_F32; }

static int act_ok(int op) {
  return op == PV_OP_NONE || (op >= PV_OP_RELU && op <= PV_OP_ERF);
}

/* Builds the broadcast table of kernels/common.cl pv_bcast_off for up to 3
 * operands; all-same-shape gives the table {0} (contiguous fast path). */
static int bcast_table(const pv_tensor_desc *out, int n_ops,
                       const pv_tensor_desc *const *ops, int *tab, int *len) {
  int same = 1;
  for (int k = 0; k < n_ops; k++)
    if (ops[k]->ndim != out->ndim ||
        memcmp(ops[k]->shape, out->shape, sizeof(int64_t) * (size_t)out->ndim))
      same = 0;
  if (same || out->ndim == 0) {
    tab[0] = 0;
    *len = 1;
    return 0;
  }
  int nd = out->ndim;
  tab[0] = nd;
  for (int d = 0; d < nd; d++)
    tab[1 + d] = (int)out->shape[d];
  for (int k = 0; k < n_ops; k++) {
    const pv_tensor_desc *o = ops[k];
    int64_t stride = 1;
    for (int d = nd - 1; d >= 0; d--) {
      int od = o->ndim - nd + d;
      int64_t sz = od >= 0 ? o->shape[od] : 1;
      tab[1 + nd * (1 + k) + d] =
          sz == 1 && out->shape[d] != 1 ? 0 : (int)stride;
      if (sz != 1 && sz != out->shape[d])
        return pv__ocl_error(PV_ERR_SHAPE,
                             "opencl: operand %d does not "
                             "broadcast to the output",
                             k);
      stride *= sz;
    }
  }
  *len = 1 + nd * (1 + n_ops);
  return 0;
}

/* ---- unary -------------------------------------------------------------- */

static int unary_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  int dt = op->inputs[0].dtype;
  if ((dt == PV_I32 || dt == PV_I64) && op->outputs[0].dtype == dt)
    return op->op == PV_OP_RELU || op->op == PV_OP_NEG || op->op == PV_OP_ABS;
  if (dt == PV_F16)
    return op->outputs[0].dtype == PV_F16;
  return op->n_inputs == 1 && is_f32(&op->inputs[0]) && is_f32(&op->outputs[0]);
}

static int unary_int_build(pv_ocl_node_ctx *nc, int dt) {
  const pv_node_desc *n = nc->node;
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_ELTWISE,
                              dt == PV_I32 ? "unary_i32" : "unary_i64", &l);
  if (rc)
    return rc;
  int64_t cnt = pv__ocl_numel(&pv__ocl_out(nc, 0)->desc);
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)cnt)) ||
      (rc = pv__ocl_arg_int(nc, l, 5, n->op)))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

static int unary_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  int dt = pv__ocl_in(nc, 0)->desc.dtype;
  if (dt == PV_I32 || dt == PV_I64)
    return unary_int_build(nc, dt);
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_ELTWISE,
                              dt == PV_F16 ? "unary_f16" : "unary_f32", &l);
  if (rc)
    return rc;
  int64_t cnt = pv__ocl_numel(&pv__ocl_out(nc, 0)->desc);
  const pv_unary_attrs *u = &n->attrs.unary;
  float alpha = u->alpha, beta = u->beta;
  if (n->op == PV_OP_HARDSIGMOID && alpha == 0.0f && beta == 0.0f) {
    alpha = 1.0f / 6.0f; /* torch defaults when attrs were left zero */
    beta = 0.5f;
  }
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)cnt)) ||
      (rc = pv__ocl_arg_int(nc, l, 5, n->op)) ||
      (rc = pv__ocl_arg_float(nc, l, 6, alpha)) ||
      (rc = pv__ocl_arg_float(nc, l, 7, beta)) ||
      (rc = pv__ocl_arg_int(nc, l, 8, u->mode)))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_unary = {unary_supports, unary_build};

/* ---- binary, comparisons, prelu ----------------------------------------- */

static int is_int(int dt) { return dt == PV_I32 || dt == PV_I64; }

static int binary_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  int cmp =
      op->op == PV_OP_EQUAL || op->op == PV_OP_LESS || op->op == PV_OP_GREATER;
  if (op->n_inputs == 2 && is_int(op->inputs[0].dtype) &&
      op->inputs[1].dtype == op->inputs[0].dtype) {
    /* Integers: add, sub, mul, max, min and comparisons, no fused act. */
    if (cmp)
      return op->outputs[0].dtype == PV_BOOL;
    return (op->op == PV_OP_ADD || op->op == PV_OP_SUB || op->op == PV_OP_MUL ||
            op->op == PV_OP_MAX || op->op == PV_OP_MIN) &&
           op->attrs.binary.act.op == PV_OP_NONE &&
           op->outputs[0].dtype == op->inputs[0].dtype;
  }
  if (op->n_inputs == 2 && op->inputs[0].dtype == PV_F16 &&
      op->inputs[1].dtype == PV_F16 && !cmp)
    return op->outputs[0].dtype == PV_F16 &&
           (op->op == PV_OP_PRELU || act_ok(op->attrs.binary.act.op));
  if (op->n_inputs != 2 || !is_f32(&op->inputs[0]) || !is_f32(&op->inputs[1]))
    return 0;
  if (op->outputs[0].dtype != (cmp ? PV_BOOL : PV_F32))
    return 0;
  if (!cmp && op->op != PV_OP_PRELU && !act_ok(op->attrs.binary.act.op))
    return 0;
  return 1;
}

static int binary_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  int cmp =
      n->op == PV_OP_EQUAL || n->op == PV_OP_LESS || n->op == PV_OP_GREATER;
  const pv_tensor_desc *out = &pv__ocl_out(nc, 0)->desc;
  const pv_tensor_desc *ops[2] = {&pv__ocl_in(nc, 0)->desc,
                                  &pv__ocl_in(nc, 1)->desc};
  int tab[1 + PV_MAX_DIMS * 4], len = 0;
  int rc = bcast_table(out, 2, ops, tab, &len);
  if (rc)
    return rc;
  int dt = ops[0]->dtype;
  const char *name = dt == PV_I32   ? (cmp ? "compare_i32" : "binary_i32")
                     : dt == PV_I64 ? (cmp ? "compare_i64" : "binary_i64")
                     : dt == PV_F16 ? "binary_f16"
                     : cmp          ? "compare_f32"
                                    : "binary_f32";
  int integer = dt == PV_I32 || dt == PV_I64;
  pv_ocl_launch *l;
  rc = pv__ocl_launch_new(nc, PV_OCL_PROG_ELTWISE, name, &l);
  if (rc)
    return rc;
  int64_t cnt = pv__ocl_numel(out);
  pv_act act = n->op == PV_OP_PRELU ? (pv_act){0} : n->attrs.binary.act;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->inputs[1])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 4, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 6, (int)cnt)) ||
      (rc = pv__ocl_arg_data(nc, l, 7, tab, sizeof(int) * (size_t)len)) ||
      (rc = pv__ocl_arg_int(nc, l, 8, n->op)))
    return rc;
  if (!cmp && !integer &&
      ((rc = pv__ocl_arg_int(nc, l, 9, act.op)) ||
       (rc = pv__ocl_arg_float(nc, l, 10, act.alpha)) ||
       (rc = pv__ocl_arg_float(nc, l, 11, act.beta)) ||
       (rc = pv__ocl_arg_int(nc, l, 12, act.mode))))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_binary = {binary_supports, binary_build};

/* ---- where -------------------------------------------------------------- */

static const char *where_kernel(size_t es) {
  return es == 1   ? "where_x8"
         : es == 2 ? "where_x16"
         : es == 4 ? "where_x32"
         : es == 8 ? "where_x64"
                   : NULL;
}

static int where_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  return op->inputs[0].dtype == PV_BOOL &&
         op->inputs[1].dtype == op->inputs[2].dtype &&
         op->outputs[0].dtype == op->inputs[1].dtype &&
         where_kernel(pv__ocl_host->dtype_size(op->inputs[1].dtype)) != NULL;
}

static int where_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_tensor_desc *out = &pv__ocl_out(nc, 0)->desc;
  const pv_tensor_desc *ops[3] = {&pv__ocl_in(nc, 0)->desc,
                                  &pv__ocl_in(nc, 1)->desc,
                                  &pv__ocl_in(nc, 2)->desc};
  int tab[1 + PV_MAX_DIMS * 4], len = 0;
  int rc = bcast_table(out, 3, ops, tab, &len);
  if (rc)
    return rc;
  pv_ocl_launch *l;
  const char *name =
      where_kernel(pv__ocl_host->dtype_size(pv__ocl_in(nc, 1)->desc.dtype));
  if (!name)
    return pv__ocl_error(PV_ERR_DTYPE, "opencl: where on this dtype");
  if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_ELTWISE, name, &l)))
    return rc;
  int64_t cnt = pv__ocl_numel(out);
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->inputs[1])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 4, n->inputs[2])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 6, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 8, (int)cnt)) ||
      (rc = pv__ocl_arg_data(nc, l, 9, tab, sizeof(int) * (size_t)len)))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_where = {where_supports, where_build};

/* ---- cast --------------------------------------------------------------- */

static const char *cast_kernel(int from, int to) {
  static const struct {
    int from, to;
    const char *name;
  } t[] = {
      {PV_F32, PV_I32, "cast_f32_i32"},   {PV_F32, PV_I64, "cast_f32_i64"},
      {PV_F32, PV_BOOL, "cast_f32_bool"}, {PV_I32, PV_F32, "cast_i32_f32"},
      {PV_I64, PV_F32, "cast_i64_f32"},   {PV_U8, PV_F32, "cast_u8_f32"},
      {PV_BOOL, PV_F32, "cast_u8_f32"},   {PV_I32, PV_I64, "cast_i32_i64"},
      {PV_I64, PV_I32, "cast_i64_i32"},   {PV_I32, PV_BOOL, "cast_i32_bool"},
      {PV_I64, PV_BOOL, "cast_i64_bool"}, {PV_U8, PV_I32, "cast_u8_i32"},
      {PV_U8, PV_I64, "cast_u8_i64"},     {PV_BOOL, PV_I32, "cast_u8_i32"},
      {PV_BOOL, PV_I64, "cast_u8_i64"},   {PV_F16, PV_F32, "cast_f16_f32"},
      {PV_F32, PV_F16, "cast_f32_f16"},   {PV_F32, PV_U8, "cast_f32_u8"},
      {PV_BF16, PV_F32, "cast_bf16_f32"}, {PV_F32, PV_BF16, "cast_f32_bf16"}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (t[i].from == from && t[i].to == to)
      return t[i].name;
  return NULL;
}

static int cast_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  return op->outputs[0].dtype == op->attrs.cast.to &&
         (op->inputs[0].dtype == op->attrs.cast.to ||
          cast_kernel(op->inputs[0].dtype, op->attrs.cast.to) != NULL);
}

int pv__ocl_copy_build(pv_ocl_node_ctx *nc); /* layout.c: same-dtype copy */

static int cast_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  int from = pv__ocl_in(nc, 0)->desc.dtype, to = n->attrs.cast.to;
  if (from == to)
    return pv__ocl_copy_build(nc);
  const char *name = cast_kernel(from, to);
  if (!name)
    return pv__ocl_error(PV_ERR_UNSUPPORTED, "opencl: cast %d -> %d", from, to);
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_ELTWISE, name, &l);
  if (rc)
    return rc;
  int64_t cnt = pv__ocl_numel(&pv__ocl_out(nc, 0)->desc);
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)cnt)))
    return rc;
  pv__ocl_range1(l, cnt);
  return 0;
}

const pv_ocl_op_impl pv__ocl_cast = {cast_supports, cast_build};
