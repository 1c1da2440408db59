/* Constants a plugin repacked are freed during the compile (plugin.h,
 * const_done) and come back when a new input shape needs a new plan: a
 * conv + batch_norm graph with a dynamic batch (the folded weights are then
 * owned by the compiled graph alone) runs at batch 1, then 3, then 1 again,
 * and every result matches the same graph compiled without folding. */
#include "testutil.h"

#include <math.h>

static pv_tensor *filled(int ndim, const int64_t *shape, float scale,
                         float off) {
  pv_tensor *t = pv_tensor_create(PV_F32, ndim, shape);
  float *d = pv_tensor_data(t);
  int64_t n = pv_tensor_numel(t);
  for (int64_t i = 0; i < n; i++)
    d[i] = off + scale * (float)((i * 37 + 11) % 23 - 11) / 11.0f;
  return t;
}

static pv_graph *conv_bn(void) {
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {-1, 4, 6, 6}, ws[4] = {8, 4, 3, 3}, cs[1] = {8};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  pv_tensor *w = filled(4, ws, 0.5f, 0.0f), *ga = filled(1, cs, 0.3f, 1.0f),
            *be = filled(1, cs, 0.2f, 0.0f), *mu = filled(1, cs, 0.1f, 0.0f),
            *va = filled(1, cs, 0.2f, 1.0f);
  pv_conv_attrs a = pv_conv_attrs_default();
  a.padding[0] = a.padding[1] = a.padding[2] = a.padding[3] = 1;
  pv_value y = pv_conv2d(g, x, pv_graph_constant(g, NULL, w), PV_NO_VALUE, &a);
  y = pv_batch_norm(
      g, y, pv_graph_constant(g, NULL, ga), pv_graph_constant(g, NULL, be),
      pv_graph_constant(g, NULL, mu), pv_graph_constant(g, NULL, va), 1e-5f);
  pv_graph_output(g, "y", y);
  pv_tensor_release(w);
  pv_tensor_release(ga);
  pv_tensor_release(be);
  pv_tensor_release(mu);
  pv_tensor_release(va);
  return g;
}

static void check_run(pv_compiled *c, pv_compiled *ref, int64_t batch) {
  int64_t xs[4] = {batch, 4, 6, 6};
  pv_tensor *x = filled(4, xs, 1.0f, 0.25f);
  pv_tensor *y = NULL, *r = NULL;
  CHECK(pv_compiled_run(c, 1, &x, 1, &y) == 0);
  CHECK(pv_compiled_run(ref, 1, &x, 1, &r) == 0);
  if (y && r) {
    CHECK(pv_tensor_numel(y) == pv_tensor_numel(r));
    const float *a = pv_tensor_data(y), *b = pv_tensor_data(r);
    float worst = 0;
    for (int64_t i = 0; i < pv_tensor_numel(r); i++)
      worst = fmaxf(worst, fabsf(a[i] - b[i]));
    printf("batch %lld: max |folded - unfolded| = %g\n", (long long)batch,
           worst);
    CHECK(worst <= 1e-4f);
  }
  pv_tensor_release(x);
  pv_tensor_release(y);
  pv_tensor_release(r);
}

int main(void) {
  pv_graph *g = conv_bn();
  pv_compile_options o = pv_compile_options_default();
  o.device = "cpu";
  pv_compiled *c = pv_graph_compile(g, &o);
  o.no_optimize = 1;
  pv_compiled *ref = pv_graph_compile(g, &o);
  pv_graph_free(g); /* allowed after compile; the constants must live on */
  CHECK(c && ref);
  if (!c || !ref)
    return pv_test_finish("test_const_release");
  check_run(c, ref, 1);
  char buf[4096];
  CHECK(pv_compiled_report(c, buf, sizeof buf) == 0);
  printf("%s", buf);
  /* the folded weights (8*4*3*3 floats) were repacked and freed */
  CHECK(strstr(buf, "host freed: 1152 bytes") != NULL);
  check_run(c, ref, 3); /* a new plan: the folded weights are rebuilt */
  check_run(c, ref, 1);
  check_run(c, ref, 2);
  pv_compiled_free(c);
  pv_compiled_free(ref);
  return pv_test_finish("test_const_release");
}
