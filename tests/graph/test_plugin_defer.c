/* Deferred plugin init (plugin.h, hardware_probe): a plugin that says no
 * hardware device can exist here is loaded but not initialised when the
 * auto policy picks a device, and is initialised as soon as the devices are
 * listed or one of its devices is named. argv[1]: the template plugin dir. */
#include "testutil.h"

#include <unistd.h>

static int template_record(pv_plugin_record *out) {
  for (int i = 0; i < pv_plugin_record_count(); i++) {
    pv_plugin_record r;
    if (pv_plugin_record_get(i, &r) == 0 && strstr(r.path, "template")) {
      *out = r;
      return 1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_plugin_defer TEMPLATE_DIR\n");
    return 2;
  }
  char marker[512];
  snprintf(marker, sizeof marker, "%s/template-init-ran", pv_test_tmpdir());
  remove(marker);
  setenv("PV_TEMPLATE_INIT_MARKER", marker, 1);
  setenv("PV_TEMPLATE_HW_PROBE", "0", 1);
  unsetenv("POLYVIS_DEVICE");
  pv_plugin_add_search_dir(argv[1]);

  /* auto: the template is found, its probe says no hardware: deferred */
  pv_device *d = pv_device_find("auto");
  CHECK(d != NULL);
  if (d)
    CHECK(!strcmp(pv_device_backend(d), "cpu"));

  CHECK(access(marker, F_OK) != 0); /* its init() never ran */

  /* naming one of its devices initialises it */
  pv_device *t = pv_device_find("template:0");
  CHECK(t != NULL);
  pv_plugin_record r;
  CHECK(template_record(&r));
  CHECK(r.loaded && r.n_devices == 1);
  CHECK(access(marker, F_OK) == 0);
  printf("template record after naming: loaded=%d devices=%d (%s)\n", r.loaded,
         r.n_devices, r.reason);

  /* with the probe answering "maybe", auto initialises it at once */
  pv_plugins_reload();
  remove(marker);
  setenv("PV_TEMPLATE_HW_PROBE", "1", 1);
  pv_device_find("auto");
  CHECK(access(marker, F_OK) == 0);
  remove(marker);
  return pv_test_finish("test_plugin_defer");
}
