/*
 * conv2d (NCHW, weights [O, C/g, kh, kw]) as GEMM per image and group:
 * Y_g[O/g, OH*OW] = W_g[O/g, C/g*kh*kw] @ im2col(X_g), with the im2col done
 * while packing B (no im2col buffer) and 1x1/stride-1/unpadded convs reading
 * X directly. Constant weights are packed once in prepare(). Bias and the
 * fused activation run in the GEMM epilogue. Depthwise convs (one input
 * channel per group) take a direct path parallel over channels.
 */
#include "cpu_backend.h"

#include <stdlib.h>

typedef struct conv_prep {
  int groups;
  pv_cpu_packed_a *w; /* one per group */
} conv_prep;

static void conv_release(void *prepared) {
  conv_prep *p = prepared;
  if (!p)
    return;
  for (int i = 0; i < p->groups && p->w; i++)
    pv__cpu_packed_a_free(&p->w[i]);
  free(p->w);
  free(p);
}

static int conv_supports(const pv_op_desc *op) {
  if (!pv__cpu_all_dtype(op, PV_F32))
    return 0;
  return pv__cpu_act_supported(&op->attrs.conv.act);
}

static int is_depthwise(const pv_tensor_desc *w) { return w->shape[1] == 1; }

static int conv_prepare(const pv_node_desc *node, const pv_value_desc *values,
                        void **prepared) {
  const pv_value_desc *vw = &values[node->inputs[1]];
  if (vw->kind != PV_VALUE_CONST || !vw->data || is_depthwise(&vw->desc))
    return 0;
  int g = node->attrs.conv.groups > 0 ? node->attrs.conv.groups : 1;
  const int64_t *ws = vw->desc.shape;
  int64_t og = ws[0] / g, kk = ws[1] * ws[2] * ws[3];
  conv_prep *p = calloc(1, sizeof *p);
  if (p)
    p->w = calloc((size_t)g, sizeof *p->w);
  if (!p || !p->w) {
    free(p);
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: conv2d: out of memory");
  }
  p->groups = g;
  for (int i = 0; i < g; i++) {
    int rc = pv__cpu_pack_a(og, kk, (const float *)vw->data + i * og * kk, kk,
                            1, 1.0f, &p->w[i]);
    if (rc) {
      conv_release(p);
      return rc;
    }
  }
  *prepared = p;
  return 0;
}

typedef struct dw_ctx {
  const float *x, *w, *b;
  float *y;
  int64_t c, h, wd, oc, oh, ow, mult;
  const pv_conv_attrs *a;
  int kh, kw;
} dw_ctx;

static void dw_chunk(void *vc, int64_t begin, int64_t end) {
  const dw_ctx *d = vc;
  const pv_conv_attrs *a = d->a;
  int sh = a->stride[0], sw = a->stride[1], ph = a->padding[0],
      pw = a->padding[1], dh = a->dilation[0], dwl = a->dilation[1];
  for (int64_t t = begin; t < end; t++) {
    int64_t n = t / d->oc, oc = t % d->oc, ic = oc / d->mult;
    const float *xp = d->x + (n * d->c + ic) * d->h * d->wd;
    const float *wp = d->w + oc * d->kh * d->kw;
    float *yp = d->y + t * d->oh * d->ow;
    float bias = d->b ? d->b[oc] : 0.0f;
    for (int64_t oy = 0; oy < d->oh; oy++) {
      float *yr = yp + oy * d->ow;
      for (int64_t ox = 0; ox < d->ow; ox++)
        yr[ox] = bias;
      for (int ky = 0; ky < d->kh; ky++) {
        int64_t iy = oy * sh - ph + (int64_t)ky * dh;
        if (iy < 0 || iy >= d->h)
          continue;
        const float *xr = xp + iy * d->wd;
        for (int kx = 0; kx < d->kw; kx++) {
          float wv = wp[ky * d->kw + kx];
          int64_t off = (int64_t)kx * dwl - pw; /* ix = ox*sw + off */
          int64_t ox0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int64_t lim = d->wd - 1 - off; /* ox*sw <= lim */
          if (lim < 0)
            continue;
          int64_t ox1 = lim / sw + 1;
          if (ox1 > d->ow)
            ox1 = d->ow;
          if (sw == 1) {
            const float *xs = xr + off;
            for (int64_t ox = ox0; ox < ox1; ox++)
              yr[ox] += wv * xs[ox];
          } else {
            for (int64_t ox = ox0; ox < ox1; ox++)
              yr[ox] += wv * xr[ox * sw + off];
          }
        }
      }
      pv__cpu_act_f32(&a->act, yr, d->ow);
    }
  }
}

static int conv_run(const pv_cpu_exec *e) {
  const pv_conv_attrs *a = &e->node->attrs.conv;
  const pv_tensor_desc *xd = e->in[0].desc, *wd = e->in[1].desc,
                       *yd = e->out[0].desc;
  const float *x = e->in[0].data, *w = e->in[1].data;
  const float *bias = e->n_in > 2 ? e->in[2].data : NULL;
  float *y = e->out[0].data;
  int g = a->groups > 0 ? a->groups : 1;
  int64_t n = xd->shape[0], c = xd->shape[1], h = xd->shape[2],
          wi = xd->shape[3];
  int64_t oc = yd->shape[1], oh = yd->shape[2], ow = yd->shape[3];
  int kh = (int)wd->shape[2], kw = (int)wd->shape[3];
  int64_t cg = c / g, og = oc / g, kk = cg * kh * kw;
  if (is_depthwise(wd)) {
    dw_ctx d = {x, w, bias, y, c, h, wi, oc, oh, ow, og, a, kh, kw};
    int64_t per = oh * ow * kh * kw;
    pv__cpu_host->parallel_for(n * oc, 1 + 32768 / (per ? per : 1), dw_chunk,
                               &d);
    return 0;
  }
  const conv_prep *p = e->prepared;
  int direct = kh == 1 && kw == 1 && a->stride[0] == 1 && a->stride[1] == 1 &&
               a->padding[0] == 0 && a->padding[1] == 0 && a->padding[2] == 0 &&
               a->padding[3] == 0;
  for (int64_t b = 0; b < n; b++) {
    for (int gi = 0; gi < g; gi++) {
      const float *xg = x + (b * c + gi * cg) * h * wi;
      pv_cpu_im2col im = {xg,
                          cg,
                          h,
                          wi,
                          oh,
                          ow,
                          kh,
                          kw,
                          a->stride[0],
                          a->stride[1],
                          a->padding[0],
                          a->padding[1],
                          a->dilation[0],
                          a->dilation[1]};
      pv_cpu_bsrc bs = {xg, h * wi, 1, direct ? NULL : &im};
      pv_cpu_epi epi = {bias ? bias + gi * og : NULL, 1, &a->act};
      float *yg = y + (b * oc + gi * og) * oh * ow;
      int rc =
          pv__cpu_sgemm(og, oh * ow, kk, p ? &p->w[gi] : NULL, w + gi * og * kk,
                        kk, 1, 1.0f, &bs, yg, oh * ow, 1, 0, &epi);
      if (rc)
        return rc;
    }
  }
  return 0;
}

const pv_cpu_op_impl pv__cpu_conv2d = {.supports = conv_supports,
                                       .prepare = conv_prepare,
                                       .release = conv_release,
                                       .run = conv_run};
