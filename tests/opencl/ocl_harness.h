/*
 * Test harness for the OpenCL plugin: loads the built .so with dlopen and
 * pv_plugin_query (host table from pv__host_api()), opens device 0, and runs
 * single-node partitions. Header-only so each test is one file.
 */
#ifndef POLYVIS_TEST_OCL_HARNESS_H
#define POLYVIS_TEST_OCL_HARNESS_H

#include "internal.h"
#include "testutil.h"

#include <dlfcn.h>
#include <math.h>
#include <polyvis/plugin.h>
#include <stdint.h>

typedef struct ocl_t {
  void *so;
  const pv_plugin_desc *d;
  pv_plugin_ctx *ctx;
  pv_plugin_device *dev;
} ocl_t;

/* Loads and initialises the plugin. Returns 0, or 1 on failure. */
static inline int ocl_load(ocl_t *t) {
  memset(t, 0, sizeof *t);
  t->so = dlopen(PV_OCL_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (!t->so) {
    fprintf(stderr, "dlopen %s: %s\n", PV_OCL_PLUGIN_PATH, dlerror());
    return 1;
  }
  pv_plugin_query_fn q;
  *(void **)&q = dlsym(t->so, PV_PLUGIN_QUERY_SYMBOL);
  if (!q)
    return 1;
  t->d = q(PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR, pv__host_api());
  if (!t->d || t->d->abi_major != PV_PLUGIN_ABI_MAJOR)
    return 1;
  return t->d->init(pv__host_api(), &t->ctx) != 0;
}

static inline void ocl_unload(ocl_t *t) {
  if (t->dev)
    t->d->device_close(t->dev);
  if (t->ctx)
    t->d->shutdown(t->ctx);
  if (t->so)
    dlclose(t->so);
  memset(t, 0, sizeof *t);
}

/* Loads the plugin and opens device 0; returns 77 (skip) with a message when
 * there is no OpenCL device, 1 on failure, 0 when ready. */
static inline int ocl_open(ocl_t *t) {
  if (ocl_load(t))
    return 1;
  if (t->d->device_count(t->ctx) == 0) {
    printf("skip: no OpenCL device (install pocl-opencl-icd)\n");
    ocl_unload(t);
    return PV_TEST_SKIP;
  }
  pv_device_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  return t->d->device_open(t->ctx, 0, &o, &t->dev) != 0;
}

static inline pv_tensor_desc ocl_desc(int dtype, int ndim,
                                      const int64_t *shape) {
  pv_tensor_desc d;
  memset(&d, 0, sizeof d);
  d.dtype = dtype;
  d.ndim = ndim;
  for (int i = 0; i < ndim; i++)
    d.shape[i] = shape[i];
  return d;
}

/* Runs one node: inputs with their data (bit i of const_mask = input i is a
 * constant), outputs inferred with pv__infer_node and read back into
 * out_data[k] (malloc'd). Returns 0, or a nonzero status. */
static inline int ocl_run_node(ocl_t *t, int op, const pv_op_attrs *attrs,
                               int n_in, const pv_tensor_desc *in,
                               const void *const *in_data, uint32_t const_mask,
                               int n_out, pv_tensor_desc *out,
                               void **out_data) {
  int rc = pv__infer_node(op, attrs, n_in, in, n_out, out);
  if (rc) {
    fprintf(stderr, "infer: %s\n", pv_last_error());
    return rc;
  }
  pv_op_desc od;
  memset(&od, 0, sizeof od);
  od.op = op;
  od.n_inputs = n_in;
  od.n_outputs = n_out;
  memcpy(od.inputs, in, sizeof *in * (size_t)n_in);
  memcpy(od.outputs, out, sizeof *out * (size_t)n_out);
  od.const_inputs = const_mask;
  od.attrs = *attrs;
  if (!t->d->supports_op(t->dev, &od)) {
    fprintf(stderr, "opencl does not support %s\n", pv_op_name(op));
    return -5;
  }
  pv_value_desc vals[PV_MAX_INPUTS + PV_MAX_OUTPUTS];
  memset(vals, 0, sizeof vals);
  pv_node_desc node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.n_inputs = n_in;
  node.n_outputs = n_out;
  node.attrs = *attrs;
  uint64_t off = 0;
  int nv = 0;
  for (int i = 0; i < n_in + n_out; i++) {
    pv_value_desc *v = &vals[nv];
    v->desc = i < n_in ? in[i] : out[i - n_in];
    v->nbytes = pv__desc_nbytes(&v->desc);
    if (i < n_in && (const_mask >> i & 1)) {
      v->kind = PV_VALUE_CONST;
      v->data = in_data[i];
    } else {
      v->kind = PV_VALUE_ARENA;
      v->offset = off;
      off += PV__ALIGN_UP(v->nbytes ? v->nbytes : 1, 256);
    }
    if (i < n_in)
      node.inputs[i] = nv;
    else
      node.outputs[i - n_in] = nv;
    nv++;
  }
  pv_partition_desc pd;
  memset(&pd, 0, sizeof pd);
  pd.struct_size = sizeof pd;
  pd.n_nodes = 1;
  pd.nodes = &node;
  pd.n_values = nv;
  pd.values = vals;
  pd.arena_size = off;
  pv_plugin_partition *part = NULL;
  pv_plugin_buffer *arena = NULL;
  rc = t->d->partition_compile(t->dev, &pd, &part);
  if (rc) {
    fprintf(stderr, "compile: %s\n", pv_last_error());
    return rc;
  }
  rc = t->d->buffer_alloc(t->dev, off ? off : 4, &arena);
  for (int i = 0; i < n_in && !rc; i++)
    if (vals[i].kind == PV_VALUE_ARENA && vals[i].nbytes)
      rc = t->d->buffer_write(t->dev, arena, vals[i].offset, in_data[i],
                              vals[i].nbytes);
  if (!rc)
    rc = t->d->partition_execute(t->dev, part, arena);
  if (rc)
    fprintf(stderr, "execute: %s\n", pv_last_error());
  for (int k = 0; k < n_out; k++) {
    const pv_value_desc *v = &vals[n_in + k];
    out_data[k] = malloc(v->nbytes ? v->nbytes : 1);
    if (!rc && v->nbytes)
      rc = t->d->buffer_read(t->dev, arena, v->offset, out_data[k], v->nbytes);
  }
  if (arena)
    t->d->buffer_free(t->dev, arena);
  t->d->partition_release(t->dev, part);
  return rc;
}

/* max|got - want| / max(max|want|, 1e-30); NaNs must match positions. */
static inline double ocl_rel_err(const float *got, const float *want,
                                 int64_t n) {
  double md = 0, mw = 0;
  for (int64_t i = 0; i < n; i++) {
    if (isnan(want[i]) || isnan(got[i])) {
      if (isnan(want[i]) != isnan(got[i]))
        return INFINITY;
      continue;
    }
    double d = fabs((double)got[i] - want[i]);
    md = d > md ? d : md;
    mw = fabs(want[i]) > mw ? fabs(want[i]) : mw;
  }
  return md / (mw > 1e-30 ? mw : 1e-30);
}

/* A deterministic pseudo-random fill in [-1, 1). */
static inline void ocl_fill(float *p, int64_t n, uint32_t seed) {
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
}

#endif
