/* Host side of kernels/conv.cl: picks the 1x1 GEMM path, the depthwise /
 * direct path, or the tiled implicit GEMM, and conv_transpose2d. */
#include "ocl_backend.h"

#include <stdlib.h>

static int act_ok(int op) {
  return op == PV_OP_NONE || (op >= PV_OP_RELU && op <= PV_OP_ERF);
}

static int conv_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 && op->inputs[i].dtype != PV_F32)
      return 0;
  if (op->outputs[0].dtype != PV_F32 || op->inputs[0].ndim != 4 ||
      op->inputs[1].ndim != 4 || !act_ok(op->attrs.conv.act.op))
    return 0;
  if (pv__ocl_numel(&op->inputs[0]) > 0x7fffffff ||
      pv__ocl_numel(&op->outputs[0]) > 0x7fffffff ||
      pv__ocl_numel(&op->inputs[1]) > 0x7fffffff)
    return 0;
  return dev->di->max_wg >= 64;
}

static int conv_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_conv_attrs *a = &n->attrs.conv;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *w = &pv__ocl_in(nc, 1)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int G = a->groups > 0 ? a->groups : 1;
  int N = (int)x->shape[0], Cin = (int)x->shape[1], H = (int)x->shape[2],
      W = (int)x->shape[3], Cout = (int)y->shape[1], OH = (int)y->shape[2],
      OW = (int)y->shape[3], KH = (int)w->shape[2], KW = (int)w->shape[3];
  int has_bias = n->n_inputs > 2 && n->inputs[2] >= 0;
  int tr = n->op == PV_OP_CONV_TRANSPOSE2D;
  int Cig = Cin / G, Cog = Cout / G;
  int64_t total = pv__ocl_numel(y);

  if (!tr && KH == 1 && KW == 1 && a->stride[0] == 1 && a->stride[1] == 1 &&
      !a->padding[0] && !a->padding[1] && !a->padding[2] && !a->padding[3]) {
    int nbatch = N * G, HW = H * W;
    int *bt = malloc(sizeof(int) * 4 * (size_t)(nbatch ? nbatch : 1));
    if (!bt)
      return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    for (int b = 0; b < nbatch; b++) {
      int nb = b / G, g = b % G;
      bt[4 * b] = g * Cog * Cig;
      bt[4 * b + 1] = (nb * Cin + g * Cig) * HW;
      bt[4 * b + 2] = (nb * Cout + g * Cog) * HW;
      bt[4 * b + 3] = g * Cog;
    }
    pv_ocl_gemm_spec s = {.M = Cog,
                          .N = HW,
                          .K = Cig,
                          .sam = Cig,
                          .sak = 1,
                          .sbk = HW,
                          .sbn = 1,
                          .scm = 1,
                          .scn = 0,
                          .alpha = 1.0f,
                          .beta = 1.0f,
                          .act = a->act,
                          .nbatch = nbatch ? nbatch : 1,
                          .bt = bt,
                          .a_v = n->inputs[1],
                          .b_v = n->inputs[0],
                          .c_v = has_bias ? n->inputs[2] : -1,
                          .y_v = n->outputs[0]};
    if (!nbatch)
      s.M = 0;
    int rc = pv__ocl_add_gemm(nc, &s);
    free(bt);
    return rc;
  }

  int prm[16] = {Cin,
                 H,
                 W,
                 Cout,
                 OH,
                 OW,
                 KH,
                 KW,
                 a->stride[0],
                 a->stride[1],
                 a->padding[0],
                 a->padding[1],
                 a->dilation[0],
                 a->dilation[1],
                 G,
                 N};
  int direct = tr || Cig == 1;
  const char *name = tr       ? "conv_transpose_f32"
                     : direct ? "conv_direct_f32"
                              : "conv_gemm_f32";
  pv_ocl_launch *l;
  int rc = pv__ocl_launch_new(nc, PV_OCL_PROG_CONV, name, &l);
  if (rc)
    return rc;
  if (!direct &&
      (nc->dev->di->max_wg < 256 || !pv__ocl_kernel_fits(nc, l->k, 256))) {
    /* The tiled kernel cannot run 16x16 groups here: go direct. */
    nc->dev->ctx->cl.clReleaseKernel(l->k);
    nc->n_launch--;
    direct = 1;
    if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_CONV, "conv_direct_f32", &l)))
      return rc;
  }
  float z = 0;
  if ((rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->inputs[1])) ||
      (rc = has_bias ? pv__ocl_arg_tensor(nc, l, 4, n->inputs[2])
                     : (pv__ocl_arg_data(nc, l, 4, &z, sizeof z) ||
                        pv__ocl_arg_long(nc, l, 5, 0))) ||
      (rc = pv__ocl_arg_tensor(nc, l, 6, n->outputs[0])) ||
      (rc = pv__ocl_arg_data(nc, l, 8, prm, sizeof prm)) ||
      (rc = pv__ocl_arg_int(nc, l, 9, has_bias)) ||
      (rc = pv__ocl_arg_int(nc, l, 10, a->act.op)) ||
      (rc = pv__ocl_arg_float(nc, l, 11, a->act.alpha)) ||
      (rc = pv__ocl_arg_float(nc, l, 12, a->act.beta)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, a->act.mode)))
    return rc < 0 ? rc : PV_ERR_DEVICE;
  if (direct) {
    if ((rc = pv__ocl_arg_int(nc, l, 14, (int)total)))
      return rc;
    pv__ocl_range1(l, total);
    return 0;
  }
  l->dims = 3;
  l->use_lws = 1;
  l->lws[0] = l->lws[1] = 16;
  l->lws[2] = 1;
  l->gws[0] = (size_t)((OH * OW + 63) / 64) * 16;
  l->gws[1] = (size_t)((Cog + 63) / 64) * 16;
  l->gws[2] = (size_t)N * (size_t)G;
  return 0;
}

const pv_ocl_op_impl pv__ocl_conv = {conv_supports, conv_build};
