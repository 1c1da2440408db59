/*
 * The conformance grid and API, without a device: every op has a grid, every
 * generated case is valid for shape inference and runs on the reference
 * implementation, the grid is reproducible from its seed, and the API
 * rejects bad arguments and judges results as documented.
 */
#include "testutil.h"

#include "conformance/conformance_internal.h"

#include <math.h>

typedef struct {
  int n;
  uint64_t hash;
  pv__cf_rng data;
} grid_ctx;

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static int check_case(void *ctx, const pv__cf_case *c) {
  grid_ctx *g = ctx;
  g->n++;
  g->hash = fnv(g->hash, c, sizeof *c);
  int n_out = pv__op_num_outputs(c->op);
  pv_tensor_desc in[PV_MAX_INPUTS], out[PV_MAX_OUTPUTS];
  for (int i = 0; i < c->n_in; i++) {
    in[i] = c->in[i];
    if (c->absent[i])
      in[i].ndim = -1;
  }
  int rc = pv__infer_node(c->op, &c->attrs, c->n_in, in, n_out, out);
  if (rc) {
    fprintf(stderr, "%s case %d: invalid: %s\n", pv_op_name(c->op), g->n,
            pv_last_error());
    pv_test_failures++;
    return 0;
  }
  pv_tensor *t[PV_MAX_INPUTS] = {0}, *o[PV_MAX_OUTPUTS] = {0};
  const void *id[PV_MAX_INPUTS] = {0};
  void *od[PV_MAX_OUTPUTS] = {0};
  for (int i = 0; i < c->n_in; i++) {
    if (c->absent[i])
      continue;
    t[i] = pv_tensor_create((pv_dtype)c->in[i].dtype, c->in[i].ndim,
                            c->in[i].shape);
    int64_t n = pv_tensor_numel(t[i]);
    for (int64_t k = 0; k < n; k++) { /* in range, whole numbers if asked */
      double v = c->integral[i] || c->distinct[i]
                     ? (double)pv__cf_int(&g->data, (int64_t)ceil(c->lo[i]),
                                          (int64_t)floor(c->hi[i]))
                     : pv__cf_uniform(&g->data, c->lo[i], c->hi[i]);
      pv__store_f64(pv_tensor_data(t[i]), (pv_dtype)c->in[i].dtype, k, v);
    }
    id[i] = pv_tensor_data(t[i]);
  }
  for (int i = 0; i < n_out; i++) {
    o[i] = pv_tensor_create((pv_dtype)out[i].dtype, out[i].ndim, out[i].shape);
    od[i] = pv_tensor_data(o[i]);
  }
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = c->op;
  node.n_inputs = c->n_in;
  node.n_outputs = n_out;
  node.attrs = c->attrs;
  rc = pv__ref_run(&node, c->in, id, out, od);
  if (rc) {
    fprintf(stderr, "%s case %d: reference failed: %s\n", pv_op_name(c->op),
            g->n, pv_last_error());
    pv_test_failures++;
  }
  for (int i = 0; i < PV_MAX_INPUTS; i++)
    pv_tensor_release(t[i]);
  for (int i = 0; i < PV_MAX_OUTPUTS; i++)
    pv_tensor_release(o[i]);
  return 0;
}

int main(void) {
  int total = 0;
  for (int op = 1; op < PV_OP_COUNT; op++) {
    grid_ctx a = {0, 1469598103934665603ull, {7}},
             b = {0, 1469598103934665603ull, {7}};
    pv__cf_rng r1 = {42 + (uint64_t)op}, r2 = {42 + (uint64_t)op};
    CHECK_EQ_INT(pv__cf_grid(op, &r1, check_case, &a), 0);
    CHECK_EQ_INT(pv__cf_grid(op, &r2, check_case, &b), 0);
    if (a.n < 6)
      fprintf(stderr, "op %s has only %d cases\n", pv_op_name(op), a.n);
    CHECK(a.n >= 6);
    if (a.hash != b.hash)
      fprintf(stderr, "op %s: grid differs between runs\n", pv_op_name(op));
    CHECK(a.hash == b.hash); /* reproducible from the seed */
    CHECK(pv__cf_op_tolerance(op) >= 0 && pv__cf_op_tolerance(op) <= 1e-4);
    total += a.n;
  }
  printf("%d grid cases over %d ops\n", total, PV_OP_COUNT - 1);
  /* other seeds (as `polyvis conformance --seed`) must be valid too */
  for (uint64_t seed = 1; seed <= 64; seed++)
    for (int op = 1; op < PV_OP_COUNT; op++) {
      grid_ctx a = {0, 0, {seed}};
      pv__cf_rng r1 = {seed * 7919 + (uint64_t)op};
      CHECK_EQ_INT(pv__cf_grid(op, &r1, check_case, &a), 0);
    }
  /* documented tolerances */
  const int N = PV_OP_NONE;
  CHECK(pv__cf_tolerance(PV_OP_CONV2D, N, PV_F32, 0, PV_F32) == 1e-5);
  CHECK(pv__cf_tolerance(PV_OP_CONV2D, PV_OP_RELU, PV_F32, 0, PV_F32) == 1e-5);
  CHECK(pv__cf_tolerance(PV_OP_CONV2D, PV_OP_SILU, PV_F32, 0, PV_F32) == 1e-4);
  CHECK(pv__cf_tolerance(PV_OP_EXP, N, PV_F32, 0, PV_F32) == 1e-4);
  CHECK(pv__cf_tolerance(PV_OP_CONV2D, N, PV_F16, 0, PV_F16) == 1e-2);
  CHECK(pv__cf_tolerance(PV_OP_ADD, N, PV_I32, 0, PV_I32) == 0);
  CHECK(pv__cf_tolerance(PV_OP_MAX, N, PV_F32, 0, PV_F32) == 0);
  CHECK(pv__cf_tolerance(PV_OP_MAX, PV_OP_SIGMOID, PV_F32, 0, PV_F32) == 1e-4);
  CHECK(pv__cf_tolerance(PV_OP_TOPK, N, PV_F32, 1, PV_I64) == 0);

  /* API arguments */
  pv_conformance_result res[PV_OP_COUNT];
  int n = -1;
  pv_conformance_options o = pv_conformance_options_default();
  CHECK(o.struct_size == sizeof o);
  o.op = "no_such_op";
  CHECK(pv_conformance_run("cpu", &o, res, PV_OP_COUNT, &n) ==
        PV_ERR_NOT_FOUND);
  CHECK_EQ_INT(n, 0);
  CHECK(pv_conformance_run("cpu", NULL, NULL, 0, &n) == PV_ERR_INVALID_ARG);

  /* judging results */
  memset(res, 0, sizeof res);
  res[0].op = PV_OP_CONV2D, res[0].claimed = 1, res[0].supported = 3;
  res[0].passed = 3;
  res[1].op = PV_OP_RELU; /* not claimed */
  CHECK(pv_conformance_ok(res, 2, 0) == 1);
  CHECK(pv_conformance_ok(res, 2, 1) == 0);
  res[1].claimed = 1, res[1].supported = 2, res[1].passed = 1;
  CHECK(pv_conformance_ok(res, 2, 0) == 0);
  return pv_test_finish("test_conformance_grid");
}
