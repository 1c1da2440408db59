/*
 * polyvis graph IR: a static graph of nodes built with a C builder API,
 * compiled for a device and run many times.
 *
 * Building never fails loudly: a builder call with a bad argument returns
 * PV_NO_VALUE, records the first error in the graph (pv_graph_status), and
 * every later call that uses PV_NO_VALUE propagates it. So a model builder can
 * write straight-line code and check once at the end, as with ggml.
 *
 * Shapes may be dynamic (-1) in graph inputs; the compiled graph infers
 * concrete shapes and plans memory for each input shape it meets, and caches
 * that plan per shape.
 */
#ifndef POLYVIS_GRAPH_H
#define POLYVIS_GRAPH_H

#include "device.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_graph pv_graph;
typedef struct pv_compiled pv_compiled;
typedef struct pv_context pv_context;

/* A value in a graph: an index, or PV_NO_VALUE. */
typedef int32_t pv_value;
#define PV_NO_VALUE (-1)

PV_API pv_graph *pv_graph_create(void);
PV_API void pv_graph_free(pv_graph *g);

/* The first error recorded while building (0 if none). pv_last_error() on
 * the building thread holds its message; pv_graph_error() keeps a copy. */
PV_API int pv_graph_status(const pv_graph *g);
PV_API const char *pv_graph_error(const pv_graph *g);

/* Declares a named graph input. Dims may be -1 (dynamic). */
PV_API pv_value pv_graph_input(pv_graph *g, const char *name, pv_dtype dtype,
                               int ndim, const int64_t *shape);
/* Adds a constant (a weight); the graph retains t (made contiguous). */
PV_API pv_value pv_graph_constant(pv_graph *g, const char *name, pv_tensor *t);
/* Marks v as a named output. Outputs are numbered in call order. */
PV_API int pv_graph_output(pv_graph *g, const char *name, pv_value v);

/* Adds a node: the generic builder every specific one calls. `outs` receives
 * n_outputs values (may be NULL for single-output ops: the return value is
 * the first output). Shapes and dtypes are inferred at once when the inputs
 * are static, so shape errors point at the offending call. */
PV_API pv_value pv_graph_node(pv_graph *g, pv_op op, int n_inputs,
                              const pv_value *inputs, const pv_op_attrs *attrs,
                              pv_value *outs);

/* Inferred descriptor of a value (dims may be -1 when dynamic). */
PV_API int pv_graph_value_desc(const pv_graph *g, pv_value v,
                               pv_tensor_desc *desc);
/* The constant tensor behind v, or NULL when v is not a constant. */
PV_API pv_tensor *pv_graph_value_constant(const pv_graph *g, pv_value v);
PV_API int pv_graph_num_nodes(const pv_graph *g);
PV_API int pv_graph_num_inputs(const pv_graph *g);
PV_API int pv_graph_num_outputs(const pv_graph *g);
PV_API const char *pv_graph_input_name(const pv_graph *g, int i);
PV_API const char *pv_graph_output_name(const pv_graph *g, int i);
PV_API pv_value pv_graph_output_value(const pv_graph *g, int i);
PV_API pv_value pv_graph_input_value(const pv_graph *g, int i);

/* --- builders (PyTorch functional names and defaults) -------------------- */

/* Default attribute blocks: stride 1, no padding, dilation 1, groups 1. */
PV_API pv_conv_attrs pv_conv_attrs_default(void);
PV_API pv_pool_attrs pv_pool_attrs_default(void);

PV_API pv_value pv_conv2d(pv_graph *g, pv_value x, pv_value w, pv_value b,
                          const pv_conv_attrs *attrs);
PV_API pv_value pv_conv_transpose2d(pv_graph *g, pv_value x, pv_value w,
                                    pv_value b, const pv_conv_attrs *attrs);
PV_API pv_value pv_batch_norm(pv_graph *g, pv_value x, pv_value weight,
                              pv_value bias, pv_value mean, pv_value var,
                              float eps);
PV_API pv_value pv_linear(pv_graph *g, pv_value x, pv_value w, pv_value b);
PV_API pv_value pv_matmul(pv_graph *g, pv_value a, pv_value b);
PV_API pv_value pv_gemm(pv_graph *g, pv_value a, pv_value b, pv_value c,
                        const pv_gemm_attrs *attrs);

PV_API pv_value pv_binary(pv_graph *g, pv_op op, pv_value a, pv_value b);
PV_API pv_value pv_add(pv_graph *g, pv_value a, pv_value b);
PV_API pv_value pv_sub(pv_graph *g, pv_value a, pv_value b);
PV_API pv_value pv_mul(pv_graph *g, pv_value a, pv_value b);
PV_API pv_value pv_div(pv_graph *g, pv_value a, pv_value b);

/* Unary op with its alpha/beta (CLIP: min/max; LEAKY_RELU: slope;
 * HARDSIGMOID: alpha, beta; GELU: mode 0 erf / 1 tanh in `mode`). */
PV_API pv_value pv_unary(pv_graph *g, pv_op op, pv_value x, float alpha,
                         float beta, int mode);
PV_API pv_value pv_relu(pv_graph *g, pv_value x);
PV_API pv_value pv_relu6(pv_graph *g, pv_value x);
PV_API pv_value pv_sigmoid(pv_graph *g, pv_value x);
PV_API pv_value pv_hardswish(pv_graph *g, pv_value x);
PV_API pv_value pv_hardsigmoid(pv_graph *g, pv_value x);
PV_API pv_value pv_silu(pv_graph *g, pv_value x);
PV_API pv_value pv_gelu(pv_graph *g, pv_value x, int tanh_approx);

PV_API pv_value pv_max_pool2d(pv_graph *g, pv_value x,
                              const pv_pool_attrs *attrs);
PV_API pv_value pv_avg_pool2d(pv_graph *g, pv_value x,
                              const pv_pool_attrs *attrs);
PV_API pv_value pv_adaptive_avg_pool2d(pv_graph *g, pv_value x, int oh, int ow);
PV_API pv_value pv_adaptive_max_pool2d(pv_graph *g, pv_value x, int oh, int ow);

/* Reshape to `shape` (one entry may be -1; 0 is a literal zero, as torch). */
PV_API pv_value pv_reshape(pv_graph *g, pv_value x, int ndim,
                           const int64_t *shape);
/* torch.flatten(x, start_dim, end_dim). */
PV_API pv_value pv_flatten(pv_graph *g, pv_value x, int start_dim, int end_dim);
PV_API pv_value pv_permute(pv_graph *g, pv_value x, int ndim, const int *perm);
PV_API pv_value pv_transpose(pv_graph *g, pv_value x, int dim0, int dim1);
PV_API pv_value pv_concat(pv_graph *g, int n, const pv_value *xs, int axis);
/* x[..., start:end:step, ...] on one axis (Python clamping). */
PV_API pv_value pv_slice(pv_graph *g, pv_value x, int axis, int64_t start,
                         int64_t end, int64_t step);
/* torch.split with explicit sizes; writes n values to outs. */
PV_API int pv_split(pv_graph *g, pv_value x, int axis, int n,
                    const int64_t *sizes, pv_value *outs);
/* F.pad: `pads` in torch order (last dim first: left, right, top, ...). */
PV_API pv_value pv_pad(pv_graph *g, pv_value x, int n_pads, const int64_t *pads,
                       pv_pad_mode mode, float value);
PV_API pv_value pv_gather(pv_graph *g, pv_value x, pv_value indices, int axis);
PV_API pv_value pv_expand(pv_graph *g, pv_value x, int ndim,
                          const int64_t *shape);

PV_API pv_value pv_softmax(pv_graph *g, pv_value x, int axis);
PV_API pv_value pv_log_softmax(pv_graph *g, pv_value x, int axis);
/* Layer norm over the last `n_norm_dims` dims. */
PV_API pv_value pv_layer_norm(pv_graph *g, pv_value x, int n_norm_dims,
                              pv_value w, pv_value b, float eps);
PV_API pv_value pv_group_norm(pv_graph *g, pv_value x, int groups, pv_value w,
                              pv_value b, float eps);
PV_API pv_value pv_instance_norm(pv_graph *g, pv_value x, pv_value w,
                                 pv_value b, float eps);
/* Reductions over `axes` (n_axes == 0: all). */
PV_API pv_value pv_reduce(pv_graph *g, pv_op op, pv_value x, int n_axes,
                          const int *axes, int keepdims);
PV_API pv_value pv_argmax(pv_graph *g, pv_value x, int axis, int keepdims);
PV_API pv_value pv_argmin(pv_graph *g, pv_value x, int axis, int keepdims);
PV_API int pv_topk(pv_graph *g, pv_value x, int64_t k, int axis, int largest,
                   pv_value *values, pv_value *indices);
PV_API pv_value pv_where(pv_graph *g, pv_value cond, pv_value a, pv_value b);
PV_API pv_value pv_cast(pv_graph *g, pv_value x, pv_dtype to);
/* F.interpolate on NCHW to size (oh, ow). */
PV_API pv_value pv_interpolate(pv_graph *g, pv_value x, int64_t oh, int64_t ow,
                               pv_resize_mode mode, int align_corners,
                               int antialias);

/* --- passes and compilation ---------------------------------------------- */

typedef struct pv_compile_options {
  uint32_t struct_size;
  const char *device; /* NULL/"auto": policy; else a device name */
  int fallback;       /* -1: POLYVIS_FALLBACK (default on); 0 strict; 1 on */
  int precision;      /* -1: POLYVIS_PRECISION; 0 fp32; 1 fp16 storage */
  int verbose;        /* print the split report to stderr */
  int no_optimize;    /* skip folding and fusion (for tests) */
} pv_compile_options;

/* Defaults: device auto, fallback and precision from the environment. */
PV_API pv_compile_options pv_compile_options_default(void);

/* Runs the optimisation passes in place: constant folding, BatchNorm folding
 * into conv/linear, activation fusion, dead-node removal. Compile runs them
 * too; exposed for tests and tools. */
PV_API int pv_graph_optimize(pv_graph *g);

/* Compiles a graph for a device: optimises a copy of it, assigns each node to
 * the device or (when the device lacks the op) to the CPU, inserts copies, and
 * compiles each partition in its plugin. The graph may be freed afterwards. */
PV_API pv_compiled *pv_graph_compile(const pv_graph *g,
                                     const pv_compile_options *opts);
PV_API void pv_compiled_free(pv_compiled *c);

/* The main device the graph runs on. */
PV_API pv_device *pv_compiled_device(const pv_compiled *c);
/* Number of partitions for the most recent plan (1 = no split). */
PV_API int pv_compiled_num_partitions(const pv_compiled *c);
/* Writes the split report ("partition 0: vulkan:0, 42 nodes ...") to buf. */
PV_API int pv_compiled_report(const pv_compiled *c, char *buf, size_t size);
/* Peak arena bytes per device of the most recent plan (sum over devices). */
PV_API uint64_t pv_compiled_arena_bytes(const pv_compiled *c);

/* Runs the compiled graph once: inputs in graph-input order, outputs in
 * graph-output order (new references the caller releases). Thread-safe: it
 * uses an execution context per call. */
PV_API int pv_compiled_run(pv_compiled *c, int n_inputs, pv_tensor **inputs,
                           int n_outputs, pv_tensor **outputs);

/* An execution context owns the arenas for one thread of execution, so
 * several threads can run one compiled graph at once without re-allocating
 * on every run. */
PV_API pv_context *pv_context_create(pv_compiled *c);
PV_API void pv_context_free(pv_context *ctx);
PV_API int pv_context_run(pv_context *ctx, int n_inputs, pv_tensor **inputs,
                          int n_outputs, pv_tensor **outputs);

/* --- memory planning (exposed for tests and tools) ----------------------- */

/* Plans the arena of a graph for concrete input shapes on one device, as the
 * compiler does, and returns its peak size in bytes (0 on error). */
PV_API uint64_t pv_graph_plan_memory(const pv_graph *g, int n_inputs,
                                     const pv_tensor_desc *inputs);

/* Name of an op ("conv2d") or NULL if out of range. */
PV_API const char *pv_op_name(int op);
/* Op from its name, -1 if unknown. */
PV_API int pv_op_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
