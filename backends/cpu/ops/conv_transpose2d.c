/*
 * conv_transpose2d (NCHW, weights [Cin, Cout/g, kh, kw]) as GEMM + col2im:
 * per image and group, col[(o,ky,kx), (iy,ix)] = W_g^T @ X_g, then every
 * column entry is scattered to y[o, iy*s - p + ky*d, ix*s - p + kx*d].
 * The scatter runs in parallel over output channels (each owns its plane),
 * followed by bias and the fused activation. Constant weights are packed
 * once in prepare().
 */
#include "cpu_backend.h"

#include <stdlib.h>

typedef pv_cpu_conv_prep convt_prep;

static int convt_prepare(const pv_node_desc *node, const pv_value_desc *values,
                         void **prepared) {
  const pv_value_desc *vw = &values[node->inputs[1]];
  if (vw->kind != PV_VALUE_CONST || !vw->data)
    return 0;
  int g = node->attrs.conv.groups > 0 ? node->attrs.conv.groups : 1;
  const int64_t *ws = vw->desc.shape;
  int64_t cg = ws[0] / g, m = ws[1] * ws[2] * ws[3];
  convt_prep *p = calloc(1, sizeof *p);
  if (p)
    p->w = calloc((size_t)g, sizeof *p->w);
  if (!p || !p->w) {
    free(p);
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: conv_transpose2d: out of memory");
  }
  p->groups = g;
  for (int i = 0; i < g; i++) {
    int rc = pv__cpu_pack_a(m, cg, (const float *)vw->data + i * cg * m, 1, m,
                            1.0f, &p->w[i]);
    if (rc) {
      pv__cpu_conv_release(p);
      return rc;
    }
  }
  *prepared = p;
  return 0;
}

typedef struct col2im_ctx {
  const float *col;
  float *y; /* group's first output plane */
  const float *bias;
  const pv_conv_attrs *a;
  int64_t h, w, oh, ow;
  int kh, kw;
} col2im_ctx;

static void col2im_chunk(void *vc, int64_t begin, int64_t end) {
  const col2im_ctx *c = vc;
  const pv_conv_attrs *a = c->a;
  int64_t hw = c->h * c->w;
  for (int64_t o = begin; o < end; o++) {
    float *yp = c->y + o * c->oh * c->ow;
    float bv = c->bias ? c->bias[o] : 0.0f;
    for (int64_t i = 0; i < c->oh * c->ow; i++)
      yp[i] = bv;
    for (int ky = 0; ky < c->kh; ky++)
      for (int kx = 0; kx < c->kw; kx++) {
        const float *cr = c->col + ((o * c->kh + ky) * c->kw + kx) * hw;
        for (int64_t iy = 0; iy < c->h; iy++) {
          int64_t oy =
              iy * a->stride[0] - a->padding[0] + (int64_t)ky * a->dilation[0];
          if (oy < 0 || oy >= c->oh)
            continue;
          float *yr = yp + oy * c->ow;
          const float *cx = cr + iy * c->w;
          int64_t off = (int64_t)kx * a->dilation[1] - a->padding[1];
          for (int64_t ix = 0; ix < c->w; ix++) {
            int64_t ox = ix * a->stride[1] + off;
            if (ox >= 0 && ox < c->ow)
              yr[ox] += cx[ix];
          }
        }
      }
    pv__cpu_act_f32(&a->act, yp, c->oh * c->ow);
  }
}

static int convt_run(const pv_cpu_exec *e) {
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
  int64_t cg = c / g, og = oc / g, m = og * kh * kw;
  float *col =
      pv__cpu_host->aligned_alloc(64, sizeof(float) * (size_t)(m * h * wi));
  if (!col)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: conv_transpose2d: out of memory");
  const convt_prep *p = e->prepared;
  int rc = 0;
  for (int64_t b = 0; b < n && !rc; b++)
    for (int gi = 0; gi < g && !rc; gi++) {
      const float *xg = x + (b * c + gi * cg) * h * wi;
      pv_cpu_bsrc bs = {xg, h * wi, 1, NULL};
      rc = pv__cpu_sgemm(m, h * wi, cg, p ? &p->w[gi] : NULL,
                         p ? NULL : w + gi * cg * m, 1, m, 1.0f, &bs, col,
                         h * wi, 1, 0, NULL);
      if (rc)
        break;
      col2im_ctx cc = {col,
                       y + (b * oc + gi * og) * oh * ow,
                       bias ? bias + gi * og : NULL,
                       a,
                       h,
                       wi,
                       oh,
                       ow,
                       kh,
                       kw};
      pv__cpu_host->parallel_for(og, 1, col2im_chunk, &cc);
    }
  pv__cpu_host->aligned_free(col);
  return rc;
}

const pv_cpu_op_impl pv__cpu_conv_transpose2d = {
    .supports = pv__cpu_conv_supports,
    .prepare = convt_prepare,
    .release = pv__cpu_conv_release,
    .run = convt_run,
    .prepare_consumes = 2};
