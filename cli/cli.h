/* The polyvis CLI: thin subcommands over the library. Conventions: exit 0 on
 * success, 1 on a runtime or input error (one line on stderr), 2 on a usage
 * error; --json prints one JSON document on stdout. */
#ifndef POLYVIS_CLI_H
#define POLYVIS_CLI_H

#include <polyvis/polyvis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PV_EXIT_OK 0
#define PV_EXIT_ERROR 1
#define PV_EXIT_USAGE 2

typedef struct pv_cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
  void (*help)(FILE *f);
} pv_cli_command;

/* Prints "polyvis <cmd>: <msg>: <last error>" to stderr, returns 1. */
int pv_cli_fail(const char *cmd, const char *what);
/* Prints a usage error, returns 2. */
int pv_cli_usage(const char *cmd, const char *fmt, ...);
/* Writes s as a JSON string literal. */
void pv_cli_json_str(FILE *f, const char *s);
/* Applies the common flags (--device, --precision, --no-fallback, -v);
 * returns 1 if argv[*i] was consumed (advancing *i past a value). */
int pv_cli_common_flag(int argc, char **argv, int *i, const char **device,
                       int *verbose);

/* One object per subcommand, each defined in cli/cmd_<name>.c. Commands
 * that a module has not delivered yet keep the weak placeholder of
 * cli/reserved.c, which says so and exits 1. */
extern const pv_cli_command pv_cmd_devices;
extern const pv_cli_command pv_cmd_conformance;
extern const pv_cli_command pv_cmd_run;
extern const pv_cli_command pv_cmd_classify;
extern const pv_cli_command pv_cmd_detect;
extern const pv_cli_command pv_cmd_transform;
extern const pv_cli_command pv_cmd_decode;
extern const pv_cli_command pv_cmd_encode;
extern const pv_cli_command pv_cmd_fetch;
extern const pv_cli_command pv_cmd_bench;

#endif
