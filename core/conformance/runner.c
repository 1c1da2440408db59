/*
 * pv_conformance_run: for every op, generates its grid (grid.c), computes
 * each case with the reference implementation (pv__ref_run), asks the device
 * whether it supports the case, and if so runs it as a single-node graph in
 * strict mode and compares. See include/polyvis/conformance.h.
 */
#include "conformance_internal.h"

#include <math.h>
#include <stdarg.h>

#define PV__CF_DEFAULT_SEED 0x5eed1234abcdull
/* The relative threshold of inexact ops in fp16 storage mode: a few fp16
 * ulps (2^-10) of accumulated rounding, as the zoo's fp16 parity uses. */
#define PV__CF_FP16_TOL 2e-3

static bool fp16_mode(void) {
  const char *p = pv_get_option("POLYVIS_PRECISION");
  return p && !strcmp(p, "fp16");
}

/* ------------------------------------------------------------ tolerances */

static bool exact_op(int op) {
  switch (op) {
  case PV_OP_RELU:
  case PV_OP_NEG:
  case PV_OP_ABS:
  case PV_OP_CLIP:
  case PV_OP_MAX:
  case PV_OP_MIN:
  case PV_OP_MAX_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
  case PV_OP_RESHAPE:
  case PV_OP_PERMUTE:
  case PV_OP_CONCAT:
  case PV_OP_SLICE:
  case PV_OP_PAD:
  case PV_OP_GATHER:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
  case PV_OP_REDUCE_MAX:
  case PV_OP_REDUCE_MIN:
  case PV_OP_ARGMAX:
  case PV_OP_ARGMIN:
  case PV_OP_TOPK:
  case PV_OP_WHERE:
  case PV_OP_CAST:
  case PV_OP_EQUAL:
  case PV_OP_LESS:
  case PV_OP_GREATER:
    return true;
  default:
    return false;
  }
}

static bool transcendental_op(int op) {
  switch (op) {
  case PV_OP_EXP:
  case PV_OP_LOG:
  case PV_OP_SIGMOID:
  case PV_OP_TANH:
  case PV_OP_SILU:
  case PV_OP_GELU:
  case PV_OP_ERF:
  case PV_OP_POW:
  case PV_OP_RSQRT:
  case PV_OP_SOFTMAX:
  case PV_OP_LOG_SOFTMAX:
  case PV_OP_BATCH_NORM:
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    return true;
  default:
    return false;
  }
}

double pv__cf_op_tolerance(int op) {
  return exact_op(op) ? 0.0 : transcendental_op(op) ? 1e-4 : 1e-5;
}

static bool is_float_dt(int dt) {
  return dt == PV_F32 || dt == PV_F16 || dt == PV_BF16 || dt == PV_F64;
}

double pv__cf_tolerance(int op, int act, int in_dt, int out_index, int out_dt) {
  (void)out_index;
  bool act_exact = act == PV_OP_NONE || exact_op(act);
  if (!is_float_dt(out_dt) || (exact_op(op) && act_exact))
    return 0.0;
  if (in_dt == PV_F16 || out_dt == PV_F16 || in_dt == PV_BF16 ||
      out_dt == PV_BF16)
    return 1e-2;
  double tol = exact_op(op) ? 1e-5 : pv__cf_op_tolerance(op);
  if (!act_exact && transcendental_op(act) && tol < 1e-4)
    tol = 1e-4; /* a fused sigmoid/silu/... brings its own error */
  return tol;
}

/* The fused activation of a case, PV_OP_NONE if it has none. */
static int case_act(const pv__cf_case *c) {
  switch (c->op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    return c->attrs.conv.act.op;
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
    return c->attrs.gemm.act.op;
  default:
    return pv__op_is_binary(c->op) ? c->attrs.binary.act.op : PV_OP_NONE;
  }
}

/* max|got - want| / max|want| (absolute when want is all zero); inf/nan
 * must match exactly, else the error is INFINITY. */
static double rel_error(const pv_tensor_desc *d, const void *got, int got_dt,
                        const void *want) {
  int64_t n = pv__desc_numel(d);
  double maxd = 0, maxw = 0;
  for (int64_t i = 0; i < n; i++) {
    double g = pv__load_f64(got, (pv_dtype)got_dt, i);
    double w = pv__load_f64(want, (pv_dtype)d->dtype, i);
    if (isnan(w) || isinf(w)) {
      if (!(isnan(w) ? isnan(g) : g == w))
        return INFINITY;
      continue;
    }
    if (isnan(g) || isinf(g))
      return INFINITY;
    maxd = fmax(maxd, fabs(g - w));
    maxw = fmax(maxw, fabs(w));
  }
  return maxw > 0 ? maxd / maxw : maxd;
}

/* ----------------------------------------------------------- one case */

typedef struct run_ctx {
  pv_device *dev;
  const char *dev_name;
  const pv_conformance_options *opts;
  pv__cf_rng data_rng;
  pv_conformance_result *res;
  int case_index;
  int fatal; /* a reference or generator failure: aborts the run */
} run_ctx;

/* "[2, 3, 4] f32, [4] f32 (const), -" into buf. */
static void describe(const pv__cf_case *c, char *buf, size_t size) {
  size_t off = 0;
  buf[0] = 0;
  for (int i = 0; i < c->n_in && off < size; i++) {
    char sh[PV__SHAPE_STR_LEN];
    if (c->absent[i])
      off += (size_t)snprintf(buf + off, size - off, "%s-", i ? ", " : "");
    else
      off += (size_t)snprintf(
          buf + off, size - off, "%s%s %s%s", i ? ", " : "",
          pv__shape_str(c->in[i].ndim, c->in[i].shape, sh, sizeof sh),
          pv_dtype_name((pv_dtype)c->in[i].dtype),
          (c->const_mask >> i) & 1 ? " const" : "");
  }
}

static void fail_case(run_ctx *x, const pv__cf_case *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_case(run_ctx *x, const pv__cf_case *c, const char *fmt, ...) {
  char msg[512], d[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  describe(c, d, sizeof d);
  if (!x->res->first_failure[0])
    snprintf(x->res->first_failure, sizeof x->res->first_failure,
             "case %d (%s): %s", x->case_index, d, msg);
  if (x->opts->verbose)
    fprintf(stderr, "conformance %s %s case %d (%s): %s\n", x->dev_name,
            pv_op_name(c->op), x->case_index, d, msg);
}

/* Fills input i of c with seeded values. */
static void fill_input(run_ctx *x, const pv__cf_case *c, int i, void *data) {
  const pv_tensor_desc *d = &c->in[i];
  int64_t n = pv__desc_numel(d);
  if (c->distinct[i]) { /* a shuffled ramp: no ties */
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (perm) {
      for (int64_t k = 0; k < n; k++)
        perm[k] = k;
      for (int64_t k = n - 1; k > 0; k--) {
        int64_t j = pv__cf_int(&x->data_rng, 0, k), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
      }
      double step = is_float_dt(d->dtype) ? 0.25 : 1.0;
      for (int64_t k = 0; k < n; k++)
        pv__store_f64(data, (pv_dtype)d->dtype, k,
                      (double)(perm[k] - n / 2) * step);
      free(perm);
      return;
    }
  }
  for (int64_t k = 0; k < n; k++) {
    double v;
    if (d->dtype == PV_BOOL)
      v = (double)pv__cf_int(&x->data_rng, 0, 1);
    else if (c->integral[i] || !is_float_dt(d->dtype))
      v = (double)pv__cf_int(&x->data_rng, (int64_t)ceil(c->lo[i]),
                             (int64_t)floor(c->hi[i]));
    else
      v = pv__cf_uniform(&x->data_rng, c->lo[i], c->hi[i]);
    pv__store_f64(data, (pv_dtype)d->dtype, k, v);
  }
}

#ifdef PV_HAVE_GRAPH_RUNTIME
/* Runs the case as a single-node graph on the device in strict mode. */
static int run_on_device(run_ctx *x, const pv__cf_case *c, pv_tensor **in,
                         int n_out, pv_tensor **out) {
  pv_graph *g = pv_graph_create();
  if (!g)
    return pv_set_error(PV_ERR_NOMEM, "pv_graph_create failed");
  pv_value v[PV_MAX_INPUTS], vo[PV_MAX_OUTPUTS];
  pv_tensor *feed[PV_MAX_INPUTS];
  int n_feed = 0, n_in = c->n_in;
  while (n_in > 0 && c->absent[n_in - 1])
    n_in--;
  for (int i = 0; i < n_in; i++) {
    char name[16];
    snprintf(name, sizeof name, "x%d", i);
    if (c->absent[i])
      v[i] = PV_NO_VALUE;
    else if ((c->const_mask >> i) & 1)
      v[i] = pv_graph_constant(g, name, in[i]);
    else {
      v[i] = pv_graph_input(g, name, (pv_dtype)c->in[i].dtype, c->in[i].ndim,
                            c->in[i].shape);
      feed[n_feed++] = in[i];
    }
  }
  pv_graph_node(g, (pv_op)c->op, n_in, v, &c->attrs, vo);
  for (int i = 0; i < n_out; i++) {
    char name[16];
    snprintf(name, sizeof name, "y%d", i);
    pv_graph_output(g, name, vo[i]);
  }
  int rc = pv_graph_status(g);
  if (rc) {
    rc = pv_set_error(rc, "graph build: %s", pv_graph_error(g));
    pv_graph_free(g);
    return rc;
  }
  pv_compile_options o = pv_compile_options_default();
  o.device = x->dev_name;
  o.fallback = 0;
  o.precision = -1; /* the device's own (--precision) */
  o.no_optimize = 1;
  pv_compiled *cg = pv_graph_compile(g, &o);
  pv_graph_free(g);
  if (!cg) {
    rc = pv_last_status();
    return rc ? rc : pv_set_error(PV_ERR_DEVICE, "compile failed");
  }
  rc = pv_compiled_run(cg, n_feed, feed, n_out, out);
  pv_compiled_free(cg);
  return rc;
}
#else
static int run_on_device(run_ctx *x, const pv__cf_case *c, pv_tensor **in,
                         int n_out, pv_tensor **out) {
  (void)x, (void)c, (void)in, (void)n_out, (void)out;
  return pv_set_error(PV_ERR_UNSUPPORTED,
                      "this build of polyvis has no graph runtime");
}
#endif

static int run_case(void *ctx, const pv__cf_case *c) {
  run_ctx *x = ctx;
  pv_conformance_result *res = x->res;
  x->case_index = res->total++;
  int n_out = pv__op_num_outputs(c->op);
  pv_tensor_desc ind[PV_MAX_INPUTS], outd[PV_MAX_OUTPUTS];
  for (int i = 0; i < c->n_in; i++) {
    ind[i] = c->in[i];
    if (c->absent[i])
      ind[i].ndim = -1;
  }
  int rc = pv__infer_node(c->op, &c->attrs, c->n_in, c->in, n_out, outd);
  if (!rc) /* again with absent inputs marked, as the graph sees them */
    rc = pv__infer_node(c->op, &c->attrs, c->n_in, ind, n_out, outd);
  if (rc) {
    char d[256];
    describe(c, d, sizeof d);
    x->fatal = pv_set_error(PV_ERR_INTERNAL,
                            "conformance: generated an invalid %s case (%s): "
                            "%s",
                            pv_op_name(c->op), d, pv_last_error());
    return x->fatal;
  }
  pv_tensor *in[PV_MAX_INPUTS] = {0}, *want[PV_MAX_OUTPUTS] = {0},
            *got[PV_MAX_OUTPUTS] = {0};
  const void *in_data[PV_MAX_INPUTS] = {0};
  void *want_data[PV_MAX_OUTPUTS] = {0};
  for (int i = 0; i < c->n_in && !rc; i++) {
    if (c->absent[i])
      continue;
    in[i] = pv_tensor_create((pv_dtype)c->in[i].dtype, c->in[i].ndim,
                             c->in[i].shape);
    if (!in[i]) {
      rc = pv_last_status() ? pv_last_status() : PV_ERR_NOMEM;
      break;
    }
    fill_input(x, c, i, pv_tensor_data(in[i]));
    in_data[i] = pv_tensor_data(in[i]);
  }
  for (int i = 0; i < n_out && !rc; i++) {
    want[i] =
        pv_tensor_create((pv_dtype)outd[i].dtype, outd[i].ndim, outd[i].shape);
    if (!want[i])
      rc = pv_last_status() ? pv_last_status() : PV_ERR_NOMEM;
    else
      want_data[i] = pv_tensor_data(want[i]);
  }
  if (!rc) {
    pv_node_desc node;
    memset(&node, 0, sizeof node);
    node.op = c->op;
    node.n_inputs = c->n_in;
    node.n_outputs = n_out;
    node.attrs = c->attrs;
    rc = pv__ref_run(&node, c->in, in_data, outd, want_data);
  }
  if (rc) {
    x->fatal = rc;
    goto done;
  }
  /* Does the device claim this case? */
  pv_op_desc q;
  memset(&q, 0, sizeof q);
  q.op = c->op;
  q.n_inputs = c->n_in;
  while (q.n_inputs > 0 && c->absent[q.n_inputs - 1])
    q.n_inputs--;
  q.n_outputs = n_out;
  memcpy(q.inputs, ind, sizeof(pv_tensor_desc) * (size_t)c->n_in);
  memcpy(q.outputs, outd, sizeof(pv_tensor_desc) * (size_t)n_out);
  q.const_inputs = c->const_mask;
  q.attrs = c->attrs;
  if (!pv_device_supports_op(x->dev, &q))
    goto done;
  res->claimed = 1;
  res->supported++;
  rc = run_on_device(x, c, in, n_out, got);
  if (rc) {
    fail_case(x, c, "device run failed: %s", pv_last_error());
    res->max_error = INFINITY;
    rc = 0;
    goto done;
  }
  bool ok = true;
  for (int i = 0; i < n_out; i++) {
    if (!got[i]) {
      fail_case(x, c, "output %d is missing", i);
      res->max_error = INFINITY;
      ok = false;
      break;
    }
    pv_tensor_desc gd;
    memset(&gd, 0, sizeof gd);
    gd.dtype = pv_tensor_dtype(got[i]);
    gd.ndim = pv_tensor_ndim(got[i]);
    memcpy(gd.shape, pv_tensor_shape(got[i]),
           sizeof(int64_t) * (size_t)gd.ndim);
    if (gd.ndim != outd[i].ndim || gd.dtype != outd[i].dtype ||
        memcmp(gd.shape, outd[i].shape, sizeof(int64_t) * (size_t)gd.ndim)) {
      char s1[PV__SHAPE_STR_LEN], s2[PV__SHAPE_STR_LEN];
      fail_case(x, c, "output %d is %s %s, expected %s %s", i,
                pv_dtype_name((pv_dtype)gd.dtype),
                pv__shape_str(gd.ndim, gd.shape, s1, sizeof s1),
                pv_dtype_name((pv_dtype)outd[i].dtype),
                pv__shape_str(outd[i].ndim, outd[i].shape, s2, sizeof s2));
      res->max_error = INFINITY;
      ok = false;
      break;
    }
    if (pv__desc_numel(&gd) == 0)
      continue; /* nothing to compare */
    pv_tensor *host = got[i];
    bool own = false;
    if (pv_tensor_device(host)) { /* read device outputs back */
      host = pv_tensor_to(got[i], NULL);
      own = true;
    }
    if (host && !pv_tensor_is_contiguous(host)) {
      pv_tensor *h2 = pv_tensor_contiguous(host);
      if (own)
        pv_tensor_release(host);
      host = h2;
      own = true;
    }
    if (!host) {
      fail_case(x, c, "cannot read output %d: %s", i, pv_last_error());
      res->max_error = INFINITY;
      ok = false;
      break;
    }
    double e =
        rel_error(&outd[i], pv_tensor_data(host), gd.dtype, want_data[i]);
    if (own)
      pv_tensor_release(host);
    double tol =
        pv__cf_tolerance(c->op, case_act(c), c->in[0].dtype, i, outd[i].dtype);
    /* --precision fp16 stores weights (and may store activations) in half:
     * inexact float outputs get the fp16 threshold. Exact ops stay exact:
     * a device that rounds their data is wrong, not imprecise. */
    if (fp16_mode() && tol > 0)
      tol = fmax(tol, PV__CF_FP16_TOL);
    if (e > res->max_error || isnan(e))
      res->max_error = isnan(e) ? INFINITY : e;
    if (!(e <= tol)) {
      fail_case(x, c, "output %d: relative error %.3g > tolerance %.0e", i, e,
                tol);
      ok = false;
    }
  }
  res->passed += ok;
done:
  for (int i = 0; i < PV_MAX_INPUTS; i++)
    pv_tensor_release(in[i]);
  for (int i = 0; i < PV_MAX_OUTPUTS; i++) {
    pv_tensor_release(want[i]);
    pv_tensor_release(got[i]);
  }
  return x->fatal;
}

/* ------------------------------------------------------------ public */

pv_conformance_options pv_conformance_options_default(void) {
  pv_conformance_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  return o;
}

int pv_conformance_run(const char *device,
                       const pv_conformance_options *options,
                       pv_conformance_result *results, int max_results,
                       int *n_results) {
  pv_conformance_options opts = pv_conformance_options_default();
  if (options)
    memcpy(&opts, options,
           PV__MIN(sizeof opts,
                   options->struct_size ? options->struct_size : sizeof opts));
  if (n_results)
    *n_results = 0;
  if (!results || max_results < 0 || !n_results)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "pv_conformance_run: NULL results or count");
  int only = 0;
  if (opts.op && *opts.op) {
    only = pv_op_from_name(opts.op);
    if (only <= 0)
      return pv_set_error(PV_ERR_NOT_FOUND,
                          "conformance: unknown op '%s' (names as in "
                          "`polyvis conformance`, e.g. conv2d)",
                          opts.op);
  }
#ifndef PV_HAVE_GRAPH_RUNTIME
  return pv_set_error(PV_ERR_UNSUPPORTED,
                      "conformance: this build of polyvis has no graph "
                      "runtime to run devices with");
#endif
  pv_device *dev = pv_device_find(device && *device ? device : "auto");
  if (!dev)
    return pv_set_error(PV_ERR_NOT_FOUND, "conformance: no device '%s': %s",
                        device ? device : "auto", pv_last_error());
  uint64_t seed = opts.seed ? opts.seed : PV__CF_DEFAULT_SEED;
  for (int op = 1; op < PV_OP_COUNT; op++) {
    if (only && op != only)
      continue;
    if (*n_results >= max_results)
      return pv_set_error(PV_ERR_RANGE,
                          "conformance: more than %d results; pass a larger "
                          "array",
                          max_results);
    pv_conformance_result *res = &results[(*n_results)++];
    memset(res, 0, sizeof *res);
    res->op = op;
    res->tolerance = pv__cf_op_tolerance(op);
    if (fp16_mode() && res->tolerance > 0)
      res->tolerance = fmax(res->tolerance, PV__CF_FP16_TOL);
    run_ctx x;
    memset(&x, 0, sizeof x);
    x.dev = dev;
    x.dev_name = pv_device_name(dev);
    x.opts = &opts;
    x.res = res;
    /* Each op has its own streams, so --op reproduces the full run. */
    pv__cf_rng shape_rng = {seed ^ ((uint64_t)op * 0x9E3779B97F4A7C15ull)};
    x.data_rng.s = ~shape_rng.s;
    int rc = pv__cf_grid(op, &shape_rng, run_case, &x);
    if (x.fatal)
      return x.fatal;
    if (rc)
      return rc;
  }
  return 0;
}

int pv_conformance_ok(const pv_conformance_result *results, int n,
                      int require_all) {
  for (int i = 0; i < n; i++) {
    const pv_conformance_result *r = &results[i];
    if (r->claimed && r->passed != r->supported)
      return 0;
    if (require_all && !r->claimed &&
        (require_all > 1 || !pv__op_is_composite(r->op)))
      return 0;
  }
  return 1;
}
