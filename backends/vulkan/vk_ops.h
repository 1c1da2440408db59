/*
 * The op layer of the Vulkan backend: how one node turns into dispatches.
 *
 * At partition_compile every node's plan() appends dispatches: a pipeline,
 * buffer bindings (arena values, or constant buffers the plan uploaded), push
 * constants and a group count. Everything but the arena's VkBuffer is known
 * at compile time, so recording for a new arena only writes descriptors and
 * replays the list.
 */
#ifndef POLYVIS_VK_OPS_H
#define POLYVIS_VK_OPS_H

#include "vk_common.h"

/* Shader ids; shaders.c maps them to SPIR-V. */
enum {
  PV_VK_SH_UNARY = 0,
  PV_VK_SH_BINARY,
  PV_VK_SH_GEMM,
  PV_VK_SH_GEMM_NAIVE,
  PV_VK_SH_CONV2D,
  PV_VK_SH_CONV_DW,
  PV_VK_SH_POOL,
  PV_VK_SH_SOFTMAX,
  PV_VK_SH_COPY,
  PV_VK_SH_NORM,
  PV_VK_SH_REDUCE,
  PV_VK_SH_BATCHNORM,
  PV_VK_SH_COMPARE,
  PV_VK_SH_WHERE,
  PV_VK_SH_PAD,
  PV_VK_SH_GATHER,
  PV_VK_SH_RESIZE,
  PV_VK_SH_CONV_T,
  PV_VK_SH_GEMV,
  PV_VK_SH_CAST,
  PV_VK_SH_TOPK,
  PV_VK_SH_COUNT
};

typedef struct pv_vk_bind {
  int value;       /* arena value index, or -1: `buf` */
  pv_vk_buf *buf;  /* a constant buffer owned by the partition */
  uint64_t offset; /* bind offset, aligned to minStorageBufferOffsetAlignment */
  uint64_t range;  /* bind range */
  uint64_t acc_off; /* the bytes the dispatch touches, for hazard tracking */
  uint64_t acc_size;
  int written;
} pv_vk_bind;

typedef struct pv_vk_dispatch {
  pv_vk_pipeline *pipe;
  int n_bind;
  pv_vk_bind bind[PV_VK_MAX_BINDINGS];
  uint32_t push[PV_VK_PUSH_WORDS];
  uint32_t groups[3];
} pv_vk_dispatch;

typedef struct pv_vk_partition pv_vk_partition;

typedef struct pv_vk_plan {
  pv_plugin_device *dev;
  const pv_partition_desc *pd;
  pv_vk_partition *part;
} pv_vk_plan;

/* The descriptor of value v. */
const pv_tensor_desc *pv__vk_vdesc(pv_vk_plan *pl, int v);
/* Binds bytes [off, off+size) of value v (arena or constant, uploaded on
 * first use) to `slot` and returns, in *elem_off, the element offset (in
 * units of esize bytes) of `off` inside the bound range. */
int pv__vk_bind_value(pv_vk_plan *pl, pv_vk_dispatch *d, int slot, int v,
                      uint64_t off, uint64_t size, int written, int esize,
                      uint32_t *elem_off);
/* Uploads host data into a constant buffer owned by the partition. */
int pv__vk_const_buf(pv_vk_plan *pl, const void *data, uint64_t size,
                     pv_vk_buf **out);
/* Binds a whole partition-owned buffer. */
int pv__vk_bind_buf(pv_vk_plan *pl, pv_vk_dispatch *d, int slot, pv_vk_buf *b,
                    uint64_t off, uint64_t size, int written, int esize,
                    uint32_t *elem_off);
/* Gets the pipeline and appends the dispatch. */
int pv__vk_emit(pv_vk_plan *pl, pv_vk_dispatch *d, int shader,
                const uint32_t *spec, int n_spec);
/* The partition's dispatches so far (batch chunking adjusts its own). */
pv_vk_dispatch *pv__vk_dispatch_list(pv_vk_plan *pl, int *n);
/* Splits a 1-D count of workgroups into x/y within the device limits. */
void pv__vk_groups_1d(pv_plugin_device *dev, uint64_t n_groups, uint32_t g[3]);

/* One op family. supports() sees the op as the scheduler asks; plan() emits
 * its dispatches for one node. */
typedef struct pv_vk_op_impl {
  int (*supports)(pv_plugin_device *dev, const pv_op_desc *op);
  int (*plan)(pv_vk_plan *pl, const pv_node_desc *n);
} pv_vk_op_impl;

const pv_vk_op_impl *pv__vk_op_impl(int op);
/* supports_op: generic descriptor checks, then the family's; failing that,
 * batch chunking (vk_batch.c). */
int pv__vk_supports(pv_plugin_device *dev, const pv_op_desc *op);
/* The same without batch chunking: the op runs as one plan. */
int pv__vk_supports_whole(pv_plugin_device *dev, const pv_op_desc *op);
/* Batch chunking (vk_batch.c). When the op is independent along dim 0, does
 * not fit one binding whole but does in chunks of batch items, and the family
 * takes it at the chunk sizes: the items per chunk (>= 1, < batch), with the
 * batched inputs in *mask (bit i = input i; may be NULL). Else 0. */
int pv__vk_batch_chunk(pv_plugin_device *dev, const pv_op_desc *op,
                       unsigned *mask);
/* Plans node n once per chunk of k batch items. */
int pv__vk_plan_chunked(pv_vk_plan *pl, const pv_node_desc *n,
                        const pv_vk_op_impl *impl, int k, unsigned mask);

/* How many weight rows of row_bytes one storage binding holds, at most n
 * (ops that bind a constant weight in row ranges: linear, pointwise
 * conv2d); 0, with the error set naming `op`, when not even one does. */
uint64_t pv__vk_rows_per_binding(pv_plugin_device *dev, uint64_t row_bytes,
                                 uint64_t n, const char *op);

/* Shared checks for supports(). */
int pv__vk_all_f32(const pv_op_desc *op);
/* All tensors fit one storage binding. */
int pv__vk_fits(pv_plugin_device *dev, const pv_op_desc *op);
int64_t pv__vk_numel(const pv_tensor_desc *d);

/* Families (one file each under ops/). */
extern const pv_vk_op_impl pv__vk_unary_impl, pv__vk_binary_impl,
    pv__vk_gemm_impl, pv__vk_conv_impl, pv__vk_pool_impl, pv__vk_softmax_impl,
    pv__vk_copy_impl, pv__vk_norm_impl, pv__vk_reduce_impl,
    pv__vk_batchnorm_impl, pv__vk_compare_impl, pv__vk_where_impl,
    pv__vk_pad_impl, pv__vk_gather_impl, pv__vk_resize_impl, pv__vk_cast_impl,
    pv__vk_topk_impl;

/* Fused activations (eltwise.c). */
int pv__vk_act_ok(const pv_act *a);
void pv__vk_act_spec(const pv_act *a, uint32_t *spec);
/* numpy broadcasting of n_in operands against out, collapsed to <= 6 dims;
 * returns the dim count or -1. */
int pv__vk_broadcast(const pv_tensor_desc *out, const pv_tensor_desc *const *in,
                     int n_in, uint32_t shape[6], uint32_t str[][6]);
/* IEEE half from float, round to nearest even (gemm.c). */
uint16_t pv__vk_f32_to_f16(float f);

#endif
