/*
 * The embedded SPIR-V: every shader of shaders/ compiled at build time by
 * glslangValidator into a uint32_t array, in an fp32-storage and an
 * fp16-weight-storage variant.
 */
#include "vk_ops.h"

#include "batchnorm_f16.h"
#include "batchnorm_f32.h"
#include "binary_f16.h"
#include "binary_f32.h"
#include "cast_f16.h"
#include "cast_f32.h"
#include "compare_f16.h"
#include "compare_f32.h"
#include "conv2d_f16.h"
#include "conv2d_f32.h"
#include "conv_direct_f16.h"
#include "conv_direct_f32.h"
#include "conv_transpose_f16.h"
#include "conv_transpose_f32.h"
#include "copy_f16.h"
#include "copy_f32.h"
#include "gather_f16.h"
#include "gather_f32.h"
#include "gemm_f16.h"
#include "gemm_f32.h"
#include "gemm_naive_f16.h"
#include "gemm_naive_f32.h"
#include "gemv_f16.h"
#include "gemv_f32.h"
#include "norm_f16.h"
#include "norm_f32.h"
#include "pad_f16.h"
#include "pad_f32.h"
#include "pool_f16.h"
#include "pool_f32.h"
#include "reduce_f16.h"
#include "reduce_f32.h"
#include "resize_f16.h"
#include "resize_f32.h"
#include "softmax_f16.h"
#include "softmax_f32.h"
#include "topk_f16.h"
#include "topk_f32.h"
#include "unary_f16.h"
#include "unary_f32.h"
#include "where_f16.h"
#include "where_f32.h"

#define SH(id, name, nb)                                                       \
  [id] = {{#name, pv_spv_##name##_f32, sizeof pv_spv_##name##_f32, nb},        \
          {#name "_f16", pv_spv_##name##_f16, sizeof pv_spv_##name##_f16, nb}}

static const pv_vk_shader g_shaders[PV_VK_SH_COUNT][2] = {
    SH(PV_VK_SH_UNARY, unary, 2),     SH(PV_VK_SH_BINARY, binary, 3),
    SH(PV_VK_SH_GEMM, gemm, 4),       SH(PV_VK_SH_GEMM_NAIVE, gemm_naive, 4),
    SH(PV_VK_SH_CONV2D, conv2d, 4),   SH(PV_VK_SH_CONV_DW, conv_direct, 4),
    SH(PV_VK_SH_POOL, pool, 2),       SH(PV_VK_SH_SOFTMAX, softmax, 2),
    SH(PV_VK_SH_COPY, copy, 2),       SH(PV_VK_SH_NORM, norm, 4),
    SH(PV_VK_SH_REDUCE, reduce, 2),   SH(PV_VK_SH_BATCHNORM, batchnorm, 6),
    SH(PV_VK_SH_COMPARE, compare, 3), SH(PV_VK_SH_WHERE, where, 4),
    SH(PV_VK_SH_PAD, pad, 2),         SH(PV_VK_SH_GATHER, gather, 3),
    SH(PV_VK_SH_RESIZE, resize, 3),   SH(PV_VK_SH_CONV_T, conv_transpose, 4),
    SH(PV_VK_SH_GEMV, gemv, 4),       SH(PV_VK_SH_CAST, cast, 2),
    SH(PV_VK_SH_TOPK, topk, 3),
};

const pv_vk_shader *pv__vk_shader(int id, int fp16) {
  if (id < 0 || id >= PV_VK_SH_COUNT || !g_shaders[id][0].code)
    return NULL;
  return &g_shaders[id][fp16 ? 1 : 0];
}
