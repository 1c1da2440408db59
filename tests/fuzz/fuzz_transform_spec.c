/* Fuzzes the transforms SPEC parser: any input must parse or fail cleanly;
 * a parsed pipeline must describe itself into a SPEC that parses back to
 * the same description, and run on a tiny image without crashing (sizes in
 * the spec are capped so the harness cannot be asked for huge buffers). */
#include <polyvis/transforms.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  char *spec = malloc(size + 1);
  memcpy(spec, data, size);
  spec[size] = 0;
  pv_pipeline *p = NULL;
  if (pv_pipeline_parse(spec, &p) == 0) {
    char a[8192], b[8192];
    pv_pipeline_describe(p, a, sizeof a);
    pv_pipeline *q = NULL;
    if (strlen(a) < sizeof a - 1 && pv_pipeline_parse(a, &q) == 0) {
      pv_pipeline_describe(q, b, sizeof b);
      if (strcmp(a, b) != 0)
        abort();
      pv_pipeline_free(q);
    }
    /* run only pipelines whose numbers stay small */
    int small = 1;
    for (const char *s = spec; *s;) {
      char *e;
      double v = strtod(s, &e);
      if (e != s) {
        if (!(v >= -64 && v <= 64))
          small = 0;
        s = e;
      } else
        s++;
    }
    if (small) {
      int64_t shape[3] = {3, 9, 11};
      pv_tensor *t = pv_tensor_create(PV_U8, 3, shape);
      uint8_t *d = pv_tensor_data(t);
      for (int i = 0; i < 3 * 9 * 11; i++)
        d[i] = (uint8_t)(i * 37);
      pv_rng r;
      pv_rng_seed(&r, 1);
      pv_tensor_release(pv_pipeline_run_rng(p, t, &r));
      pv_tensor_release(t);
    }
    pv_pipeline_free(p);
  }
  free(spec);
  return 0;
}
