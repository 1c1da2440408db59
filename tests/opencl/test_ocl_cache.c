/* The OpenCL program binary cache: the first run builds from source and
 * writes <cache>/opencl/<key>.bin; the second run loads the binary and
 * builds nothing from source; a corrupt or truncated file is ignored (the
 * program is rebuilt from source and the results stay right). The plugin's
 * counters are read from the $POLYVIS_OCL_STATS file it writes at shutdown. */
#include "ocl_harness.h"

#include <dirent.h>
#include <sys/stat.h>

static char g_stats[512], g_cache[512];

typedef struct stats {
  int source_builds, binary_loads, cache_writes, cache_rejects;
} stats;

static int read_stats(stats *s) {
  memset(s, 0, sizeof *s);
  FILE *f = fopen(g_stats, "r");
  if (!f)
    return 0;
  int ok = fscanf(f,
                  "source_builds=%d binary_loads=%d cache_writes=%d "
                  "cache_rejects=%d",
                  &s->source_builds, &s->binary_loads, &s->cache_writes,
                  &s->cache_rejects) == 4;
  fclose(f);
  remove(g_stats);
  return ok;
}

/* One session: load, run sigmoid on 100 values, check, unload. */
static int session(stats *s) {
  ocl_t t;
  int rc = ocl_open(&t);
  if (rc)
    return rc;
  int64_t shp[1] = {100};
  pv_tensor_desc d = ocl_desc(PV_F32, 1, shp), out;
  float x[100], want[100];
  ocl_fill(x, 100, 9);
  for (int i = 0; i < 100; i++)
    want[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
  const void *in[1] = {x};
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  void *got = NULL;
  CHECK_EQ_INT(
      ocl_run_node(&t, PV_OP_SIGMOID, &at, 1, &d, in, 0, 1, &out, &got), 0);
  if (got)
    CHECK(ocl_rel_err(got, want, 100) <= 1e-5);
  free(got);
  ocl_unload(&t);
  CHECK(read_stats(s));
  return 0;
}

/* Applies fn to every file in the cache dir; returns how many. */
static int for_each_bin(void (*fn)(const char *path)) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/opencl", g_cache);
  DIR *dp = opendir(dir);
  if (!dp)
    return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (e->d_name[0] == '.')
      continue;
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    CHECK(strstr(e->d_name, ".tmp") == NULL); /* writes are atomic */
    if (fn)
      fn(p);
    n++;
  }
  closedir(dp);
  return n;
}

static void flip_payload_byte(const char *path) {
  FILE *f = fopen(path, "r+b");
  if (!f)
    return;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, n / 2, SEEK_SET);
  int c = fgetc(f);
  fseek(f, n / 2, SEEK_SET);
  fputc(c ^ 0x5a, f);
  fclose(f);
}

static void garbage(const char *path) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs("PVOCLBN1 not really a program binary", f);
    fclose(f);
  }
}

int main(void) {
  snprintf(g_cache, sizeof g_cache, "%s/cache", pv_test_tmpdir());
  snprintf(g_stats, sizeof g_stats, "%s/stats.txt", pv_test_tmpdir());
  mkdir(g_cache, 0755);
  setenv("POLYVIS_CACHE_DIR", g_cache, 1);
  setenv("POLYVIS_OCL_STATS", g_stats, 1);

  stats s;
  int rc = session(&s); /* cold: builds from source, writes the cache */
  if (rc)
    return rc;
  CHECK(s.source_builds >= 1);
  CHECK(s.cache_writes >= 1);
  CHECK(for_each_bin(NULL) >= 1);

  session(&s); /* warm: no source build */
  CHECK_EQ_INT(s.source_builds, 0);
  CHECK(s.binary_loads >= 1);

  for_each_bin(flip_payload_byte); /* checksum mismatch */
  session(&s);
  CHECK(s.cache_rejects >= 1);
  CHECK(s.source_builds >= 1);
  CHECK_EQ_INT(s.binary_loads, 0);

  session(&s); /* the rebuild rewrote a good file */
  CHECK_EQ_INT(s.source_builds, 0);

  for_each_bin(garbage); /* truncated / foreign content */
  session(&s);
  CHECK(s.cache_rejects >= 1);
  CHECK(s.source_builds >= 1);
  return pv_test_finish("test_ocl_cache");
}
