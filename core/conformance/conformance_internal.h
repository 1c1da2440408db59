/*
 * Conformance internals: the case grid (grid.c) and the runner (runner.c).
 */
#ifndef POLYVIS_CORE_CONFORMANCE_INTERNAL_H
#define POLYVIS_CORE_CONFORMANCE_INTERNAL_H

#include "internal.h"

#include <polyvis/conformance.h>

/* splitmix64: a small seeded generator, identical on every platform. */
typedef struct pv__cf_rng {
  uint64_t s;
} pv__cf_rng;

uint64_t pv__cf_next(pv__cf_rng *r);
/* Uniform integer in [lo, hi]. */
int64_t pv__cf_int(pv__cf_rng *r, int64_t lo, int64_t hi);
/* Uniform double in [lo, hi). */
double pv__cf_uniform(pv__cf_rng *r, double lo, double hi);

/* One conformance case: a node and how to fill its inputs. */
typedef struct pv__cf_case {
  int op;
  pv_op_attrs attrs;
  int n_in;
  pv_tensor_desc in[PV_MAX_INPUTS];
  bool absent[PV_MAX_INPUTS]; /* optional input left out */
  uint32_t const_mask;        /* inputs given as graph constants */
  double lo[PV_MAX_INPUTS], hi[PV_MAX_INPUTS]; /* value range */
  bool integral[PV_MAX_INPUTS];                /* whole numbers in [lo, hi] */
  bool distinct[PV_MAX_INPUTS]; /* a permutation of distinct values */
} pv__cf_case;

/* Receives each case of the grid; a non-zero return stops the grid. */
typedef int (*pv__cf_emit_fn)(void *ctx, const pv__cf_case *c);

/* Generates the grid of `op` from rng, calling emit once per case. */
int pv__cf_grid(int op, pv__cf_rng *rng, pv__cf_emit_fn emit, void *ctx);

/* The fp32 tolerance of an op (see conformance.h), and the tolerance of one
 * output of dtype `out_dt` of a case whose inputs have dtype `in_dt` and
 * whose fused activation is `act` (PV_OP_NONE for none): a transcendental
 * activation loosens even an exact op to 1e-4. */
double pv__cf_op_tolerance(int op);
double pv__cf_tolerance(int op, int act, int in_dt, int out_index, int out_dt);

#endif
