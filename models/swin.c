/* Swin Transformer V1 and V2 (torchvision.models.swin_transformer: swin_t/s/b,
 * swin_v2_t/s/b). The graph is built for a fixed input size (the model's
 * image_size option, default 224 for V1 and 256 for V2) because the window
 * padding, the cyclic shifts and the shifted-window attention masks depend on
 * the feature map sizes: torch.roll is a slice + concat, window partition a
 * reshape + permute, the relative position bias a gather of a constant index
 * table, and the masks constants computed here. Stochastic depth and dropout
 * are identities at inference. */
#include "models_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A constant from host data (copied); dtype F32 or I64. */
static pv_value const_tensor(pv__mb *b, pv_dtype dt, int ndim,
                             const int64_t *shape, const void *data) {
  pv_tensor *t = pv_tensor_create(dt, ndim, shape);
  if (!t) {
    pv__mb_fail(b, pv_last_status(), "cannot allocate a swin constant");
    return PV_NO_VALUE;
  }
  memcpy(pv_tensor_data(t), data,
         (size_t)pv_tensor_numel(t) * pv_dtype_size(dt));
  pv_value v = pv_graph_constant(b->g, NULL, t);
  pv_tensor_release(t);
  return v;
}

static pv_value scalar(pv__mb *b, float f) {
  int64_t one[1] = {1};
  return const_tensor(b, PV_F32, 1, one, &f);
}

/* torch.roll(x, shift, axis) on an axis of static size n. */
static pv_value roll(pv__mb *b, pv_value x, int axis, int64_t n,
                     int64_t shift) {
  int64_t s = ((shift % n) + n) % n;
  if (s == 0)
    return x;
  pv_value parts[2] = {pv_slice(b->g, x, axis, n - s, n, 1),
                       pv_slice(b->g, x, axis, 0, n - s, 1)};
  return pv_concat(b->g, 2, parts, axis);
}

/* Relative position bias [1, heads, L, L] (L = ws*ws) from a per-offset table
 * [(2ws-1)^2, heads]: table[relative_position_index] as torchvision
 * computes the index. */
static pv_value rel_bias(pv__mb *b, pv_value table, int ws, int heads) {
  int64_t L = (int64_t)ws * ws;
  int64_t *idx = malloc((size_t)(L * L) * sizeof *idx);
  if (!idx) {
    pv__mb_fail(b, PV_ERR_NOMEM, "cannot allocate a swin index table");
    return PV_NO_VALUE;
  }
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < L; j++) {
      int64_t dh = i / ws - j / ws + ws - 1, dw = i % ws - j % ws + ws - 1;
      idx[i * L + j] = dh * (2 * ws - 1) + dw;
    }
  int64_t n[1] = {L * L};
  pv_value iv = const_tensor(b, PV_I64, 1, n, idx);
  free(idx);
  pv_value g = pv_gather(b->g, table, iv, 0); /* [L*L, heads] */
  int64_t s3[3] = {L, L, heads};
  int perm[3] = {2, 0, 1};
  g = pv_permute(b->g, pv_reshape(b->g, g, 3, s3), 3, perm);
  int64_t s4[4] = {1, heads, L, L};
  return pv_reshape(b->g, g, 4, s4);
}

/* The shifted-window mask [1, nW, 1, L, L]: 0 within a region, -100 across. */
static pv_value shift_mask(pv__mb *b, int64_t ph, int64_t pw, int ws,
                           int64_t sh, int64_t sw) {
  int64_t nh = ph / ws, nw = pw / ws, L = (int64_t)ws * ws, nW = nh * nw;
  int *region = malloc((size_t)(ph * pw) * sizeof *region);
  float *m = malloc((size_t)(nW * L * L) * sizeof *m);
  if (!region || !m) {
    free(region);
    free(m);
    pv__mb_fail(b, PV_ERR_NOMEM, "cannot allocate a swin attention mask");
    return PV_NO_VALUE;
  }
  for (int64_t y = 0; y < ph; y++)
    for (int64_t x = 0; x < pw; x++) {
      /* torchvision's slices (0,-ws), (-ws,-s), (-s,None): with s == 0 the
       * last one covers the whole axis and wins */
      int ry = sh == 0 ? 2 : y < ph - ws ? 0 : y < ph - sh ? 1 : 2;
      int rx = sw == 0 ? 2 : x < pw - ws ? 0 : x < pw - sw ? 1 : 2;
      region[y * pw + x] = ry * 3 + rx;
    }
  for (int64_t wy = 0; wy < nh; wy++)
    for (int64_t wx = 0; wx < nw; wx++) {
      float *mw = m + (wy * nw + wx) * L * L;
      for (int64_t i = 0; i < L; i++)
        for (int64_t j = 0; j < L; j++) {
          int ri = region[(wy * ws + i / ws) * pw + wx * ws + i % ws];
          int rj = region[(wy * ws + j / ws) * pw + wx * ws + j % ws];
          mw[i * L + j] = ri == rj ? 0.0f : -100.0f;
        }
    }
  int64_t s[5] = {1, nW, 1, L, L};
  pv_value v = const_tensor(b, PV_F32, 5, s, m);
  free(region);
  free(m);
  return v;
}

/* F.normalize(x, dim=-1): x / max(||x||, 1e-12). */
static pv_value l2_normalize(pv__mb *b, pv_value x) {
  int ax[1] = {-1};
  pv_value n = pv_reduce(b->g, PV_OP_REDUCE_SUM, pv_mul(b->g, x, x), 1, ax, 1);
  n = pv_unary(b->g, PV_OP_SQRT, n, 0, 0, 0);
  n = pv_binary(b->g, PV_OP_MAX, n, scalar(b, 1e-12f));
  return pv_div(b->g, x, n);
}

/* ShiftedWindowAttention(V2) at <prefix>attn on x [B, H, W, C]. */
static pv_value window_attention(pv__mb *b, pv_value x, int64_t H, int64_t W,
                                 int C, int heads, int ws, int shift, int v2) {
  int64_t pad_r = (ws - W % ws) % ws, pad_b = (ws - H % ws) % ws;
  if (pad_r || pad_b) {
    int64_t pads[6] = {0, 0, 0, pad_r, 0, pad_b};
    x = pv_pad(b->g, x, 6, pads, PV_PAD_CONSTANT, 0.0f);
  }
  int64_t ph = H + pad_b, pw = W + pad_r;
  int64_t sh = ws >= ph ? 0 : shift, sw = ws >= pw ? 0 : shift;
  x = roll(b, roll(b, x, 1, ph, -sh), 2, pw, -sw);
  int64_t nh = ph / ws, nw = pw / ws, nW = nh * nw, L = (int64_t)ws * ws;
  int p6[6] = {0, 1, 3, 2, 4, 5};
  int64_t s6[6] = {-1, nh, ws, nw, ws, C};
  x = pv_permute(b->g, pv_reshape(b->g, x, 6, s6), 6, p6);
  int64_t s3[3] = {-1, L, C};
  x = pv_reshape(b->g, x, 3, s3); /* [B*nW, L, C] */

  size_t l = pv__mb_push(b, "attn");
  int64_t qw[2] = {3 * C, C}, qb[1] = {3 * C};
  pv_value w = pv__mb_param(b, "qkv.weight", 2, qw);
  pv_value bias = pv__mb_param(b, "qkv.bias", 1, qb);
  if (v2 && !b->status) { /* V2 zeroes the key bias in forward */
    float *mask = malloc((size_t)(3 * C) * sizeof *mask);
    if (!mask) {
      pv__mb_pop(b, l);
      pv__mb_fail(b, PV_ERR_NOMEM, "cannot allocate a swin bias mask");
      return PV_NO_VALUE;
    }
    for (int i = 0; i < 3 * C; i++)
      mask[i] = i >= C && i < 2 * C ? 0.0f : 1.0f;
    bias = pv_mul(b->g, bias, const_tensor(b, PV_F32, 1, qb, mask));
    free(mask);
  }
  pv_value qkv = pv_linear(b->g, x, w, bias); /* [B*nW, L, 3C] */
  int hd = C / heads;
  int64_t split[3] = {C, C, C};
  pv_value parts[3];
  pv_split(b->g, qkv, 2, 3, split, parts);
  int64_t hs[4] = {-1, L, heads, hd};
  int perm[4] = {0, 2, 1, 3};
  pv_value q = pv_permute(b->g, pv_reshape(b->g, parts[0], 4, hs), 4, perm);
  pv_value k = pv_permute(b->g, pv_reshape(b->g, parts[1], 4, hs), 4, perm);
  pv_value v = pv_permute(b->g, pv_reshape(b->g, parts[2], 4, hs), 4, perm);
  pv_value attn, table;
  int64_t t = 2 * ws - 1;
  if (v2) {
    attn = pv_matmul(b->g, l2_normalize(b, q),
                     pv_transpose(b->g, l2_normalize(b, k), 2, 3));
    int64_t ls[3] = {heads, 1, 1};
    pv_value scale = pv__mb_param(b, "logit_scale", 3, ls);
    scale = pv_binary(b->g, PV_OP_MIN, scale, scalar(b, logf(100.0f)));
    attn = pv_mul(b->g, attn, pv_unary(b->g, PV_OP_EXP, scale, 0, 0, 0));
    int64_t cs[4] = {1, t, t, 2};
    pv_value coords = pv__mb_param(b, "relative_coords_table", 4, cs);
    pv_value h =
        pv_relu(b->g, pv__mb_linear(b, coords, "cpb_mlp.0", 2, 512, 1));
    h = pv__mb_linear(b, h, "cpb_mlp.2", 512, heads, 0);
    int64_t ts[2] = {-1, heads};
    table = pv_reshape(b->g, h, 2, ts);
  } else {
    q = pv_mul(b->g, q, scalar(b, 1.0f / sqrtf((float)hd)));
    attn = pv_matmul(b->g, q, pv_transpose(b->g, k, 2, 3));
    int64_t ts[2] = {t * t, heads};
    table = pv__mb_param(b, "relative_position_bias_table", 2, ts);
  }
  /* the index buffer is recomputed above; take the key so it counts as used */
  int64_t is[1] = {L * L};
  (void)pv__mb_param_opt(b, "relative_position_index", 1, is);
  if (b->status) {
    pv__mb_pop(b, l);
    return PV_NO_VALUE;
  }
  pv_value rb = rel_bias(b, table, ws, heads);
  if (v2)
    rb = pv_mul(b->g, pv_sigmoid(b->g, rb), scalar(b, 16.0f));
  attn = pv_add(b->g, attn, rb);
  if (sh + sw > 0) {
    int64_t a5[5] = {-1, nW, heads, L, L}, a4[4] = {-1, heads, L, L};
    attn = pv_reshape(b->g, attn, 5, a5);
    attn = pv_add(b->g, attn, shift_mask(b, ph, pw, ws, sh, sw));
    attn = pv_reshape(b->g, attn, 4, a4);
  }
  attn = pv_softmax(b->g, attn, -1);
  x = pv_transpose(b->g, pv_matmul(b->g, attn, v), 1, 2);
  x = pv_reshape(b->g, x, 3, s3);
  x = pv__mb_linear(b, x, "proj", C, C, 1);
  pv__mb_pop(b, l);

  int64_t r6[6] = {-1, nh, nw, ws, ws, C};
  x = pv_permute(b->g, pv_reshape(b->g, x, 6, r6), 6, p6);
  int64_t s4[4] = {-1, ph, pw, C};
  x = pv_reshape(b->g, x, 4, s4);
  x = roll(b, roll(b, x, 1, ph, sh), 2, pw, sw);
  if (pad_r || pad_b)
    x = pv_slice(b->g, pv_slice(b->g, x, 1, 0, H, 1), 2, 0, W, 1);
  return x;
}

/* SwinTransformerBlock(V2) at the current path on x [B, H, W, C]. */
static pv_value block(pv__mb *b, pv_value x, int64_t H, int64_t W, int C,
                      int heads, int ws, int shift, int v2) {
  pv_value y;
  if (v2) {
    y = window_attention(b, x, H, W, C, heads, ws, shift, 1);
    x = pv_add(b->g, x, pv__mb_layer_norm(b, y, "norm1", C, 1e-5f));
  } else {
    y = pv__mb_layer_norm(b, x, "norm1", C, 1e-5f);
    x = pv_add(b->g, x, window_attention(b, y, H, W, C, heads, ws, shift, 0));
  }
  y = v2 ? x : pv__mb_layer_norm(b, x, "norm2", C, 1e-5f);
  y = pv_gelu(b->g, pv__mb_linear(b, y, "mlp.0", C, 4 * C, 1), 0);
  y = pv__mb_linear(b, y, "mlp.3", 4 * C, C, 1);
  if (v2)
    y = pv__mb_layer_norm(b, y, "norm2", C, 1e-5f);
  return pv_add(b->g, x, y);
}

/* PatchMerging(V2): 2x2 neighbours concatenated, normalised and reduced. */
static pv_value patch_merging(pv__mb *b, pv_value x, int64_t *H, int64_t *W,
                              int C, int v2) {
  if (*H % 2 || *W % 2) {
    int64_t pads[6] = {0, 0, 0, *W % 2, 0, *H % 2};
    x = pv_pad(b->g, x, 6, pads, PV_PAD_CONSTANT, 0.0f);
  }
  int64_t h = *H + *H % 2, w = *W + *W % 2;
  pv_value xs[4];
  for (int i = 0; i < 4; i++) { /* x0 (0,0), x1 (1,0), x2 (0,1), x3 (1,1) */
    int oh = i & 1, ow = i >> 1;
    xs[i] = pv_slice(b->g, pv_slice(b->g, x, 1, oh, h, 2), 2, ow, w, 2);
  }
  x = pv_concat(b->g, 4, xs, 3);
  if (v2) {
    x = pv__mb_linear(b, x, "reduction", 4 * C, 2 * C, 0);
    x = pv__mb_layer_norm(b, x, "norm", 2 * C, 1e-5f);
  } else {
    x = pv__mb_layer_norm(b, x, "norm", 4 * C, 1e-5f);
    x = pv__mb_linear(b, x, "reduction", 4 * C, 2 * C, 0);
  }
  *H = h / 2;
  *W = w / 2;
  return x;
}

int pv__build_swin(pv__mb *b, pv_value x, pv_value *out) {
  const char *v = b->variant;
  int v2 = !strncmp(v, "swin_v2_", 8);
  char size = v[strlen(v) - 1];
  int embed = size == 'b' ? 128 : 96, ws = v2 ? 8 : 7;
  int depths[4] = {2, 2, size == 't' ? 6 : 18, 2};
  int heads0 = size == 'b' ? 4 : 3;
  if (size != 't' && size != 's' && size != 'b')
    return pv__mb_fail(b, PV_ERR_NOT_FOUND, "no such swin variant: %s", v);
  pv_tensor_desc d;
  if (pv_graph_value_desc(b->g, x, &d) || d.shape[2] <= 0 || d.shape[3] <= 0)
    return pv__mb_fail(b, PV_ERR_SHAPE, "%s: needs a fixed input size", v);
  int64_t H = d.shape[2] / 4, W = d.shape[3] / 4;
  size_t l = pv__mb_push(b, "features");
  x = pv__mb_conv(b, x, "0.0", 3, embed, 4, 4, 4, 0, 1, 1, 1);
  int nhwc[4] = {0, 2, 3, 1};
  x = pv_permute(b->g, x, 4, nhwc);
  x = pv__mb_layer_norm(b, x, "0.2", embed, 1e-5f);
  int C = embed, idx = 1;
  for (int s = 0; s < 4; s++) {
    for (int j = 0; j < depths[s] && !b->status; j++) {
      size_t p = pv__mb_push(b, "%d.%d", idx, j);
      x = block(b, x, H, W, C, heads0 << s, ws, j % 2 ? ws / 2 : 0, v2);
      pv__mb_pop(b, p);
    }
    idx++;
    if (s < 3) {
      size_t p = pv__mb_push(b, "%d", idx++);
      x = patch_merging(b, x, &H, &W, C, v2);
      pv__mb_pop(b, p);
      C *= 2;
    }
  }
  pv__mb_pop(b, l);
  x = pv__mb_layer_norm(b, x, "norm", C, 1e-5f);
  int nchw[4] = {0, 3, 1, 2};
  x = pv_permute(b->g, x, 4, nchw);
  x = pv__mb_global_pool_flat(b, x);
  *out = pv__mb_linear(b, x, "head", C, b->num_classes, 1);
  return b->status;
}
