/* polyvis conformance [--device D] [--json] [--require-all] */
#include "cli.h"

static void help(FILE *f) {
  fprintf(f, "usage: polyvis conformance [--device D] [--json] "
             "[--require-all] [--op NAME]\n\n"
             "Runs every core op over a grid of shapes, dtypes and attributes "
             "on D and compares with the reference implementation.\n");
}

static int run(int argc, char **argv) {
  return pv_cli_usage("conformance", "not implemented yet");
}

const pv_cli_command pv_cmd_conformance = {
    "conformance", "check a device against the reference op set", run, help};
