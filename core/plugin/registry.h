#ifndef POLYVIS_REGISTRY_H
#define POLYVIS_REGISTRY_H

#include "internal.h"

#include <pthread.h>

typedef struct pv__plugin {
  void *dl; /* NULL for the built-in CPU backend */
  const pv_plugin_desc *desc;
  pv_plugin_ctx *ctx;
  char path[512];
} pv__plugin;

struct pv_device {
  char name[48];
  pv__plugin *plugin;
  int index;
  pv_device_info info;
  pv_plugin_device *handle; /* opened on first use */
  int precision;            /* what it was opened with (valid with handle) */
  int want_precision;       /* -1: POLYVIS_PRECISION at open; else 0/1 */
  pthread_mutex_t mu;
};

#endif
