/*
 * Op-by-op parity against torch 1.13.1.
 *
 *   test_op_parity [--device NAME [--require-all]] [--goldens DIR]
 *                  [--op NAME]
 *
 * Generates goldens with gen_op_goldens.py into a temporary directory (or
 * reads DIR), then runs every case on the reference implementation
 * (pv__ref_run) or, with --device, as a single-node graph on that device in
 * strict mode, and checks max|got - want| / max|want| <= 1e-5 per output.
 * With --device, cases the device does not support (pv_device_supports_op)
 * are counted apart and skipped, unless --require-all makes them failures.
 * Prints pass/total per op; exits 1 on any failure, 77 when torch is absent.
 */
#include "parity.h"
#include "testutil.h"

#include "internal.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>

#define TOL 1e-5

/* Relative error over any dtypes; inf/nan must match exactly. */
static double rel_error(const pv_tensor *got, const pv_tensor *want) {
  int64_t n = pv_tensor_numel(want);
  if (pv_tensor_numel(got) != n)
    return INFINITY;
  double maxd = 0, maxw = 0;
  for (int64_t i = 0; i < n; i++) {
    double g = pv__load_f64(pv_tensor_data(got), pv_tensor_dtype(got), i);
    double w = pv__load_f64(pv_tensor_data(want), pv_tensor_dtype(want), i);
    if (isnan(w) || isinf(w)) {
      if (!(isnan(w) ? isnan(g) : g == w))
        return INFINITY;
      continue;
    }
    if (isnan(g))
      return INFINITY;
    maxd = fmax(maxd, fabs(g - w));
    maxw = fmax(maxw, fabs(w));
  }
  return maxw > 0 ? maxd / maxw : maxd;
}

static int same_shape(const pv_tensor *a, const pv_tensor *b) {
  if (pv_tensor_ndim(a) != pv_tensor_ndim(b))
    return 0;
  for (int i = 0; i < pv_tensor_ndim(a); i++)
    if (pv_tensor_dim(a, i) != pv_tensor_dim(b, i))
      return 0;
  return 1;
}

static int run_ref(const parity_case *c, pv_tensor *const *in,
                   pv_tensor *const *want, pv_tensor **out) {
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = c->op;
  node.n_inputs = c->n_in;
  node.n_outputs = c->n_out;
  node.attrs = c->attrs;
  pv_tensor_desc in_desc[PV_MAX_INPUTS], out_desc[PV_MAX_OUTPUTS];
  const void *in_data[PV_MAX_INPUTS];
  void *out_data[PV_MAX_OUTPUTS];
  memset(in_desc, 0, sizeof in_desc);
  for (int i = 0; i < c->n_in; i++) {
    in_data[i] = in[i] ? pv_tensor_data(in[i]) : NULL;
    if (in[i])
      pv_tensor_get_desc(in[i], &in_desc[i]);
  }
  for (int i = 0; i < c->n_out; i++) {
    pv_tensor_get_desc(want[i], &out_desc[i]);
    out[i] = pv_tensor_create((pv_dtype)out_desc[i].dtype, out_desc[i].ndim,
                              out_desc[i].shape);
    if (!out[i])
      return pv_set_error(PV_ERR_NOMEM, "cannot allocate output");
    out_data[i] = pv_tensor_data(out[i]);
  }
  return pv__ref_run(&node, in_desc, in_data, out_desc, out_data);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* Removes the generated goldens (and the test's temporary directory). */
static void remove_tree(const char *dir) {
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct {
  int pass, total, unsupported;
  double max_err;
} op_stat;

int main(int argc, char **argv) {
  const char *device = NULL, *gold = NULL, *only = NULL;
  int require_all = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc)
      device = argv[++i];
    else if (!strcmp(argv[i], "--goldens") && i + 1 < argc)
      gold = argv[++i];
    else if (!strcmp(argv[i], "--op") && i + 1 < argc)
      only = argv[++i];
    else if (!strcmp(argv[i], "--require-all"))
      require_all = 1;
    else {
      fprintf(stderr,
              "usage: %s [--device NAME [--require-all]] [--goldens DIR] "
              "[--op NAME]\n",
              argv[0]);
      return 2;
    }
  }
  if (device && !pv_device_find(device)) {
    printf("device %s not present: skipping\n", device);
    return PV_TEST_SKIP;
  }
  char dir[1024], cmd[4096];
  if (!gold) {
    const char *src = getenv("POLYVIS_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/goldens", pv_test_tmpdir());
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
             "/usr/bin/python3 '%s/tests/parity/gen_op_goldens.py' '%s' "
             ">/dev/null",
             src ? src : ".", dir);
    int rc = system(cmd);
    if (rc != 0) {
      remove_tree(pv_test_tmpdir());
      printf("note: torch goldens unavailable (%s); skipping\n", cmd);
      return PV_TEST_SKIP;
    }
    gold = dir;
  }
  char path[1200];
  snprintf(path, sizeof path, "%s/manifest.txt", gold);
  FILE *mf = fopen(path, "r");
  if (!mf) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  static op_stat stats[PV_OP_COUNT];
  char line[4096];
  int n_cases = 0;
  while (fgets(line, sizeof line, mf)) {
    if (!line[0] || line[0] == '\n' || line[0] == '#')
      continue;
    parity_case c;
    if (parity_parse_line(line, &c)) {
      fprintf(stderr, "bad manifest line: %s", line);
      pv_test_failures++;
      continue;
    }
    if (only && strcmp(only, pv_op_name(c.op)))
      continue;
    n_cases++;
    pv_tensor *in[PV_MAX_INPUTS] = {0}, *want[PV_MAX_OUTPUTS] = {0},
              *got[PV_MAX_OUTPUTS] = {0};
    int ok = 1;
    for (int i = 0; i < c.n_in && ok; i++) {
      if (!c.in_files[i][0])
        continue;
      snprintf(path, sizeof path, "%s/%s", gold, c.in_files[i]);
      ok = (in[i] = pv_npy_load(path)) != NULL;
    }
    for (int i = 0; i < c.n_out && ok; i++) {
      snprintf(path, sizeof path, "%s/%s", gold, c.out_files[i]);
      ok = (want[i] = pv_npy_load(path)) != NULL;
    }
    double err = 0;
    if (!ok) {
      fprintf(stderr, "%s %s: cannot load goldens: %s\n", c.id,
              pv_op_name(c.op), pv_last_error());
    } else {
      int rc = device ? parity_run_device(device, &c, in, want, got)
                      : run_ref(&c, in, want, got);
      if (rc == PARITY_UNSUPPORTED && !require_all) {
        stats[c.op].unsupported++;
        goto next;
      }
      if (rc == PARITY_UNSUPPORTED) {
        fprintf(stderr, "%s %s: the device does not support this case\n", c.id,
                pv_op_name(c.op));
        ok = 0;
      } else if (rc) {
        fprintf(stderr, "%s %s: run failed: %s\n", c.id, pv_op_name(c.op),
                pv_last_error());
        ok = 0;
      }
      for (int i = 0; i < c.n_out && ok; i++) {
        if (!got[i] || !same_shape(got[i], want[i]) ||
            pv_tensor_dtype(got[i]) != pv_tensor_dtype(want[i])) {
          fprintf(stderr, "%s %s: output %d has the wrong shape or dtype\n",
                  c.id, pv_op_name(c.op), i);
          ok = 0;
          break;
        }
        double e = rel_error(got[i], want[i]);
        err = fmax(err, e);
        if (!(e <= TOL)) {
          fprintf(stderr, "%s %s: output %d relative error %.3g > %.0e\n", c.id,
                  pv_op_name(c.op), i, e, TOL);
          ok = 0;
        }
      }
    }
    op_stat *s = &stats[c.op];
    s->total++;
    s->pass += ok;
    if (ok && err > s->max_err)
      s->max_err = err;
    if (!ok)
      pv_test_failures++;
  next:
    for (int i = 0; i < PV_MAX_INPUTS; i++)
      pv_tensor_release(in[i]);
    for (int i = 0; i < PV_MAX_OUTPUTS; i++) {
      pv_tensor_release(want[i]);
      pv_tensor_release(got[i]);
    }
  }
  fclose(mf);
  if (gold == dir) /* generated here: leave nothing behind */
    remove_tree(pv_test_tmpdir());
  printf("%-22s %9s %10s %s\n", "op", "pass/total", "max error",
         device ? "unsupported" : "");
  int covered = 0;
  for (int op = 1; op < PV_OP_COUNT; op++) {
    if (!stats[op].total && !stats[op].unsupported)
      continue;
    covered++;
    printf("%-22s %4d/%-4d %10.2e", pv_op_name(op), stats[op].pass,
           stats[op].total, stats[op].max_err);
    if (device)
      printf(" %d", stats[op].unsupported);
    printf("\n");
  }
  printf("%d cases, %d ops covered (%s)\n", n_cases, covered,
         device ? device : "reference");
  CHECK(n_cases > 0);
  int ran = 0;
  for (int op = 1; op < PV_OP_COUNT; op++)
    ran += stats[op].total;
  CHECK(ran > 0); /* a device that supports no case at all proves nothing */
  /* Every op of the set must have goldens, but for the composite
   * (quantised) ops: their spec is ONNX Runtime, not torch, and they are
   * checked against ONNX's node tests (tests/onnx) and, through the
   * conformance grid, against their expansion. */
  if (!only)
    for (int op = 1; op < PV_OP_COUNT; op++)
      if (!stats[op].total && !stats[op].unsupported &&
          !pv__op_is_composite(op)) {
        fprintf(stderr, "op %s has no parity cases\n", pv_op_name(op));
        pv_test_failures++;
      }
  return pv_test_finish(device ? "op_parity_device" : "op_parity_ref");
}
