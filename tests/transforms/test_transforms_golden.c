/* Compares every transform against torchvision 0.14.1 goldens generated at
 * test time by gen_golden.py (seeded). Each case runs through the SPEC
 * parser, so the parser and every op are covered together. */
#include "tf_compare.h"

static int run_file(const char *dir, const char *list, int *n_cases) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, list);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  char line[8192];
  int fails = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (!line[0])
      continue;
    char *fld[5];
    char *s = line;
    int k = 0;
    for (; k < 5 && s; k++) {
      fld[k] = s;
      s = strchr(s, '\t');
      if (s)
        *s++ = 0;
    }
    if (k != 5) {
      fprintf(stderr, "bad case line\n");
      fails++;
      continue;
    }
    (*n_cases)++;
    char ip[4096], op[4096];
    snprintf(ip, sizeof ip, "%s/%s", dir, fld[1]);
    snprintf(op, sizeof op, "%s/%s", dir, fld[3]);
    pv_tensor *in = pv_npy_load(ip), *want = pv_npy_load(op);
    pv_pipeline *p = NULL;
    if (!strncmp(fld[2], "@elastic ", 9))
      p = NULL;
    else if (!strncmp(fld[2], "preset:", 7))
      p = pv_preset_image_classification(256, 224, NULL, NULL,
                                         PV_RESIZE_BILINEAR, atoi(fld[2] + 7));
    else if (pv_pipeline_parse(fld[2], &p))
      p = NULL;
    pv_tensor *got = p && in ? pv_pipeline_run(p, in) : NULL;
    if (!strncmp(fld[2], "@elastic ", 9) && in) {
      /* "@elastic DISP.npy MODE": pv_elastic_transform with a saved
       * displacement (no SPEC form: the displacement is a tensor) */
      char dfile[512], mode[32], dp[4096];
      if (sscanf(fld[2] + 9, "%511s %31s", dfile, mode) == 2) {
        snprintf(dp, sizeof dp, "%s/%s", dir, dfile);
        pv_tensor *disp = pv_npy_load(dp);
        got = pv_elastic_transform(in, disp,
                                   strcmp(mode, "nearest") ? PV_RESIZE_BILINEAR
                                                           : PV_RESIZE_NEAREST,
                                   NULL, 0);
        pv_tensor_release(disp);
        p = pv_preset_object_detection(); /* placeholder: non-NULL */
      }
    }
    if (!in || !want || !p || !got) {
      fprintf(stderr, "%s: failed to run '%s': %s\n", fld[0], fld[2],
              pv_last_error());
      fails++;
    } else if (!compare(fld[0], got, want, fld[4])) {
      fprintf(stderr, "  spec: %s\n", fld[2]);
      fails++;
    }
    /* the fused fast path must equal the op-by-op pipeline */
    if (got && p && strstr(fld[0], "preset")) {
      setenv("POLYVIS_NO_FUSE", "1", 1);
      pv_tensor *slow = pv_pipeline_run(p, in);
      unsetenv("POLYVIS_NO_FUSE");
      char nm[300];
      snprintf(nm, sizeof nm, "%s(unfused)", fld[0]);
      if (!slow || !compare(nm, got, slow, "f32"))
        fails++;
      pv_tensor_release(slow);
    }
    pv_tensor_release(got);
    pv_tensor_release(in);
    pv_tensor_release(want);
    pv_pipeline_free(p);
  }
  fclose(f);
  return fails;
}

int main(void) {
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  if (!src) {
    printf("SKIP: POLYVIS_SOURCE_DIR not set (run under CTest)\n");
    return PV_TEST_SKIP;
  }
  if (system("/usr/bin/python3 -c 'import torchvision' 2>/dev/null") != 0) {
    printf("SKIP: /usr/bin/python3 with torchvision is not available\n");
    return PV_TEST_SKIP;
  }
  const char *tmp = pv_test_tmpdir();
  const char *data = pv_test_data_dir();
  char cmd[8192];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/tests/transforms/gen_golden.py' '%s' '%s' "
           ">/dev/null 2>&1",
           src, tmp, data ? data : "");
  if (system(cmd) != 0) {
    fprintf(stderr, "golden generation failed: %s\n", cmd);
    return 1;
  }
  int n = 0;
  int fails = run_file(tmp, "cases.txt", &n);
  printf("%d synthetic cases, %d failed, %d within the +-1 rule\n", n, fails,
         n_tol_cases);
  CHECK(n > 300);
  pv_test_failures += fails;
  int np = 0;
  if (!data)
    printf("SKIP photo preset parity: shared data not found "
           "($POLYVIS_TEST_DATA)\n");
  else {
    int pf = run_file(tmp, "photo_cases.txt", &np);
    printf("%d photo preset cases, %d failed\n", np, pf);
    pv_test_failures += pf;
  }
  /* the goldens are ~20 MB: remove our own temporary directory */
  if (!strncmp(tmp, "/tmp/pvtest.", 12) && !strchr(tmp, '\'')) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
      fprintf(stderr, "note: could not remove %s\n", tmp);
  }
  return pv_test_finish("test_transforms_golden");
}
