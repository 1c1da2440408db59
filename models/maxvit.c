/* MaxViT (torchvision.models.maxvit_t): an MBConv, then window and grid
 * partition attention per layer. The graph is built for a fixed input size
 * (image_size, default 224) whose block grids are multiples of the partition
 * size 7, as torchvision requires. Partitions are reshape + permute; the
 * relative position bias is a gather of a constant index table. Stochastic
 * depth and dropout are identities at inference. */
#include "models_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static pv_value scalar(pv__mb *b, float f) {
  int64_t one[1] = {1};
  pv_tensor *t = pv_tensor_create(PV_F32, 1, one);
  if (!t) {
    pv__mb_fail(b, pv_last_status(), "cannot allocate a maxvit constant");
    return PV_NO_VALUE;
  }
  *(float *)pv_tensor_data(t) = f;
  pv_value v = pv_graph_constant(b->g, NULL, t);
  pv_tensor_release(t);
  return v;
}

/* Conv (no bias) + BatchNorm(eps 1e-3) [+ GELU] at <idx>.0 / <idx>.1. */
static pv_value cna(pv__mb *b, pv_value x, const char *name, int in, int out,
                    int k, int stride, int groups, int act) {
  size_t l = pv__mb_push(b, "%s", name);
  x = pv__mb_conv(b, x, "0", in, out, k, k, stride, (k - 1) / 2, groups, 1, 0);
  x = pv__mb_bn(b, x, "1", out, 1e-3f);
  pv__mb_pop(b, l);
  return act ? pv_gelu(b->g, x, 0) : x;
}

/* MaxViT's MBConv at <prefix>MBconv on NCHW x. */
static pv_value mbconv(pv__mb *b, pv_value x, int in, int out, int stride) {
  size_t l = pv__mb_push(b, "MBconv");
  pv_value res = x;
  if (stride != 1 || in != out) {
    if (stride == 2)
      res = pv__mb_avg_pool(b, res, 3, 2, 1, 0, 1);
    res = pv__mb_conv(b, res, stride == 2 ? "proj.1" : "proj.0", in, out, 1, 1,
                      1, 0, 1, 1, 1);
  }
  int mid = out * 4, sqz = out / 4;
  size_t p = pv__mb_push(b, "layers");
  pv_value y = pv__mb_bn(b, x, "pre_norm", in, 1e-3f);
  y = cna(b, y, "conv_a", in, mid, 1, 1, 1, 1);
  y = cna(b, y, "conv_b", mid, mid, 3, stride, mid, 1);
  size_t q = pv__mb_push(b, "squeeze_excitation");
  pv_value se = pv_adaptive_avg_pool2d(b->g, y, 1, 1);
  se = pv_silu(b->g, pv__mb_conv(b, se, "fc1", mid, sqz, 1, 1, 1, 0, 1, 1, 1));
  se = pv_sigmoid(b->g,
                  pv__mb_conv(b, se, "fc2", sqz, mid, 1, 1, 1, 0, 1, 1, 1));
  pv__mb_pop(b, q);
  y = pv_mul(b->g, y, se);
  y = pv__mb_conv(b, y, "conv_c", mid, out, 1, 1, 1, 0, 1, 1, 1);
  pv__mb_pop(b, p);
  pv__mb_pop(b, l);
  return pv_add(b->g, res, y);
}

/* Relative position bias [1, heads, L, L] for a size x size partition. */
static pv_value rel_bias(pv__mb *b, pv_value table, int size, int heads) {
  int64_t L = (int64_t)size * size;
  int64_t *idx = malloc((size_t)(L * L) * sizeof *idx);
  pv_tensor *t = NULL;
  int64_t n[1] = {L * L};
  if (idx)
    t = pv_tensor_create(PV_I64, 1, n);
  if (!t) {
    free(idx);
    pv__mb_fail(b, PV_ERR_NOMEM, "cannot allocate a maxvit index table");
    return PV_NO_VALUE;
  }
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < L; j++)
      idx[i * L + j] = (i / size - j / size + size - 1) * (2 * size - 1) +
                       (i % size - j % size + size - 1);
  memcpy(pv_tensor_data(t), idx, (size_t)(L * L) * sizeof *idx);
  free(idx);
  pv_value iv = pv_graph_constant(b->g, NULL, t);
  pv_tensor_release(t);
  pv_value g = pv_gather(b->g, table, iv, 0); /* [L*L, heads] */
  int64_t s3[3] = {L, L, heads};
  int perm[3] = {2, 0, 1};
  g = pv_permute(b->g, pv_reshape(b->g, g, 3, s3), 3, perm);
  int64_t s4[4] = {1, heads, L, L};
  return pv_reshape(b->g, g, 4, s4);
}

/* RelativePositionalMultiHeadAttention on x [B*G, L, C] (L = 49). */
static pv_value rel_mha(pv__mb *b, pv_value x, int C, int L, int heads) {
  int hd = 32;
  pv_value qkv = pv__mb_linear(b, x, "to_qkv", C, 3 * C, 1);
  int64_t split[3] = {C, C, C};
  pv_value parts[3];
  pv_split(b->g, qkv, 2, 3, split, parts);
  int64_t hs[4] = {-1, L, heads, hd};
  int perm[4] = {0, 2, 1, 3};
  pv_value q = pv_permute(b->g, pv_reshape(b->g, parts[0], 4, hs), 4, perm);
  pv_value k = pv_permute(b->g, pv_reshape(b->g, parts[1], 4, hs), 4, perm);
  pv_value v = pv_permute(b->g, pv_reshape(b->g, parts[2], 4, hs), 4, perm);
  k = pv_mul(b->g, k, scalar(b, 1.0f / sqrtf((float)C))); /* feat_dim^-0.5 */
  pv_value att = pv_matmul(b->g, q, pv_transpose(b->g, k, 2, 3));
  int size = (int)lround(sqrt((double)L));
  int64_t t = 2 * size - 1, ts[2] = {t * t, heads}, is[2] = {L, L};
  pv_value table = pv__mb_param(b, "relative_position_bias_table", 2, ts);
  /* the index buffer is recomputed in rel_bias; take the key as used */
  (void)pv__mb_param_opt(b, "relative_position_index", 2, is);
  if (b->status)
    return PV_NO_VALUE;
  att =
      pv_softmax(b->g, pv_add(b->g, att, rel_bias(b, table, size, heads)), -1);
  pv_value o = pv_permute(b->g, pv_matmul(b->g, att, v), 4, perm);
  int64_t os[3] = {-1, L, C};
  o = pv_reshape(b->g, o, 3, os);
  return pv__mb_linear(b, o, "merge", C, C, 1);
}

/* PartitionAttentionLayer (window or grid) on NCHW x [B, C, H, W]. */
static pv_value partition_attention(pv__mb *b, pv_value x, int C, int64_t H,
                                    int64_t W, int grid) {
  const int ps = 7;
  int64_t P = grid ? H / ps : ps, hp = H / P, wp = W / P;
  /* WindowPartition: [B, C, H/P, P, W/P, P] -> [B, G, P*P, C] */
  int64_t s6[6] = {-1, C, hp, P, wp, P};
  int p6[6] = {0, 2, 4, 3, 5, 1};
  x = pv_permute(b->g, pv_reshape(b->g, x, 6, s6), 6, p6);
  int64_t s4[4] = {-1, hp * wp, P * P, C};
  x = pv_reshape(b->g, x, 4, s4);
  if (grid)
    x = pv_transpose(b->g, x, 1, 2); /* SwapAxes(-2, -3) */
  int64_t G = grid ? P * P : hp * wp, L = grid ? hp * wp : P * P;
  int64_t s3[3] = {-1, L, C};
  x = pv_reshape(b->g, x, 3, s3); /* [B*G, L, C] */
  size_t l = pv__mb_push(b, "attn_layer");
  pv_value y = pv__mb_layer_norm(b, x, "0", C, 1e-5f);
  size_t q = pv__mb_push(b, "1");
  y = rel_mha(b, y, C, (int)L, C / 32);
  pv__mb_pop(b, q);
  pv__mb_pop(b, l);
  x = pv_add(b->g, x, y);
  l = pv__mb_push(b, "mlp_layer");
  y = pv__mb_layer_norm(b, x, "0", C, 1e-5f);
  y = pv_gelu(b->g, pv__mb_linear(b, y, "1", C, 4 * C, 1), 0);
  y = pv__mb_linear(b, y, "3", 4 * C, C, 1);
  pv__mb_pop(b, l);
  x = pv_add(b->g, x, y);
  int64_t g4[4] = {-1, G, L, C};
  x = pv_reshape(b->g, x, 4, g4);
  if (grid)
    x = pv_transpose(b->g, x, 1, 2);
  /* WindowDepartition: [B, HP, WP, P, P, C] -> [B, C, HP*P, WP*P] */
  int64_t d6[6] = {-1, hp, wp, P, P, C};
  int q6[6] = {0, 5, 1, 3, 2, 4};
  x = pv_permute(b->g, pv_reshape(b->g, x, 6, d6), 6, q6);
  int64_t o4[4] = {-1, C, H, W};
  return pv_reshape(b->g, x, 4, o4);
}

static int64_t conv_out(int64_t s) { return (s - 1) / 2 + 1; }

int pv__build_maxvit(pv__mb *b, pv_value x, pv_value *out) {
  static const int channels[4] = {64, 128, 256, 512}, layers[4] = {2, 2, 5, 2};
  pv_tensor_desc d;
  if (pv_graph_value_desc(b->g, x, &d) || d.shape[2] <= 0 || d.shape[3] <= 0)
    return pv__mb_fail(b, PV_ERR_SHAPE, "maxvit_t: needs a fixed input size");
  int64_t H = conv_out(d.shape[2]), W = conv_out(d.shape[3]);
  for (int i = 0, h = (int)H, w = (int)W; i < 4; i++) {
    h = (int)conv_out(h), w = (int)conv_out(w);
    if (h % 7 || w % 7)
      return pv__mb_fail(b, PV_ERR_SHAPE,
                         "maxvit_t: input %lldx%lld gives a block %d grid of "
                         "%dx%d, not a multiple of the partition size 7",
                         (long long)d.shape[2], (long long)d.shape[3], i, h, w);
  }
  size_t l = pv__mb_push(b, "stem");
  x = cna(b, x, "0", 3, 64, 3, 2, 1, 1);
  x = pv__mb_conv(b, x, "1.0", 64, 64, 3, 3, 1, 1, 1, 1, 1);
  pv__mb_pop(b, l);
  int in = 64;
  for (int s = 0; s < 4 && !b->status; s++) {
    H = conv_out(H), W = conv_out(W);
    for (int j = 0; j < layers[s]; j++) {
      size_t p = pv__mb_push(b, "blocks.%d.layers.%d.layers", s, j);
      x = mbconv(b, x, j == 0 ? in : channels[s], channels[s], j == 0 ? 2 : 1);
      size_t q = pv__mb_push(b, "window_attention");
      x = partition_attention(b, x, channels[s], H, W, 0);
      pv__mb_pop(b, q);
      q = pv__mb_push(b, "grid_attention");
      x = partition_attention(b, x, channels[s], H, W, 1);
      pv__mb_pop(b, q);
      pv__mb_pop(b, p);
    }
    in = channels[s];
  }
  x = pv__mb_global_pool_flat(b, x);
  l = pv__mb_push(b, "classifier");
  x = pv__mb_layer_norm(b, x, "2", 512, 1e-5f);
  x = pv_unary(b->g, PV_OP_TANH, pv__mb_linear(b, x, "3", 512, 512, 1), 0, 0,
               0);
  *out = pv__mb_linear(b, x, "5", 512, b->num_classes, 0);
  pv__mb_pop(b, l);
  return b->status;
}
