/*
 * Batch chunking: an op whose activations exceed one storage binding
 * (maxStorageBufferRange) still runs when it is independent along dim 0 of
 * its activations and a chunk of batch items fits. supports() accepts it,
 * and partition_compile plans it once per chunk of items, with the chunked
 * values' descriptors cut to the chunk (shape[0] = items in the chunk) and
 * their arena offsets moved to the chunk's first item. Each chunk binds its
 * own sub-range of the arena: bind_range() aligns the binding down to
 * minStorageBufferOffsetAlignment and hands the rest to the shader as an
 * element offset, as for any value. Constants (weights) are never chunked.
 */
#include "vk_ops.h"

#include <stdlib.h>

/* Whether input i of the op is a batched activation (cut with the output),
 * as opposed to a weight or a broadcast operand bound whole. Returns 0 when
 * the op is not independent along dim 0, else sets *mask (bit i = input
 * i). */
static int batch_roles(const pv_op_desc *op, unsigned *mask) {
  const pv_tensor_desc *x = &op->inputs[0], *y = &op->outputs[0];
  int nd = y->ndim;
  *mask = 0;
  if (op->n_outputs != 1 || nd < 1 || x->ndim < 1)
    return 0;
  int64_t N = y->shape[0];
  switch (pv_op_is_unary(op->op) ? PV_OP_CAST : op->op) {
  case PV_OP_CAST: /* and the unary family */
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
  case PV_OP_BATCH_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    break;
  case PV_OP_LAYER_NORM:
    if (op->attrs.norm.n_norm_dims >= x->ndim)
      return 0;
    break;
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX: {
    int ax = op->attrs.axis.axis < 0 ? op->attrs.axis.axis + x->ndim
                                     : op->attrs.axis.axis;
    if (ax <= 0)
      return 0;
    break;
  }
  case PV_OP_PAD:
    if (op->attrs.pad.pads[0] || op->attrs.pad.pads[1])
      return 0;
    break;
  case PV_OP_RESIZE:
    break;
  case PV_OP_ADD:
  case PV_OP_SUB:
  case PV_OP_MUL:
  case PV_OP_DIV:
  case PV_OP_POW:
  case PV_OP_MAX:
  case PV_OP_MIN:
  case PV_OP_PRELU:
  case PV_OP_EQUAL:
  case PV_OP_LESS:
  case PV_OP_GREATER:
  case PV_OP_WHERE:
    /* numpy broadcasting: an operand with the output's rank and batch is
     * cut; one of lower rank or batch 1 is broadcast, so bound whole. */
    for (int i = 0; i < op->n_inputs; i++) {
      const pv_tensor_desc *t = &op->inputs[i];
      if (t->ndim == nd && t->shape[0] == N)
        *mask |= 1u << i;
      else if (t->ndim == nd && t->shape[0] != 1)
        return 0;
    }
    return *mask != 0;
  default:
    return 0;
  }
  if (x->ndim != nd || x->shape[0] != N)
    return 0;
  *mask = 1u;
  return 1;
}

static int64_t numel(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

/* How many items of tensor d (batch N) one binding holds. */
static int64_t items_fitting(pv_plugin_device *dev, const pv_tensor_desc *d,
                             int64_t N) {
  size_t es = pv__vk_host->dtype_size(d->dtype);
  int64_t item = N > 0 ? numel(d) / N : 0;
  if (!es || item <= 0 || dev->max_range <= dev->align)
    return N; /* empty: nothing to bind */
  int64_t k = (int64_t)((dev->max_range - dev->align) / ((uint64_t)item * es));
  int64_t k32 = (int64_t)((((uint64_t)1 << 31) - 1) / (uint64_t)item);
  return k < k32 ? k : k32;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* The least item count whose bytes are a multiple of the offset alignment
 * in every batched tensor (the alignment is a power of two). */
static int64_t chunk_step(pv_plugin_device *dev, const pv_op_desc *op,
                          unsigned mask, int64_t N) {
  uint64_t step = 1;
  for (int i = -1; i < op->n_inputs; i++) {
    const pv_tensor_desc *d = i < 0 ? &op->outputs[0] : &op->inputs[i];
    if (i >= 0 && !(mask >> i & 1u))
      continue;
    uint64_t ib = (uint64_t)(numel(d) / N) * pv__vk_host->dtype_size(d->dtype);
    uint64_t s = ib ? dev->align / gcd(dev->align, ib) : 1;
    if (s > step)
      step = s;
  }
  return (int64_t)step;
}

/* The op with every batched tensor cut to `items` items. */
static void cut(const pv_op_desc *op, unsigned mask, int64_t items,
                pv_op_desc *q) {
  *q = *op;
  for (int i = 0; i < op->n_inputs; i++)
    if (mask >> i & 1u)
      q->inputs[i].shape[0] = items;
  q->outputs[0].shape[0] = items;
}

int pv__vk_batch_chunk(pv_plugin_device *dev, const pv_op_desc *op,
                       unsigned *mask_out) {
  unsigned mask;
  if (!batch_roles(op, &mask))
    return 0;
  if (op->const_inputs & mask)
    return 0; /* a constant activation would have to be cut too */
  int64_t N = op->outputs[0].shape[0];
  if (N < 2)
    return 0;
  int64_t k = items_fitting(dev, &op->outputs[0], N);
  for (int i = 0; i < op->n_inputs; i++)
    if (mask >> i & 1u) {
      int64_t ki = items_fitting(dev, &op->inputs[i], N);
      if (ki < k)
        k = ki;
    }
  if (k < 1 || k >= N)
    return 0; /* one item too big, or the failure is not the batch */
  if (k > INT32_MAX)
    k = INT32_MAX;
  /* Prefer chunks whose bytes are a multiple of the offset alignment, so
   * every chunk binds at an aligned offset (when the value's is) and no two
   * chunks' bindings overlap; else any count that fits (the plan then puts
   * barriers between chunks whose bindings overlap). */
  int64_t step = chunk_step(dev, op, mask, N);
  if (k >= step)
    k -= k % step;
  /* The family must take the op at the chunk's batch and at the rest. */
  pv_op_desc q;
  cut(op, mask, k, &q);
  if (!pv__vk_supports_whole(dev, &q))
    return 0;
  if (N % k) {
    cut(op, mask, N % k, &q);
    if (!pv__vk_supports_whole(dev, &q))
      return 0;
  }
  if (mask_out)
    *mask_out = mask;
  return (int)k;
}

/* Moves value v's descriptor in `vals` to items [first, first+items) of the
 * original `o` (batch N). */
static void cut_value(pv_value_desc *vals, const pv_value_desc *o, int v,
                      int64_t N, int64_t first, int64_t items) {
  size_t es = pv__vk_host->dtype_size(o->desc.dtype);
  uint64_t item_bytes = (uint64_t)(numel(&o->desc) / N) * es;
  vals[v] = *o;
  vals[v].desc.shape[0] = items;
  vals[v].offset = o->offset + (uint64_t)first * item_bytes;
  vals[v].nbytes = (uint64_t)items * item_bytes;
}

int pv__vk_plan_chunked(pv_vk_plan *pl, const pv_node_desc *n,
                        const pv_vk_op_impl *impl, int k, unsigned mask) {
  const pv_partition_desc *pd = pl->pd;
  pv_value_desc *vals = malloc(sizeof *vals * (size_t)pd->n_values);
  if (!vals)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  memcpy(vals, pd->values, sizeof *vals * (size_t)pd->n_values);
  pv_partition_desc cpd = *pd;
  cpd.values = vals;
  pv_vk_plan cpl = *pl;
  cpl.pd = &cpd;
  const pv_value_desc *out = &pd->values[n->outputs[0]];
  int64_t N = out->desc.shape[0];
  int rc = 0;
  for (int64_t first = 0; first < N && !rc; first += k) {
    int64_t items = N - first < k ? N - first : k;
    for (int i = 0; i < n->n_inputs; i++)
      if ((mask >> i & 1u) && n->inputs[i] >= 0) {
        const pv_value_desc *o = &pd->values[n->inputs[i]];
        if (o->kind != PV_VALUE_ARENA) {
          rc = pv__vk_error(PV_ERR_INTERNAL,
                            "vulkan: batch chunking of %s met a constant "
                            "activation (value %d)",
                            pv__vk_host->op_name(n->op), n->inputs[i]);
          break;
        }
        cut_value(vals, o, n->inputs[i], N, first, items);
      }
    if (rc)
      break;
    cut_value(vals, out, n->outputs[0], N, first, items);
    int from;
    pv__vk_dispatch_list(pl, &from);
    rc = impl->plan(&cpl, n);
    /* An arena binding starts at the chunk's offset rounded down to the
     * alignment, which may lie in the previous chunk: count those bytes as
     * accessed, so overlapping bindings of two chunks get a barrier. */
    int to;
    pv_vk_dispatch *d = pv__vk_dispatch_list(pl, &to);
    for (int j = from; j < to && !rc; j++)
      for (int b = 0; b < d[j].n_bind; b++) {
        pv_vk_bind *bd = &d[j].bind[b];
        if (bd->value >= 0 && bd->offset < bd->acc_off) {
          bd->acc_size += bd->acc_off - bd->offset;
          bd->acc_off = bd->offset;
        }
      }
  }
  free(vals);
  return rc;
}
