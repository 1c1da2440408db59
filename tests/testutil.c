#include "testutil.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

int pv_test_failures;

int pv_test_finish(const char *name) {
  if (pv_test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, pv_test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

const char *pv_test_data_dir(void) {
  static char buf[1024];
  const char *e = getenv("POLYVIS_TEST_DATA");
  struct stat st;
  if (e && *e && stat(e, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(buf, sizeof buf, "%s", e);
    return buf;
  }
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  snprintf(buf, sizeof buf, "%s/../shared/data", src ? src : ".");
  if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
    return buf;
  return NULL;
}

const char *pv_test_data_path(const char *rel, char *buf, size_t size) {
  const char *d = pv_test_data_dir();
  if (!d) {
    printf("note: shared test data absent; skipping %s\n", rel);
    return NULL;
  }
  snprintf(buf, size, "%s/%s", d, rel);
  struct stat st;
  if (stat(buf, &st) != 0) {
    printf("note: %s missing; skipping\n", buf);
    return NULL;
  }
  return buf;
}

const char *pv_test_tmpdir(void) {
  static char buf[256];
  if (!buf[0]) {
    snprintf(buf, sizeof buf, "/tmp/pvtest.XXXXXX");
    if (!mkdtemp(buf))
      snprintf(buf, sizeof buf, "/tmp");
  }
  return buf;
}

double pv_test_rel_error(const pv_tensor *got, const pv_tensor *want) {
  pv_tensor *g = pv_tensor_cast(got, PV_F64), *w = pv_tensor_cast(want, PV_F64);
  double maxd = 0, maxw = 0;
  if (!g || !w || pv_tensor_numel(g) != pv_tensor_numel(w)) {
    pv_tensor_release(g);
    pv_tensor_release(w);
    return INFINITY;
  }
  const double *a = pv_tensor_data(g), *b = pv_tensor_data(w);
  for (int64_t i = 0; i < pv_tensor_numel(g); i++) {
    double d = fabs(a[i] - b[i]);
    if (isnan(a[i]) != isnan(b[i]))
      d = INFINITY;
    if (d > maxd)
      maxd = d;
    if (fabs(b[i]) > maxw)
      maxw = fabs(b[i]);
  }
  pv_tensor_release(g);
  pv_tensor_release(w);
  if (maxw == 0)
    return maxd;
  return maxd / maxw;
}
