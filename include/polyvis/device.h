/*
 * polyvis devices: plugin discovery, device listing and selection.
 *
 * Backends are plugins (see plugin.h). The CPU backend is linked into the
 * library through the same ABI, so polyvis works with no plugin file found.
 * Device names are stable: "cpu", "vulkan:0", "opencl:0", "cuda:0".
 */
#ifndef POLYVIS_DEVICE_H
#define POLYVIS_DEVICE_H

#include "plugin.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Adds a directory searched first for plugins. Must be called before the
 * first device query; later calls take effect at the next pv_plugins_reload. */
PV_API int pv_plugin_add_search_dir(const char *dir);

/* Unloads every plugin and scans again. Devices and compiled graphs must have
 * been released first. Tests use it after changing POLYVIS_PLUGIN_PATH. */
PV_API int pv_plugins_reload(void);

/* One record per plugin file considered, loaded or rejected. */
typedef struct pv_plugin_record {
  char path[512];
  char name[64]; /* plugin name, "" when rejected before query */
  char version[64];
  int loaded;       /* 1 if in use */
  int status;       /* PV_ERR_* why rejected, 0 if loaded */
  char reason[256]; /* why it was rejected or skipped */
  int n_devices;
} pv_plugin_record;

/* Number of plugin records (loads plugins on first use). */
PV_API int pv_plugin_record_count(void);
/* Copies record i into *out. */
PV_API int pv_plugin_record_get(int i, pv_plugin_record *out);

/* Number of devices across all loaded plugins. When POLYVIS_DEVICE or the
 * requested device is "cpu", GPU plugins are not initialised at all. */
PV_API int pv_device_count(void);

/* Returns device i (0 <= i < count). The handle stays valid until
 * pv_plugins_reload(); it is not refcounted. */
PV_API pv_device *pv_device_get(int i);

/* Finds a device by name ("cpu", "vulkan:0", "auto"). NULL name, "" or
 * "auto" applies the policy: POLYVIS_DEVICE if set, else discrete GPU >
 * integrated GPU > other accelerator > native cpu; a software GPU device
 * (lavapipe, PoCL) is only used when named. Logs why a device won. */
PV_API pv_device *pv_device_find(const char *name);

/* The stable name ("vulkan:0"). */
PV_API const char *pv_device_name(const pv_device *dev);
/* The backend name ("vulkan"). */
PV_API const char *pv_device_backend(const pv_device *dev);
/* Plugin-reported info. */
PV_API const pv_device_info *pv_device_get_info(const pv_device *dev);
/* Returns 1 if the device implements `op` with these concrete inputs. */
PV_API int pv_device_supports_op(pv_device *dev, const pv_op_desc *op);
/* Writes the plugin's description of the caps it uses (may be empty). */
PV_API int pv_device_describe(pv_device *dev, char *buf, size_t size);
/* Type name: "dgpu", "igpu", "accel", "cpu", "other". */
PV_API const char *pv_device_type_name(int type);

/* Global options (precision, fallback policy) that the CLI sets from flags;
 * each defaults to the environment variable of the same name:
 * POLYVIS_PRECISION=fp32|fp16, POLYVIS_FALLBACK=on|off. */
PV_API int pv_set_option(const char *name, const char *value);
PV_API const char *pv_get_option(const char *name);

/* The cache directory: POLYVIS_CACHE_DIR, else $POLYVIS_HOME/cache, where
 * POLYVIS_HOME defaults to ~/.cache/polyvis. Created on first use. */
PV_API const char *pv_cache_dir(void);

/* Threads in the shared pool (POLYVIS_NUM_THREADS, default = cores). */
PV_API int pv_num_threads(void);

/* Library version string "MAJOR.MINOR.PATCH". */
PV_API const char *pv_version(void);

#ifdef __cplusplus
}
#endif
#endif
