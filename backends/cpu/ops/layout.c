/*
 * Layout kernels for every dtype (copied by element size): reshape, permute,
 * concat, slice (Python clamping, negative steps), pad (constant, reflect,
 * replicate, circular; negative pads crop), gather (ONNX Gather, negative
 * indices wrap, out of range is an error), expand and tile.
 */
#include "cpu_backend.h"

#include <stdlib.h>

static int any_dtype(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  return pv__cpu_dsize(dt) > 0 && op->outputs[0].dtype == dt;
}

static void contiguous_strides(const pv_tensor_desc *d, int64_t *st) {
  int64_t s = 1;
  for (int i = d->ndim - 1; i >= 0; i--) {
    st[i] = s;
    s *= d->shape[i];
  }
}

/* ---- strided gather-copy: y (contiguous, shape) <- x[base + sum idx*st] -- */
typedef struct scopy_ctx {
  int nd;
  int64_t shape[PV_MAX_DIMS], st[PV_MAX_DIMS];
  int64_t base, rows, inner;
  const char *x;
  char *y;
  size_t es;
} scopy_ctx;

static void scopy_chunk(void *vc, int64_t begin, int64_t end) {
  const scopy_ctx *c = vc;
  int64_t es = (int64_t)c->es, in_st = c->st[c->nd - 1], n = c->inner;
  for (int64_t r = begin; r < end; r++) {
    int64_t off = c->base, rr = r;
    for (int d = c->nd - 2; d >= 0; d--) {
      off += (rr % c->shape[d]) * c->st[d];
      rr /= c->shape[d];
    }
    const char *src = c->x + off * es;
    char *dst = c->y + r * n * es;
    if (in_st == 1) {
      memcpy(dst, src, (size_t)(n * es));
      continue;
    }
#define PV_SC(T)                                                               \
  for (int64_t i = 0; i < n; i++)                                              \
    ((T *)dst)[i] = ((const T *)src)[i * in_st];
    switch (es) {
    case 1:
      PV_SC(uint8_t);
      break;
    case 2:
      PV_SC(uint16_t);
      break;
    case 4:
      PV_SC(uint32_t);
      break;
    case 8:
      PV_SC(uint64_t);
      break;
    default:
      for (int64_t i = 0; i < n; i++)
        memcpy(dst + i * es, src + i * in_st * es, (size_t)es);
    }
#undef PV_SC
  }
}

/* Copies a strided view into contiguous y; merges dims where possible. */
static void strided_copy(int nd, const int64_t *shape, const int64_t *st,
                         int64_t base, const void *x, void *y, size_t es) {
  scopy_ctx c;
  memset(&c, 0, sizeof c);
  int64_t total = 1;
  for (int d = 0; d < nd; d++) {
    total *= shape[d];
    if (shape[d] == 1)
      continue;
    if (c.nd > 0 && c.st[c.nd - 1] == st[d] * shape[d]) {
      c.shape[c.nd - 1] *= shape[d];
      c.st[c.nd - 1] = st[d];
      continue;
    }
    c.shape[c.nd] = shape[d];
    c.st[c.nd] = st[d];
    c.nd++;
  }
  if (total == 0)
    return;
  if (c.nd == 0) {
    c.nd = 1;
    c.shape[0] = 1;
    c.st[0] = 1;
  }
  c.inner = c.shape[c.nd - 1];
  c.rows = total / c.inner;
  c.base = base;
  c.x = x;
  c.y = y;
  c.es = es;
  pv__cpu_host->parallel_for(c.rows, 1 + 32768 / (c.inner * (int64_t)es),
                             scopy_chunk, &c);
}

/* ---- reshape --------------------------------------------------------------
 */
static int reshape_run(const pv_cpu_exec *e) {
  size_t n = (size_t)pv__cpu_numel(e->out[0].desc) *
             pv__cpu_dsize(e->out[0].desc->dtype);
  if (e->out[0].data != e->in[0].data && n)
    memmove(e->out[0].data, e->in[0].data, n);
  return 0;
}
const pv_cpu_op_impl pv__cpu_reshape = {.supports = any_dtype,
                                        .run = reshape_run};

/* ---- permute --------------------------------------------------------------
 */
static int permute_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  int64_t xs[PV_MAX_DIMS], st[PV_MAX_DIMS];
  contiguous_strides(xd, xs);
  for (int i = 0; i < yd->ndim; i++)
    st[i] = xs[e->node->attrs.permute.perm[i]];
  strided_copy(yd->ndim, yd->shape, st, 0, e->in[0].data, e->out[0].data,
               pv__cpu_dsize(xd->dtype));
  return 0;
}
const pv_cpu_op_impl pv__cpu_permute = {.supports = any_dtype,
                                        .run = permute_run};

/* ---- slice ----------------------------------------------------------------
 */
static void slice_norm(int64_t n, int64_t *start, int64_t *end, int64_t step) {
  int64_t s = *start, e = *end;
  if (s < 0)
    s += n;
  if (e < 0)
    e += n;
  if (step > 0) {
    s = s < 0 ? 0 : s > n ? n : s;
    e = e < 0 ? 0 : e > n ? n : e;
  } else {
    s = s < -1 ? -1 : s > n - 1 ? n - 1 : s;
    e = e < -1 ? -1 : e > n - 1 ? n - 1 : e;
  }
  *start = s;
  *end = e;
}

static int slice_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  const pv_slice_attrs *a = &e->node->attrs.slice;
  int64_t xs[PV_MAX_DIMS], st[PV_MAX_DIMS], base = 0;
  contiguous_strides(xd, xs);
  for (int d = 0; d < xd->ndim; d++) {
    int64_t s = a->start[d], en = a->end[d], step = a->step[d];
    slice_norm(xd->shape[d], &s, &en, step);
    if (yd->shape[d] > 0)
      base += s * xs[d];
    st[d] = xs[d] * step;
  }
  if (pv__cpu_numel(yd) == 0)
    return 0;
  strided_copy(yd->ndim, yd->shape, st, base, e->in[0].data, e->out[0].data,
               pv__cpu_dsize(xd->dtype));
  return 0;
}
const pv_cpu_op_impl pv__cpu_slice = {.supports = any_dtype, .run = slice_run};

/* ---- expand ---------------------------------------------------------------
 */
static int expand_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  int64_t st[PV_MAX_DIMS];
  pv__cpu_bcast_strides(xd, yd, st);
  strided_copy(yd->ndim, yd->shape, st, 0, e->in[0].data, e->out[0].data,
               pv__cpu_dsize(xd->dtype));
  return 0;
}
const pv_cpu_op_impl pv__cpu_expand = {.supports = any_dtype,
                                       .run = expand_run};

/* ---- tile -----------------------------------------------------------------
 */
typedef struct tile_ctx {
  const pv_tensor_desc *xd, *yd;
  int64_t xs[PV_MAX_DIMS];
  const char *x;
  char *y;
  int64_t es;
} tile_ctx;

static void tile_chunk(void *vc, int64_t begin, int64_t end) {
  const tile_ctx *c = vc;
  int nd = c->yd->ndim;
  int64_t inner_y = c->yd->shape[nd - 1], inner_x = c->xd->shape[nd - 1];
  for (int64_t r = begin; r < end; r++) {
    int64_t off = 0, rr = r;
    for (int d = nd - 2; d >= 0; d--) {
      off += (rr % c->yd->shape[d]) % c->xd->shape[d] * c->xs[d];
      rr /= c->yd->shape[d];
    }
    char *dst = c->y + r * inner_y * c->es;
    for (int64_t j = 0; j < inner_y; j += inner_x)
      memcpy(dst + j * c->es, c->x + off * c->es, (size_t)(inner_x * c->es));
  }
}

static int tile_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  int64_t n = pv__cpu_numel(yd);
  size_t es = pv__cpu_dsize(xd->dtype);
  if (n == 0)
    return 0;
  if (yd->ndim == 0) {
    memcpy(e->out[0].data, e->in[0].data, es);
    return 0;
  }
  tile_ctx c = {xd, yd, {0}, e->in[0].data, e->out[0].data, (int64_t)es};
  contiguous_strides(xd, c.xs);
  int64_t inner = yd->shape[yd->ndim - 1];
  pv__cpu_host->parallel_for(n / inner, 1 + 32768 / (inner * (int64_t)es),
                             tile_chunk, &c);
  return 0;
}
const pv_cpu_op_impl pv__cpu_tile = {.supports = any_dtype, .run = tile_run};

/* ---- concat ---------------------------------------------------------------
 */
typedef struct concat_ctx {
  int n;
  const char *src[PV_MAX_INPUTS];
  int64_t bytes[PV_MAX_INPUTS], dst_off[PV_MAX_INPUTS];
  int64_t row_bytes;
  char *y;
} concat_ctx;

static void concat_chunk(void *vc, int64_t begin, int64_t end) {
  const concat_ctx *c = vc;
  for (int64_t t = begin; t < end; t++) {
    int64_t o = t / c->n;
    int i = (int)(t % c->n);
    if (c->bytes[i])
      memcpy(c->y + o * c->row_bytes + c->dst_off[i],
             c->src[i] + o * c->bytes[i], (size_t)c->bytes[i]);
  }
}

static int concat_supports(const pv_op_desc *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].dtype != op->outputs[0].dtype)
      return 0;
  return pv__cpu_dsize(op->outputs[0].dtype) > 0;
}

static int concat_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *yd = e->out[0].desc;
  int ax = e->node->attrs.axis.axis;
  if (ax < 0)
    ax += yd->ndim;
  int64_t es = (int64_t)pv__cpu_dsize(yd->dtype), outer = 1, inner = 1;
  for (int d = 0; d < ax; d++)
    outer *= yd->shape[d];
  for (int d = ax + 1; d < yd->ndim; d++)
    inner *= yd->shape[d];
  concat_ctx c;
  memset(&c, 0, sizeof c);
  c.n = e->n_in;
  c.y = e->out[0].data;
  int64_t off = 0;
  for (int i = 0; i < e->n_in; i++) {
    c.src[i] = e->in[i].data;
    c.bytes[i] = e->in[i].desc->shape[ax] * inner * es;
    c.dst_off[i] = off;
    off += c.bytes[i];
  }
  c.row_bytes = off;
  if (off == 0 || outer == 0)
    return 0;
  int64_t avg = off / c.n + 1;
  pv__cpu_host->parallel_for(outer * c.n, 1 + 65536 / avg, concat_chunk, &c);
  return 0;
}
const pv_cpu_op_impl pv__cpu_concat = {.supports = concat_supports,
                                       .run = concat_run};

/* ---- gather ---------------------------------------------------------------
 */
static int gather_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  return pv__cpu_dsize(dt) > 0 && op->outputs[0].dtype == dt &&
         (op->inputs[1].dtype == PV_I32 || op->inputs[1].dtype == PV_I64);
}

static int gather_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *id = e->in[1].desc;
  int ax = e->node->attrs.axis.axis;
  if (ax < 0)
    ax += xd->ndim;
  int64_t es = (int64_t)pv__cpu_dsize(xd->dtype), outer = 1, inner = 1;
  for (int d = 0; d < ax; d++)
    outer *= xd->shape[d];
  for (int d = ax + 1; d < xd->ndim; d++)
    inner *= xd->shape[d];
  int64_t n = xd->shape[ax], ni = pv__cpu_numel(id);
  const char *x = e->in[0].data;
  char *y = e->out[0].data;
  for (int64_t j = 0; j < ni; j++) {
    int64_t v = id->dtype == PV_I64 ? ((const int64_t *)e->in[1].data)[j]
                                    : ((const int32_t *)e->in[1].data)[j];
    if (v < -n || v >= n)
      return pv__cpu_error(PV_ERR_RANGE,
                           "cpu: gather: index %lld out of range for size "
                           "%lld on axis %d",
                           (long long)v, (long long)n, ax);
  }
  int64_t chunk = inner * es;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t v = id->dtype == PV_I64 ? ((const int64_t *)e->in[1].data)[j]
                                      : ((const int32_t *)e->in[1].data)[j];
      if (v < 0)
        v += n;
      memcpy(y + (o * ni + j) * chunk, x + (o * n + v) * chunk, (size_t)chunk);
    }
  return 0;
}
const pv_cpu_op_impl pv__cpu_gather = {.supports = gather_supports,
                                       .run = gather_run};

/* ---- pad ------------------------------------------------------------------
 */
typedef struct pad_ctx {
  int nd;
  const pv_tensor_desc *xd, *yd;
  int64_t xs[PV_MAX_DIMS];
  int64_t *map[PV_MAX_DIMS]; /* output index -> input index or -1 */
  const char *x;
  char *y;
  int64_t es;
  const char *fill; /* one element of the constant */
} pad_ctx;

static void pad_chunk(void *vc, int64_t begin, int64_t end) {
  const pad_ctx *c = vc;
  int nd = c->nd;
  int64_t inner = c->yd->shape[nd - 1], es = c->es;
  const int64_t *im = c->map[nd - 1];
  for (int64_t r = begin; r < end; r++) {
    int64_t off = 0, rr = r;
    int pad = 0;
    for (int d = nd - 2; d >= 0; d--) {
      int64_t i = c->map[d][rr % c->yd->shape[d]];
      rr /= c->yd->shape[d];
      if (i < 0)
        pad = 1;
      else
        off += i * c->xs[d];
    }
    char *dst = c->y + r * inner * es;
    const char *src = c->x + off * es;
    for (int64_t j = 0; j < inner; j++) {
      const char *s = pad || im[j] < 0 ? c->fill : src + im[j] * es;
      memcpy(dst + j * es, s, (size_t)es);
    }
  }
}

static int pad_run(const pv_cpu_exec *e) {
  const pv_tensor_desc *xd = e->in[0].desc, *yd = e->out[0].desc;
  const pv_pad_attrs *a = &e->node->attrs.pad;
  int64_t n = pv__cpu_numel(yd);
  if (n == 0)
    return 0;
  size_t es = pv__cpu_dsize(xd->dtype);
  char fill[16] = {0};
  pv__cpu_store_f64(fill, xd->dtype, 0, a->value);
  if (yd->ndim == 0) {
    memcpy(e->out[0].data, e->in[0].data, es);
    return 0;
  }
  int64_t total = 0;
  for (int d = 0; d < yd->ndim; d++)
    total += yd->shape[d];
  int64_t *buf = malloc(sizeof(int64_t) * (size_t)total);
  if (!buf)
    return pv__cpu_error(PV_ERR_NOMEM, "cpu: pad: out of memory");
  pad_ctx c;
  memset(&c, 0, sizeof c);
  c.nd = yd->ndim;
  c.xd = xd;
  c.yd = yd;
  contiguous_strides(xd, c.xs);
  int64_t *p = buf;
  for (int d = 0; d < yd->ndim; d++) {
    c.map[d] = p;
    int64_t in = xd->shape[d], before = a->pads[2 * d];
    for (int64_t o = 0; o < yd->shape[d]; o++) {
      int64_t i = o - before;
      if (i < 0 || i >= in) {
        switch (a->mode) {
        case PV_PAD_REFLECT:
          if (in == 1)
            i = 0;
          else {
            int64_t period = 2 * (in - 1);
            i = ((i % period) + period) % period;
            if (i >= in)
              i = period - i;
          }
          break;
        case PV_PAD_REPLICATE:
          i = i < 0 ? 0 : in - 1;
          break;
        case PV_PAD_CIRCULAR:
          i = ((i % in) + in) % in;
          break;
        default:
          i = -1;
        }
      }
      p[o] = i;
    }
    p += yd->shape[d];
  }
  c.x = e->in[0].data;
  c.y = e->out[0].data;
  c.es = (int64_t)es;
  c.fill = fill;
  int64_t inner = yd->shape[yd->ndim - 1];
  pv__cpu_host->parallel_for(n / inner, 1 + 16384 / inner, pad_chunk, &c);
  free(buf);
  return 0;
}
const pv_cpu_op_impl pv__cpu_pad = {.supports = any_dtype, .run = pad_run};
