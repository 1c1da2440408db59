/*
 * conv2d: three paths, all with fused bias and activation.
 *  - 1x1, stride 1, no padding, groups 1: a batched GEMM W[Cout,Cin] x
 *    X[b][Cin,HW] on the tiled GEMM shader, in ranges of output channels
 *    when a constant weight exceeds one storage binding;
 *  - depthwise (groups == Cin > 1): the direct shader, one thread per output;
 *  - everything else: the implicit-GEMM shader (im2col gathered into shared
 *    memory tiles, never materialized).
 * conv_transpose2d runs on a direct gather shader (one thread per output).
 */
#include "vk_ops.h"

#include <stdlib.h>

/* The pointwise path: a 1x1, stride 1, unpadded, ungrouped convolution. */
static int is_pointwise(int op, const pv_conv_attrs *a, const pv_tensor_desc *w,
                        int g) {
  return op == PV_OP_CONV2D && w->shape[2] == 1 && w->shape[3] == 1 &&
         a->stride[0] == 1 && a->stride[1] == 1 && !a->padding[0] &&
         !a->padding[1] && !a->padding[2] && !a->padding[3] && g == 1;
}

static int conv_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_conv_attrs *a = &op->attrs.conv;
  if (!pv__vk_all_f32(op) || !pv__vk_act_ok(&a->act))
    return 0;
  const pv_tensor_desc *x = &op->inputs[0], *w = &op->inputs[1];
  const pv_tensor_desc *y = &op->outputs[0];
  int g = a->groups > 0 ? a->groups : 1;
  if (x->ndim != 4 || w->ndim != 4 || y->ndim != 4)
    return 0;
  /* A pointwise conv binds a constant weight in ranges of output channels
   * (as linear does), so only one weight row has to fit one binding. */
  pv_op_desc t = *op;
  if (is_pointwise(op->op, a, w, g) && (op->const_inputs & 2u) &&
      (uint64_t)w->shape[1] * 4 + dev->align <= dev->max_range)
    t.inputs[1].ndim = -1;
  if (!pv__vk_fits(dev, &t))
    return 0;
  for (int i = 0; i < 2; i++)
    if (a->stride[i] < 1 || a->dilation[i] < 1 || a->padding[i] < 0 ||
        a->padding[2 + i] < 0)
      return 0;
  /* Padding is symmetric in the shaders: bottom/right only matter through
   * the output size, which the desc carries. */
  int tr = op->op == PV_OP_CONV_TRANSPOSE2D;
  int64_t cin = x->shape[1], cout = y->shape[1];
  if (cin % g || cout % g || w->shape[tr ? 0 : 1] * (tr ? 1 : g) != cin ||
      (tr ? w->shape[1] * g : w->shape[0]) != cout)
    return 0;
  return x->shape[0] * g <= 65535;
}

static int conv_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  pv_plugin_device *dev = pl->dev;
  const pv_conv_attrs *a = &n->attrs.conv;
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *w = pv__vk_vdesc(pl, n->inputs[1]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int has_bias = n->n_inputs > 2 && n->inputs[2] >= 0;
  uint32_t g = a->groups > 0 ? (uint32_t)a->groups : 1;
  uint32_t B = (uint32_t)x->shape[0], cin = (uint32_t)x->shape[1],
           H = (uint32_t)x->shape[2], W = (uint32_t)x->shape[3];
  uint32_t cout = (uint32_t)y->shape[1], OH = (uint32_t)y->shape[2],
           OW = (uint32_t)y->shape[3];
  uint32_t KH = (uint32_t)w->shape[2], KW = (uint32_t)w->shape[3];
  uint64_t total = (uint64_t)pv__vk_numel(y);
  if (!total)
    return 0;
  pv_vk_dispatch d;
  memset(&d, 0, sizeof d);
  pv_act none = {0};
  int transposed = n->op == PV_OP_CONV_TRANSPOSE2D;
  if (transposed) {
    KH = (uint32_t)w->shape[2];
    KW = (uint32_t)w->shape[3];
  }
  if (!transposed && is_pointwise(n->op, a, w, (int)g)) {
    /* A batched GEMM W[Cout,Cin] x X[b][Cin,HW] (gemm.comp's push layout),
     * one dispatch per range of output channels whose weight rows fit one
     * binding: all of them unless the weight exceeds maxStorageBufferRange
     * (regnet_y_128gf's 7392x7392 on lavapipe). */
    uint64_t row_bytes = (uint64_t)cin * 4, HW = (uint64_t)H * W;
    uint64_t rows = pv__vk_rows_per_binding(dev, row_bytes, cout, "conv2d");
    if (!rows)
      return PV_ERR_UNSUPPORTED;
    for (uint32_t c0 = 0; c0 < cout; c0 += (uint32_t)rows) {
      uint32_t nc = cout - c0 < rows ? cout - c0 : (uint32_t)rows;
      memset(&d, 0, sizeof d);
      uint32_t *p = d.push;
      p[0] = nc;
      p[1] = H * W;
      p[2] = cin;
      p[7] = cin;   /* lda */
      p[8] = H * W; /* ldb */
      p[9] = H * W; /* ldc */
      p[10] = 0;    /* W is shared by the batch */
      p[11] = cin * H * W;
      p[12] = cout * H * W;
      float one = 1.0f;
      memcpy(&p[15], &one, 4);
      memcpy(&p[16], &one, 4);
      p[17] = 1; /* one batch level */
      int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[1], c0 * row_bytes,
                                 nc * row_bytes, 0, 4, &p[3]);
      if (!rc)
        rc = pv__vk_bind_value(pl, &d, 1, n->inputs[0], 0,
                               (uint64_t)pv__vk_numel(x) * 4, 0, 4, &p[4]);
      if (!rc)
        rc =
            has_bias
                ? pv__vk_bind_value(pl, &d, 2, n->inputs[2], (uint64_t)c0 * 4,
                                    (uint64_t)nc * 4, 0, 4, &p[5])
                : pv__vk_bind_value(pl, &d, 2, n->inputs[1], 0, 4, 0, 4, &p[5]);
      /* The output block starts at channel c0 of item 0. */
      if (!rc)
        rc = pv__vk_bind_value(pl, &d, 3, n->outputs[0], c0 * HW * 4,
                               (((uint64_t)B - 1) * cout * HW + nc * HW) * 4, 1,
                               4, &p[6]);
      if (rc)
        return rc;
      uint32_t spec[7] = {0, 0, has_bias ? 2u : 0u};
      pv__vk_act_spec(&a->act, &spec[3]);
      d.groups[0] = (H * W + 63) / 64;
      d.groups[1] = (nc + 63) / 64;
      d.groups[2] = B;
      rc = pv__vk_emit(pl, &d, PV_VK_SH_GEMM, spec, 7);
      if (rc)
        return rc;
    }
    return 0;
  }
  int depthwise = !transposed && g == cin && g > 1;
  const pv_value_desc *wv = &pl->pd->values[n->inputs[1]];
  int f16 = dev->fp16 && wv->kind == PV_VALUE_CONST;
  uint32_t *p = d.push;
  uint32_t vals[15] = {cin,
                       H,
                       W,
                       cout,
                       OH,
                       OW,
                       KH,
                       KW,
                       (uint32_t)a->stride[0],
                       (uint32_t)a->stride[1],
                       (uint32_t)a->padding[0],
                       (uint32_t)a->padding[1],
                       (uint32_t)a->dilation[0],
                       (uint32_t)a->dilation[1],
                       g};
  memcpy(p, vals, sizeof vals);
  p[19] = (uint32_t)total;
  int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[0], 0,
                             (uint64_t)pv__vk_numel(x) * 4, 0, 4, &p[15]);
  if (!rc && f16) {
    uint64_t cnt = (uint64_t)pv__vk_numel(w);
    uint16_t *h = malloc(cnt * 2 + 2);
    pv_vk_buf *wb = NULL;
    if (!h)
      return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
    for (uint64_t i = 0; i < cnt; i++)
      h[i] = pv__vk_f32_to_f16(((const float *)wv->data)[i]);
    rc = pv__vk_const_buf(pl, h, cnt * 2, &wb);
    free(h);
    if (!rc)
      rc = pv__vk_bind_buf(pl, &d, 1, wb, 0, cnt * 2, 0, 2, &p[16]);
  } else if (!rc) {
    rc = pv__vk_bind_value(pl, &d, 1, n->inputs[1], 0,
                           (uint64_t)pv__vk_numel(w) * 4, 0, 4, &p[16]);
  }
  if (!rc)
    rc = has_bias
             ? pv__vk_bind_value(pl, &d, 2, n->inputs[2], 0, (uint64_t)cout * 4,
                                 0, 4, &p[17])
             : pv__vk_bind_value(pl, &d, 2, n->inputs[0], 0, 4, 0, 4, &p[17]);
  if (!rc)
    rc =
        pv__vk_bind_value(pl, &d, 3, n->outputs[0], 0, total * 4, 1, 4, &p[18]);
  if (rc)
    return rc;
  uint32_t spec[5] = {has_bias ? 1u : 0u};
  pv__vk_act_spec(a->act.op ? &a->act : &none, &spec[1]);
  int sh = f16 ? PV_VK_SHADER_F16 : 0;
  if (transposed) {
    pv__vk_groups_1d(dev, (total + 255) / 256, d.groups);
    return pv__vk_emit(pl, &d, PV_VK_SH_CONV_T | sh, spec, 5);
  }
  if (depthwise) {
    pv__vk_groups_1d(dev, (total + 255) / 256, d.groups);
    return pv__vk_emit(pl, &d, PV_VK_SH_CONV_DW | sh, spec, 5);
  }
  d.groups[0] = (OH * OW + 63) / 64;
  d.groups[1] = (cout / g + 63) / 64;
  d.groups[2] = B * g;
  return pv__vk_emit(pl, &d, PV_VK_SH_CONV2D | sh, spec, 5);
}

const pv_vk_op_impl pv__vk_conv_impl = {conv_supports, conv_plan};
