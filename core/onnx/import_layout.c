/*
 * ONNX layout and dtype ops -> core ops: Reshape, Flatten, Squeeze,
 * Unsqueeze, Transpose, Concat, Split, Slice, Pad, Gather, Expand, Tile,
 * Dropout, DepthToSpace, SpaceToDepth, Cast. See import_ops.c for the rest.
 */
#include "import.h"

/* --- layout --------------------------------------------------------------- */

int pv__h_reshape(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int64_t s[PV_MAX_DIMS];
  int rc, k;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  if (pv__imp_has(I, 1))
    k = pv__imp_ints(I, 1, s, PV_MAX_DIMS, "shape");
  else
    k = attr_ints(I, "shape", s, PV_MAX_DIMS, 0, 0);
  if (k < 0)
    return k;
  bool allowzero = pv__onnx_attr_i(NODE, "allowzero", 0) != 0;
  int neg = -1;
  int64_t known = 1;
  for (int i = 0; i < k; i++) {
    if (s[i] == 0 && !allowzero) {
      if (i >= d.ndim)
        return FAIL(I, PV_ERR_SHAPE, "0 copies dim %d the input lacks", i);
      s[i] = d.shape[i];
    }
    if (s[i] == -1) {
      if (neg >= 0)
        return FAIL(I, PV_ERR_SHAPE, "more than one -1 in the shape");
      neg = i;
    } else if (s[i] < -1) {
      return FAIL(I, PV_ERR_SHAPE, "negative dim %lld", (long long)s[i]);
    } else {
      known *= s[i];
    }
  }
  int64_t numel = pv__desc_numel(&d);
  if (neg >= 0 && numel >= 0) {
    if (known == 0 || numel % known)
      return FAIL(I, PV_ERR_SHAPE, "cannot infer -1: %lld elements",
                  (long long)numel);
    s[neg] = numel / known;
  }
  pv_value y;
  if ((rc = reshape(I, x, k, s, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

int pv__h_flatten(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t axis = pv__onnx_attr_i(NODE, "axis", 1);
  if (axis == d.ndim)
    ax = d.ndim;
  else if ((rc = norm_axis(I, axis, d.ndim, &ax)))
    return rc;
  int64_t s[2] = {pv__shape_numel(ax, d.shape),
                  pv__shape_numel(d.ndim - ax, d.shape + ax)};
  if (s[0] < 0 || s[1] < 0) {
    if (s[0] < 0 && s[1] < 0)
      return FAIL(I, PV_ERR_UNSUPPORTED, "dynamic dims on both sides");
    /* one side dynamic: let it be inferred */
    if (s[0] < 0)
      s[0] = -1;
    else
      s[1] = -1;
  }
  pv_value y;
  if ((rc = reshape(I, x, 2, s, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

int pv__h_squeeze(pv__imp *I, bool un) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  int64_t axes[PV_MAX_DIMS];
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int na = pv__onnx_attr_ints(NODE, "axes", axes, PV_MAX_DIMS);
  if (na < 0 && pv__imp_has(I, 1))
    na = pv__imp_ints(I, 1, axes, PV_MAX_DIMS, "axes");
  if (na > PV_MAX_DIMS)
    return FAIL(I, PV_ERR_RANGE, "too many axes");
  if (na < 0 && pv__imp_has(I, 1))
    return na;
  if (na < 0)
    na = 0;
  int64_t s[PV_MAX_DIMS];
  int nd = 0;
  if (un) {
    int r = d.ndim + na;
    if (r > PV_MAX_DIMS || na == 0)
      return FAIL(I, PV_ERR_INVALID_ARG, "bad axes for %d dims", d.ndim);
    bool ins[PV_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
      int a = 0;
      if ((rc = norm_axis(I, axes[i], r, &a)))
        return rc;
      ins[a] = true;
    }
    for (int i = 0, k = 0; i < r; i++)
      s[nd++] = ins[i] ? 1 : d.shape[k++];
  } else {
    bool rm[PV_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
      int a = 0;
      if ((rc = norm_axis(I, axes[i], d.ndim, &a)))
        return rc;
      if (d.shape[a] != 1 && d.shape[a] >= 0)
        return FAIL(I, PV_ERR_SHAPE, "dim %d is %lld, not 1", a,
                    (long long)d.shape[a]);
      rm[a] = true;
    }
    for (int i = 0; i < d.ndim; i++) {
      if (!na && d.shape[i] < 0)
        return FAIL(I, PV_ERR_UNSUPPORTED, "squeeze without axes on dynamic");
      if (!(na ? rm[i] : d.shape[i] == 1))
        s[nd++] = d.shape[i];
    }
  }
  pv_value y;
  if ((rc = reshape(I, x, nd, s, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

int pv__h_transpose(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t p[PV_MAX_DIMS];
  int k = pv__onnx_attr_ints(NODE, "perm", p, PV_MAX_DIMS);
  if (k < 0)
    for (k = 0; k < d.ndim; k++)
      p[k] = d.ndim - 1 - k;
  if (k != d.ndim)
    return FAIL(I, PV_ERR_INVALID_ARG, "perm has %d entries for %d dims", k,
                d.ndim);
  pv_op_attrs a = zattrs();
  for (int i = 0; i < k; i++)
    a.permute.perm[i] = (int32_t)p[i];
  return pv__imp_node1(I, PV_OP_PERMUTE, 1, &x, &a);
}

int pv__h_concat(pv__imp *I) {
  int n = NODE->n_in, rc, ax = 0;
  pv_tensor_desc d;
  if (n < 1)
    return FAIL(I, PV_ERR_INVALID_ARG, "no inputs");
  if ((rc = pv__imp_desc(I, 0, &d)) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", 1), d.ndim, &ax)))
    return rc;
  pv_op_attrs a = zattrs();
  a.axis.axis = ax;
  pv_value acc = PV_NO_VALUE;
  int i = 0;
  while (i < n) { /* chunks of at most PV_MAX_INPUTS, chained */
    pv_value in[PV_MAX_INPUTS];
    int k = 0;
    if (acc != PV_NO_VALUE)
      in[k++] = acc;
    while (i < n && k < PV_MAX_INPUTS) {
      if (pv__imp_has(I, i) && (rc = pv__imp_in(I, i, &in[k++])))
        return rc;
      i++;
    }
    if ((rc = pv__imp_node(I, PV_OP_CONCAT, k, in, &a, 1, &acc)))
      return rc;
  }
  return pv__imp_bind(I, 0, acc);
}

static int slice1(pv__imp *I, pv_value x, int r, int ax, int64_t s, int64_t e,
                  pv_value *out) {
  pv_op_attrs a = zattrs();
  for (int i = 0; i < r; i++) {
    a.slice.start[i] = 0;
    a.slice.end[i] = INT64_MAX;
    a.slice.step[i] = 1;
  }
  a.slice.start[ax] = s;
  a.slice.end[ax] = e;
  return pv__imp_node(I, PV_OP_SLICE, 1, &x, &a, 1, out);
}

int pv__h_split(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", 0), d.ndim, &ax)))
    return rc;
  int no = NODE->n_out;
  if (no < 1 || no > 4096)
    return FAIL(I, PV_ERR_INVALID_ARG, "bad output count %d", no);
  int64_t *sz = calloc((size_t)no, sizeof(int64_t));
  if (!sz)
    return pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
  int k;
  if (pv__imp_has(I, 1))
    k = pv__imp_ints(I, 1, sz, no, "split");
  else
    k = pv__onnx_attr_ints(NODE, "split", sz, no);
  if (k < 0 && !pv__imp_has(I, 1)) {
    if (d.shape[ax] < 0) {
      free(sz);
      return FAIL(I, PV_ERR_UNSUPPORTED, "equal split of a dynamic dim");
    }
    int64_t each = (d.shape[ax] + no - 1) / no;
    for (int i = 0; i < no; i++)
      sz[i] = PV__MIN(each, PV__MAX(0, d.shape[ax] - each * i));
    k = no;
  }
  if (k != no) {
    free(sz);
    return k < 0 ? k
                 : FAIL(I, PV_ERR_INVALID_ARG,
                        "split has %d sizes for %d outputs", k, no);
  }
  int64_t off = 0;
  for (int i = 0; i < no && !rc; i++) {
    pv_value y;
    if (!(rc = slice1(I, x, d.ndim, ax, off, off + sz[i], &y)))
      rc = pv__imp_bind(I, i, y);
    off += sz[i];
  }
  free(sz);
  return rc;
}

int pv__h_slice(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t st[PV_MAX_DIMS], en[PV_MAX_DIMS], ax[PV_MAX_DIMS], sp[PV_MAX_DIMS];
  int ns, ne, na = -1, nsp = -1;
  if (I->opset < 10) {
    ns = attr_ints(I, "starts", st, PV_MAX_DIMS, 0, 0);
    ne = attr_ints(I, "ends", en, PV_MAX_DIMS, 0, 0);
    na = pv__onnx_attr_ints(NODE, "axes", ax, PV_MAX_DIMS);
  } else {
    if ((ns = pv__imp_ints(I, 1, st, PV_MAX_DIMS, "starts")) < 0)
      return ns;
    if ((ne = pv__imp_ints(I, 2, en, PV_MAX_DIMS, "ends")) < 0)
      return ne;
    if (pv__imp_has(I, 3) &&
        (na = pv__imp_ints(I, 3, ax, PV_MAX_DIMS, "axes")) < 0)
      return na;
    if (pv__imp_has(I, 4) &&
        (nsp = pv__imp_ints(I, 4, sp, PV_MAX_DIMS, "steps")) < 0)
      return nsp;
  }
  if (ns < 0 || ns != ne || ns > d.ndim || (na >= 0 && na != ns) ||
      (nsp >= 0 && nsp != ns))
    return FAIL(I, PV_ERR_INVALID_ARG, "starts/ends/axes/steps disagree");
  pv_op_attrs a = zattrs();
  for (int i = 0; i < d.ndim; i++) {
    a.slice.end[i] = INT64_MAX;
    a.slice.step[i] = 1;
  }
  for (int i = 0; i < ns; i++) {
    int axis = 0;
    if ((rc = norm_axis(I, na >= 0 ? ax[i] : i, d.ndim, &axis)))
      return rc;
    int64_t step = nsp >= 0 ? sp[i] : 1;
    if (step == 0)
      return FAIL(I, PV_ERR_INVALID_ARG, "step 0");
    a.slice.start[axis] = st[i];
    a.slice.end[axis] = en[i];
    a.slice.step[axis] = step;
  }
  return pv__imp_node1(I, PV_OP_SLICE, 1, &x, &a);
}

int pv__h_pad(pv__imp *I) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t p[2 * PV_MAX_DIMS];
  int np;
  double value = 0;
  if (I->opset < 11) {
    np = pv__onnx_attr_ints(NODE, "pads", p, 2 * PV_MAX_DIMS);
    if (np < 0)
      np = pv__onnx_attr_ints(NODE, "paddings", p, 2 * PV_MAX_DIMS);
    value = pv__onnx_attr_f(NODE, "value", 0.0f);
  } else {
    if ((np = pv__imp_ints(I, 1, p, 2 * PV_MAX_DIMS, "pads")) < 0)
      return np;
    if (pv__imp_has(I, 2)) {
      int k = pv__imp_floats(I, 2, &value, 1, "constant_value");
      if (k < 0)
        return k;
      if (k == 0)
        value = 0;
    }
    if (pv__imp_has(I, 3))
      return FAIL(I, PV_ERR_UNSUPPORTED, "the axes input is not supported");
  }
  if (np != 2 * d.ndim)
    return FAIL(I, PV_ERR_INVALID_ARG, "pads has %d values for %d dims", np,
                d.ndim);
  const char *mode = pv__onnx_attr_s(NODE, "mode", "constant");
  pv_op_attrs a = zattrs();
  if (!strcmp(mode, "constant"))
    a.pad.mode = PV_PAD_CONSTANT;
  else if (!strcmp(mode, "reflect"))
    a.pad.mode = PV_PAD_REFLECT;
  else if (!strcmp(mode, "edge"))
    a.pad.mode = PV_PAD_REPLICATE;
  else if (!strcmp(mode, "wrap"))
    a.pad.mode = PV_PAD_CIRCULAR;
  else
    return FAIL(I, PV_ERR_UNSUPPORTED, "pad mode '%s'", mode);
  for (int i = 0; i < d.ndim; i++) {
    a.pad.pads[2 * i] = p[i];
    a.pad.pads[2 * i + 1] = p[d.ndim + i];
  }
  a.pad.value = (float)value;
  return pv__imp_node1(I, PV_OP_PAD, 1, &x, &a);
}

int pv__h_gather(pv__imp *I) {
  pv_tensor_desc d;
  pv_value in[2];
  int rc, ax = 0;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &in[0])) ||
      (rc = pv__imp_in(I, 1, &in[1])) ||
      (rc = norm_axis(I, pv__onnx_attr_i(NODE, "axis", 0), d.ndim, &ax)))
    return rc;
  pv_op_attrs a = zattrs();
  a.axis.axis = ax;
  return pv__imp_node1(I, PV_OP_GATHER, 2, in, &a);
}

int pv__h_expand_tile(pv__imp *I, pv_op op) {
  pv_value x;
  int rc;
  int64_t s[PV_MAX_DIMS];
  if ((rc = pv__imp_in(I, 0, &x)))
    return rc;
  int k = pv__imp_ints(I, 1, s, PV_MAX_DIMS,
                       op == PV_OP_TILE ? "repeats" : "shape");
  if (k < 0)
    return k;
  pv_op_attrs a = zattrs();
  a.reshape.ndim = k;
  memcpy(a.reshape.shape, s, sizeof(int64_t) * (size_t)k);
  return pv__imp_node1(I, op, 1, &x, &a);
}

/* Inference-mode Dropout: the identity, and an all-true mask. */
int pv__h_dropout(pv__imp *I) {
  if (pv__imp_has(I, 2)) {
    pv_tensor *t = pv__imp_const(I, 2);
    int64_t tm = 0;
    if (!t || pv__onnx_tensor_ints(t, &tm, 1) != 1)
      return FAIL(I, PV_ERR_UNSUPPORTED, "training_mode must be constant");
    if (tm)
      return FAIL(I, PV_ERR_UNSUPPORTED, "training mode is not supported");
  }
  int rc = pv__imp_alias(I, 0, 0);
  if (rc || NODE->n_out < 2 || !NODE->out[1][0])
    return rc;
  pv_tensor_desc d;
  if ((rc = pv__imp_desc(I, 0, &d)))
    return rc;
  for (int i = 0; i < d.ndim; i++)
    if (d.shape[i] < 0)
      return FAIL(I, PV_ERR_UNSUPPORTED, "mask output of a dynamic shape");
  pv_tensor *mask = pv_tensor_create(PV_BOOL, d.ndim, d.shape);
  if (!mask)
    return pv_last_status();
  memset(pv_tensor_data(mask), 1, pv_tensor_nbytes(mask));
  return pv__imp_bind_const(I, 1, mask);
}

/* DepthToSpace (DCR/CRD) and SpaceToDepth as reshape -> permute -> reshape
 * (6-D intermediates), which needs static N, C, H, W. */
int pv__h_depth_space(pv__imp *I, bool to_space) {
  pv_tensor_desc d;
  pv_value x;
  int rc;
  if ((rc = pv__imp_desc(I, 0, &d)) || (rc = pv__imp_in(I, 0, &x)))
    return rc;
  int64_t b = pv__onnx_attr_i(NODE, "blocksize", 0);
  if (d.ndim != 4 || b <= 0 || b > 4096)
    return FAIL(I, PV_ERR_INVALID_ARG, "needs a 4-D input and blocksize > 0");
  for (int i = 0; i < 4; i++)
    if (d.shape[i] < 0)
      return FAIL(I, PV_ERR_UNSUPPORTED, "needs a static input shape");
  int64_t n = d.shape[0], c = d.shape[1], h = d.shape[2], w = d.shape[3];
  int64_t s6[6], s4[4];
  int perm[6];
  if (to_space) {
    if (c % (b * b))
      return FAIL(I, PV_ERR_SHAPE, "channels not divisible by blocksize^2");
    bool crd = !strcmp(pv__onnx_attr_s(NODE, "mode", "DCR"), "CRD");
    int64_t cc = c / (b * b);
    if (crd) {
      int64_t t[6] = {n, cc, b, b, h, w};
      int p[6] = {0, 1, 4, 2, 5, 3};
      memcpy(s6, t, sizeof t);
      memcpy(perm, p, sizeof p);
    } else {
      int64_t t[6] = {n, b, b, cc, h, w};
      int p[6] = {0, 3, 4, 1, 5, 2};
      memcpy(s6, t, sizeof t);
      memcpy(perm, p, sizeof p);
    }
    int64_t o[4] = {n, cc, h * b, w * b};
    memcpy(s4, o, sizeof o);
  } else {
    if (h % b || w % b)
      return FAIL(I, PV_ERR_SHAPE, "H, W not divisible by blocksize");
    int64_t t[6] = {n, c, h / b, b, w / b, b};
    int p[6] = {0, 3, 5, 1, 2, 4};
    memcpy(s6, t, sizeof t);
    memcpy(perm, p, sizeof p);
    int64_t o[4] = {n, c * b * b, h / b, w / b};
    memcpy(s4, o, sizeof o);
  }
  pv_op_attrs a = zattrs();
  for (int i = 0; i < 6; i++)
    a.permute.perm[i] = perm[i];
  pv_value y;
  if ((rc = reshape(I, x, 6, s6, &y)) ||
      (rc = pv__imp_node(I, PV_OP_PERMUTE, 1, &y, &a, 1, &y)) ||
      (rc = reshape(I, y, 4, s4, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}

int pv__h_cast(pv__imp *I) {
  pv_value x;
  int rc = pv__imp_in(I, 0, &x);
  if (rc)
    return rc;
  int64_t to = pv__onnx_attr_i(NODE, "to", 0);
  int dt = pv__onnx_dtype((int)to);
  if (!strcmp(NODE->op_type, "CastLike")) {
    pv_tensor_desc like;
    if ((rc = pv__imp_desc(I, 1, &like)))
      return rc;
    dt = like.dtype;
  }
  if (dt < 0)
    return FAIL(I, PV_ERR_UNSUPPORTED, "cast to %s",
                pv__onnx_type_name((int)to));
  pv_value y;
  if ((rc = cast_to(I, x, (pv_dtype)dt, &y)))
    return rc;
  return pv__imp_bind(I, 0, y);
}
