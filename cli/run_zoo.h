/* The zoo path of `polyvis run` (cli/run_zoo.c). */
#ifndef POLYVIS_CLI_RUN_ZOO_H
#define POLYVIS_CLI_RUN_ZOO_H

typedef struct pv__cli_zoo_args {
  const char *name, *weights, *output, *device;
  const char *const *inputs;
  int n_inputs;
  const char *const *options; /* KEY=VALUE */
  int n_options;
  int json;
} pv__cli_zoo_args;

/* Runs a zoo model on one .npy input; returns the CLI exit code. */
int pv__cli_run_zoo(const pv__cli_zoo_args *a);

#endif
