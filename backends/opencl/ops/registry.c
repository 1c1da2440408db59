/* The op table of the OpenCL backend: pv_op -> host-side implementation. An
 * op absent here is never claimed by supports_op (the scheduler falls back to
 * the CPU). */
#include "ocl_backend.h"

const pv_ocl_op_impl *pv__ocl_op_impl(int op) {
  if (pv_op_is_unary(op))
    return &pv__ocl_unary;
  switch (op) {
  case PV_OP_ADD:
  case PV_OP_SUB:
  case PV_OP_MUL:
  case PV_OP_DIV:
  case PV_OP_POW:
  case PV_OP_MAX:
  case PV_OP_MIN:
  case PV_OP_EQUAL:
  case PV_OP_LESS:
  case PV_OP_GREATER:
  case PV_OP_PRELU:
    return &pv__ocl_binary;
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
  case PV_OP_MATMUL:
    return &pv__ocl_gemm;
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return &pv__ocl_conv;
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    return &pv__ocl_pool;
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX:
    return &pv__ocl_softmax;
  case PV_OP_BATCH_NORM:
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    return &pv__ocl_norm;
  case PV_OP_REDUCE_SUM:
  case PV_OP_REDUCE_MEAN:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
  case PV_OP_TOPK:
    return &pv__ocl_reduce;
  case PV_OP_RESIZE:
    return &pv__ocl_resize;
  case PV_OP_WHERE:
    return &pv__ocl_where;
  case PV_OP_CAST:
    return &pv__ocl_cast;
  case PV_OP_RESHAPE:
  case PV_OP_PERMUTE:
  case PV_OP_SLICE:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
  case PV_OP_CONCAT:
    return &pv__ocl_layout;
  case PV_OP_PAD:
    return &pv__ocl_pad;
  case PV_OP_GATHER:
    return &pv__ocl_gather;
  default:
    return NULL;
  }
}
