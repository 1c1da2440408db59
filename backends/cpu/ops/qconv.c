/*
 * qlinear_conv: 2-D convolution on u8/i8 data with ONNX Runtime's integer
 * arithmetic, bit-exact with the float lowering of core/onnx/import_quant.c:
 * acc = sum (x - x_zp) * (w - w_zp[o]) in int32 (padding is x_zp, i.e. 0
 * once centred) + bias[o]; y = saturate(rne((float)acc * M[o]) + y_zp) with
 * M[o] = (x_scale * w_scale[o]) / y_scale in f32.
 *
 * The weight is centred into int16 rows [O][Kp] (K = C/g * kh * kw padded
 * with zeros to a multiple of PV_CPU_QK), once in prepare() when it and its
 * zero point are constant, else per run. Depthwise convs (groups == C == O)
 * take a direct path over a zero-padded centred int16 copy of each plane.
 * The rest is an int16 GEMM: each parallel item im2cols (x - x_zp) for a
 * tile of output pixels into int16 [TP][Kp] (a plain transpose for 1x1,
 * stride-1, unpadded convs) and takes every weight row's dot products with
 * it (pv__cpu_q_dot, inner loops over contiguous K).
 */
#include "cpu_backend.h"

#include <stdlib.h>

typedef struct qconv_prep {
  int64_t o, k, kp;
  int16_t *w; /* [o][kp], centred */
} qconv_prep;

static void qconv_release(void *prepared) {
  qconv_prep *p = prepared;
  if (!p)
    return;
  free(p->w);
  free(p);
}

/* Centres w ([o][k] of dtype wdt) into dst [o][kp] with zero padding. */
static void centre_w(const void *w, int32_t wdt, const int32_t *wz, int64_t o,
                     int64_t k, int64_t kp, int16_t *dst) {
  for (int64_t i = 0; i < o; i++) {
    if (wdt == PV_U8)
      for (int64_t j = 0; j < k; j++)
        dst[i * kp + j] = (int16_t)(((const uint8_t *)w)[i * k + j] - wz[i]);
    else
      for (int64_t j = 0; j < k; j++)
        dst[i * kp + j] = (int16_t)(((const int8_t *)w)[i * k + j] - wz[i]);
    for (int64_t j = k; j < kp; j++)
      dst[i * kp + j] = 0;
  }
}

static int64_t pad_k(int64_t k) {
  return (k + PV_CPU_QK - 1) / PV_CPU_QK * PV_CPU_QK;
}

static int qconv_supports(const pv_op_desc *op) {
  return pv__cpu_qlinear8_supports(op) && op->inputs[0].ndim == 4 &&
         op->inputs[3].ndim == 4 && op->outputs[0].ndim == 4 &&
         pv__cpu_q_opt_dtype(op, 8, 1u << PV_I32);
}

static int qconv_prepare(const pv_node_desc *node, const pv_value_desc *values,
                         void **prepared) {
  if (node->n_inputs < 8 || node->inputs[3] < 0)
    return 0;
  const pv_value_desc *vw = &values[node->inputs[3]];
  const pv_value_desc *vz =
      node->inputs[5] >= 0 ? &values[node->inputs[5]] : NULL;
  if (vw->kind != PV_VALUE_CONST || !vw->data || vw->desc.ndim != 4 ||
      (vw->desc.dtype != PV_U8 && vw->desc.dtype != PV_I8))
    return 0;
  if (vz && (vz->kind != PV_VALUE_CONST || !vz->data || vz->desc.ndim > 1 ||
             (vz->desc.dtype != PV_U8 && vz->desc.dtype != PV_I8)))
    return 0;
  const int64_t *ws = vw->desc.shape;
  int64_t o = ws[0], k = ws[1] * ws[2] * ws[3], kp = pad_k(k);
  int64_t nz = vz ? pv__cpu_numel(&vz->desc) : 1;
  if (o <= 0 || k <= 0 || (nz != 1 && nz != o))
    return 0; /* run() reports it */
  qconv_prep *p = calloc(1, sizeof *p);
  int32_t *wz = malloc(sizeof(int32_t) * (size_t)o);
  if (p)
    p->w = malloc(sizeof(int16_t) * (size_t)(o * kp));
  if (!p || !p->w || !wz) {
    free(wz);
    qconv_release(p);
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: qlinear_conv: out of memory");
  }
  for (int64_t i = 0; i < o; i++)
    wz[i] = vz ? pv__cpu_q_load(vz->data, vz->desc.dtype, nz == 1 ? 0 : i) : 0;
  centre_w(vw->data, vw->desc.dtype, wz, o, k, kp, p->w);
  free(wz);
  p->o = o;
  p->k = k;
  p->kp = kp;
  *prepared = p;
  return 0;
}

typedef struct qconv_ctx {
  const void *x;
  void *y;
  int32_t xdt, ydt;
  int64_t n, c, h, wd, o, oh, ow, g, cg, og, k, kp, tp, ntiles;
  int kh, kw, sh, sw, pt, pl, dh, dw, direct;
  int32_t xz;
  const int16_t *w;
  int16_t *xp;          /* general path: padded centred x planes */
  int64_t prows, pcols; /* their size: what the taps read */
  const int32_t *bias;
  const float *m;
  float yz, lo, hi;
  int err;
} qconv_ctx;

/* Requantises n accumulators of output channel o into y[i..i+n). */
static inline void q_out_row(const qconv_ctx *c, int64_t i, int64_t o,
                             const int32_t *acc, int64_t n) {
  pv__cpu_q_requant_row(acc, c->bias ? c->bias[o] : 0, c->m[o], c->yz, c->ydt,
                        (char *)c->y + i, n);
}

/* ---- depthwise --------------------------------------------------------------
 */

/* One output row of a 3x3 depthwise conv with unit column dilation over
 * three padded rows: the nine taps stay in registers and the loop over
 * ox vectorises. Compiled per ISA, chosen like the dot kernels. */
static inline __attribute__((always_inline)) void
dw3_body(const int16_t *r0, const int16_t *r1, const int16_t *r2,
         const int16_t *w, int32_t *acc, int64_t ow, int S) {
  int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5],
          w6 = w[6], w7 = w[7], w8 = w[8];
  for (int64_t ox = 0; ox < ow; ox++) {
    const int16_t *a = r0 + ox * S, *b = r1 + ox * S, *d = r2 + ox * S;
    acc[ox] = w0 * a[0] + w1 * a[1] + w2 * a[2] + w3 * b[0] + w4 * b[1] +
              w5 * b[2] + w6 * d[0] + w7 * d[1] + w8 * d[2];
  }
}

typedef void (*dw3_fn)(const int16_t *r0, const int16_t *r1, const int16_t *r2,
                       const int16_t *w, int32_t *acc, int64_t ow, int s);

#define PV_DW3_BODY                                                            \
  if (s == 1)                                                                  \
    dw3_body(r0, r1, r2, w, acc, ow, 1);                                       \
  else                                                                         \
    dw3_body(r0, r1, r2, w, acc, ow, 2);

static void dw3_generic(const int16_t *r0, const int16_t *r1, const int16_t *r2,
                        const int16_t *w, int32_t *acc, int64_t ow, int s) {
  PV_DW3_BODY
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void
dw3_avx2(const int16_t *r0, const int16_t *r1, const int16_t *r2,
         const int16_t *w, int32_t *acc, int64_t ow, int s) {
  PV_DW3_BODY
}
__attribute__((target("avx512f,avx512bw"))) static void
dw3_avx512(const int16_t *r0, const int16_t *r1, const int16_t *r2,
           const int16_t *w, int32_t *acc, int64_t ow, int s) {
  PV_DW3_BODY
}
#endif
#undef PV_DW3_BODY

static dw3_fn dw3_select(void) {
  int isa = pv__cpu_q_isa();
  (void)isa;
#if defined(__x86_64__) || defined(__i386__)
  if (isa == 2)
    return dw3_avx512;
  if (isa == 1)
    return dw3_avx2;
#endif
  return dw3_generic;
}

/* Plane t (image * C + channel) of x, centred, into dst [rows][cols] with
 * zeros (= x_zp) where the window leaves x. */
static void pad_plane(const qconv_ctx *c, int64_t t, int16_t *buf, int64_t rows,
                      int64_t cols) {
  int64_t x0 = t * c->h * c->wd;
  for (int64_t r = 0; r < rows; r++) {
    int64_t iy = r - c->pt;
    int16_t *dst = buf + r * cols;
    if (iy < 0 || iy >= c->h) {
      memset(dst, 0, sizeof(int16_t) * (size_t)cols);
      continue;
    }
    /* columns [q0, q1) come from x row iy, the rest is padding */
    int64_t q0 = c->pl < cols ? c->pl : cols;
    int64_t q1 = c->pl + c->wd < cols ? c->pl + c->wd : cols;
    int64_t src = x0 + iy * c->wd - c->pl;
    if (q1 <= q0) {
      memset(dst, 0, sizeof(int16_t) * (size_t)cols);
      continue;
    }
    memset(dst, 0, sizeof(int16_t) * (size_t)q0);
    if (c->xdt == PV_U8)
      for (int64_t q = q0; q < q1; q++)
        dst[q] = (int16_t)(((const uint8_t *)c->x)[src + q] - c->xz);
    else
      for (int64_t q = q0; q < q1; q++)
        dst[q] = (int16_t)(((const int8_t *)c->x)[src + q] - c->xz);
    memset(dst + q1, 0, sizeof(int16_t) * (size_t)(cols - q1));
  }
}

static void pad_chunk(void *vc, int64_t begin, int64_t end) {
  const qconv_ctx *c = vc;
  for (int64_t t = begin; t < end; t++)
    pad_plane(c, t, c->xp + t * c->prows * c->pcols, c->prows, c->pcols);
}

static void dw_chunk(void *vc, int64_t begin, int64_t end) {
  qconv_ctx *c = vc;
  /* the padded plane covers exactly the rows/columns the taps read */
  int64_t rows = (c->oh - 1) * c->sh + (int64_t)(c->kh - 1) * c->dh + 1;
  int64_t cols = (c->ow - 1) * c->sw + (int64_t)(c->kw - 1) * c->dw + 1;
  int16_t *buf =
      pv__cpu_scratch_get(sizeof(int16_t) * (size_t)(rows * cols) +
                          sizeof(int32_t) * (size_t)(c->oh * c->ow) + 64);
  if (!buf) {
    __atomic_store_n(&c->err, 1, __ATOMIC_RELAXED);
    return;
  }
  /* accumulators of a whole plane, requantised in one pass */
  int32_t *plane = (int32_t *)(void *)(buf + ((rows * cols + 1) & ~(int64_t)1));
  for (int64_t t = begin; t < end; t++) {
    int64_t ch = t % c->c;
    pad_plane(c, t, buf, rows, cols);
    const int16_t *wr = c->w + ch * c->kp;
    int fast =
        c->kh == 3 && c->kw == 3 && c->dw == 1 && (c->sw == 1 || c->sw == 2);
    dw3_fn row3 = fast ? dw3_select() : NULL;
    for (int64_t oy = 0; oy < c->oh; oy++) {
      int32_t *acc = plane + oy * c->ow;
      if (fast) {
        const int16_t *r0 = buf + oy * c->sh * cols;
        row3(r0, r0 + c->dh * cols, r0 + 2 * c->dh * cols, wr, acc, c->ow,
             c->sw);
        continue;
      }
      for (int64_t ox = 0; ox < c->ow; ox++)
        acc[ox] = 0;
      for (int ky = 0; ky < c->kh; ky++)
        for (int kx = 0; kx < c->kw; kx++) {
          int32_t wv = wr[ky * c->kw + kx];
          const int16_t *src =
              buf + (oy * c->sh + (int64_t)ky * c->dh) * cols + kx * c->dw;
          if (c->sw == 1)
            for (int64_t ox = 0; ox < c->ow; ox++)
              acc[ox] = (int32_t)((uint32_t)acc[ox] + (uint32_t)(wv * src[ox]));
          else
            for (int64_t ox = 0; ox < c->ow; ox++)
              acc[ox] = (int32_t)((uint32_t)acc[ox] +
                                  (uint32_t)(wv * src[ox * c->sw]));
        }
    }
    q_out_row(c, t * c->oh * c->ow, ch, plane, c->oh * c->ow);
  }
  pv__cpu_scratch_put(buf);
}

/* ---- general: im2col tiles + int16 GEMM ------------------------------------
 */

/* Centred im2col of pixels [p0, p0 + np) of image b, group gi into
 * tile [np][kp]. U8 selects the x dtype at compile time. */
static inline __attribute__((always_inline)) void
im2col_tile(const qconv_ctx *c, int64_t b, int64_t gi, int64_t p0, int64_t np,
            int16_t *tile, int u8) {
  const uint8_t *xu = c->x;
  const int8_t *xs = c->x;
  int64_t hw = c->h * c->wd, base = (b * c->c + gi * c->cg) * hw;
#define LD(i) ((int32_t)(u8 ? xu[i] : xs[i]) - c->xz)
  if (c->direct) { /* 1x1, stride 1, unpadded: pixel p is x[ci][p] */
    /* blocks of 8 pixels: contiguous writes, reads from cg cached lines */
    for (int64_t pb = 0; pb < np; pb += 8) {
      int64_t pe = pb + 8 < np ? pb + 8 : np;
      for (int64_t ci = 0; ci < c->cg; ci++) {
        int64_t src = base + ci * hw + p0;
        for (int64_t p = pb; p < pe; p++)
          tile[p * c->kp + ci] = (int16_t)LD(src + p);
      }
    }
    for (int64_t p = 0; p < np; p++)
      for (int64_t k = c->k; k < c->kp; k++)
        tile[p * c->kp + k] = 0;
    return;
  }
  /* from the padded planes: no bounds checks, already centred */
  int64_t psz = c->prows * c->pcols;
  const int16_t *xg = c->xp + (b * c->c + gi * c->cg) * psz;
  for (int64_t p = 0; p < np; p++) {
    int64_t oy = (p0 + p) / c->ow, ox = (p0 + p) % c->ow;
    const int16_t *org = xg + oy * c->sh * c->pcols + ox * c->sw;
    int16_t *dst = tile + p * c->kp;
    int64_t k = 0;
    for (int64_t ci = 0; ci < c->cg; ci++)
      for (int ky = 0; ky < c->kh; ky++) {
        const int16_t *src = org + ci * psz + (int64_t)ky * c->dh * c->pcols;
        if (c->dw == 1 && c->kw == 3) {
          dst[k] = src[0];
          dst[k + 1] = src[1];
          dst[k + 2] = src[2];
          k += 3;
        } else if (c->dw == 1)
          for (int kx = 0; kx < c->kw; kx++)
            dst[k++] = src[kx];
        else
          for (int kx = 0; kx < c->kw; kx++)
            dst[k++] = src[(int64_t)kx * c->dw];
      }
    for (; k < c->kp; k++)
      dst[k] = 0;
  }
#undef LD
}

/* The 1x1 tile straight into the pairs form of pv__cpu_q_dot_pairs:
 * word [k/2][p] holds the centred channels k and k+1 of pixel p, built from
 * two contiguous channel rows (no transpose). */
static inline __attribute__((always_inline)) void
pairs_tile(const qconv_ctx *c, int64_t b, int64_t gi, int64_t p0, int64_t np,
           int64_t npad, int32_t *xt, int u8) {
  const uint8_t *xu = c->x;
  const int8_t *xs = c->x;
  int64_t hw = c->h * c->wd, base = (b * c->c + gi * c->cg) * hw + p0;
  for (int64_t kk = 0; kk < c->kp / 2; kk++) {
    int32_t *d = xt + kk * npad;
    int64_t c0 = 2 * kk, c1 = 2 * kk + 1;
    if (c0 >= c->cg) {
      for (int64_t p = 0; p < npad; p++)
        d[p] = 0;
      continue;
    }
    int64_t s0 = base + c0 * hw, s1 = base + c1 * hw;
    if (c1 < c->cg) {
      if (u8)
        for (int64_t p = 0; p < np; p++)
          d[p] = (int32_t)((uint32_t)(uint16_t)(xu[s0 + p] - c->xz) |
                           (uint32_t)(uint16_t)(xu[s1 + p] - c->xz) << 16);
      else
        for (int64_t p = 0; p < np; p++)
          d[p] = (int32_t)((uint32_t)(uint16_t)(xs[s0 + p] - c->xz) |
                           (uint32_t)(uint16_t)(xs[s1 + p] - c->xz) << 16);
    } else {
      for (int64_t p = 0; p < np; p++)
        d[p] = (int32_t)(uint32_t)(uint16_t)((u8 ? xu[s0 + p] : xs[s0 + p]) -
                                             c->xz);
    }
    for (int64_t p = np; p < npad; p++)
      d[p] = 0;
  }
}

static void gemm_chunk(void *vc, int64_t begin, int64_t end) {
  qconv_ctx *c = vc;
  /* 1x1 convs on AVX-512BW: the pairs form built from the channel rows */
  int pairs = c->direct && c->og % 4 == 0 && pv__cpu_q_isa() == 2;
  size_t tb = sizeof(int16_t) *
              (size_t)((pairs ? pv__cpu_q_pairs_npad(c->tp) : c->tp) * c->kp);
  int16_t *tile =
      pv__cpu_scratch_get(tb + sizeof(int32_t) * (size_t)(c->og * c->tp) + 64);
  if (!tile) {
    __atomic_store_n(&c->err, 1, __ATOMIC_RELAXED);
    return;
  }
  int32_t *acc = (int32_t *)(void *)((char *)tile + tb);
  int64_t ohw = c->oh * c->ow;
  for (int64_t t = begin; t < end; t++) {
    int64_t ti = t % c->ntiles, bg = t / c->ntiles;
    int64_t gi = bg % c->g, b = bg / c->g;
    int64_t p0 = ti * c->tp, np = ohw - p0 < c->tp ? ohw - p0 : c->tp;
    const int16_t *wg = c->w + gi * c->og * c->kp;
    if (pairs) {
      int64_t npad = pv__cpu_q_pairs_npad(np);
      int32_t *xt = (int32_t *)(void *)tile;
      if (c->xdt == PV_U8)
        pairs_tile(c, b, gi, p0, np, npad, xt, 1);
      else
        pairs_tile(c, b, gi, p0, np, npad, xt, 0);
      if (pv__cpu_q_dot_pairs(wg, c->kp, c->og, xt, npad, np, c->kp / 2, acc,
                              c->tp) != c->og) {
        __atomic_store_n(&c->err, 1, __ATOMIC_RELAXED);
        break;
      }
    } else {
      if (c->xdt == PV_U8)
        im2col_tile(c, b, gi, p0, np, tile, 1);
      else
        im2col_tile(c, b, gi, p0, np, tile, 0);
      pv__cpu_q_dot(wg, c->kp, c->og, tile, c->kp, np, c->kp, acc, c->tp);
    }
    for (int64_t o = 0; o < c->og; o++) {
      int64_t oc = gi * c->og + o;
      q_out_row(c, (b * c->o + oc) * ohw + p0, oc, acc + o * c->tp, np);
    }
  }
  pv__cpu_scratch_put(tile);
}

static int qconv_run(const pv_cpu_exec *e) {
  const char *name = "qlinear_conv";
  const pv_conv_attrs *a = &e->node->attrs.conv;
  const pv_tensor_desc *xd = e->in[0].desc, *wd = e->in[3].desc,
                       *yd = e->out[0].desc;
  const qconv_prep *pp = e->prepared;
  if (xd->ndim != 4 || wd->ndim != 4 || yd->ndim != 4)
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: needs 4-D x, w and y", name);
  qconv_ctx c;
  memset(&c, 0, sizeof c);
  c.g = a->groups > 0 ? a->groups : 1;
  c.n = xd->shape[0];
  c.c = xd->shape[1];
  c.h = xd->shape[2];
  c.wd = xd->shape[3];
  c.o = wd->shape[0];
  c.cg = wd->shape[1];
  c.kh = (int)wd->shape[2];
  c.kw = (int)wd->shape[3];
  c.oh = yd->shape[2];
  c.ow = yd->shape[3];
  c.sh = a->stride[0];
  c.sw = a->stride[1];
  c.pt = a->padding[0];
  c.pl = a->padding[1];
  c.dh = a->dilation[0];
  c.dw = a->dilation[1];
  if (c.cg * c.g != c.c || c.o % c.g || yd->shape[0] != c.n ||
      yd->shape[1] != c.o || c.kh < 1 || c.kw < 1 || c.sh < 1 || c.sw < 1 ||
      c.dh < 1 || c.dw < 1 || c.pt < 0 || c.pl < 0)
    return pv__cpu_error(
        PV_ERR_SHAPE, "cpu: %s: x, w, y shapes and attrs do not agree", name);
  c.og = c.o / c.g;
  c.k = c.cg * c.kh * c.kw;
  c.kp = pad_k(c.k);
  if (pp && (pp->o != c.o || pp->k != c.k))
    return pv__cpu_error(PV_ERR_STATE, "cpu: %s: prepared weight mismatch",
                         name);
  if (!pp && !e->in[3].data)
    return pv__cpu_error(PV_ERR_STATE, "cpu: %s: weight missing", name);
  int64_t ohw = c.oh * c.ow;
  if (c.n == 0 || c.o == 0 || ohw == 0)
    return 0;
  int bias = e->n_in > 8 && e->in[8].data && e->in[8].desc->ndim >= 0;
  if (bias &&
      (e->in[8].desc->dtype != PV_I32 || pv__cpu_numel(e->in[8].desc) != c.o))
    return pv__cpu_error(PV_ERR_SHAPE, "cpu: %s: bias must be i32 [%lld]", name,
                         (long long)c.o);
  float *fs = malloc(sizeof(float) * (size_t)(c.o + 2));
  int32_t *wz = malloc(sizeof(int32_t) * (size_t)(c.o + 2));
  int16_t *wc = pp ? NULL : malloc(sizeof(int16_t) * (size_t)(c.o * c.kp + 1));
  int rc = 0;
  float xs = 0, ys = 0;
  int32_t yz = 0;
  if (!fs || !wz || (!pp && !wc))
    rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory", name);
  if (!rc && !(rc = pv__cpu_q_scales(e, 1, 1, &xs, name)) &&
      !(rc = pv__cpu_q_zps(e, 2, 1, &c.xz, name)) &&
      !(rc = pv__cpu_q_scales(e, 4, c.o, fs, name)) &&
      !(rc = pv__cpu_q_zps(e, 5, c.o, wz, name)) &&
      !(rc = pv__cpu_q_scales(e, 6, 1, &ys, name)) &&
      !(rc = pv__cpu_q_zps(e, 7, 1, &yz, name))) {
    for (int64_t i = 0; i < c.o; i++) {
      float m = xs * fs[i];
      fs[i] = m / ys;
    }
    if (!pp)
      centre_w(e->in[3].data, wd->dtype, wz, c.o, c.k, c.kp, wc);
    c.x = e->in[0].data;
    c.y = e->out[0].data;
    c.xdt = xd->dtype;
    c.ydt = yd->dtype;
    c.w = pp ? pp->w : wc;
    c.bias = bias ? e->in[8].data : NULL;
    c.m = fs;
    c.yz = (float)yz;
    pv__cpu_q_range(c.ydt, &c.lo, &c.hi);
    if (c.g == c.c && c.o == c.c && c.cg == 1) {
      int64_t per = ohw * c.kh * c.kw;
      pv__cpu_host->parallel_for(c.n * c.c, 1 + 65536 / (per ? per : 1),
                                 dw_chunk, &c);
    } else {
      c.direct = c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1 &&
                 c.pt == 0 && c.pl == 0 && c.oh == c.h && c.ow == c.wd;
      /* a tile of about 64 KiB of int16, 8 to 128 pixels */
      c.tp = 32768 / c.kp;
      c.tp = c.tp < 8 ? 8 : c.tp > 128 ? 128 : c.tp;
      if (c.tp > ohw)
        c.tp = ohw;
      c.ntiles = (ohw + c.tp - 1) / c.tp;
      if (!c.direct) {
        c.prows = (c.oh - 1) * c.sh + (int64_t)(c.kh - 1) * c.dh + 1;
        c.pcols = (c.ow - 1) * c.sw + (int64_t)(c.kw - 1) * c.dw + 1;
        c.xp = pv__cpu_scratch_get(
            sizeof(int16_t) * (size_t)(c.n * c.c * c.prows * c.pcols) + 64);
        if (c.xp)
          pv__cpu_host->parallel_for(c.n * c.c, 1 + 16384 / (c.prows * c.pcols),
                                     pad_chunk, &c);
        else
          c.err = 1;
      }
      if (!c.err)
        pv__cpu_host->parallel_for(c.n * c.g * c.ntiles, 1, gemm_chunk, &c);
      pv__cpu_scratch_put(c.xp);
    }
    if (c.err)
      rc = pv__cpu_error(PV_ERR_NOMEM, "cpu: %s: out of memory", name);
  }
  free(fs);
  free(wz);
  free(wc);
  return rc;
}

const pv_cpu_op_impl pv__cpu_qconv = {.supports = qconv_supports,
                                      .prepare = qconv_prepare,
                                      .release = qconv_release,
                                      .run = qconv_run,
                                      .prepare_consumes = 4};
