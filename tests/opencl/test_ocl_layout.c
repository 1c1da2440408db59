/* OpenCL layout ops against inline index arithmetic: reshape, permute,
 * slice (negative steps), expand, tile, concat, pad (all four modes, and a
 * negative pad that crops) and gather (i64 / i32, negative indices). */
#include "ocl_harness.h"

static ocl_t T;

static void run1(int op, const pv_op_attrs *a, pv_tensor_desc *in,
                 const void *data, pv_tensor_desc *out, void **got) {
  const void *d[1] = {data};
  *got = NULL;
  CHECK_EQ_INT(ocl_run_node(&T, op, a, 1, in, d, 0, 1, out, got), 0);
}

static void test_copies(void) {
  int64_t sx[3] = {2, 3, 4};
  float x[24];
  for (int i = 0; i < 24; i++)
    x[i] = (float)i;
  pv_tensor_desc in = ocl_desc(PV_F32, 3, sx), out;
  pv_op_attrs a;
  void *got;

  memset(&a, 0, sizeof a);
  a.reshape.ndim = 2;
  a.reshape.shape[0] = 4;
  a.reshape.shape[1] = 6;
  run1(PV_OP_RESHAPE, &a, &in, x, &out, &got);
  if (got)
    CHECK(!memcmp(got, x, sizeof x));
  free(got);

  memset(&a, 0, sizeof a);
  a.permute.perm[0] = 2;
  a.permute.perm[1] = 0;
  a.permute.perm[2] = 1;
  run1(PV_OP_PERMUTE, &a, &in, x, &out, &got);
  if (got)
    for (int k = 0; k < 4; k++)
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
          CHECK(((float *)got)[(k * 2 + i) * 3 + j] == x[(i * 3 + j) * 4 + k]);
  free(got);

  /* x[:, ::-2, 1:4:2] */
  memset(&a, 0, sizeof a);
  a.slice.start[0] = 0, a.slice.end[0] = INT64_MAX, a.slice.step[0] = 1;
  a.slice.start[1] = -1, a.slice.end[1] = INT64_MIN, a.slice.step[1] = -2;
  a.slice.start[2] = 1, a.slice.end[2] = 4, a.slice.step[2] = 2;
  run1(PV_OP_SLICE, &a, &in, x, &out, &got);
  CHECK_EQ_INT(out.shape[1], 2);
  CHECK_EQ_INT(out.shape[2], 2);
  if (got)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        for (int k = 0; k < 2; k++)
          CHECK(((float *)got)[(i * 2 + j) * 2 + k] ==
                x[(i * 3 + (2 - 2 * j)) * 4 + 1 + 2 * k]);
  free(got);

  /* expand [3,1] -> [2,3,4] */
  int64_t se[2] = {3, 1};
  pv_tensor_desc ine = ocl_desc(PV_F32, 2, se);
  memset(&a, 0, sizeof a);
  a.reshape.ndim = 3;
  a.reshape.shape[0] = 2;
  a.reshape.shape[1] = 3;
  a.reshape.shape[2] = 4;
  run1(PV_OP_EXPAND, &a, &ine, x, &out, &got);
  if (got)
    for (int i = 0; i < 24; i++)
      CHECK(((float *)got)[i] == x[(i / 4) % 3]);
  free(got);

  /* tile [2,3,4] by (1,2,3) */
  memset(&a, 0, sizeof a);
  a.reshape.ndim = 3;
  a.reshape.shape[0] = 1;
  a.reshape.shape[1] = 2;
  a.reshape.shape[2] = 3;
  run1(PV_OP_TILE, &a, &in, x, &out, &got);
  CHECK_EQ_INT(out.shape[2], 12);
  if (got)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 6; j++)
        for (int k = 0; k < 12; k++)
          CHECK(((float *)got)[(i * 6 + j) * 12 + k] ==
                x[(i * 3 + j % 3) * 4 + k % 4]);
  free(got);

  /* concat along axis 1 of [2,3,4] and [2,1,4] (i32 data: dtype-agnostic) */
  int64_t sb[3] = {2, 1, 4};
  int32_t xi[24], bi[8];
  for (int i = 0; i < 24; i++)
    xi[i] = i;
  for (int i = 0; i < 8; i++)
    bi[i] = 100 + i;
  pv_tensor_desc ins[2] = {ocl_desc(PV_I32, 3, sx), ocl_desc(PV_I32, 3, sb)};
  const void *dd[2] = {xi, bi};
  memset(&a, 0, sizeof a);
  a.axis.axis = 1;
  got = NULL;
  CHECK_EQ_INT(
      ocl_run_node(&T, PV_OP_CONCAT, &a, 2, ins, dd, 2u, 1, &out, &got), 0);
  if (got)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 4; k++)
          CHECK_EQ_INT(((int32_t *)got)[(i * 4 + j) * 4 + k],
                       j < 3 ? xi[(i * 3 + j) * 4 + k] : bi[i * 4 + k]);
  free(got);
}

static int reflect(int c, int n) {
  while (c < 0 || c >= n)
    c = c < 0 ? -c : 2 * (n - 1) - c;
  return c;
}

static void test_pad(void) {
  int64_t sx[2] = {3, 4};
  float x[12];
  for (int i = 0; i < 12; i++)
    x[i] = (float)i + 1;
  pv_tensor_desc in = ocl_desc(PV_F32, 2, sx), out;
  for (int mode = 0; mode < 4; mode++) {
    pv_op_attrs a;
    memset(&a, 0, sizeof a);
    a.pad.mode = mode;
    a.pad.value = -7.0f;
    a.pad.pads[0] = 2, a.pad.pads[1] = 1; /* rows */
    a.pad.pads[2] = 3, a.pad.pads[3] = mode == 0 ? -1 : 2;
    void *got;
    run1(PV_OP_PAD, &a, &in, x, &out, &got);
    if (!got)
      continue;
    int OH = (int)out.shape[0], OW = (int)out.shape[1];
    for (int r = 0; r < OH; r++)
      for (int c = 0; c < OW; c++) {
        int ir = r - 2, ic = c - 3;
        float want;
        if (mode == 0)
          want =
              ir < 0 || ir >= 3 || ic < 0 || ic >= 4 ? -7.0f : x[ir * 4 + ic];
        else if (mode == 1)
          want = x[reflect(ir, 3) * 4 + reflect(ic, 4)];
        else if (mode == 2)
          want = x[(ir < 0   ? 0
                    : ir > 2 ? 2
                             : ir) *
                       4 +
                   (ic < 0   ? 0
                    : ic > 3 ? 3
                             : ic)];
        else
          want = x[((ir % 3 + 3) % 3) * 4 + (ic % 4 + 4) % 4];
        if (((float *)got)[r * OW + c] != want) {
          fprintf(stderr, "pad mode %d at %d,%d: %g vs %g\n", mode, r, c,
                  ((float *)got)[r * OW + c], want);
          pv_test_failures++;
          r = OH;
          break;
        }
      }
    free(got);
  }
}

static void test_gather(void) {
  int64_t sx[3] = {2, 5, 3}, si[2] = {2, 2};
  float x[30];
  for (int i = 0; i < 30; i++)
    x[i] = (float)i;
  int64_t idx64[4] = {4, 0, -1, 2};
  int32_t idx32[4] = {4, 0, -1, 2};
  for (int w = 0; w < 2; w++) {
    pv_tensor_desc in[2] = {ocl_desc(PV_F32, 3, sx),
                            ocl_desc(w ? PV_I32 : PV_I64, 2, si)};
    const void *d[2] = {x, w ? (const void *)idx32 : (const void *)idx64};
    pv_op_attrs a;
    memset(&a, 0, sizeof a);
    a.axis.axis = 1;
    pv_tensor_desc out;
    void *got = NULL;
    CHECK_EQ_INT(ocl_run_node(&T, PV_OP_GATHER, &a, 2, in, d, w ? 2u : 0u, 1,
                              &out, &got),
                 0);
    CHECK_EQ_INT(out.ndim, 4);
    if (got)
      for (int o = 0; o < 2; o++)
        for (int j = 0; j < 4; j++)
          for (int k = 0; k < 3; k++) {
            int64_t ix = idx64[j] < 0 ? idx64[j] + 5 : idx64[j];
            CHECK(((float *)got)[(o * 4 + j) * 3 + k] ==
                  x[(o * 5 + ix) * 3 + k]);
          }
    free(got);
  }
  /* a constant index out of range is an error at compile, not a crash */
  int64_t bad[4] = {0, 5, 1, 1};
  pv_tensor_desc in[2] = {ocl_desc(PV_F32, 3, sx), ocl_desc(PV_I64, 2, si)};
  const void *d[2] = {x, bad};
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  a.axis.axis = 1;
  pv_tensor_desc out;
  void *got = NULL;
  CHECK(ocl_run_node(&T, PV_OP_GATHER, &a, 2, in, d, 2u, 1, &out, &got) != 0);
  free(got);
}

int main(void) {
  int rc = ocl_open(&T);
  if (rc)
    return rc;
  test_copies();
  test_pad();
  test_gather();
  ocl_unload(&T);
  return pv_test_finish("test_ocl_layout");
}
