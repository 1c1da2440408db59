/*
 * ONNX loader internals: the protobuf wire reader, the parsed model view
 * (zero-copy slices into the model buffer), and the pieces the importer and
 * the constant folder share.
 */
#ifndef POLYVIS_ONNX_INTERNAL_H
#define POLYVIS_ONNX_INTERNAL_H

#include "internal.h"
#include <polyvis/onnx.h>

#include <stdatomic.h>

/* --- protobuf wire format (pb.c) ----------------------------------------- */

/* Most nested messages the reader follows (ModelProto -> GraphProto ->
 * NodeProto -> AttributeProto -> TensorProto -> ...): sub-graphs are not
 * supported, so this bound is never reached by a valid model. */
#define PV__PB_MAX_DEPTH 16

typedef struct pv__bytes {
  const uint8_t *p;
  size_t n;
} pv__bytes;

enum { PV__PB_VARINT = 0, PV__PB_I64 = 1, PV__PB_LEN = 2, PV__PB_I32 = 5 };

typedef struct pv__pb {
  const uint8_t *p, *end;
  const char *what; /* message name for errors */
} pv__pb;

typedef struct pv__pb_field {
  uint32_t num;
  int wire;
  uint64_t v;  /* varint, or fixed32/fixed64 bits */
  pv__bytes b; /* length-delimited payload */
} pv__pb_field;

void pv__pb_init(pv__pb *r, pv__bytes b, const char *what);
/* Reads the next field: 1 when one was read, 0 at the end, <0 on a malformed
 * message (error set, naming r->what). */
int pv__pb_next(pv__pb *r, pv__pb_field *f);

/* Element encodings of a repeated scalar field. */
enum { PV__PBK_VARINT, PV__PBK_F32, PV__PBK_F64 };
/* Counts the elements of repeated field `num` in message `msg`, packed or not.
 * Returns the count or <0 on a malformed message. */
int64_t pv__pb_count(pv__bytes msg, uint32_t num, int kind, const char *what);
/* Decodes up to `cap` elements of field `num` as int64 (VARINT), float (F32)
 * or double (F64) into `out` (int64_t*, float* or double*). Returns the
 * number written or <0. */
int64_t pv__pb_read(pv__bytes msg, uint32_t num, int kind, void *out,
                    int64_t cap, const char *what);

/* --- refcounted model buffer -------------------------------------------- */

typedef struct pv__onnx_buf {
  atomic_int refcount;
  uint8_t *data;
  size_t size;
  bool mapped;
} pv__onnx_buf;

pv__onnx_buf *pv__onnx_buf_map(const char *path);
pv__onnx_buf *pv__onnx_buf_copy(const void *data, size_t size);
void pv__onnx_buf_retain(pv__onnx_buf *b);
void pv__onnx_buf_release(void *b); /* deleter signature */

/* --- parsed model ------------------------------------------------------- */

enum {
  PV__AT_FLOAT = 1,
  PV__AT_INT = 2,
  PV__AT_STRING = 3,
  PV__AT_TENSOR = 4,
  PV__AT_GRAPH = 5,
  PV__AT_FLOATS = 6,
  PV__AT_INTS = 7,
  PV__AT_STRINGS = 8,
  PV__AT_TENSORS = 9,
  PV__AT_GRAPHS = 10,
  PV__AT_SPARSE_TENSOR = 11,
  PV__AT_SPARSE_TENSORS = 12,
  PV__AT_TYPE_PROTO = 13,
  PV__AT_TYPE_PROTOS = 14
};

typedef struct pv__onnx_tensor pv__onnx_tensor;

typedef struct pv__onnx_attr {
  const char *name;
  int type;
  float f;
  int64_t i;
  const char *s; /* NUL-terminated copy */
  size_t s_len;
  pv__onnx_tensor *t;
  pv__bytes msg; /* the whole AttributeProto, for repeated fields */
  int64_t n_floats, n_ints, n_strings;
} pv__onnx_attr;

struct pv__onnx_tensor {
  const char *name;
  int data_type; /* ONNX TensorProto.DataType */
  int ndim;
  int64_t dims[PV_MAX_DIMS];
  pv__bytes raw;
  bool has_raw;
  pv__bytes msg; /* the TensorProto, for the typed repeated fields */
  bool external;
  const char *ext_location;
  int64_t ext_offset, ext_length; /* length -1 = to the end */
};

typedef struct pv__onnx_node {
  const char *name, *op_type, *domain;
  int n_in, n_out, n_attr;
  const char **in, **out;
  pv__onnx_attr *attrs;
} pv__onnx_node;

typedef struct pv__onnx_vi {
  const char *name;
  int elem_type; /* 0 when unknown */
  int kind;      /* 0 tensor (or unknown); TypeProto field of a non-tensor */
  int ndim;      /* -1 when no shape */
  int64_t dims[PV_MAX_DIMS];
} pv__onnx_vi;

typedef struct pv__onnx_opset {
  const char *domain;
  int64_t version;
} pv__onnx_opset;

typedef struct pv__arena_block pv__arena_block;

struct pv_onnx_model {
  pv__onnx_buf *buf;
  char *base_dir; /* for external data; NULL = none */
  pv__arena_block *arena;
  int64_t ir_version;
  const char *producer;
  int n_opsets;
  pv__onnx_opset *opsets;
  int n_nodes, n_inits, n_inputs_all, n_outputs, n_vi;
  pv__onnx_node *nodes;
  pv__onnx_tensor *inits;
  pv__onnx_vi *inputs_all; /* as declared, initializers included */
  pv__onnx_vi *outputs;
  pv__onnx_vi *vi;
  /* declared inputs that are not initializers */
  int n_inputs;
  pv__onnx_vi **inputs;
};

void pv__onnx_arena_free(pv__arena_block *b);

/* Parses a TensorProto message into *t (slices reference the buffer). */
int pv__onnx_parse_tensor(pv_onnx_model *m, pv__bytes msg, pv__onnx_tensor *t);
/* Maps an ONNX data type to a polyvis dtype, -1 when polyvis has none. */
int pv__onnx_dtype(int onnx_type);
const char *pv__onnx_type_name(int onnx_type);
/* Materialises a parsed TensorProto as a host tensor. `buf` (may be NULL)
 * is the refcounted buffer `t` points into, enabling zero-copy; `base_dir`
 * resolves external data (NULL refuses it). */
pv_tensor *pv__onnx_tensor_make(const pv__onnx_tensor *t, pv__onnx_buf *buf,
                                const char *base_dir);

/* Finds an attribute of a node, NULL when absent. */
const pv__onnx_attr *pv__onnx_attr_find(const pv__onnx_node *n,
                                        const char *name);
/* Attribute accessors with defaults; the ints form returns the count (or <0
 * on a malformed attribute) and writes at most cap values. */
int64_t pv__onnx_attr_i(const pv__onnx_node *n, const char *name, int64_t def);
float pv__onnx_attr_f(const pv__onnx_node *n, const char *name, float def);
const char *pv__onnx_attr_s(const pv__onnx_node *n, const char *name,
                            const char *def);
int pv__onnx_attr_ints(const pv__onnx_node *n, const char *name, int64_t *out,
                       int cap);
int pv__onnx_attr_floats(const pv__onnx_node *n, const char *name, float *out,
                         int cap);

/* --- constant folding (fold.c) ------------------------------------------ */

/* Evaluates node `n` on host tensors when the op is one of the integer /
 * shape ops the folder knows. `in[i]` may be NULL for an omitted optional
 * input. Returns 1 and fills out[] (new references) when folded, 0 when the
 * op is not foldable here (nothing set), <0 on an error (e.g. a shape
 * mismatch inside the subgraph). `opset` is the default-domain opset. */
int pv__onnx_fold(const pv__onnx_node *n, int64_t opset, int n_in,
                  pv_tensor *const *in, int n_out, pv_tensor **out);
/* Reads an integer tensor (any int dtype or bool) into out as int64. Returns
 * its element count (which may exceed cap: nothing is written then), or -1
 * for a float tensor or NULL. */
int pv__onnx_tensor_ints(const pv_tensor *t, int64_t *out, int cap);
/* True when the folder can evaluate op_type at all. */
bool pv__onnx_foldable(const char *op_type);

#endif
