/* libFuzzer harness for the ONNX loader: parses the input as a model,
 * materialises every initializer, imports it into a graph, and also decodes
 * it as a standalone TensorProto. Until the graph runtime is in the tree the
 * import runs against the recording mock builder of tests/onnx, which still
 * exercises the whole importer and the real shape inference. */
#include <polyvis/onnx.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__has_include)
#if !__has_include("../../core/graph/graph.c")
#include "../onnx/mock_graph.c"
#endif
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_onnx_model *m = pv_onnx_model_parse(data, size, NULL);
  if (m) {
    for (int i = 0; i < pv_onnx_model_num_initializers(m); i++)
      pv_tensor_release(pv_onnx_initializer_tensor(m, i));
    pv_graph *g = NULL;
    if (pv_onnx_import_model(m, NULL, &g, NULL) == 0)
      pv_graph_free(g);
    /* and with every dynamic dim pinned to 1 */
    pv_onnx_options o = pv_onnx_options_default();
    o.dynamic_dims_to_one = 1;
    if (pv_onnx_import_model(m, &o, &g, NULL) == 0)
      pv_graph_free(g);
    pv_onnx_model_free(m);
  }
  pv_tensor_release(pv_onnx_decode_tensor_pb(data, size));
  return 0;
}
