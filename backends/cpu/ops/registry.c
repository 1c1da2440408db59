/* The CPU kernel table: maps each op to the pv_cpu_op_impl that an
 * ops/<family>.c file defines. Add one line per kernel. */
#include "cpu_backend.h"

#define PV_CPU_IMPLS(X)                                                        \
  X(conv2d)                                                                    \
  X(conv_transpose2d)                                                          \
  X(linear)                                                                    \
  X(gemm)                                                                      \
  X(matmul) X(binary) X(unary) X(compare) X(cast) X(where) X(reshape)          \
      X(permute) X(slice) X(expand) X(tile) X(concat) X(gather) X(pad) X(pool) \
          X(adaptive_pool) X(batch_norm) X(layer_norm) X(group_norm)           \
              X(softmax) X(reduce) X(arg) X(topk) X(resize) X(qdq) X(qconv)    \
                  X(qmatmul) X(qbinary) X(qgap)

#define PV_DECL(name) extern const pv_cpu_op_impl pv__cpu_##name;
PV_CPU_IMPLS(PV_DECL)
#undef PV_DECL

static const pv_cpu_op_impl *const k_table[PV_OP_COUNT] = {
    [PV_OP_CONV2D] = &pv__cpu_conv2d,
    [PV_OP_CONV_TRANSPOSE2D] = &pv__cpu_conv_transpose2d,
    [PV_OP_BATCH_NORM] = &pv__cpu_batch_norm,
    [PV_OP_LINEAR] = &pv__cpu_linear,
    [PV_OP_GEMM] = &pv__cpu_gemm,
    [PV_OP_MATMUL] = &pv__cpu_matmul,
    [PV_OP_ADD] = &pv__cpu_binary,
    [PV_OP_SUB] = &pv__cpu_binary,
    [PV_OP_MUL] = &pv__cpu_binary,
    [PV_OP_DIV] = &pv__cpu_binary,
    [PV_OP_POW] = &pv__cpu_binary,
    [PV_OP_MAX] = &pv__cpu_binary,
    [PV_OP_MIN] = &pv__cpu_binary,
    [PV_OP_PRELU] = &pv__cpu_binary,
    [PV_OP_RELU] = &pv__cpu_unary,
    [PV_OP_CLIP] = &pv__cpu_unary,
    [PV_OP_HARDSWISH] = &pv__cpu_unary,
    [PV_OP_HARDSIGMOID] = &pv__cpu_unary,
    [PV_OP_SILU] = &pv__cpu_unary,
    [PV_OP_GELU] = &pv__cpu_unary,
    [PV_OP_SIGMOID] = &pv__cpu_unary,
    [PV_OP_TANH] = &pv__cpu_unary,
    [PV_OP_LEAKY_RELU] = &pv__cpu_unary,
    [PV_OP_EXP] = &pv__cpu_unary,
    [PV_OP_LOG] = &pv__cpu_unary,
    [PV_OP_SQRT] = &pv__cpu_unary,
    [PV_OP_RSQRT] = &pv__cpu_unary,
    [PV_OP_NEG] = &pv__cpu_unary,
    [PV_OP_ABS] = &pv__cpu_unary,
    [PV_OP_ERF] = &pv__cpu_unary,
    [PV_OP_MAX_POOL2D] = &pv__cpu_pool,
    [PV_OP_AVG_POOL2D] = &pv__cpu_pool,
    [PV_OP_ADAPTIVE_AVG_POOL2D] = &pv__cpu_adaptive_pool,
    [PV_OP_ADAPTIVE_MAX_POOL2D] = &pv__cpu_adaptive_pool,
    [PV_OP_RESHAPE] = &pv__cpu_reshape,
    [PV_OP_PERMUTE] = &pv__cpu_permute,
    [PV_OP_CONCAT] = &pv__cpu_concat,
    [PV_OP_SLICE] = &pv__cpu_slice,
    [PV_OP_PAD] = &pv__cpu_pad,
    [PV_OP_GATHER] = &pv__cpu_gather,
    [PV_OP_EXPAND] = &pv__cpu_expand,
    [PV_OP_SOFTMAX] = &pv__cpu_softmax,
    [PV_OP_LOG_SOFTMAX] = &pv__cpu_softmax,
    [PV_OP_LAYER_NORM] = &pv__cpu_layer_norm,
    [PV_OP_GROUP_NORM] = &pv__cpu_group_norm,
    [PV_OP_INSTANCE_NORM] = &pv__cpu_group_norm,
    [PV_OP_REDUCE_SUM] = &pv__cpu_reduce,
    [PV_OP_REDUCE_MEAN] = &pv__cpu_reduce,
    [PV_OP_REDUCE_MAX] = &pv__cpu_reduce,
    [PV_OP_REDUCE_MIN] = &pv__cpu_reduce,
    [PV_OP_ARGMAX] = &pv__cpu_arg,
    [PV_OP_ARGMIN] = &pv__cpu_arg,
    [PV_OP_TOPK] = &pv__cpu_topk,
    [PV_OP_WHERE] = &pv__cpu_where,
    [PV_OP_CAST] = &pv__cpu_cast,
    [PV_OP_RESIZE] = &pv__cpu_resize,
    [PV_OP_EQUAL] = &pv__cpu_compare,
    [PV_OP_LESS] = &pv__cpu_compare,
    [PV_OP_GREATER] = &pv__cpu_compare,
    [PV_OP_TILE] = &pv__cpu_tile,
    [PV_OP_QUANTIZE_LINEAR] = &pv__cpu_qdq,
    [PV_OP_DEQUANTIZE_LINEAR] = &pv__cpu_qdq,
    [PV_OP_QLINEAR_CONV] = &pv__cpu_qconv,
    [PV_OP_QLINEAR_MATMUL] = &pv__cpu_qmatmul,
    [PV_OP_QLINEAR_ADD] = &pv__cpu_qbinary,
    [PV_OP_QLINEAR_MUL] = &pv__cpu_qbinary,
    [PV_OP_QLINEAR_GLOBAL_AVG_POOL] = &pv__cpu_qgap,
};

const pv_cpu_op_impl *pv__cpu_op_impl(int op) {
  if (op <= 0 || op >= PV_OP_COUNT)
    return NULL;
  return k_table[op];
}
