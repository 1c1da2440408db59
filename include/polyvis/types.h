/*
 * polyvis: the plain-data vocabulary shared by the public API and the plugin
 * ABI: dtypes, device types, the op set and op attributes.
 *
 * Everything here is POD with fixed-width fields, because plugin.h passes
 * these structs across a shared-library boundary. Enum values are ABI: new
 * entries are only ever appended.
 */
#ifndef POLYVIS_TYPES_H
#define POLYVIS_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most dimensions a tensor may have. */
#define PV_MAX_DIMS 8

/* X(name, enum value, element size in bytes, numpy descr) */
#define PV_DTYPE_MAP(X)                                                        \
  X(F32, 0, 4, "<f4")                                                          \
  X(F16, 1, 2, "<f2")                                                          \
  X(BF16, 2, 2, "<V2")                                                         \
  X(U8, 3, 1, "|u1")                                                           \
  X(I8, 4, 1, "|i1")                                                           \
  X(U16, 5, 2, "<u2")                                                          \
  X(I32, 6, 4, "<i4")                                                          \
  X(I64, 7, 8, "<i8")                                                          \
  X(BOOL, 8, 1, "|b1")                                                         \
  X(F64, 9, 8, "<f8")                                                          \
  X(I16, 10, 2, "<i2")

typedef enum pv_dtype {
#define PV__DT_ENUM(name, val, size, descr) PV_##name = val,
  PV_DTYPE_MAP(PV__DT_ENUM)
#undef PV__DT_ENUM
      PV_DTYPE_COUNT
} pv_dtype;

/* Kinds of device, in the order the `auto` policy prefers them. A Vulkan or
 * OpenCL driver that runs on the CPU (lavapipe, PoCL) reports PV_DEVICE_CPU,
 * which is how the policy knows not to prefer it over the native backend. */
typedef enum pv_device_type {
  PV_DEVICE_OTHER = 0,
  PV_DEVICE_DGPU = 1,
  PV_DEVICE_IGPU = 2,
  PV_DEVICE_ACCEL = 3,
  PV_DEVICE_CPU = 4
} pv_device_type;

/* Capability flags a device reports. */
#define PV_CAP_FP16 (1ull << 0)      /* fp16 storage */
#define PV_CAP_FP16_MATH (1ull << 1) /* fp16 arithmetic */
#define PV_CAP_INT8 (1ull << 2)
#define PV_CAP_SUBGROUPS (1ull << 3)
#define PV_CAP_BF16 (1ull << 4)
#define PV_CAP_HOST_MEMORY (1ull << 5) /* buffers are host pointers */
#define PV_CAP_SOFTWARE (1ull << 6)    /* a CPU implementation of a GPU API */

/*
 * The op set: the contract every backend implements. The semantics of each op
 * are those of the PyTorch functional of the same name (torch 1.13).
 * X(NAME, min inputs, max inputs, outputs)
 */
#define PV_OP_MAP(X)                                                           \
  X(NONE, 0, 0, 0)                                                             \
  /* convolution and linear algebra */                                         \
  X(CONV2D, 2, 3, 1)           /* x, w, [b]; attrs.conv */                     \
  X(CONV_TRANSPOSE2D, 2, 3, 1) /* x, w[Cin,Cout/g,kh,kw], [b]; attrs.conv */   \
  X(BATCH_NORM, 5, 5, 1)       /* x, weight, bias, mean, var; attrs.norm */    \
  X(LINEAR, 2, 3, 1)           /* x[...,K], w[N,K], [b[N]]; attrs.gemm.act */  \
  X(GEMM, 2, 3, 1)             /* a, b, [c]; attrs.gemm (ONNX Gemm) */         \
  X(MATMUL, 2, 2, 1)           /* batched, broadcasting (torch.matmul) */      \
  /* binary elementwise, numpy broadcasting; attrs.binary.act may fuse */      \
  X(ADD, 2, 2, 1)                                                              \
  X(SUB, 2, 2, 1)                                                              \
  X(MUL, 2, 2, 1)                                                              \
  X(DIV, 2, 2, 1)                                                              \
  X(POW, 2, 2, 1)                                                              \
  X(MAX, 2, 2, 1)                                                              \
  X(MIN, 2, 2, 1)                                                              \
  /* unary elementwise; attrs.unary holds alpha/beta where used */             \
  X(RELU, 1, 1, 1)                                                             \
  X(CLIP, 1, 1, 1) /* alpha=min, beta=max (relu6: 0, 6) */                     \
  X(HARDSWISH, 1, 1, 1)                                                        \
  X(HARDSIGMOID, 1, 1, 1) /* alpha*x+beta clamped (torch: 1/6, 0.5) */         \
  X(SILU, 1, 1, 1)                                                             \
  X(GELU, 1, 1, 1) /* attrs.unary.mode: 0 erf, 1 tanh */                       \
  X(SIGMOID, 1, 1, 1)                                                          \
  X(TANH, 1, 1, 1)                                                             \
  X(LEAKY_RELU, 1, 1, 1) /* alpha = negative slope */                          \
  X(EXP, 1, 1, 1)                                                              \
  X(LOG, 1, 1, 1)                                                              \
  X(SQRT, 1, 1, 1)                                                             \
  X(RSQRT, 1, 1, 1)                                                            \
  X(NEG, 1, 1, 1)                                                              \
  X(ABS, 1, 1, 1)                                                              \
  X(ERF, 1, 1, 1)                                                              \
  /* pooling (NCHW); attrs.pool */                                             \
  X(MAX_POOL2D, 1, 1, 1)                                                       \
  X(AVG_POOL2D, 1, 1, 1)                                                       \
  X(ADAPTIVE_AVG_POOL2D, 1, 1, 1)                                              \
  X(ADAPTIVE_MAX_POOL2D, 1, 1, 1)                                              \
  /* layout */                                                                 \
  X(RESHAPE, 1, 1, 1) /* attrs.reshape: the output shape (no -1) */            \
  X(PERMUTE, 1, 1, 1) /* attrs.permute */                                      \
  X(CONCAT, 1, 16, 1) /* attrs.axis.axis */                                    \
  X(SLICE, 1, 1, 1)   /* attrs.slice, steps may be negative */                 \
  X(PAD, 1, 1, 1)     /* attrs.pad */                                          \
  X(GATHER, 2, 2, 1)  /* data, indices (i32/i64); attrs.axis.axis */           \
  X(EXPAND, 1, 1, 1)  /* attrs.reshape: the broadcast shape */                 \
  /* math */                                                                   \
  X(SOFTMAX, 1, 1, 1)     /* attrs.axis.axis */                                \
  X(LOG_SOFTMAX, 1, 1, 1) /* attrs.axis.axis */                                \
  X(LAYER_NORM, 1, 3, 1)  /* x, [w], [b]; over the last attrs.norm.axes */     \
  X(GROUP_NORM, 1, 3, 1)  /* x, [w], [b]; attrs.norm.groups */                 \
  X(INSTANCE_NORM, 1, 3, 1)                                                    \
  X(REDUCE_SUM, 1, 1, 1) /* attrs.axis: axes[], keepdims */                    \
  X(REDUCE_MEAN, 1, 1, 1)                                                      \
  X(REDUCE_MAX, 1, 1, 1)                                                       \
  X(REDUCE_MIN, 1, 1, 1)                                                       \
  X(ARGMAX, 1, 1, 1) /* attrs.axis: axis, keepdims; output i64 */              \
  X(ARGMIN, 1, 1, 1)                                                           \
  X(TOPK, 1, 1, 2)   /* values, indices(i64); attrs.axis: k, largest */        \
  X(WHERE, 3, 3, 1)  /* cond(bool), a, b; broadcasting */                      \
  X(CAST, 1, 1, 1)   /* attrs.cast.to */                                       \
  X(RESIZE, 1, 1, 1) /* attrs.resize (NCHW, F.interpolate) */                  \
  /* comparisons (bool output) and the rest of the ONNX set */                 \
  X(EQUAL, 2, 2, 1)                                                            \
  X(LESS, 2, 2, 1)                                                             \
  X(GREATER, 2, 2, 1)                                                          \
  X(PRELU, 2, 2, 1) /* x, slope (broadcast) */                                 \
  X(TILE, 1, 1, 1)  /* attrs.reshape.shape = repeats */                        \
  /* quantised (ONNX QDQ/QLinear with ONNX Runtime's integer arithmetic, see   \
   * docs/quantization.md); x, w and zero points u8/i8, scales f32; the zero   \
   * point of (de)quantize_linear may be absent (0); the output dtype is the   \
   * output zero point's (quantize_linear without one: attrs.quant.to) */      \
  X(QUANTIZE_LINEAR, 2, 3, 1)   /* x(f32), scale, [zp]; attrs.quant */         \
  X(DEQUANTIZE_LINEAR, 2, 3, 1) /* x(u8/i8/i32), scale, [zp] -> f32 */         \
  X(QLINEAR_CONV, 8, 9, 1)      /* x,xs,xzp,w,ws,wzp,ys,yzp,[b(i32)]; .conv */ \
  X(QLINEAR_MATMUL, 8, 8, 1)    /* a,as,azp,b,bs,bzp,ys,yzp */                 \
  X(QLINEAR_ADD, 8, 8, 1)       /* a,as,azp,b,bs,bzp,cs,czp */                 \
  X(QLINEAR_MUL, 8, 8, 1)       /* as qlinear_add */                           \
  X(QLINEAR_GLOBAL_AVG_POOL, 5, 5, 1) /* x,xs,xzp,ys,yzp; NCHW, keepdims */

typedef enum pv_op {
#define PV__OP_ENUM(name, mn, mx, no) PV_OP_##name,
  PV_OP_MAP(PV__OP_ENUM)
#undef PV__OP_ENUM
      PV_OP_COUNT
} pv_op;

/* The unary elementwise ops (one input, an output of its shape: relu, clip,
 * hardswish, hardsigmoid, silu, gelu, sigmoid, tanh, leaky_relu, exp, log,
 * sqrt, rsqrt, neg, abs, erf) are the contiguous range RELU..ERF of pv_op,
 * so a backend can dispatch them as one family; new unary ops go in that
 * range only if they keep the same contract. */
static inline int pv_op_is_unary(int op) {
  return op >= PV_OP_RELU && op <= PV_OP_ERF;
}

/* The most inputs and outputs any node may have. */
#define PV_MAX_INPUTS 16
#define PV_MAX_OUTPUTS 4

/* A fused activation: a unary op applied to the result of conv, linear or a
 * binary op (PV_OP_NONE for none). */
typedef struct pv_act {
  int32_t op; /* PV_OP_NONE or a unary op */
  float alpha, beta;
  int32_t mode;
} pv_act;

typedef struct pv_conv_attrs {
  int32_t stride[2];
  int32_t padding[4]; /* top, left, bottom, right */
  int32_t dilation[2];
  int32_t groups;
  int32_t output_padding[2]; /* conv_transpose2d only */
  pv_act act;
} pv_conv_attrs;

typedef struct pv_pool_attrs {
  int32_t kernel[2];
  int32_t stride[2];
  int32_t padding[4]; /* top, left, bottom, right */
  int32_t dilation[2];
  int32_t ceil_mode;
  int32_t count_include_pad;
  int32_t output_size[2];   /* adaptive pools */
  int32_t divisor_override; /* avg_pool2d; 0 = none */
} pv_pool_attrs;

typedef struct pv_gemm_attrs {
  int32_t trans_a, trans_b;
  float alpha, beta;
  pv_act act;
} pv_gemm_attrs;

typedef struct pv_binary_attrs {
  pv_act act;
} pv_binary_attrs;

typedef struct pv_unary_attrs {
  float alpha, beta;
  int32_t mode;
} pv_unary_attrs;

typedef struct pv_axis_attrs {
  int32_t axis;     /* softmax, concat, gather, argmax, topk */
  int32_t keepdims; /* reductions, argmax */
  int32_t n_axes;   /* reductions: 0 = all axes */
  int32_t axes[PV_MAX_DIMS];
  int64_t k;                 /* topk */
  int32_t largest;           /* topk */
  int32_t sorted;            /* topk */
  int32_t select_last_index; /* argmax/argmin */
} pv_axis_attrs;

typedef struct pv_norm_attrs {
  float eps;
  int32_t groups;      /* group_norm */
  int32_t n_norm_dims; /* layer_norm: how many trailing dims */
} pv_norm_attrs;

typedef struct pv_reshape_attrs {
  int32_t ndim;
  int64_t shape[PV_MAX_DIMS];
} pv_reshape_attrs;

typedef struct pv_permute_attrs {
  int32_t perm[PV_MAX_DIMS];
} pv_permute_attrs;

typedef struct pv_slice_attrs {
  /* Per input dim: start, end (exclusive, clamped like Python), step != 0. */
  int64_t start[PV_MAX_DIMS];
  int64_t end[PV_MAX_DIMS];
  int64_t step[PV_MAX_DIMS];
} pv_slice_attrs;

typedef enum pv_pad_mode {
  PV_PAD_CONSTANT = 0,
  PV_PAD_REFLECT = 1,
  PV_PAD_REPLICATE = 2,
  PV_PAD_CIRCULAR = 3
} pv_pad_mode;

typedef struct pv_pad_attrs {
  /* before/after per dim, in dim order: pads[2*d], pads[2*d+1]; may be < 0. */
  int64_t pads[2 * PV_MAX_DIMS];
  int32_t mode;
  float value;
} pv_pad_attrs;

typedef struct pv_cast_attrs {
  int32_t to; /* pv_dtype */
} pv_cast_attrs;

typedef enum pv_resize_mode {
  PV_RESIZE_NEAREST = 0,       /* torch legacy 'nearest': floor(dst*scale) */
  PV_RESIZE_NEAREST_EXACT = 1, /* floor((dst+0.5)*scale) */
  PV_RESIZE_BILINEAR = 2,
  PV_RESIZE_BICUBIC = 3
} pv_resize_mode;

typedef struct pv_resize_attrs {
  int32_t mode;
  int32_t align_corners;
  int32_t antialias;
  float cubic_a;   /* -0.75 in torch */
  int64_t size[2]; /* output H, W */
  /* When > 0, the user-given scale factors that torch uses for the source
   * coordinate instead of in/out (recompute_scale_factor=False). */
  double scale[2];
  /* ONNX extensions (0 = torch semantics). */
  int32_t coord_mode;   /* 0 half_pixel/pytorch, 1 asymmetric, 2 align_corners,
                           3 tf_half_pixel_for_nn, 4 pytorch_half_pixel */
  int32_t nearest_mode; /* 0 floor(torch), 1 round_prefer_floor,
                           2 round_prefer_ceil, 3 ceil */
  int32_t exclude_outside;
} pv_resize_attrs;

typedef struct pv_quant_attrs {
  /* quantize_linear, dequantize_linear: the dim a 1-D scale and zero point
   * run along (per-axis quantisation), normalised to >= 0. */
  int32_t axis;
  /* quantize_linear without a zero point: the output dtype (PV_U8/PV_I8). */
  int32_t to;
} pv_quant_attrs;

/* The attributes of one node. The union members are chosen by the op, as the
 * comments in PV_OP_MAP say. Fixed size: 512 bytes. */
typedef union pv_op_attrs {
  pv_conv_attrs conv;
  pv_pool_attrs pool;
  pv_gemm_attrs gemm;
  pv_binary_attrs binary;
  pv_unary_attrs unary;
  pv_axis_attrs axis;
  pv_norm_attrs norm;
  pv_reshape_attrs reshape;
  pv_permute_attrs permute;
  pv_slice_attrs slice;
  pv_pad_attrs pad;
  pv_cast_attrs cast;
  pv_resize_attrs resize;
  pv_quant_attrs quant;
  uint8_t _reserved[512];
} pv_op_attrs;

/* The shape and dtype of a dense, contiguous (row-major) tensor. */
typedef struct pv_tensor_desc {
  int32_t dtype;
  int32_t ndim;
  int64_t shape[PV_MAX_DIMS];
} pv_tensor_desc;

#ifdef __cplusplus
}
#endif
#endif
