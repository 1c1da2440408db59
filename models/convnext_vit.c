/* ConvNeXt and Vision Transformer (torchvision.models.convnext /
 * vision_transformer). */
#include "models_internal.h"

#include <math.h>
#include <string.h>

/* LayerNorm2d: layer norm over C of an NCHW tensor, via NHWC. */
static pv_value ln2d(pv__mb *b, pv_value x, const char *name, int c) {
  int to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
  x = pv_permute(b->g, x, 4, to_nhwc);
  x = pv__mb_layer_norm(b, x, name, c, 1e-6f);
  return pv_permute(b->g, x, 4, to_nchw);
}

int pv__build_convnext(pv__mb *b, pv_value x, pv_value *out) {
  int dims[4] = {96, 192, 384, 768}, depth[4] = {3, 3, 9, 3};
  const char *v = b->variant;
  if (!strcmp(v, "convnext_small")) {
    depth[2] = 27;
  } else if (!strcmp(v, "convnext_base")) {
    dims[0] = 128, dims[1] = 256, dims[2] = 512, dims[3] = 1024;
    depth[2] = 27;
  } else if (!strcmp(v, "convnext_large")) {
    dims[0] = 192, dims[1] = 384, dims[2] = 768, dims[3] = 1536;
    depth[2] = 27;
  }
  size_t l = pv__mb_push(b, "features.0");
  x = pv__mb_conv(b, x, "0", 3, dims[0], 4, 4, 4, 0, 1, 1, 1);
  x = ln2d(b, x, "1", dims[0]);
  pv__mb_pop(b, l);
  int to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
  for (int s = 0; s < 4; s++) {
    int d = dims[s];
    for (int j = 0; j < depth[s]; j++) {
      size_t p = pv__mb_push(b, "features.%d.%d", 1 + 2 * s, j);
      size_t q = pv__mb_push(b, "block");
      pv_value y = pv__mb_conv(b, x, "0", d, d, 7, 7, 1, 3, d, 1, 1);
      y = pv_permute(b->g, y, 4, to_nhwc);
      y = pv__mb_layer_norm(b, y, "2", d, 1e-6f);
      y = pv_gelu(b->g, pv__mb_linear(b, y, "3", d, 4 * d, 1), 0);
      y = pv__mb_linear(b, y, "5", 4 * d, d, 1);
      y = pv_permute(b->g, y, 4, to_nchw);
      pv__mb_pop(b, q);
      int64_t ls[3] = {d, 1, 1};
      y = pv_mul(b->g, y, pv__mb_param(b, "layer_scale", 3, ls));
      pv__mb_pop(b, p);
      x = pv_add(b->g, y, x);
    }
    if (s < 3) {
      size_t p = pv__mb_push(b, "features.%d", 2 + 2 * s);
      x = ln2d(b, x, "0", d);
      x = pv__mb_conv(b, x, "1", d, dims[s + 1], 2, 2, 2, 0, 1, 1, 1);
      pv__mb_pop(b, p);
    }
  }
  x = pv_adaptive_avg_pool2d(b->g, x, 1, 1);
  l = pv__mb_push(b, "classifier");
  x = ln2d(b, x, "0", dims[3]);
  x = pv_flatten(b->g, x, 1, -1);
  *out = pv__mb_linear(b, x, "2", dims[3], b->num_classes, 1);
  pv__mb_pop(b, l);
  return b->status;
}

/* nn.MultiheadAttention(self-attention, batch_first) on x [N, L, E]. */
static pv_value mha(pv__mb *b, pv_value x, int seq, int e, int heads) {
  size_t l = pv__mb_push(b, "self_attention");
  int64_t ws[2] = {3 * e, e}, bs[1] = {3 * e};
  pv_value w = pv__mb_param(b, "in_proj_weight", 2, ws);
  pv_value bias = pv__mb_param(b, "in_proj_bias", 1, bs);
  pv_value qkv = pv_linear(b->g, x, w, bias); /* [N, L, 3E] */
  int hd = e / heads;
  int64_t split[3] = {e, e, e};
  pv_value q, k, v, parts[3];
  pv_split(b->g, qkv, 2, 3, split, parts);
  int64_t hs[4] = {-1, seq, heads, hd};
  int perm[4] = {0, 2, 1, 3};
  q = pv_permute(b->g, pv_reshape(b->g, parts[0], 4, hs), 4, perm);
  k = pv_permute(b->g, pv_reshape(b->g, parts[1], 4, hs), 4, perm);
  v = pv_permute(b->g, pv_reshape(b->g, parts[2], 4, hs), 4, perm);
  /* torch scales q by hd^-0.5 before q @ k^T */
  int64_t one[1] = {1};
  pv_tensor *sc = pv_tensor_create(PV_F32, 1, one);
  if (sc)
    *(float *)pv_tensor_data(sc) = 1.0f / sqrtf((float)hd);
  q = pv_mul(b->g, q, pv_graph_constant(b->g, NULL, sc));
  pv_tensor_release(sc);
  pv_value att = pv_matmul(b->g, q, pv_transpose(b->g, k, 2, 3));
  att = pv_softmax(b->g, att, -1);
  pv_value o = pv_permute(b->g, pv_matmul(b->g, att, v), 4, perm);
  int64_t os[3] = {-1, seq, e};
  o = pv_reshape(b->g, o, 3, os);
  o = pv__mb_linear(b, o, "out_proj", e, e, 1);
  pv__mb_pop(b, l);
  return o;
}

int pv__build_vit(pv__mb *b, pv_value x, pv_value *out) {
  int patch = 16, layers = 12, heads = 12, hidden = 768, mlp = 3072;
  const char *v = b->variant;
  if (strstr(v, "_32"))
    patch = 32;
  if (!strcmp(v, "vit_h_14"))
    patch = 14;
  if (!strncmp(v, "vit_l", 5))
    layers = 24, heads = 16, hidden = 1024, mlp = 4096;
  if (!strncmp(v, "vit_h", 5))
    layers = 32, heads = 16, hidden = 1280, mlp = 5120;
  int64_t size = b->image_size > 0 ? b->image_size : 224;
  int64_t np = (size / patch) * (size / patch), seq = np + 1;
  x = pv__mb_conv(b, x, "conv_proj", 3, hidden, patch, patch, patch, 0, 1, 1,
                  1);
  int64_t fs[3] = {-1, hidden, np};
  x = pv_transpose(b->g, pv_reshape(b->g, x, 3, fs), 1, 2); /* [N, np, E] */
  int64_t cs[3] = {1, 1, hidden};
  pv_value cls = pv__mb_param(b, "class_token", 3, cs);
  /* expand the class token to the batch: broadcast-add zeros of x's batch */
  pv_value zero_row = pv_slice(b->g, x, 1, 0, 1, 1); /* [N,1,E] */
  int64_t zs[1] = {1};
  pv_tensor *zt = pv_tensor_create(PV_F32, 1, zs);
  pv_value batch_cls = pv_add(
      b->g, pv_mul(b->g, zero_row, pv_graph_constant(b->g, NULL, zt)), cls);
  pv_tensor_release(zt);
  pv_value both[2] = {batch_cls, x};
  x = pv_concat(b->g, 2, both, 1);
  size_t l = pv__mb_push(b, "encoder");
  int64_t ps[3] = {1, seq, hidden};
  x = pv_add(b->g, x, pv__mb_param(b, "pos_embedding", 3, ps));
  for (int i = 0; i < layers; i++) {
    size_t p = pv__mb_push(b, "layers.encoder_layer_%d", i);
    pv_value y = pv__mb_layer_norm(b, x, "ln_1", hidden, 1e-6f);
    x = pv_add(b->g, x, mha(b, y, (int)seq, hidden, heads));
    y = pv__mb_layer_norm(b, x, "ln_2", hidden, 1e-6f);
    y = pv_gelu(b->g, pv__mb_linear(b, y, "mlp.0", hidden, mlp, 1), 0);
    y = pv__mb_linear(b, y, "mlp.3", mlp, hidden, 1);
    x = pv_add(b->g, x, y);
    pv__mb_pop(b, p);
  }
  x = pv__mb_layer_norm(b, x, "ln", hidden, 1e-6f);
  pv__mb_pop(b, l);
  x = pv_reshape(b->g, pv_slice(b->g, x, 1, 0, 1, 1), 2,
                 (int64_t[2]){-1, hidden});
  *out = pv__mb_linear(b, x, "heads.head", hidden, b->num_classes, 1);
  return b->status;
}
