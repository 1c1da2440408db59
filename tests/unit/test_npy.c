#include "testutil.h"

int main(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/a.npy", pv_test_tmpdir());
  int64_t shape[2] = {3, 5};
  pv_tensor *t = pv_tensor_create(PV_I64, 2, shape);
  int64_t *d = pv_tensor_data(t);
  for (int i = 0; i < 15; i++)
    d[i] = i * 1000000007LL;
  CHECK(pv_npy_save(t, path) == 0);
  pv_tensor *r = pv_npy_load(path);
  CHECK(r && pv_tensor_dtype(r) == PV_I64 && pv_tensor_ndim(r) == 2);
  CHECK(r && memcmp(pv_tensor_data(r), d, 15 * 8) == 0);
  pv_tensor_release(r);

  /* 0-d and 1-d shapes round trip */
  pv_tensor *s = pv_tensor_create(PV_F32, 0, NULL);
  *(float *)pv_tensor_data(s) = 2.5f;
  void *buf;
  size_t n;
  CHECK(pv_npy_encode(s, &buf, &n) == 0);
  CHECK((n - 4) % 64 == 0); /* header padded to 64 */
  pv_tensor *s2 = pv_npy_decode(buf, n);
  CHECK(s2 && pv_tensor_ndim(s2) == 0 && *(float *)pv_tensor_data(s2) == 2.5f);
  /* every truncation of a valid file is an error, never a crash */
  for (size_t cut = 0; cut < n; cut++) {
    pv_tensor *x = pv_npy_decode(buf, cut);
    CHECK(x == NULL);
  }
  free(buf);
  pv_tensor_release(s2);
  pv_tensor_release(s);

  /* big-endian and Fortran order */
  const char hdr[] =
      "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }";
  unsigned char file[256];
  memcpy(file, "\x93NUMPY\x01\x00", 8);
  size_t hl = sizeof hdr - 1;
  size_t pad = 64 - (10 + hl + 1) % 64;
  file[8] = (unsigned char)(hl + pad + 1);
  file[9] = 0;
  memcpy(file + 10, hdr, hl);
  memset(file + 10 + hl, ' ', pad);
  file[10 + hl + pad] = '\n';
  size_t off = 10 + hl + pad + 1;
  /* Fortran data of [[0,1,2],[3,4,5]] is column-major: 0,3,1,4,2,5 */
  int16_t col[6] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; i++) {
    file[off + 2 * i] = (unsigned char)(col[i] >> 8);
    file[off + 2 * i + 1] = (unsigned char)(col[i] & 0xff);
  }
  pv_tensor *f = pv_npy_decode(file, off + 12);
  CHECK(f && pv_tensor_dtype(f) == PV_I16);
  if (f) {
    int16_t *fd = pv_tensor_data(f);
    for (int i = 0; i < 6; i++)
      CHECK(fd[i] == i);
  }
  pv_tensor_release(f);

  /* hostile headers */
  const char *bad[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, "
      "99999999999), }",
      "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
      "{'descr': '<f4', 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, "
      "1, 1), }",
  };
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    size_t l = strlen(bad[b]);
    memcpy(file + 10, bad[b], l);
    file[8] = (unsigned char)l;
    pv_tensor *x = pv_npy_decode(file, 10 + l);
    CHECK(x == NULL);
    CHECK(pv_last_error()[0] != 0);
  }
  CHECK(pv_npy_load("/nonexistent/x.npy") == NULL);
  CHECK(strstr(pv_last_error(), "/nonexistent/x.npy") != NULL);
  pv_tensor_release(t);
  return pv_test_finish("test_npy");
}
