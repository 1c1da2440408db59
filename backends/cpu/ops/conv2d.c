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

typedef pv_cpu_conv_prep conv_prep;

void pv__cpu_conv_release(void *prepared) {
  conv_prep *p = prepared;
  if (!p)
    return;
  for (int i = 0; i < p->groups && p->w; i++)
    pv__cpu_packed_a_free(&p->w[i]);
  free(p->w);
  free(p);
}

int pv__cpu_conv_supports(const pv_op_desc *op) {
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
      pv__cpu_conv_release(p);
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

/* Interior columns of one output row of a KxK, stride-S, undilated
 * depthwise conv: every tap is in range, so the sum stays in registers
 * (the compiler unrolls the taps and vectorises over ox). */
static inline __attribute__((always_inline)) void
dw_interior(const float *const *rows, const float *w, float bias, float *yr,
            int64_t ox0, int64_t ox1, int64_t off, int K, int S) {
  for (int64_t ox = ox0; ox < ox1; ox++) {
    float acc = bias;
    for (int ky = 0; ky < K; ky++)
      for (int kx = 0; kx < K; kx++)
        acc += w[ky * K + kx] * rows[ky][ox * S + off + kx];
    yr[ox] = acc;
  }
}

/* dw_interior specialised for the supported (K, S) pairs, compiled once
 * per ISA and chosen at run time like the sgemm kernels. */
typedef void (*dw_int_fn)(const float *const *rows, const float *w, float bias,
                          float *yr, int64_t ox0, int64_t ox1, int64_t off,
                          int K, int S);

#define PV_DW_DISPATCH                                                         \
  if (K == 3 && S == 1)                                                        \
    dw_interior(rows, w, bias, yr, ox0, ox1, off, 3, 1);                       \
  else if (K == 3)                                                             \
    dw_interior(rows, w, bias, yr, ox0, ox1, off, 3, 2);                       \
  else if (S == 1)                                                             \
    dw_interior(rows, w, bias, yr, ox0, ox1, off, 5, 1);                       \
  else                                                                         \
    dw_interior(rows, w, bias, yr, ox0, ox1, off, 5, 2);

static void dw_int_generic(const float *const *rows, const float *w, float bias,
                           float *yr, int64_t ox0, int64_t ox1, int64_t off,
                           int K, int S) {
  PV_DW_DISPATCH
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void
dw_int_avx2(const float *const *rows, const float *w, float bias, float *yr,
            int64_t ox0, int64_t ox1, int64_t off, int K, int S) {
  PV_DW_DISPATCH
}
__attribute__((target("avx512f"))) static void
dw_int_avx512(const float *const *rows, const float *w, float bias, float *yr,
              int64_t ox0, int64_t ox1, int64_t off, int K, int S) {
  PV_DW_DISPATCH
}
#endif
#undef PV_DW_DISPATCH

static dw_int_fn dw_select(void) {
  static dw_int_fn sel;
  dw_int_fn f = __atomic_load_n(&sel, __ATOMIC_ACQUIRE);
  if (f)
    return f;
  f = dw_int_generic;
#if defined(__x86_64__) || defined(__i386__)
  const char *force = pv__cpu_host->get_option
                          ? pv__cpu_host->get_option("POLYVIS_CPU_KERNEL")
                          : NULL;
  __builtin_cpu_init();
  if (force && !strcmp(force, "generic"))
    f = dw_int_generic;
  else if (__builtin_cpu_supports("avx512f") &&
           !(force && !strcmp(force, "avx2")))
    f = dw_int_avx512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    f = dw_int_avx2;
#endif
  __atomic_store_n(&sel, f, __ATOMIC_RELEASE);
  return f;
}

static void dw_chunk(void *vc, int64_t begin, int64_t end) {
  const dw_ctx *d = vc;
  const pv_conv_attrs *a = d->a;
  int sh = a->stride[0], sw = a->stride[1], ph = a->padding[0],
      pw = a->padding[1], dh = a->dilation[0], dwl = a->dilation[1];
  int K = d->kh;
  int fast = d->kh == d->kw && (K == 3 || K == 5) && sh == sw &&
             (sh == 1 || sh == 2) && dh == 1 && dwl == 1;
  /* interior: ox*sw - pw >= 0 and ox*sw - pw + K-1 <= W-1 */
  int64_t oxa = (pw + sw - 1) / sw, oxb = 0;
  if (fast) {
    int64_t lim = d->wd - 1 + pw - (K - 1);
    oxb = lim >= 0 ? lim / sw + 1 : 0;
    if (oxb > d->ow)
      oxb = d->ow;
    if (oxa > oxb)
      oxa = oxb;
  }
  float *zero = fast ? calloc((size_t)d->wd + 1, sizeof(float)) : NULL;
  dw_int_fn interior = dw_select();
  if (!zero)
    fast = 0;
  for (int64_t t = begin; t < end; t++) {
    int64_t n = t / d->oc, oc = t % d->oc, ic = oc / d->mult;
    const float *xp = d->x + (n * d->c + ic) * d->h * d->wd;
    const float *wp = d->w + oc * d->kh * d->kw;
    float *yp = d->y + t * d->oh * d->ow;
    float bias = d->b ? d->b[oc] : 0.0f;
    for (int64_t oy = 0; oy < d->oh; oy++) {
      float *yr = yp + oy * d->ow;
      int64_t e0 = 0, e1 = d->ow; /* columns left to the generic code */
      if (fast) {
        const float *rows[5];
        for (int ky = 0; ky < K; ky++) {
          int64_t iy = oy * sh - ph + ky;
          rows[ky] = iy >= 0 && iy < d->h ? xp + iy * d->wd : zero;
        }
        interior(rows, wp, bias, yr, oxa, oxb, -pw, K, sw);
        e0 = oxa;
        e1 = oxb;
      }
      /* generic, bounds-checked: columns [0, e0) and [e1, ow) */
      for (int part = 0; part < 2; part++) {
        int64_t c0 = part ? e1 : 0, c1 = part ? d->ow : e0;
        if (!fast && part)
          break;
        if (!fast)
          c1 = d->ow;
        for (int64_t ox = c0; ox < c1; ox++) {
          float acc = bias;
          for (int ky = 0; ky < d->kh; ky++) {
            int64_t iy = oy * sh - ph + (int64_t)ky * dh;
            if (iy < 0 || iy >= d->h)
              continue;
            const float *xr = xp + iy * d->wd;
            for (int kx = 0; kx < d->kw; kx++) {
              int64_t ix = ox * sw - pw + (int64_t)kx * dwl;
              if (ix >= 0 && ix < d->wd)
                acc += wp[ky * d->kw + kx] * xr[ix];
            }
          }
          yr[ox] = acc;
        }
      }
      pv__cpu_act_f32(&a->act, yr, d->ow);
    }
  }
  free(zero);
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
      int rc = pv__cpu_sgemm(og, oh * ow, kk, p ? &p->w[gi] : NULL,
                             p ? NULL : w + gi * og * kk, kk, 1, 1.0f, &bs, yg,
                             oh * ow, 1, 0, &epi);
      if (rc)
        return rc;
    }
  }
  return 0;
}

const pv_cpu_op_impl pv__cpu_conv2d = {.supports = pv__cpu_conv_supports,
                                       .prepare = conv_prepare,
                                       .release = pv__cpu_conv_release,
                                       .run = conv_run,
                                       .prepare_consumes = 2};
