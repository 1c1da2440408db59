/* polyvis conformance [--device D] [--json] [--require-all[=composite]]
 *                     [--op NAME]
 *
 * Runs the conformance grid (include/polyvis/conformance.h) on a device and
 * prints the support/pass matrix. Exit 0 when every op the device claims
 * passes (and, with --require-all, when it claims every op), 1 otherwise or
 * on a runtime error, 2 on a usage error. */
#include "cli.h"

#include <math.h>
#include <polyvis/conformance.h>

static void help(FILE *f) {
  fprintf(f,
          "usage: polyvis conformance [--device D] [--json] "
          "[--require-all[=composite]] [--op NAME] [--seed N] [-v]\n\n"
          "Runs every core op over a grid of shapes, dtypes and attributes on "
          "D as single-node\ngraphs in strict no-fallback mode and compares "
          "with the reference implementation.\nAn op is claimed when the "
          "device supports at least one of its cases.\n\n"
          "  --device D     device name (default: auto)\n"
          "  --json         print one JSON document\n"
          "  --require-all  also fail unless every op is claimed, but for the\n"
          "                 composite (quantised) ops the core can expand\n"
          "  --require-all=composite  those too\n"
          "  --op NAME      run one op only (e.g. conv2d)\n"
          "  --seed N       case generator seed (default: built in)\n"
          "  -v             print each failing case to stderr\n\n"
          "Exit status: 0 when every claimed op passes, 1 otherwise.\n");
}

static void json_num(FILE *f, double v) {
  if (isinf(v) || isnan(v))
    fprintf(f, "null");
  else
    fprintf(f, "%.3g", v);
}

static int run(int argc, char **argv) {
  const char *device = NULL, *op = NULL;
  int json = 0, require_all = 0, verbose = 0;
  unsigned long long seed = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return PV_EXIT_OK;
    }
    if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--require-all"))
      require_all = 1;
    else if (!strcmp(a, "--require-all=composite"))
      require_all = 2;
    else if (!strcmp(a, "--op") && i + 1 < argc)
      op = argv[++i];
    else if (!strcmp(a, "--seed") && i + 1 < argc) {
      char *end;
      seed = strtoull(argv[++i], &end, 0);
      if (*end || !argv[i][0])
        return pv_cli_usage("conformance", "bad --seed '%s'", argv[i]);
    } else
      return pv_cli_usage("conformance", "unknown argument '%s'", a);
  }
  if (op && pv_op_from_name(op) <= 0)
    return pv_cli_usage("conformance", "unknown op '%s'", op);

  pv_conformance_options opts = pv_conformance_options_default();
  opts.op = op;
  opts.seed = seed;
  opts.verbose = verbose;
  pv_conformance_result res[128];
  int n = 0;
  if (pv_conformance_run(device, &opts, res, 128, &n))
    return pv_cli_fail("conformance", "cannot run");
  pv_device *dev = pv_device_find(device && *device ? device : "auto");
  const char *dev_name = dev ? pv_device_name(dev) : (device ? device : "auto");
  int claimed = 0, passing = 0;
  for (int i = 0; i < n; i++) {
    claimed += res[i].claimed;
    passing += res[i].claimed && res[i].passed == res[i].supported;
  }
  int ok = pv_conformance_ok(res, n, require_all);

  if (json) {
    printf("{\"device\": ");
    pv_cli_json_str(stdout, dev_name);
    printf(", \"ops\": [");
    for (int i = 0; i < n; i++) {
      const pv_conformance_result *r = &res[i];
      printf("%s\n  {\"op\": ", i ? "," : "");
      pv_cli_json_str(stdout, pv_op_name(r->op));
      printf(", \"claimed\": %s, \"supported\": %d, \"total\": %d, "
             "\"passed\": %d, \"max_error\": ",
             r->claimed ? "true" : "false", r->supported, r->total, r->passed);
      json_num(stdout, r->max_error);
      printf(", \"tolerance\": ");
      json_num(stdout, r->tolerance);
      printf(", \"first_failure\": ");
      pv_cli_json_str(stdout, r->first_failure);
      printf("}");
    }
    printf("\n], \"ops_total\": %d, \"ops_claimed\": %d, \"ops_passing\": %d, "
           "\"require_all\": %s, \"ok\": %s}\n",
           n, claimed, passing, require_all ? "true" : "false",
           ok ? "true" : "false");
  } else {
    printf("conformance of %s against the reference implementation\n\n",
           dev_name);
    printf("%-22s %-7s %-15s %-9s %-10s %s\n", "op", "claimed", "passed/run",
           "of cases", "max error", "tolerance");
    for (int i = 0; i < n; i++) {
      const pv_conformance_result *r = &res[i];
      char pr[32], err[32];
      snprintf(pr, sizeof pr, "%d/%d", r->passed, r->supported);
      if (!r->supported)
        snprintf(err, sizeof err, "-");
      else if (isinf(r->max_error) || isnan(r->max_error))
        snprintf(err, sizeof err, "inf");
      else
        snprintf(err, sizeof err, "%.2e", r->max_error);
      const char *mark = !r->claimed                 ? ""
                         : r->passed == r->supported ? ""
                                                     : "  FAIL";
      printf("%-22s %-7s %-15s %-9d %-10s %-9.0e%s\n", pv_op_name(r->op),
             r->claimed ? "yes" : "no", pr, r->total, err, r->tolerance, mark);
    }
    printf("\nclaimed %d/%d ops, %d/%d claimed ops pass\n", claimed, n, passing,
           claimed);
    for (int i = 0; i < n; i++)
      if (res[i].first_failure[0])
        printf("  %s: %s\n", pv_op_name(res[i].op), res[i].first_failure);
    if (require_all && claimed < n) {
      printf("not claimed:");
      for (int i = 0; i < n; i++)
        if (!res[i].claimed)
          printf(" %s", pv_op_name(res[i].op));
      if (require_all < 2)
        printf("\n(the quantised ops need not be: the core expands them)");
      printf("\n");
    }
  }
  if (!ok) {
    fprintf(stderr, "polyvis conformance: %s: %d of %d claimed ops fail%s\n",
            dev_name, claimed - passing, claimed,
            require_all && claimed < n ? ", and not every op is claimed" : "");
    return PV_EXIT_ERROR;
  }
  return PV_EXIT_OK;
}

const pv_cli_command pv_cmd_conformance = {
    "conformance", "check a device against the reference op set", run, help};
