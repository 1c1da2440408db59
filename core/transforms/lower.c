/*
 * Device execution of the inference preprocessing set: each transform is
 * lowered onto core graph ops that every backend plugin implements (RESIZE,
 * SLICE, PAD, GATHER, PERMUTE, CAST, elementwise arithmetic, CLIP), so a
 * pipeline runs as kernels on any device, or is prepended to a model graph
 * and compiled with it into one graph.
 *
 * The image travels through the graph as float32 [B, C, H, W] whatever its
 * dtype (torchvision itself resamples integer images in float32), and the
 * lowering tracks the logical dtype it would have in torchvision. Where
 * torchvision rounds a float result back to an integer type, the float value
 * is rounded half-to-even with the exact float32 identity
 * round(x) = (x + 2^23) - 2^23 for 0 <= x < 2^23 (values are clamped to the
 * integer range first); where it truncates, the value goes through a real
 * float -> integer -> float CAST pair. Integer images are cast to their
 * dtype at the end, which is exact.
 */
#include "pipeline_internal.h"

#include <polyvis/graph.h>

#define MAGIC_ROUND 8388608.0f /* 2^23 */

typedef struct lower_ctx {
  pv_graph *g;
  pv_value v;   /* float32 [B, C, H, W] */
  int64_t s[4]; /* its shape */
  pv_dtype ldt; /* the dtype torchvision's image would have */
  int n_const;  /* for unique constant names */
} lower_ctx;

static int unsupported(const char *what) {
  return pv_set_error(PV_ERR_UNSUPPORTED,
                      "transforms: %s cannot run as graph ops on a device "
                      "(run the pipeline on the CPU instead)",
                      what);
}

static int check(lower_ctx *c, const char *op) {
  if (c->v == PV_NO_VALUE || pv_graph_status(c->g)) {
    int st = pv_graph_status(c->g);
    return pv_set_error(st ? st : PV_ERR_INTERNAL,
                        "transforms: lowering %s into the graph failed: %s", op,
                        pv_graph_error(c->g) ? pv_graph_error(c->g) : "?");
  }
  return 0;
}

/* A float32 constant of `n` values shaped [n] (n == 1) or [1, n, 1, 1]. */
static pv_value constant(lower_ctx *c, const float *vals, int n, int per_ch) {
  int64_t shape[4] = {1, n, 1, 1};
  int64_t one = n;
  pv_tensor *t = per_ch ? pv_tensor_from_data(PV_F32, 4, shape, vals)
                        : pv_tensor_from_data(PV_F32, 1, &one, vals);
  if (!t)
    return PV_NO_VALUE;
  char name[48];
  snprintf(name, sizeof name, "pv_tf_const_%d", c->n_const++);
  pv_value r = pv_graph_constant(c->g, name, t);
  pv_tensor_release(t);
  return r;
}

static pv_value scalar_op(lower_ctx *c, pv_op op, pv_value x, float k) {
  pv_value kv = constant(c, &k, 1, 0);
  if (kv == PV_NO_VALUE)
    return PV_NO_VALUE;
  return pv_binary(c->g, op, x, kv);
}

/* Rounds half-to-even into [0, max] (torchvision's round() then .to()). */
static void round_to_int(lower_ctx *c, double max) {
  c->v = pv_unary(c->g, PV_OP_CLIP, c->v, 0.0f, (float)max, 0);
  c->v = scalar_op(c, PV_OP_ADD, c->v, MAGIC_ROUND);
  c->v = scalar_op(c, PV_OP_SUB, c->v, MAGIC_ROUND);
}

/* Truncates toward zero into [0, max] (the CPU kernels' truncating store). */
static void trunc_to_int(lower_ctx *c, double max) {
  c->v = pv_unary(c->g, PV_OP_CLIP, c->v, 0.0f, (float)max, 0);
  c->v = pv_cast(c->g, c->v, PV_I32);
  c->v = pv_cast(c->g, c->v, PV_F32);
}

static int is_int(pv_dtype dt) { return dt == PV_U8 || dt == PV_U16; }

/* Window rows [top, top+h) x cols [left, left+w); outside reads as zero. */
static int window(lower_ctx *c, int64_t top, int64_t left, int64_t h,
                  int64_t w) {
  const int64_t lim = (int64_t)1 << 30;
  if (h <= 0 || w <= 0 || h > lim || w > lim || top < -lim || top > lim ||
      left < -lim || left > lim)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "crop: window %lld x %lld at (%lld, %lld) is out of "
                        "range",
                        (long long)h, (long long)w, (long long)top,
                        (long long)left);
  int64_t H = c->s[2], W = c->s[3];
  int64_t pt = top < 0 ? -top : 0, pl = left < 0 ? -left : 0;
  int64_t pb = top + h > H ? top + h - H : 0,
          pr = left + w > W ? left + w - W : 0;
  if (pt || pl || pb || pr) {
    /* the window may lie wholly outside: crop what overlaps, then pad */
    int64_t r0 = top < 0 ? 0 : top > H ? H : top;
    int64_t r1 = top + h < 0 ? 0 : top + h > H ? H : top + h;
    int64_t c0 = left < 0 ? 0 : left > W ? W : left;
    int64_t c1 = left + w < 0 ? 0 : left + w > W ? W : left + w;
    if (r1 <= r0 || c1 <= c0) {
      /* nothing overlaps: pad the image until it holds the window */
      int64_t pads[4] = {pl, pr, pt, pb};
      c->v = pv_pad(c->g, c->v, 4, pads, PV_PAD_CONSTANT, 0.0f);
      c->v = pv_slice(c->g, c->v, 2, top + pt, top + pt + h, 1);
      c->v = pv_slice(c->g, c->v, 3, left + pl, left + pl + w, 1);
      c->s[2] = h;
      c->s[3] = w;
      return check(c, "crop");
    }
    if (r0 || r1 != H)
      c->v = pv_slice(c->g, c->v, 2, r0, r1, 1);
    if (c0 || c1 != W)
      c->v = pv_slice(c->g, c->v, 3, c0, c1, 1);
    int64_t pads[4] = {
        left < 0 ? -left : 0, w - (c1 - c0) - (left < 0 ? -left : 0),
        top < 0 ? -top : 0, h - (r1 - r0) - (top < 0 ? -top : 0)};
    c->v = pv_pad(c->g, c->v, 4, pads, PV_PAD_CONSTANT, 0.0f);
  } else {
    if (top || h != H)
      c->v = pv_slice(c->g, c->v, 2, top, top + h, 1);
    if (left || w != W)
      c->v = pv_slice(c->g, c->v, 3, left, left + w, 1);
  }
  c->s[2] = h;
  c->s[3] = w;
  return check(c, "crop");
}

static int resize(lower_ctx *c, int n_size, const int64_t *size,
                  int64_t max_size, int interp, int antialias) {
  int64_t os[2];
  int rc = pv_resize_output_size(c->s[2], c->s[3], n_size, size, max_size, os);
  if (rc)
    return rc;
  if (os[0] == c->s[2] && os[1] == c->s[3])
    return 0; /* torchvision returns the image unchanged */
  if (interp < PV_RESIZE_NEAREST || interp > PV_RESIZE_BICUBIC)
    return pv_set_error(PV_ERR_INVALID_ARG, "resize: unknown interpolation %d",
                        interp);
  int aa = antialias && interp >= PV_RESIZE_BILINEAR;
  c->v =
      pv_interpolate(c->g, c->v, os[0], os[1], (pv_resize_mode)interp, 0, aa);
  c->s[2] = os[0];
  c->s[3] = os[1];
  if (is_int(c->ldt) && interp >= PV_RESIZE_BILINEAR)
    round_to_int(c, pv__tf_max_value(c->ldt));
  return check(c, "resize");
}

/* Symmetric padding has no PAD mode: gather rows and columns instead. */
static int pad_symmetric(lower_ctx *c, const int64_t p[4]) {
  for (int axis = 2; axis <= 3; axis++) {
    int64_t n = c->s[axis], before = p[axis == 2 ? 1 : 0],
            after = p[axis == 2 ? 3 : 2], on = n + before + after;
    if (!before && !after)
      continue;
    int64_t *idx = malloc(sizeof *idx * (size_t)on);
    if (!idx)
      return pv_set_error(PV_ERR_NOMEM, "pad: out of memory");
    for (int64_t i = 0; i < on; i++) {
      int64_t k = i - before;
      while (k < 0 || k >= n)
        k = k < 0 ? -k - 1 : 2 * n - k - 1;
      idx[i] = k;
    }
    pv_tensor *t = pv_tensor_from_data(PV_I64, 1, &on, idx);
    free(idx);
    if (!t)
      return pv_last_status();
    char name[48];
    snprintf(name, sizeof name, "pv_tf_const_%d", c->n_const++);
    pv_value iv = pv_graph_constant(c->g, name, t);
    pv_tensor_release(t);
    c->v = pv_gather(c->g, c->v, iv, axis);
    c->s[axis] = on;
  }
  return check(c, "pad");
}

static int pad(lower_ctx *c, const pv__tf_op *o) {
  const int64_t *q = o->pad; /* left, top, right, bottom */
  int64_t cl = q[0] < 0 ? -q[0] : 0, ct = q[1] < 0 ? -q[1] : 0;
  int64_t cr = q[2] < 0 ? -q[2] : 0, cb = q[3] < 0 ? -q[3] : 0;
  int64_t p[4] = {q[0] > 0 ? q[0] : 0, q[1] > 0 ? q[1] : 0, q[2] > 0 ? q[2] : 0,
                  q[3] > 0 ? q[3] : 0};
  int64_t h = c->s[2] - ct - cb, w = c->s[3] - cl - cr;
  const int64_t lim = (int64_t)1 << 30;
  if (p[0] > lim || p[1] > lim || p[2] > lim || p[3] > lim || ct > lim ||
      cb > lim || cl > lim || cr > lim)
    return pv_set_error(PV_ERR_INVALID_ARG, "pad: padding out of range");
  if (h <= 0 || w <= 0)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "pad: padding crops the %lld x %lld image to nothing",
                        (long long)c->s[2], (long long)c->s[3]);
  if (o->pad_mode != PV_PADDING_CONSTANT) {
    int strict = o->pad_mode == PV_PADDING_REFLECT;
    int64_t mh = strict ? h - 1 : h, mw = strict ? w - 1 : w;
    if (p[0] > mw || p[2] > mw || p[1] > mh || p[3] > mh)
      return pv_set_error(PV_ERR_INVALID_ARG,
                          "pad: padding [%lld, %lld, %lld, %lld] is too large "
                          "for a %lld x %lld image in this mode",
                          (long long)p[0], (long long)p[1], (long long)p[2],
                          (long long)p[3], (long long)h, (long long)w);
  }
  if (ct || cb || cl || cr) {
    int rc = window(c, ct, cl, h, w);
    if (rc)
      return rc;
  }
  if (!p[0] && !p[1] && !p[2] && !p[3])
    return 0;
  if (o->pad_mode == PV_PADDING_SYMMETRIC)
    return pad_symmetric(c, p);
  float fill = (float)o->fill;
  if (is_int(c->ldt)) { /* torch casts the fill to the image dtype */
    uint8_t b[8];
    pv__tf_store_trunc_raw(b, c->ldt, (float)o->fill);
    fill = c->ldt == PV_U8 ? (float)b[0] : (float)*(uint16_t *)(void *)b;
  }
  int64_t pads[4] = {p[0], p[2], p[1], p[3]};
  pv_pad_mode mode = o->pad_mode == PV_PADDING_CONSTANT ? PV_PAD_CONSTANT
                     : o->pad_mode == PV_PADDING_EDGE   ? PV_PAD_REPLICATE
                                                        : PV_PAD_REFLECT;
  c->v = pv_pad(c->g, c->v, 4, pads, mode, fill);
  c->s[2] += p[1] + p[3];
  c->s[3] += p[0] + p[2];
  return check(c, "pad");
}

static int normalize(lower_ctx *c, const pv__tf_op *o) {
  if (is_int(c->ldt))
    return pv_set_error(PV_ERR_DTYPE,
                        "normalize: the image is %s, not float: convert it "
                        "with to_dtype(float32, scale=true) first",
                        pv_dtype_name(c->ldt));
  if (o->n_mean != 1 && o->n_mean != c->s[1])
    return pv_set_error(PV_ERR_SHAPE,
                        "normalize: %d mean/std values for %lld channels",
                        o->n_mean, (long long)c->s[1]);
  for (int i = 0; i < o->n_mean; i++)
    if (o->std[i] == 0.0f)
      return pv_set_error(PV_ERR_INVALID_ARG, "normalize: std[%d] is zero", i);
  int per_ch = o->n_mean > 1;
  c->v = pv_sub(c->g, c->v, constant(c, o->mean, o->n_mean, per_ch));
  c->v = pv_div(c->g, c->v, constant(c, o->std, o->n_mean, per_ch));
  return check(c, "normalize");
}

/* to_dtype (v2 = 1) and convert_image_dtype (v2 = 0). */
static int convert(lower_ctx *c, const pv__tf_op *o, int v2) {
  pv_dtype to = (pv_dtype)o->dtype;
  if (to != PV_U8 && to != PV_F32)
    return unsupported("a conversion to a dtype other than uint8/float32");
  if (to == c->ldt)
    return 0;
  int scale = v2 ? o->scale : 1;
  if (c->ldt == PV_U8 && to == PV_F32) {
    if (scale)
      c->v = v2 ? scalar_op(c, PV_OP_MUL, c->v, (float)(1.0 / 255.0))
                : scalar_op(c, PV_OP_DIV, c->v, 255.0f);
  } else { /* float32 -> uint8 truncates */
    if (scale)
      c->v = scalar_op(c, PV_OP_MUL, c->v, (float)(255.0 + 1.0 - 1e-3));
    trunc_to_int(c, 255.0);
  }
  c->ldt = to;
  return check(c, "to_dtype");
}

static int grayscale(lower_ctx *c, int64_t n_out) {
  if (n_out != 1 && n_out != 3)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "rgb_to_grayscale: num_output_channels should be "
                        "either 1 or 3, got %lld",
                        (long long)n_out);
  if (c->s[1] != 1 && c->s[1] != 3)
    return pv_set_error(PV_ERR_SHAPE,
                        "rgb_to_grayscale: the image has %lld channels, not 1 "
                        "or 3",
                        (long long)c->s[1]);
  pv_value l = c->v;
  if (c->s[1] == 3) {
    static const float w[3] = {0.2989f, 0.587f, 0.114f};
    pv_value ch[3];
    for (int k = 0; k < 3; k++)
      ch[k] =
          scalar_op(c, PV_OP_MUL, pv_slice(c->g, c->v, 1, k, k + 1, 1), w[k]);
    c->v = pv_add(c->g, pv_add(c->g, ch[0], ch[1]), ch[2]);
    if (is_int(c->ldt))
      trunc_to_int(c, pv__tf_max_value(c->ldt));
    l = c->v;
  }
  if (n_out == 3) {
    pv_value xs[3] = {l, l, l};
    c->v = pv_concat(c->g, 3, xs, 1);
  }
  c->s[1] = n_out;
  return check(c, "rgb_to_grayscale");
}

static int flip(lower_ctx *c, int axis) {
  int64_t n = c->s[axis];
  if (n <= 1)
    return 0;
  c->v = pv_slice(c->g, c->v, axis, n - 1, -n - 1, -1);
  return check(c, "flip");
}

static int lower_op(lower_ctx *c, const pv__tf_op *o) {
  switch (o->kind) {
  case PV__TF_RESIZE:
    return resize(c, o->n_size, o->size, o->max_size, o->interp, o->antialias);
  case PV__TF_CENTER_CROP: {
    int64_t ch = o->size[0], cw = o->size[1], h = c->s[2], w = c->s[3];
    if (ch <= 0 || cw <= 0)
      return pv_set_error(PV_ERR_INVALID_ARG, "center_crop: size %lld x %lld",
                          (long long)ch, (long long)cw);
    /* as pv_center_crop: pad first, then round the offset half-to-even */
    int64_t pt = ch > h ? (ch - h) / 2 : 0, pb = ch > h ? (ch - h + 1) / 2 : 0;
    int64_t pl = cw > w ? (cw - w) / 2 : 0, pr = cw > w ? (cw - w + 1) / 2 : 0;
    int64_t H = h + pt + pb, W = w + pl + pr;
    int64_t top = (int64_t)nearbyint((double)(H - ch) / 2.0);
    int64_t left = (int64_t)nearbyint((double)(W - cw) / 2.0);
    return window(c, top - pt, left - pl, ch, cw);
  }
  case PV__TF_CROP:
    return window(c, o->top, o->left, o->height, o->width);
  case PV__TF_RESIZED_CROP: {
    int rc = window(c, o->top, o->left, o->height, o->width);
    return rc ? rc : resize(c, o->n_size, o->size, 0, o->interp, o->antialias);
  }
  case PV__TF_PAD:
    return pad(c, o);
  case PV__TF_HFLIP:
    return flip(c, 3);
  case PV__TF_VFLIP:
    return flip(c, 2);
  case PV__TF_NORMALIZE:
    return normalize(c, o);
  case PV__TF_TO_DTYPE:
    return convert(c, o, 1);
  case PV__TF_CONVERT_IMAGE_DTYPE:
    return convert(c, o, 0);
  case PV__TF_GRAYSCALE:
    return grayscale(c, o->i0);
  default: {
    char what[64];
    snprintf(what, sizeof what, "%s", pv__tf_kind_name(o->kind));
    return unsupported(what);
  }
  }
}

int pv_pipeline_append_to_graph(const pv_pipeline *p, pv_graph *g,
                                pv_value input, int hwc, pv_value *out) {
  if (!p || !g || !out)
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "pipeline_append_to_graph: NULL argument");
  pv_tensor_desc d;
  int rc = pv_graph_value_desc(g, input, &d);
  if (rc)
    return rc;
  if (d.ndim < 3)
    return pv_set_error(PV_ERR_SHAPE,
                        "pipeline_append_to_graph: the input has rank %d, not "
                        "[..., C, H, W] (or [..., H, W, C] with hwc)",
                        (int)d.ndim);
  for (int i = 0; i < d.ndim; i++)
    if (d.shape[i] < 0)
      return pv_set_error(PV_ERR_SHAPE,
                          "pipeline_append_to_graph: dim %d of the input is "
                          "dynamic; preprocessing needs a static image shape",
                          i);
  if (d.dtype != PV_U8 && d.dtype != PV_F32)
    return unsupported(d.dtype == PV_U16   ? "a uint16 image"
                       : d.dtype == PV_F16 ? "a float16 image"
                                           : "an image of this dtype");
  lower_ctx c = {g, input, {1, 0, 0, 0}, (pv_dtype)d.dtype, 0};
  int nd = d.ndim;
  for (int i = 0; i < nd - 3; i++)
    c.s[0] *= d.shape[i];
  int64_t a = d.shape[nd - 3], b = d.shape[nd - 2], e = d.shape[nd - 1];
  /* unique names for the constants of several prepended pipelines */
  c.n_const = pv_graph_num_nodes(g) * 1000;
  if (d.dtype != PV_F32)
    c.v = pv_cast(g, c.v, PV_F32);
  int64_t s4[4] = {c.s[0], a, b, e};
  if (nd != 4)
    c.v = pv_reshape(g, c.v, 4, s4);
  if (hwc) {
    static const int perm[4] = {0, 3, 1, 2};
    c.v = pv_permute(g, c.v, 4, perm);
    c.s[1] = e, c.s[2] = a, c.s[3] = b;
  } else
    c.s[1] = a, c.s[2] = b, c.s[3] = e;
  if ((rc = check(&c, "the input layout")))
    return rc;
  for (int i = 0; i < p->n; i++)
    if ((rc = lower_op(&c, &p->ops[i])))
      return rc;
  if (c.ldt != PV_F32)
    c.v = pv_cast(g, c.v, c.ldt);
  if (nd != 4) {
    int64_t shape[PV_MAX_DIMS];
    memcpy(shape, d.shape, sizeof(int64_t) * (size_t)(nd - 3));
    memcpy(shape + nd - 3, c.s + 1, sizeof(int64_t) * 3);
    c.v = pv_reshape(g, c.v, nd, shape);
  }
  if ((rc = check(&c, "the output layout")))
    return rc;
  *out = c.v;
  return 0;
}

int pv_pipeline_supported_on_device(const pv_pipeline *p) {
  if (!p)
    return 0;
  for (int i = 0; i < p->n; i++)
    switch (p->ops[i].kind) {
    case PV__TF_RESIZE:
    case PV__TF_CENTER_CROP:
    case PV__TF_CROP:
    case PV__TF_RESIZED_CROP:
    case PV__TF_PAD:
    case PV__TF_HFLIP:
    case PV__TF_VFLIP:
    case PV__TF_NORMALIZE:
    case PV__TF_TO_DTYPE:
    case PV__TF_CONVERT_IMAGE_DTYPE:
    case PV__TF_GRAYSCALE:
      break;
    default:
      return 0;
    }
  return 1;
}

pv_tensor *pv_pipeline_run_on_device(const pv_pipeline *p, pv_tensor *img,
                                     int hwc, const char *device,
                                     int fallback) {
  if (!p || !img) {
    pv_set_error(PV_ERR_INVALID_ARG, "pipeline_run_on_device: NULL argument");
    return NULL;
  }
  pv_graph *g = pv_graph_create();
  if (!g) {
    pv_set_error(PV_ERR_NOMEM, "pipeline_run_on_device: out of memory");
    return NULL;
  }
  pv_tensor *res = NULL;
  pv_compiled *cg = NULL;
  pv_value in = pv_graph_input(g, "image", pv_tensor_dtype(img),
                               pv_tensor_ndim(img), pv_tensor_shape(img));
  pv_value out;
  if (in == PV_NO_VALUE || pv_pipeline_append_to_graph(p, g, in, hwc, &out))
    goto done;
  if (out == in) { /* nothing to compute: torchvision returns the input */
    res = pv_tensor_retain(img);
    goto done;
  }
  if (pv_graph_output(g, "out", out))
    goto done;
  pv_compile_options o = pv_compile_options_default();
  o.device = device;
  o.fallback = fallback;
  o.precision = 0;
  cg = pv_graph_compile(g, &o);
  if (!cg)
    goto done;
  if (pv_compiled_run(cg, 1, &img, 1, &res))
    res = NULL;
done:
  pv_compiled_free(cg);
  pv_graph_free(g);
  return res;
}
