/* Plugin loading: the template plugin runs its ops and the rest falls back
 * to the CPU (the scheduler's splits), strict mode names the op, and a plugin
 * of the wrong ABI is rejected before any of its code but the query runs.
 * argv[1]: the template plugin dir, argv[2]: the bad plugins dir. */
#include "testutil.h"

#include <math.h>
#include <unistd.h>

static pv_tensor *ramp(int64_t n, float off) {
  int64_t s[2] = {2, n};
  pv_tensor *t = pv_tensor_create(PV_F32, 2, s);
  float *d = pv_tensor_data(t);
  for (int64_t i = 0; i < 2 * n; i++)
    d[i] = (float)(i % 7) - 3.0f + off;
  return t;
}

/* relu (template) -> sigmoid (cpu) -> add, mul, add (template) -> exp
 * (cpu): two partitions each. The middle run has three ops, so the island
 * merge (which moves runs of at most two cheap ops) leaves it in place. */
static pv_graph *split_graph(void) {
  pv_graph *g = pv_graph_create();
  int64_t s[2] = {2, 8};
  pv_value x = pv_graph_input(g, "x", PV_F32, 2, s);
  pv_value a = pv_relu(g, x);
  pv_value b = pv_sigmoid(g, a);
  pv_value c = pv_add(g, b, x);
  pv_value d = pv_add(g, pv_mul(g, c, c), x);
  pv_value e = pv_unary(g, PV_OP_EXP, d, 0, 0, 0);
  pv_graph_output(g, "e", e);
  pv_graph_output(g, "c", c);
  return g;
}

static void check_split_numerics(pv_tensor *in, pv_tensor **out) {
  const float *x = pv_tensor_data(in);
  const float *e = pv_tensor_data(out[0]), *c = pv_tensor_data(out[1]);
  for (int i = 0; i < 16; i++) {
    float a = x[i] > 0 ? x[i] : 0;
    float b = 1.0f / (1.0f + expf(-a));
    float cc = b + x[i];
    CHECK(fabsf(c[i] - cc) <= 1e-6f);
    float d = cc * cc + x[i];
    CHECK(fabsf(e[i] - expf(d)) <= 1e-5f * expf(d));
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_plugins TEMPLATE_DIR BAD_DIR\n");
    return 2;
  }
  char marker[512];
  snprintf(marker, sizeof marker, "%s/abi-init-ran", pv_test_tmpdir());
  setenv("PV_TEST_ABI_MARKER", marker, 1);
  pv_plugin_add_search_dir(argv[1]);
  pv_plugin_add_search_dir(argv[2]);

  /* records: template loaded; abi99 rejected with both versions named; the
   * library without the symbol rejected */
  int nr = pv_plugin_record_count(), seen_tpl = 0, seen_abi = 0, seen_sym = 0;
  for (int i = 0; i < nr; i++) {
    pv_plugin_record r;
    pv_plugin_record_get(i, &r);
    if (strstr(r.path, "template")) {
      seen_tpl = r.loaded && r.n_devices == 1;
    } else if (strstr(r.path, "abi_mismatch")) {
      char host_abi[32];
      snprintf(host_abi, sizeof host_abi, "%d.%d", PV_PLUGIN_ABI_MAJOR,
               PV_PLUGIN_ABI_MINOR);
      seen_abi = !r.loaded && r.status == PV_ERR_ABI &&
                 strstr(r.reason, "99.0") && strstr(r.reason, host_abi);
      printf("abi record: %s\n", r.reason);
    } else if (strstr(r.path, "no_symbol")) {
      seen_sym = !r.loaded && strstr(r.reason, "pv_plugin_query") != NULL;
    }
  }
  CHECK(seen_tpl);
  CHECK(seen_abi);
  CHECK(seen_sym);
  CHECK(access(marker, F_OK) != 0); /* abi99's init never ran */

  pv_device *t = pv_device_find("template:0");
  CHECK(t != NULL);
  if (!t)
    return pv_test_finish("test_plugins");
  CHECK(pv_device_find("auto") == pv_device_find("cpu")); /* type other < cpu */

  /* fallback: the expected splits and correct numbers */
  pv_graph *g = split_graph();
  pv_compile_options o = pv_compile_options_default();
  o.device = "template:0";
  o.fallback = 1;
  pv_compiled *c = pv_graph_compile(g, &o);
  CHECK(c != NULL);
  if (c) {
    char rep[4096];
    pv_compiled_report(c, rep, sizeof rep);
    printf("%s", rep);
    CHECK_EQ_INT(pv_compiled_num_partitions(c), 4); /* tpl, cpu, tpl, cpu */
    CHECK(strstr(rep, "partition 0: template:0") != NULL);
    CHECK(strstr(rep, "partition 1: cpu") != NULL);
    CHECK(strstr(rep, "partition 2: template:0") != NULL);
    pv_tensor *in = ramp(8, 0.5f), *out[2] = {0};
    CHECK(pv_compiled_run(c, 1, &in, 2, out) == 0);
    if (out[0] && out[1])
      check_split_numerics(in, out);
    pv_tensor_release(out[0]);
    pv_tensor_release(out[1]);
    pv_tensor_release(in);
    pv_compiled_free(c);
  }

  /* strict mode: an error that names the op */
  o.fallback = 0;
  c = pv_graph_compile(g, &o);
  CHECK(c == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FALLBACK);
  CHECK(strstr(pv_last_error(), "sigmoid") != NULL);
  pv_compiled_free(c);
  pv_graph_free(g);

  /* island merging: a lone cheap template op between cpu ops moves to cpu */
  g = pv_graph_create();
  int64_t s[2] = {2, 8};
  pv_value x = pv_graph_input(g, "x", PV_F32, 2, s);
  pv_value a = pv_sigmoid(g, x);
  pv_value b = pv_relu(g, a); /* template could run it, but alone */
  pv_graph_output(g, "y", pv_unary(g, PV_OP_EXP, b, 0, 0, 0));
  o.fallback = 1;
  c = pv_graph_compile(g, &o);
  CHECK(c && pv_compiled_num_partitions(c) == 1);
  pv_compiled_free(c);
  pv_graph_free(g);
  return pv_test_finish("test_plugins");
}
