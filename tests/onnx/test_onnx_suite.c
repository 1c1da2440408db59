/* Parses every model.onnx of ONNX 1.12's backend test suites (Debian's
 * libonnx-testdata: node/, pytorch-converted/, pytorch-operator/, simple/)
 * and every input_K.pb / output_K.pb next to them. Counts parse failures,
 * which must be zero: only tensors of types polyvis has no dtype for
 * (string, complex, uint32/64) may be refused, and only as
 * PV_ERR_UNSUPPORTED. Needs no graph runtime. */
#include "testutil.h"

#include <dirent.h>
#include <polyvis/onnx.h>
#include <sys/stat.h>

static const char *suite_root(void) {
  const char *e = getenv("POLYVIS_ONNX_TESTDATA");
  return e && *e ? e : "/usr/share/libonnx-testdata/data";
}

static int n_models, n_model_fail, n_pb, n_pb_fail, n_pb_unsupported;
static int n_pb_not_tensor;

/* SequenceProto and OptionalProto files (test_loop*_seq*, test_*_opt*) start
 * with field 1 as a string (0x0a); a TensorProto writes field 1 (dims) as
 * varints (0x08) or starts with another field. */
static int looks_like_non_tensor(const char *path) {
  FILE *f = fopen(path, "rb");
  int c = f ? fgetc(f) : -1;
  if (f)
    fclose(f);
  return c == 0x0a;
}

static void check_pb(const char *path) {
  n_pb++;
  pv_tensor *t = pv_onnx_load_tensor_pb(path);
  if (t) {
    pv_tensor_release(t);
    return;
  }
  if (pv_last_status() == PV_ERR_UNSUPPORTED) {
    n_pb_unsupported++;
    return;
  }
  if (pv_last_status() == PV_ERR_FORMAT && looks_like_non_tensor(path)) {
    n_pb_not_tensor++;
    return;
  }
  n_pb_fail++;
  fprintf(stderr, "pb parse failure: %s\n", pv_last_error());
}

static void check_case(const char *dir) {
  char path[2048];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  struct stat st;
  if (stat(path, &st) != 0)
    return;
  n_models++;
  pv_onnx_model *m = pv_onnx_model_load(path);
  if (!m) {
    n_model_fail++;
    fprintf(stderr, "model parse failure: %s\n", pv_last_error());
  } else {
    /* walk everything the accessors expose */
    for (int i = 0; i < pv_onnx_model_num_nodes(m); i++)
      CHECK(pv_onnx_node_op_type(m, i) != NULL);
    for (int i = 0; i < pv_onnx_model_num_initializers(m); i++) {
      pv_tensor *t = pv_onnx_initializer_tensor(m, i);
      pv_tensor_release(t);
    }
    pv_onnx_model_free(m);
  }
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, "test_data_set_", 14))
      continue;
    for (int k = 0; k < 64; k++) {
      for (int io = 0; io < 2; io++) {
        snprintf(path, sizeof path, "%s/%s/%s_%d.pb", dir, e->d_name,
                 io ? "output" : "input", k);
        if (stat(path, &st) == 0)
          check_pb(path);
      }
    }
  }
  closedir(d);
}

int main(void) {
  const char *root = suite_root();
  static const char *suites[] = {"node", "pytorch-converted",
                                 "pytorch-operator", "simple"};
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/node", root);
  struct stat st;
  if (stat(dir, &st) != 0) {
    printf("SKIP: %s absent (install libonnx-testdata)\n", dir);
    return PV_TEST_SKIP;
  }
  for (size_t s = 0; s < sizeof suites / sizeof *suites; s++) {
    snprintf(dir, sizeof dir, "%s/%s", root, suites[s]);
    DIR *d = opendir(dir);
    if (!d)
      continue;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.')
        continue;
      char sub[2048];
      snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
      check_case(sub);
    }
    closedir(d);
  }
  printf("models: %d parsed, %d failed; tensors: %d read, %d unsupported "
         "type, %d not tensors, %d failed\n",
         n_models, n_model_fail, n_pb, n_pb_unsupported, n_pb_not_tensor,
         n_pb_fail);
  CHECK(n_models > 900);
  CHECK_EQ_INT(n_model_fail, 0);
  CHECK_EQ_INT(n_pb_fail, 0);
  CHECK(n_pb_unsupported < n_pb / 20);
  CHECK(n_pb_not_tensor < 20);
  return pv_test_finish("test_onnx_suite");
}
