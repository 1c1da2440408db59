/*
 * Op-by-op parity tests: shared declarations. A manifest written by
 * gen_op_goldens.py lists cases (op, attributes, input and output .npy
 * files); parity_manifest.c parses it into pv_node_desc attributes, and the
 * test runs each case on the reference implementation or, with --device, as
 * a single-node graph on a device (parity_device.c).
 */
#ifndef POLYVIS_TESTS_PARITY_H
#define POLYVIS_TESTS_PARITY_H

#include <polyvis/polyvis.h>

#define PARITY_MAX_CASES 4096

typedef struct parity_case {
  char id[32];
  int op;
  pv_op_attrs attrs;
  int n_in, n_out;
  char in_files[PV_MAX_INPUTS][64]; /* "" = absent optional input */
  char out_files[PV_MAX_OUTPUTS][64];
} parity_case;

/* Parses one manifest line into *c; returns 0, or -1 after printing why. */
int parity_parse_line(const char *line, parity_case *c);

/* parity_run_device's answer when the device does not support a case. */
#define PARITY_UNSUPPORTED 1

/* Runs one case as a single-node graph on `device` in strict mode; fills
 * out[] with new tensors. Returns 0, PARITY_UNSUPPORTED when
 * pv_device_supports_op() declines the case (want[] gives the output
 * descs it is asked about), or a PV_ERR_* code (message in
 * pv_last_error()). Defined in parity_device.c, which is built only where
 * the graph runtime exists; parity_device_stub.c says so otherwise. */
int parity_run_device(const char *device, const parity_case *c,
                      pv_tensor *const *in, pv_tensor *const *want,
                      pv_tensor **out);

#endif
