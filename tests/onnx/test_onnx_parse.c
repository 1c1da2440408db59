/* ONNX parsing of the real shared models: declared inputs/outputs, node and
 * initializer counts, op histograms and attribute values, all checked
 * against facts read independently with the `onnx` Python package. Needs
 * no graph runtime. */
#include "testutil.h"

#include <polyvis/onnx.h>

static int count_op(const pv_onnx_model *m, const char *op, const char *dom) {
  int c = 0;
  for (int i = 0; i < pv_onnx_model_num_nodes(m); i++)
    if (!strcmp(pv_onnx_node_op_type(m, i), op) &&
        !strcmp(pv_onnx_node_domain(m, i), dom))
      c++;
  return c;
}

static int find_op(const pv_onnx_model *m, const char *op) {
  for (int i = 0; i < pv_onnx_model_num_nodes(m); i++)
    if (!strcmp(pv_onnx_node_op_type(m, i), op))
      return i;
  return -1;
}

static void check_shape(const pv_tensor_desc *d, int ndim, const int64_t *s) {
  CHECK_EQ_INT(d->ndim, ndim);
  for (int i = 0; i < ndim && i < d->ndim; i++)
    CHECK_EQ_INT(d->shape[i], s[i]);
}

/* Every initializer materialises with its declared shape and dtype. */
static void check_initializers(const pv_onnx_model *m) {
  for (int i = 0; i < pv_onnx_model_num_initializers(m); i++) {
    pv_tensor_desc d;
    CHECK_EQ_INT(pv_onnx_initializer_desc(m, i, &d), 0);
    pv_tensor *t = pv_onnx_initializer_tensor(m, i);
    CHECK(t != NULL);
    if (!t)
      continue;
    CHECK_EQ_INT(pv_tensor_dtype(t), d.dtype);
    CHECK_EQ_INT(pv_tensor_ndim(t), d.ndim);
    pv_tensor_release(t);
  }
}

static pv_onnx_model *load(const char *rel) {
  char buf[1024];
  if (!pv_test_data_path(rel, buf, sizeof buf))
    return NULL;
  pv_onnx_model *m = pv_onnx_model_load(buf);
  CHECK(m != NULL);
  return m;
}

static int n_skipped;

static void test_mnist(void) {
  pv_onnx_model *m = load("models/mnist-opt.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_ir_version(m), 3);
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 8);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 8);
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 7);
  /* 8 declared inputs, 7 of them initializers */
  CHECK_EQ_INT(pv_onnx_model_num_inputs(m), 1);
  CHECK(!strcmp(pv_onnx_model_input_name(m, 0), "Input3"));
  pv_tensor_desc d;
  CHECK_EQ_INT(pv_onnx_model_input_desc(m, 0, &d), 0);
  check_shape(&d, 4, (int64_t[]){1, 1, 28, 28});
  CHECK_EQ_INT(d.dtype, PV_F32);
  CHECK(!strcmp(pv_onnx_model_output_name(m, 0), "Plus214_Output_0"));
  CHECK_EQ_INT(pv_onnx_model_output_desc(m, 0, &d), 0);
  check_shape(&d, 2, (int64_t[]){1, 10});
  CHECK_EQ_INT(count_op(m, "Conv", ""), 2);
  CHECK_EQ_INT(count_op(m, "MaxPool", ""), 2);
  CHECK_EQ_INT(count_op(m, "Gemm", ""), 1);
  int c = find_op(m, "Conv");
  CHECK(c >= 0);
  const char *s = NULL;
  CHECK_EQ_INT(pv_onnx_node_attr_string(m, c, "auto_pad", &s), 0);
  CHECK(s && !strcmp(s, "SAME_UPPER"));
  int64_t k[4] = {0};
  int n = 0;
  CHECK_EQ_INT(pv_onnx_node_attr_ints(m, c, "kernel_shape", k, 4, &n), 0);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_INT(k[0], 5);
  CHECK_EQ_INT(k[1], 5);
  /* wrong type and missing attributes are errors, not crashes */
  int64_t iv;
  CHECK_EQ_INT(pv_onnx_node_attr_int(m, c, "auto_pad", &iv), PV_ERR_DTYPE);
  CHECK_EQ_INT(pv_onnx_node_attr_int(m, c, "nope", &iv), PV_ERR_NOT_FOUND);
  check_initializers(m);
  pv_onnx_model_free(m);
}

static void test_ultraface(void) {
  pv_onnx_model *m = load("models/ultraface-version-RFB-320.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_ir_version(m), 4);
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 9);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 242);
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 244);
  CHECK_EQ_INT(pv_onnx_model_num_inputs(m), 1);
  CHECK(!strcmp(pv_onnx_model_input_name(m, 0), "input"));
  pv_tensor_desc d;
  pv_onnx_model_input_desc(m, 0, &d);
  check_shape(&d, 4, (int64_t[]){1, 3, 240, 320});
  CHECK_EQ_INT(pv_onnx_model_num_outputs(m), 2);
  CHECK(!strcmp(pv_onnx_model_output_name(m, 0), "scores"));
  CHECK(!strcmp(pv_onnx_model_output_name(m, 1), "boxes"));
  pv_onnx_model_output_desc(m, 0, &d);
  check_shape(&d, 3, (int64_t[]){1, 4420, 2});
  pv_onnx_model_output_desc(m, 1, &d);
  check_shape(&d, 3, (int64_t[]){1, 4420, 4});
  CHECK_EQ_INT(count_op(m, "Conv", ""), 52);
  CHECK_EQ_INT(count_op(m, "BatchNormalization", ""), 35);
  CHECK_EQ_INT(count_op(m, "Constant", ""), 31);
  CHECK_EQ_INT(count_op(m, "Unsqueeze", ""), 24);
  check_initializers(m);
  pv_onnx_model_free(m);
}

/* raw_data is referenced in the mapped file, not copied, and the mapping
 * outlives the model view while a tensor needs it. */
static void test_zero_copy(void) {
  pv_onnx_model *m = load("models/ultraface-version-RFB-320.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  int shared = 0, keep = -1;
  for (int i = 0; i < pv_onnx_model_num_initializers(m); i++) {
    pv_tensor *a = pv_onnx_initializer_tensor(m, i);
    pv_tensor *b = pv_onnx_initializer_tensor(m, i);
    if (a && b && pv_tensor_data(a) == pv_tensor_data(b) &&
        pv_tensor_numel(a) >= 64) {
      shared++;
      if (keep < 0)
        keep = i;
    }
    pv_tensor_release(a);
    pv_tensor_release(b);
  }
  printf("zero-copy initializers: %d of %d\n", shared,
         pv_onnx_model_num_initializers(m));
  CHECK(shared > 10);
  if (keep >= 0) {
    pv_tensor *t = pv_onnx_initializer_tensor(m, keep);
    pv_tensor *copy = pv_tensor_clone(t);
    pv_onnx_model_free(m); /* t keeps the mapping alive */
    m = NULL;
    CHECK(
        !memcmp(pv_tensor_data(t), pv_tensor_data(copy), pv_tensor_nbytes(t)));
    pv_tensor_release(copy);
    pv_tensor_release(t);
  }
  pv_onnx_model_free(m);
}

static void test_yolox(void) {
  pv_onnx_model *m = load("models/yolox_nano.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 11);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 369);
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 236);
  CHECK(!strcmp(pv_onnx_model_input_name(m, 0), "images"));
  pv_tensor_desc d;
  pv_onnx_model_input_desc(m, 0, &d);
  check_shape(&d, 4, (int64_t[]){1, 3, 416, 416});
  CHECK(!strcmp(pv_onnx_model_output_name(m, 0), "output"));
  pv_onnx_model_output_desc(m, 0, &d);
  check_shape(&d, 3, (int64_t[]){1, 3549, 85});
  CHECK_EQ_INT(count_op(m, "Sigmoid", ""), 110);
  CHECK_EQ_INT(count_op(m, "Resize", ""), 2);
  CHECK_EQ_INT(count_op(m, "Slice", ""), 8);
  int r = find_op(m, "Resize");
  const char *s = NULL;
  CHECK_EQ_INT(pv_onnx_node_attr_string(m, r, "mode", &s), 0);
  CHECK(s && !strcmp(s, "nearest"));
  check_initializers(m);
  pv_onnx_model_free(m);
}

static void test_mobilenet_int8(void) {
  pv_onnx_model *m = load("models/mobilenetv2-12-int8.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 12);
  CHECK_EQ_INT(pv_onnx_model_opset(m, "ai.onnx"), 12);
  CHECK_EQ_INT(pv_onnx_model_opset(m, "com.microsoft"), 1);
  CHECK_EQ_INT(pv_onnx_model_opset(m, "no.such.domain"), -1);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 73);
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 348);
  CHECK_EQ_INT(count_op(m, "QLinearConv", ""), 52);
  CHECK_EQ_INT(count_op(m, "QLinearAdd", "com.microsoft"), 11);
  CHECK_EQ_INT(count_op(m, "QLinearGlobalAveragePool", "com.microsoft"), 1);
  pv_tensor_desc d;
  pv_onnx_model_input_desc(m, 0, &d);
  check_shape(&d, 4, (int64_t[]){-1, 3, 224, 224}); /* batch_size */
  pv_onnx_model_output_desc(m, 0, &d);
  check_shape(&d, 2, (int64_t[]){-1, 1000});
  /* int8 / uint8 / int32 initializers */
  int n_u8 = 0, n_i32 = 0;
  for (int i = 0; i < pv_onnx_model_num_initializers(m); i++) {
    pv_onnx_initializer_desc(m, i, &d);
    n_u8 += d.dtype == PV_U8 || d.dtype == PV_I8;
    n_i32 += d.dtype == PV_I32;
  }
  CHECK(n_u8 > 50);
  CHECK(n_i32 > 10);
  check_initializers(m);
  pv_onnx_model_free(m);
}

static void test_blazeface(void) {
  pv_onnx_model *m = load("models/blazeface_front_128x128.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 12);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 104);
  CHECK(!strcmp(pv_onnx_model_input_name(m, 0), "input:0"));
  pv_tensor_desc d;
  pv_onnx_model_input_desc(m, 0, &d);
  check_shape(&d, 4, (int64_t[]){1, 128, 128, 3});
  CHECK_EQ_INT(pv_onnx_model_num_outputs(m), 4);
  pv_onnx_model_output_desc(m, 2, &d);
  check_shape(&d, 3, (int64_t[]){1, 512, 16});
  CHECK_EQ_INT(count_op(m, "Transpose", ""), 5);
  CHECK_EQ_INT(count_op(m, "ConstantOfShape", ""), 11);
  check_initializers(m);
  pv_onnx_model_free(m);
}

static void test_ppocr(void) {
  pv_onnx_model *m = load("models/ppocrv4_det.onnx");
  if (!m) {
    n_skipped++;
    return;
  }
  CHECK_EQ_INT(pv_onnx_model_opset(m, ""), 11);
  CHECK_EQ_INT(pv_onnx_model_num_nodes(m), 672);
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 0);
  CHECK_EQ_INT(count_op(m, "Constant", ""), 342);
  CHECK_EQ_INT(count_op(m, "HardSigmoid", ""), 10);
  CHECK(!strcmp(pv_onnx_model_input_name(m, 0), "x"));
  pv_tensor_desc d;
  pv_onnx_model_input_desc(m, 0, &d);
  check_shape(&d, 4, (int64_t[]){-1, 3, -1, -1});
  int h = find_op(m, "HardSigmoid");
  float alpha = 0;
  CHECK_EQ_INT(pv_onnx_node_attr_float(m, h, "alpha", &alpha), 0);
  CHECK(alpha > 0.16f && alpha < 0.21f);
  pv_onnx_model_free(m);
}

int main(void) {
  test_mnist();
  test_ultraface();
  test_zero_copy();
  test_yolox();
  test_mobilenet_int8();
  test_blazeface();
  test_ppocr();
  if (n_skipped == 7) {
    printf("SKIP: no shared models\n");
    return PV_TEST_SKIP;
  }
  return pv_test_finish("test_onnx_parse");
}
