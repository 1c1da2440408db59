/*
 * pv__ref_run on bad input: every mistake is an error code with a message,
 * never a crash (the graph's constant folding feeds it whatever a model
 * file holds).
 */
#include "testutil.h"

#include "internal.h"

static pv_tensor_desc desc(int dt, int ndim, const int64_t *shape) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = dt;
  d.ndim = ndim;
  memcpy(d.shape, shape, sizeof(int64_t) * (size_t)ndim);
  return d;
}

int main(void) {
  float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, y[12];
  int64_t s34[2] = {3, 4}, s4[1] = {4};
  pv_tensor_desc in[2] = {desc(PV_F32, 2, s34), desc(PV_F32, 1, s4)};
  pv_tensor_desc out[1] = {desc(PV_F32, 2, s34)};
  const void *xd[2] = {x, x};
  void *yd[1] = {y};
  pv_node_desc n;
  memset(&n, 0, sizeof n);
  n.op = PV_OP_ADD;
  n.n_inputs = 2;
  n.n_outputs = 1;

  /* the happy path first, so the failures below are about their cause */
  CHECK_EQ_INT(pv__ref_run(&n, in, xd, out, yd), 0);
  CHECK(y[5] == x[5] + x[1]);

  CHECK(pv__ref_run(NULL, in, xd, out, yd) == PV_ERR_INVALID_ARG);
  CHECK(pv__ref_run(&n, in, xd, out, NULL) == PV_ERR_INVALID_ARG);
  n.op = PV_OP_COUNT;
  CHECK(pv__ref_run(&n, in, xd, out, yd) == PV_ERR_UNKNOWN_OP);
  n.op = PV_OP_ADD;
  n.n_inputs = 3;
  CHECK(pv__ref_run(&n, in, xd, out, yd) == PV_ERR_INVALID_ARG);
  n.n_inputs = 2;
  /* a required input missing */
  const void *xnull[2] = {x, NULL};
  CHECK(pv__ref_run(&n, in, xnull, out, yd) == PV_ERR_INVALID_ARG);
  /* an output desc that disagrees with shape inference */
  pv_tensor_desc bad = desc(PV_F32, 1, s4);
  CHECK(pv__ref_run(&n, in, xd, &bad, yd) == PV_ERR_SHAPE);
  CHECK(strstr(pv_last_error(), "inference") != NULL);
  /* a fused activation that is not a unary op */
  n.attrs.binary.act.op = PV_OP_CONV2D;
  CHECK(pv__ref_run(&n, in, xd, out, yd) == PV_ERR_INVALID_ARG);
  memset(&n.attrs, 0, sizeof n.attrs);
  /* a negative dim */
  pv_tensor_desc neg[2] = {in[0], in[1]};
  neg[1].shape[0] = -4;
  CHECK(pv__ref_run(&n, neg, xd, out, yd) < 0);

  /* gather: an index out of range */
  int64_t idx[2] = {1, 7}, s2[1] = {2};
  pv_tensor_desc gin[2] = {desc(PV_F32, 2, s34), desc(PV_I64, 1, s2)};
  int64_t s24[2] = {2, 4};
  pv_tensor_desc gout = desc(PV_F32, 2, s24);
  const void *gd[2] = {x, idx};
  n.op = PV_OP_GATHER;
  CHECK(pv__ref_run(&n, gin, gd, &gout, yd) == PV_ERR_RANGE);
  idx[1] = -3; /* wraps to 0 */
  CHECK_EQ_INT(pv__ref_run(&n, gin, gd, &gout, yd), 0);
  CHECK(y[4] == x[0]);

  /* pad: an unknown mode */
  n.op = PV_OP_PAD;
  n.n_inputs = 1;
  n.attrs.pad.mode = 9;
  CHECK(pv__ref_run(&n, in, xd, out, yd) == PV_ERR_INVALID_ARG);
  memset(&n.attrs, 0, sizeof n.attrs);

  /* conv on integers */
  int64_t s1111[4] = {1, 1, 1, 1};
  pv_tensor_desc cin[2] = {desc(PV_I32, 4, s1111), desc(PV_I32, 4, s1111)};
  pv_tensor_desc cout = desc(PV_I32, 4, s1111);
  int32_t one = 1, r;
  const void *cd[2] = {&one, &one};
  void *rd[1] = {&r};
  n.op = PV_OP_CONV2D;
  n.n_inputs = 2;
  n.attrs.conv.stride[0] = n.attrs.conv.stride[1] = 1;
  n.attrs.conv.dilation[0] = n.attrs.conv.dilation[1] = 1;
  CHECK(pv__ref_run(&n, cin, cd, &cout, rd) == PV_ERR_DTYPE);
  return pv_test_finish("test_ref_errors");
}
