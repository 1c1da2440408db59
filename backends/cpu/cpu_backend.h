/*
 * Internal interface of the CPU backend: one kernel file per op family under
 * ops/, registered in ops/registry.c. The backend is built twice from the
 * same sources: linked into libpolyvis (the built-in device) and as the
 * plugin libpolyvis-backend-cpu.so. It uses only plugin.h and the host API,
 * never core internals.
 */
#ifndef POLYVIS_CPU_BACKEND_H
#define POLYVIS_CPU_BACKEND_H

#include <polyvis/plugin.h>
#include <stdbool.h>
#include <string.h>

/* The host services, set at init. */
extern const pv_host_api *pv__cpu_host;

/* A tensor as a kernel sees it: contiguous, host memory. */
typedef struct pv_cpu_tensor {
  const pv_tensor_desc *desc;
  void *data;
} pv_cpu_tensor;

/* Everything a kernel needs for one node execution. */
typedef struct pv_cpu_exec {
  const pv_node_desc *node;
  int n_in, n_out;
  pv_cpu_tensor in[PV_MAX_INPUTS];   /* data NULL for absent optional input */
  pv_cpu_tensor out[PV_MAX_OUTPUTS];
  void *prepared; /* from prepare(), e.g. repacked weights */
} pv_cpu_exec;

typedef struct pv_cpu_op_impl {
  /* Returns 1 if supported. NULL: f32 inputs and outputs only. */
  int (*supports)(const pv_op_desc *op);
  /* Optional: called at compile with the node and its value table, to
   * repack constant weights. Returns 0 and sets *prepared (may stay NULL). */
  int (*prepare)(const pv_node_desc *node, const pv_value_desc *values,
                 void **prepared);
  void (*release)(void *prepared);
  /* Runs the node; returns 0 or a PV_ERR_* code (via host->set_error). */
  int (*run)(const pv_cpu_exec *e);
} pv_cpu_op_impl;

/* Kernel table indexed by pv_op (NULL = unsupported). */
const pv_cpu_op_impl *pv__cpu_op_impl(int op);

/* Convenience: error through the host. */
int pv__cpu_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int64_t pv__cpu_numel(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

#endif
