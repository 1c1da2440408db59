/*
 * The hardware_probe slot shared by the GPU plugins (plugin.h, ABI 1.1):
 * could a hardware GPU or accelerator driver find a device here?
 *
 * On Linux every hardware GPU driver, whatever its API (Vulkan, OpenCL,
 * CUDA), talks to the kernel through a device node: DRM render nodes (Mesa,
 * AMD, Intel, NVIDIA's open modules), NVIDIA's proprietary nodes, AMD's KFD
 * (ROCm), WSL2's dxg, the accel subsystem (NPUs), and the ARM/Qualcomm/
 * Vivante mobile nodes. Software drivers (lavapipe, PoCL) need none. So
 * when none of these nodes exists, the plugin can say "no hardware device"
 * without loading its driver. An explicit driver selection in the
 * environment always answers "maybe": the user asked for that driver.
 * Elsewhere than Linux the answer is always "maybe".
 */
#ifndef POLYVIS_BACKENDS_HW_PROBE_H
#define POLYVIS_BACKENDS_HW_PROBE_H

#include <stdlib.h>

#ifdef __linux__
#include <dirent.h>
#include <string.h>
#include <unistd.h>

static int pv__dir_has_prefix(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  int found = 0;
  size_t n = strlen(prefix);
  struct dirent *e;
  while (!found && (e = readdir(d)))
    found = !strncmp(e->d_name, prefix, n);
  closedir(d);
  return found;
}
#endif

/* env: NULL-terminated list of variables that select drivers explicitly. */
static int pv__hw_probe(const char *const *env) {
  for (int i = 0; env && env[i]; i++) {
    const char *v = getenv(env[i]);
    if (v && *v)
      return 1;
  }
#ifdef __linux__
  static const char *const nodes[] = {
      "/dev/nvidiactl", "/dev/nvidia0",  "/dev/kfd",     "/dev/dxg",
      "/dev/mali0",     "/dev/kgsl-3d0", "/dev/galcore", NULL};
  for (int i = 0; nodes[i]; i++)
    if (access(nodes[i], F_OK) == 0)
      return 1;
  return pv__dir_has_prefix("/dev/dri", "renderD") ||
         pv__dir_has_prefix("/dev/dri", "card") ||
         pv__dir_has_prefix("/dev/accel", "accel");
#else
  return 1;
#endif
}

#endif
