/* ONNX import into a pv_graph: every shared model imports with the declared
 * output shapes (shape subgraphs folded at load time), the int8 model and
 * crafted models with unknown ops fail with a message that names op, node
 * and domain, and options pin dynamic input shapes. Built against the real
 * graph runtime when core/graph/graph.c exists, else against the recording
 * stand-in of mock_graph.c (PV_TEST_MOCK_GRAPH), which runs the real shape
 * inference. */
#include "testutil.h"

#include "pbw.h"
#include <polyvis/onnx.h>
#ifdef PV_TEST_MOCK_GRAPH
#include "mock_graph.h"
#define OPS(g, op) pv_mock_graph_op_count(g, op)
#endif

static int n_skipped;

static pv_graph *import(const char *rel, const pv_onnx_options *o,
                        pv_onnx_info *info) {
  char buf[1024];
  if (!pv_test_data_path(rel, buf, sizeof buf)) {
    n_skipped++;
    return NULL;
  }
  pv_graph *g = NULL;
  int rc = pv_onnx_import(buf, o, &g, info);
  if (rc)
    fprintf(stderr, "%s: %s\n", rel, pv_last_error());
  CHECK_EQ_INT(rc, 0);
  return g;
}

static void check_out(pv_graph *g, int i, const char *name, int ndim,
                      const int64_t *shape) {
  CHECK(pv_graph_output_name(g, i) &&
        !strcmp(pv_graph_output_name(g, i), name));
  pv_tensor_desc d;
  CHECK_EQ_INT(pv_graph_value_desc(g, pv_graph_output_value(g, i), &d), 0);
  CHECK_EQ_INT(d.ndim, ndim);
  for (int k = 0; k < ndim && k < d.ndim; k++)
    CHECK_EQ_INT(d.shape[k], shape[k]);
}

static void test_mnist(void) {
  pv_onnx_info info;
  pv_graph *g = import("models/mnist-opt.onnx", NULL, &info);
  if (!g)
    return;
  CHECK_EQ_INT(pv_graph_num_inputs(g), 1);
  CHECK_EQ_INT(pv_graph_num_outputs(g), 1);
  check_out(g, 0, "Plus214_Output_0", 2, (int64_t[]){1, 10});
  CHECK_EQ_INT(info.opset, 8);
  CHECK_EQ_INT(info.n_onnx_nodes, 8);
  CHECK_EQ_INT(info.n_graph_nodes, 8);
#ifdef OPS
  CHECK_EQ_INT(OPS(g, PV_OP_CONV2D), 2);
  CHECK_EQ_INT(OPS(g, PV_OP_MAX_POOL2D), 2);
  CHECK_EQ_INT(OPS(g, PV_OP_GEMM), 1);
#endif
  pv_graph_free(g);
}

static void test_ultraface(const char *rel, int n_nodes) {
  pv_onnx_info info;
  pv_graph *g = import(rel, NULL, &info);
  if (!g)
    return;
  CHECK_EQ_INT(info.n_onnx_nodes, n_nodes);
  CHECK_EQ_INT(pv_graph_num_inputs(g), 1); /* weights are not inputs */
  check_out(g, 0, "scores", 3, (int64_t[]){1, 4420, 2});
  check_out(g, 1, "boxes", 3, (int64_t[]){1, 4420, 4});
  /* Shape->Gather->Unsqueeze->Concat chains fold away */
  CHECK(info.n_folded >= 8 + 8 + 24);
#ifdef OPS
  CHECK_EQ_INT(OPS(g, PV_OP_CONV2D), 52);
  CHECK_EQ_INT(OPS(g, PV_OP_BATCH_NORM), 35);
  CHECK_EQ_INT(OPS(g, PV_OP_SOFTMAX), 1);
  CHECK_EQ_INT(OPS(g, PV_OP_GATHER), 0);
#endif
  pv_graph_free(g);
}

static void test_yolox(void) {
  pv_onnx_info info;
  pv_graph *g = import("models/yolox_nano.onnx", NULL, &info);
  if (!g)
    return;
  check_out(g, 0, "output", 3, (int64_t[]){1, 3549, 85});
#ifdef OPS
  CHECK_EQ_INT(OPS(g, PV_OP_RESIZE), 2);
  CHECK_EQ_INT(OPS(g, PV_OP_SIGMOID), 110);
  CHECK_EQ_INT(OPS(g, PV_OP_CONV2D), 113);
#endif
  pv_graph_free(g);
}

static void test_blazeface(void) {
  pv_onnx_info info;
  pv_graph *g = import("models/blazeface_front_128x128.onnx", NULL, &info);
  if (!g)
    return;
  CHECK_EQ_INT(pv_graph_num_outputs(g), 4);
  check_out(g, 0, "Identity:0", 3, (int64_t[]){1, 512, 1});
  check_out(g, 1, "Identity_1:0", 3, (int64_t[]){1, 384, 1});
  check_out(g, 2, "Identity_2:0", 3, (int64_t[]){1, 512, 16});
  check_out(g, 3, "Identity_3:0", 3, (int64_t[]){1, 384, 16});
#ifdef OPS
  CHECK_EQ_INT(OPS(g, PV_OP_CONV2D), 37);
  CHECK(OPS(g, PV_OP_PERMUTE) >= 1); /* NHWC input goes through Transpose */
#endif
  pv_graph_free(g);
}

static void test_ppocr(void) {
  pv_onnx_input_shape pin = {"x", 4, {1, 3, 640, 480}};
  pv_onnx_options o = pv_onnx_options_default();
  o.input_shapes = &pin;
  o.n_input_shapes = 1;
  pv_onnx_info info;
  pv_graph *g = import("models/ppocrv4_det.onnx", &o, &info);
  if (!g)
    return;
  CHECK_EQ_INT(pv_graph_num_outputs(g), 1);
  check_out(g, 0, "sigmoid_0.tmp_0", 4, (int64_t[]){1, 1, 640, 480});
  CHECK(info.n_folded >= 342); /* every Constant node */
#ifdef OPS
  CHECK_EQ_INT(OPS(g, PV_OP_HARDSIGMOID), 10);
  CHECK_EQ_INT(OPS(g, PV_OP_CONV_TRANSPOSE2D), 2);
  CHECK_EQ_INT(OPS(g, PV_OP_RESIZE), 6);
#endif
  pv_graph_free(g);
}

/* The int8 model imports (each quantised op becomes the core quantised op
 * of the same name; see import_quant.c), given a pinned batch for its Shape
 * subgraph; without the pin, the error names the dynamic Shape input. */
static void test_int8_import(void) {
  char buf[1024];
  if (!pv_test_data_path("models/mobilenetv2-12-int8.onnx", buf, sizeof buf)) {
    n_skipped++;
    return;
  }
  pv_graph *g = (pv_graph *)1;
  int rc = pv_onnx_import(buf, NULL, &g, NULL);
  CHECK(rc < 0);
  CHECK(g == NULL);
  CHECK(strstr(pv_last_error(), "Shape") != NULL);
  pv_onnx_options o = pv_onnx_options_default();
  o.dynamic_dims_to_one = 1;
  pv_onnx_info info;
  rc = pv_onnx_import(buf, &o, &g, &info);
  CHECK_EQ_INT(rc, 0);
  CHECK(info.n_graph_nodes > 0 && info.n_graph_nodes <= info.n_onnx_nodes);
#ifdef PV_TEST_MOCK_GRAPH
  CHECK_EQ_INT(OPS(g, PV_OP_QLINEAR_CONV), 52);
  CHECK_EQ_INT(OPS(g, PV_OP_CONV2D), 0);
#endif
  if (!rc)
    pv_graph_free(g);
}

/* A crafted model: x -> Relu -> FooBar (com.example) -> y. */
static void test_unknown_op(void) {
  pbw g = {0}, m = {0};
  int64_t shape[2] = {2, 3};
  const char *in0[] = {"x"}, *in1[] = {"h"};
  pbw_node(&g, "Relu", NULL, "relu0", 1, in0, "h", NULL);
  pbw_node(&g, "FooBar", "com.example", "mystery_node", 1, in1, "y", NULL);
  pbw_str(&g, 2, "g");
  pbw_value_info(&g, 11, "x", 1, 2, shape);
  pbw_value_info(&g, 12, "y", 1, 2, shape);
  pbw_model(&m, &g, 13);
  pv_graph *gr = NULL;
  int rc = pv_onnx_import_memory(m.p, m.n, NULL, &gr, NULL);
  CHECK_EQ_INT(rc, PV_ERR_UNKNOWN_OP);
  CHECK(gr == NULL);
  const char *e = pv_last_error();
  CHECK(strstr(e, "FooBar") && strstr(e, "mystery_node") &&
        strstr(e, "com.example"));
  free(m.p);
}

/* Opset-12 Softmax over axis 1 of a 3-D tensor flattens to 2-D. */
static void test_legacy_softmax_and_fold(void) {
  pbw g = {0}, m = {0}, at = {0}, a = {0};
  int64_t xs[3] = {2, 3, 4};
  const char *in0[] = {"x"};
  pbw_str(&a, 1, "axis");
  pbw_int(&a, 3, 1);
  pbw_int(&a, 20, 2);
  pbw_msg(&at, 5, &a);
  pbw_node(&g, "Softmax", NULL, "sm", 1, in0, "s", &at);
  free(at.p);
  /* Shape(s) -> Reshape(s, shape) must fold to a literal reshape */
  const char *in1[] = {"s"}, *in2[] = {"s", "shp"};
  pbw_node(&g, "Shape", NULL, "shape0", 1, in1, "shp", NULL);
  pbw_node(&g, "Reshape", NULL, "rs", 2, in2, "y", NULL);
  pbw_str(&g, 2, "g");
  pbw_value_info(&g, 11, "x", 1, 3, xs);
  pbw_value_info(&g, 12, "y", 1, 3, xs);
  pbw_model(&m, &g, 12);
  pv_graph *gr = NULL;
  pv_onnx_info info;
  int rc = pv_onnx_import_memory(m.p, m.n, NULL, &gr, &info);
  CHECK_EQ_INT(rc, 0);
  if (gr) {
    check_out(gr, 0, "y", 3, xs);
    CHECK_EQ_INT(info.n_folded, 1); /* Shape */
#ifdef OPS
    CHECK_EQ_INT(OPS(gr, PV_OP_SOFTMAX), 1);
    CHECK_EQ_INT(OPS(gr, PV_OP_RESHAPE), 3); /* flatten, unflatten, Reshape */
#endif
    pv_graph_free(gr);
  }
  free(m.p);
}

/* Graph attributes (control flow) are refused, naming the node. */
static void test_subgraph_refused(void) {
  pbw g = {0}, m = {0}, at = {0}, a = {0}, sub = {0};
  int64_t xs[1] = {1};
  const char *in0[] = {"c"};
  pbw_str(&sub, 2, "body");
  pbw_str(&a, 1, "then_branch");
  pbw_msg(&a, 6, &sub);
  pbw_int(&a, 20, 5);
  pbw_msg(&at, 5, &a);
  pbw_node(&g, "If", NULL, "branchy", 1, in0, "y", &at);
  free(at.p);
  pbw_str(&g, 2, "g");
  pbw_value_info(&g, 11, "c", 9, 1, xs);
  pbw_value_info(&g, 12, "y", 1, 1, xs);
  pbw_model(&m, &g, 13);
  pv_graph *gr = NULL;
  int rc = pv_onnx_import_memory(m.p, m.n, NULL, &gr, NULL);
  CHECK_EQ_INT(rc, PV_ERR_UNSUPPORTED);
  CHECK(strstr(pv_last_error(), "branchy") != NULL);
  free(m.p);
}

/* --- load-time folding, checked through constant graph outputs ---------- */

/* A Constant node holding an int64 tensor. */
static void const_i64(pbw *g, const char *name, int ndim, const int64_t *dims,
                      int n, const int64_t *v) {
  pbw t = {0}, packed = {0}, a = {0}, at = {0};
  for (int i = 0; i < ndim; i++)
    pbw_int(&t, 1, dims[i]);
  pbw_int(&t, 2, 7);
  for (int i = 0; i < n; i++)
    pbw_varint(&packed, (uint64_t)v[i]);
  pbw_bytes(&t, 7, packed.p, packed.n);
  free(packed.p);
  pbw_str(&a, 1, "value");
  pbw_msg(&a, 5, &t);
  pbw_int(&a, 20, 4);
  pbw_msg(&at, 5, &a);
  pbw_node(g, "Constant", NULL, name, 0, NULL, name, &at);
  free(at.p);
}

static void const_f32(pbw *g, const char *name, int n, const float *v) {
  pbw t = {0}, a = {0}, at = {0};
  pbw_int(&t, 1, n);
  pbw_int(&t, 2, 1);
  pbw_bytes(&t, 9, v, sizeof(float) * (size_t)n);
  pbw_str(&a, 1, "value");
  pbw_msg(&a, 5, &t);
  pbw_int(&a, 20, 4);
  pbw_msg(&at, 5, &a);
  pbw_node(g, "Constant", NULL, name, 0, NULL, name, &at);
  free(at.p);
}

static void attr_int(pbw *at, const char *name, int64_t v) {
  pbw a = {0};
  pbw_str(&a, 1, name);
  pbw_int(&a, 3, v);
  pbw_int(&a, 20, 2);
  pbw_msg(at, 5, &a);
}

static void test_folding(void) {
  pbw g = {0}, m = {0}, at = {0};
  /* Div truncates: [7, -7] / [2, 2] = [3, -3] */
  const_i64(&g, "a", 1, (int64_t[]){2}, 2, (int64_t[]){7, -7});
  const_i64(&g, "two", 1, (int64_t[]){2}, 2, (int64_t[]){2, 2});
  pbw_node(&g, "Div", NULL, "div", 2, (const char *[]){"a", "two"}, "o_div",
           NULL);
  /* Gather with a negative index */
  const_i64(&g, "v", 1, (int64_t[]){3}, 3, (int64_t[]){10, 20, 30});
  const_i64(&g, "idx", 1, (int64_t[]){2}, 2, (int64_t[]){-1, 0});
  pbw_node(&g, "Gather", NULL, "gather", 2, (const char *[]){"v", "idx"},
           "o_gather", NULL);
  /* Slice [0..9] 8:1:-3 = [8, 5, 2] */
  const_i64(&g, "r10", 1, (int64_t[]){10}, 10,
            (int64_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const_i64(&g, "st", 1, (int64_t[]){1}, 1, (int64_t[]){8});
  const_i64(&g, "en", 1, (int64_t[]){1}, 1, (int64_t[]){1});
  const_i64(&g, "ax", 1, (int64_t[]){1}, 1, (int64_t[]){0});
  const_i64(&g, "sp", 1, (int64_t[]){1}, 1, (int64_t[]){-3});
  pbw_node(&g, "Slice", NULL, "slice", 5,
           (const char *[]){"r10", "st", "en", "ax", "sp"}, "o_slice", NULL);
  /* Unsqueeze a scalar, Concat: [5] ++ [6, 7] */
  const_i64(&g, "five", 0, NULL, 1, (int64_t[]){5});
  pbw_node(&g, "Unsqueeze", NULL, "unsq", 2, (const char *[]){"five", "ax"},
           "five1", NULL);
  const_i64(&g, "sixseven", 1, (int64_t[]){2}, 2, (int64_t[]){6, 7});
  attr_int(&at, "axis", 0);
  pbw_node(&g, "Concat", NULL, "cat", 2, (const char *[]){"five1", "sixseven"},
           "o_cat", &at);
  free(at.p);
  memset(&at, 0, sizeof at);
  /* Cast float -> int64 truncates toward zero */
  const_f32(&g, "f", 2, (float[]){1.7f, -1.7f});
  attr_int(&at, "to", 7);
  pbw_node(&g, "Cast", NULL, "cast", 1, (const char *[]){"f"}, "o_cast", &at);
  free(at.p);
  memset(&at, 0, sizeof at);
  /* Range(0, 10, 3) */
  const_i64(&g, "zero", 0, NULL, 1, (int64_t[]){0});
  const_i64(&g, "ten", 0, NULL, 1, (int64_t[]){10});
  const_i64(&g, "three", 0, NULL, 1, (int64_t[]){3});
  pbw_node(&g, "Range", NULL, "range", 3,
           (const char *[]){"zero", "ten", "three"}, "o_range", NULL);
  /* Transpose [[1,2,3],[4,5,6]] */
  const_i64(&g, "m23", 2, (int64_t[]){2, 3}, 6, (int64_t[]){1, 2, 3, 4, 5, 6});
  pbw_node(&g, "Transpose", NULL, "tr", 1, (const char *[]){"m23"}, "o_tr",
           NULL);
  /* Expand [1, 2] to [2, 2] */
  const_i64(&g, "one2", 1, (int64_t[]){2}, 2, (int64_t[]){1, 2});
  const_i64(&g, "shp22", 1, (int64_t[]){2}, 2, (int64_t[]){2, 2});
  pbw_node(&g, "Expand", NULL, "ex", 2, (const char *[]){"one2", "shp22"},
           "o_ex", NULL);
  pbw_str(&g, 2, "fold");
  const char *outs[] = {"o_div",  "o_gather", "o_slice", "o_cat",
                        "o_cast", "o_range",  "o_tr",    "o_ex"};
  for (int i = 0; i < 8; i++)
    pbw_value_info(&g, 12, outs[i], 7, 1, (int64_t[]){-1});
  pbw_model(&m, &g, 13);
  pv_graph *gr = NULL;
  pv_onnx_info info;
  int rc = pv_onnx_import_memory(m.p, m.n, NULL, &gr, &info);
  free(m.p);
  CHECK_EQ_INT(rc, 0);
  if (!gr)
    return;
  CHECK_EQ_INT(info.n_graph_nodes, 0); /* everything folded */
  static const int64_t want[8][6] = {
      {3, -3}, {30, 10},     {8, 5, 2},          {5, 6, 7},
      {1, -1}, {0, 3, 6, 9}, {1, 4, 2, 5, 3, 6}, {1, 2, 1, 2}};
  static const int want_n[8] = {2, 2, 3, 3, 2, 4, 6, 4};
  for (int i = 0; i < 8; i++) {
    pv_tensor *t = pv_graph_value_constant(gr, pv_graph_output_value(gr, i));
    CHECK(t != NULL);
    if (!t)
      continue;
    CHECK_EQ_INT(pv_tensor_numel(t), want_n[i]);
    pv_tensor *c = pv_tensor_cast(t, PV_I64);
    for (int k = 0; c && k < want_n[i] && k < pv_tensor_numel(c); k++)
      if (((int64_t *)pv_tensor_data(c))[k] != want[i][k]) {
        fprintf(stderr, "%s[%d] = %lld, want %lld\n", outs[i], k,
                (long long)((int64_t *)pv_tensor_data(c))[k],
                (long long)want[i][k]);
        pv_test_failures++;
      }
    pv_tensor_release(c);
  }
  const int64_t *trs = pv_graph_value_constant(gr, pv_graph_output_value(gr, 6))
                           ? pv_tensor_shape(pv_graph_value_constant(
                                 gr, pv_graph_output_value(gr, 6)))
                           : NULL;
  CHECK(trs && trs[0] == 3 && trs[1] == 2);
  pv_graph_free(gr);
}

#ifdef PV_TEST_MOCK_GRAPH
static void attr_ints_(pbw *at, const char *name, int n, const int64_t *v) {
  pbw a = {0};
  pbw_str(&a, 1, name);
  for (int i = 0; i < n; i++)
    pbw_int(&a, 8, v[i]);
  pbw_int(&a, 20, 7);
  pbw_msg(at, 5, &a);
}
static void attr_str_(pbw *at, const char *name, const char *v) {
  pbw a = {0};
  pbw_str(&a, 1, name);
  pbw_str(&a, 4, v);
  pbw_int(&a, 20, 3);
  pbw_msg(at, 5, &a);
}

/* Imports x[1,1,6,5] -> Conv(3x3, given attrs) and returns its attrs. */
static int conv_attrs(pbw *at, pv_conv_attrs *out, int64_t *oshape) {
  pbw g = {0}, m = {0};
  float w[9] = {0};
  pbw_node(&g, "Conv", NULL, "c", 2, (const char *[]){"x", "W"}, "y", at);
  free(at->p);
  memset(at, 0, sizeof *at);
  pbw_str(&g, 2, "g");
  pbw_tensor_f32(&g, 5, "W", 4, (int64_t[]){1, 1, 3, 3}, w);
  pbw_value_info(&g, 11, "x", 1, 4, (int64_t[]){1, 1, 6, 5});
  pbw_value_info(&g, 12, "y", 1, 4, (int64_t[]){-1, -1, -1, -1});
  pbw_model(&m, &g, 13);
  pv_graph *gr = NULL;
  int rc = pv_onnx_import_memory(m.p, m.n, NULL, &gr, NULL);
  free(m.p);
  if (rc)
    return rc;
  pv_op_attrs a;
  CHECK_EQ_INT(pv_mock_graph_node(gr, 0, &a), PV_OP_CONV2D);
  *out = a.conv;
  pv_tensor_desc d;
  pv_graph_value_desc(gr, pv_graph_output_value(gr, 0), &d);
  memcpy(oshape, d.shape, sizeof(int64_t) * 4);
  pv_graph_free(gr);
  return 0;
}

static void test_attr_mapping(void) {
  pbw at = {0};
  pv_conv_attrs c;
  int64_t os[4];
  /* explicit pads: ONNX [x1_begin, x2_begin, x1_end, x2_end] */
  attr_ints_(&at, "pads", 4, (int64_t[]){1, 2, 3, 0});
  CHECK_EQ_INT(conv_attrs(&at, &c, os), 0);
  CHECK(c.padding[0] == 1 && c.padding[1] == 2 && c.padding[2] == 3 &&
        c.padding[3] == 0);
  CHECK(os[2] == 8 && os[3] == 5);
  /* SAME_UPPER, stride 2: H 6 -> 3 (total 1: 0 top, 1 bottom), W 5 -> 3
   * (total 2: 1, 1) */
  attr_str_(&at, "auto_pad", "SAME_UPPER");
  attr_ints_(&at, "strides", 2, (int64_t[]){2, 2});
  CHECK_EQ_INT(conv_attrs(&at, &c, os), 0);
  CHECK(c.padding[0] == 0 && c.padding[2] == 1 && c.padding[1] == 1 &&
        c.padding[3] == 1);
  CHECK(c.stride[0] == 2 && c.stride[1] == 2);
  CHECK(os[2] == 3 && os[3] == 3);
  /* SAME_LOWER puts the odd pixel first */
  attr_str_(&at, "auto_pad", "SAME_LOWER");
  attr_ints_(&at, "strides", 2, (int64_t[]){2, 2});
  CHECK_EQ_INT(conv_attrs(&at, &c, os), 0);
  CHECK(c.padding[0] == 1 && c.padding[2] == 0);
  /* group, dilations */
  attr_ints_(&at, "dilations", 2, (int64_t[]){2, 1});
  CHECK_EQ_INT(conv_attrs(&at, &c, os), 0);
  CHECK(c.dilation[0] == 2 && c.dilation[1] == 1 && c.groups == 1);
  CHECK(os[2] == 2 && os[3] == 3);
}
#endif

int main(void) {
#ifdef PV_TEST_MOCK_GRAPH
  test_attr_mapping();
#endif
  test_folding();
  test_unknown_op();
  test_legacy_softmax_and_fold();
  test_subgraph_refused();
  test_mnist();
  test_ultraface("models/ultraface-version-RFB-320.onnx", 242);
  test_ultraface("models/ultraface-version-RFB-320_without_postprocessing.onnx",
                 217);
  test_yolox();
  test_blazeface();
  test_ppocr();
  test_int8_import();
  if (n_skipped)
    printf("note: %d shared-model checks skipped (data absent)\n", n_skipped);
  return pv_test_finish("test_onnx_import");
}
