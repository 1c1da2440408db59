/* No Vulkan: a missing loader (POLYVIS_VK_LOADER=/nonexistent) or no ICD
 * (VK_ICD_FILENAMES pointing at a missing or empty manifest) must give a
 * successful init with 0 devices, never a load failure. */
#include "testutil.h"
#include "vk_harness.h"

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "loader";
  char path[512];
  if (!strcmp(mode, "loader")) {
    setenv("POLYVIS_VK_LOADER", "/nonexistent/libvulkan.so.1", 1);
  } else if (!strcmp(mode, "icd-missing")) {
    setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
    setenv("VK_DRIVER_FILES", "/nonexistent/icd.json", 1);
  } else { /* icd-empty: an empty manifest file */
    snprintf(path, sizeof path, "%s/empty_icd.json", pv_test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
      fclose(f);
    setenv("VK_ICD_FILENAMES", path, 1);
    setenv("VK_DRIVER_FILES", path, 1);
  }
  vkh h;
  CHECK_EQ_INT(vkh_load(&h), 0);
  if (h.d && h.ctx) {
    CHECK_EQ_INT(h.d->device_count(h.ctx), 0);
    pv_device_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(h.d->device_get_info(h.ctx, 0, &info) < 0);
    pv_plugin_device *dev = NULL;
    CHECK(h.d->device_open(h.ctx, 0, NULL, &dev) < 0);
  }
  vkh_close(&h);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_nodevice");
}
