/*
 * pv_kernel_compat.h: the thin macro layer that lets one kernel source build
 * as OpenCL C 1.2 (this plugin, -DPV_OPENCL) and as CUDA (the future CUDA
 * plugin, __CUDACC__), in the manner of Blender Cycles' kernel/device layers.
 * Kernel sources under kernels/ must spell every API-specific construct
 * through these macros; plain C (loops, arithmetic, float math builtins that
 * both languages overload: exp, log, sqrt, tanh, erf, fabs, fmin, fmax, pow,
 * floor, ceil) is written directly.
 *
 *   PV_KERNEL             an entry point (__kernel / extern "C" __global__)
 *   PV_GLOBAL             a pointer into device memory
 *   PV_LOCAL              a work-group shared array declared in a kernel
 *   PV_GID(d), PV_LID(d)  global / local index in dimension d (int)
 *   PV_GROUP(d), PV_LSIZE(d), PV_GSIZE(d)
 *   PV_BARRIER()          work-group barrier with local memory fence
 *   PV_INLINE             a device helper function
 *   pv_long               a 64-bit signed integer (element offsets, i64 data)
 *   pv_uchar              an 8-bit unsigned integer (bool, u8)
 *   PV_RSQRT(x), PV_ISNAN(x), PV_INF
 *   pv_half               16-bit float storage (usable without fp16 math)
 *   PV_LOAD_HALF(p, i)    p[i] widened to float (index, never pointer
 *                         arithmetic on half pointers: OpenCL without
 *                         cl_khr_fp16 only allows declaring them)
 *   PV_STORE_HALF(v, p, i) v rounded to nearest-even into p[i]
 *   PV_AS_FLOAT(u), PV_AS_UINT(f)  32-bit reinterpretation (bfloat16 casts)
 */
#ifndef PV_KERNEL_COMPAT_H
#define PV_KERNEL_COMPAT_H

#if defined(PV_OPENCL)
#define PV_KERNEL __kernel
#define PV_GLOBAL __global
#define PV_LOCAL __local
#define PV_GID(d) ((int)get_global_id(d))
#define PV_LID(d) ((int)get_local_id(d))
#define PV_GROUP(d) ((int)get_group_id(d))
#define PV_LSIZE(d) ((int)get_local_size(d))
#define PV_GSIZE(d) ((int)get_global_size(d))
#define PV_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define PV_INLINE inline
#define PV_RSQRT(x) rsqrt(x)
#define PV_ISNAN(x) isnan(x)
#define PV_INF INFINITY
typedef long pv_long;
typedef uchar pv_uchar;
typedef half pv_half;
#define PV_LOAD_HALF(p, i) vload_half((i), (p))
#define PV_STORE_HALF(v, p, i) vstore_half_rte((v), (i), (p))
#define PV_AS_FLOAT(u) as_float(u)
#define PV_AS_UINT(f) as_uint(f)
#if defined(PV_HAS_FP16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#endif

#elif defined(__CUDACC__)
#define PV_KERNEL extern "C" __global__
#define PV_GLOBAL
#define PV_LOCAL __shared__
__device__ inline int pv__cuda_gid(int d) {
  return d == 0   ? (int)(blockIdx.x * blockDim.x + threadIdx.x)
         : d == 1 ? (int)(blockIdx.y * blockDim.y + threadIdx.y)
                  : (int)(blockIdx.z * blockDim.z + threadIdx.z);
}
__device__ inline int pv__cuda_lid(int d) {
  return d == 0   ? (int)threadIdx.x
         : d == 1 ? (int)threadIdx.y
                  : (int)threadIdx.z;
}
__device__ inline int pv__cuda_group(int d) {
  return d == 0 ? (int)blockIdx.x : d == 1 ? (int)blockIdx.y : (int)blockIdx.z;
}
__device__ inline int pv__cuda_lsize(int d) {
  return d == 0 ? (int)blockDim.x : d == 1 ? (int)blockDim.y : (int)blockDim.z;
}
__device__ inline int pv__cuda_gsize(int d) {
  return d == 0   ? (int)(gridDim.x * blockDim.x)
         : d == 1 ? (int)(gridDim.y * blockDim.y)
                  : (int)(gridDim.z * blockDim.z);
}
#define PV_GID(d) pv__cuda_gid(d)
#define PV_LID(d) pv__cuda_lid(d)
#define PV_GROUP(d) pv__cuda_group(d)
#define PV_LSIZE(d) pv__cuda_lsize(d)
#define PV_GSIZE(d) pv__cuda_gsize(d)
#define PV_BARRIER() __syncthreads()
#define PV_INLINE __device__ inline
#define PV_RSQRT(x) rsqrtf(x)
#define PV_ISNAN(x) isnan(x)
#define PV_INF __int_as_float(0x7f800000)
typedef long long pv_long;
typedef unsigned char pv_uchar;
#include <cuda_fp16.h>
typedef __half pv_half;
#define PV_LOAD_HALF(p, i) __half2float((p)[i])
#define PV_STORE_HALF(v, p, i) ((p)[i] = __float2half_rn(v))
#define PV_AS_FLOAT(u) __uint_as_float(u)
#define PV_AS_UINT(f) __float_as_uint(f)
#else
#error "pv_kernel_compat.h: define PV_OPENCL or build with nvcc"
#endif

#endif
