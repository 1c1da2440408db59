/* The persistent pipeline cache: written under POLYVIS_CACHE_DIR/vulkan/ at
 * device close; a corrupt or foreign file is ignored without an error. */
#include "testutil.h"
#include "vk_harness.h"

#include <dirent.h>

static int run_relu(vkh *h) {
  float x[8] = {-1, 2, -3, 4, -5, 6, -7, 8}, want[8], *y = NULL;
  for (int i = 0; i < 8; i++)
    want[i] = x[i] > 0 ? x[i] : 0;
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  pv_tensor_desc in = vkh_desc(PV_F32, 1, (int64_t[]){8}), od;
  const void *data[1] = {x};
  int rc = vkh_run(h, PV_OP_RELU, &a, 1, &in, data, 0, &od, (void **)&y);
  if (!rc && !vkh_close_enough("relu", y, want, 8, 0))
    rc = 1;
  free(y);
  return rc;
}

/* Finds the one cache file; returns 1 and its path if present. */
static int find_cache(const char *dir, char *path, size_t size) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, "pipelines-", 10)) {
      snprintf(path, size, "%s/%s", dir, e->d_name);
      found = 1;
    }
  closedir(d);
  return found;
}

int main(void) {
  char cdir[512], vdir[600], file[900];
  snprintf(cdir, sizeof cdir, "%s/cache", pv_test_tmpdir());
  snprintf(vdir, sizeof vdir, "%s/vulkan", cdir);
  setenv("POLYVIS_CACHE_DIR", cdir, 1);
  vkh h;
  int rc = vkh_open(&h, 0);
  if (rc)
    return rc;
  CHECK_EQ_INT(run_relu(&h), 0);
  vkh_close(&h);
  CHECK(find_cache(vdir, file, sizeof file));
  /* A second open reads it back (a hit or a driver-side miss, never an
   * error). */
  CHECK_EQ_INT(vkh_open(&h, 0), 0);
  CHECK_EQ_INT(run_relu(&h), 0);
  vkh_close(&h);
  /* Corrupt: garbage after a valid-looking magic, then pure garbage. */
  const char *bad[2] = {
      "PVVKPC01garbage-garbage-garbage-garbage-garbage-garbage",
      "\x01\x02\x03"};
  for (int i = 0; i < 2; i++) {
    FILE *f = fopen(file, "wb");
    CHECK(f != NULL);
    if (f) {
      fwrite(bad[i], 1, strlen(bad[i]), f);
      fclose(f);
    }
    CHECK_EQ_INT(vkh_open(&h, 0), 0);
    CHECK_EQ_INT(run_relu(&h), 0);
    vkh_close(&h);
  }
  /* Foreign: our header with another vendor and a huge claimed size. */
  {
    FILE *f = fopen(file, "wb");
    unsigned char hdr[72];
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, "PVVKPC01", 8);
    memcpy(hdr + 8, "0.1.0", 5);
    hdr[24] = 0xde, hdr[25] = 0x10; /* vendor 0x10de */
    memset(hdr + 56, 0xff, 8);
    if (f) {
      fwrite(hdr, 1, sizeof hdr, f);
      fclose(f);
    }
    CHECK_EQ_INT(vkh_open(&h, 0), 0);
    CHECK_EQ_INT(run_relu(&h), 0);
    vkh_close(&h);
  }
  /* After a clean run the file is ours again. */
  FILE *f = fopen(file, "rb");
  char magic[8] = {0};
  CHECK(f && fread(magic, 1, 8, f) == 8 && !memcmp(magic, "PVVKPC01", 8));
  if (f)
    fclose(f);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_cache");
}
