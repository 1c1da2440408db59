/*
 * Load-time constant folding of ONNX "shape subgraphs": the small integer
 * computations exporters emit around Reshape, Resize, Expand and Slice
 * (Shape -> Gather -> Unsqueeze -> Concat ...). They are evaluated here on
 * host tensors, so the imported graph receives literal shapes. Integer
 * arithmetic is exact (int64); float arithmetic runs in double. The folder
 * depends on nothing but tensors: it never touches the graph runtime.
 */
#include "onnx_internal.h"
#include "tensor/tensor_internal.h"

#include <math.h>

/* Largest tensor the folder will create (elements): folding is for shapes
 * and small constants, and this keeps hostile files from allocating much. */
#define FOLD_MAX_ELEMS ((int64_t)1 << 24)

static int ferr(const pv__onnx_node *n, int code, const char *msg) {
  return pv_set_error(code, "onnx: node '%s' (%s): %s", n->name, n->op_type,
                      msg);
}

int pv__onnx_tensor_ints(const pv_tensor *t, int64_t *out, int cap) {
  if (!t)
    return -1;
  pv_dtype dt = pv_tensor_dtype(t);
  if (dt == PV_F32 || dt == PV_F16 || dt == PV_BF16 || dt == PV_F64)
    return -1;
  int64_t n = pv_tensor_numel(t);
  if (n > cap)
    return (int)PV__MIN(n, INT32_MAX);
  pv_tensor *c = pv_tensor_cast(t, PV_I64);
  if (!c)
    return -1;
  memcpy(out, pv_tensor_data(c), sizeof(int64_t) * (size_t)n);
  pv_tensor_release(c);
  return (int)n;
}

static pv_tensor *new_tensor(pv_dtype dt, int ndim, const int64_t *shape) {
  int64_t n = pv__shape_numel(ndim, shape);
  if (n < 0 || n > FOLD_MAX_ELEMS) {
    pv_set_error(PV_ERR_RANGE, "onnx: folded tensor too large");
    return NULL;
  }
  return pv_tensor_create(dt, ndim, shape);
}

static bool is_float_dt(pv_dtype d) {
  return d == PV_F32 || d == PV_F16 || d == PV_BF16 || d == PV_F64;
}

/* numpy broadcasting of n shapes. */
static int bcast(const pv__onnx_node *nd, int n, pv_tensor *const *t, int *ndim,
                 int64_t *shape) {
  int r = 0;
  for (int i = 0; i < n; i++)
    r = PV__MAX(r, pv_tensor_ndim(t[i]));
  for (int d = 0; d < r; d++) {
    int64_t s = 1;
    for (int i = 0; i < n; i++) {
      int k = d - (r - pv_tensor_ndim(t[i]));
      int64_t v = k >= 0 ? pv_tensor_shape(t[i])[k] : 1;
      if (v == s || v == 1)
        continue;
      if (s != 1)
        return ferr(nd, PV_ERR_SHAPE, "operands do not broadcast");
      s = v;
    }
    shape[d] = s;
  }
  *ndim = r;
  return 0;
}

/* Offset in a contiguous tensor of `t`'s shape for output multi-index idx
 * of rank r (broadcasting). */
static int64_t bofs(const pv_tensor *t, int r, const int64_t *idx) {
  int nd = pv_tensor_ndim(t);
  const int64_t *sh = pv_tensor_shape(t);
  int64_t off = 0;
  for (int k = 0; k < nd; k++) {
    int64_t i = sh[k] == 1 ? 0 : idx[r - nd + k];
    off = off * sh[k] + i;
  }
  return off;
}

static void next_idx(int r, const int64_t *shape, int64_t *idx) {
  for (int d = r - 1; d >= 0; d--) {
    if (++idx[d] < shape[d])
      return;
    idx[d] = 0;
  }
}

static int64_t idiv_floor_trunc(int64_t a, int64_t b) {
  /* ONNX integer Div truncates (C semantics). */
  return b == 0 ? 0 : (a == INT64_MIN && b == -1) ? a : a / b;
}

enum {
  E_Abs,
  E_Add,
  E_Ceil,
  E_Div,
  E_Equal,
  E_Floor,
  E_Greater,
  E_GreaterOrEqual,
  E_Less,
  E_LessOrEqual,
  E_Max,
  E_Min,
  E_Mul,
  E_Neg,
  E_Not,
  E_Pow,
  E_Reciprocal,
  E_Sqrt,
  E_Sub,
  E_Where,
  E_COUNT
};
static const char *const k_elt_names[E_COUNT] = {
    "Abs",        "Add",         "Ceil",    "Div",
    "Equal",      "Floor",       "Greater", "GreaterOrEqual",
    "Less",       "LessOrEqual", "Max",     "Min",
    "Mul",        "Neg",         "Not",     "Pow",
    "Reciprocal", "Sqrt",        "Sub",     "Where",
};

/* Elementwise op over broadcast inputs: ints in int64, floats in double. */
static int eltwise(const pv__onnx_node *nd, const char *op, int n,
                   pv_tensor *const *in, pv_tensor **out) {
  int r = 0;
  int64_t shape[PV_MAX_DIMS];
  int rc = bcast(nd, n, in, &r, shape);
  if (rc)
    return rc;
  int code = -1; /* decoded once, not per element */
  for (int i = 0; i < E_COUNT; i++)
    if (!strcmp(op, k_elt_names[i]))
      code = i;
  bool cmp = (code == E_Equal) || (code == E_Less) || (code == E_Greater) ||
             (code == E_LessOrEqual) || (code == E_GreaterOrEqual);
  bool where = (code == E_Where);
  pv_dtype dt = pv_tensor_dtype(in[where ? 1 : 0]);
  bool fl = is_float_dt(dt);
  pv_dtype work = fl ? PV_F64 : PV_I64;
  pv_tensor *c[3] = {0};
  pv_tensor *o = new_tensor(work, r, shape);
  for (int i = 0; i < n && i < 3; i++)
    c[i] = pv_tensor_cast(in[i], i == 0 && where ? PV_I64 : work);
  if (!o || !c[0] || (n > 1 && !c[1]) || (n > 2 && !c[2])) {
    rc = PV_ERR_NOMEM;
    goto done;
  }
  int64_t idx[PV_MAX_DIMS] = {0};
  int64_t total = pv__shape_numel(r, shape);
  for (int64_t e = 0; e < total; e++, next_idx(r, shape, idx)) {
    int64_t o0 = bofs(c[0], r, idx), o1 = n > 1 ? bofs(c[1], r, idx) : 0,
            o2 = n > 2 ? bofs(c[2], r, idx) : 0;
    if (fl) {
      const double *a = pv_tensor_data(c[0]);
      const double *b = n > 1 ? pv_tensor_data(c[1]) : NULL;
      double *y = pv_tensor_data(o), x = a[o0], v = b ? b[o1] : 0, res = 0;
      if (where) {
        const int64_t *cond = pv_tensor_data(c[0]);
        res = cond[o0] ? v : ((const double *)pv_tensor_data(c[2]))[o2];
      } else if (code == E_Add)
        res = x + v;
      else if (code == E_Sub)
        res = x - v;
      else if (code == E_Mul)
        res = x * v;
      else if (code == E_Div)
        res = x / v;
      else if (code == E_Min)
        res = fmin(x, v);
      else if (code == E_Max)
        res = fmax(x, v);
      else if (code == E_Pow)
        res = pow(x, v);
      else if (code == E_Equal)
        res = x == v;
      else if (code == E_Less)
        res = x < v;
      else if (code == E_Greater)
        res = x > v;
      else if (code == E_LessOrEqual)
        res = x <= v;
      else if (code == E_GreaterOrEqual)
        res = x >= v;
      else if (code == E_Neg)
        res = -x;
      else if (code == E_Abs)
        res = fabs(x);
      else if (code == E_Floor)
        res = floor(x);
      else if (code == E_Ceil)
        res = ceil(x);
      else if (code == E_Sqrt)
        res = sqrt(x);
      else if (code == E_Reciprocal)
        res = 1.0 / x;
      y[e] = res;
    } else {
      const int64_t *a = pv_tensor_data(c[0]);
      const int64_t *b = n > 1 ? pv_tensor_data(c[1]) : NULL;
      int64_t *y = pv_tensor_data(o), x = a[o0], v = b ? b[o1] : 0, res = 0;
      if (where) {
        res = x ? v : ((const int64_t *)pv_tensor_data(c[2]))[o2];
      } else if (code == E_Add)
        res = (int64_t)((uint64_t)x + (uint64_t)v);
      else if (code == E_Sub)
        res = (int64_t)((uint64_t)x - (uint64_t)v);
      else if (code == E_Mul)
        res = (int64_t)((uint64_t)x * (uint64_t)v);
      else if (code == E_Div) {
        if (v == 0) {
          rc = ferr(nd, PV_ERR_RANGE, "integer division by zero");
          goto done;
        }
        res = idiv_floor_trunc(x, v);
      } else if (code == E_Min)
        res = x < v ? x : v;
      else if (code == E_Max)
        res = x > v ? x : v;
      else if (code == E_Equal)
        res = x == v;
      else if (code == E_Less)
        res = x < v;
      else if (code == E_Greater)
        res = x > v;
      else if (code == E_LessOrEqual)
        res = x <= v;
      else if (code == E_GreaterOrEqual)
        res = x >= v;
      else if (code == E_Neg)
        res = (int64_t)(0 - (uint64_t)x);
      else if (code == E_Abs)
        res = x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
      else if (code == E_Not)
        res = !x;
      else if (code == E_Pow) {
        uint64_t r2 = 1, base = (uint64_t)x;
        if (v < 0) {
          res = x == 1 ? 1 : x == -1 ? (v & 1 ? -1 : 1) : 0;
        } else {
          for (int64_t e2 = v; e2 > 0; e2 >>= 1) { /* wraps like int64 */
            if (e2 & 1)
              r2 *= base;
            base *= base;
          }
          res = (int64_t)r2;
        }
      } else if ((code == E_Floor) || (code == E_Ceil))
        res = x;
      else {
        rc = ferr(nd, PV_ERR_UNSUPPORTED, "not foldable on integers");
        goto done;
      }
      y[e] = res;
    }
  }
  *out = pv_tensor_cast(o, cmp ? PV_BOOL : dt);
  rc = *out ? 0 : PV_ERR_NOMEM;
done:
  pv_tensor_release(o);
  for (int i = 0; i < 3; i++)
    pv_tensor_release(c[i]);
  return rc;
}

static int norm_axis(const pv__onnx_node *n, int64_t axis, int r, int *out) {
  int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= (r ? r : 1))
    return ferr(n, PV_ERR_INVALID_ARG, "axis out of range");
  *out = (int)a;
  return 0;
}

static int reshape_to(pv_tensor *x, int ndim, const int64_t *shape,
                      pv_tensor **out) {
  pv_tensor *c = pv_tensor_contiguous(x);
  if (!c)
    return PV_ERR_NOMEM;
  *out = pv_tensor_reshape(c, ndim, shape);
  pv_tensor_release(c);
  return *out ? 0 : pv_last_status();
}

/* Unsqueeze / Squeeze axes: attribute before opset 13, input after. */
static int get_axes(const pv__onnx_node *n, int n_in, pv_tensor *const *in,
                    int64_t *axes, int *na) {
  *na = 0;
  int k = pv__onnx_attr_ints(n, "axes", axes, PV_MAX_DIMS);
  if (k >= 0) {
    if (k > PV_MAX_DIMS)
      return ferr(n, PV_ERR_RANGE, "too many axes");
    *na = k;
    return 0;
  }
  if (n_in > 1 && in[1]) {
    k = pv__onnx_tensor_ints(in[1], axes, PV_MAX_DIMS);
    if (k < 0 || k > PV_MAX_DIMS)
      return ferr(n, PV_ERR_INVALID_ARG, "bad axes input");
    *na = k;
  }
  return 0;
}

static int fold_squeeze(const pv__onnx_node *n, bool un, int n_in,
                        pv_tensor *const *in, pv_tensor **out) {
  int64_t axes[PV_MAX_DIMS];
  int na, rc = get_axes(n, n_in, in, axes, &na);
  if (rc)
    return rc;
  pv_tensor *x = in[0];
  int r = pv_tensor_ndim(x);
  const int64_t *sh = pv_tensor_shape(x);
  int64_t shape[PV_MAX_DIMS];
  int nd = 0;
  if (un) {
    int outr = r + na;
    if (outr > PV_MAX_DIMS)
      return ferr(n, PV_ERR_RANGE, "too many dims");
    bool ins[PV_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
      int a = 0;
      if ((rc = norm_axis(n, axes[i], outr, &a)))
        return rc;
      if (ins[a])
        return ferr(n, PV_ERR_INVALID_ARG, "repeated axis");
      ins[a] = true;
    }
    for (int d = 0, k = 0; d < outr; d++)
      shape[nd++] = ins[d] ? 1 : sh[k++];
  } else {
    bool rm[PV_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
      int a = 0;
      if ((rc = norm_axis(n, axes[i], r, &a)))
        return rc;
      if (sh[a] != 1)
        return ferr(n, PV_ERR_SHAPE, "squeezing a dim that is not 1");
      rm[a] = true;
    }
    for (int d = 0; d < r; d++)
      if (!(na ? rm[d] : sh[d] == 1))
        shape[nd++] = sh[d];
  }
  return reshape_to(x, nd, shape, out);
}

static int fold_gather(const pv__onnx_node *n, pv_tensor *x, pv_tensor *ind,
                       pv_tensor **out) {
  int r = pv_tensor_ndim(x), ax = 0;
  int rc = norm_axis(n, pv__onnx_attr_i(n, "axis", 0), r, &ax);
  if (rc)
    return rc;
  int ri = pv_tensor_ndim(ind);
  if (r - 1 + ri > PV_MAX_DIMS)
    return ferr(n, PV_ERR_RANGE, "too many dims");
  const int64_t *sh = pv_tensor_shape(x);
  int64_t shape[PV_MAX_DIMS];
  int nd = 0;
  for (int d = 0; d < ax; d++)
    shape[nd++] = sh[d];
  for (int d = 0; d < ri; d++)
    shape[nd++] = pv_tensor_shape(ind)[d];
  for (int d = ax + 1; d < r; d++)
    shape[nd++] = sh[d];
  pv_tensor *xi = pv_tensor_contiguous(x), *ii = pv_tensor_cast(ind, PV_I64);
  pv_tensor *o = new_tensor(pv_tensor_dtype(x), nd, shape);
  if (!xi || !ii || !o) {
    rc = PV_ERR_NOMEM;
    goto done;
  }
  int64_t outer = 1, inner = 1, ni = pv_tensor_numel(ii), dim = sh[ax];
  for (int d = 0; d < ax; d++)
    outer *= sh[d];
  for (int d = ax + 1; d < r; d++)
    inner *= sh[d];
  size_t es = pv_dtype_size(pv_tensor_dtype(x));
  const uint8_t *src = pv_tensor_data(xi);
  uint8_t *dst = pv_tensor_data(o);
  const int64_t *idx = pv_tensor_data(ii);
  for (int64_t o1 = 0; o1 < outer; o1++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t k = idx[j] < 0 ? idx[j] + dim : idx[j];
      if (k < 0 || k >= dim) {
        rc = ferr(n, PV_ERR_RANGE, "index out of range");
        goto done;
      }
      memcpy(dst + ((o1 * ni + j) * inner) * es,
             src + ((o1 * dim + k) * inner) * es, (size_t)inner * es);
    }
  *out = o;
  o = NULL;
done:
  pv_tensor_release(xi);
  pv_tensor_release(ii);
  pv_tensor_release(o);
  return rc;
}

static int fold_concat(const pv__onnx_node *n, int n_in, pv_tensor *const *in,
                       pv_tensor **out) {
  if (n_in < 1 || !in[0])
    return ferr(n, PV_ERR_INVALID_ARG, "no inputs");
  int r = pv_tensor_ndim(in[0]), ax = 0;
  int rc = norm_axis(n, pv__onnx_attr_i(n, "axis", 0), r, &ax);
  if (rc)
    return rc;
  int64_t shape[PV_MAX_DIMS];
  memcpy(shape, pv_tensor_shape(in[0]), sizeof(int64_t) * (size_t)r);
  shape[ax] = 0;
  pv_dtype dt = pv_tensor_dtype(in[0]);
  for (int i = 0; i < n_in; i++) {
    if (!in[i] || pv_tensor_ndim(in[i]) != r || pv_tensor_dtype(in[i]) != dt)
      return ferr(n, PV_ERR_SHAPE, "inputs differ in rank or dtype");
    for (int d = 0; d < r; d++)
      if (d != ax && pv_tensor_shape(in[i])[d] != shape[d])
        return ferr(n, PV_ERR_SHAPE, "inputs differ outside the axis");
    shape[ax] += pv_tensor_shape(in[i])[ax];
  }
  pv_tensor *o = new_tensor(dt, r, shape);
  if (!o)
    return pv_last_status();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < ax; d++)
    outer *= shape[d];
  for (int d = ax + 1; d < r; d++)
    inner *= shape[d];
  size_t es = pv_dtype_size(dt);
  uint8_t *dst = pv_tensor_data(o);
  int64_t col = 0;
  for (int i = 0; i < n_in; i++) {
    pv_tensor *c = pv_tensor_contiguous(in[i]);
    if (!c) {
      pv_tensor_release(o);
      return PV_ERR_NOMEM;
    }
    int64_t w = pv_tensor_shape(c)[ax] * inner;
    const uint8_t *src = pv_tensor_data(c);
    for (int64_t o1 = 0; o1 < outer; o1++)
      memcpy(dst + (o1 * shape[ax] * inner + col) * es, src + o1 * w * es,
             (size_t)w * es);
    col += w;
    pv_tensor_release(c);
  }
  *out = o;
  return 0;
}

static int fold_slice(const pv__onnx_node *n, int64_t opset, int n_in,
                      pv_tensor *const *in, pv_tensor **out) {
  int64_t st[PV_MAX_DIMS], en[PV_MAX_DIMS], ax[PV_MAX_DIMS], sp[PV_MAX_DIMS];
  int ns, ne, na = -1, nsp = -1;
  if (opset < 10) {
    ns = pv__onnx_attr_ints(n, "starts", st, PV_MAX_DIMS);
    ne = pv__onnx_attr_ints(n, "ends", en, PV_MAX_DIMS);
    na = pv__onnx_attr_ints(n, "axes", ax, PV_MAX_DIMS);
  } else {
    if (n_in < 3 || !in[1] || !in[2])
      return ferr(n, PV_ERR_INVALID_ARG, "missing starts/ends");
    ns = pv__onnx_tensor_ints(in[1], st, PV_MAX_DIMS);
    ne = pv__onnx_tensor_ints(in[2], en, PV_MAX_DIMS);
    if (n_in > 3 && in[3])
      na = pv__onnx_tensor_ints(in[3], ax, PV_MAX_DIMS);
    if (n_in > 4 && in[4])
      nsp = pv__onnx_tensor_ints(in[4], sp, PV_MAX_DIMS);
  }
  int r = pv_tensor_ndim(in[0]);
  if (ns < 0 || ns != ne || ns > r || (na >= 0 && na != ns) ||
      (nsp >= 0 && nsp != ns))
    return ferr(n, PV_ERR_INVALID_ARG, "bad starts/ends/axes/steps");
  pv_tensor *cur = pv_tensor_retain(in[0]);
  for (int i = 0; i < ns; i++) {
    int a = 0;
    int rc = norm_axis(n, na >= 0 ? ax[i] : i, r, &a);
    int64_t step = nsp >= 0 ? sp[i] : 1;
    if (!rc && step == 0)
      rc = ferr(n, PV_ERR_INVALID_ARG, "step 0");
    if (rc) {
      pv_tensor_release(cur);
      return rc;
    }
    pv_tensor *v = pv_tensor_slice(cur, a, st[i], en[i], step);
    pv_tensor_release(cur);
    if (!(cur = v))
      return pv_last_status();
  }
  *out = pv_tensor_clone(cur);
  pv_tensor_release(cur);
  return *out ? 0 : PV_ERR_NOMEM;
}

static int fold_expand(const pv__onnx_node *n, pv_tensor *x, pv_tensor *shp,
                       pv_tensor **out) {
  int64_t s[PV_MAX_DIMS];
  int k = pv__onnx_tensor_ints(shp, s, PV_MAX_DIMS);
  if (k < 0 || k > PV_MAX_DIMS)
    return ferr(n, PV_ERR_INVALID_ARG, "bad shape input");
  for (int i = 0; i < k; i++)
    if (s[i] < 0)
      return ferr(n, PV_ERR_INVALID_ARG, "negative dim in shape");
  /* Broadcast against a dummy of the target shape. */
  pv_tensor *dummy = new_tensor(PV_U8, k, s);
  if (!dummy)
    return pv_last_status();
  pv_tensor *pair[2] = {x, dummy};
  int r = 0;
  int64_t shape[PV_MAX_DIMS];
  int rc = bcast(n, 2, pair, &r, shape);
  pv_tensor_release(dummy);
  if (rc)
    return rc;
  pv_tensor *c = pv_tensor_contiguous(x),
            *o = new_tensor(pv_tensor_dtype(x), r, shape);
  if (!c || !o) {
    pv_tensor_release(c);
    pv_tensor_release(o);
    return PV_ERR_NOMEM;
  }
  size_t es = pv_dtype_size(pv_tensor_dtype(x));
  int64_t idx[PV_MAX_DIMS] = {0}, total = pv_tensor_numel(o);
  for (int64_t e = 0; e < total; e++, next_idx(r, shape, idx))
    memcpy((uint8_t *)pv_tensor_data(o) + e * es,
           (const uint8_t *)pv_tensor_data(c) + bofs(c, r, idx) * es, es);
  pv_tensor_release(c);
  *out = o;
  return 0;
}

static int fold_range(const pv__onnx_node *n, pv_tensor *const *in,
                      pv_tensor **out) {
  pv_dtype dt = pv_tensor_dtype(in[0]);
  double v[3];
  for (int i = 0; i < 3; i++) {
    if (pv_tensor_numel(in[i]) != 1)
      return ferr(n, PV_ERR_SHAPE, "start/limit/delta must be scalars");
    pv_tensor *c = pv_tensor_cast(in[i], PV_F64);
    if (!c)
      return PV_ERR_NOMEM;
    v[i] = *(double *)pv_tensor_data(c);
    pv_tensor_release(c);
  }
  if (v[2] == 0)
    return ferr(n, PV_ERR_INVALID_ARG, "delta is 0");
  double cnt = ceil((v[1] - v[0]) / v[2]);
  int64_t num = cnt > 0 ? (int64_t)PV__MIN(cnt, (double)FOLD_MAX_ELEMS + 1) : 0;
  pv_tensor *o = new_tensor(PV_F64, 1, &num);
  if (!o)
    return pv_last_status();
  for (int64_t i = 0; i < num; i++)
    ((double *)pv_tensor_data(o))[i] = v[0] + (double)i * v[2];
  *out = pv_tensor_cast(o, dt);
  pv_tensor_release(o);
  return *out ? 0 : PV_ERR_NOMEM;
}

static const char *const k_foldable[] = {"Identity",
                                         "Gather",
                                         "Unsqueeze",
                                         "Squeeze",
                                         "Concat",
                                         "Reshape",
                                         "Flatten",
                                         "Cast",
                                         "ConstantOfShape",
                                         "Slice",
                                         "Add",
                                         "Sub",
                                         "Mul",
                                         "Div",
                                         "Min",
                                         "Max",
                                         "Pow",
                                         "Equal",
                                         "Less",
                                         "Greater",
                                         "LessOrEqual",
                                         "GreaterOrEqual",
                                         "Where",
                                         "Range",
                                         "Floor",
                                         "Ceil",
                                         "Neg",
                                         "Abs",
                                         "Sqrt",
                                         "Not",
                                         "Reciprocal",
                                         "Transpose",
                                         "Expand",
                                         "Dropout"};

bool pv__onnx_foldable(const char *op) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_foldable); i++)
    if (!strcmp(op, k_foldable[i]))
      return true;
  return false;
}

int pv__onnx_fold(const pv__onnx_node *n, int64_t opset, int n_in,
                  pv_tensor *const *in, int n_out, pv_tensor **out) {
  const char *op = n->op_type;
  if (!pv__onnx_foldable(op) || n_out < 1)
    return 0;
  if (strcmp(op, "ConstantOfShape") && (n_in < 1 || !in[0]))
    return 0;
  int rc = 0;
  out[0] = NULL;
  if (!strcmp(op, "Identity") || !strcmp(op, "Dropout")) {
    out[0] = pv_tensor_retain(in[0]);
  } else if (!strcmp(op, "Gather")) {
    if (n_in < 2 || !in[1])
      return ferr(n, PV_ERR_INVALID_ARG, "missing indices");
    rc = fold_gather(n, in[0], in[1], &out[0]);
  } else if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze")) {
    rc = fold_squeeze(n, op[0] == 'U', n_in, in, &out[0]);
  } else if (!strcmp(op, "Concat")) {
    rc = fold_concat(n, n_in, in, &out[0]);
  } else if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten")) {
    int r = pv_tensor_ndim(in[0]);
    const int64_t *sh = pv_tensor_shape(in[0]);
    int64_t s[PV_MAX_DIMS];
    int k;
    if (op[0] == 'F') {
      int a = 0;
      int64_t axis = pv__onnx_attr_i(n, "axis", 1);
      if (axis == r)
        a = r;
      else if ((rc = norm_axis(n, axis, r, &a)))
        return rc;
      s[0] = pv__shape_numel(a, sh);
      s[1] = pv__shape_numel(r - a, sh + a);
      k = 2;
    } else {
      if (n_in > 1 && in[1])
        k = pv__onnx_tensor_ints(in[1], s, PV_MAX_DIMS);
      else
        k = pv__onnx_attr_ints(n, "shape", s, PV_MAX_DIMS);
      if (k < 0 || k > PV_MAX_DIMS)
        return ferr(n, PV_ERR_INVALID_ARG, "bad shape");
      bool allowzero = pv__onnx_attr_i(n, "allowzero", 0) != 0;
      for (int i = 0; i < k; i++)
        if (s[i] == 0 && !allowzero) {
          if (i >= r)
            return ferr(n, PV_ERR_SHAPE, "0 copies a dim the input lacks");
          s[i] = sh[i];
        }
    }
    rc = reshape_to(in[0], k, s, &out[0]);
  } else if (!strcmp(op, "Cast")) {
    int dt = pv__onnx_dtype((int)pv__onnx_attr_i(n, "to", 0));
    if (dt < 0)
      return ferr(n, PV_ERR_UNSUPPORTED, "cast to an unsupported type");
    out[0] = pv_tensor_cast(in[0], (pv_dtype)dt);
    rc = out[0] ? 0 : PV_ERR_NOMEM;
  } else if (!strcmp(op, "ConstantOfShape")) {
    int64_t s[PV_MAX_DIMS];
    int k =
        n_in > 0 && in[0] ? pv__onnx_tensor_ints(in[0], s, PV_MAX_DIMS) : -1;
    if (k < 0 || k > PV_MAX_DIMS)
      return ferr(n, PV_ERR_INVALID_ARG, "bad shape input");
    for (int i = 0; i < k; i++)
      if (s[i] < 0)
        return ferr(n, PV_ERR_INVALID_ARG, "negative dim");
    const pv__onnx_attr *a = pv__onnx_attr_find(n, "value");
    pv_tensor *v = NULL;
    if (a && a->type == PV__AT_TENSOR && a->t)
      v = pv__onnx_tensor_make(a->t, NULL, NULL);
    else
      v = pv_tensor_create(PV_F32, 1, (int64_t[]){1});
    if (!v)
      return pv_last_status();
    if (pv_tensor_numel(v) != 1) {
      pv_tensor_release(v);
      return ferr(n, PV_ERR_INVALID_ARG, "value must have one element");
    }
    pv_tensor *o = new_tensor(pv_tensor_dtype(v), k, s);
    if (o) {
      size_t es = pv_dtype_size(pv_tensor_dtype(v));
      for (int64_t i = 0; i < pv_tensor_numel(o); i++)
        memcpy((uint8_t *)pv_tensor_data(o) + i * es, pv_tensor_data(v), es);
    }
    pv_tensor_release(v);
    out[0] = o;
    rc = o ? 0 : pv_last_status();
  } else if (!strcmp(op, "Slice")) {
    rc = fold_slice(n, opset, n_in, in, &out[0]);
  } else if (!strcmp(op, "Transpose")) {
    int r = pv_tensor_ndim(in[0]), perm[PV_MAX_DIMS];
    int64_t p[PV_MAX_DIMS];
    int k = pv__onnx_attr_ints(n, "perm", p, PV_MAX_DIMS);
    if (k < 0)
      for (k = 0; k < r; k++)
        p[k] = r - 1 - k;
    if (k != r)
      return ferr(n, PV_ERR_INVALID_ARG, "perm does not match the rank");
    for (int i = 0; i < r; i++)
      perm[i] = (int)p[i];
    pv_tensor *v = pv_tensor_permute(in[0], perm);
    if (!v)
      return pv_last_status();
    out[0] = pv_tensor_clone(v);
    pv_tensor_release(v);
    rc = out[0] ? 0 : PV_ERR_NOMEM;
  } else if (!strcmp(op, "Expand")) {
    if (n_in < 2 || !in[1])
      return ferr(n, PV_ERR_INVALID_ARG, "missing shape");
    rc = fold_expand(n, in[0], in[1], &out[0]);
  } else if (!strcmp(op, "Range")) {
    if (n_in < 3 || !in[1] || !in[2])
      return ferr(n, PV_ERR_INVALID_ARG, "missing inputs");
    rc = fold_range(n, in, &out[0]);
  } else {
    /* elementwise, unary or binary or Where (ternary) */
    int k =
        !strcmp(op, "Where") ? 3
        : (!strcmp(op, "Neg") || !strcmp(op, "Abs") || !strcmp(op, "Floor") ||
           !strcmp(op, "Ceil") || !strcmp(op, "Sqrt") || !strcmp(op, "Not") ||
           !strcmp(op, "Reciprocal"))
            ? 1
            : 2;
    if ((!strcmp(op, "Min") || !strcmp(op, "Max")) && n_in != 2)
      return 0; /* variadic forms go to the graph */
    if (n_in < k)
      return ferr(n, PV_ERR_INVALID_ARG, "missing inputs");
    for (int i = 0; i < k; i++)
      if (!in[i])
        return ferr(n, PV_ERR_INVALID_ARG, "missing inputs");
    if (k == 2 && !strcmp(op, "Pow") &&
        pv_tensor_dtype(in[0]) != pv_tensor_dtype(in[1]) &&
        !is_float_dt(pv_tensor_dtype(in[0])))
      return 0;
    rc = eltwise(n, op, k, in, &out[0]);
  }
  if (rc) {
    pv_tensor_release(out[0]);
    out[0] = NULL;
    return rc < 0 ? rc : PV_ERR_INTERNAL;
  }
  if (!out[0])
    return pv_last_status() ? pv_last_status() : PV_ERR_INTERNAL;
  return 1;
}
