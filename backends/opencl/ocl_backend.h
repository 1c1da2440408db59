/*
 * Internal interface of the OpenCL backend. The plugin never links against
 * libOpenCL: it dlopens the ICD loader at init and resolves every entry point
 * it uses through dlsym into the table below, so a machine without OpenCL
 * loads the plugin fine and simply reports no devices. The CL headers are used
 * for types only.
 */
#ifndef POLYVIS_OCL_BACKEND_H
#define POLYVIS_OCL_BACKEND_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <polyvis/error.h>
#include <polyvis/plugin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

/* Every OpenCL entry point the plugin calls. */
#define PV_OCL_FUNCS(X)                                                        \
  X(clGetPlatformIDs)                                                          \
  X(clGetPlatformInfo)                                                         \
  X(clGetDeviceIDs)                                                            \
  X(clGetDeviceInfo)                                                           \
  X(clCreateContext)                                                           \
  X(clReleaseContext)                                                          \
  X(clCreateCommandQueue)                                                      \
  X(clReleaseCommandQueue)                                                     \
  X(clCreateBuffer)                                                            \
  X(clReleaseMemObject)                                                        \
  X(clEnqueueWriteBuffer)                                                      \
  X(clEnqueueReadBuffer)                                                       \
  X(clCreateProgramWithSource)                                                 \
  X(clCreateProgramWithBinary)                                                 \
  X(clBuildProgram)                                                            \
  X(clGetProgramInfo)                                                          \
  X(clGetProgramBuildInfo)                                                     \
  X(clReleaseProgram)                                                          \
  X(clCreateKernel)                                                            \
  X(clReleaseKernel)                                                           \
  X(clSetKernelArg)                                                            \
  X(clGetKernelWorkGroupInfo)                                                  \
  X(clEnqueueNDRangeKernel)                                                    \
  X(clFinish)                                                                  \
  X(clFlush)                                                                   \
  X(clWaitForEvents)                                                           \
  X(clReleaseEvent)

typedef struct pv_ocl_api {
#define PV__OCL_PTR(name) __typeof__(name) *name;
  PV_OCL_FUNCS(PV__OCL_PTR)
#undef PV__OCL_PTR
} pv_ocl_api;

/* One enumerated device. */
typedef struct pv_ocl_devinfo {
  cl_platform_id platform;
  cl_device_id id;
  pv_device_info info;
  char platform_name[128];
  char platform_version[128];
  char device_version[128];
  char c_version[64];
  uint32_t base_align; /* CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes */
  int fp16, subgroups;
  size_t max_wg;
} pv_ocl_devinfo;

struct pv_plugin_ctx {
  const pv_host_api *host;
  void *lib;
  pv_ocl_api cl;
  int n_dev;
  pv_ocl_devinfo *devs;
  /* Program build statistics (see ocl_program.c). */
  atomic_int source_builds, binary_loads, cache_writes, cache_rejects;
};

/* The program families: one .cl source each under kernels/. */
typedef enum pv_ocl_prog {
  PV_OCL_PROG_ELTWISE = 0,
  PV_OCL_PROG_GEMM,
  PV_OCL_PROG_CONV,
  PV_OCL_PROG_POOL,
  PV_OCL_PROG_SOFTMAX,
  PV_OCL_PROG_NORM,
  PV_OCL_PROG_REDUCE,
  PV_OCL_PROG_LAYOUT,
  PV_OCL_PROG_RESIZE,
  PV_OCL_PROG_COUNT
} pv_ocl_prog;

struct pv_plugin_device {
  pv_plugin_ctx *ctx;
  const pv_ocl_devinfo *di;
  cl_context cx;
  cl_command_queue q;
  pthread_mutex_t prog_mu;
  cl_program progs[PV_OCL_PROG_COUNT];
};

struct pv_plugin_buffer {
  cl_mem mem;
  uint64_t size;
};

/* The host services, set at init. */
extern const pv_host_api *pv__ocl_host;

int pv__ocl_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pv__ocl_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *pv__ocl_strerror(cl_int err);

/* Loads the ICD loader and enumerates devices (ocl_loader.c). */
int pv__ocl_load(pv_plugin_ctx *ctx);
void pv__ocl_unload(pv_plugin_ctx *ctx);

/* Returns the built program of a family on a device, building it (or loading
 * it from the binary cache) on first use (ocl_program.c). */
int pv__ocl_program(pv_plugin_device *dev, pv_ocl_prog prog, cl_program *out);
/* Creates a kernel by name from a family's program. */
int pv__ocl_kernel(pv_plugin_device *dev, pv_ocl_prog prog, const char *name,
                   cl_kernel *out);
/* Writes the build statistics to $POLYVIS_OCL_STATS when set. */
void pv__ocl_write_stats(pv_plugin_ctx *ctx);
/* The 64-bit FNV-1a hash, chained. */
uint64_t pv__ocl_fnv1a(uint64_t h, const void *data, size_t n);

/* ---- partitions --------------------------------------------------------- */

#define PV_OCL_MAX_ARGS 32

/* One kernel launch of a node. Arguments that refer to the arena are
 * recorded (arg index) and set at each execution; everything else is set
 * once at compile. */
typedef struct pv_ocl_launch {
  cl_kernel k;
  cl_uint dims;
  size_t gws[3], lws[3];
  int use_lws;
  int n_arena;
  int arena_args[8];
} pv_ocl_launch;

/* A node being compiled: what the op code needs from the partition. */
typedef struct pv_ocl_node_ctx {
  pv_plugin_device *dev;
  const pv_node_desc *node;
  const pv_value_desc *values;
  cl_mem *const_mem; /* per value: uploaded constant (NULL for arena) */
  /* Extra buffers owned by the partition (params, repacked weights). */
  cl_mem *owned;
  int n_owned, cap_owned;
  pv_ocl_launch *launches;
  int n_launch, cap_launch;
} pv_ocl_node_ctx;

/* Value descriptor of input/output k (NULL for an absent optional input). */
const pv_value_desc *pv__ocl_in(const pv_ocl_node_ctx *nc, int k);
const pv_value_desc *pv__ocl_out(const pv_ocl_node_ctx *nc, int k);

/* Starts a new launch of kernel `name` from `prog`. */
int pv__ocl_launch_new(pv_ocl_node_ctx *nc, pv_ocl_prog prog, const char *name,
                       pv_ocl_launch **out);
/* Sets a tensor argument pair (buffer, element offset) at args ai, ai+1 for
 * value v (a node input or output value index). */
int pv__ocl_arg_tensor(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int v);
/* Sets a buffer argument pair (buffer, 0) to a new read-only buffer holding
 * `size` bytes of host data; the partition owns it. */
int pv__ocl_arg_data(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai,
                     const void *data, size_t size);
int pv__ocl_arg_mem(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, cl_mem m);
int pv__ocl_arg_int(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int v);
int pv__ocl_arg_float(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, float v);
int pv__ocl_arg_long(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai, int64_t v);
/* Sizes a __local buffer argument. */
int pv__ocl_arg_local(pv_ocl_node_ctx *nc, pv_ocl_launch *l, int ai,
                      size_t size);
/* Uploads a host array into a new partition-owned buffer. */
int pv__ocl_upload(pv_ocl_node_ctx *nc, const void *data, size_t size,
                   cl_mem *out);
/* Whether kernel k can run work-groups of `need` items on this device
 * (register-heavy kernels may be limited below the device maximum). */
int pv__ocl_kernel_fits(pv_ocl_node_ctx *nc, cl_kernel k, size_t need);
/* 1-D launch over n items, local size chosen by the driver. */
void pv__ocl_range1(pv_ocl_launch *l, int64_t n);
/* Host data of a constant value (NULL for an arena value). */
const void *pv__ocl_const_data(const pv_ocl_node_ctx *nc, int v);

/* One op family's host side: supports() and build() (the latter appends
 * launches to nc). */
typedef struct pv_ocl_op_impl {
  int (*supports)(const pv_plugin_device *dev, const pv_op_desc *op);
  int (*build)(pv_ocl_node_ctx *nc);
} pv_ocl_op_impl;

const pv_ocl_op_impl *pv__ocl_op_impl(int op);

static inline int64_t pv__ocl_numel(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

/* One GEMM launch: see kernels/gemm.cl. */
typedef struct pv_ocl_gemm_spec {
  int M, N, K;
  int sam, sak, sbk, sbn, scm, scn;
  float alpha, beta;
  pv_act act;
  int nbatch;
  const int *bt;          /* 4 ints per batch: a, b, y, c element offsets */
  int a_v, b_v, c_v, y_v; /* value indices; c_v -1 = none */
  cl_mem b_mem;           /* when set, replaces b_v (repacked weights) */
  cl_mem c_mem;
} pv_ocl_gemm_spec;

/* Appends a strided, batched GEMM launch (ops/gemm.c). */
int pv__ocl_add_gemm(pv_ocl_node_ctx *nc, const pv_ocl_gemm_spec *s);

/* Host-side copies of the op family tables (ops_*.c). */
extern const pv_ocl_op_impl pv__ocl_unary, pv__ocl_binary, pv__ocl_where,
    pv__ocl_cast, pv__ocl_gemm, pv__ocl_conv, pv__ocl_pool, pv__ocl_softmax,
    pv__ocl_norm, pv__ocl_reduce, pv__ocl_argmax, pv__ocl_layout,
    pv__ocl_concat, pv__ocl_pad, pv__ocl_gather, pv__ocl_resize;

#endif
