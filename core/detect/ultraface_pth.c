/*
 * UltraFace RFB-320 built in C with the graph builder, for the original
 * PyTorch checkpoint (ultraface-version-RFB-320.pth, a legacy torch.save of
 * the state_dict). The architecture is Ultra-Light-Fast-Generic-Face-
 * Detector-1MB's "RFB" net: a MobileNet-style base (conv_bn, conv_dw) with
 * one BasicRFB block, one extra stage, and four SSD heads (separable convs,
 * the last a plain 3x3) on the stride 8/16/32/64 maps. Outputs are the raw
 * scores (softmaxed) and box regressions, as the published
 * _without_postprocessing.onnx; the detector decodes the priors.
 */
#include "internal.h"

#include <polyvis/graph.h>
#include <polyvis/weights.h>

#include "detect_internal.h"

typedef struct {
  pv_graph *g;
  const pv_weights *w;
  char err[160];
} uf_ctx;

static pv_value param(uf_ctx *c, const char *fmt, const char *prefix,
                      const char *leaf) {
  char key[160];
  snprintf(key, sizeof key, fmt, prefix, leaf);
  pv_tensor *t = pv_weights_get(c->w, key);
  if (!t) {
    if (!c->err[0])
      snprintf(c->err, sizeof c->err, "%s", key);
    return PV_NO_VALUE;
  }
  return pv_graph_constant(c->g, key, t);
}

/* conv (no bias) + BatchNorm (+ ReLU): keys P.conv.weight, P.bn.* or, for
 * the Sequential layout, P.<ci>.weight and P.<bi>.*. */
static pv_value conv_bn(uf_ctx *c, pv_value x, const char *conv, const char *bn,
                        int k, int stride, int pad, int dil, int groups,
                        int relu) {
  pv_conv_attrs a = pv_conv_attrs_default();
  a.stride[0] = a.stride[1] = stride;
  for (int i = 0; i < 4; i++)
    a.padding[i] = pad;
  a.dilation[0] = a.dilation[1] = dil;
  a.groups = groups;
  (void)k;
  pv_value y =
      pv_conv2d(c->g, x, param(c, "%s.%s", conv, "weight"), PV_NO_VALUE, &a);
  y = pv_batch_norm(c->g, y, param(c, "%s.%s", bn, "weight"),
                    param(c, "%s.%s", bn, "bias"),
                    param(c, "%s.%s", bn, "running_mean"),
                    param(c, "%s.%s", bn, "running_var"), 1e-5f);
  return relu ? pv_relu(c->g, y) : y;
}

/* conv with bias (+ ReLU). */
static pv_value conv_b(uf_ctx *c, pv_value x, const char *name, int stride,
                       int pad, int groups, int relu) {
  pv_conv_attrs a = pv_conv_attrs_default();
  a.stride[0] = a.stride[1] = stride;
  for (int i = 0; i < 4; i++)
    a.padding[i] = pad;
  a.groups = groups;
  pv_value y = pv_conv2d(c->g, x, param(c, "%s.%s", name, "weight"),
                         param(c, "%s.%s", name, "bias"), &a);
  return relu ? pv_relu(c->g, y) : y;
}

/* base_net.i = conv_dw(inp, oup, stride): dw 3x3 + BN + ReLU, 1x1 + BN +
 * ReLU (indices 0/1 and 3/4). */
static pv_value conv_dw(uf_ctx *c, pv_value x, int i, int ch, int stride) {
  char a[64], b[64];
  snprintf(a, sizeof a, "base_net.%d.0", i);
  snprintf(b, sizeof b, "base_net.%d.1", i);
  x = conv_bn(c, x, a, b, 3, stride, 1, 1, ch, 1);
  snprintf(a, sizeof a, "base_net.%d.3", i);
  snprintf(b, sizeof b, "base_net.%d.4", i);
  return conv_bn(c, x, a, b, 1, 1, 0, 1, 1, 1);
}

static pv_value basic_conv(uf_ctx *c, pv_value x, const char *p, int k, int pad,
                           int dil, int relu) {
  char cv[96], bn[96];
  snprintf(cv, sizeof cv, "%s.conv", p);
  snprintf(bn, sizeof bn, "%s.bn", p);
  return conv_bn(c, x, cv, bn, k, 1, pad, dil, 1, relu);
}

/* base_net.7: BasicRFB(64, 64, stride 1, scale 1.0, map_reduce 8). */
static pv_value rfb(uf_ctx *c, pv_value x) {
  const char *P = "base_net.7";
  char n[96];
  pv_value br[3];
  static const int dil[3] = {2, 3, 5};
  for (int b = 0; b < 3; b++) {
    snprintf(n, sizeof n, "%s.branch%d.0", P, b);
    pv_value y = basic_conv(c, x, n, 1, 0, 1, 0);
    snprintf(n, sizeof n, "%s.branch%d.1", P, b);
    y = basic_conv(c, y, n, 3, 1, 1, 1);
    int last = 2;
    if (b == 2) { /* one more 3x3 in the widest branch */
      snprintf(n, sizeof n, "%s.branch%d.2", P, b);
      y = basic_conv(c, y, n, 3, 1, 1, 1);
      last = 3;
    }
    snprintf(n, sizeof n, "%s.branch%d.%d", P, b, last);
    br[b] = basic_conv(c, y, n, 3, dil[b], dil[b], 0);
  }
  pv_value cat = pv_concat(c->g, 3, br, 1);
  snprintf(n, sizeof n, "%s.ConvLinear", P);
  pv_value out = basic_conv(c, cat, n, 1, 0, 1, 0);
  snprintf(n, sizeof n, "%s.shortcut", P);
  pv_value sc = basic_conv(c, x, n, 1, 0, 1, 0);
  return pv_relu(c->g, pv_add(c->g, out, sc));
}

/* A head on one feature map -> [N, H*W*anchors, per]. */
static pv_value head(uf_ctx *c, pv_value x, const char *kind, int i, int ch,
                     int per) {
  char n[96];
  pv_value y;
  if (i < 3) { /* SeperableConv2d: dw 3x3 + ReLU + 1x1 */
    snprintf(n, sizeof n, "%s.%d.0", kind, i);
    y = conv_b(c, x, n, 1, 1, ch, 1);
    snprintf(n, sizeof n, "%s.%d.2", kind, i);
    y = conv_b(c, y, n, 1, 0, 1, 0);
  } else {
    snprintf(n, sizeof n, "%s.%d", kind, i);
    y = conv_b(c, x, n, 1, 1, 1, 0);
  }
  static const int perm[4] = {0, 2, 3, 1};
  y = pv_permute(c->g, y, 4, perm);
  int64_t shape[3] = {1, -1, per};
  return pv_reshape(c->g, y, 3, shape);
}

int pv__ultraface_pth_graph(const char *path, int64_t h, int64_t w,
                            pv_graph **out) {
  *out = NULL;
  pv_weights *wt = NULL;
  int rc = pv_weights_load(path, &wt);
  if (rc)
    return rc;
  uf_ctx c = {pv_graph_create(), wt, ""};
  if (!c.g) {
    pv_weights_free(wt);
    return pv_set_error(PV_ERR_NOMEM, "ultraface: out of memory");
  }
  int64_t in_shape[4] = {1, 3, h, w};
  pv_value x = pv_graph_input(c.g, "input", PV_F32, 4, in_shape);
  x = conv_bn(&c, x, "base_net.0.0", "base_net.0.1", 3, 2, 1, 1, 1, 1);
  static const int ch[7] = {16, 32, 32, 32, 64, 64, 64};
  static const int st[7] = {0, 1, 2, 1, 2, 1, 1};
  for (int i = 1; i <= 6; i++)
    x = conv_dw(&c, x, i, ch[i - 1], st[i]);
  pv_value f[4];
  f[0] = x = rfb(&c, x);
  x = conv_dw(&c, x, 8, 64, 2);
  x = conv_dw(&c, x, 9, 128, 1);
  f[1] = x = conv_dw(&c, x, 10, 128, 1);
  x = conv_dw(&c, x, 11, 128, 2);
  f[2] = x = conv_dw(&c, x, 12, 256, 1);
  x = conv_b(&c, x, "extras.0.0", 1, 0, 1, 1);
  x = conv_b(&c, x, "extras.0.2.0", 2, 1, 64, 1);
  f[3] = conv_b(&c, x, "extras.0.2.2", 1, 0, 1, 1);
  static const int fch[4] = {64, 128, 256, 256};
  pv_value cls[4], reg[4];
  for (int i = 0; i < 4; i++) {
    cls[i] = head(&c, f[i], "classification_headers", i, fch[i], 2);
    reg[i] = head(&c, f[i], "regression_headers", i, fch[i], 4);
  }
  pv_graph_output(c.g, "scores", pv_softmax(c.g, pv_concat(c.g, 4, cls, 1), 2));
  pv_graph_output(c.g, "boxes", pv_concat(c.g, 4, reg, 1));
  rc = pv_graph_status(c.g);
  if (c.err[0])
    rc = pv_set_error(PV_ERR_NOT_FOUND,
                      "ultraface: %s has no tensor '%s' (not an RFB-320 "
                      "checkpoint)",
                      path, c.err);
  else if (rc)
    rc = pv_set_error(rc, "ultraface: %s: %s", path, pv_graph_error(c.g));
  pv_weights_free(wt); /* the graph holds its own references */
  if (rc) {
    pv_graph_free(c.g);
    return rc;
  }
  *out = c.g;
  return 0;
}
