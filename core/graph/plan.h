#ifndef POLYVIS_PLAN_H
#define POLYVIS_PLAN_H

#include "graph_internal.h"

#include <pthread.h>

#define PV__MAX_SLOTS 2 /* the main device and the CPU it falls back to */
#define PV__NO_OFFSET UINT64_MAX

/* A copy of one value between the arenas of two devices, done before a
 * partition runs. */
typedef struct pv__copy {
  int from_slot, to_slot;
  uint64_t from_off, to_off, nbytes;
} pv__copy;

typedef struct pv__partition {
  int slot;
  int n_nodes;
  int *nodes; /* graph node indices */
  pv_plugin_partition *compiled;
  pv__copy *copies;
  int n_copies;
} pv__partition;

typedef struct pv__plan {
  pv_tensor_desc *in_desc; /* the key: concrete input descs */
  pv_tensor_desc *descs;   /* per graph value */
  int *alias;              /* per value: base value (itself if not a view) */
  int *node_slot;          /* per node: slot, -1 for views / dead */
  uint64_t *offset[PV__MAX_SLOTS]; /* per value and slot */
  uint64_t arena_size[PV__MAX_SLOTS];
  pv__partition *parts;
  int n_parts;
  struct pv__plan *next;
} pv__plan;

struct pv_compiled {
  pv_graph *g;
  pv_device *slots[PV__MAX_SLOTS];
  int n_slots;
  int strict;
  int verbose;
  pthread_mutex_t mu;
  pv__plan *plans; /* most recent first */
  /* Constants a plugin reported copied (const_done) are freed from g when g
   * is their only owner; `released` marks them, and a later plan (another
   * input shape) gets them back by optimising `src`, the unoptimised clone,
   * again. src is dropped after the first plan when nothing was released. */
  pv_graph *src;
  bool *released; /* per value of g, or NULL */
  uint64_t released_bytes; /* freed so far, restores not subtracted */
  int no_optimize;
};

struct pv_context {
  pv_compiled *c;
  pv_plugin_buffer *arena[PV__MAX_SLOTS];
  uint64_t arena_cap[PV__MAX_SLOTS];
};

/* Builds (without compiling partitions) the plan for concrete inputs. */
int pv__plan_build(pv_compiled *c, const pv_tensor_desc *in_desc,
                   pv__plan **out);
/* Compiles every partition of a plan in its plugin. */
int pv__plan_compile(pv_compiled *c, pv__plan *p);
void pv__plan_free(pv_compiled *c, pv__plan *p);
/* Puts back the constants released after earlier plans, before a new plan
 * is built. */
int pv__plan_restore_constants(pv_compiled *c);

#endif
