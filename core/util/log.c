#include "internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <strings.h>

static pv_log_fn g_sink;
static void *g_sink_user;
static int g_level = -1;
static pthread_once_t g_level_once = PTHREAD_ONCE_INIT;

static void level_from_env(void) {
  const char *e = getenv("POLYVIS_LOG");
  int lvl = PV_LOG_WARN;
  if (e && *e) {
    if (!strcasecmp(e, "debug"))
      lvl = PV_LOG_DEBUG;
    else if (!strcasecmp(e, "info"))
      lvl = PV_LOG_INFO;
    else if (!strcasecmp(e, "warn") || !strcasecmp(e, "warning"))
      lvl = PV_LOG_WARN;
    else if (!strcasecmp(e, "error"))
      lvl = PV_LOG_ERROR;
    else if (!strcasecmp(e, "off") || !strcasecmp(e, "none"))
      lvl = PV_LOG_OFF;
  }
  if (g_level < 0)
    g_level = lvl;
}

int pv_log_get_level(void) {
  pthread_once(&g_level_once, level_from_env);
  return g_level;
}

void pv_log_set_level(int level) {
  pthread_once(&g_level_once, level_from_env);
  g_level = level;
}

void pv_log_set_callback(pv_log_fn fn, void *user) {
  g_sink = fn;
  g_sink_user = user;
}

void pv_log(int level, const char *fmt, ...) {
  if (level < pv_log_get_level())
    return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (g_sink) {
    g_sink(level, buf, g_sink_user);
    return;
  }
  static const char *names[] = {"debug", "info", "warn", "error"};
  fprintf(stderr, "polyvis[%s] %s\n",
          names[level < 0   ? 0
                : level > 3 ? 3
                            : level],
          buf);
}
