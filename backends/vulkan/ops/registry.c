/*
 * Which family runs which op, and the checks shared by supports().
 */
#include "vk_ops.h"

#include "shaders/opcodes.h"

/* The shaders use the pv_op values directly. */
_Static_assert(OP_ADD == PV_OP_ADD && OP_MIN == PV_OP_MIN, "binary op codes");
_Static_assert(OP_RELU == PV_OP_RELU && OP_ERF == PV_OP_ERF, "unary op codes");
_Static_assert(OP_GELU == PV_OP_GELU && OP_LEAKY_RELU == PV_OP_LEAKY_RELU,
               "unary op codes");
_Static_assert(OP_PRELU == PV_OP_PRELU, "prelu op code");
_Static_assert(OP_EQUAL == PV_OP_EQUAL && OP_LESS == PV_OP_LESS &&
                   OP_GREATER == PV_OP_GREATER,
               "comparison op codes");

int pv__vk_all_f32(const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim >= 0 && op->inputs[i].dtype != PV_F32)
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (op->outputs[i].dtype != PV_F32)
      return 0;
  return 1;
}

static int fits(pv_plugin_device *dev, const pv_tensor_desc *d) {
  if (d->ndim < 0)
    return 1; /* absent optional input */
  int64_t n = pv__vk_numel(d);
  size_t es = pv__vk_host->dtype_size(d->dtype);
  if (n < 0 || !es)
    return 0;
  /* Indices are 32-bit in the shaders; one binding covers the tensor. */
  return (uint64_t)n * es + dev->align <= dev->max_range &&
         (uint64_t)n < ((uint64_t)1 << 31);
}

int pv__vk_fits(pv_plugin_device *dev, const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (!fits(dev, &op->inputs[i]))
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (!fits(dev, &op->outputs[i]))
      return 0;
  return 1;
}

const pv_vk_op_impl *pv__vk_op_impl(int op) {
  if (pv_op_is_unary(op))
    return &pv__vk_unary_impl;
  switch (op) {
  case PV_OP_ADD:
  case PV_OP_SUB:
  case PV_OP_MUL:
  case PV_OP_DIV:
  case PV_OP_POW:
  case PV_OP_MAX:
  case PV_OP_MIN:
  case PV_OP_PRELU:
    return &pv__vk_binary_impl;
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
  case PV_OP_MATMUL:
    return &pv__vk_gemm_impl;
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return &pv__vk_conv_impl;
  case PV_OP_EQUAL:
  case PV_OP_LESS:
  case PV_OP_GREATER:
    return &pv__vk_compare_impl;
  case PV_OP_WHERE:
    return &pv__vk_where_impl;
  case PV_OP_PAD:
    return &pv__vk_pad_impl;
  case PV_OP_GATHER:
    return &pv__vk_gather_impl;
  case PV_OP_RESIZE:
    return &pv__vk_resize_impl;
  case PV_OP_CAST:
    return &pv__vk_cast_impl;
  case PV_OP_TOPK:
    return &pv__vk_topk_impl;
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    return &pv__vk_pool_impl;
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX:
    return &pv__vk_softmax_impl;
  case PV_OP_RESHAPE:
  case PV_OP_PERMUTE:
  case PV_OP_SLICE:
  case PV_OP_CONCAT:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    return &pv__vk_copy_impl;
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    return &pv__vk_norm_impl;
  case PV_OP_BATCH_NORM:
    return &pv__vk_batchnorm_impl;
  case PV_OP_REDUCE_SUM:
  case PV_OP_REDUCE_MEAN:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
    return &pv__vk_reduce_impl;
  default:
    return NULL;
  }
}
