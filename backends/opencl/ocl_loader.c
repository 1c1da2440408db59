/*
 * Loading the OpenCL ICD loader with dlopen and enumerating every platform's
 * devices. A missing loader, no platform (CL_PLATFORM_NOT_FOUND_KHR) or no
 * device is not an error: the plugin then reports 0 devices.
 */
#include "ocl_backend.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

static void dev_str(pv_plugin_ctx *ctx, cl_device_id d, cl_device_info what,
                    char *buf, size_t size) {
  buf[0] = 0;
  if (ctx->cl.clGetDeviceInfo(d, what, size, buf, NULL) != CL_SUCCESS)
    buf[0] = 0;
  buf[size - 1] = 0;
}

static int has_ext(const char *exts, const char *name) {
  size_t n = strlen(name);
  for (const char *p = exts; p && (p = strstr(p, name)); p += n)
    if ((p == exts || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
      return 1;
  return 0;
}

static void fill_device(pv_plugin_ctx *ctx, cl_platform_id plat, cl_device_id d,
                        pv_ocl_devinfo *e) {
  pv_ocl_api *cl = &ctx->cl;
  memset(e, 0, sizeof *e);
  e->platform = plat;
  e->id = d;
  pv_device_info *in = &e->info;
  in->struct_size = sizeof *in;
  dev_str(ctx, d, CL_DEVICE_NAME, in->name, sizeof in->name);
  dev_str(ctx, d, CL_DEVICE_VENDOR, in->vendor, sizeof in->vendor);
  dev_str(ctx, d, CL_DRIVER_VERSION, in->driver, sizeof in->driver);
  dev_str(ctx, d, CL_DEVICE_VERSION, e->device_version,
          sizeof e->device_version);
  dev_str(ctx, d, CL_DEVICE_OPENCL_C_VERSION, e->c_version,
          sizeof e->c_version);
  cl->clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof e->platform_name,
                        e->platform_name, NULL);
  cl->clGetPlatformInfo(plat, CL_PLATFORM_VERSION, sizeof e->platform_version,
                        e->platform_version, NULL);
  e->platform_name[sizeof e->platform_name - 1] = 0;
  e->platform_version[sizeof e->platform_version - 1] = 0;

  cl_device_type type = 0;
  cl_bool unified = CL_FALSE;
  cl_uint vid = 0, align_bits = 0;
  cl_ulong gmem = 0, maxalloc = 0, lmem = 0;
  size_t maxwg = 0;
  cl->clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified,
                      &unified, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_VENDOR_ID, sizeof vid, &vid, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof maxalloc,
                      &maxalloc, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof maxwg, &maxwg,
                      NULL);
  cl->clGetDeviceInfo(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                      &align_bits, NULL);
  size_t ext_len = 0;
  char *exts = NULL;
  if (cl->clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_len) ==
          CL_SUCCESS &&
      ext_len > 0 && (exts = calloc(1, ext_len + 1)) != NULL)
    cl->clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, ext_len, exts, NULL);

  if (type & CL_DEVICE_TYPE_GPU) {
    in->type = unified ? PV_DEVICE_IGPU : PV_DEVICE_DGPU;
    in->score = unified ? 50 : 100;
  } else if (type & CL_DEVICE_TYPE_ACCELERATOR) {
    in->type = PV_DEVICE_ACCEL;
    in->score = 40;
  } else if (type & CL_DEVICE_TYPE_CPU) {
    in->type = PV_DEVICE_CPU;
    in->caps |= PV_CAP_SOFTWARE;
    in->score = 0;
  } else {
    in->type = PV_DEVICE_OTHER;
    in->score = 10;
  }
  e->fp16 = has_ext(exts, "cl_khr_fp16");
  e->subgroups =
      has_ext(exts, "cl_khr_subgroups") || has_ext(exts, "cl_intel_subgroups");
  if (e->fp16)
    in->caps |= PV_CAP_FP16 | PV_CAP_FP16_MATH;
  if (e->subgroups)
    in->caps |= PV_CAP_SUBGROUPS;
  in->caps |= PV_CAP_INT8;
  in->vendor_id = vid;
  in->memory_bytes = gmem;
  in->max_alloc_bytes = maxalloc;
  in->local_memory_bytes = lmem;
  in->max_workgroup_size = (int32_t)(maxwg > 0x7fffffff ? 0x7fffffff : maxwg);
  e->max_wg = maxwg;
  e->base_align = align_bits >= 8 ? align_bits / 8 : 128;
  free(exts);
}

int pv__ocl_load(pv_plugin_ctx *ctx) {
  const char *path = ctx->host->get_option("POLYVIS_OCL_LOADER");
  if (!path || !*path)
    path = "libOpenCL.so.1";
  /* RTLD_NODELETE: ICD loaders and vendor drivers keep global state and do
   * not support being unloaded and reloaded within a process. */
  ctx->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!ctx->lib) {
    pv__ocl_log(PV_LOG_INFO, "opencl: no ICD loader (%s): 0 devices", path);
    return 0;
  }
#define PV__OCL_SYM(name)                                                      \
  *(void **)&ctx->cl.name = dlsym(ctx->lib, #name);                            \
  if (!ctx->cl.name) {                                                         \
    pv__ocl_log(PV_LOG_WARN, "opencl: %s lacks %s: 0 devices", path, #name);   \
    dlclose(ctx->lib);                                                         \
    ctx->lib = NULL;                                                           \
    return 0;                                                                  \
  }
  PV_OCL_FUNCS(PV__OCL_SYM)
#undef PV__OCL_SYM

  cl_uint np = 0;
  cl_int err = ctx->cl.clGetPlatformIDs(0, NULL, &np);
  if (err == CL_PLATFORM_NOT_FOUND_KHR || np == 0) {
    pv__ocl_log(PV_LOG_INFO, "opencl: no platform: 0 devices");
    return 0;
  }
  if (err != CL_SUCCESS) {
    pv__ocl_log(PV_LOG_WARN, "opencl: clGetPlatformIDs failed (%s): 0 devices",
                pv__ocl_strerror(err));
    return 0;
  }
  cl_platform_id *plats = calloc(np, sizeof *plats);
  if (!plats)
    return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
  if (ctx->cl.clGetPlatformIDs(np, plats, NULL) != CL_SUCCESS)
    np = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (ctx->cl.clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) !=
            CL_SUCCESS ||
        nd == 0)
      continue;
    cl_device_id *ids = calloc(nd, sizeof *ids);
    pv_ocl_devinfo *grown =
        realloc(ctx->devs, sizeof *grown * (size_t)(ctx->n_dev + (int)nd));
    if (!ids || !grown) {
      free(ids);
      if (grown)
        ctx->devs = grown;
      free(plats);
      return pv__ocl_error(PV_ERR_NOMEM, "opencl: out of memory");
    }
    ctx->devs = grown;
    if (ctx->cl.clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL) ==
        CL_SUCCESS)
      for (cl_uint i = 0; i < nd; i++)
        fill_device(ctx, plats[p], ids[i], &ctx->devs[ctx->n_dev++]);
    free(ids);
  }
  free(plats);
  return 0;
}

void pv__ocl_unload(pv_plugin_ctx *ctx) {
  free(ctx->devs);
  ctx->devs = NULL;
  ctx->n_dev = 0;
  if (ctx->lib)
    dlclose(ctx->lib);
  ctx->lib = NULL;
}

const char *pv__ocl_strerror(cl_int err) {
  switch (err) {
#define E(x)                                                                   \
  case x:                                                                      \
    return #x;
    E(CL_SUCCESS)
    E(CL_DEVICE_NOT_FOUND)
    E(CL_DEVICE_NOT_AVAILABLE)
    E(CL_COMPILER_NOT_AVAILABLE)
    E(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    E(CL_OUT_OF_RESOURCES)
    E(CL_OUT_OF_HOST_MEMORY)
    E(CL_BUILD_PROGRAM_FAILURE)
    E(CL_INVALID_VALUE)
    E(CL_INVALID_DEVICE)
    E(CL_INVALID_BINARY)
    E(CL_INVALID_BUILD_OPTIONS)
    E(CL_INVALID_PROGRAM)
    E(CL_INVALID_PROGRAM_EXECUTABLE)
    E(CL_INVALID_KERNEL_NAME)
    E(CL_INVALID_KERNEL)
    E(CL_INVALID_ARG_INDEX)
    E(CL_INVALID_ARG_VALUE)
    E(CL_INVALID_ARG_SIZE)
    E(CL_INVALID_KERNEL_ARGS)
    E(CL_INVALID_WORK_DIMENSION)
    E(CL_INVALID_WORK_GROUP_SIZE)
    E(CL_INVALID_WORK_ITEM_SIZE)
    E(CL_INVALID_GLOBAL_OFFSET)
    E(CL_INVALID_MEM_OBJECT)
    E(CL_INVALID_BUFFER_SIZE)
    E(CL_INVALID_COMMAND_QUEUE)
    E(CL_INVALID_CONTEXT)
    E(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    E(CL_INVALID_GLOBAL_WORK_SIZE)
#undef E
  default:
    return "CL error";
  }
}
