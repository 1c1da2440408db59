/* polyvis fetch SPEC... [--dir DIR] [--json] */
#include "cli.h"

#include <polyvis/hub.h>

static void help(FILE *f) {
  fprintf(f, "usage: polyvis fetch NAME[.WEIGHTS]... [--dir DIR] [--json]\n\n"
             "Downloads official torchvision weights (resnet50, "
             "resnet50.IMAGENET1K_V2,\n"
             "ResNet50_Weights.DEFAULT) into $POLYVIS_HOME/weights/ (default\n"
             "~/.cache/polyvis/weights/), verifies the SHA-256 prefix in the "
             "file name,\n"
             "resumes partial downloads, and waits for a concurrent fetch of "
             "the same\n"
             "file instead of racing it. POLYVIS_HUB_URL replaces the download "
             "host.\n"
             "  --dir DIR   download into DIR instead\n"
             "  --json      print [{\"spec\":...,\"path\":...}] \n");
}

static int run(int argc, char **argv) {
  pv_fetch_options o = pv_fetch_options_default();
  o.progress = 1;
  const char **specs = calloc((size_t)argc + 1, sizeof *specs);
  int n = 0, json = 0;
  if (!specs)
    return pv_cli_fail("fetch", "out of memory");
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      o.dest_dir = argv[++i];
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (argv[i][0] == '-') {
      free(specs);
      return pv_cli_usage("fetch", "unknown or incomplete option '%s'",
                          argv[i]);
    } else
      specs[n++] = argv[i];
  }
  if (!n) {
    free(specs);
    return pv_cli_usage("fetch", "name the weights to fetch (e.g. resnet50)");
  }
  int rc = PV_EXIT_OK;
  if (json)
    printf("[");
  for (int i = 0; i < n; i++) {
    char path[4096];
    if (pv_hub_fetch(specs[i], &o, path, sizeof path)) {
      rc = pv_cli_fail("fetch", specs[i]);
      break;
    }
    if (json) {
      printf("%s{\"spec\":", i ? "," : "");
      pv_cli_json_str(stdout, specs[i]);
      printf(",\"path\":");
      pv_cli_json_str(stdout, path);
      printf("}");
    } else {
      printf("%s\n", path);
    }
  }
  if (json)
    printf("]\n");
  free(specs);
  return rc;
}

const pv_cli_command pv_cmd_fetch = {"fetch", "download pretrained weights",
                                     run, help};
