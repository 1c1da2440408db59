/* One-node partitions on the CPU plugin (see cpu_node.h). */
#include "cpu_node.h"
#include "testutil.h"

const pv_plugin_desc *P;
pv_plugin_ctx *CTX;
pv_plugin_device *DEV;

int cpu_node_open(void) {
  P = pv__cpu_plugin_query(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR,
                           pv__host_api());
  CHECK(P != NULL);
  if (!P)
    return PV_ERR_PLUGIN;
  CHECK_EQ_INT(P->abi_major, PV_PLUGIN_ABI_MAJOR);
  int rc = P->init(pv__host_api(), &CTX);
  CHECK_EQ_INT(rc, 0);
  if (rc)
    return rc;
  CHECK_EQ_INT(P->device_count(CTX), 1);
  pv_device_options opts = {sizeof opts, 0, {0}};
  rc = P->device_open(CTX, 0, &opts, &DEV);
  CHECK_EQ_INT(rc, 0);
  return rc;
}

void cpu_node_close(void) {
  if (DEV)
    P->device_close(DEV);
  if (CTX)
    P->shutdown(CTX);
}

size_t desc_bytes(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return (size_t)n * pv_dtype_size((pv_dtype)d->dtype);
}

int run_node(node_run *r, int *supported) {
  pv_value_desc vals[PV_MAX_INPUTS + PV_MAX_OUTPUTS];
  pv_node_desc node;
  pv_op_desc od;
  memset(vals, 0, sizeof vals);
  memset(&node, 0, sizeof node);
  memset(&od, 0, sizeof od);
  node.op = od.op = r->op;
  node.n_inputs = od.n_inputs = r->n_in;
  node.n_outputs = od.n_outputs = r->n_out;
  node.attrs = od.attrs = r->attrs;
  od.const_inputs = r->const_mask;
  uint64_t off = 0;
  int nv = 0;
  for (int i = 0; i < r->n_in; i++) {
    od.inputs[i] = r->in[i];
    if (!r->in_data[i]) {
      node.inputs[i] = -1;
      od.inputs[i].ndim = -1;
      continue;
    }
    pv_value_desc *v = &vals[nv];
    v->desc = r->in[i];
    v->nbytes = desc_bytes(&r->in[i]);
    if (r->const_mask & (1u << i)) {
      v->kind = PV_VALUE_CONST;
      v->data = r->in_data[i];
    } else {
      v->kind = PV_VALUE_ARENA;
      v->offset = off;
      off = PV__ALIGN_UP(off + v->nbytes, 64);
    }
    node.inputs[i] = nv++;
  }
  for (int i = 0; i < r->n_out; i++) {
    od.outputs[i] = r->out[i];
    pv_value_desc *v = &vals[nv];
    v->desc = r->out[i];
    v->nbytes = desc_bytes(&r->out[i]);
    v->kind = PV_VALUE_ARENA;
    v->offset = off;
    off = PV__ALIGN_UP(off + v->nbytes, 64);
    node.outputs[i] = nv++;
  }
  *supported = P->supports_op(DEV, &od);
  if (!*supported)
    return PV_ERR_UNSUPPORTED;
  pv_partition_desc pd = {sizeof pd, 1, &node, nv, vals, off, NULL, NULL};
  pv_plugin_partition *part = NULL;
  int rc = P->partition_compile(DEV, &pd, &part);
  if (rc)
    return rc;
  pv_plugin_buffer *arena = NULL;
  rc = P->buffer_alloc(DEV, off ? off : 1, &arena);
  if (rc) {
    P->partition_release(DEV, part);
    return rc;
  }
  char *base = P->buffer_host_ptr(DEV, arena);
  memset(base, 0xcd, off); /* poison: kernels must write every output */
  int vi = 0;
  for (int i = 0; i < r->n_in; i++) {
    if (!r->in_data[i])
      continue;
    if (vals[vi].kind == PV_VALUE_ARENA)
      memcpy(base + vals[vi].offset, r->in_data[i], vals[vi].nbytes);
    vi++;
  }
  rc = P->partition_execute(DEV, part, arena);
  if (!rc) {
    /* run twice: prepared state must be reusable */
    rc = P->partition_execute(DEV, part, arena);
  }
  for (int i = 0; i < r->n_out && !rc; i++, vi++)
    memcpy(r->out_data[i], base + vals[vi].offset, vals[vi].nbytes);
  P->buffer_free(DEV, arena);
  P->partition_release(DEV, part);
  return rc;
}
