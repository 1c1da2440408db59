/* polyvis devices [--json] [--verbose] */
#include "cli.h"

static void help(FILE *f) {
  fprintf(f, "usage: polyvis devices [--json] [--verbose]\n\n"
             "Lists the plugins found or rejected and their devices.\n"
             "  --json     one JSON array of devices (name, backend, type, "
             "vendor, memory_bytes, ...)\n"
             "  --verbose  also the plugin search records and each device's "
             "caps\n");
}

static int run(int argc, char **argv) {
  int json = 0, verbose = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v"))
      verbose = 1;
    else
      return pv_cli_usage("devices", "unknown option '%s'", argv[i]);
  }
  int n = pv_device_count();
  if (json) {
    printf("[");
    for (int i = 0; i < n; i++) {
      pv_device *d = pv_device_get(i);
      const pv_device_info *in = pv_device_get_info(d);
      printf("%s{\"name\":", i ? "," : "");
      pv_cli_json_str(stdout, pv_device_name(d));
      printf(",\"backend\":");
      pv_cli_json_str(stdout, pv_device_backend(d));
      printf(",\"type\":");
      pv_cli_json_str(stdout, pv_device_type_name(in->type));
      printf(",\"vendor\":");
      pv_cli_json_str(stdout, in->vendor);
      printf(",\"device\":");
      pv_cli_json_str(stdout, in->name);
      printf(",\"driver\":");
      pv_cli_json_str(stdout, in->driver);
      printf(",\"memory_bytes\":%llu,\"max_alloc_bytes\":%llu,"
             "\"fp16\":%s,\"subgroups\":%s,\"software\":%s}",
             (unsigned long long)in->memory_bytes,
             (unsigned long long)in->max_alloc_bytes,
             in->caps & PV_CAP_FP16 ? "true" : "false",
             in->caps & PV_CAP_SUBGROUPS ? "true" : "false",
             (in->caps & PV_CAP_SOFTWARE) || in->type == PV_DEVICE_CPU
                 ? "true"
                 : "false");
    }
    printf("]\n");
    return PV_EXIT_OK;
  }
  printf("%-12s %-8s %-6s %-10s %10s  %s\n", "NAME", "BACKEND", "TYPE",
         "VENDOR", "MEMORY", "DEVICE");
  for (int i = 0; i < n; i++) {
    pv_device *d = pv_device_get(i);
    const pv_device_info *in = pv_device_get_info(d);
    printf("%-12s %-8s %-6s %-10.10s %8.1fGB  %s\n", pv_device_name(d),
           pv_device_backend(d), pv_device_type_name(in->type), in->vendor,
           (double)in->memory_bytes / 1e9, in->name);
    if (verbose) {
      char buf[1024];
      pv_device_describe(d, buf, sizeof buf);
      printf("             driver: %s\n             caps: %s%s%s %s\n",
             in->driver, in->caps & PV_CAP_FP16 ? "fp16 " : "",
             in->caps & PV_CAP_INT8 ? "int8 " : "",
             in->caps & PV_CAP_SUBGROUPS ? "subgroups" : "", buf);
    }
  }
  if (verbose) {
    printf("\nplugins:\n");
    int nr = pv_plugin_record_count();
    for (int i = 0; i < nr; i++) {
      pv_plugin_record r;
      pv_plugin_record_get(i, &r);
      printf("  %-8s %-60s %s (%d devices)%s%s\n",
             r.loaded ? "loaded" : "rejected", r.path, r.name, r.n_devices,
             r.reason[0] ? ": " : "", r.reason);
    }
  }
  pv_device *best = pv_device_find("auto");
  if (best)
    printf("\ndefault device (auto): %s\n", pv_device_name(best));
  return PV_EXIT_OK;
}

const pv_cli_command pv_cmd_devices = {"devices", "list plugins and devices",
                                       run, help};
