/* Graph builder, shape inference, passes and the memory planner. */
#include "testutil.h"

static pv_tensor *filled(int ndim, const int64_t *shape, float base) {
  pv_tensor *t = pv_tensor_create(PV_F32, ndim, shape);
  float *d = pv_tensor_data(t);
  for (int64_t i = 0; i < pv_tensor_numel(t); i++)
    d[i] = base + (float)((i * 7) % 13) - 6.0f;
  return t;
}

static void test_builder_errors(void) {
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {1, 3, 8, 8}, ws[4] = {4, 5, 3, 3};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  pv_tensor *wt = pv_tensor_create(PV_F32, 4, ws);
  pv_value w = pv_graph_constant(g, "w", wt);
  pv_value y = pv_conv2d(g, x, w, PV_NO_VALUE, NULL);
  CHECK(y == PV_NO_VALUE);
  CHECK_EQ_INT(pv_graph_status(g), PV_ERR_SHAPE);
  CHECK(strstr(pv_graph_error(g), "conv2d") != NULL);
  CHECK(strstr(pv_graph_error(g), "[4, 5, 3, 3]") != NULL);
  /* sticky: later calls propagate */
  CHECK(pv_relu(g, y) == PV_NO_VALUE);
  CHECK(pv_graph_compile(g, NULL) == NULL);
  pv_tensor_release(wt);
  pv_graph_free(g);

  g = pv_graph_create();
  CHECK(pv_graph_node(g, (pv_op)999, 0, NULL, NULL, NULL) == PV_NO_VALUE);
  CHECK_EQ_INT(pv_graph_status(g), PV_ERR_UNKNOWN_OP);
  pv_graph_free(g);
}

static void test_inference(void) {
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {-1, 3, 17, 17}, ws[4] = {8, 3, 3, 3};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  pv_tensor *wt = pv_tensor_create(PV_F32, 4, ws);
  pv_conv_attrs ca = pv_conv_attrs_default();
  ca.stride[0] = ca.stride[1] = 2;
  ca.padding[0] = ca.padding[1] = ca.padding[2] = ca.padding[3] = 1;
  pv_value y = pv_conv2d(g, x, pv_graph_constant(g, "w", wt), PV_NO_VALUE, &ca);
  pv_pool_attrs pa = pv_pool_attrs_default();
  pa.kernel[0] = pa.kernel[1] = 3;
  pa.stride[0] = pa.stride[1] = 2;
  pa.ceil_mode = 1;
  pv_value z = pv_max_pool2d(g, y, &pa);
  pv_value f = pv_flatten(g, z, 1, -1);
  pv_tensor_desc d;
  CHECK(pv_graph_value_desc(g, y, &d) == 0);
  CHECK(d.shape[0] == -1 && d.shape[1] == 8 && d.shape[2] == 9 &&
        d.shape[3] == 9);
  CHECK(pv_graph_value_desc(g, z, &d) == 0);
  CHECK(d.shape[2] == 4 && d.shape[3] == 4); /* ceil((9-3)/2)+1 = 4 */
  CHECK(pv_graph_value_desc(g, f, &d) == 0);
  CHECK(d.ndim == 2 && d.shape[0] == -1 && d.shape[1] == 128);
  CHECK_EQ_INT(pv_graph_status(g), 0);
  pv_tensor_release(wt);
  pv_graph_free(g);
}

/* conv + batch_norm + relu: bn folds into the conv and relu fuses. */
static void test_passes(void) {
  pv_graph *g = pv_graph_create();
  int64_t xs[4] = {1, 2, 5, 5}, ws[4] = {3, 2, 3, 3}, cs[1] = {3};
  pv_value x = pv_graph_input(g, "x", PV_F32, 4, xs);
  pv_tensor *wt = filled(4, ws, 0.1f), *ga = filled(1, cs, 8.0f),
            *be = filled(1, cs, 1.0f), *mu = filled(1, cs, 0.5f),
            *va = filled(1, cs, 8.0f);
  pv_value y =
      pv_conv2d(g, x, pv_graph_constant(g, "w", wt), PV_NO_VALUE, NULL);
  y = pv_batch_norm(
      g, y, pv_graph_constant(g, "g", ga), pv_graph_constant(g, "b", be),
      pv_graph_constant(g, "m", mu), pv_graph_constant(g, "v", va), 1e-5f);
  y = pv_relu(g, y);
  /* a dead branch */
  pv_sigmoid(g, x);
  pv_graph_output(g, "y", y);
  CHECK_EQ_INT(pv_graph_num_nodes(g), 4);
  CHECK(pv_graph_optimize(g) == 0);
  CHECK_EQ_INT(pv_graph_num_nodes(g), 1);
  pv_graph_free(g);

  /* conv -> x * sigmoid(x) (an ONNX SiLU) -> one conv with silu fused;
   * sigmoid(x) * x too; a sigmoid with another use stays */
  for (int order = 0; order < 3; order++) {
    g = pv_graph_create();
    x = pv_graph_input(g, "x", PV_F32, 4, xs);
    y = pv_conv2d(g, x, pv_graph_constant(g, "w", wt), PV_NO_VALUE, NULL);
    pv_value s = pv_sigmoid(g, y);
    y = order == 1 ? pv_mul(g, s, y) : pv_mul(g, y, s);
    pv_graph_output(g, "y", y);
    if (order == 2)
      pv_graph_output(g, "s", s);
    CHECK(pv_graph_optimize(g) == 0);
    CHECK_EQ_INT(pv_graph_num_nodes(g), order == 2 ? 3 : 1);
    pv_graph_free(g);
  }
  pv_tensor_release(wt);
  pv_tensor_release(ga);
  pv_tensor_release(be);
  pv_tensor_release(mu);
  pv_tensor_release(va);
}

/* Peak arena memory on known graphs (256-byte aligned blocks). */
static void test_planner(void) {
  /* x[1,1024] -> relu -> relu -> relu -> out: x (4 KiB) + one buffer the
   * relus update in place (4 KiB); x is freed after the first relu. */
  pv_graph *g = pv_graph_create();
  int64_t s[2] = {1, 1024};
  pv_value x = pv_graph_input(g, "x", PV_F32, 2, s);
  pv_value y = pv_relu(g, pv_relu(g, pv_relu(g, x)));
  pv_graph_output(g, "y", y);
  pv_tensor_desc in = {PV_F32, 2, {1, 1024}};
  CHECK_EQ_INT(pv_graph_plan_memory(g, 1, &in), 8192);
  pv_graph_free(g);

  /* x -> a=relu(x); b=relu(a); c=add(a,b) keeps a and b alive together:
   * x(4K) a(4K) b(4K): x is freed after a, so b reuses x's block; c is
   * computed in place into a. Peak 8 KiB. */
  g = pv_graph_create();
  x = pv_graph_input(g, "x", PV_F32, 2, s);
  pv_value a = pv_relu(g, x);
  pv_value b = pv_relu(g, a);
  pv_graph_output(g, "c", pv_add(g, a, b));
  CHECK_EQ_INT(pv_graph_plan_memory(g, 1, &in), 8192);
  pv_graph_free(g);

  /* reshape is a view: no extra memory */
  g = pv_graph_create();
  x = pv_graph_input(g, "x", PV_F32, 2, s);
  int64_t r[2] = {32, 32};
  pv_graph_output(g, "y", pv_relu(g, pv_reshape(g, pv_relu(g, x), 2, r)));
  CHECK_EQ_INT(pv_graph_plan_memory(g, 1, &in), 8192);
  pv_graph_free(g);
}

static void test_run_cpu_dynamic(void) {
  pv_graph *g = pv_graph_create();
  int64_t s[2] = {-1, 5};
  pv_value x = pv_graph_input(g, "x", PV_F32, 2, s);
  int64_t r[1] = {-1};
  pv_graph_output(g, "y", pv_reshape(g, pv_relu(g, x), 1, r));
  pv_compile_options o = pv_compile_options_default();
  o.device = "cpu";
  pv_compiled *c = pv_graph_compile(g, &o);
  CHECK(c != NULL);
  for (int64_t n = 1; n <= 3; n++) {
    int64_t xs[2] = {n, 5};
    pv_tensor *in = filled(2, xs, 0.0f), *out = NULL;
    CHECK(pv_compiled_run(c, 1, &in, 1, &out) == 0);
    CHECK(out && pv_tensor_ndim(out) == 1 && pv_tensor_dim(out, 0) == n * 5);
    if (out) {
      const float *a = pv_tensor_data(in), *b = pv_tensor_data(out);
      for (int64_t i = 0; i < n * 5; i++)
        CHECK(b[i] == (a[i] > 0 ? a[i] : 0));
    }
    pv_tensor_release(in);
    pv_tensor_release(out);
  }
  /* wrong rank is an error naming the input */
  int64_t bad[3] = {1, 5, 1};
  pv_tensor *in = filled(3, bad, 0), *out = NULL;
  CHECK(pv_compiled_run(c, 1, &in, 1, &out) == PV_ERR_SHAPE);
  CHECK(strstr(pv_last_error(), "'x'") != NULL);
  CHECK(out == NULL);
  pv_tensor_release(in);
  pv_compiled_free(c);
  pv_graph_free(g);
}

int main(void) {
  test_builder_errors();
  test_inference();
  test_passes();
  test_planner();
  test_run_cpu_dynamic();
  return pv_test_finish("test_graph");
}
