/* OpenCL plugin loading: no loader and no ICD give 0 devices (init still
 * succeeds); with PoCL the device list and caps are filled. */
#include "ocl_harness.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs in a child (the ICD loader reads its environment once per process):
 * sets name=value, loads the plugin, and exits 0 if it reports 0 devices. */
static int zero_devices_with(const char *name, const char *value) {
  pid_t pid = fork();
  if (pid < 0)
    return 0;
  if (pid == 0) {
    setenv(name, value, 1);
    ocl_t t;
    if (ocl_load(&t))
      _exit(2);
    int n = t.d->device_count(t.ctx);
    pv_device_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    int bad = t.d->device_get_info(t.ctx, 0, &info) == 0; /* must fail */
    ocl_unload(&t);
    _exit(n == 0 && !bad ? 0 : 3);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void) {
  char empty[512];
  snprintf(empty, sizeof empty, "%s/empty-vendors", pv_test_tmpdir());
  mkdir(empty, 0755);
  CHECK(zero_devices_with("OCL_ICD_VENDORS", empty));
  CHECK(zero_devices_with("POLYVIS_OCL_LOADER", "/nonexistent/libOpenCL.so.1"));

  ocl_t t;
  CHECK_EQ_INT(ocl_load(&t), 0);
  if (!t.d)
    return pv_test_finish("test_ocl_devices");
  CHECK(!strcmp(t.d->name, "opencl"));
  int n = t.d->device_count(t.ctx);
  if (n == 0) {
    ocl_unload(&t);
    printf("skip: no OpenCL device (install pocl-opencl-icd)\n");
    return pv_test_failures ? pv_test_finish("test_ocl_devices") : PV_TEST_SKIP;
  }
  for (int i = 0; i < n; i++) {
    pv_device_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK_EQ_INT(t.d->device_get_info(t.ctx, i, &info), 0);
    CHECK(info.name[0] != 0);
    CHECK(info.max_workgroup_size > 0);
    CHECK(info.local_memory_bytes > 0);
    CHECK(info.max_alloc_bytes > 0);
    /* A CPU implementation must say so, so `auto` prefers the native CPU. */
    if (info.type == PV_DEVICE_CPU)
      CHECK(info.caps & PV_CAP_SOFTWARE);
    if (strstr(info.name, "pthread") || strstr(info.name, "cpu"))
      CHECK_EQ_INT(info.type, PV_DEVICE_CPU);
    char desc[1024];
    CHECK_EQ_INT(t.d->device_describe(t.ctx, i, desc, sizeof desc), 0);
    CHECK(strstr(desc, "fp16=") && strstr(desc, "subgroups=") &&
          strstr(desc, "local_mem="));
    printf("opencl:%d %s [%s] type=%d caps=%#llx\n  %s\n", i, info.name,
           info.driver, info.type, (unsigned long long)info.caps, desc);
  }
  pv_device_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK(t.d->device_get_info(t.ctx, n, &info) < 0);

  /* Buffers round-trip and reject out-of-range access. */
  pv_device_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  CHECK_EQ_INT(t.d->device_open(t.ctx, 0, &o, &t.dev), 0);
  if (t.dev) {
    pv_plugin_buffer *b = NULL;
    CHECK_EQ_INT(t.d->buffer_alloc(t.dev, 64, &b), 0);
    if (b) {
      float w[16], r[16];
      for (int i = 0; i < 16; i++)
        w[i] = (float)i * 0.5f;
      CHECK_EQ_INT(t.d->buffer_write(t.dev, b, 0, w, sizeof w), 0);
      CHECK_EQ_INT(t.d->buffer_read(t.dev, b, 0, r, sizeof r), 0);
      CHECK(!memcmp(w, r, sizeof w));
      CHECK(t.d->buffer_read(t.dev, b, 8, r, sizeof r) < 0);
      t.d->buffer_free(t.dev, b);
    }
  }
  ocl_unload(&t);
  return pv_test_finish("test_ocl_devices");
}
