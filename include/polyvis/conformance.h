/*
 * polyvis conformance: checks a device against the reference implementation
 * of the op set.
 *
 * Every core op is run over a grid of shapes, dtypes and attributes that is
 * generated in C from a seeded random generator (so a run is reproducible
 * and needs no Python). Each case is a single-node graph built with the
 * public graph API and compiled for the device in strict mode (no CPU
 * fallback, no optimisation passes), so the device's own kernel computes
 * it; the result is compared with the naive double-precision reference.
 *
 * A device "claims" an op when pv_device_supports_op() accepts at least one
 * case of its grid; only claimed cases run. An op passes when every claimed
 * case is within the op's tolerance (max|got - want| / max|want|):
 *
 *   - 0 (exact) for layout ops, comparisons, WHERE, CAST, argmax/argmin,
 *     topk indices, max pooling, and every integer computation;
 *   - 1e-5 for other fp32 arithmetic (conv, gemm, pooling, resize, ...);
 *   - 1e-4 for fp32 ops that involve transcendental functions or rsqrt
 *     (EXP, LOG, SIGMOID, TANH, SILU, GELU, ERF, POW, SOFTMAX, LOG_SOFTMAX,
 *     the normalisations, RSQRT), which GPU math libraries implement to a
 *     few ulp;
 *   - 1e-2 for fp16 data (an 11-bit mantissa: one rounding is 5e-4, and a
 *     device may round intermediates too).
 * A fused activation (conv, linear, gemm, binary ops) that is itself
 * transcendental (sigmoid, silu, ...) loosens the case to at least 1e-4.
 * The tolerance a result reports is the op's own fp32 one.
 */
#ifndef POLYVIS_CONFORMANCE_H
#define POLYVIS_CONFORMANCE_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_conformance_options {
  uint32_t struct_size;
  /* Run only this op ("conv2d"); NULL runs all. */
  const char *op;
  /* Seed of the case generator; 0 uses the built-in default, so two runs
   * without a seed test the same cases. */
  uint64_t seed;
  /* Print one line per failing case to stderr. */
  int verbose;
} pv_conformance_options;

/* The result for one op. */
typedef struct pv_conformance_result {
  int32_t op;              /* pv_op */
  int32_t claimed;         /* the device supports at least one case */
  int32_t total;           /* cases in the op's grid */
  int32_t supported;       /* cases the device supports (and so were run) */
  int32_t passed;          /* supported cases within tolerance */
  double max_error;        /* worst relative error over the supported cases;
                              INFINITY when a case failed to run or mismatched in
                              shape, NaN or inf */
  double tolerance;        /* the op's fp32 tolerance (see above) */
  char first_failure[256]; /* why the first failing case failed, or "" */
} pv_conformance_result;

/* Defaults: all ops, the default seed, quiet. */
PV_API pv_conformance_options pv_conformance_options_default(void);

/*
 * Runs the conformance grid on `device` (a name as pv_device_find takes;
 * NULL means "auto"). Writes one result per op it ran, in op order, to
 * results[0 .. max_results) and their number to *n_results. Returns 0 when
 * the run itself worked, whatever the results are (judge them with
 * pv_conformance_ok), or a negative PV_ERR_* code when the device does not
 * exist, an option is bad (an unknown op name) or the reference itself
 * failed.
 */
PV_API int pv_conformance_run(const char *device,
                              const pv_conformance_options *options,
                              pv_conformance_result *results, int max_results,
                              int *n_results);

/* Returns 1 when every claimed op in results passed all its supported cases
 * and, with require_all, every op was claimed; 0 otherwise. require_all = 1
 * leaves out the composite ops (the quantised family), which a backend may
 * implement but need not, because the core expands them into other ops for a
 * device that lacks them; require_all = 2 requires those too. */
PV_API int pv_conformance_ok(const pv_conformance_result *results, int n,
                             int require_all);

#ifdef __cplusplus
}
#endif
#endif
