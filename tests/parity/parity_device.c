/*
 * The --device path of the parity test: each case becomes a single-node
 * graph built with the public graph API (inputs as graph inputs, so the
 * device really computes rather than the compiler folding constants),
 * compiled for the device in strict mode (fallback = 0) without
 * optimisation, and run once.
 */
#include "parity.h"

#include <stdio.h>
#include <string.h>

int parity_run_device(const char *device, const parity_case *c,
                      pv_tensor *const *in, pv_tensor *const *want,
                      pv_tensor **out) {
  pv_device *dev = pv_device_find(device);
  if (!dev)
    return pv_set_error(PV_ERR_NOT_FOUND, "no device '%s'", device);
  pv_op_desc q;
  memset(&q, 0, sizeof q);
  q.op = c->op;
  q.n_inputs = c->n_in;
  while (q.n_inputs > 0 && !in[q.n_inputs - 1])
    q.n_inputs--;
  q.n_outputs = c->n_out;
  for (int i = 0; i < q.n_inputs; i++) {
    if (in[i])
      pv_tensor_get_desc(in[i], &q.inputs[i]);
    else
      q.inputs[i].ndim = -1;
  }
  for (int i = 0; i < c->n_out; i++)
    pv_tensor_get_desc(want[i], &q.outputs[i]);
  q.attrs = c->attrs;
  if (!pv_device_supports_op(dev, &q))
    return PARITY_UNSUPPORTED;
  pv_graph *g = pv_graph_create();
  if (!g)
    return pv_set_error(PV_ERR_NOMEM, "pv_graph_create failed");
  pv_value vin[PV_MAX_INPUTS], vout[PV_MAX_OUTPUTS];
  pv_tensor *feed[PV_MAX_INPUTS];
  int n_feed = 0, rc = 0;
  for (int i = 0; i < c->n_in; i++) {
    if (!in[i]) {
      vin[i] = PV_NO_VALUE;
      continue;
    }
    char name[32];
    snprintf(name, sizeof name, "in%d", i);
    vin[i] = pv_graph_input(g, name, pv_tensor_dtype(in[i]),
                            pv_tensor_ndim(in[i]), pv_tensor_shape(in[i]));
    feed[n_feed++] = in[i];
  }
  int n_in = c->n_in;
  while (n_in > 0 && vin[n_in - 1] == PV_NO_VALUE) /* trailing absent */
    n_in--;
  pv_graph_node(g, (pv_op)c->op, n_in, vin, &c->attrs, vout);
  for (int i = 0; i < c->n_out; i++) {
    char name[32];
    snprintf(name, sizeof name, "out%d", i);
    pv_graph_output(g, name, vout[i]);
  }
  rc = pv_graph_status(g);
  if (rc) {
    pv_set_error(rc, "building the graph: %s", pv_graph_error(g));
    pv_graph_free(g);
    return rc;
  }
  pv_compile_options opts = pv_compile_options_default();
  opts.device = device;
  opts.fallback = 0;
  opts.precision = -1; /* the device's own (POLYVIS_PRECISION) */
  opts.no_optimize = 1;
  pv_compiled *cg = pv_graph_compile(g, &opts);
  pv_graph_free(g);
  if (!cg)
    return pv_last_status() ? pv_last_status() : PV_ERR_DEVICE;
  rc = pv_compiled_run(cg, n_feed, feed, c->n_out, out);
  pv_compiled_free(cg);
  return rc;
}
