/*
 * The naive reference implementation of the op set (core/ref): shared
 * helpers. Every kernel here is written as plain loops over output
 * coordinates with double accumulation, so it can serve as the oracle that
 * backends and optimised kernels are checked against. Speed is not a goal.
 */
#ifndef POLYVIS_CORE_REF_INTERNAL_H
#define POLYVIS_CORE_REF_INTERNAL_H

#include "internal.h"

#include <math.h>

/* Everything one reference kernel needs: the node, its inputs (data may be
 * NULL for an absent optional input) and its outputs, already checked
 * against shape inference by the dispatcher. */
typedef struct pv__ref_args {
  int op;
  const pv_op_attrs *a;
  int n_in, n_out;
  const pv_tensor_desc *in;
  const void *const *x;
  const pv_tensor_desc *out;
  void *const *y;
} pv__ref_args;

/* Family entry points (one file each). Each returns 0 or a PV_ERR_* code
 * after pv_set_error. */
int pv__ref_eltwise(const pv__ref_args *r);
int pv__ref_conv(const pv__ref_args *r);
int pv__ref_gemm(const pv__ref_args *r);
int pv__ref_pool(const pv__ref_args *r);
int pv__ref_layout(const pv__ref_args *r);
int pv__ref_norm(const pv__ref_args *r);
int pv__ref_reduce(const pv__ref_args *r);
int pv__ref_resize(const pv__ref_args *r);

/* --- element access ------------------------------------------------------ */
static inline double pv__ref_ld(const void *p, int dt, int64_t i) {
  return pv__load_f64(p, (pv_dtype)dt, i);
}
static inline void pv__ref_st(void *p, int dt, int64_t i, double v) {
  pv__store_f64(p, (pv_dtype)dt, i, v);
}
/* Exact integer element access (bool reads as 0/1; floats truncate). */
int64_t pv__ref_ldi(const void *p, int dt, int64_t i);
/* Stores an integer with C wrap-around into the dtype's width. */
void pv__ref_sti(void *p, int dt, int64_t i, int64_t v);

static inline bool pv__ref_is_float(int dt) {
  return dt == PV_F32 || dt == PV_F16 || dt == PV_BF16 || dt == PV_F64;
}

/* --- index arithmetic ---------------------------------------------------- */
/* Row-major coordinates of flat index i in desc. */
void pv__ref_unravel(const pv_tensor_desc *d, int64_t i, int64_t *coord);
/* Flat index in `in` of the element that numpy broadcasting maps to output
 * coordinates `oc` (of an output with `ondim` dims). */
int64_t pv__ref_bcast_index(const pv_tensor_desc *in, int ondim,
                            const int64_t *oc);
/* Element strides of a contiguous desc. */
void pv__ref_strides(const pv_tensor_desc *d, int64_t *strides);

/* --- math ---------------------------------------------------------------- */
/* A unary op in double (RELU ... ERF) with its alpha/beta/mode. */
double pv__ref_unary(int op, double x, double alpha, double beta, int mode);
/* Applies a fused activation (identity for PV_OP_NONE). */
double pv__ref_act(const pv_act *act, double x);

#endif
