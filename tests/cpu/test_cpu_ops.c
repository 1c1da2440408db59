/*
 * The CPU backend through its plugin ABI: every case of cpu_goldens.py (run
 * with /usr/bin/python3 at test time, torch 1.13 as the reference) becomes a
 * one-node partition with its values in an arena buffer (weights marked
 * constant where the case says so), is compiled, executed and compared with
 * max|got-want|/max|want| <= 1e-5 (exact for integer and bool outputs).
 * Shapes are cross-checked against core/graph/infer.c. A few checks need no
 * python: sgemm against a naive product (edges, K and N beyond one block),
 * supports() for unimplemented dtypes, and an out-of-range gather index.
 */
#include "cpu_node.h"
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <unistd.h>

#define TOL 1e-5

/* ---- manifest attrs --------------------------------------------------------
 */

static void set_act(pv_act *a, const char *key, const char *sval, double v0) {
  if (!strcmp(key, "act"))
    a->op = pv_op_from_name(sval);
  else if (!strcmp(key, "act_alpha"))
    a->alpha = (float)v0;
  else if (!strcmp(key, "act_beta"))
    a->beta = (float)v0;
}

static void copy_i32(int32_t *dst, const double *v, int n) {
  for (int i = 0; i < n; i++)
    dst[i] = (int32_t)v[i];
}

static int set_attr(int op, pv_op_attrs *a, const char *key, const char *sval) {
  double v[16] = {0};
  int n = 0;
  const char *p = sval;
  while (*p && n < 16) {
    char *end;
    v[n] = strtod(p, &end);
    if (end == p)
      break;
    n++;
    p = *end == ',' ? end + 1 : end;
  }
  switch (op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D:
    if (!strcmp(key, "stride"))
      copy_i32(a->conv.stride, v, 2);
    else if (!strcmp(key, "padding"))
      copy_i32(a->conv.padding, v, 4);
    else if (!strcmp(key, "dilation"))
      copy_i32(a->conv.dilation, v, 2);
    else if (!strcmp(key, "groups"))
      a->conv.groups = (int32_t)v[0];
    else if (!strcmp(key, "output_padding"))
      copy_i32(a->conv.output_padding, v, 2);
    else
      set_act(&a->conv.act, key, sval, v[0]);
    return 0;
  case PV_OP_LINEAR:
  case PV_OP_GEMM:
    if (!strcmp(key, "trans_a"))
      a->gemm.trans_a = (int32_t)v[0];
    else if (!strcmp(key, "trans_b"))
      a->gemm.trans_b = (int32_t)v[0];
    else if (!strcmp(key, "alpha"))
      a->gemm.alpha = (float)v[0];
    else if (!strcmp(key, "beta"))
      a->gemm.beta = (float)v[0];
    else
      set_act(&a->gemm.act, key, sval, v[0]);
    return 0;
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D:
    if (!strcmp(key, "kernel"))
      copy_i32(a->pool.kernel, v, 2);
    else if (!strcmp(key, "stride"))
      copy_i32(a->pool.stride, v, 2);
    else if (!strcmp(key, "padding"))
      copy_i32(a->pool.padding, v, 4);
    else if (!strcmp(key, "dilation"))
      copy_i32(a->pool.dilation, v, 2);
    else if (!strcmp(key, "ceil_mode"))
      a->pool.ceil_mode = (int32_t)v[0];
    else if (!strcmp(key, "count_include_pad"))
      a->pool.count_include_pad = (int32_t)v[0];
    else if (!strcmp(key, "divisor_override"))
      a->pool.divisor_override = (int32_t)v[0];
    else if (!strcmp(key, "output_size"))
      copy_i32(a->pool.output_size, v, 2);
    return 0;
  case PV_OP_BATCH_NORM:
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    if (!strcmp(key, "eps"))
      a->norm.eps = (float)v[0];
    else if (!strcmp(key, "groups"))
      a->norm.groups = (int32_t)v[0];
    else if (!strcmp(key, "n_norm_dims"))
      a->norm.n_norm_dims = (int32_t)v[0];
    return 0;
  case PV_OP_RESHAPE:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    a->reshape.ndim = n;
    for (int i = 0; i < n; i++)
      a->reshape.shape[i] = (int64_t)v[i];
    return 0;
  case PV_OP_PERMUTE:
    copy_i32(a->permute.perm, v, n);
    return 0;
  case PV_OP_SLICE:
    for (int i = 0; i < n; i++) {
      int64_t x = v[i] > 4e18    ? INT64_MAX / 2
                  : v[i] < -4e18 ? -INT64_MAX / 2
                                 : (int64_t)v[i];
      if (!strcmp(key, "start"))
        a->slice.start[i] = x;
      else if (!strcmp(key, "end"))
        a->slice.end[i] = x;
      else
        a->slice.step[i] = x;
    }
    return 0;
  case PV_OP_PAD:
    if (!strcmp(key, "pads"))
      for (int i = 0; i < n; i++)
        a->pad.pads[i] = (int64_t)v[i];
    else if (!strcmp(key, "mode"))
      a->pad.mode = (int32_t)v[0];
    else if (!strcmp(key, "value"))
      a->pad.value = (float)v[0];
    return 0;
  case PV_OP_CAST:
    a->cast.to = pv_dtype_from_name(sval);
    return 0;
  case PV_OP_RESIZE:
    if (!strcmp(key, "mode"))
      a->resize.mode = (int32_t)v[0];
    else if (!strcmp(key, "align_corners"))
      a->resize.align_corners = (int32_t)v[0];
    else if (!strcmp(key, "antialias"))
      a->resize.antialias = (int32_t)v[0];
    else if (!strcmp(key, "cubic_a"))
      a->resize.cubic_a = (float)v[0];
    else if (!strcmp(key, "size")) {
      a->resize.size[0] = (int64_t)v[0];
      a->resize.size[1] = (int64_t)v[1];
    } else if (!strcmp(key, "scale")) {
      a->resize.scale[0] = v[0];
      a->resize.scale[1] = v[1];
    } else if (!strcmp(key, "coord_mode"))
      a->resize.coord_mode = (int32_t)v[0];
    else if (!strcmp(key, "nearest_mode"))
      a->resize.nearest_mode = (int32_t)v[0];
    else if (!strcmp(key, "exclude_outside"))
      a->resize.exclude_outside = (int32_t)v[0];
    return 0;
  default:
    break;
  }
  if (op >= PV_OP_RELU && op <= PV_OP_ERF) {
    if (!strcmp(key, "alpha"))
      a->unary.alpha = (float)v[0];
    else if (!strcmp(key, "beta"))
      a->unary.beta = (float)v[0];
    else if (!strcmp(key, "mode"))
      a->unary.mode = (int32_t)v[0];
    return 0;
  }
  if ((op >= PV_OP_ADD && op <= PV_OP_MIN)) {
    set_act(&a->binary.act, key, sval, v[0]);
    return 0;
  }
  /* axis attrs */
  if (!strcmp(key, "axis"))
    a->axis.axis = (int32_t)v[0];
  else if (!strcmp(key, "keepdims"))
    a->axis.keepdims = (int32_t)v[0];
  else if (!strcmp(key, "axes")) {
    a->axis.n_axes = n;
    copy_i32(a->axis.axes, v, n);
  } else if (!strcmp(key, "k"))
    a->axis.k = (int64_t)v[0];
  else if (!strcmp(key, "largest"))
    a->axis.largest = (int32_t)v[0];
  else if (!strcmp(key, "sorted"))
    a->axis.sorted = (int32_t)v[0];
  else if (!strcmp(key, "select_last_index"))
    a->axis.select_last_index = (int32_t)v[0];
  else
    return -1;
  return 0;
}

static int is_float_dt(int dt) {
  return dt == PV_F32 || dt == PV_F64 || dt == PV_F16 || dt == PV_BF16;
}

static void run_case(const char *dir, char *line) {
  char name[128], opname[64];
  int n_in, n_out, cmask, pos = 0;
  if (sscanf(line, "%127s %63s %d %d %d%n", name, opname, &n_in, &n_out, &cmask,
             &pos) != 5)
    return;
  node_run r;
  memset(&r, 0, sizeof r);
  r.op = pv_op_from_name(opname);
  r.n_in = n_in;
  r.n_out = n_out;
  r.const_mask = (uint32_t)cmask;
  CHECK(r.op > 0);
  if (r.op <= 0)
    return;
  char *save = NULL;
  for (char *tok = strtok_r(line + pos, " \n", &save); tok;
       tok = strtok_r(NULL, " \n", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq)
      continue;
    *eq = 0;
    if (set_attr(r.op, &r.attrs, tok, eq + 1)) {
      fprintf(stderr, "%s: unknown attr %s\n", name, tok);
      pv_test_failures++;
    }
  }
  pv_tensor *ins[PV_MAX_INPUTS] = {0}, *want[PV_MAX_OUTPUTS] = {0},
            *got[PV_MAX_OUTPUTS] = {0};
  char path[1024];
  for (int i = 0; i < n_in; i++) {
    snprintf(path, sizeof path, "%s/%s_in%d.npy", dir, name, i);
    ins[i] = pv_npy_load(path);
    if (ins[i]) {
      pv_tensor_get_desc(ins[i], &r.in[i]);
      r.in_data[i] = pv_tensor_data(ins[i]);
    } else {
      r.in[i].ndim = -1;
    }
  }
  int ok = 1;
  for (int i = 0; i < n_out; i++) {
    snprintf(path, sizeof path, "%s/%s_out%d.npy", dir, name, i);
    want[i] = pv_npy_load(path);
    CHECK(want[i] != NULL);
    if (!want[i]) {
      ok = 0;
      continue;
    }
    pv_tensor_get_desc(want[i], &r.out[i]);
    got[i] = pv_tensor_create(pv_tensor_dtype(want[i]), r.out[i].ndim,
                              r.out[i].shape);
    r.out_data[i] = pv_tensor_data(got[i]);
  }
  /* the shapes torch produced must be what infer.c derives from the attrs */
  pv_tensor_desc inf[PV_MAX_OUTPUTS];
  if (ok) {
    int rc = pv__infer_node(r.op, &r.attrs, n_in, r.in, n_out, inf);
    if (rc) {
      fprintf(stderr, "%s: infer failed: %s\n", name, pv_last_error());
      pv_test_failures++;
      ok = 0;
    }
    for (int i = 0; i < n_out && ok; i++)
      if (inf[i].ndim != r.out[i].ndim || inf[i].dtype != r.out[i].dtype ||
          memcmp(inf[i].shape, r.out[i].shape,
                 sizeof(int64_t) * (size_t)inf[i].ndim)) {
        fprintf(stderr, "%s: infer shape/dtype differs from torch's\n", name);
        pv_test_failures++;
        ok = 0;
      }
  }
  if (ok) {
    int sup = 0;
    int rc = run_node(&r, &sup);
    if (!sup) {
      fprintf(stderr, "%s: supports_op says no\n", name);
      pv_test_failures++;
    } else if (rc) {
      fprintf(stderr, "%s: failed: %s\n", name, pv_last_error());
      pv_test_failures++;
    } else {
      for (int i = 0; i < n_out; i++) {
        double err = pv_test_rel_error(got[i], want[i]);
        double tol = is_float_dt(r.out[i].dtype) ? TOL : 0.0;
        if (!(err <= tol)) {
          fprintf(stderr, "%s: output %d rel error %g > %g\n", name, i, err,
                  tol);
          pv_test_failures++;
        }
      }
    }
  }
  for (int i = 0; i < n_in; i++)
    pv_tensor_release(ins[i]);
  for (int i = 0; i < n_out; i++) {
    pv_tensor_release(want[i]);
    pv_tensor_release(got[i]);
  }
}

static int run_goldens(void) {
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  if (!src)
    src = POLYVIS_SOURCE_DIR_DEFAULT;
  if (access("/usr/bin/python3", X_OK) != 0) {
    printf("SKIP goldens: /usr/bin/python3 missing\n");
    return 0;
  }
  const char *tmp = pv_test_tmpdir();
  char cmd[2048], dir[1024];
  snprintf(dir, sizeof dir, "%s/cpu_goldens", tmp);
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
           "/usr/bin/python3 %s/tests/cpu/cpu_goldens.py %s > /dev/null",
           src, dir);
  if (system(cmd) != 0) {
    printf("SKIP goldens: torch not available\n");
    return 0;
  }
  char path[1100];
  snprintf(path, sizeof path, "%s/cases.txt", dir);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f)
    return 0;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    run_case(dir, line);
    n++;
  }
  fclose(f);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "note: could not remove %s\n", dir);
  printf("%d golden cases\n", n);
  return n;
}

/* ---- python-free checks
 * ------------------------------------------------------ */

static uint32_t rng = 12345;
static float frand(void) {
  rng = rng * 1664525u + 1013904223u;
  return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void check_gemm(int64_t m, int64_t n, int64_t k, int trans_b,
                       int const_b) {
  node_run r;
  memset(&r, 0, sizeof r);
  r.op = PV_OP_GEMM;
  r.n_in = 3;
  r.n_out = 1;
  r.attrs.gemm.trans_b = trans_b;
  r.attrs.gemm.alpha = 1.0f;
  r.attrs.gemm.beta = 1.0f;
  r.const_mask = const_b ? 2u : 0u;
  float *a = malloc(sizeof(float) * (size_t)(m * k));
  float *b = malloc(sizeof(float) * (size_t)(k * n));
  float *c = malloc(sizeof(float) * (size_t)n);
  float *y = malloc(sizeof(float) * (size_t)(m * n));
  for (int64_t i = 0; i < m * k; i++)
    a[i] = frand();
  for (int64_t i = 0; i < k * n; i++)
    b[i] = frand();
  for (int64_t i = 0; i < n; i++)
    c[i] = frand();
  r.in[0] = (pv_tensor_desc){PV_F32, 2, {m, k}};
  r.in[1] = trans_b ? (pv_tensor_desc){PV_F32, 2, {n, k}}
                    : (pv_tensor_desc){PV_F32, 2, {k, n}};
  r.in[2] = (pv_tensor_desc){PV_F32, 1, {n}};
  r.out[0] = (pv_tensor_desc){PV_F32, 2, {m, n}};
  r.in_data[0] = a;
  r.in_data[1] = b;
  r.in_data[2] = c;
  r.out_data[0] = y;
  int sup = 0;
  int rc = run_node(&r, &sup);
  CHECK(sup && rc == 0);
  double maxd = 0, maxw = 0;
  for (int64_t i = 0; i < m && !rc; i++)
    for (int64_t j = 0; j < n; j++) {
      double s = c[j];
      for (int64_t p = 0; p < k; p++)
        s += (double)a[i * k + p] * (trans_b ? b[j * k + p] : b[p * n + j]);
      double d = fabs(s - y[i * n + j]);
      maxd = d > maxd ? d : maxd;
      maxw = fabs(s) > maxw ? fabs(s) : maxw;
    }
  if (!(maxd <= TOL * maxw)) {
    fprintf(stderr, "gemm %lldx%lldx%lld: rel error %g\n", (long long)m,
            (long long)n, (long long)k, maxd / maxw);
    pv_test_failures++;
  }
  free(a);
  free(b);
  free(c);
  free(y);
}

static void check_supports(void) {
  pv_op_desc od;
  memset(&od, 0, sizeof od);
  od.op = PV_OP_CONV2D;
  od.n_inputs = 2;
  od.n_outputs = 1;
  od.inputs[0] = (pv_tensor_desc){PV_F16, 4, {1, 3, 8, 8}};
  od.inputs[1] = (pv_tensor_desc){PV_F16, 4, {4, 3, 3, 3}};
  od.outputs[0] = (pv_tensor_desc){PV_F16, 4, {1, 4, 6, 6}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  memset(&od, 0, sizeof od);
  od.op = PV_OP_ADD;
  od.n_inputs = 2;
  od.n_outputs = 1;
  od.inputs[0] = od.inputs[1] = od.outputs[0] = (pv_tensor_desc){PV_U8, 1, {4}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.inputs[0] = od.inputs[1] = od.outputs[0] =
      (pv_tensor_desc){PV_I64, 1, {4}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 1);
  od.op = PV_OP_POW;
  CHECK_EQ_INT(P->supports_op(DEV, &od), 0);
  od.op = PV_OP_RESHAPE; /* layout ops take every dtype */
  od.n_inputs = 1;
  od.inputs[0] = od.outputs[0] = (pv_tensor_desc){PV_BF16, 1, {4}};
  CHECK_EQ_INT(P->supports_op(DEV, &od), 1);
}

static void check_gather_range(void) {
  node_run r;
  memset(&r, 0, sizeof r);
  r.op = PV_OP_GATHER;
  r.n_in = 2;
  r.n_out = 1;
  float x[4] = {1, 2, 3, 4}, y[1];
  int64_t idx[1] = {4};
  r.in[0] = (pv_tensor_desc){PV_F32, 1, {4}};
  r.in[1] = (pv_tensor_desc){PV_I64, 1, {1}};
  r.out[0] = (pv_tensor_desc){PV_F32, 1, {1}};
  r.in_data[0] = x;
  r.in_data[1] = idx;
  r.out_data[0] = y;
  int sup = 0;
  CHECK_EQ_INT(run_node(&r, &sup), PV_ERR_RANGE);
  CHECK(strstr(pv_last_error(), "gather") != NULL);
  idx[0] = -4;
  CHECK_EQ_INT(run_node(&r, &sup), 0);
  CHECK(y[0] == 1.0f);
}

int main(void) {
  if (cpu_node_open())
    return pv_test_finish("test_cpu_ops");

  check_supports();
  check_gather_range();
  check_gemm(37, 53, 29, 0, 0);
  check_gemm(5, 70, 300, 1, 1);    /* transposed path on packed weights */
  check_gemm(250, 3100, 17, 0, 1); /* several M blocks and NC chunks */
  check_gemm(64, 100, 513, 1, 0);  /* three K slices */
  run_goldens();

  cpu_node_close();
  return pv_test_finish("test_cpu_ops");
}
