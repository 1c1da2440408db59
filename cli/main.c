#include "cli.h"

#include <signal.h>
#include <stdarg.h>

int pv_cli_fail(const char *cmd, const char *what) {
  const char *e = pv_last_error();
  fprintf(stderr, "polyvis %s: %s%s%s\n", cmd, what, e[0] ? ": " : "", e);
  return PV_EXIT_ERROR;
}

int pv_cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "polyvis %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see `polyvis %s --help`)\n", cmd);
  va_end(ap);
  return PV_EXIT_USAGE;
}

void pv_cli_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

int pv_cli_common_flag(int argc, char **argv, int *i, const char **device,
                       int *verbose) {
  const char *a = argv[*i];
  if (!strcmp(a, "--device") && *i + 1 < argc) {
    *device = argv[++*i];
    return 1;
  }
  if (!strncmp(a, "--device=", 9)) {
    *device = a + 9;
    return 1;
  }
  if (!strcmp(a, "--precision") && *i + 1 < argc) {
    pv_set_option("POLYVIS_PRECISION", argv[++*i]);
    return 1;
  }
  if (!strcmp(a, "--no-fallback")) {
    pv_set_option("POLYVIS_FALLBACK", "off");
    return 1;
  }
  if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
    if (verbose)
      *verbose = 1;
    return 1;
  }
  return 0;
}

static const pv_cli_command *const k_commands[] = {
    &pv_cmd_devices, &pv_cmd_conformance, &pv_cmd_run,    &pv_cmd_classify,
    &pv_cmd_detect,  &pv_cmd_transform,   &pv_cmd_decode, &pv_cmd_encode,
    &pv_cmd_fetch,   &pv_cmd_bench,
};

static void usage(FILE *f) {
  fprintf(f, "usage: polyvis <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-12s %s\n", k_commands[i]->name, k_commands[i]->summary);
  fprintf(f, "\nRun `polyvis <command> --help` for its options.\n"
             "Environment: POLYVIS_DEVICE, POLYVIS_PLUGIN_PATH, "
             "POLYVIS_CACHE_DIR, POLYVIS_LOG, POLYVIS_NUM_THREADS, "
             "POLYVIS_PRECISION, POLYVIS_FALLBACK\n");
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    usage(stderr);
    return PV_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return PV_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("polyvis %s\n", pv_version());
    return PV_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++) {
    const pv_cli_command *c = k_commands[i];
    if (strcmp(argv[1], c->name))
      continue;
    for (int a = 2; a < argc; a++)
      if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
        printf("polyvis %s: %s\n\n", c->name, c->summary);
        c->help(stdout);
        return PV_EXIT_OK;
      }
    return c->run(argc - 1, argv + 1);
  }
  fprintf(stderr, "polyvis: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return PV_EXIT_USAGE;
}
