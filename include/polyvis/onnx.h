/*
 * polyvis ONNX loader: parses .onnx model files (and the TensorProto .pb
 * files of ONNX's backend test suites) and imports them into a pv_graph.
 *
 * Two layers. The model layer (pv_onnx_model_*) parses the protobuf into a
 * read-only view that tools and tests can inspect without building anything:
 * nodes, attributes, initializers, declared inputs and outputs. The importer
 * (pv_onnx_import*) maps that model onto the core op set through the graph
 * builder API of graph.h, folding the integer "shape subgraphs" that
 * exporters emit (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) at load
 * time so that the graph only holds real compute.
 *
 * Every parse is bounds-checked: corrupt or hostile files give PV_ERR_FORMAT
 * with a message naming the message and field at fault, never a crash.
 * Large weights (raw_data) are referenced in place in the memory-mapped
 * model file rather than copied.
 */
#ifndef POLYVIS_ONNX_H
#define POLYVIS_ONNX_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- the model layer ----------------------------------------------------- */

typedef struct pv_onnx_model pv_onnx_model;

/* Opens and parses a .onnx file. The file is memory-mapped, and the model
 * keeps the mapping alive for as long as any tensor made from it lives.
 * Returns NULL with the error set (PV_ERR_FORMAT names the field at fault). */
PV_API pv_onnx_model *pv_onnx_model_load(const char *path);

/* Parses a model from memory. The bytes are copied, so the caller may free
 * them at once. `base_dir` (may be NULL) is the directory against which
 * external-data locations are resolved; without it, a model with external
 * data fails to import. */
PV_API pv_onnx_model *pv_onnx_model_parse(const void *data, size_t size,
                                          const char *base_dir);

/* Frees the model view. Tensors obtained from it stay valid. */
PV_API void pv_onnx_model_free(pv_onnx_model *m);

/* The model's IR version, and the opset it imports for `domain` ("" or
 * "ai.onnx" for the default domain); -1 when the domain is not imported. */
PV_API int64_t pv_onnx_model_ir_version(const pv_onnx_model *m);
PV_API int64_t pv_onnx_model_opset(const pv_onnx_model *m, const char *domain);
/* producer_name, e.g. "pytorch" or "tf2onnx" ("" when absent). */
PV_API const char *pv_onnx_model_producer(const pv_onnx_model *m);

/* Nodes of the main graph, in file order. */
PV_API int pv_onnx_model_num_nodes(const pv_onnx_model *m);
PV_API const char *pv_onnx_node_op_type(const pv_onnx_model *m, int node);
PV_API const char *pv_onnx_node_name(const pv_onnx_model *m, int node);
PV_API const char *pv_onnx_node_domain(const pv_onnx_model *m, int node);
PV_API int pv_onnx_node_num_inputs(const pv_onnx_model *m, int node);
PV_API int pv_onnx_node_num_outputs(const pv_onnx_model *m, int node);
/* Input/output value names; "" stands for an omitted optional input. */
PV_API const char *pv_onnx_node_input(const pv_onnx_model *m, int node, int i);
PV_API const char *pv_onnx_node_output(const pv_onnx_model *m, int node, int i);

/* Attribute lookups by name. Each returns 0 and fills *out when the node has
 * the attribute with that type, PV_ERR_NOT_FOUND when it has none of that
 * name, and PV_ERR_DTYPE when its type differs. The _ints form writes at most
 * `cap` values and returns their total count through *n. */
PV_API int pv_onnx_node_attr_int(const pv_onnx_model *m, int node,
                                 const char *name, int64_t *out);
PV_API int pv_onnx_node_attr_float(const pv_onnx_model *m, int node,
                                   const char *name, float *out);
PV_API int pv_onnx_node_attr_ints(const pv_onnx_model *m, int node,
                                  const char *name, int64_t *out, int cap,
                                  int *n);
/* A string attribute, NUL-terminated copy owned by the model. */
PV_API int pv_onnx_node_attr_string(const pv_onnx_model *m, int node,
                                    const char *name, const char **out);

/* Initializers (weights). */
PV_API int pv_onnx_model_num_initializers(const pv_onnx_model *m);
PV_API const char *pv_onnx_initializer_name(const pv_onnx_model *m, int i);
/* The declared dtype and shape; PV_ERR_UNSUPPORTED for an ONNX type polyvis
 * has no dtype for (string, complex, uint32/64). */
PV_API int pv_onnx_initializer_desc(const pv_onnx_model *m, int i,
                                    pv_tensor_desc *desc);
/* Materialises an initializer as a host tensor (zero-copy for raw_data in a
 * mapped file where alignment allows; external data is read from disk). */
PV_API pv_tensor *pv_onnx_initializer_tensor(const pv_onnx_model *m, int i);

/* Declared graph inputs (initializers excluded) and outputs. Dynamic dims
 * (dim_param or absent dim_value) read as -1; ndim is -1 when the file gives
 * no shape at all. */
PV_API int pv_onnx_model_num_inputs(const pv_onnx_model *m);
PV_API int pv_onnx_model_num_outputs(const pv_onnx_model *m);
PV_API const char *pv_onnx_model_input_name(const pv_onnx_model *m, int i);
PV_API const char *pv_onnx_model_output_name(const pv_onnx_model *m, int i);
PV_API int pv_onnx_model_input_desc(const pv_onnx_model *m, int i,
                                    pv_tensor_desc *desc);
PV_API int pv_onnx_model_output_desc(const pv_onnx_model *m, int i,
                                     pv_tensor_desc *desc);

/* --- tensors ------------------------------------------------------------- */

/* Reads a serialized TensorProto (.pb, as in ONNX's test_data_set_N/
 * input_K.pb) into a host tensor. f32/f16/bf16/f64, all integer types that
 * polyvis has and bool are supported. */
PV_API pv_tensor *pv_onnx_load_tensor_pb(const char *path);
/* Same from memory (copied). */
PV_API pv_tensor *pv_onnx_decode_tensor_pb(const void *data, size_t size);

/* --- the importer -------------------------------------------------------- */

/* Pins the shape of a graph input whose dims are dynamic in the file. */
typedef struct pv_onnx_input_shape {
  const char *name;
  int32_t ndim;
  int64_t shape[PV_MAX_DIMS];
} pv_onnx_input_shape;

typedef struct pv_onnx_options {
  uint32_t struct_size; /* sizeof(pv_onnx_options) */
  /* Shapes that replace the declared shapes of these inputs. Pinning the
   * dynamic dims lets shape subgraphs fold and shape inference run. */
  const pv_onnx_input_shape *input_shapes;
  int32_t n_input_shapes;
  /* When non-zero, dims that stay dynamic are set to 1 (batch-1 import). */
  int32_t dynamic_dims_to_one;
  /* Graph inputs to freeze: each named input becomes a constant holding the
   * given tensor (the graph retains it) instead of a graph input. Freezing
   * the integer inputs of a model (shapes, axes, indices) lets the importer
   * fold them; ONNX's backend tests feed such values as inputs. */
  const char *const *frozen_input_names;
  pv_tensor *const *frozen_input_values;
  int32_t n_frozen_inputs;
} pv_onnx_options;

/* Defaults: no pinned shapes, dynamic dims stay -1. */
PV_API pv_onnx_options pv_onnx_options_default(void);

/* What the importer saw, for reports and tests. */
typedef struct pv_onnx_info {
  int64_t ir_version;
  int64_t opset;         /* default domain */
  int32_t n_onnx_nodes;  /* nodes in the file */
  int32_t n_graph_nodes; /* nodes emitted into the pv_graph */
  int32_t n_folded;      /* nodes evaluated at load time */
  int32_t n_constants;   /* constants added to the graph */
  char producer[64];
} pv_onnx_info;

/* Imports a parsed model into a new graph. On success *graph owns a graph
 * the caller frees with pv_graph_free; `info` (may be NULL) is filled. An op
 * with no mapping fails with PV_ERR_UNKNOWN_OP and a message naming the op,
 * its node and its domain; nothing is leaked on failure. */
PV_API int pv_onnx_import_model(const pv_onnx_model *m,
                                const pv_onnx_options *opts, pv_graph **graph,
                                pv_onnx_info *info);
/* Loads and imports a .onnx file in one call. */
PV_API int pv_onnx_import(const char *path, const pv_onnx_options *opts,
                          pv_graph **graph, pv_onnx_info *info);
/* Imports from memory. External data cannot be resolved without a model
 * directory, so models with external data must be loaded from a path. */
PV_API int pv_onnx_import_memory(const void *data, size_t size,
                                 const pv_onnx_options *opts, pv_graph **graph,
                                 pv_onnx_info *info);

#ifdef __cplusplus
}
#endif
#endif
