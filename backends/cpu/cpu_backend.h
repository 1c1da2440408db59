/*
 * Internal interface of the CPU backend: one kernel file per op family under
 * ops/, registered in ops/registry.c. The backend is built twice from the
 * same sources: linked into libpolyvis (the built-in device) and as the
 * plugin libpolyvis-backend-cpu.so. It uses only plugin.h and the host API,
 * never core internals.
 */
#ifndef POLYVIS_CPU_BACKEND_H
#define POLYVIS_CPU_BACKEND_H

#include <polyvis/error.h>
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
  pv_cpu_tensor in[PV_MAX_INPUTS]; /* data NULL for absent optional input */
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
  /* 1 + the index of the constant input that prepare() copies whole when it
   * sets *prepared, so that run() never reads it (the host may then free
   * it: pv_partition_desc.const_done); 0 for none. */
  int prepare_consumes;
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

static inline size_t pv__cpu_dsize(int32_t dt) {
  return pv__cpu_host->dtype_size(dt);
}

/* True if the inputs/outputs of op all have dtype dt (absent inputs, with
 * ndim < 0, are skipped). */
int pv__cpu_all_dtype(const pv_op_desc *op, int32_t dt);

/* Element strides of `in` aligned to the dims of `out` under numpy
 * broadcasting: 0 on broadcast dims. */
void pv__cpu_bcast_strides(const pv_tensor_desc *in, const pv_tensor_desc *out,
                           int64_t *strides);

/* A broadcast iteration plan: the output as rows x inner, each operand's
 * element offset per row (pv__cpu_bcast_row) and its inner stride (0 or 1
 * or, after merging, any). Dims of size 1 are dropped and contiguous dims
 * merged, so rows are as long as possible. */
#define PV_CPU_BCAST_MAX 3
typedef struct pv_cpu_bcast {
  int n_in, nd;
  int64_t shape[PV_MAX_DIMS];
  int64_t st[PV_CPU_BCAST_MAX][PV_MAX_DIMS];
  int64_t rows, inner;
  int64_t inner_st[PV_CPU_BCAST_MAX];
} pv_cpu_bcast;
void pv__cpu_bcast_plan_init(pv_cpu_bcast *p, int n_in,
                             const pv_tensor_desc *const *in,
                             const pv_tensor_desc *out);
void pv__cpu_bcast_row(const pv_cpu_bcast *p, int64_t row, int64_t *off);

/* --- element conversion (where_cast.c) ------------------------------------ */
double pv__cpu_load_f64(const void *p, int32_t dt, int64_t i);
void pv__cpu_store_f64(void *p, int32_t dt, int64_t i, double v);
uint16_t pv__cpu_f32_to_f16(float f);
float pv__cpu_f16_to_f32(uint16_t h);

/* --- activations (unary.c) ------------------------------------------------ */
/* One unary op on one f32 value (alpha/beta/mode as in pv_unary_attrs). */
float pv__cpu_unary_f32(int op, float alpha, float beta, int mode, float x);
/* Applies a fused activation in place to n contiguous floats; no-op for
 * PV_OP_NONE. */
void pv__cpu_act_f32(const pv_act *act, float *y, int64_t n);
/* Returns 1 if act is PV_OP_NONE or a unary op the CPU implements. */
int pv__cpu_act_supported(const pv_act *act);

/* Vectorised exp / sigmoid / silu / erf / gelu (vmath.c): returns 1 if it
 * computed y[0..n) from x (may alias), 0 if the op, its mode or the CPU is
 * not covered. */
int pv__cpu_vec_unary(int op, int mode, const float *x, float *y, int64_t n);

/* --- sgemm (sgemm.c) ------------------------------------------------------ */
/* An im2col view of one image group, used as the B operand of a conv GEMM:
 * B(k, n) with k = (c, ky, kx) and n = (oy, ox). */
typedef struct pv_cpu_im2col {
  const float *x; /* [C, H, W] of this group */
  int64_t c, h, w, oh, ow;
  int kh, kw, sh, sw, ph, pw, dh, dw;
} pv_cpu_im2col;

/* The B operand: strided matrix (B(k,n) = b[k*rs + n*cs]) or im2col. */
typedef struct pv_cpu_bsrc {
  const float *b;
  int64_t rs, cs;
  const pv_cpu_im2col *im;
} pv_cpu_bsrc;

/* Epilogue applied once, after the last K slice. */
typedef struct pv_cpu_epi {
  const float *bias; /* NULL or per row (bias_rows=1) / per column */
  int bias_rows;
  const pv_act *act; /* NULL or an activation */
} pv_cpu_epi;

/* A packed A operand (M x K), laid out for the active micro-kernel. */
typedef struct pv_cpu_packed_a {
  int64_t m, k;
  int mr;
  float *data;
} pv_cpu_packed_a;

/* Packs A(m,k) = alpha * a[m*rs + k*cs]; returns 0 or an error. */
int pv__cpu_pack_a(int64_t m, int64_t k, const float *a, int64_t rs, int64_t cs,
                   float alpha, pv_cpu_packed_a *out);
void pv__cpu_packed_a_free(pv_cpu_packed_a *p);

/* What conv2d and conv_transpose2d prepare: the weights packed once per
 * group (ops/conv2d.c owns the helpers both use). */
typedef struct pv_cpu_conv_prep {
  int groups;
  pv_cpu_packed_a *w; /* one per group */
} pv_cpu_conv_prep;
void pv__cpu_conv_release(void *prepared);
/* f32 with a fusable activation: what both convolutions accept. */
int pv__cpu_conv_supports(const pv_op_desc *op);

/* C(m,n) = [accumulate ? C : 0] + A @ B, then epilogue. C(m,n) lives at
 * c[m*rsc + n*csc]. `pa` is a packed A, or NULL with a/rsa/csa/alpha. */
int pv__cpu_sgemm(int64_t m, int64_t n, int64_t k, const pv_cpu_packed_a *pa,
                  const float *a, int64_t rsa, int64_t csa, float alpha,
                  const pv_cpu_bsrc *b, float *c, int64_t rsc, int64_t csc,
                  int accumulate, const pv_cpu_epi *epi);
/* Recycled, 64-byte aligned scratch memory (sgemm.c); get returns NULL when
 * out of memory. release_all frees the idle buffers (backend shutdown). */
void *pv__cpu_scratch_get(size_t bytes);
void pv__cpu_scratch_put(void *p);
void pv__cpu_scratch_release_all(void);
/* The name of the micro-kernel in use ("avx512", "avx2", "generic"). */
const char *pv__cpu_sgemm_kernel_name(void);

/* --- int8 quantised ops (ops/quant.c, ops/qconv.c) ------------------------ */
/* Round half to even in f32 the way the float lowering of the importer does
 * it (add and subtract 1.5 * 2^23): exact for |v| < 2^22; larger values
 * saturate whatever the rounding. Two statements: never contracted. */
static inline float pv__cpu_q_rne(float v) {
  float t = v + 12582912.0f;
  return t - 12582912.0f;
}

/* saturate(r + zp) into [lo, hi] as an integer; NaN gives lo. */
static inline int32_t pv__cpu_q_sat(float r, float zp, float lo, float hi) {
  r = r + zp;
  r = r > lo ? r : lo;
  r = r < hi ? r : hi;
  return (int32_t)r;
}

/* Element i of a u8, i8 or i32 tensor; 0 for any other dtype. */
static inline int32_t pv__cpu_q_load(const void *p, int32_t dt, int64_t i) {
  if (dt == PV_U8)
    return ((const uint8_t *)p)[i];
  if (dt == PV_I8)
    return ((const int8_t *)p)[i];
  if (dt == PV_I32)
    return ((const int32_t *)p)[i];
  return 0;
}

static inline void pv__cpu_q_store(void *p, int32_t dt, int64_t i, int32_t v) {
  if (dt == PV_U8)
    ((uint8_t *)p)[i] = (uint8_t)v;
  else
    ((int8_t *)p)[i] = (int8_t)v;
}

/* The saturation bounds of a u8 or i8 output. */
static inline void pv__cpu_q_range(int32_t dt, float *lo, float *hi) {
  *lo = dt == PV_U8 ? 0.0f : -128.0f;
  *hi = dt == PV_U8 ? 255.0f : 127.0f;
}

/* Input i of e as n values (a scalar is repeated; a 1-D parameter must hold
 * 1 or n values): scales (f32, required) and zero points (u8/i8/i32, 0 when
 * absent). Errors name `op`. */
int pv__cpu_q_scales(const pv_cpu_exec *e, int i, int64_t n, float *out,
                     const char *op);
int pv__cpu_q_zps(const pv_cpu_exec *e, int i, int64_t n, int32_t *out,
                  const char *op);
/* 1 if input i of op is absent or has one of the dtypes in mask (bit dt). */
int pv__cpu_q_opt_dtype(const pv_op_desc *op, int i, uint32_t mask);

/* x (input 0) and w/b (input 3) and the output u8/i8, scales (1, 4, 6) f32,
 * zero points (2, 5, 7) u8/i8 or absent: the QLinear ops' common rule. */
int pv__cpu_qlinear8_supports(const pv_op_desc *op);

/* y[i] = saturate(rne((float)(acc[i] + bias) * m) + zp) for i < n, y a
 * contiguous u8/i8 row (ydt); acc + bias wraps in int32 like ONNX Runtime. */
void pv__cpu_q_requant_row(const int32_t *acc, int32_t bias, float m, float zp,
                           int32_t ydt, void *y, int64_t n);

/* The ISA of the int8 kernels: 0 generic, 1 avx2, 2 avx512bw (chosen once;
 * POLYVIS_CPU_KERNEL=generic|avx2 forces one, as for sgemm). */
int pv__cpu_q_isa(void);

/* The pairs form of an int16 operand: word [k/2][p] of xt (npad words per
 * K pair) holds pixel p's values k and k+1, as pmaddwd / vpdpwssd take
 * them. pv__cpu_q_dot_pairs computes acc[o*ldacc + p] = sum over k < 2*kq of
 * w[o*ldw + k] * x_k[p] for rows in blocks of 4 with the AVX-512 kernel and
 * returns how many rows it did (0 without AVX-512BW: use pv__cpu_q_dot);
 * the caller finishes the rest. */
static inline int64_t pv__cpu_q_pairs_npad(int64_t np) {
  return (np + 31) & ~(int64_t)31;
}
int pv__cpu_q_dot_pairs(const int16_t *w, int64_t ldw, int64_t no,
                        const int32_t *xt, int64_t npad, int64_t np, int64_t kq,
                        int32_t *acc, int64_t ldacc);

/* K is padded with zeros to a multiple of this for the int16 dot kernels. */
#define PV_CPU_QK 16
/* acc[o*ldacc + p] = sum_k w[o*ldw + k] * x[p*ldx + k] over k < kp (a
 * multiple of PV_CPU_QK), int16 operands, int32 sums, for o < no, p < np. */
void pv__cpu_q_dot(const int16_t *w, int64_t ldw, int64_t no, const int16_t *x,
                   int64_t ldx, int64_t np, int64_t kp, int32_t *acc,
                   int64_t ldacc);

#endif
