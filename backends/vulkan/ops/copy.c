/*
 * Layout ops on the strided-copy shader: reshape (a flat copy), permute,
 * slice (negative steps), concat (one dispatch per input), expand and tile.
 * Elements of 4 bytes are copied as words; 8-byte elements (int64) as two
 * words, through an extra innermost dim of 2.
 */
#include "vk_ops.h"

typedef struct cspace {
  int nd;
  int64_t shape[PV_MAX_DIMS + 1], istr[PV_MAX_DIMS + 1], ostr[PV_MAX_DIMS + 1],
      mod[PV_MAX_DIMS + 1];
} cspace;

static int word_size(int dtype) {
  size_t es = pv__vk_host->dtype_size(dtype);
  return es == 4 ? 1 : es == 8 ? 2 : 0;
}

static void contig(const int64_t *shape, int nd, int64_t *str) {
  int64_t s = 1;
  for (int i = nd - 1; i >= 0; i--) {
    str[i] = s;
    s *= shape[i];
  }
}

/* Fills the space for output dims; `words` appends the 2-word dim. */
static int finish(cspace *c, int words, uint32_t *push) {
  int m = 0;
  cspace t = *c;
  if (words == 2) {
    for (int i = 0; i < t.nd; i++) {
      t.istr[i] *= 2;
      t.ostr[i] *= 2;
    }
    t.shape[t.nd] = 2;
    t.istr[t.nd] = 1;
    t.ostr[t.nd] = 1;
    t.mod[t.nd] = 2;
    t.nd++;
  }
  int64_t sh[PV_MAX_DIMS + 1], is[PV_MAX_DIMS + 1], os[PV_MAX_DIMS + 1],
      md[PV_MAX_DIMS + 1];
  for (int i = 0; i < t.nd; i++) {
    if (t.shape[i] == 1)
      continue;
    sh[m] = t.shape[i];
    is[m] = t.istr[i];
    os[m] = t.ostr[i];
    md[m] = t.mod[i];
    m++;
  }
  if (m > 6)
    return -1;
  for (int i = 0; i < 6; i++) {
    int j = i - (6 - m);
    push[3 + i] = j >= 0 ? (uint32_t)sh[j] : 1;
    push[9 + i] = j >= 0 ? (uint32_t)(int32_t)is[j] : 0;
    push[15 + i] = j >= 0 ? (uint32_t)os[j] : 0;
    push[21 + i] = j >= 0 ? (uint32_t)md[j] : 1;
  }
  return m;
}

static int64_t nomod(void) { return (int64_t)1 << 31; }

/* Builds the copy space of input k of the node into the output. */
static int build(int op, const pv_op_attrs *at, const pv_tensor_desc *x,
                 const pv_tensor_desc *y, int k, const pv_tensor_desc *ins,
                 int n_in, cspace *c, int64_t *in_off, int64_t *out_off) {
  int64_t xs[PV_MAX_DIMS], ys[PV_MAX_DIMS];
  contig(x->shape, x->ndim, xs);
  contig(y->shape, y->ndim, ys);
  *in_off = *out_off = 0;
  memset(c, 0, sizeof *c);
  for (int i = 0; i < PV_MAX_DIMS + 1; i++)
    c->mod[i] = nomod();
  switch (op) {
  case PV_OP_RESHAPE:
    c->nd = 1;
    c->shape[0] = pv__vk_numel(x);
    c->istr[0] = c->ostr[0] = 1;
    return 0;
  case PV_OP_PERMUTE: {
    int seen[PV_MAX_DIMS] = {0};
    if (y->ndim != x->ndim)
      return -1;
    for (int i = 0; i < y->ndim; i++) {
      int pi = at->permute.perm[i];
      if (pi < 0 || pi >= x->ndim || seen[pi]++)
        return -1;
    }
    c->nd = y->ndim;
    for (int i = 0; i < y->ndim; i++) {
      c->shape[i] = y->shape[i];
      c->istr[i] = xs[at->permute.perm[i]];
      c->ostr[i] = ys[i];
    }
    return 0;
  }
  case PV_OP_SLICE:
    if (y->ndim != x->ndim)
      return -1;
    c->nd = y->ndim;
    for (int i = 0; i < y->ndim; i++) {
      int64_t n = x->shape[i], s = at->slice.start[i], e = at->slice.end[i],
              st = at->slice.step[i];
      if (st > 0) {
        s = s < 0 ? s + n : s;
        s = s < 0 ? 0 : s > n ? n : s;
      } else {
        s = s < 0 ? s + n : s;
        s = s < -1 ? -1 : s > n - 1 ? n - 1 : s;
      }
      (void)e;
      c->shape[i] = y->shape[i];
      c->istr[i] = xs[i] * st;
      c->ostr[i] = ys[i];
      if (y->shape[i])
        *in_off += s * xs[i];
    }
    return 0;
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    if (x->ndim > y->ndim)
      return -1;
    c->nd = y->ndim;
    for (int i = 0; i < y->ndim; i++) {
      int ii = x->ndim - y->ndim + i;
      int64_t dim = ii >= 0 ? x->shape[ii] : 1;
      c->shape[i] = y->shape[i];
      c->ostr[i] = ys[i];
      c->istr[i] = dim == 1 ? 0 : xs[ii];
      if (op == PV_OP_TILE && dim != 1)
        c->mod[i] = dim;
    }
    return 0;
  case PV_OP_CONCAT: {
    int ax = at->axis.axis < 0 ? at->axis.axis + y->ndim : at->axis.axis;
    const pv_tensor_desc *xi = &ins[k];
    if (ax < 0 || ax >= y->ndim || k >= n_in || xi->ndim != y->ndim)
      return -1;
    int64_t xis[PV_MAX_DIMS];
    contig(xi->shape, xi->ndim, xis);
    c->nd = y->ndim;
    for (int i = 0; i < y->ndim; i++) {
      c->shape[i] = xi->shape[i];
      c->istr[i] = xis[i];
      c->ostr[i] = ys[i];
    }
    int64_t pos = 0;
    for (int j = 0; j < k && j < n_in; j++)
      pos += ins[j].shape[ax];
    *out_off = pos * ys[ax];
    return 0;
  }
  default:
    return -1;
  }
}

static int copy_supports(pv_plugin_device *dev, const pv_op_desc *op) {
  int words = word_size(op->outputs[0].dtype);
  if (!pv__vk_fits(dev, op))
    return 0;
  if (op->op == PV_OP_RESHAPE)
    return op->inputs[0].dtype == op->outputs[0].dtype &&
           (words || (pv__vk_numel(&op->outputs[0]) *
                      (int64_t)pv__vk_host->dtype_size(op->outputs[0].dtype)) %
                             4 ==
                         0);
  if (!words)
    return 0;
  for (int k = 0; k < op->n_inputs; k++) {
    cspace c;
    int64_t io, oo;
    uint32_t push[PV_VK_PUSH_WORDS];
    if (op->inputs[k].dtype != op->outputs[0].dtype)
      return 0;
    if (build(op->op, &op->attrs, &op->inputs[0], &op->outputs[0], k,
              op->inputs, op->n_inputs, &c, &io, &oo) ||
        finish(&c, words, push) < 0)
      return 0;
    if (op->op != PV_OP_CONCAT)
      break;
  }
  return 1;
}

static int copy_plan(pv_vk_plan *pl, const pv_node_desc *n) {
  const pv_tensor_desc *x = pv__vk_vdesc(pl, n->inputs[0]);
  const pv_tensor_desc *y = pv__vk_vdesc(pl, n->outputs[0]);
  int words = word_size(y->dtype);
  pv_tensor_desc ins[PV_MAX_INPUTS];
  for (int k = 0; k < n->n_inputs; k++)
    ins[k] = *pv__vk_vdesc(pl, n->inputs[k]);
  int n_disp = n->op == PV_OP_CONCAT ? n->n_inputs : 1;
  uint64_t ybytes =
      (uint64_t)pv__vk_numel(y) * pv__vk_host->dtype_size(y->dtype);
  for (int k = 0; k < n_disp; k++) {
    cspace c;
    int64_t io, oo;
    pv_vk_dispatch d;
    memset(&d, 0, sizeof d);
    if (build(n->op, &n->attrs, x, y, k, ins, n->n_inputs, &c, &io, &oo))
      return pv__vk_error(PV_ERR_UNSUPPORTED, "vulkan: no copy plan for %s",
                          pv__vk_host->op_name(n->op));
    int w = words;
    if (n->op == PV_OP_RESHAPE && !words) { /* byte-sized: copy as words */
      c.shape[0] = (int64_t)(ybytes / 4);
      w = 1;
    }
    if (finish(&c, w, d.push) < 0)
      return pv__vk_error(PV_ERR_UNSUPPORTED,
                          "vulkan: %s needs more than 6 dims",
                          pv__vk_host->op_name(n->op));
    uint64_t cnt = 1;
    for (int i = 0; i < 6; i++)
      cnt *= d.push[3 + i];
    for (int i = 0; i < c.nd; i++)
      if (!c.shape[i])
        cnt = 0;
    if (!cnt)
      continue;
    d.push[0] = (uint32_t)cnt;
    uint64_t xbytes =
        (uint64_t)pv__vk_numel(&ins[k]) * pv__vk_host->dtype_size(ins[k].dtype);
    uint32_t xo = 0, yo = 0;
    int rc = pv__vk_bind_value(pl, &d, 0, n->inputs[k], 0, xbytes, 0, 4, &xo);
    if (!rc)
      rc = pv__vk_bind_value(pl, &d, 1, n->outputs[0], 0, ybytes, 1, 4, &yo);
    if (rc)
      return rc;
    d.push[1] = xo + (uint32_t)(io * w);
    d.push[2] = yo + (uint32_t)(oo * w);
    pv__vk_groups_1d(pl->dev, (cnt + 255) / 256, d.groups);
    rc = pv__vk_emit(pl, &d, PV_VK_SH_COPY, NULL, 0);
    if (rc)
      return rc;
  }
  return 0;
}

const pv_vk_op_impl pv__vk_copy_impl = {copy_supports, copy_plan};
