/*
 * The conformance grid: for every op, cases over shapes (odd sizes, size-1
 * dims, broadcasting), dtypes (fp32, fp16 and integers where the op takes
 * them) and attributes (strides, dilations, groups incl. depthwise, padding,
 * ceil_mode, keepdims, negative axes and steps, resize modes, fused
 * activations). Fixed cases pin the edge cases; the seeded generator adds
 * random ones. Sizes stay small so the naive reference stays fast.
 */
#include "conformance_internal.h"

#include <math.h>
#include <stdarg.h>

uint64_t pv__cf_next(pv__cf_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t pv__cf_int(pv__cf_rng *r, int64_t lo, int64_t hi) {
  if (hi <= lo)
    return lo;
  return lo + (int64_t)(pv__cf_next(r) % (uint64_t)(hi - lo + 1));
}

double pv__cf_uniform(pv__cf_rng *r, double lo, double hi) {
  return lo + (hi - lo) * ((double)(pv__cf_next(r) >> 11) * 0x1.0p-53);
}

#define EMIT(c)                                                                \
  do {                                                                         \
    int rc_ = emit(ctx, &(c));                                                 \
    if (rc_)                                                                   \
      return rc_;                                                              \
  } while (0)

static void cinit(pv__cf_case *c, int op) {
  memset(c, 0, sizeof *c);
  c->op = op;
}

/* Appends an input of dtype dt with values in [lo, hi) and the given dims;
 * returns its index. */
static int add_in(pv__cf_case *c, int dt, double lo, double hi, int ndim, ...) {
  int i = c->n_in++;
  va_list ap;
  va_start(ap, ndim);
  c->in[i].dtype = dt;
  c->in[i].ndim = ndim;
  for (int k = 0; k < ndim; k++)
    c->in[i].shape[k] = va_arg(ap, int);
  va_end(ap);
  c->lo[i] = lo;
  c->hi[i] = hi;
  c->integral[i] = !(dt == PV_F32 || dt == PV_F16 || dt == PV_F64);
  return i;
}

/* Appends an input with an explicit shape array. */
static int add_in_shape(pv__cf_case *c, int dt, double lo, double hi, int ndim,
                        const int64_t *shape) {
  int i = add_in(c, dt, lo, hi, 0);
  c->in[i].ndim = ndim;
  memcpy(c->in[i].shape, shape, sizeof(int64_t) * (size_t)ndim);
  return i;
}

static void rshape(pv__cf_rng *r, int ndim, int lo, int hi, int64_t *s) {
  for (int k = 0; k < ndim; k++)
    s[k] = pv__cf_int(r, lo, hi);
}

static const int k_float_dts[] = {PV_F32, PV_F16};

/* ------------------------------------------------------------- unary */
static int grid_unary(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  double lo = -4, hi = 4;
  switch (op) {
  case PV_OP_LOG:
    lo = 0.01, hi = 10;
    break;
  case PV_OP_SQRT:
    lo = 0, hi = 10;
    break;
  case PV_OP_RSQRT:
    lo = 0.05, hi = 10;
    break;
  case PV_OP_EXP:
    lo = -5, hi = 5;
    break;
  case PV_OP_HARDSWISH:
  case PV_OP_HARDSIGMOID:
    lo = -5, hi = 5;
    break;
  default:
    break;
  }
  for (int t = 0; t < 8; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int nd = (int)pv__cf_int(r, 1, 4);
    int64_t s[4];
    rshape(r, nd, 1, 9, s);
    int dt = k_float_dts[t % 2];
    add_in_shape(&c, dt, lo, hi, nd, s);
    switch (op) {
    case PV_OP_CLIP:
      c.attrs.unary.alpha = (float)pv__cf_uniform(r, -2, 0);
      c.attrs.unary.beta = (float)pv__cf_uniform(r, 0, 2);
      if (t == 0)
        c.attrs.unary.alpha = 0, c.attrs.unary.beta = 6; /* relu6 */
      break;
    case PV_OP_LEAKY_RELU:
      c.attrs.unary.alpha = t < 2 ? 0.01f : (float)pv__cf_uniform(r, 0, 0.5);
      break;
    case PV_OP_HARDSIGMOID:
      c.attrs.unary.alpha = t % 4 < 2 ? 1.0f / 6.0f : 0.2f;
      c.attrs.unary.beta = 0.5f;
      break;
    case PV_OP_GELU:
      c.attrs.unary.mode = (t / 2) % 2;
      break;
    default:
      break;
    }
    EMIT(c);
  }
  /* integer inputs where the op takes them */
  if (op == PV_OP_RELU || op == PV_OP_NEG || op == PV_OP_ABS ||
      op == PV_OP_CLIP) {
    int dts[2] = {PV_I32, PV_I64};
    for (int t = 0; t < 2; t++) {
      pv__cf_case c;
      cinit(&c, op);
      add_in(&c, dts[t], -50, 50, 2, 5, 7);
      c.attrs.unary.alpha = -10;
      c.attrs.unary.beta = 20;
      EMIT(c);
    }
  }
  return 0;
}

/* ------------------------------------------------------------ binary */
static int grid_binary(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  static const int64_t shapes[][2][4] = {
      /* {ndim_a, ndim_b, 0, 0} is encoded separately below */
      {{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {1, 1, 1, 5}},
      {{3, 1, 5, 1}, {1, 4, 1, 6}}, {{1, 1, 1, 1}, {2, 3, 4, 5}},
      {{7, 1, 1, 3}, {7, 6, 5, 1}},
  };
  static const int nds[][2] = {{4, 4}, {4, 1}, {4, 4}, {1, 4}, {4, 3}};
  bool cmp = op >= PV_OP_EQUAL;
  double lo = -3, hi = 3, blo = -3, bhi = 3;
  if (op == PV_OP_POW)
    lo = 0.1, hi = 3, blo = -2, bhi = 2;
  if (op == PV_OP_DIV)
    blo = 0.5, bhi = 3;
  for (size_t t = 0; t < PV__ARRAY_LEN(shapes); t++)
    for (int d = 0; d < 2; d++) {
      pv__cf_case c;
      cinit(&c, op);
      int dt = k_float_dts[d];
      int na = nds[t][0], nb = nds[t][1];
      add_in_shape(&c, dt, lo, hi, na, shapes[t][0] + (4 - na));
      add_in_shape(&c, dt, blo, bhi, nb, shapes[t][1] + (4 - nb));
      if (cmp) /* whole numbers so that equality happens */
        c.integral[0] = c.integral[1] = true;
      if (!cmp && t == 1 && d == 0 && op != PV_OP_POW) { /* fused act */
        c.attrs.binary.act.op = op == PV_OP_ADD ? PV_OP_RELU : PV_OP_SIGMOID;
      }
      EMIT(c);
    }
  /* integers */
  int dts[2] = {PV_I32, PV_I64};
  for (int d = 0; d < 2; d++) {
    pv__cf_case c;
    cinit(&c, op);
    lo = -50, hi = 50, blo = -50, bhi = 50;
    if (op == PV_OP_DIV)
      blo = 1, bhi = 9;
    if (op == PV_OP_POW)
      lo = -4, hi = 4, blo = 0, bhi = 5;
    add_in(&c, dts[d], lo, hi, 2, 4, (int)pv__cf_int(r, 3, 9));
    add_in(&c, dts[d], blo, bhi, 1, (int)c.in[0].shape[1]);
    EMIT(c);
  }
  return 0;
}

/* -------------------------------------------------------------- conv */
static int grid_conv(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  static const int acts[] = {PV_OP_NONE,      PV_OP_RELU, PV_OP_CLIP,
                             PV_OP_HARDSWISH, PV_OP_SILU, PV_OP_SIGMOID};
  bool tr = op == PV_OP_CONV_TRANSPOSE2D;
  for (int t = 0; t < 28; t++) {
    pv__cf_case c;
    cinit(&c, op);
    pv_conv_attrs *a = &c.attrs.conv;
    int k = (int)pv__cf_int(r, 1, 5);
    int kw = t % 3 == 0 ? (int)pv__cf_int(r, 1, 4) : k;
    int s = (int)pv__cf_int(r, 1, 3), d = t % 4 == 3 ? 2 : 1;
    int g = 1, cin = (int)pv__cf_int(r, 1, 6), cout = (int)pv__cf_int(r, 1, 6);
    if (t % 5 == 1) { /* depthwise */
      g = cin = (int)pv__cf_int(r, 2, 8);
      cout = tr ? cin : cin * (int)pv__cf_int(r, 1, 2);
    } else if (t % 5 == 2) {
      g = 2;
      cin = 2 * (int)pv__cf_int(r, 1, 3);
      cout = 2 * (int)pv__cf_int(r, 1, 3);
    }
    a->stride[0] = s;
    a->stride[1] = t % 6 == 0 ? 1 : s;
    a->dilation[0] = a->dilation[1] = d;
    a->groups = g;
    for (int i = 0; i < 4; i++) /* asymmetric padding up to the kernel */
      a->padding[i] = (int)pv__cf_int(r, 0, (i % 2 ? kw : k) / 2);
    if (tr) { /* torch: symmetric padding */
      a->padding[2] = a->padding[0];
      a->padding[3] = a->padding[1];
      for (int i = 0; i < 2; i++)
        a->output_padding[i] =
            (int)pv__cf_int(r, 0, PV__MAX(a->stride[i], d) - 1);
    }
    a->act.op = acts[t % PV__ARRAY_LEN(acts)];
    if (a->act.op == PV_OP_CLIP)
      a->act.alpha = 0, a->act.beta = 6;
    int h = (int)pv__cf_int(r, tr ? 1 : d * (k - 1) + 1, tr ? 7 : 13);
    int w = (int)pv__cf_int(r, tr ? 1 : d * (kw - 1) + 1, tr ? 7 : 13);
    if (tr) /* keep the output non-empty: less padding where needed */
      for (int i = 0; i < 2; i++) {
        int64_t in = i ? w : h, kk = i ? kw : k;
        while (a->padding[i] > 0 &&
               (in - 1) * a->stride[i] + (int64_t)d * (kk - 1) + 1 +
                       a->output_padding[i] - 2 * a->padding[i] <=
                   0)
          a->padding[i + 2] = --a->padding[i];
      }
    int dt = t % 7 == 6 ? PV_F16 : PV_F32;
    add_in(&c, dt, -1, 1, 4, (int)pv__cf_int(r, 1, 2), cin, h, w);
    if (tr)
      add_in(&c, dt, -1, 1, 4, cin, cout / g, k, kw);
    else
      add_in(&c, dt, -1, 1, 4, cout, cin / g, k, kw);
    add_in(&c, dt, -1, 1, 1, cout);
    c.absent[2] = t % 4 == 2;
    c.const_mask = 6;
    EMIT(c);
  }
  return 0;
}

/* ------------------------------------------------------ linear algebra */
static int grid_gemm(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  static const int acts[] = {PV_OP_NONE, PV_OP_RELU, PV_OP_NONE, PV_OP_SIGMOID};
  for (int t = 0; t < 12; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int dt = t % 6 == 5 ? PV_F16 : PV_F32;
    int m = (int)pv__cf_int(r, 1, 9), k = (int)pv__cf_int(r, 1, 33),
        n = (int)pv__cf_int(r, 1, 17);
    if (op == PV_OP_LINEAR) {
      if (t % 3 == 0)
        add_in(&c, dt, -1, 1, 1, k);
      else if (t % 3 == 1)
        add_in(&c, dt, -1, 1, 2, m, k);
      else
        add_in(&c, dt, -1, 1, 3, 2, m, k);
      add_in(&c, dt, -1, 1, 2, n, k);
      add_in(&c, dt, -1, 1, 1, n);
      c.absent[2] = t % 4 == 1;
      c.const_mask = 6;
      c.attrs.gemm.act.op = acts[t % 4];
    } else if (op == PV_OP_GEMM) {
      pv_gemm_attrs *g = &c.attrs.gemm;
      g->trans_a = t & 1;
      g->trans_b = (t >> 1) & 1;
      g->alpha = t % 3 ? 1.0f : (float)pv__cf_uniform(r, 0.25, 2);
      g->beta = t % 5 ? 1.0f : (float)pv__cf_uniform(r, 0, 2);
      g->act.op = acts[t % 4];
      if (g->trans_a)
        add_in(&c, dt, -1, 1, 2, k, m);
      else
        add_in(&c, dt, -1, 1, 2, m, k);
      if (g->trans_b)
        add_in(&c, dt, -1, 1, 2, n, k);
      else
        add_in(&c, dt, -1, 1, 2, k, n);
      switch (t % 5) {
      case 0:
        add_in(&c, dt, -1, 1, 2, m, n);
        break;
      case 1:
        add_in(&c, dt, -1, 1, 1, n);
        break;
      case 2:
        add_in(&c, dt, -1, 1, 2, m, 1);
        break;
      case 3:
        add_in(&c, dt, -1, 1, 2, 1, n);
        break;
      default:
        add_in(&c, dt, -1, 1, 1, n);
        c.absent[2] = true;
      }
      c.const_mask = 6;
    } else { /* MATMUL */
      static const int cfg[][2][5] = {
          /* {ndim, dims...} for a and b */
          {{2, 3, 4}, {2, 4, 5}},       {{1, 4}, {2, 4, 3}},
          {{2, 3, 4}, {1, 4}},          {{1, 6}, {1, 6}},
          {{3, 2, 3, 4}, {2, 4, 2}},    {{4, 2, 1, 3, 4}, {3, 3, 4, 5}},
          {{3, 1, 2, 3}, {3, 4, 3, 2}},
      };
      const int(*cf)[5] = cfg[t % PV__ARRAY_LEN(cfg)];
      int64_t sa[4], sb[4];
      for (int i = 0; i < cf[0][0]; i++)
        sa[i] = cf[0][1 + i];
      for (int i = 0; i < cf[1][0]; i++)
        sb[i] = cf[1][1 + i];
      if (t >= 7) { /* random sizes, same structure */
        int64_t kk = pv__cf_int(r, 1, 40);
        sa[cf[0][0] - 1] = kk;
        sb[cf[1][0] >= 2 ? cf[1][0] - 2 : 0] = kk;
      }
      add_in_shape(&c, dt, -1, 1, cf[0][0], sa);
      add_in_shape(&c, dt, -1, 1, cf[1][0], sb);
    }
    EMIT(c);
  }
  return 0;
}

static int grid_batch_norm(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 6; t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_BATCH_NORM);
    int dt = t == 5 ? PV_F16 : PV_F32, ch = (int)pv__cf_int(r, 1, 8);
    if (t % 3 == 0)
      add_in(&c, dt, -2, 2, 2, (int)pv__cf_int(r, 1, 5), ch);
    else
      add_in(&c, dt, -2, 2, 4, (int)pv__cf_int(r, 1, 2), ch,
             (int)pv__cf_int(r, 1, 9), (int)pv__cf_int(r, 1, 9));
    add_in(&c, dt, 0.5, 1.5, 1, ch);
    add_in(&c, dt, -1, 1, 1, ch);
    add_in(&c, dt, -1, 1, 1, ch);
    add_in(&c, dt, 0.2, 2, 1, ch);
    c.attrs.norm.eps = t % 2 ? 1e-5f : 1e-3f;
    c.const_mask = 0x1e;
    EMIT(c);
  }
  return 0;
}

/* ----------------------------------------------------------- pooling */
static int grid_pool(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  bool adaptive =
      op == PV_OP_ADAPTIVE_AVG_POOL2D || op == PV_OP_ADAPTIVE_MAX_POOL2D;
  for (int t = 0; t < 16; t++) {
    pv__cf_case c;
    cinit(&c, op);
    pv_pool_attrs *p = &c.attrs.pool;
    int dt = t % 8 == 7 ? PV_F16 : PV_F32;
    int h = (int)pv__cf_int(r, 1, 14), w = (int)pv__cf_int(r, 1, 14);
    if (adaptive) {
      p->output_size[0] = t == 0 ? 1 : (int)pv__cf_int(r, 1, 9);
      p->output_size[1] = t == 0 ? 1 : (int)pv__cf_int(r, 1, 9);
    } else {
      for (int i = 0; i < 2; i++) {
        p->kernel[i] = (int)pv__cf_int(r, 1, 4);
        p->stride[i] = t % 5 == 4 ? p->kernel[i] : (int)pv__cf_int(r, 1, 3);
        p->dilation[i] = op == PV_OP_MAX_POOL2D && t % 4 == 3 ? 2 : 1;
        p->padding[i] = p->padding[i + 2] =
            (int)pv__cf_int(r, 0, p->kernel[i] / 2);
      }
      p->ceil_mode = t % 2;
      p->count_include_pad = (t / 2) % 2;
      if (op == PV_OP_AVG_POOL2D && t == 9)
        p->divisor_override = 5;
      int eh = p->dilation[0] * (p->kernel[0] - 1) + 1,
          ew = p->dilation[1] * (p->kernel[1] - 1) + 1;
      h = PV__MAX(h, eh);
      w = PV__MAX(w, ew);
    }
    if (t % 6 == 5)
      add_in(&c, dt, -2, 2, 3, (int)pv__cf_int(r, 1, 4), h, w);
    else
      add_in(&c, dt, -2, 2, 4, (int)pv__cf_int(r, 1, 2),
             (int)pv__cf_int(r, 1, 4), h, w);
    EMIT(c);
  }
  /* large windows (YOLO's SPP: 5, 9, 13 at stride 1, padding k/2), also
   * rectangular, strided and ceil_mode ones */
  for (int t = 0; op == PV_OP_MAX_POOL2D && t < 4; t++) {
    pv__cf_case c;
    cinit(&c, op);
    pv_pool_attrs *p = &c.attrs.pool;
    int k = 5 + 4 * (int)pv__cf_int(r, 0, 2);
    p->kernel[0] = k;
    p->kernel[1] = t == 1 ? 7 : k;
    for (int i = 0; i < 2; i++) {
      p->stride[i] = t >= 2 ? (int)pv__cf_int(r, 1, 3) : 1;
      p->dilation[i] = 1;
      p->padding[i] = p->padding[i + 2] = p->kernel[i] / 2;
    }
    p->ceil_mode = t == 3;
    int h = (int)pv__cf_int(r, k, k + 8), w = (int)pv__cf_int(r, 7, 20);
    add_in(&c, PV_F32, -2, 2, 4, 1, (int)pv__cf_int(r, 1, 5), h, PV__MAX(w, k));
    EMIT(c);
  }
  return 0;
}

/* ------------------------------------------------------------ layout */
static const int k_layout_dts[] = {PV_F32, PV_F16, PV_I32, PV_U8, PV_I64};

static int grid_layout(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 12; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int dt = k_layout_dts[t % PV__ARRAY_LEN(k_layout_dts)];
    double lo = dt == PV_U8 ? 0 : -100, hi = 100;
    int nd = (int)pv__cf_int(r, 1, 5);
    int64_t s[PV_MAX_DIMS];
    rshape(r, nd, 1, 6, s);
    switch (op) {
    case PV_OP_RESHAPE: {
      add_in_shape(&c, dt, lo, hi, nd, s);
      int64_t n = pv__shape_numel(nd, s);
      /* split n into two or three factors */
      int64_t f = 1;
      for (int64_t d = 2; d <= n; d++)
        if (n % d == 0 && pv__cf_int(r, 0, 1)) {
          f = d;
          break;
        }
      c.attrs.reshape.ndim = t % 2 ? 2 : 3;
      c.attrs.reshape.shape[0] = f;
      c.attrs.reshape.shape[1] = n / f;
      c.attrs.reshape.shape[2] = 1;
      break;
    }
    case PV_OP_PERMUTE: {
      add_in_shape(&c, dt, lo, hi, nd, s);
      int *p = c.attrs.permute.perm;
      for (int i = 0; i < nd; i++)
        p[i] = i;
      for (int i = nd - 1; i > 0; i--) {
        int j = (int)pv__cf_int(r, 0, i), tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
      break;
    }
    case PV_OP_CONCAT: {
      int ax = (int)pv__cf_int(r, 0, nd - 1), n = (int)pv__cf_int(r, 1, 4);
      for (int i = 0; i < n; i++) {
        s[ax] = pv__cf_int(r, 1, 5);
        add_in_shape(&c, dt, lo, hi, nd, s);
      }
      c.attrs.axis.axis = t % 2 ? ax - nd : ax;
      break;
    }
    case PV_OP_SLICE:
      add_in_shape(&c, dt, lo, hi, nd, s);
      for (int i = 0; i < nd; i++) {
        int64_t n = s[i], b, e;
        int64_t st = pv__cf_int(r, 1, 3) * (pv__cf_int(r, 0, 2) ? 1 : -1);
        if (pv__cf_int(r, 0, 15) == 0) { /* anything, maybe empty */
          b = pv__cf_int(r, -n - 2, n + 2);
          e = pv__cf_int(r, -n - 2, n + 2);
        } else if (st > 0) { /* a non-empty range */
          b = pv__cf_int(r, 0, n - 1);
          e = pv__cf_int(r, b + 1, n + 2);
          e = e >= n && pv__cf_int(r, 0, 1) ? INT64_MAX : e;
        } else {
          b = pv__cf_int(r, 0, n - 1);
          e = pv__cf_int(r, -1, b - 1);
          e = e < 0 ? INT64_MIN : e; /* "to the start" */
          b = b == n - 1 && pv__cf_int(r, 0, 1) ? INT64_MAX : b;
        }
        /* Python's negative forms of in-range indices */
        if (b >= 0 && b < n && pv__cf_int(r, 0, 2) == 0)
          b -= n;
        if (e >= 0 && e < n && pv__cf_int(r, 0, 2) == 0)
          e -= n;
        c.attrs.slice.start[i] = b;
        c.attrs.slice.end[i] = e;
        c.attrs.slice.step[i] = st;
      }
      break;
    case PV_OP_PAD: {
      int mode = t % 4;
      c.attrs.pad.mode = mode;
      c.attrs.pad.value = (float)pv__cf_int(r, -5, 5);
      for (int i = 0; i < nd; i++) {
        if (mode != PV_PAD_CONSTANT) /* at least 2 so reflect can pad */
          s[i] = PV__MAX(s[i], 2);
        int64_t lim = mode == PV_PAD_REFLECT ? s[i] - 1 : 3;
        for (int j = 0; j < 2; j++) {
          int64_t v = pv__cf_int(r, 0, lim);
          if (mode == PV_PAD_CONSTANT && pv__cf_int(r, 0, 3) == 0)
            v = -pv__cf_int(r, 0, (s[i] - 1) / 2); /* crop */
          c.attrs.pad.pads[2 * i + j] = v;
        }
      }
      add_in_shape(&c, dt, lo, hi, nd, s);
      break;
    }
    case PV_OP_GATHER: {
      int ax = (int)pv__cf_int(r, 0, nd - 1); /* nd + 2 <= PV_MAX_DIMS */
      add_in_shape(&c, dt, lo, hi, nd, s);
      int ind = (int)pv__cf_int(r, 0, 2);
      int64_t is[2];
      rshape(r, ind, 1, 4, is);
      int i = add_in_shape(&c, t % 2 ? PV_I32 : PV_I64, (double)-s[ax],
                           (double)(s[ax] - 1), ind, is);
      c.integral[i] = true;
      c.attrs.axis.axis = t % 3 ? ax : ax - nd;
      break;
    }
    case PV_OP_EXPAND: {
      int64_t o[PV_MAX_DIMS] = {0};
      int extra = (int)pv__cf_int(r, 0, 2);
      if (nd + extra > 6)
        extra = 0;
      for (int i = 0; i < nd; i++)
        if (pv__cf_int(r, 0, 1))
          s[i] = 1;
      for (int i = 0; i < extra; i++)
        o[i] = pv__cf_int(r, 1, 3);
      for (int i = 0; i < nd; i++)
        o[extra + i] = s[i] == 1 ? pv__cf_int(r, 1, 4) : s[i];
      add_in_shape(&c, dt, lo, hi, nd, s);
      c.attrs.reshape.ndim = nd + extra;
      memcpy(c.attrs.reshape.shape, o, sizeof o);
      break;
    }
    case PV_OP_TILE:
      add_in_shape(&c, dt, lo, hi, nd, s);
      c.attrs.reshape.ndim = nd;
      for (int i = 0; i < nd; i++)
        c.attrs.reshape.shape[i] = pv__cf_int(r, 1, 3);
      break;
    default:
      return 0;
    }
    EMIT(c);
  }
  return 0;
}

/* -------------------------------------------------------------- math */
static int grid_softmax(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 10; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int nd = (int)pv__cf_int(r, 1, 4);
    int64_t s[4];
    rshape(r, nd, 1, 12, s);
    add_in_shape(&c, k_float_dts[t % 2], -8, 8, nd, s);
    int ax = (int)pv__cf_int(r, 0, nd - 1);
    c.attrs.axis.axis = t % 3 ? ax : ax - nd;
    EMIT(c);
  }
  return 0;
}

static int grid_norm(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 10; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int dt = t % 5 == 4 ? PV_F16 : PV_F32;
    int nd = (int)pv__cf_int(r, 3, 4);
    int64_t s[4];
    rshape(r, nd, 1, 9, s);
    c.attrs.norm.eps = t % 2 ? 1e-5f : 1e-3f;
    if (op == PV_OP_GROUP_NORM) {
      int g = (int)pv__cf_int(r, 1, 4);
      s[1] = g * pv__cf_int(r, 1, 3);
      c.attrs.norm.groups = g;
    }
    add_in_shape(&c, dt, -3, 3, nd, s);
    int64_t ps[4];
    int pn = 1;
    if (op == PV_OP_LAYER_NORM) {
      pn = (int)pv__cf_int(r, 1, 2);
      c.attrs.norm.n_norm_dims = pn;
      memcpy(ps, s + nd - pn, sizeof(int64_t) * (size_t)pn);
    } else {
      ps[0] = s[1];
    }
    add_in_shape(&c, dt, 0.5, 1.5, pn, ps);
    add_in_shape(&c, dt, -1, 1, pn, ps);
    c.absent[1] = c.absent[2] = t % 3 == 2;
    c.absent[2] = c.absent[2] || t % 4 == 1;
    c.const_mask = 6;
    EMIT(c);
  }
  return 0;
}

static int grid_reduce(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  bool arg = op == PV_OP_ARGMAX || op == PV_OP_ARGMIN;
  for (int t = 0; t < 12; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int nd = (int)pv__cf_int(r, 1, 4);
    int64_t s[4];
    rshape(r, nd, 1, 8, s);
    int dt = t % 4 == 3 && op != PV_OP_REDUCE_MEAN ? PV_I32
             : t % 4 == 2                          ? PV_F16
                                                   : PV_F32;
    int i = add_in_shape(&c, dt, -20, 20, nd, s);
    if (arg && t % 3 == 1) /* whole numbers: ties */
      c.integral[i] = true;
    pv_axis_attrs *a = &c.attrs.axis;
    a->keepdims = t % 2;
    if (arg) {
      int ax = (int)pv__cf_int(r, 0, nd - 1);
      a->axis = t % 3 == 2 ? ax - nd : ax;
      a->select_last_index = t % 6 == 4;
    } else if (t % 5 != 0) { /* t % 5 == 0: all axes */
      for (int k = 0; k < nd; k++)
        if (pv__cf_int(r, 0, 1) || (k == nd - 1 && a->n_axes == 0))
          a->axes[a->n_axes++] = t % 3 == 1 ? k - nd : k;
    }
    EMIT(c);
  }
  return 0;
}

static int grid_topk(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 10; t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_TOPK);
    int nd = (int)pv__cf_int(r, 1, 3);
    int64_t s[3];
    rshape(r, nd, 1, 10, s);
    int i = add_in_shape(&c, t % 5 == 4 ? PV_I32 : PV_F32, -50, 50, nd, s);
    c.distinct[i] = true;
    int ax = (int)pv__cf_int(r, 0, nd - 1);
    c.attrs.axis.axis = t % 2 ? ax - nd : ax;
    c.attrs.axis.k = pv__cf_int(r, t == 0 ? 0 : 1, s[ax]);
    c.attrs.axis.largest = t % 3 != 2;
    c.attrs.axis.sorted = 1;
    EMIT(c);
  }
  return 0;
}

static int grid_where(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  static const int dts[] = {PV_F32, PV_F16, PV_I32, PV_I64};
  for (int t = 0; t < 8; t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_WHERE);
    int64_t s[3];
    rshape(r, 3, 1, 6, s);
    int64_t sc[3], sa[3], sb[3];
    for (int k = 0; k < 3; k++) {
      sc[k] = t % 2 && pv__cf_int(r, 0, 1) ? 1 : s[k];
      sa[k] = t % 3 && pv__cf_int(r, 0, 1) ? 1 : s[k];
      sb[k] = pv__cf_int(r, 0, 2) ? s[k] : 1;
    }
    add_in_shape(&c, PV_BOOL, 0, 1, 3, sc);
    add_in_shape(&c, dts[t % 4], -9, 9, 3, sa);
    add_in_shape(&c, dts[t % 4], -9, 9, t == 5 ? 1 : 3, t == 5 ? sb + 2 : sb);
    EMIT(c);
  }
  return 0;
}

static int grid_cast(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  static const int pairs[][2] = {
      {PV_F32, PV_F16},  {PV_F16, PV_F32},  {PV_F32, PV_I32}, {PV_F32, PV_I64},
      {PV_I32, PV_F32},  {PV_I64, PV_F32},  {PV_U8, PV_F32},  {PV_F32, PV_U8},
      {PV_F32, PV_BOOL}, {PV_BOOL, PV_F32}, {PV_I64, PV_I32}, {PV_I32, PV_I64},
      {PV_U8, PV_F16},   {PV_F16, PV_I32},
  };
  for (size_t t = 0; t < PV__ARRAY_LEN(pairs); t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_CAST);
    int64_t s[3];
    int nd = (int)pv__cf_int(r, 1, 3);
    rshape(r, nd, 1, 9, s);
    int from = pairs[t][0], to = pairs[t][1];
    double lo = -300, hi = 300;
    if (to == PV_U8 || from == PV_U8)
      lo = 0, hi = 255;
    if (from == PV_BOOL)
      lo = 0, hi = 1;
    if (to == PV_BOOL)
      lo = -1.5, hi = 1.5;
    int i = add_in_shape(&c, from, lo, hi, nd, s);
    if (to == PV_BOOL) /* exact zeros too */
      c.integral[i] = t % 2;
    c.attrs.cast.to = to;
    EMIT(c);
  }
  return 0;
}

static int grid_resize(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 40; t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_RESIZE);
    pv_resize_attrs *a = &c.attrs.resize;
    a->mode = t % 4;
    int h = (int)pv__cf_int(r, 1, 12), w = (int)pv__cf_int(r, 1, 12);
    a->size[0] = pv__cf_int(r, 1, 16);
    a->size[1] = pv__cf_int(r, 1, 16);
    if (a->mode >= PV_RESIZE_BILINEAR) {
      a->align_corners = (t / 4) % 2;
      a->antialias = (t / 8) % 3 == 1;
      a->cubic_a = -0.75f;
    }
    if (t >= 32) { /* ONNX coordinate modes */
      a->coord_mode = (int)pv__cf_int(r, 1, 4);
      if (a->mode <= PV_RESIZE_NEAREST_EXACT) {
        a->mode = PV_RESIZE_NEAREST;
        a->nearest_mode = (int)pv__cf_int(r, 0, 3);
      }
      a->align_corners = a->antialias = 0;
      a->exclude_outside = a->mode == PV_RESIZE_BICUBIC && t % 2;
      a->cubic_a = a->mode == PV_RESIZE_BICUBIC ? -0.5f : 0;
    } else if (t % 8 == 6 && !a->align_corners) {
      /* user scale factors (recompute_scale_factor=False) */
      for (int i = 0; i < 2; i++) {
        a->scale[i] = pv__cf_uniform(r, 0.4, 3);
        a->size[i] = (int64_t)floor((i ? w : h) * a->scale[i]);
        if (a->size[i] < 1)
          a->size[i] = 1, a->scale[i] = 0;
      }
    }
    add_in(&c, t % 5 == 4 ? PV_F16 : PV_F32, -2, 2, 4, (int)pv__cf_int(r, 1, 2),
           (int)pv__cf_int(r, 1, 3), h, w);
    EMIT(c);
  }
  return 0;
}

static int grid_prelu(pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 6; t++) {
    pv__cf_case c;
    cinit(&c, PV_OP_PRELU);
    int dt = t == 5 ? PV_F16 : PV_F32;
    int ch = (int)pv__cf_int(r, 1, 6);
    add_in(&c, dt, -2, 2, 4, (int)pv__cf_int(r, 1, 2), ch,
           (int)pv__cf_int(r, 1, 7), (int)pv__cf_int(r, 1, 7));
    if (t % 3 == 0)
      add_in(&c, dt, 0, 0.5, 3, ch, 1, 1);
    else if (t % 3 == 1)
      add_in(&c, dt, 0, 0.5, 1, 1);
    else
      add_in(&c, dt, 0, 0.5, 1, (int)c.in[0].shape[3]);
    c.const_mask = 2;
    EMIT(c);
  }
  return 0;
}

/* --------------------------------------------------------- quantised */
/* A zero point of dtype dt (scalar, or 1-D of n when n > 0). */
static void add_zp(pv__cf_case *c, int dt, int n) {
  double lo = dt == PV_U8 ? 100 : -20, hi = dt == PV_U8 ? 150 : 20;
  if (n > 0)
    add_in(c, dt, lo, hi, 1, n);
  else
    add_in(c, dt, lo, hi, 0);
}

static void add_scale(pv__cf_case *c, double lo, double hi, int n) {
  if (n > 0)
    add_in(c, PV_F32, lo, hi, 1, n);
  else
    add_in(c, PV_F32, lo, hi, 0);
}

static void add_q(pv__cf_case *c, int dt, int ndim, const int64_t *shape) {
  add_in_shape(c, dt, dt == PV_U8 ? 0 : -128, dt == PV_U8 ? 255 : 127, ndim,
               shape);
}

/* Scales are drawn so that accumulators land across the output range and
 * past it (saturation); every integer operand is whole. */
static int grid_quant(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  for (int t = 0; t < 12; t++) {
    pv__cf_case c;
    cinit(&c, op);
    int dt = t % 2 ? PV_I8 : PV_U8, wdt = t % 3 ? PV_I8 : PV_U8;
    int64_t s[4] = {pv__cf_int(r, 1, 2), pv__cf_int(r, 1, 6),
                    pv__cf_int(r, 1, 9), pv__cf_int(r, 1, 9)};
    int nd = t % 4 == 3 ? 3 : 4;
    bool per = t % 3 == 1;
    switch (op) {
    case PV_OP_QUANTIZE_LINEAR:
    case PV_OP_DEQUANTIZE_LINEAR: {
      c.attrs.quant.axis = per ? 1 : 0;
      c.attrs.quant.to = dt;
      bool deq = op == PV_OP_DEQUANTIZE_LINEAR, i32 = deq && t % 4 == 2;
      if (!deq)
        add_in_shape(&c, PV_F32, -6, 6, nd, s);
      else if (i32)
        add_in_shape(&c, PV_I32, -3000, 3000, nd, s);
      else
        add_q(&c, dt, nd, s);
      add_scale(&c, 0.02, 0.1, per ? (int)s[1] : 0);
      if (i32 || t % 5 == 4) /* int32 takes no zero point; absent = 0 */
        c.n_in = 2;
      else
        add_zp(&c, dt, per ? (int)s[1] : 0);
      c.const_mask = 6;
      break;
    }
    case PV_OP_QLINEAR_CONV: {
      pv_conv_attrs *a = &c.attrs.conv;
      int k = (int)pv__cf_int(r, 1, 3), st = (int)pv__cf_int(r, 1, 2);
      int d = t % 4 == 3 ? 2 : 1, g = 1, cin = (int)s[1];
      int cout = (int)pv__cf_int(r, 1, 6);
      if (t % 4 == 1) /* depthwise */
        g = cout = cin;
      else if (t % 4 == 2 && cin % 2 == 0)
        g = 2, cout = 2 * (int)pv__cf_int(r, 1, 3);
      a->stride[0] = a->stride[1] = st;
      a->dilation[0] = a->dilation[1] = d;
      a->groups = g;
      for (int i = 0; i < 4; i++)
        a->padding[i] = (int)pv__cf_int(r, 0, k / 2);
      s[2] = pv__cf_int(r, d * (k - 1) + 1, 10);
      s[3] = pv__cf_int(r, d * (k - 1) + 1, 10);
      add_q(&c, dt, 4, s);
      add_scale(&c, 0.01, 0.05, 0);
      add_zp(&c, dt, 0);
      add_q(&c, wdt, 4, (int64_t[]){cout, cin / g, k, k});
      add_scale(&c, 0.002, 0.02, per ? cout : 0);
      add_zp(&c, wdt, per ? cout : 0);
      add_scale(&c, 0.05, 0.3, 0);
      add_zp(&c, dt, 0);
      add_in(&c, PV_I32, -2000, 2000, 1, cout);
      c.absent[8] = t % 3 == 2;
      c.const_mask = 0x1feu;
      break;
    }
    case PV_OP_QLINEAR_MATMUL: {
      int m = (int)pv__cf_int(r, 1, 7), kk = (int)pv__cf_int(r, 1, 33);
      int n = (int)pv__cf_int(r, 1, 7), b = t % 4 == 3 ? 2 : 0;
      bool vec = t % 6 == 5;
      if (vec)
        add_q(&c, dt, 1, (int64_t[]){kk});
      else if (b)
        add_q(&c, dt, 3, (int64_t[]){b, m, kk});
      else
        add_q(&c, dt, 2, (int64_t[]){m, kk});
      add_scale(&c, 0.01, 0.05, per && !vec ? m : 0);
      add_zp(&c, dt, per && !vec ? m : 0);
      if (b && t % 8 == 7)
        add_q(&c, wdt, 3, (int64_t[]){b, kk, n});
      else
        add_q(&c, wdt, 2, (int64_t[]){kk, n});
      add_scale(&c, 0.002, 0.02, per ? n : 0);
      add_zp(&c, wdt, per ? n : 0);
      add_scale(&c, 0.05, 0.3, 0);
      add_zp(&c, dt, 0);
      c.const_mask = 0xf6u;
      break;
    }
    case PV_OP_QLINEAR_ADD:
    case PV_OP_QLINEAR_MUL: {
      int64_t bs[4] = {1, s[1], 1, 1};
      add_q(&c, dt, nd, s);
      add_scale(&c, 0.01, 0.1, 0);
      add_zp(&c, dt, 0);
      if (t % 3 == 0)
        add_q(&c, dt, nd, s);
      else
        add_q(&c, dt, t % 3 == 1 ? nd : 1, t % 3 == 1 ? bs : s + nd - 1);
      add_scale(&c, 0.01, 0.1, 0);
      add_zp(&c, dt, 0);
      add_scale(&c, op == PV_OP_QLINEAR_MUL ? 0.002 : 0.02,
                op == PV_OP_QLINEAR_MUL ? 0.02 : 0.2, 0);
      add_zp(&c, dt, 0);
      c.const_mask = t % 2 ? 0xf6u : 0xfeu; /* b constant or not */
      break;
    }
    case PV_OP_QLINEAR_GLOBAL_AVG_POOL:
      add_q(&c, dt, nd, s);
      add_scale(&c, 0.01, 0.1, 0);
      add_zp(&c, dt, 0);
      add_scale(&c, 0.005, 0.1, 0);
      add_zp(&c, dt, 0);
      c.const_mask = 0x1eu;
      break;
    default:
      return pv_set_error(PV_ERR_UNKNOWN_OP, "conformance: no grid for op %s",
                          pv_op_name(op));
    }
    EMIT(c);
  }
  return 0;
}

int pv__cf_grid(int op, pv__cf_rng *r, pv__cf_emit_fn emit, void *ctx) {
  if (pv__op_is_composite(op))
    return grid_quant(op, r, emit, ctx);
  if (pv__op_is_unary(op))
    return grid_unary(op, r, emit, ctx);
  if (pv__op_is_binary(op))
    return grid_binary(op, r, emit, ctx);
  switch (op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return grid_conv(op, r, emit, ctx);
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
  case PV_OP_MATMUL:
    return grid_gemm(op, r, emit, ctx);
  case PV_OP_BATCH_NORM:
    return grid_batch_norm(r, emit, ctx);
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    return grid_pool(op, r, emit, ctx);
  case PV_OP_RESHAPE:
  case PV_OP_PERMUTE:
  case PV_OP_CONCAT:
  case PV_OP_SLICE:
  case PV_OP_PAD:
  case PV_OP_GATHER:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    return grid_layout(op, r, emit, ctx);
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX:
    return grid_softmax(op, r, emit, ctx);
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    return grid_norm(op, r, emit, ctx);
  case PV_OP_REDUCE_SUM:
  case PV_OP_REDUCE_MEAN:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
    return grid_reduce(op, r, emit, ctx);
  case PV_OP_TOPK:
    return grid_topk(r, emit, ctx);
  case PV_OP_WHERE:
    return grid_where(r, emit, ctx);
  case PV_OP_CAST:
    return grid_cast(r, emit, ctx);
  case PV_OP_RESIZE:
    return grid_resize(r, emit, ctx);
  case PV_OP_PRELU:
    return grid_prelu(r, emit, ctx);
  default:
    return pv_set_error(PV_ERR_UNKNOWN_OP, "conformance: no grid for op %s",
                        pv_op_name(op));
  }
}
