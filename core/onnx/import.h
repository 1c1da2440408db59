/* Importer state shared by import.c (driver) and import_ops.c (handlers). */
#ifndef POLYVIS_ONNX_IMPORT_H
#define POLYVIS_ONNX_IMPORT_H

#include "onnx_internal.h"

/* One named ONNX value: a graph value, a host constant, or both (a constant
 * gets its graph value the first time a graph node consumes it). */
typedef struct pv__ival {
  const char *name;
  pv_value v;
  pv_tensor *k;
} pv__ival;

typedef struct pv__imp {
  const pv_onnx_model *m;
  pv_graph *g;
  int64_t opset;
  pv__ival *tab;
  size_t cap;
  const pv__onnx_node *n; /* node being imported, for messages */
  int n_folded, n_consts, n_emitted, n_anon;
} pv__imp;

/* Sets an error prefixed with the current node's name and op; returns code. */
int pv__imp_fail(pv__imp *I, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
pv__ival *pv__imp_get(pv__imp *I, const char *name);
/* Whether input i of the current node is present (not omitted). */
bool pv__imp_has(const pv__imp *I, int i);
/* The host constant behind input i, or NULL. */
pv_tensor *pv__imp_const(pv__imp *I, int i);
/* The graph value of input i (adds the constant to the graph if needed). */
int pv__imp_in(pv__imp *I, int i, pv_value *out);
int pv__imp_desc(pv__imp *I, int i, pv_tensor_desc *d);
/* Integer / float contents of constant input i; count or <0. */
int pv__imp_ints(pv__imp *I, int i, int64_t *out, int cap, const char *what);
int pv__imp_floats(pv__imp *I, int i, double *out, int cap, const char *what);
/* The inferred descriptor of a graph value. */
int pv__imp_value_desc(pv__imp *I, pv_value v, pv_tensor_desc *d);
/* Binds output k of the current node. */
int pv__imp_bind(pv__imp *I, int k, pv_value v);
int pv__imp_bind_const(pv__imp *I, int k, pv_tensor *t);
/* Output out_k names the same value as input in_i (Identity, Dropout). */
int pv__imp_alias(pv__imp *I, int out_k, int in_i);
/* Emits a graph node; outs receives n_out values. */
int pv__imp_node(pv__imp *I, pv_op op, int n_in, const pv_value *ins,
                 const pv_op_attrs *attrs, int n_out, pv_value *outs);
/* Emits a single-output node and binds it to output 0. */
int pv__imp_node1(pv__imp *I, pv_op op, int n_in, const pv_value *ins,
                  const pv_op_attrs *attrs);
/* Adds an anonymous constant (takes the reference). */
int pv__imp_new_const(pv__imp *I, pv_tensor *t, pv_value *out);
/* A one-element constant of dtype dt. */
int pv__imp_scalar(pv__imp *I, pv_dtype dt, double v, pv_value *out);

/* Maps the current node onto the core op set (import_ops.c). `std` is true
 * for the default ONNX domain. */
int pv__imp_dispatch(pv__imp *I, bool std);

/* --- shared by the op handlers (import_ops.c, import_layout.c) ----------- */

#define FAIL pv__imp_fail
#define NODE (I->n)

static inline pv_op_attrs zattrs(void) {
  pv_op_attrs a;
  memset(&a, 0, sizeof a);
  return a;
}

static inline int norm_axis(pv__imp *I, int64_t axis, int r, int *out) {
  int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= (r ? r : 1))
    return FAIL(I, PV_ERR_INVALID_ARG, "axis %lld out of range for %d dims",
                (long long)axis, r);
  *out = (int)a;
  return 0;
}

/* ints attribute with a fill default; returns the count or <0. */
static inline int attr_ints(pv__imp *I, const char *name, int64_t *out, int cap,
                            int64_t def, int def_n) {
  int k = pv__onnx_attr_ints(NODE, name, out, cap);
  if (k > cap)
    return FAIL(I, PV_ERR_UNSUPPORTED, "attribute '%s' has %d values", name, k);
  if (k < 0) {
    for (int i = 0; i < def_n; i++)
      out[i] = def;
    return def_n;
  }
  return k;
}

/* Emits a RESHAPE of x to shape. */
static inline int reshape(pv__imp *I, pv_value x, int nd, const int64_t *shape,
                          pv_value *out) {
  pv_op_attrs a = zattrs();
  a.reshape.ndim = nd;
  memcpy(a.reshape.shape, shape, sizeof(int64_t) * (size_t)nd);
  return pv__imp_node(I, PV_OP_RESHAPE, 1, &x, &a, 1, out);
}

static inline int cast_to(pv__imp *I, pv_value x, pv_dtype dt, pv_value *out) {
  pv_op_attrs a = zattrs();
  a.cast.to = dt;
  return pv__imp_node(I, PV_OP_CAST, 1, &x, &a, 1, out);
}

/* Layout and dtype handlers (import_layout.c). */
int pv__h_reshape(pv__imp *I);
int pv__h_flatten(pv__imp *I);
int pv__h_squeeze(pv__imp *I, bool un);
int pv__h_transpose(pv__imp *I);
int pv__h_concat(pv__imp *I);
int pv__h_split(pv__imp *I);
int pv__h_slice(pv__imp *I);
int pv__h_pad(pv__imp *I);
int pv__h_gather(pv__imp *I);
int pv__h_expand_tile(pv__imp *I, pv_op op);
int pv__h_dropout(pv__imp *I);
int pv__h_depth_space(pv__imp *I, bool to_space);
int pv__h_cast(pv__imp *I);
/* Conv/ConvTranspose from the node's attributes, with the shapes of inputs
 * xi and wi; ins (when not NULL) replaces the node's inputs, and yout (when
 * not NULL) receives the result instead of binding output 0. `op` is the
 * core op to emit with those attributes (PV_OP_NONE: conv2d or
 * conv_transpose2d; qlinear_conv takes ins in ONNX's order, 2-D only). */
int pv__h_conv_ex(pv__imp *I, bool transpose, int xi, int wi,
                  const pv_value *ins, int n_ins, pv_value *yout, pv_op op);
/* The quantised ops (import_quant.c): 0 or an error when the node is one of
 * them, 1 when it is not. */
int pv__imp_quant_dispatch(pv__imp *I, bool std);

#endif
