/* Hostile and corrupt ONNX input: every truncation of a small model and
 * thousands of random byte flips give errors (or a valid prefix), never a
 * crash or leak (this test also runs under ASan); malformed wire data is
 * PV_ERR_FORMAT; external data is read relative to the model's directory and
 * path traversal is refused. Import runs against the real builder or the
 * mock (see test_onnx_import.c). */
#include "testutil.h"

#include "pbw.h"
#include <polyvis/onnx.h>
#include <sys/stat.h>

/* x[1,2,5,5] -> Conv(W[3,2,3,3], B[3], pads 1) -> Relu -> y. */
static void small_model(pbw *m, size_t *graph_end) {
  pbw g = {0}, at = {0}, a = {0};
  float w[54], b[3] = {0.1f, -0.2f, 0.3f};
  for (int i = 0; i < 54; i++)
    w[i] = (float)(i % 7) * 0.25f - 0.5f;
  pbw_str(&a, 1, "pads");
  for (int i = 0; i < 4; i++)
    pbw_int(&a, 8, 1);
  pbw_int(&a, 20, 7);
  pbw_msg(&at, 5, &a);
  pbw_str(&a, 1, "kernel_shape");
  pbw_int(&a, 8, 3);
  pbw_int(&a, 8, 3);
  pbw_int(&a, 20, 7);
  pbw_msg(&at, 5, &a);
  const char *cin[] = {"x", "W", "B"}, *rin[] = {"h"};
  pbw_node(&g, "Conv", NULL, "conv0", 3, cin, "h", &at);
  free(at.p);
  pbw_node(&g, "Relu", NULL, "relu0", 1, rin, "y", NULL);
  pbw_str(&g, 2, "small");
  pbw_tensor_f32(&g, 5, "W", 4, (int64_t[]){3, 2, 3, 3}, w);
  pbw_tensor_f32(&g, 5, "B", 1, (int64_t[]){3}, b);
  pbw_value_info(&g, 11, "x", 1, 4, (int64_t[]){1, 2, 5, 5});
  pbw_value_info(&g, 12, "y", 1, 4, (int64_t[]){1, 3, 5, 5});
  pbw_int(m, 1, 7);
  pbw_str(m, 2, "polyvis-test");
  size_t before = m->n;
  pbw_msg(m, 7, &g);
  *graph_end = m->n;
  (void)before;
  pbw op = {0};
  pbw_str(&op, 1, "");
  pbw_int(&op, 2, 13);
  pbw_msg(m, 8, &op);
}

/* Parse + import; returns 0 when both succeed. */
static int try_all(const uint8_t *p, size_t n) {
  pv_onnx_model *m = pv_onnx_model_parse(p, n, NULL);
  if (!m)
    return pv_last_status();
  int rc = 0;
  for (int i = 0; i < pv_onnx_model_num_initializers(m); i++)
    pv_tensor_release(pv_onnx_initializer_tensor(m, i));
  pv_graph *g = NULL;
  rc = pv_onnx_import_model(m, NULL, &g, NULL);
  pv_graph_free(g);
  pv_onnx_model_free(m);
  return rc;
}

static void test_valid_and_truncations(void) {
  pbw m = {0};
  size_t gend;
  small_model(&m, &gend);
  CHECK_EQ_INT(try_all(m.p, m.n), 0);
  int fails = 0;
  for (size_t cut = 0; cut < m.n; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, m.p, cut);
    int rc = try_all(copy, cut);
    if (cut < gend) {
      /* the graph message is cut: must be an error */
      if (rc == 0)
        fprintf(stderr, "truncation at %zu/%zu parsed\n", cut, m.n);
      CHECK(rc != 0);
    }
    fails += rc != 0;
    free(copy);
  }
  CHECK(fails >= (int)gend);
  free(m.p);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static void test_byte_flips(void) {
  pbw m = {0};
  size_t gend;
  small_model(&m, &gend);
  uint8_t *copy = malloc(m.n);
  int errors = 0, iters = 3000;
  for (int it = 0; it < iters; it++) {
    memcpy(copy, m.p, m.n);
    int k = 1 + (int)(rnd() % 4);
    for (int j = 0; j < k; j++) {
      size_t at = rnd() % m.n;
      copy[at] = (uint8_t)(rnd() & 1 ? copy[at] ^ (1u << (rnd() % 8)) : rnd());
    }
    errors += try_all(copy, m.n) != 0;
  }
  printf("byte flips: %d/%d inputs rejected, none crashed\n", errors, iters);
  CHECK(errors > iters / 10);
  free(copy);
  free(m.p);
}

static void test_wire_errors(void) {
  /* field 7 (graph) claims 100 bytes, 2 present */
  static const uint8_t long_len[] = {0x08, 0x07, 0x3a, 0x64, 0x0a, 0x00};
  CHECK(pv_onnx_model_parse(long_len, sizeof long_len, NULL) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  CHECK(strstr(pv_last_error(), "ModelProto") != NULL);
  /* an 11-byte varint */
  static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  CHECK(pv_onnx_model_parse(long_varint, sizeof long_varint, NULL) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  /* deprecated group wire type 3 */
  static const uint8_t group[] = {0x0b, 0x0c};
  CHECK(pv_onnx_model_parse(group, sizeof group, NULL) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  /* field number 0 */
  static const uint8_t zero_field[] = {0x00, 0x01};
  CHECK(pv_onnx_model_parse(zero_field, sizeof zero_field, NULL) == NULL);
  /* empty input: no graph */
  CHECK(pv_onnx_model_parse("", 0, NULL) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  /* a tensor .pb whose raw_data does not match its shape */
  pbw t = {0};
  float v[3] = {1, 2, 3};
  pbw_int(&t, 1, 4);
  pbw_int(&t, 2, 1);
  pbw_bytes(&t, 9, v, sizeof v);
  CHECK(pv_onnx_decode_tensor_pb(t.p, t.n) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  free(t.p);
  /* huge dims (48 GB of f32) with no data: refused before any allocation
   * (a fuzz_onnx finding; under ASan an allocation would abort) */
  pbw hd = {0};
  pbw_int(&hd, 1, 12000);
  pbw_int(&hd, 1, 1000000);
  pbw_int(&hd, 2, 1);
  CHECK(pv_onnx_decode_tensor_pb(hd.p, hd.n) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
  free(hd.p);
  /* typed fields: int64_data packed, double_data unpacked */
  pbw a = {0}, packed = {0};
  pbw_int(&a, 1, 3);
  pbw_int(&a, 2, 7);
  pbw_varint(&packed, 5);
  pbw_varint(&packed, (uint64_t)-7);
  pbw_varint(&packed, 1ull << 40);
  pbw_bytes(&a, 7, packed.p, packed.n);
  pv_tensor *ti = pv_onnx_decode_tensor_pb(a.p, a.n);
  CHECK(ti != NULL);
  if (ti) {
    const int64_t *d = pv_tensor_data(ti);
    CHECK_EQ_INT(pv_tensor_dtype(ti), PV_I64);
    CHECK(d[0] == 5 && d[1] == -7 && d[2] == (1ll << 40));
    pv_tensor_release(ti);
  }
  free(a.p);
  free(packed.p);
  pbw dd = {0};
  pbw_int(&dd, 1, 2);
  pbw_int(&dd, 2, 11);
  double x0 = 0.25, x1 = -3.5;
  pbw_tag(&dd, 10, 1);
  pbw_raw(&dd, &x0, 8);
  pbw_tag(&dd, 10, 1);
  pbw_raw(&dd, &x1, 8);
  pv_tensor *td = pv_onnx_decode_tensor_pb(dd.p, dd.n);
  CHECK(td != NULL);
  if (td) {
    CHECK_EQ_INT(pv_tensor_dtype(td), PV_F64);
    CHECK(((double *)pv_tensor_data(td))[1] == -3.5);
    pv_tensor_release(td);
  }
  free(dd.p);
}

/* --- external data -------------------------------------------------------- */

static void write_file(const char *path, const void *d, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    fwrite(d, 1, n, f);
    fclose(f);
  }
}

/* y = x + W with W external at `location` (offset 8 in the file). */
static void ext_model(pbw *m, const char *location) {
  pbw g = {0}, t = {0}, kv = {0};
  pbw_int(&t, 1, 2);
  pbw_int(&t, 1, 3);
  pbw_int(&t, 2, 1);
  pbw_str(&t, 8, "W");
  pbw_str(&kv, 1, "location");
  pbw_str(&kv, 2, location);
  pbw_msg(&t, 13, &kv);
  pbw_str(&kv, 1, "offset");
  pbw_str(&kv, 2, "8");
  pbw_msg(&t, 13, &kv);
  pbw_str(&kv, 1, "length");
  pbw_str(&kv, 2, "24");
  pbw_msg(&t, 13, &kv);
  pbw_int(&t, 14, 1);
  const char *in[] = {"x", "W"};
  pbw_node(&g, "Add", NULL, "add0", 2, in, "y", NULL);
  pbw_str(&g, 2, "ext");
  pbw_msg(&g, 5, &t);
  pbw_value_info(&g, 11, "x", 1, 2, (int64_t[]){2, 3});
  pbw_value_info(&g, 12, "y", 1, 2, (int64_t[]){2, 3});
  pbw_model(m, &g, 13);
}

static void check_w(const pv_onnx_model *m, float scale) {
  CHECK_EQ_INT(pv_onnx_model_num_initializers(m), 1);
  pv_tensor *w = pv_onnx_initializer_tensor(m, 0);
  CHECK(w != NULL);
  if (!w)
    return;
  CHECK_EQ_INT(pv_tensor_numel(w), 6);
  const float *d = pv_tensor_data(w);
  for (int i = 0; i < 6; i++)
    CHECK(d[i] == (float)i * scale);
  pv_tensor_release(w);
}

static void test_external(void) {
  const char *dir = pv_test_tmpdir();
  char path[512], sub[512];
  float blob[8] = {-1, -1, 0, 1, 2, 3, 4, 5}; /* W at byte offset 8 */
  snprintf(sub, sizeof sub, "%s/weights", dir);
  mkdir(sub, 0755);
  snprintf(path, sizeof path, "%s/weights/w.bin", dir);
  write_file(path, blob, sizeof blob);

  pbw m = {0};
  ext_model(&m, "weights/w.bin");
  snprintf(path, sizeof path, "%s/ext_c.onnx", dir);
  write_file(path, m.p, m.n);
  pv_onnx_model *om = pv_onnx_model_load(path);
  CHECK(om != NULL);
  if (om) {
    check_w(om, 1.0f);
    pv_graph *g = NULL;
    int rc = pv_onnx_import_model(om, NULL, &g, NULL);
    CHECK_EQ_INT(rc, 0);
    pv_graph_free(g);
    pv_onnx_model_free(om);
  }
  /* from memory there is no directory to resolve against */
  om = pv_onnx_model_parse(m.p, m.n, NULL);
  CHECK(om != NULL);
  if (om) {
    CHECK(pv_onnx_initializer_tensor(om, 0) == NULL);
    CHECK_EQ_INT(pv_last_status(), PV_ERR_UNSUPPORTED);
    pv_onnx_model_free(om);
  }
  free(m.p);

  /* traversal and absolute paths are refused */
  const char *evil[] = {"../w.bin", "weights/../../w.bin", "/etc/passwd"};
  for (int i = 0; i < 3; i++) {
    pbw e = {0};
    ext_model(&e, evil[i]);
    snprintf(path, sizeof path, "%s/weights/evil%d.onnx", dir, i);
    write_file(path, e.p, e.n);
    free(e.p);
    om = pv_onnx_model_load(path);
    CHECK(om != NULL);
    if (!om)
      continue;
    CHECK(pv_onnx_initializer_tensor(om, 0) == NULL);
    CHECK_EQ_INT(pv_last_status(), PV_ERR_FORMAT);
    CHECK(strstr(pv_last_error(), "refused") != NULL);
    pv_graph *g = NULL;
    CHECK(pv_onnx_import_model(om, NULL, &g, NULL) != 0);
    CHECK(g == NULL);
    pv_onnx_model_free(om);
  }

  /* a file written by the reference onnx package, when it is installed */
  char cmd[1024];
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 %s/tests/onnx/make_external.py %s 2>/dev/null",
           src ? src : ".", dir);
  if (system(cmd) != 0) {
    printf("note: python3-onnx absent; reference external-data model "
           "skipped\n");
    return;
  }
  snprintf(path, sizeof path, "%s/ext.onnx", dir);
  om = pv_onnx_model_load(path);
  CHECK(om != NULL);
  if (om) {
    check_w(om, 0.5f);
    pv_onnx_model_free(om);
  }
}

int main(void) {
  test_wire_errors();
  test_valid_and_truncations();
  test_byte_flips();
  test_external();
  return pv_test_finish("test_onnx_robust");
}
