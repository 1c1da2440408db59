/* One-node partitions on the CPU plugin through its ABI, for the CPU kernel
 * tests (test_cpu_ops, test_cpu_quant): the plugin is opened once, then
 * each node gets its values in an arena buffer (constants where asked),
 * is compiled, executed twice and its outputs copied back. */
#ifndef POLYVIS_TESTS_CPU_NODE_H
#define POLYVIS_TESTS_CPU_NODE_H

#include "internal.h"

extern const pv_plugin_desc *P;
extern pv_plugin_ctx *CTX;
extern pv_plugin_device *DEV;

typedef struct node_run {
  int op, n_in, n_out;
  pv_op_attrs attrs;
  pv_tensor_desc in[PV_MAX_INPUTS], out[PV_MAX_OUTPUTS];
  const void *in_data[PV_MAX_INPUTS]; /* NULL = absent */
  void *out_data[PV_MAX_OUTPUTS];
  uint32_t const_mask;
} node_run;

/* Opens the built-in CPU plugin and its device into P, CTX, DEV; 0 or an
 * error (checked with CHECK as well). */
int cpu_node_open(void);
void cpu_node_close(void);

size_t desc_bytes(const pv_tensor_desc *d);

/* Builds the partition, checks supports_op (into *supported), compiles,
 * runs twice (prepared state must be reusable) and copies the outputs back.
 * The arena is poisoned first, so a kernel must write every output. Returns
 * the status of the first failing call. */
int run_node(node_run *r, int *supported);

#endif
