/*
 * Run-time compilation of the embedded kernel sources and the on-disk program
 * binary cache.
 *
 * A program is the compat header + common.cl + one family's source, built with
 * "-cl-std=CL1.2" and exact math (relaxed math is a per-family opt-in in
 * g_progs below, never global). Built binaries are kept under
 * <cache_dir>/opencl/<key>.bin where key is the FNV-1a 64 hash of the sources,
 * the options, the device name, the driver version and the platform version.
 * A file is written to a temporary name and renamed, so a reader never sees a
 * partial file; a file that fails any check (magic, key, length, checksum, or
 * the driver refusing it) is a miss and the program is built from source.
 */
#include "ocl_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char pv__ocl_src_compat[], pv__ocl_src_common[],
    pv__ocl_src_eltwise[], pv__ocl_src_gemm[], pv__ocl_src_conv[],
    pv__ocl_src_pool[], pv__ocl_src_softmax[], pv__ocl_src_norm[],
    pv__ocl_src_reduce[], pv__ocl_src_layout[], pv__ocl_src_resize[];

typedef struct prog_def {
  const char *name;
  const char *src;
  const char *extra_options; /* per-family opt-ins, e.g. relaxed math */
} prog_def;

static const prog_def g_progs[PV_OCL_PROG_COUNT] = {
    [PV_OCL_PROG_ELTWISE] = {"eltwise", pv__ocl_src_eltwise, ""},
    [PV_OCL_PROG_GEMM] = {"gemm", pv__ocl_src_gemm, ""},
    [PV_OCL_PROG_CONV] = {"conv", pv__ocl_src_conv, ""},
    [PV_OCL_PROG_POOL] = {"pool", pv__ocl_src_pool, ""},
    [PV_OCL_PROG_SOFTMAX] = {"softmax", pv__ocl_src_softmax, ""},
    [PV_OCL_PROG_NORM] = {"norm", pv__ocl_src_norm, ""},
    [PV_OCL_PROG_REDUCE] = {"reduce", pv__ocl_src_reduce, ""},
    [PV_OCL_PROG_LAYOUT] = {"layout", pv__ocl_src_layout, ""},
    [PV_OCL_PROG_RESIZE] = {"resize", pv__ocl_src_resize, ""},
};

#define CACHE_MAGIC "PVOCLBN1"

uint64_t pv__ocl_fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static uint64_t hash_str(uint64_t h, const char *s) {
  h = pv__ocl_fnv1a(h, s, strlen(s) + 1); /* the NUL separates fields */
  return h;
}

/* Options: the language version, the capability defines, and every pv_op
 * value as -DPV_OP_<NAME>=<n> so kernels share the ABI's op codes. */
static void build_options(const pv_plugin_device *dev, pv_ocl_prog p, char *buf,
                          size_t size) {
  size_t n = (size_t)snprintf(buf, size, "-cl-std=CL1.2 -DPV_OPENCL=1%s%s %s",
                              dev->di->fp16 ? " -DPV_HAS_FP16=1" : "",
                              dev->di->subgroups ? " -DPV_HAS_SUBGROUPS=1" : "",
                              g_progs[p].extra_options);
#define PV__OCL_OPDEF(name, mn, mx, no)                                        \
  if (n < size)                                                                \
    n += (size_t)snprintf(buf + n, size - n, " -DPV_OP_%s=%d", #name,          \
                          (int)PV_OP_##name);
  PV_OP_MAP(PV__OCL_OPDEF)
#undef PV__OCL_OPDEF
}

static uint64_t cache_key(const pv_plugin_device *dev, pv_ocl_prog p,
                          const char *opts) {
  uint64_t h = 0xcbf29ce484222325ull;
  h = hash_str(h, pv__ocl_src_compat);
  h = hash_str(h, pv__ocl_src_common);
  h = hash_str(h, g_progs[p].src);
  h = hash_str(h, opts);
  h = hash_str(h, dev->di->info.name);
  h = hash_str(h, dev->di->info.driver);
  h = hash_str(h, dev->di->platform_version);
  h = hash_str(h, dev->di->device_version);
  return h;
}

static int cache_path(const pv_plugin_device *dev, uint64_t key, char *buf,
                      size_t size) {
  const char *dir =
      dev->ctx->host->cache_dir ? dev->ctx->host->cache_dir() : NULL;
  if (!dir || !*dir)
    return -1;
  char sub[1024];
  int n = snprintf(sub, sizeof sub, "%s/opencl", dir);
  if (n < 0 || (size_t)n >= sizeof sub)
    return -1;
  if (mkdir(sub, 0755) != 0 && errno != EEXIST)
    return -1;
  n = snprintf(buf, size, "%s/%016llx.bin", sub, (unsigned long long)key);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Reads and validates a cache file; returns a malloc'd binary or NULL. */
static unsigned char *cache_read(pv_plugin_device *dev, const char *path,
                                 uint64_t key, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  unsigned char hdr[32];
  unsigned char *bin = NULL;
  if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr ||
      memcmp(hdr, CACHE_MAGIC, 8) != 0)
    goto bad;
  uint64_t k, n, sum;
  memcpy(&k, hdr + 8, 8);
  memcpy(&n, hdr + 16, 8);
  memcpy(&sum, hdr + 24, 8);
  if (k != key || n == 0 || n > ((uint64_t)1 << 30))
    goto bad;
  bin = malloc((size_t)n);
  if (!bin || fread(bin, 1, (size_t)n, f) != n || fgetc(f) != EOF ||
      pv__ocl_fnv1a(0xcbf29ce484222325ull, bin, (size_t)n) != sum)
    goto bad;
  fclose(f);
  *len = (size_t)n;
  return bin;
bad:
  free(bin);
  fclose(f);
  atomic_fetch_add(&dev->ctx->cache_rejects, 1);
  pv__ocl_log(PV_LOG_WARN, "opencl: ignoring invalid cache file %s", path);
  return NULL;
}

static void cache_write(pv_plugin_device *dev, const char *path, uint64_t key,
                        const unsigned char *bin, size_t len) {
  char tmp[1200];
  snprintf(tmp, sizeof tmp, "%s.%ld.%p.tmp", path, (long)getpid(),
           (void *)&tmp);
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return;
  unsigned char hdr[32];
  uint64_t n = len, sum = pv__ocl_fnv1a(0xcbf29ce484222325ull, bin, len);
  memcpy(hdr, CACHE_MAGIC, 8);
  memcpy(hdr + 8, &key, 8);
  memcpy(hdr + 16, &n, 8);
  memcpy(hdr + 24, &sum, 8);
  int ok = fwrite(hdr, 1, sizeof hdr, f) == sizeof hdr &&
           fwrite(bin, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return;
  }
  atomic_fetch_add(&dev->ctx->cache_writes, 1);
}

static int build_log_error(pv_plugin_device *dev, cl_program prog,
                           pv_ocl_prog p, cl_int err) {
  char log[2048] = "";
  dev->ctx->cl.clGetProgramBuildInfo(prog, dev->di->id, CL_PROGRAM_BUILD_LOG,
                                     sizeof log - 1, log, NULL);
  log[sizeof log - 1] = 0;
  return pv__ocl_error(PV_ERR_DEVICE,
                       "opencl: building kernels/%s.cl failed "
                       "(%s): %.1500s",
                       g_progs[p].name, pv__ocl_strerror(err), log);
}

static int build_program(pv_plugin_device *dev, pv_ocl_prog p,
                         cl_program *out) {
  pv_ocl_api *cl = &dev->ctx->cl;
  char opts[4096], path[1100];
  build_options(dev, p, opts, sizeof opts);
  uint64_t key = cache_key(dev, p, opts);
  int have_path = cache_path(dev, key, path, sizeof path) == 0;
  cl_int err;

  if (have_path) {
    size_t len = 0;
    unsigned char *bin = cache_read(dev, path, key, &len);
    if (bin) {
      const unsigned char *bp = bin;
      cl_int st = CL_SUCCESS;
      cl_program prog = cl->clCreateProgramWithBinary(dev->cx, 1, &dev->di->id,
                                                      &len, &bp, &st, &err);
      free(bin);
      if (prog && err == CL_SUCCESS && st == CL_SUCCESS &&
          cl->clBuildProgram(prog, 1, &dev->di->id, opts, NULL, NULL) ==
              CL_SUCCESS) {
        atomic_fetch_add(&dev->ctx->binary_loads, 1);
        *out = prog;
        return 0;
      }
      if (prog)
        cl->clReleaseProgram(prog);
      atomic_fetch_add(&dev->ctx->cache_rejects, 1);
      pv__ocl_log(PV_LOG_WARN, "opencl: driver rejected cached binary %s",
                  path);
    }
  }

  const char *srcs[3] = {pv__ocl_src_compat, pv__ocl_src_common,
                         g_progs[p].src};
  cl_program prog = cl->clCreateProgramWithSource(dev->cx, 3, srcs, NULL, &err);
  if (!prog || err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_DEVICE,
                         "opencl: clCreateProgramWithSource "
                         "(%s): %s",
                         g_progs[p].name, pv__ocl_strerror(err));
  atomic_fetch_add(&dev->ctx->source_builds, 1);
  pv__ocl_log(PV_LOG_DEBUG, "opencl: building kernels/%s.cl from source",
              g_progs[p].name);
  err = cl->clBuildProgram(prog, 1, &dev->di->id, opts, NULL, NULL);
  if (err != CL_SUCCESS) {
    int rc = build_log_error(dev, prog, p, err);
    cl->clReleaseProgram(prog);
    return rc;
  }
  if (have_path) {
    size_t len = 0;
    if (cl->clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len,
                             NULL) == CL_SUCCESS &&
        len > 0) {
      unsigned char *bin = malloc(len);
      if (bin && cl->clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin,
                                      &bin, NULL) == CL_SUCCESS)
        cache_write(dev, path, key, bin, len);
      free(bin);
    }
  }
  *out = prog;
  return 0;
}

int pv__ocl_program(pv_plugin_device *dev, pv_ocl_prog p, cl_program *out) {
  if ((int)p < 0 || p >= PV_OCL_PROG_COUNT)
    return pv__ocl_error(PV_ERR_INTERNAL, "opencl: bad program %d", (int)p);
  pthread_mutex_lock(&dev->prog_mu);
  int rc = 0;
  if (!dev->progs[p])
    rc = build_program(dev, p, &dev->progs[p]);
  *out = dev->progs[p];
  pthread_mutex_unlock(&dev->prog_mu);
  return rc;
}

int pv__ocl_kernel(pv_plugin_device *dev, pv_ocl_prog p, const char *name,
                   cl_kernel *out) {
  cl_program prog = NULL;
  int rc = pv__ocl_program(dev, p, &prog);
  if (rc)
    return rc;
  cl_int err;
  *out = dev->ctx->cl.clCreateKernel(prog, name, &err);
  if (!*out || err != CL_SUCCESS)
    return pv__ocl_error(PV_ERR_DEVICE, "opencl: kernel %s in %s.cl: %s", name,
                         g_progs[p].name, pv__ocl_strerror(err));
  return 0;
}

void pv__ocl_write_stats(pv_plugin_ctx *ctx) {
  const char *path = ctx->host->get_option("POLYVIS_OCL_STATS");
  if (!path || !*path)
    return;
  FILE *f = fopen(path, "w");
  if (!f)
    return;
  fprintf(f,
          "source_builds=%d\nbinary_loads=%d\ncache_writes=%d\n"
          "cache_rejects=%d\n",
          atomic_load(&ctx->source_builds), atomic_load(&ctx->binary_loads),
          atomic_load(&ctx->cache_writes), atomic_load(&ctx->cache_rejects));
  fclose(f);
}
