#ifndef POLYVIS_GRAPH_INTERNAL_H
#define POLYVIS_GRAPH_INTERNAL_H

#include "internal.h"

typedef enum pv__vkind {
  PV__V_INPUT = 0,
  PV__V_CONST = 1,
  PV__V_NODE = 2
} pv__vkind;

typedef struct pv__gvalue {
  pv_tensor_desc desc; /* inferred; dims may be -1 */
  int kind;
  int producer; /* node index for PV__V_NODE */
  int producer_out;
  pv_tensor *constant; /* PV__V_CONST: contiguous host tensor */
  char *name;
} pv__gvalue;

typedef struct pv__gnode {
  int op;
  pv_op_attrs attrs;
  int n_in, n_out;
  int in[PV_MAX_INPUTS]; /* -1 = absent optional */
  int out[PV_MAX_OUTPUTS];
  bool dead;
} pv__gnode;

struct pv_graph {
  pv__gvalue *values;
  int n_values, cap_values;
  pv__gnode *nodes;
  int n_nodes, cap_nodes;
  int *inputs;
  int n_inputs, cap_inputs;
  int *outputs;
  char **output_names;
  int n_outputs, cap_outputs;
  int status;
  char error[512];
};

/* Deep copy (constants are retained, not copied). */
pv_graph *pv__graph_clone(const pv_graph *g);
/* Adds a value; returns its index or -1. */
int pv__graph_add_value(pv_graph *g, const pv_tensor_desc *d, int kind);
/* Replaces every use of value `from` (node inputs, graph outputs) by `to`. */
void pv__graph_replace_uses(pv_graph *g, int from, int to);
/* Number of live consumers of v (node inputs; graph outputs not counted). */
int pv__graph_use_count(const pv_graph *g, int v);
bool pv__graph_is_output(const pv_graph *g, int v);
/* Re-infers every live node with concrete input descs; fills descs. */
int pv__graph_infer_all(const pv_graph *g, pv_tensor_desc *descs);
/* Records the first build error. */
int pv__graph_fail(pv_graph *g, int status);

/* Passes (passes.c). */
int pv__pass_fold_constants(pv_graph *g);
int pv__pass_fold_batchnorm(pv_graph *g);
int pv__pass_fuse_silu(pv_graph *g);
int pv__pass_fuse_activations(pv_graph *g);
int pv__pass_remove_dead(pv_graph *g);
/* Expands every composite node (expand.c) that `dev` does not take (every
 * one when dev is NULL) into core ops, in place, keeping execution order. */
int pv__pass_expand(pv_graph *g, pv_device *dev);

#endif
