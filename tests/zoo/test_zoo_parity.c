/* Zoo parity with torchvision 0.14.1: runs each case of a manifest written
 * by gen_zoo_goldens.py through pv_model_* (weights from torch.save files)
 * and compares logits: relative error <= 1e-4 (2e-3 with --precision fp16)
 * and identical top-5 per image (two classes whose reference logits differ
 * by no more than the tolerance count as a tie and may swap). usage:
 * test_zoo_parity MANIFEST [DEVICE] Device runs use the strict no-fallback
 * mode. */
#include "testutil.h"

#include <math.h>
#include <polyvis/models.h>
#include <stdbool.h>

static void top5(const float *row, int n, int *idx) {
  for (int k = 0; k < 5; k++) {
    int best = -1;
    for (int i = 0; i < n; i++) {
      bool taken = false;
      for (int j = 0; j < k; j++)
        taken |= idx[j] == i;
      if (!taken && (best < 0 || row[i] > row[best]))
        best = i;
    }
    idx[k] = best;
  }
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  const char *device = argc > 2 ? argv[2] : "cpu";
  const char *prec = pv_get_option("POLYVIS_PRECISION");
  double tol = prec && !strcmp(prec, "fp16") ? 2e-3 : 1e-4;
  if (strcmp(device, "cpu") && !pv_device_find(device)) {
    printf("device %s not present: skipping\n", device);
    return PV_TEST_SKIP;
  }
  FILE *f = fopen(argv[1], "r");
  CHECK(f != NULL);
  if (!f)
    return pv_test_finish("test_zoo_parity");
  char name[64], wp[512], xp[512], yp[512];
  int h, w, n_cases = 0;
  while (fscanf(f, "%63s %d %d %511s %511s %511s", name, &h, &w, wp, xp, yp) ==
         6) {
    n_cases++;
    pv_model_options mo = pv_model_options_default();
    mo.image_size =
        h; /* the fixed-size models (vit, swin) at the case's size */
    pv_model *m = pv_model_create(name, &mo);
    CHECK(m != NULL);
    if (!m)
      continue;
    int rc = pv_model_load_weights(m, wp);
    CHECK_EQ_INT(rc, 0);
    pv_compile_options o = pv_compile_options_default();
    o.device = device;
    o.fallback = strcmp(device, "cpu") ? 0 : 1;
    if (!rc)
      rc = pv_model_compile(m, &o);
    CHECK_EQ_INT(rc, 0);
    pv_tensor *x = pv_npy_load(xp), *want = pv_npy_load(yp), *got = NULL;
    if (!rc)
      rc = pv_model_forward(m, x, &got);
    CHECK_EQ_INT(rc, 0);
    if (got && want) {
      double err = pv_test_rel_error(got, want);
      int ok5 = 1, ties = 0, nc = (int)pv_tensor_dim(want, 1);
      for (int64_t r = 0; r < pv_tensor_dim(want, 0); r++) {
        int a[5], b[5];
        top5((const float *)pv_tensor_data(got) + r * nc, nc, a);
        top5((const float *)pv_tensor_data(want) + r * nc, nc, b);
        if (memcmp(a, b, sizeof a)) {
          /* A swap is a tie only when the reference itself cannot order the
           * two classes at the precision under test: their reference logits
           * differ by no more than tol * max|want| of the row. */
          const float *w = (const float *)pv_tensor_data(want) + r * nc;
          const float *g = (const float *)pv_tensor_data(got) + r * nc;
          double wmax = 0;
          for (int i = 0; i < nc; i++)
            wmax = fmax(wmax, fabs(w[i]));
          for (int k = 0; k < 5; k++) {
            if (a[k] == b[k])
              continue;
            bool tie = fabs((double)w[a[k]] - w[b[k]]) <= tol * wmax;
            printf("  row %lld rank %d: got class %d (%.6g; reference %.6g), "
                   "reference class %d (%.6g): %s\n",
                   (long long)r, k, a[k], g[a[k]], w[a[k]], b[k], w[b[k]],
                   tie ? "a tie within tolerance" : "DIFFERENT");
            if (tie)
              ties++;
            else
              ok5 = 0;
          }
        }
      }
      printf("%-22s %-10s rel_err %.3g top5 %s\n", name, device, err,
             !ok5   ? "DIFFERENT"
             : ties ? "same up to ties"
                    : "same");
      CHECK(err <= tol);
      CHECK(ok5);
    } else {
      printf("%-22s %-10s FAILED: %s\n", name, device, pv_last_error());
    }
    pv_tensor_release(x);
    pv_tensor_release(want);
    pv_tensor_release(got);
    pv_model_free(m);
  }
  fclose(f);
  CHECK(n_cases > 0);
  return pv_test_finish("test_zoo_parity");
}
