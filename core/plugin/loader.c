/*
 * Plugin discovery and device registry.
 *
 * Search order: directories added through the API, then POLYVIS_PLUGIN_PATH
 * (a ':'-separated list), then <dir of libpolyvis>/polyvis/plugins, then the
 * install libdir. The first plugin of a given name wins; every file
 * considered gets a record saying why it was used or rejected.
 *
 * The ABI check happens before any plugin code other than the query function
 * runs: descriptor struct_size, abi_major and the required slots.
 */
#include "registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <strings.h>

#define PV__MAX_PLUGINS 16
#define PV__MAX_DEVICES 64
#define PV__MAX_RECORDS 64
#define PV__MAX_DIRS 8

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pv__plugin g_plugins[PV__MAX_PLUGINS];
static int g_nplugins;
static pv_device g_devices[PV__MAX_DEVICES];
static int g_ndevices;
static pv_plugin_record g_records[PV__MAX_RECORDS];
static int g_nrecords;
static char g_api_dirs[PV__MAX_DIRS][512];
static int g_n_api_dirs;
/* 0 nothing, 1 builtin cpu, 2 plugins loaded (those whose hardware_probe
 * says "no hardware device here" deferred), 3 every plugin initialised */
static int g_stage;

/* A validated plugin whose init() waits for stage 3 (see hardware_probe in
 * plugin.h): the auto policy would not pick its software devices, and
 * initialising their drivers costs tens of MB. */
typedef struct pv__deferred {
  void *dl;
  const pv_plugin_desc *desc;
  char path[512];
  int record; /* index into g_records, or -1 */
} pv__deferred;
static pv__deferred g_deferred[PV__MAX_PLUGINS];
static int g_ndeferred;

static pv_plugin_record *add_record(const char *path) {
  if (g_nrecords >= PV__MAX_RECORDS)
    return NULL;
  pv_plugin_record *r = &g_records[g_nrecords++];
  memset(r, 0, sizeof *r);
  snprintf(r->path, sizeof r->path, "%s", path);
  return r;
}

static void reject(pv_plugin_record *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reject(pv_plugin_record *r, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char msg[256];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r) {
    r->status = status;
    snprintf(r->reason, sizeof r->reason, "%s", msg);
  }
  pv_log(PV_LOG_INFO, "plugin %s rejected: %s", r ? r->path : "?", msg);
}

/* Validates a descriptor; returns 0 or fills the record's reason. */
static int check_desc(const pv_plugin_desc *d, pv_plugin_record *r) {
  if (!d) {
    reject(r, PV_ERR_ABI, "pv_plugin_query returned NULL (host ABI %d.%d)",
           PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR);
    return -1;
  }
  if (d->struct_size < offsetof(pv_plugin_desc, device_describe)) {
    reject(r, PV_ERR_ABI, "descriptor struct_size %u is too small",
           d->struct_size);
    return -1;
  }
  if (d->abi_major != PV_PLUGIN_ABI_MAJOR) {
    reject(r, PV_ERR_ABI,
           "plugin ABI %u.%u is incompatible with host ABI %d.%d (major "
           "differs)",
           d->abi_major, d->abi_minor, PV_PLUGIN_ABI_MAJOR,
           PV_PLUGIN_ABI_MINOR);
    return -1;
  }
  if (!d->name || !*d->name || strlen(d->name) > 31) {
    reject(r, PV_ERR_ABI, "descriptor has no valid name");
    return -1;
  }
  const void *required[] = {d->init,
                            d->shutdown,
                            d->device_count,
                            d->device_get_info,
                            d->device_open,
                            d->device_close,
                            d->buffer_alloc,
                            d->buffer_free,
                            d->buffer_write,
                            d->buffer_read,
                            d->supports_op,
                            d->partition_compile,
                            d->partition_execute,
                            d->partition_release};
  for (size_t i = 0; i < PV__ARRAY_LEN(required); i++)
    if (!required[i]) {
      reject(r, PV_ERR_ABI, "descriptor of '%s' leaves required slot %zu NULL",
             d->name, i);
      return -1;
    }
  return 0;
}

/* Initialises a validated plugin and registers its devices. */
static int register_plugin(void *dl, const pv_plugin_desc *d, const char *path,
                           pv_plugin_record *r) {
  for (int i = 0; i < g_nplugins; i++)
    if (!strcmp(g_plugins[i].desc->name, d->name)) {
      reject(r, 0, "skipped: backend '%s' already loaded from %s", d->name,
             g_plugins[i].path);
      return -1;
    }
  if (g_nplugins >= PV__MAX_PLUGINS) {
    reject(r, PV_ERR_RANGE, "too many plugins");
    return -1;
  }
  pv_plugin_ctx *ctx = NULL;
  pv_clear_error();
  int rc = d->init(pv__host_api(), &ctx);
  if (rc != 0) {
    reject(r, PV_ERR_PLUGIN, "init of '%s' failed: %s", d->name,
           pv_last_error());
    return -1;
  }
  pv__plugin *p = &g_plugins[g_nplugins++];
  p->dl = dl;
  p->desc = d;
  p->ctx = ctx;
  snprintf(p->path, sizeof p->path, "%s", path);
  int n = d->device_count(ctx);
  if (n < 0)
    n = 0;
  int added = 0;
  for (int i = 0; i < n && g_ndevices < PV__MAX_DEVICES; i++) {
    pv_device *dev = &g_devices[g_ndevices];
    memset(dev, 0, sizeof *dev);
    dev->info.struct_size = sizeof dev->info;
    if (d->device_get_info(ctx, i, &dev->info) != 0)
      continue;
    bool dup = false;
    for (int k = 0; k < g_ndevices && dev->info.has_uuid; k++)
      if (g_devices[k].plugin == p && g_devices[k].info.has_uuid &&
          !memcmp(g_devices[k].info.uuid, dev->info.uuid, 16)) {
        pv_log(PV_LOG_INFO, "%s device %d duplicates %s (same UUID): dropped",
               d->name, i, g_devices[k].name);
        dup = true;
      }
    if (dup)
      continue;
    dev->plugin = p;
    dev->index = i;
    if (!strcmp(d->name, "cpu") && n == 1)
      snprintf(dev->name, sizeof dev->name, "cpu");
    else
      snprintf(dev->name, sizeof dev->name, "%s:%d", d->name, added);
    pthread_mutex_init(&dev->mu, NULL);
    dev->want_precision = -1;
    g_ndevices++;
    added++;
  }
  if (r) {
    r->loaded = 1;
    r->n_devices = added;
    snprintf(r->name, sizeof r->name, "%s", d->name);
    snprintf(r->version, sizeof r->version, "%s", d->version ? d->version : "");
    if (added == 0)
      snprintf(r->reason, sizeof r->reason, "loaded, 0 devices (no driver?)");
  }
  return 0;
}

/* Stage 2: keeps a plugin whose probe rules out hardware devices for
 * stage 3 instead of initialising it. Returns 1 if deferred. */
static int defer_if_no_hardware(void *dl, const pv_plugin_desc *d,
                                const char *path, pv_plugin_record *r) {
  if (g_stage >= 2 || d->abi_minor < 1 ||
      d->struct_size <
          offsetof(pv_plugin_desc, hardware_probe) + sizeof d->hardware_probe ||
      !d->hardware_probe || g_ndeferred >= PV__MAX_PLUGINS)
    return 0;
  for (int i = 0; i < g_ndeferred; i++)
    if (!strcmp(g_deferred[i].desc->name, d->name))
      return 0; /* register_plugin() reports the duplicate */
  if (d->hardware_probe() != 0)
    return 0;
  pv__deferred *f = &g_deferred[g_ndeferred++];
  f->dl = dl;
  f->desc = d;
  snprintf(f->path, sizeof f->path, "%s", path);
  f->record = r ? (int)(r - g_records) : -1;
  if (r)
    snprintf(r->reason, sizeof r->reason,
             "deferred: no hardware device node, so its software devices "
             "are enumerated only when devices are listed or named");
  pv_log(PV_LOG_DEBUG, "plugin %s deferred: no hardware device node", path);
  return 1;
}

/* Stage 3: initialises the deferred plugins. */
static void init_deferred(void) {
  for (int i = 0; i < g_ndeferred; i++) {
    pv__deferred *f = &g_deferred[i];
    pv_plugin_record *r = f->record >= 0 ? &g_records[f->record] : NULL;
    if (r)
      r->reason[0] = 0;
    if (register_plugin(f->dl, f->desc, f->path, r) != 0)
      dlclose(f->dl);
  }
  g_ndeferred = 0;
}

static void load_file(const char *path) {
  pv_plugin_record *r = add_record(path);
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    reject(r, PV_ERR_PLUGIN, "dlopen failed: %s", dlerror());
    return;
  }
  pv_plugin_query_fn q = (pv_plugin_query_fn)dlsym(dl, PV_PLUGIN_QUERY_SYMBOL);
  if (!q) {
    reject(r, PV_ERR_PLUGIN, "missing symbol %s", PV_PLUGIN_QUERY_SYMBOL);
    dlclose(dl);
    return;
  }
  const pv_plugin_desc *d =
      q(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, pv__host_api());
  if (check_desc(d, r) != 0) {
    dlclose(dl);
    return;
  }
  if (defer_if_no_hardware(dl, d, path, r))
    return;
  if (register_plugin(dl, d, path, r) != 0)
    dlclose(dl);
}

static int is_plugin_name(const char *n) {
  size_t l = strlen(n);
  return !strncmp(n, "libpolyvis-backend-", 19) && l > 22 &&
         !strcmp(n + l - 3, ".so");
}

static void scan_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64)
    if (is_plugin_name(e->d_name))
      names[n++] = pv__strdup(e->d_name);
  closedir(d);
  /* deterministic order */
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (names[i] && names[j] && strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (int i = 0; i < n; i++) {
    if (!names[i])
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    free(names[i]);
    /* Plugin names are matched to devices lazily: with a device request of
     * "cpu" the GPU plugins are never opened (see stage handling). */
    load_file(path);
  }
}

static void lib_dir(char *buf, size_t size) {
  Dl_info info;
  buf[0] = 0;
  if (dladdr((void *)&pv_device_count, &info) && info.dli_fname) {
    snprintf(buf, size, "%s", info.dli_fname);
    char *s = strrchr(buf, '/');
    if (s)
      *s = 0;
    else
      snprintf(buf, size, ".");
  }
}

static void load_builtin(void) {
  const pv_plugin_desc *d = pv__cpu_plugin_query(
      PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, pv__host_api());
  pv_plugin_record *r = add_record("(built-in)");
  if (check_desc(d, r) == 0)
    register_plugin(NULL, d, "(built-in)", r);
}

static void load_all(void) {
  char dirs[PV__MAX_DIRS + 24][1024];
  int nd = 0;
  for (int i = 0; i < g_n_api_dirs; i++)
    snprintf(dirs[nd++], sizeof dirs[0], "%s", g_api_dirs[i]);
  const char *pp = pv_get_option("POLYVIS_PLUGIN_PATH");
  if (pp && *pp) {
    char *copy = pv__strdup(pp), *save = NULL;
    for (char *tok = strtok_r(copy, ":", &save); tok && nd < PV__MAX_DIRS + 16;
         tok = strtok_r(NULL, ":", &save))
      if (*tok)
        snprintf(dirs[nd++], sizeof dirs[0], "%s", tok);
    free(copy);
  }
  char ld[900];
  lib_dir(ld, sizeof ld);
  if (ld[0])
    snprintf(dirs[nd++], sizeof dirs[0], "%s/polyvis/plugins", ld);
  snprintf(dirs[nd++], sizeof dirs[0], "%s", PV_PLUGIN_INSTALL_DIR);
  for (int i = 0; i < nd; i++) {
    bool seen = false;
    for (int k = 0; k < i; k++)
      if (!strcmp(dirs[k], dirs[i]))
        seen = true;
    if (!seen)
      scan_dir(dirs[i]);
  }
}

/* stage 1: the built-in CPU backend only; stage 2: every plugin loaded,
 * those without a possible hardware device deferred; stage 3: all. */
static void ensure_stage(int stage) {
  pthread_mutex_lock(&g_mu);
  if (g_stage < 1) {
    load_builtin();
    g_stage = 1;
  }
  if (stage >= 2 && g_stage < 2) {
    load_all();
    g_stage = 2;
  }
  if (stage >= 3 && g_stage < 3) {
    init_deferred();
    g_stage = 3;
  }
  pthread_mutex_unlock(&g_mu);
}

int pv_plugin_add_search_dir(const char *dir) {
  if (!dir || strlen(dir) >= sizeof g_api_dirs[0])
    return pv_set_error(PV_ERR_INVALID_ARG, "plugin dir: bad path");
  pthread_mutex_lock(&g_mu);
  int rc = 0;
  if (g_n_api_dirs >= PV__MAX_DIRS)
    rc = pv_set_error(PV_ERR_RANGE, "plugin dir: too many directories");
  else
    snprintf(g_api_dirs[g_n_api_dirs++], sizeof g_api_dirs[0], "%s", dir);
  pthread_mutex_unlock(&g_mu);
  return rc;
}

int pv_plugins_reload(void) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_ndevices; i++) {
    pv_device *d = &g_devices[i];
    if (d->handle)
      d->plugin->desc->device_close(d->handle);
    pthread_mutex_destroy(&d->mu);
  }
  for (int i = g_nplugins - 1; i >= 0; i--) {
    g_plugins[i].desc->shutdown(g_plugins[i].ctx);
    if (g_plugins[i].dl)
      dlclose(g_plugins[i].dl);
  }
  for (int i = 0; i < g_ndeferred; i++)
    dlclose(g_deferred[i].dl);
  g_nplugins = g_ndevices = g_nrecords = g_ndeferred = 0;
  g_stage = 0;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

int pv_plugin_record_count(void) {
  ensure_stage(3);
  return g_nrecords;
}

int pv_plugin_record_get(int i, pv_plugin_record *out) {
  ensure_stage(3);
  if (i < 0 || i >= g_nrecords)
    return pv_set_error(PV_ERR_RANGE, "plugin record %d out of range", i);
  *out = g_records[i];
  return 0;
}

int pv_device_count(void) {
  ensure_stage(3);
  return g_ndevices;
}

pv_device *pv_device_get(int i) {
  ensure_stage(3);
  if (i < 0 || i >= g_ndevices) {
    pv_set_error(PV_ERR_RANGE, "device index %d out of range (%d devices)", i,
                 g_ndevices);
    return NULL;
  }
  return &g_devices[i];
}

pv_device *pv__cpu_device(void) {
  ensure_stage(1);
  for (int i = 0; i < g_ndevices; i++)
    if (!strcmp(g_devices[i].plugin->desc->name, "cpu"))
      return &g_devices[i];
  return NULL;
}

const char *pv_device_type_name(int type) {
  switch (type) {
  case PV_DEVICE_DGPU:
    return "dgpu";
  case PV_DEVICE_IGPU:
    return "igpu";
  case PV_DEVICE_ACCEL:
    return "accel";
  case PV_DEVICE_CPU:
    return "cpu";
  default:
    return "other";
  }
}

static int policy_rank(const pv_device *d) {
  if (!strcmp(d->plugin->desc->name, "cpu"))
    return 10;
  if (d->info.type == PV_DEVICE_CPU || (d->info.caps & PV_CAP_SOFTWARE))
    return -1; /* software GPU APIs are used only when named */
  switch (d->info.type) {
  case PV_DEVICE_DGPU:
    return 40;
  case PV_DEVICE_IGPU:
    return 30;
  case PV_DEVICE_ACCEL:
    return 20;
  default:
    return 5;
  }
}

pv_device *pv_device_find(const char *name) {
  if (!name || !*name || !strcasecmp(name, "auto")) {
    const char *env = pv_get_option("POLYVIS_DEVICE");
    if (env && *env && strcasecmp(env, "auto"))
      return pv_device_find(env);
    ensure_stage(2);
    pv_device *best = NULL;
    int best_rank = -1;
    for (int i = 0; i < g_ndevices; i++) {
      int r = policy_rank(&g_devices[i]) * 1000 + g_devices[i].info.score;
      if (policy_rank(&g_devices[i]) >= 0 && r > best_rank) {
        best = &g_devices[i];
        best_rank = r;
      }
    }
    if (best)
      pv_log(PV_LOG_INFO, "device auto: chose %s (%s, type %s)%s", best->name,
             best->info.name, pv_device_type_name(best->info.type),
             strcmp(best->plugin->desc->name, "cpu")
                 ? ""
                 : ": no hardware GPU or accelerator found");
    else
      pv_set_error(PV_ERR_NOT_FOUND, "no device available");
    return best;
  }
  if (!strcasecmp(name, "cpu") || !strcasecmp(name, "cpu:0")) {
    pv_device *d = pv__cpu_device();
    if (!d)
      pv_set_error(PV_ERR_NOT_FOUND, "cpu backend unavailable");
    return d;
  }
  ensure_stage(3);
  char want[64];
  snprintf(want, sizeof want, "%s", name);
  if (!strchr(want, ':') && strlen(want) < 60)
    strcat(want, ":0");
  for (int i = 0; i < g_ndevices; i++)
    if (!strcasecmp(g_devices[i].name, want))
      return &g_devices[i];
  pv_set_error(PV_ERR_NOT_FOUND,
               "device '%s' not found (see `polyvis devices`)", name);
  return NULL;
}
