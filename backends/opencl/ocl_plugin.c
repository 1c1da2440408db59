/*
 * The OpenCL backend: the plugin descriptor, devices (one context and one
 * in-order queue each), buffers (one cl_mem each; an arena is one buffer and
 * tensors in it are passed to kernels as buffer + element offset), and
 * partitions compiled into a list of kernel launches.
 *
 * Thread safety: partition_execute may run concurrently on several arenas.
 * Arena buffers are the only kernel arguments that change between runs; a
 * per-partition mutex covers setting them and enqueueing (OpenCL captures
 * argument values at enqueue time), and the wait for completion happens
 * outside the lock on the run's own event.
 */
#include "ocl_backend.h"

#include "../common/hw_probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const pv_host_api *pv__ocl_host;

int pv__ocl_error(int status, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pv__ocl_host ? pv__ocl_host->set_error(status, msg) : status;
}

void pv__ocl_log(int level, const char *fmt, ...) {
  if (!pv__ocl_host || !pv__ocl_host->log)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pv__ocl_host->log(level, msg);
}

/* ---- context and devices ------------------------------------------------ */

static int ocl_init(const pv_host_api *host, pv_plugin_ctx **out) {
  pv__ocl_host = host;
  pv_plugin_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
  ctx->host = host;
  int rc = pv__ocl_load(ctx);
  if (rc) {
    pv__ocl_unload(ctx);
    free(ctx);
    return rc;
  }
  *out = ctx;
  return 0;
}

static void ocl_shutdown(pv_plugin_ctx *ctx) {
  if (!ctx)
    return;
  pv__ocl_write_stats(ctx);
  pv__ocl_unload(ctx);
  free(ctx);
}

static int ocl_device_count(pv_plugin_ctx *ctx) { return ctx ? ctx->n_dev : 0; }

static int check_index(pv_plugin_ctx *ctx, int index) {
  if (!ctx || index < 0 || index >= ctx->n_dev)
    return pv__ocl_error(PV_ERR_RANGE, "opencl: no device %d (%d present)",
                         index, ctx ? ctx->n_dev : 0);
  return 0;
}

static int ocl_device_get_info(pv_plugin_ctx *ctx, int index,
                               pv_device_info *info) {
  int rc = check_index(ctx, index);
  if (rc)
    return rc;
  uint32_t ss = info->struct_size ? info->struct_size : sizeof *info;
  if (ss > sizeof *info)
    ss = sizeof *info;
  memcpy(info, &ctx->devs[index].info, ss);
  info->struct_size = ss;
  return 0;
}

static int ocl_device_describe(pv_plugin_ctx *ctx, int index, char *buf,
                               size_t size) {
  int rc = check_index(ctx, index);
  if (rc)
    return rc;
  const pv_ocl_devinfo *d = &ctx->devs[index];
  int nops = 0;
  for (int op = 1; op < PV_OP_COUNT; op++)
    nops += pv__ocl_op_impl(op) != NULL;
  snprintf(buf, size,
           "platform=\"%s\" (%s) device=\"%s\" %s; fp16=%s subgroups=%s "
           "max_workgroup=%zu local_mem=%lluKiB max_alloc=%lluMiB "
           "base_align=%u; precision=fp32 (fp16 kernels not built); "
           "ops=%d/%d",
           d->platform_name, d->platform_version, d->info.name, d->c_version,
           d->fp16 ? "yes" : "no", d->subgroups ? "yes" : "no", d->max_wg,
           (unsigned long long)(d->info.local_memory_bytes >> 10),
           (unsigned long long)(d->info.max_alloc_bytes >> 20), d->base_align,
           nops, PV_OP_COUNT - 1);
  return 0;
}

static void ocl_device_close(pv_plugin_device *dev) {
  if (!dev)
    return;
  pv_ocl_api *cl = &dev->ctx->cl;
  for (int i = 0; i < PV_OCL_PROG_COUNT; i++)
    if (dev->progs[i])
      cl->clReleaseProgram(dev->progs[i]);
  if (dev->q)
    cl->clReleaseCommandQueue(dev->q);
  if (dev->cx)
    cl->clReleaseContext(dev->cx);
  pthread_mutex_destroy(&dev->prog_mu);
  free(dev);
}

static int ocl_device_open(pv_plugin_ctx *ctx, int index,
                           const pv_device_options *opts,
                           pv_plugin_device **out) {
  int rc = check_index(ctx, index);
  if (rc)
    return rc;
  pv_plugin_device *dev = calloc(1, sizeof *dev);
  if (!dev)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
  dev->ctx = ctx;
  dev->di = &ctx->devs[index];
  if (opts && opts->struct_size >= sizeof(uint32_t) + sizeof(int32_t) &&
      opts->precision == 1)
    pv__ocl_log(PV_LOG_INFO,
                "opencl: fp16 precision requested on %s: compute stays fp32 "
                "(f16 tensors are still supported by elementwise ops)",
                dev->di->info.name);
  pthread_mutex_init(&dev->prog_mu, NULL);
  cl_int err;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                   (cl_context_properties)dev->di->platform, 0};
  dev->cx = ctx->cl.clCreateContext(props, 1, &dev->di->id, NULL, NULL, &err);
  if (!dev->cx || err != CL_SUCCESS) {
    dev->cx = NULL;
    ocl_device_close(dev);
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: clCreateContext on %s: %s",
                         ctx->devs[index].info.name, pv__ocl_strerror(err));
  }
  dev->q = ctx->cl.clCreateCommandQueue(dev->cx, dev->di->id, 0, &err);
  if (!dev->q || err != CL_SUCCESS) {
    dev->q = NULL;
    ocl_device_close(dev);
    return pv__ocl_error(PV_ERR_DEVICE,
                         "opencl: clCreateCommandQueue on %s: %s",
                         ctx->devs[index].info.name, pv__ocl_strerror(err));
  }
  *out = dev;
  return 0;
}

/* ---- buffers ------------------------------------------------------------ */

static int ocl_buffer_alloc(pv_plugin_device *dev, uint64_t size,
                            pv_plugin_buffer **out) {
  if (size > dev->di->info.max_alloc_bytes && dev->di->info.max_alloc_bytes)
    return pv__ocl_error(PV_ERR_NOMEM,
                         "opencl: buffer of %llu bytes exceeds the device's "
                         "max allocation (%llu)",
                         (unsigned long long)size,
                         (unsigned long long)dev->di->info.max_alloc_bytes);
  pv_plugin_buffer *b = calloc(1, sizeof *b);
  if (!b)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
  cl_int err;
  b->mem = dev->ctx->cl.clCreateBuffer(dev->cx, CL_MEM_READ_WRITE,
                                       size ? size : 4, NULL, &err);
  if (!b->mem || err != CL_SUCCESS) {
    free(b);
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: clCreateBuffer(%llu bytes): %s",
                         (unsigned long long)size, pv__ocl_strerror(err));
  }
  b->size = size;
  *out = b;
  return 0;
}

static void ocl_buffer_free(pv_plugin_device *dev, pv_plugin_buffer *b) {
  if (!b)
    return;
  dev->ctx->cl.clReleaseMemObject(b->mem);
  free(b);
}

static int ocl_buffer_write(pv_plugin_device *dev, pv_plugin_buffer *b,
                            uint64_t off, const void *src, uint64_t size) {
  if (off > b->size || size > b->size - off)
    return pv__ocl_error(PV_ERR_RANGE, "opencl: buffer write out of range");
  if (!size)
    return 0;
  cl_int err = dev->ctx->cl.clEnqueueWriteBuffer(
      dev->q, b->mem, CL_TRUE, (size_t)off, (size_t)size, src, 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: clEnqueueWriteBuffer: %s",
                         pv__ocl_strerror(err));
  return 0;
}

static int ocl_buffer_read(pv_plugin_device *dev, pv_plugin_buffer *b,
                           uint64_t off, void *dst, uint64_t size) {
  if (off > b->size || size > b->size - off)
    return pv__ocl_error(PV_ERR_RANGE, "opencl: buffer read out of range");
  if (!size)
    return 0;
  cl_int err = dev->ctx->cl.clEnqueueReadBuffer(
      dev->q, b->mem, CL_TRUE, (size_t)off, (size_t)size, dst, 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: clEnqueueReadBuffer: %s",
                         pv__ocl_strerror(err));
  return 0;
}

static int ocl_synchronize(pv_plugin_device *dev) {
  cl_int err = dev->ctx->cl.clFinish(dev->q);
  return err == CL_SUCCESS
             ? 0
             : pv__ocl_error(PV_ERR_DEVICE, "opencl: clFinish: %s",
                             pv__ocl_strerror(err));
}

/* ---- ops ---------------------------------------------------------------- */

static int ocl_supports_op(pv_plugin_device *dev, const pv_op_desc *op) {
  if (!op || op->op <= 0 || op->op >= PV_OP_COUNT)
    return 0;
  const pv_ocl_op_impl *impl = pv__ocl_op_impl(op->op);
  if (!impl || !impl->supports)
    return 0;
  /* Kernels index with int: every tensor must have < 2^31 elements. */
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].ndim > PV_MAX_DIMS ||
        (op->inputs[i].ndim >= 0 && pv__ocl_numel(&op->inputs[i]) > 0x7fffffff))
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    if (op->outputs[i].ndim < 0 || op->outputs[i].ndim > PV_MAX_DIMS ||
        pv__ocl_numel(&op->outputs[i]) > 0x7fffffff)
      return 0;
  for (int i = 0; i < op->n_outputs; i++)
    for (int d = 0; d < op->outputs[i].ndim; d++)
      if (op->outputs[i].shape[d] < 0 || op->outputs[i].shape[d] > 0x7fffffff)
        return 0;
  return impl->supports(dev, op);
}

/* ---- partitions --------------------------------------------------------- */

typedef struct ocl_partition {
  pthread_mutex_t mu;
  uint64_t arena_size;
  int n_launch;
  pv_ocl_launch *launches;
  int n_owned;
  cl_mem *owned;
} ocl_partition;

static void release_launches(pv_plugin_device *dev, pv_ocl_launch *l, int n) {
  for (int i = 0; i < n; i++)
    if (l[i].k)
      dev->ctx->cl.clReleaseKernel(l[i].k);
}

static void release_mems(pv_plugin_device *dev, cl_mem *m, int n) {
  for (int i = 0; i < n; i++)
    if (m[i])
      dev->ctx->cl.clReleaseMemObject(m[i]);
}

static void ocl_partition_release(pv_plugin_device *dev,
                                  pv_plugin_partition *part) {
  ocl_partition *p = (ocl_partition *)part;
  if (!p)
    return;
  release_launches(dev, p->launches, p->n_launch);
  release_mems(dev, p->owned, p->n_owned);
  free(p->launches);
  free(p->owned);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

static int ocl_partition_compile(pv_plugin_device *dev,
                                 const pv_partition_desc *pd,
                                 pv_plugin_partition **out) {
  pv_ocl_node_ctx nc;
  memset(&nc, 0, sizeof nc);
  nc.dev = dev;
  nc.values = pd->values;
  int rc = 0;
  nc.const_mem =
      calloc((size_t)(pd->n_values > 0 ? pd->n_values : 1), sizeof(cl_mem));
  ocl_partition *p = calloc(1, sizeof *p);
  if (!nc.const_mem || !p) {
    rc = pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    goto fail;
  }
  for (int i = 0; i < pd->n_nodes && !rc; i++) {
    const pv_node_desc *n = &pd->nodes[i];
    nc.node = n;
    for (int k = 0; k < n->n_inputs + n->n_outputs; k++) {
      int v = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (v < -1 || v >= pd->n_values || (v < 0 && k >= n->n_inputs)) {
        rc = pv__ocl_error(PV_ERR_INVALID_ARG,
                           "opencl: node %d refers to value %d of %d", i, v,
                           pd->n_values);
        goto fail;
      }
    }
    const pv_ocl_op_impl *impl = pv__ocl_op_impl(n->op);
    if (!impl) {
      rc = pv__ocl_error(PV_ERR_UNSUPPORTED, "opencl: op %s has no kernel",
                         pv__ocl_host->op_name(n->op));
      goto fail;
    }
    rc = impl->build(&nc);
  }
  if (rc)
    goto fail;
  pthread_mutex_init(&p->mu, NULL);
  p->arena_size = pd->arena_size;
  p->launches = nc.launches;
  p->n_launch = nc.n_launch;
  p->owned = nc.owned;
  p->n_owned = nc.n_owned;
  /* Constants uploaded for direct use are owned by the partition too. */
  for (int v = 0; v < pd->n_values; v++) {
    if (!nc.const_mem[v])
      continue;
    cl_mem *grown =
        realloc(p->owned, sizeof(cl_mem) * (size_t)(p->n_owned + 1));
    if (!grown) {
      dev->ctx->cl.clReleaseMemObject(nc.const_mem[v]);
      continue; /* kernels retain it; only the owner list failed */
    }
    p->owned = grown;
    p->owned[p->n_owned++] = nc.const_mem[v];
  }
  free(nc.const_mem);
  *out = (pv_plugin_partition *)p;
  return 0;
fail:
  release_launches(dev, nc.launches, nc.n_launch);
  release_mems(dev, nc.owned, nc.n_owned);
  if (nc.const_mem)
    release_mems(dev, nc.const_mem, pd->n_values);
  free(nc.launches);
  free(nc.owned);
  free(nc.const_mem);
  free(p);
  return rc;
}

static int ocl_partition_execute(pv_plugin_device *dev,
                                 pv_plugin_partition *part,
                                 pv_plugin_buffer *arena) {
  ocl_partition *p = (ocl_partition *)part;
  pv_ocl_api *cl = &dev->ctx->cl;
  if (p->arena_size && (!arena || arena->size < p->arena_size))
    return pv__ocl_error(PV_ERR_INVALID_ARG,
                         "opencl: arena of %llu bytes, partition needs %llu",
                         arena ? (unsigned long long)arena->size : 0ull,
                         (unsigned long long)p->arena_size);
  cl_event last = NULL;
  cl_int err = CL_SUCCESS;
  pthread_mutex_lock(&p->mu);
  for (int i = 0; i < p->n_launch && err == CL_SUCCESS; i++) {
    pv_ocl_launch *l = &p->launches[i];
    if (l->n_arena && !arena) {
      pthread_mutex_unlock(&p->mu);
      return pv__ocl_error(PV_ERR_INVALID_ARG,
                           "opencl: partition needs an arena");
    }
    for (int a = 0; a < l->n_arena && err == CL_SUCCESS; a++)
      err = cl->clSetKernelArg(l->k, (cl_uint)l->arena_args[a], sizeof(cl_mem),
                               &arena->mem);
    if (err != CL_SUCCESS)
      break;
    int empty = 0;
    for (cl_uint d = 0; d < l->dims; d++)
      empty |= l->gws[d] == 0;
    if (empty)
      continue;
    if (last) {
      cl->clReleaseEvent(last);
      last = NULL;
    }
    err = cl->clEnqueueNDRangeKernel(dev->q, l->k, l->dims, NULL, l->gws,
                                     l->use_lws ? l->lws : NULL, 0, NULL,
                                     i == p->n_launch - 1 ? &last : NULL);
  }
  pthread_mutex_unlock(&p->mu);
  if (err != CL_SUCCESS) {
    if (last)
      cl->clReleaseEvent(last);
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: launching a kernel: %s",
                         pv__ocl_strerror(err));
  }
  /* The queue is in order: the last launch completing means all did. */
  if (last) {
    err = cl->clWaitForEvents(1, &last);
    cl->clReleaseEvent(last);
  } else {
    err = cl->clFinish(dev->q);
  }
  if (err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: waiting for kernels: %s",
                         pv__ocl_strerror(err));
  return 0;
}

/* ---- helpers for op builders --------------------------------------------- */

const pv_value_desc *pv__ocl_in(const pv_ocl_node_ctx *nc, int k) {
  int v = k < nc->node->n_inputs ? nc->node->inputs[k] : -1;
  return v >= 0 ? &nc->values[v] : NULL;
}

const pv_value_desc *pv__ocl_out(const pv_ocl_node_ctx *nc, int k) {
  return &nc->values[nc->node->outputs[k]];
}

const void *pv__ocl_const_data(const pv_ocl_node_ctx *nc, int v) {
  return v >= 0 && nc->values[v].kind == PV_VALUE_CONST ? nc->values[v].data
                                                        : NULL;
}

int pv__ocl_launch_new(pv_ocl_node_ctx *nc, pv_ocl_prog prog, const char *name,
                       pv_ocl_launch **out) {
  if (nc->n_launch == nc->cap_launch) {
    int cap = nc->cap_launch ? nc->cap_launch * 2 : 8;
    pv_ocl_launch *g = realloc(nc->launches, sizeof *g * (size_t)cap);
    if (!g)
      return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    nc->launches = g;
    nc->cap_launch = cap;
  }
  pv_ocl_launch *l = &nc->launches[nc->n_launch];
  memset(l, 0, sizeof *l);
  int rc = pv__ocl_kernel(nc->dev, prog, name, &l->k);
  if (rc)
    return rc;
  nc->n_launch++;
  *out = l;
  return 0;
}

#define SETARG(nc, l, ai, size, ptr)                                           \
  (nc)->dev->ctx->cl.clSetKernelArg((l)->k, (cl_uint)(ai), (size), (ptr))

static int arg_err(const pv_ocl_node_ctx *nc, cl_int err, int ai) {
  return err == CL_SUCCESS ? 0
                           : pv__ocl_error(PV_ERR_DEVICE,
                                           "opencl: %s: clSetKernelArg(%d): %s",
                                           pv__ocl_host->op_name(nc->node->op),
                                           ai, pv__ocl_strerror(err));
}

int pv__ocl_upload(pv_ocl_node_ctx *nc, const void *data, size_t size,
                   cl_mem *out) {
  if (nc->n_owned == nc->cap_owned) {
    int cap = nc->cap_owned ? nc->cap_owned * 2 : 8;
    cl_mem *g = realloc(nc->owned, sizeof *g * (size_t)cap);
    if (!g)
      return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    nc->owned = g;
    nc->cap_owned = cap;
  }
  static const uint32_t zero[2];
  cl_int err;
  cl_mem m = nc->dev->ctx->cl.clCreateBuffer(
      nc->dev->cx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, size ? size : 4,
      (void *)(size ? data : (const void *)zero), &err);
  if (!m || err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: uploading %zu bytes: %s", size,
                         pv__ocl_strerror(err));
  nc->owned[nc->n_owned++] = m;
  *out = m;
  return 0;
}

int pv__ocl_arg_data(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai,
                     const void *data, size_t size) {
  cl_mem m;
  int rc = pv__ocl_upload(nc, data, size, &m);
  if (rc)
    return rc;
  return arg_err(nc, SETARG(nc, l, ai, sizeof m, &m), ai);
}

int pv__ocl_arg_mem(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, cl_mem m) {
  return arg_err(nc, SETARG(nc, l, ai, sizeof m, &m), ai);
}

int pv__ocl_arg_int(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int v) {
  cl_int x = v;
  return arg_err(nc, SETARG(nc, l, ai, sizeof x, &x), ai);
}

int pv__ocl_arg_float(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, float v) {
  cl_float x = v;
  return arg_err(nc, SETARG(nc, l, ai, sizeof x, &x), ai);
}

int pv__ocl_arg_long(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int64_t v) {
  cl_long x = v;
  return arg_err(nc, SETARG(nc, l, ai, sizeof x, &x), ai);
}

int pv__ocl_arg_local(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai,
                      size_t size) {
  return arg_err(nc, SETARG(nc, l, ai, size, NULL), ai);
}

int pv__ocl_arg_tensor(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int v) {
  const pv_value_desc *vd = &nc->values[v];
  size_t es = pv__ocl_host->dtype_size(vd->desc.dtype);
  if (!es)
    return pv__ocl_error(PV_ERR_DTYPE, "opencl: value %d has dtype %d", v,
                         vd->desc.dtype);
  if (vd->kind == PV_VALUE_CONST) {
    if (!nc->const_mem[v]) {
      static const uint32_t zero[2];
      cl_int err;
      size_t n = (size_t)vd->nbytes;
      nc->const_mem[v] = nc->dev->ctx->cl.clCreateBuffer(
          nc->dev->cx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, n ? n : 4,
          (void *)(n && vd->data ? vd->data : (const void *)zero), &err);
      if (!nc->const_mem[v] || err != CL_SUCCESS) {
        nc->const_mem[v] = NULL;
        return pv__ocl_error(PV_ERR_NOMEM,
                             "opencl: uploading constant %d (%zu bytes): %s", v,
                             n, pv__ocl_strerror(err));
      }
    }
    int rc =
        arg_err(nc, SETARG(nc, l, ai, sizeof(cl_mem), &nc->const_mem[v]), ai);
    return rc ? rc : pv__ocl_arg_long(nc, l, ai + 1, 0);
  }
  if (vd->offset % es)
    return pv__ocl_error(PV_ERR_INVALID_ARG,
                         "opencl: value %d at arena offset %llu is not aligned "
                         "to its %zu-byte elements",
                         v, (unsigned long long)vd->offset, es);
  if (l->n_arena >= (int)(sizeof l->arena_args / sizeof l->arena_args[0]))
    return pv__ocl_error(PV_ERR_INTERNAL, "opencl: too many arena arguments");
  l->arena_args[l->n_arena++] = ai;
  return pv__ocl_arg_long(nc, l, ai + 1, (int64_t)(vd->offset / es));
}

int pv__ocl_kernel_fits(pv_ocl_node_ctx *nc, cl_kernel k, size_t need) {
  size_t wg = 0;
  if (nc->dev->ctx->cl.clGetKernelWorkGroupInfo(
          k, nc->dev->di->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
          NULL) != CL_SUCCESS)
    return 1; /* unknown: trust the device limit checked before */
  return wg >= need;
}

void pv__ocl_range1(pv_ocl_launch *l, int64_t n) {
  l->dims = 1;
  l->lws[0] = 64;
  l->gws[0] = n <= 0 ? 0 : (size_t)((n + 63) / 64 * 64);
  l->use_lws = 1;
}

/* ---- descriptor ---------------------------------------------------------- */

/* Driver selections in the environment count as "maybe" (hw_probe.h). */
static int ocl_hardware_probe(void) {
  static const char *const env[] = {"OCL_ICD_VENDORS", "OCL_ICD_FILENAMES",
                                    "OPENCL_VENDOR_PATH", NULL};
  return pv__hw_probe(env);
}

static const pv_plugin_desc g_desc = {
    .struct_size = sizeof(pv_plugin_desc),
    .abi_major = PV_PLUGIN_ABI_MAJOR,
    .abi_minor = PV_PLUGIN_ABI_MINOR,
    .name = "opencl",
    .version = "0.1.0",
    .features = 0,
    .init = ocl_init,
    .shutdown = ocl_shutdown,
    .device_count = ocl_device_count,
    .device_get_info = ocl_device_get_info,
    .device_open = ocl_device_open,
    .device_close = ocl_device_close,
    .buffer_alloc = ocl_buffer_alloc,
    .buffer_free = ocl_buffer_free,
    .buffer_write = ocl_buffer_write,
    .buffer_read = ocl_buffer_read,
    .buffer_host_ptr = NULL,
    .supports_op = ocl_supports_op,
    .partition_compile = ocl_partition_compile,
    .partition_execute = ocl_partition_execute,
    .partition_release = ocl_partition_release,
    .synchronize = ocl_synchronize,
    .device_describe = ocl_device_describe,
    .hardware_probe = ocl_hardware_probe,
};

PV_PLUGIN_EXPORT const pv_plugin_desc *
pv_plugin_query(uint32_t major, uint32_t minor, const pv_host_api *host) {
  (void)major;
  (void)minor;
  (void)host;
  return &g_desc;
}
