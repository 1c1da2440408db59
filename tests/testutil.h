/* Minimal test helpers: CHECK macros that count failures, a skip exit code
 * (77, which CTest reports as skipped), and paths to shared data. */
#ifndef POLYVIS_TESTUTIL_H
#define POLYVIS_TESTUTIL_H

#include <polyvis/polyvis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int pv_test_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,  \
              __LINE__, #cond, pv_last_error());                               \
      pv_test_failures++;                                                      \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
  do {                                                                         \
    long long _a = (long long)(a), _b = (long long)(b);                        \
    if (_a != _b) {                                                            \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld (%s)\n",   \
              __FILE__, __LINE__, #a, _a, #b, _b, pv_last_error());            \
      pv_test_failures++;                                                      \
    }                                                                          \
  } while (0)

#define PV_TEST_SKIP 77

/* Prints the summary line and returns the exit code for main(). */
int pv_test_finish(const char *name);
/* Shared data dir ($POLYVIS_TEST_DATA or ../shared/data), NULL if absent. */
const char *pv_test_data_dir(void);
/* Joins the data dir and a relative path into buf; NULL if the file is
 * missing (after printing a skip note). */
const char *pv_test_data_path(const char *rel, char *buf, size_t size);
/* A fresh temporary directory for the test. */
const char *pv_test_tmpdir(void);
/* Relative error max|got-want| / max|want| over two f32 tensors. */
double pv_test_rel_error(const pv_tensor *got, const pv_tensor *want);

#endif
