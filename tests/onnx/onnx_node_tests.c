/*
 * onnx_node_tests: runs ONNX backend test cases (model.onnx +
 * test_data_set_N/{input,output}_K.pb, as in Debian's libonnx-testdata)
 * through the importer and the graph runtime, and reports pass/total per op
 * and per suite.
 *
 *   onnx_node_tests [--device D]... [--filter S1,S2,...] [--import-only]
 *                   [--markdown] [--verbose] [--expect-pass]
 *                   [--check-claimed] [--doc docs/onnx-support.md] DIR...
 *
 * --device may be repeated (cpu, vulkan:0, opencl:0, or "all" for every
 * device present): each case runs on each device, and pass counts are
 * reported per device. A named device runs in strict mode (no CPU
 * fallback), so a pass means that device ran every node itself; without
 * --device the cases run on the default (auto) device with fallback.
 *
 * DIR is a suite directory (node/, pytorch-converted/, ...) or one test
 * directory. Each data set is imported afresh: graph inputs that are
 * parameters (integer inputs: shapes, axes, indices, conditions; 0-D inputs;
 * and small 1-D float inputs after the first: scales, clip bounds, pad
 * values) are frozen into constants with that data set's values, which is
 * how such tests reach a static-shape runtime, and the remaining inputs are
 * pinned to their data set's shapes. Outputs are compared as ONNX's
 * backend tests do (numpy.testing.assert_allclose with rtol=1e-3,
 * atol=1e-7): elementwise |got - want| <= atol + rtol * |want|, NaN
 * matching NaN; integer and bool outputs must match exactly. A case passes
 * when every data set passes.
 *
 * The doc (--doc, default the source tree's docs/onnx-support.md, read when
 * present) lists the claimed ops and the documented exclusions (see
 * excl_rule): a failure that an exclusion matches is counted as excused,
 * any other as failed, per op and device.
 *
 * Built against the real runtime when core/graph/graph.c exists; built
 * against the mock builder (PV_TEST_MOCK_GRAPH) it can only check import
 * (--import-only is implied). Exit status: 0 (a report), 2 on usage errors;
 * with --expect-pass (for CTest), 1 when any case fails on any device;
 * with --check-claimed, 1 when a claimed op has a failure that no exclusion
 * excuses on any device (listed on stderr); with either, 77 (skip) when a
 * suite directory is absent.
 */
#include <dirent.h>
#include <math.h>
#include <polyvis/device.h>
#include <polyvis/onnx.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RTOL 1e-3
#define ATOL 1e-7
#define MAX_IO 32

#define MAX_DEV 8

#ifndef PV_ONNX_DOC
#define PV_ONNX_DOC "docs/onnx-support.md"
#endif

typedef struct op_stat {
  char op[64];
  int pass[MAX_DEV], excused[MAX_DEV], total;
  char first_fail[MAX_DEV][160];
} op_stat;

/* A documented exclusion: a row of the table between the
 * onnx-exclusions-begin/end markers of docs/onnx-support.md,
 *   | ops | condition | devices | reason |
 * ops: "*" or ONNX op types separated by spaces; devices: "all" or device
 * names separated by spaces; condition: one of
 *   dtype=T      an input or output of the case has dtype T (float64,
 *                int64, string, uint32, sequence, optional, ...)
 *   rank>=N      the case's first input has at least N dims
 *   outputs>=N   the node has at least N outputs
 *   attr K=V     the node's int or string attribute K equals V
 *   name~S       the case's name contains S (for an attribute value the
 *                runner cannot see, e.g. an input's value; the doc states it)
 * A failing case of a claimed op is excused when a rule matches it. */
typedef struct excl_rule {
  char ops[256], cond[96], devs[96], reason[200];
  int hits;
} excl_rule;

#define MAX_RULES 64
static excl_rule g_rules[MAX_RULES];
static int g_nrules;
#define MAX_CLAIMED 256
static char g_claimed[MAX_CLAIMED][48];
static int g_nclaimed;

/* What the rules look at in a case. */
typedef struct case_info {
  const char *name, *op;
  const pv_onnx_model *m; /* NULL when unparsed */
  char dtypes[2 * MAX_IO][16];
  int ndt, rank0, nout;
} case_info;

static op_stat g_ops[2048];
static int g_nops;
static const char *g_devs[MAX_DEV];
static int g_ndev = 1, g_strict, g_failed, g_missing;
static const char *g_device = NULL; /* the device of the current run */
static int g_verbose, g_import_only;
static int g_mismatch; /* the last failure was a wrong output value */

static op_stat *stat_for(const char *op) {
  for (int i = 0; i < g_nops; i++)
    if (!strcmp(g_ops[i].op, op))
      return &g_ops[i];
  if (g_nops == (int)(sizeof g_ops / sizeof *g_ops))
    return &g_ops[g_nops - 1];
  op_stat *s = &g_ops[g_nops++];
  snprintf(s->op, sizeof s->op, "%s", op);
  return s;
}

/* Whether word w is one of the space- or comma-separated words of list. */
static int in_list(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = list; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *e = p;
    while (*e && *e != ' ' && *e != ',')
      e++;
    if ((size_t)(e - p) == n && !strncmp(p, w, n))
      return 1;
    p = e;
  }
  return 0;
}

/* Copies the trimmed cell [p, e) of a markdown row, without backquotes. */
static void cell(char *dst, size_t cap, const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '`'))
    p++;
  while (e > p && (e[-1] == ' ' || e[-1] == '`'))
    e--;
  size_t n = (size_t)(e - p) < cap - 1 ? (size_t)(e - p) : cap - 1;
  memcpy(dst, p, n);
  dst[n] = 0;
}

/* Splits a markdown table row into at most max cells; returns the count. */
static int row_cells(const char *line, char cells[][256], int max) {
  const char *p = strchr(line, '|');
  int n = 0;
  while (p && n < max) {
    const char *e = strchr(p + 1, '|');
    if (!e)
      break;
    cell(cells[n++], 256, p + 1, e);
    p = e;
  }
  return n;
}

/* Reads the claimed ops (the first column of the op-mapping table between
 * the onnx-claimed-begin/end markers) and the exclusion rules from the
 * doc. */
static int load_doc(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "onnx_node_tests: cannot read %s\n", path);
    return -1;
  }
  char line[4096], c[4][256];
  int in_map = 0, in_excl = 0;
  while (fgets(line, sizeof line, f)) {
    if (strstr(line, "<!-- onnx-claimed-begin -->"))
      in_map = 1;
    else if (strstr(line, "<!-- onnx-claimed-end -->"))
      in_map = 0;
    else if (strstr(line, "<!-- onnx-exclusions-begin -->"))
      in_excl = 1;
    else if (strstr(line, "<!-- onnx-exclusions-end -->"))
      in_excl = 0;
    else if (line[0] != '|' || strstr(line, "|---"))
      continue;
    else if (in_map && row_cells(line, c, 1) == 1 && strcmp(c[0], "ONNX op")) {
      for (char *t = strtok(c[0], " ,"); t; t = strtok(NULL, " ,"))
        if (g_nclaimed < MAX_CLAIMED)
          snprintf(g_claimed[g_nclaimed++], sizeof g_claimed[0], "%s", t);
    } else if (in_excl && row_cells(line, c, 4) == 4 && strcmp(c[0], "ops") &&
               g_nrules < MAX_RULES) {
      excl_rule *r = &g_rules[g_nrules++];
      snprintf(r->ops, sizeof r->ops, "%s", c[0]);
      snprintf(r->cond, sizeof r->cond, "%s", c[1]);
      snprintf(r->devs, sizeof r->devs, "%s", c[2]);
      snprintf(r->reason, sizeof r->reason, "%s", c[3]);
    }
  }
  fclose(f);
  if (!g_nclaimed || !g_nrules) {
    fprintf(stderr,
            "onnx_node_tests: %s: no claimed-op table or no exclusion table "
            "(markers onnx-claimed-begin/end, onnx-exclusions-begin/end)\n",
            path);
    return -1;
  }
  return 0;
}

static int is_claimed(const char *op) {
  for (int i = 0; i < g_nclaimed; i++)
    if (!strcmp(g_claimed[i], op))
      return 1;
  return 0;
}

static int cond_holds(const char *cond, const case_info *ci) {
  if (!strncmp(cond, "dtype=", 6)) {
    for (int i = 0; i < ci->ndt; i++)
      if (!strcmp(ci->dtypes[i], cond + 6))
        return 1;
    return 0;
  }
  if (!strncmp(cond, "rank>=", 6))
    return ci->rank0 >= atoi(cond + 6);
  if (!strncmp(cond, "outputs>=", 9))
    return ci->nout >= atoi(cond + 9);
  if (!strncmp(cond, "name~", 5))
    return strstr(ci->name, cond + 5) != NULL;
  if (!strncmp(cond, "attr ", 5) && ci->m) {
    char k[64];
    const char *eq = strchr(cond + 5, '=');
    if (!eq || eq - (cond + 5) >= (ptrdiff_t)sizeof k)
      return 0;
    memcpy(k, cond + 5, (size_t)(eq - (cond + 5)));
    k[eq - (cond + 5)] = 0;
    int64_t iv;
    const char *sv;
    if (!pv_onnx_node_attr_int(ci->m, 0, k, &iv))
      return iv == atoll(eq + 1);
    if (!pv_onnx_node_attr_string(ci->m, 0, k, &sv))
      return !strcmp(sv, eq + 1);
    return 0;
  }
  return 0;
}

/* The rule that excuses a failure of the case on device dev, or NULL. A
 * wrong output value (mismatch) is never excused by a dtype, rank, outputs
 * or attribute rule: those describe what polyvis refuses (at load, import
 * or compile), not what it computes wrongly; only a name rule, which states
 * the reference's own behaviour, can excuse a value. */
static excl_rule *excuse(const case_info *ci, const char *dev, int mismatch) {
  for (int i = 0; i < g_nrules; i++) {
    excl_rule *r = &g_rules[i];
    if (mismatch && strncmp(r->cond, "name~", 5))
      continue;
    if ((strcmp(r->ops, "*") && !in_list(r->ops, ci->op)) ||
        (strcmp(r->devs, "all") && !in_list(r->devs, dev ? dev : "auto")))
      continue;
    if (cond_holds(r->cond, ci))
      return r;
  }
  return NULL;
}

/* The ONNX name (lower case) of a declared input/output type: a polyvis
 * dtype name, or the ONNX type polyvis refuses ("string", "uint32",
 * "sequence", "optional", ...). */
static void io_type(const pv_onnx_model *m, int out, int i, char *dst,
                    size_t cap) {
  pv_tensor_desc d;
  int rc = out ? pv_onnx_model_output_desc(m, i, &d)
               : pv_onnx_model_input_desc(m, i, &d);
  if (!rc) {
    snprintf(dst, cap, "%s", pv_dtype_name(d.dtype));
    return;
  }
  const char *t = strstr(pv_last_error(), "has type ");
  snprintf(dst, cap, "%s", t ? t + 9 : "unknown");
  for (char *c = dst; *c; c++) {
    if (*c == ' ') {
      *c = 0;
      break;
    }
    if (*c >= 'A' && *c <= 'Z')
      *c = (char)(*c - 'A' + 'a');
  }
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_float(pv_dtype d) {
  return d == PV_F32 || d == PV_F16 || d == PV_BF16 || d == PV_F64;
}

#ifndef PV_TEST_MOCK_GRAPH
/* Compares with ONNX's tolerances; writes a reason on mismatch. */
static int compare(const pv_tensor *got, const pv_tensor *want, char *why,
                   size_t n) {
  if (pv_tensor_ndim(got) != pv_tensor_ndim(want) ||
      pv_tensor_numel(got) != pv_tensor_numel(want)) {
    snprintf(why, n, "shape differs (%d-D %lld elems vs %d-D %lld elems)",
             pv_tensor_ndim(got), (long long)pv_tensor_numel(got),
             pv_tensor_ndim(want), (long long)pv_tensor_numel(want));
    return 0;
  }
  for (int i = 0; i < pv_tensor_ndim(got); i++)
    if (pv_tensor_shape(got)[i] != pv_tensor_shape(want)[i]) {
      snprintf(why, n, "dim %d is %lld, expected %lld", i,
               (long long)pv_tensor_shape(got)[i],
               (long long)pv_tensor_shape(want)[i]);
      return 0;
    }
  pv_tensor *g = pv_tensor_cast(got, PV_F64), *w = pv_tensor_cast(want, PV_F64);
  int ok = g && w;
  bool exact = !is_float(pv_tensor_dtype(want));
  for (int64_t i = 0; ok && i < pv_tensor_numel(w); i++) {
    double a = ((double *)pv_tensor_data(g))[i],
           b = ((double *)pv_tensor_data(w))[i];
    if ((isnan(a) && isnan(b)) || a == b) /* a == b: equal infinities */
      continue;
    if (exact ? a != b : !(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
      snprintf(why, n, "element %lld: got %.8g, expected %.8g", (long long)i, a,
               b);
      ok = 0;
    }
  }
  pv_tensor_release(g);
  pv_tensor_release(w);
  return ok;
}
#endif

/* ONNX 1.12's test generator wrote bfloat16 tensors as their uint16 bit
 * patterns (data_type UINT16): when the model declares bfloat16, the bits
 * are reinterpreted as the declared type. Returns t or its replacement. */
static pv_tensor *as_declared(pv_tensor *t, const pv_onnx_model *m, int out,
                              int i) {
  pv_tensor_desc d;
  if (!t || pv_tensor_dtype(t) != PV_U16) /* keeps the load error */
    return t;
  int rc = out ? pv_onnx_model_output_desc(m, i, &d)
               : pv_onnx_model_input_desc(m, i, &d);
  if (rc || d.dtype != PV_BF16)
    return t;
  pv_tensor *r = pv_tensor_from_data(PV_BF16, pv_tensor_ndim(t),
                                     pv_tensor_shape(t), pv_tensor_data(t));
  pv_tensor_release(t);
  return r;
}

/* Runs one data set. Returns 1 pass, 0 fail (why set). */
static int run_set(const char *model_path, const char *set_dir,
                   const pv_onnx_model *m, char *why, size_t wn) {
  int nin = pv_onnx_model_num_inputs(m), nout = pv_onnx_model_num_outputs(m);
  if (nin > MAX_IO || nout > MAX_IO) {
    snprintf(why, wn, "too many inputs/outputs");
    return 0;
  }
  pv_tensor *in[MAX_IO] = {0}, *want[MAX_IO] = {0}, *got[MAX_IO] = {0},
            *run_in[MAX_IO] = {0}, *frozen_v[MAX_IO] = {0};
  const char *frozen_n[MAX_IO];
  pv_onnx_input_shape pins[MAX_IO];
  int nfrozen = 0, npins = 0, nrun = 0, ok = 0;
  char p[2048];
  pv_graph *g = NULL;
  for (int k = 0; k < nin; k++) {
    snprintf(p, sizeof p, "%s/input_%d.pb", set_dir, k);
    if (!(in[k] = as_declared(pv_onnx_load_tensor_pb(p), m, 0, k))) {
      snprintf(why, wn, "input %d: %s", k, pv_last_error());
      goto done;
    }
    const char *name = pv_onnx_model_input_name(m, k);
    /* Integer inputs, 0-D inputs (Range's start/limit/delta) and small
     * 1-D float inputs after the first (scales, clip bounds, pad values)
     * are parameters: freeze them. */
    bool param =
        !is_float(pv_tensor_dtype(in[k])) || pv_tensor_ndim(in[k]) == 0 ||
        (k > 0 && pv_tensor_ndim(in[k]) <= 1 && pv_tensor_numel(in[k]) <= 8);
    if (param) {
      frozen_n[nfrozen] = name;
      frozen_v[nfrozen++] = in[k];
    } else {
      pv_onnx_input_shape *s = &pins[npins++];
      s->name = name;
      s->ndim = pv_tensor_ndim(in[k]);
      memcpy(s->shape, pv_tensor_shape(in[k]),
             sizeof(int64_t) * (size_t)s->ndim);
      run_in[nrun++] = in[k];
    }
  }
  for (int k = 0; k < nout; k++) {
    snprintf(p, sizeof p, "%s/output_%d.pb", set_dir, k);
    if (!(want[k] = as_declared(pv_onnx_load_tensor_pb(p), m, 1, k))) {
      snprintf(why, wn, "output %d: %s", k, pv_last_error());
      goto done;
    }
  }
  pv_onnx_options o = pv_onnx_options_default();
  o.input_shapes = pins;
  o.n_input_shapes = npins;
  o.frozen_input_names = frozen_n;
  o.frozen_input_values = frozen_v;
  o.n_frozen_inputs = nfrozen;
  if (pv_onnx_import_model(m, &o, &g, NULL)) {
    snprintf(why, wn, "import: %s", pv_last_error());
    goto done;
  }
  (void)model_path;
  (void)run_in;
  if (g_import_only) {
    ok = 1;
    goto done;
  }
#ifndef PV_TEST_MOCK_GRAPH
  {
    pv_compile_options co = pv_compile_options_default();
    co.device = g_device;
    if (g_strict)
      co.fallback = 0;
    pv_compiled *c = pv_graph_compile(g, &co);
    if (!c) {
      snprintf(why, wn, "compile: %s", pv_last_error());
      goto done;
    }
    int rc = pv_compiled_run(c, nrun, run_in, nout, got);
    if (rc) {
      snprintf(why, wn, "run: %s", pv_last_error());
    } else {
      ok = 1;
      for (int k = 0; k < nout && ok; k++) {
        pv_tensor *h = pv_tensor_to(got[k], NULL);
        char w2[200];
        if (!h || !compare(h, want[k], w2, sizeof w2)) {
          g_mismatch = h != NULL;
          snprintf(why, wn, "output %d (%s): %s", k,
                   pv_onnx_model_output_name(m, k), h ? w2 : pv_last_error());
          ok = 0;
        }
        pv_tensor_release(h);
      }
    }
    pv_compiled_free(c);
  }
#endif
done:
  pv_graph_free(g);
  for (int k = 0; k < MAX_IO; k++) {
    pv_tensor_release(in[k]);
    pv_tensor_release(want[k]);
    pv_tensor_release(got[k]);
  }
  return ok;
}

static void run_case(const char *dir, const char *name, int *pass, int *excused,
                     int *total) {
  char p[2048], why[MAX_DEV][512];
  int okd[MAX_DEV] = {0};
  excl_rule *exd[MAX_DEV] = {0};
  memset(why, 0, sizeof why);
  snprintf(p, sizeof p, "%s/model.onnx", dir);
  if (!is_file(p))
    return;
  pv_onnx_model *m = pv_onnx_model_load(p);
  char op[64] = "(unparsed)";
  int ok = 0;
  case_info ci = {.name = name, .op = op, .m = m, .rank0 = -1};
  if (!m) {
    for (int d = 0; d < g_ndev; d++)
      snprintf(why[d], sizeof why[d], "parse: %s", pv_last_error());
  } else {
    if (pv_onnx_model_num_nodes(m) == 1) {
      snprintf(op, sizeof op, "%s", pv_onnx_node_op_type(m, 0));
      ci.nout = pv_onnx_node_num_outputs(m, 0);
    } else {
      snprintf(op, sizeof op, "(multi-node)");
    }
    int nin = pv_onnx_model_num_inputs(m), nout = pv_onnx_model_num_outputs(m);
    for (int k = 0; k < nin + nout && ci.ndt < 2 * MAX_IO; k++)
      io_type(m, k >= nin, k >= nin ? k - nin : k, ci.dtypes[ci.ndt++],
              sizeof ci.dtypes[0]);
    pv_tensor_desc d0;
    if (nin > 0 && !pv_onnx_model_input_desc(m, 0, &d0))
      ci.rank0 = d0.ndim;
    for (int d = 0; d < g_ndev; d++) {
      g_device = g_devs[d];
      int nsets = 0;
      ok = 1;
      g_mismatch = 0;
      for (int s = 0; s < 64 && ok; s++) {
        char sd[2048];
        snprintf(sd, sizeof sd, "%s/test_data_set_%d", dir, s);
        if (!is_dir(sd))
          break;
        nsets++;
        ok = run_set(p, sd, m, why[d], sizeof why[d]);
      }
      if (!nsets) {
        ok = 0;
        snprintf(why[d], sizeof why[d], "no test_data_set_N");
      }
      okd[d] = ok;
      if (!ok && g_nrules)
        exd[d] = excuse(&ci, g_devs[d], g_mismatch);
    }
  }
  op_stat *st = stat_for(op);
  st->total++;
  total[0]++;
  for (int d = 0; d < g_ndev; d++) {
    g_failed += !okd[d];
    if (okd[d]) {
      st->pass[d]++;
      pass[d]++;
    } else if (exd[d]) {
      exd[d]->hits++;
      st->excused[d]++;
      excused[d]++;
    } else if (!st->first_fail[d][0]) {
      snprintf(st->first_fail[d], sizeof st->first_fail[d], "%s: %.120s", name,
               why[d]);
    }
    if (g_verbose)
      printf("%-52s %-9s %s%s%s%s%s\n", name, g_devs[d] ? g_devs[d] : "auto",
             okd[d]   ? "PASS"
             : exd[d] ? "EXCUSED"
                      : "FAIL",
             okd[d] ? "" : "  ", okd[d] ? "" : why[d],
             exd[d] ? "  -- excused: " : "", exd[d] ? exd[d]->reason : "");
  }
  pv_onnx_model_free(m);
}

/* Whether name contains one of the comma-separated substrings of filter. */
static int match(const char *name, const char *filter) {
  if (!filter)
    return 1;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", filter);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
    if (strstr(name, t))
      return 1;
  return 0;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_suite(const char *dir, const char *filter) {
  char p[2048];
  snprintf(p, sizeof p, "%s/model.onnx", dir);
  int pass[MAX_DEV] = {0}, excused[MAX_DEV] = {0}, total = 0;
  if (is_file(p)) {
    const char *base = strrchr(dir, '/');
    run_case(dir, base ? base + 1 : dir, pass, excused, &total);
  } else {
    DIR *d = opendir(dir);
    if (!d) {
      fprintf(stderr, "onnx_node_tests: cannot open %s\n", dir);
      g_missing++;
      return;
    }
    char *names[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
      if (e->d_name[0] != '.' && match(e->d_name, filter)) {
        size_t l = strlen(e->d_name) + 1;
        names[n] = malloc(l);
        if (names[n])
          memcpy(names[n++], e->d_name, l);
      }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_name);
    for (int i = 0; i < n; i++) {
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
      run_case(sub, names[i], pass, excused, &total);
      free(names[i]);
    }
  }
  for (int d = 0; d < g_ndev; d++) {
    printf("suite %s: %d/%d %s%s%s", dir, pass[d], total,
           g_import_only ? "imported" : "passed", g_devs[d] ? " on " : "",
           g_devs[d] ? g_devs[d] : "");
    if (g_nrules)
      printf(" (%d failures excused)", excused[d]);
    printf("\n");
  }
}

static int cmp_stat(const void *a, const void *b) {
  return strcmp(((const op_stat *)a)->op, ((const op_stat *)b)->op);
}

/* Prints the per-op table: per device passed/excused/failed of total. */
static void print_ops(int markdown) {
  if (markdown) {
    printf("\n| op | claimed | total |");
    for (int d = 0; d < g_ndev; d++)
      printf(" %s |", g_import_only ? "imported"
                      : g_devs[d]   ? g_devs[d]
                                    : "passed");
    printf(" first real failure |\n|---|---|---|");
    for (int d = 0; d < g_ndev; d++)
      printf("---|");
    printf("---|\n");
  }
  for (int i = 0; i < g_nops; i++) {
    op_stat *o = &g_ops[i];
    char ff[200] = "";
    for (int d = 0; d < g_ndev && !ff[0]; d++)
      if (o->first_fail[d][0])
        snprintf(ff, sizeof ff, "%s%s%s", g_ndev > 1 ? g_devs[d] : "",
                 g_ndev > 1 ? ": " : "", o->first_fail[d]);
    for (char *c = ff; *c; c++)
      if (*c == '|' || *c == '\n')
        *c = '/';
    const char *cl = is_claimed(o->op) ? "yes" : "";
    if (markdown)
      printf("| %s | %s | %d |", o->op, cl, o->total);
    else
      printf("%-28s %-3s", o->op, cl);
    for (int d = 0; d < g_ndev; d++) {
      int fail = o->total - o->pass[d] - o->excused[d];
      if (markdown && o->excused[d])
        printf(" %d +%d exc |", o->pass[d], o->excused[d]);
      else if (markdown)
        printf(" %d |", o->pass[d]);
      else
        printf(" %s%s%4d/%-4d exc %-3d fail %-3d", g_devs[d] ? g_devs[d] : "",
               g_devs[d] ? " " : "", o->pass[d], o->total, o->excused[d], fail);
    }
    if (markdown)
      printf(" %s |", ff);
    printf("\n");
  }
}

/* Lists the claimed ops with a real (not excused) failure; returns their
 * count. */
static int check_claimed(void) {
  int bad = 0;
  fflush(stdout);
  for (int i = 0; i < g_nops; i++) {
    op_stat *o = &g_ops[i];
    if (!is_claimed(o->op))
      continue;
    for (int d = 0; d < g_ndev; d++) {
      int fail = o->total - o->pass[d] - o->excused[d];
      if (fail > 0) {
        fprintf(stderr,
                "onnx_node_tests: claimed op %s: %d of %d case(s) fail on %s "
                "(first: %s)\n",
                o->op, fail, o->total, g_devs[d] ? g_devs[d] : "auto",
                o->first_fail[d]);
        bad++;
      }
    }
  }
  return bad;
}

int main(int argc, char **argv) {
  const char *filter = NULL;
  int expect_pass = 0, check = 0;
  const char *doc = NULL;
  int markdown = 0, ndirs = 0, ndevs = 0;
  const char *dirs[64];
#ifdef PV_TEST_MOCK_GRAPH
  g_import_only = 1;
#endif
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc) {
      const char *dv = argv[++i];
      if (!strcmp(dv, "all")) {
        const char *all[] = {"cpu", "vulkan:0", "opencl:0"};
        for (int k = 0; k < 3 && ndevs < MAX_DEV; k++)
          if (!k || pv_device_find(all[k]))
            g_devs[ndevs++] = all[k];
      } else if (ndevs < MAX_DEV) {
        g_devs[ndevs++] = dv;
      }
    } else if (!strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
    else if (!strcmp(argv[i], "--expect-pass"))
      expect_pass = 1;
    else if (!strcmp(argv[i], "--check-claimed"))
      check = 1;
    else if (!strcmp(argv[i], "--doc") && i + 1 < argc)
      doc = argv[++i];
    else if (!strcmp(argv[i], "--markdown"))
      markdown = 1;
    else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v"))
      g_verbose = 1;
    else if (!strcmp(argv[i], "--import-only"))
      g_import_only = 1;
    else if (argv[i][0] == '-' || ndirs == 64) {
      fprintf(stderr,
              "usage: onnx_node_tests [--device D] [--filter S1,S2,...] "
              "[--import-only] [--markdown] [--verbose] [--expect-pass] "
              "[--check-claimed] [--doc docs/onnx-support.md] DIR...\n");
      return 2;
    } else
      dirs[ndirs++] = argv[i];
  }
  if (!ndirs)
    dirs[ndirs++] = "/usr/share/libonnx-testdata/data/node";
  if (ndevs) {
    g_ndev = ndevs;
    g_strict = 1;
  }
  if (g_import_only)
    g_ndev = 1;
  /* The claimed ops and the documented exclusions: required by
   * --check-claimed, otherwise read when the doc is found. */
  int need_doc = check || doc;
  if (!doc)
    doc = PV_ONNX_DOC;
  if ((need_doc || is_file(doc)) && load_doc(doc))
    return 2;
  for (int i = 0; i < ndirs; i++)
    run_suite(dirs[i], filter);
  qsort(g_ops, (size_t)g_nops, sizeof *g_ops, cmp_stat);
  print_ops(markdown);
  if (g_verbose)
    for (int i = 0; i < g_nrules; i++)
      printf("exclusion [%s] %s on %s: %d failure(s) excused\n", g_rules[i].ops,
             g_rules[i].cond, g_rules[i].devs, g_rules[i].hits);
  if ((expect_pass || check) && g_missing) {
    printf("SKIP: test suite directory absent (apt-get install "
           "libonnx-testdata)\n");
    return 77;
  }
  if (expect_pass && g_failed) {
    fprintf(stderr, "onnx_node_tests: %d case runs failed\n", g_failed);
    return 1;
  }
  if (check && check_claimed()) {
    fprintf(stderr,
            "onnx_node_tests: claimed ops fail (see above); a "
            "failure is excused only by a row of the exclusion "
            "table in %s\n",
            doc);
    return 1;
  }
  return 0;
}
