#include "testutil.h"

static void test_create_and_views(void) {
  int64_t shape[3] = {2, 3, 4};
  pv_tensor *t = pv_tensor_create(PV_F32, 3, shape);
  CHECK(t != NULL);
  CHECK_EQ_INT(pv_tensor_numel(t), 24);
  CHECK_EQ_INT(pv_tensor_nbytes(t), 96);
  CHECK(pv_tensor_is_contiguous(t));
  float *d = pv_tensor_data(t);
  for (int i = 0; i < 24; i++)
    d[i] = (float)i;

  /* slice t[:, 1:3, ::2] shares storage */
  pv_tensor *s1 = pv_tensor_slice(t, 1, 1, 3, 1);
  pv_tensor *s2 = pv_tensor_slice(s1, 2, 0, 4, 2);
  CHECK_EQ_INT(pv_tensor_dim(s2, 1), 2);
  CHECK_EQ_INT(pv_tensor_dim(s2, 2), 2);
  CHECK(!pv_tensor_is_contiguous(s2));
  pv_tensor *c = pv_tensor_contiguous(s2);
  const float *cd = pv_tensor_data(c);
  /* t[0,1,0]=4, t[0,1,2]=6, t[0,2,0]=8, t[0,2,2]=10, t[1,1,0]=16 */
  CHECK(cd[0] == 4 && cd[1] == 6 && cd[2] == 8 && cd[3] == 10 && cd[4] == 16);

  /* negative step: t[0, 0, ::-1] */
  pv_tensor *r = pv_tensor_slice(t, 2, -1, -5, -1);
  CHECK_EQ_INT(pv_tensor_dim(r, 2), 4);
  pv_tensor *rc = pv_tensor_contiguous(r);
  CHECK(((float *)pv_tensor_data(rc))[0] == 3);
  pv_tensor_release(rc);
  pv_tensor_release(r);

  /* permute + reshape (copy because non-contiguous) */
  int perm[3] = {2, 0, 1};
  pv_tensor *p = pv_tensor_permute(t, perm);
  CHECK_EQ_INT(pv_tensor_dim(p, 0), 4);
  int64_t flat[1] = {-1};
  pv_tensor *f = pv_tensor_reshape(p, 1, flat);
  CHECK(f && pv_tensor_numel(f) == 24);
  CHECK(((float *)pv_tensor_data(f))[1] == 4); /* p[0,0,1] = t[0,1,0] */

  /* bad reshape */
  int64_t bad[2] = {5, 5};
  CHECK(pv_tensor_reshape(t, 2, bad) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_SHAPE);
  CHECK(strstr(pv_last_error(), "24") != NULL);

  /* cast f32 -> u8 truncates; -> bool */
  pv_tensor *u = pv_tensor_cast(t, PV_U8);
  CHECK(((uint8_t *)pv_tensor_data(u))[23] == 23);
  pv_tensor_release(u);

  pv_tensor_release(f);
  pv_tensor_release(p);
  pv_tensor_release(c);
  pv_tensor_release(s2);
  pv_tensor_release(s1);
  pv_tensor_release(t);
}

static void test_bad_inputs(void) {
  int64_t neg[2] = {2, -3};
  CHECK(pv_tensor_create(PV_F32, 2, neg) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_SHAPE);
  int64_t big[2] = {INT64_MAX / 2, 4};
  CHECK(pv_tensor_create(PV_F32, 2, big) == NULL);
  CHECK(pv_tensor_create((pv_dtype)99, 1, big) == NULL);
  CHECK_EQ_INT(pv_last_status(), PV_ERR_DTYPE);
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  CHECK(pv_tensor_create(PV_F32, 9, nine) == NULL);
}

static void test_half(void) {
  float vals[] = {0.0f, 1.0f, -2.5f, 65504.0f, 6.1e-5f, 1e-7f, 0.333333f};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    float back = pv_half_to_float(pv_float_to_half(vals[i]));
    float tol = (vals[i] < 0 ? -vals[i] : vals[i]) * (1.0f / 1024) + 6e-8f;
    CHECK(back - vals[i] <= tol && vals[i] - back <= tol);
  }
  CHECK(pv_float_to_half(1e6f) == 0x7c00);
  CHECK(pv_float_to_half(1.0f) == 0x3c00);
  /* ties to even: 1 + 2^-11 rounds to 1 */
  CHECK(pv_float_to_half(1.0f + 1.0f / 2048) == 0x3c00);
  CHECK(pv_bf16_to_float(pv_float_to_bf16(3.0f)) == 3.0f);
}

static void test_errors(void) {
  CHECK(strcmp(pv_strerror(PV_ERR_SHAPE), "shape mismatch") == 0);
  CHECK(strcmp(pv_err_name(PV_ERR_ABI), "PV_ERR_ABI") == 0);
  CHECK(pv_strerror(-999) != NULL);
  pv_set_error(PV_ERR_IO, "file %s", "x.png");
  CHECK(strcmp(pv_last_error(), "file x.png") == 0);
  pv_clear_error();
  CHECK(pv_last_error()[0] == 0);
}

int main(void) {
  test_create_and_views();
  test_bad_inputs();
  test_half();
  test_errors();
  return pv_test_finish("test_tensor");
}
