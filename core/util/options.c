/*
 * Run-time options: values set through pv_set_option() override the
 * environment variable of the same name. Also the cache directory.
 */
#include "internal.h"

#include <pthread.h>

#define PV__MAX_OPTIONS 32

static struct {
  char name[64];
  char value[256];
} g_opts[PV__MAX_OPTIONS];
static int g_nopts;
static pthread_mutex_t g_opt_mu = PTHREAD_MUTEX_INITIALIZER;

int pv_set_option(const char *name, const char *value) {
  if (!name || strlen(name) >= sizeof g_opts[0].name ||
      (value && strlen(value) >= sizeof g_opts[0].value))
    return pv_set_error(PV_ERR_INVALID_ARG, "set_option: bad name or value");
  pthread_mutex_lock(&g_opt_mu);
  int i;
  for (i = 0; i < g_nopts; i++)
    if (!strcmp(g_opts[i].name, name))
      break;
  if (i == g_nopts) {
    if (g_nopts == PV__MAX_OPTIONS) {
      pthread_mutex_unlock(&g_opt_mu);
      return pv_set_error(PV_ERR_RANGE, "set_option: too many options");
    }
    g_nopts++;
    snprintf(g_opts[i].name, sizeof g_opts[i].name, "%s", name);
  }
  snprintf(g_opts[i].value, sizeof g_opts[i].value, "%s", value ? value : "");
  pthread_mutex_unlock(&g_opt_mu);
  return 0;
}

const char *pv_get_option(const char *name) {
  if (!name)
    return NULL;
  const char *r = NULL;
  pthread_mutex_lock(&g_opt_mu);
  for (int i = 0; i < g_nopts; i++)
    if (!strcmp(g_opts[i].name, name)) {
      r = g_opts[i].value;
      break;
    }
  pthread_mutex_unlock(&g_opt_mu);
  if (r)
    return *r ? r : NULL;
  return getenv(name);
}

const char *pv_cache_dir(void) {
  static _Thread_local char buf[1024];
  const char *c = pv_get_option("POLYVIS_CACHE_DIR");
  if (c && *c) {
    snprintf(buf, sizeof buf, "%s", c);
  } else {
    const char *h = pv_get_option("POLYVIS_HOME");
    if (h && *h) {
      snprintf(buf, sizeof buf, "%s/cache", h);
    } else {
      const char *home = getenv("HOME");
      snprintf(buf, sizeof buf, "%s/.cache/polyvis/cache",
               home && *home ? home : "/tmp");
    }
  }
  pv__mkdirs(buf);
  return buf;
}

const char *pv_version(void) { return PV_VERSION_STRING; }
