/* The model builder context: parameters by key, module paths, and the
 * torch.nn layers every family uses. */
#include "models_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pv__mb_fail(pv__mb *b, int status, const char *fmt, ...) {
  if (b->status)
    return b->status;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  b->status = pv_set_error(status, "%s: %s", b->variant, msg);
  return b->status;
}

size_t pv__mb_push(pv__mb *b, const char *fmt, ...) {
  size_t old = strlen(b->prefix);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->prefix + old, sizeof b->prefix - old, fmt, ap);
  va_end(ap);
  size_t n = strlen(b->prefix);
  if (n + 1 < sizeof b->prefix && n > 0 && b->prefix[n - 1] != '.') {
    b->prefix[n] = '.';
    b->prefix[n + 1] = 0;
  }
  return old;
}

void pv__mb_pop(pv__mb *b, size_t len) { b->prefix[len] = 0; }

static pv__param *find_param(pv__mb *b, const char *key) {
  for (int i = 0; i < b->n_params; i++)
    if (!strcmp(b->params[i].key, key))
      return &b->params[i];
  return NULL;
}

static float rand_uniform(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)((*s >> 8) & 0xffffff) / 16777216.0f;
}

static pv_value param(pv__mb *b, const char *name, int ndim,
                      const int64_t *shape, int optional) {
  if (b->status)
    return PV_NO_VALUE;
  char key[512];
  snprintf(key, sizeof key, "%s%s", b->prefix, name);
  pv__param *p = find_param(b, key);
  if (p) {
    pv_tensor *t = p->t;
    bool ok = pv_tensor_ndim(t) == ndim;
    for (int i = 0; ok && i < ndim; i++)
      ok = shape[i] < 0 || pv_tensor_shape(t)[i] == shape[i];
    if (!ok) {
      char a[128] = "", w[128] = "";
      size_t o = 0;
      for (int i = 0; i < pv_tensor_ndim(t); i++)
        o += (size_t)snprintf(a + o, sizeof a - o, "%s%lld", i ? ", " : "",
                              (long long)pv_tensor_shape(t)[i]);
      o = 0;
      for (int i = 0; i < ndim; i++)
        o += (size_t)snprintf(w + o, sizeof w - o, "%s%lld", i ? ", " : "",
                              (long long)shape[i]);
      pv__mb_fail(b, PV_ERR_SHAPE,
                  "size mismatch for %s: checkpoint has [%s], the model "
                  "expects [%s]",
                  key, a, w);
      return PV_NO_VALUE;
    }
    p->used = 1;
    pv_tensor *f = pv_tensor_dtype(t) == PV_F32 ? pv_tensor_retain(t)
                                                : pv_tensor_cast(t, PV_F32);
    pv_value v = pv_graph_constant(b->g, key, f);
    pv_tensor_release(f);
    return v;
  }
  if (b->n_params > 0) {
    if (!optional)
      pv__mb_fail(b, PV_ERR_NOT_FOUND, "missing key in state_dict: %s", key);
    return PV_NO_VALUE;
  }
  /* no weights loaded: a fixed-seed init, like weights=None (BatchNorm
   * running statistics get mean 0 / var 1 as torch initialises them) */
  pv_tensor *t = pv_tensor_create(PV_F32, ndim, shape);
  if (!t) {
    pv__mb_fail(b, pv_last_status(), "cannot allocate %s", key);
    return PV_NO_VALUE;
  }
  float *d = pv_tensor_data(t);
  int64_t n = pv_tensor_numel(t), fan_in = ndim > 1 ? n / shape[0] : 1;
  size_t nl = strlen(name);
  bool is_var = nl >= 11 && !strcmp(name + nl - 11, "running_var");
  bool is_mean = nl >= 12 && !strcmp(name + nl - 12, "running_mean");
  float bound = 1.0f / sqrtf((float)(fan_in > 0 ? fan_in : 1));
  for (int64_t i = 0; i < n; i++)
    d[i] = is_var    ? 1.0f
           : is_mean ? 0.0f
                     : (2.0f * rand_uniform(&b->seed) - 1.0f) * bound;
  pv_value v = pv_graph_constant(b->g, key, t);
  pv_tensor_release(t);
  return v;
}

pv_value pv__mb_param(pv__mb *b, const char *name, int ndim,
                      const int64_t *shape) {
  return param(b, name, ndim, shape, 0);
}

pv_value pv__mb_param_opt(pv__mb *b, const char *name, int ndim,
                          const int64_t *shape) {
  return param(b, name, ndim, shape, 1);
}

static pv_value checked(pv__mb *b, pv_value v) {
  if (v == PV_NO_VALUE && !b->status)
    b->status = pv_graph_status(b->g) ? pv_graph_status(b->g) : PV_ERR_INTERNAL;
  return v;
}

pv_value pv__mb_conv(pv__mb *b, pv_value x, const char *name, int cin, int cout,
                     int kh, int kw, int stride, int pad, int groups,
                     int dilation, int bias) {
  size_t l = pv__mb_push(b, "%s", name);
  int64_t ws[4] = {cout, cin / groups, kh, kw}, bs[1] = {cout};
  pv_value w = pv__mb_param(b, "weight", 4, ws);
  pv_value bb = bias ? pv__mb_param(b, "bias", 1, bs) : PV_NO_VALUE;
  pv__mb_pop(b, l);
  if (b->status)
    return PV_NO_VALUE;
  pv_conv_attrs a = pv_conv_attrs_default();
  a.stride[0] = a.stride[1] = stride;
  a.padding[0] = a.padding[1] = a.padding[2] = a.padding[3] = pad;
  a.groups = groups;
  a.dilation[0] = a.dilation[1] = dilation;
  return checked(b, pv_conv2d(b->g, x, w, bb, &a));
}

pv_value pv__mb_bn(pv__mb *b, pv_value x, const char *name, int c, float eps) {
  size_t l = pv__mb_push(b, "%s", name);
  int64_t s[1] = {c};
  pv_value w = pv__mb_param(b, "weight", 1, s);
  pv_value bias = pv__mb_param(b, "bias", 1, s);
  pv_value m = pv__mb_param(b, "running_mean", 1, s);
  pv_value v = pv__mb_param(b, "running_var", 1, s);
  /* num_batches_tracked is a training counter: accepted, unused */
  int64_t none[1] = {0};
  (void)none;
  char key[512];
  snprintf(key, sizeof key, "%snum_batches_tracked", b->prefix);
  for (int i = 0; i < b->n_params; i++)
    if (!strcmp(b->params[i].key, key))
      b->params[i].used = 1;
  pv__mb_pop(b, l);
  if (b->status)
    return PV_NO_VALUE;
  return checked(b, pv_batch_norm(b->g, x, w, bias, m, v, eps));
}

pv_value pv__mb_linear(pv__mb *b, pv_value x, const char *name, int in, int out,
                       int bias) {
  size_t l = pv__mb_push(b, "%s", name);
  int64_t ws[2] = {out, in}, bs[1] = {out};
  pv_value w = pv__mb_param(b, "weight", 2, ws);
  pv_value bb = bias ? pv__mb_param(b, "bias", 1, bs) : PV_NO_VALUE;
  pv__mb_pop(b, l);
  if (b->status)
    return PV_NO_VALUE;
  return checked(b, pv_linear(b->g, x, w, bb));
}

pv_value pv__mb_layer_norm(pv__mb *b, pv_value x, const char *name, int c,
                           float eps) {
  size_t l = pv__mb_push(b, "%s", name);
  int64_t s[1] = {c};
  pv_value w = pv__mb_param(b, "weight", 1, s);
  pv_value bb = pv__mb_param(b, "bias", 1, s);
  pv__mb_pop(b, l);
  if (b->status)
    return PV_NO_VALUE;
  return checked(b, pv_layer_norm(b->g, x, 1, w, bb, eps));
}

pv_value pv__mb_max_pool(pv__mb *b, pv_value x, int k, int s, int p,
                         int ceil_mode) {
  pv_pool_attrs a = pv_pool_attrs_default();
  a.kernel[0] = a.kernel[1] = k;
  a.stride[0] = a.stride[1] = s;
  a.padding[0] = a.padding[1] = a.padding[2] = a.padding[3] = p;
  a.ceil_mode = ceil_mode;
  return checked(b, pv_max_pool2d(b->g, x, &a));
}

pv_value pv__mb_avg_pool(pv__mb *b, pv_value x, int k, int s, int p,
                         int ceil_mode, int count_include_pad) {
  pv_pool_attrs a = pv_pool_attrs_default();
  a.kernel[0] = a.kernel[1] = k;
  a.stride[0] = a.stride[1] = s;
  a.padding[0] = a.padding[1] = a.padding[2] = a.padding[3] = p;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = count_include_pad;
  return checked(b, pv_avg_pool2d(b->g, x, &a));
}

pv_value pv__mb_global_pool_flat(pv__mb *b, pv_value x) {
  return checked(
      b, pv_flatten(b->g, pv_adaptive_avg_pool2d(b->g, x, 1, 1), 1, -1));
}

int pv__make_divisible(double v, int divisor, int min_value) {
  if (min_value <= 0)
    min_value = divisor;
  int nv = (int)(v + divisor / 2.0) / divisor * divisor;
  if (nv < min_value)
    nv = min_value;
  if (nv < 0.9 * v)
    nv += divisor;
  return nv;
}
