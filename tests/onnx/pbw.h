/* A tiny protobuf writer for tests: builds small ONNX models byte by byte
 * (unknown ops, corrupt fields, external data) without any library. */
#ifndef POLYVIS_TEST_PBW_H
#define POLYVIS_TEST_PBW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pbw {
  uint8_t *p;
  size_t n, cap;
} pbw;

static inline void pbw_raw(pbw *w, const void *d, size_t n) {
  if (w->n + n > w->cap) {
    size_t cap = (w->cap ? w->cap * 2 : 256) + n;
    w->p = realloc(w->p, cap);
    if (!w->p)
      abort();
    w->cap = cap;
  }
  memcpy(w->p + w->n, d, n);
  w->n += n;
}

static inline void pbw_varint(pbw *w, uint64_t v) {
  uint8_t b[10];
  int n = 0;
  do {
    b[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v)
      b[n] |= 0x80;
    n++;
  } while (v);
  pbw_raw(w, b, (size_t)n);
}

static inline void pbw_tag(pbw *w, uint32_t f, int wire) {
  pbw_varint(w, ((uint64_t)f << 3) | (uint64_t)wire);
}
static inline void pbw_int(pbw *w, uint32_t f, int64_t v) {
  pbw_tag(w, f, 0);
  pbw_varint(w, (uint64_t)v);
}
static inline void pbw_float(pbw *w, uint32_t f, float v) {
  pbw_tag(w, f, 5);
  pbw_raw(w, &v, 4);
}
static inline void pbw_bytes(pbw *w, uint32_t f, const void *d, size_t n) {
  pbw_tag(w, f, 2);
  pbw_varint(w, n);
  pbw_raw(w, d, n);
}
static inline void pbw_str(pbw *w, uint32_t f, const char *s) {
  pbw_bytes(w, f, s, strlen(s));
}
/* Appends sub as a length-delimited field and frees it. */
static inline void pbw_msg(pbw *w, uint32_t f, pbw *sub) {
  pbw_bytes(w, f, sub->p, sub->n);
  free(sub->p);
  memset(sub, 0, sizeof *sub);
}

/* ValueInfoProto of a float tensor with a static shape. */
static inline void pbw_value_info(pbw *w, uint32_t f, const char *name,
                                  int elem, int ndim, const int64_t *shape) {
  pbw vi = {0}, tp = {0}, tt = {0}, sh = {0};
  for (int i = 0; i < ndim; i++) {
    pbw dim = {0};
    if (shape[i] >= 0)
      pbw_int(&dim, 1, shape[i]);
    else
      pbw_str(&dim, 2, "N");
    pbw_msg(&sh, 1, &dim);
  }
  pbw_int(&tt, 1, elem);
  pbw_msg(&tt, 2, &sh);
  pbw_msg(&tp, 1, &tt);
  pbw_str(&vi, 1, name);
  pbw_msg(&vi, 2, &tp);
  pbw_msg(w, f, &vi);
}

/* A float TensorProto with raw_data. */
static inline void pbw_tensor_f32(pbw *w, uint32_t f, const char *name,
                                  int ndim, const int64_t *shape,
                                  const float *data) {
  pbw t = {0};
  size_t n = 1;
  for (int i = 0; i < ndim; i++) {
    pbw_int(&t, 1, shape[i]);
    n *= (size_t)shape[i];
  }
  pbw_int(&t, 2, 1);
  pbw_str(&t, 8, name);
  pbw_bytes(&t, 9, data, n * 4);
  pbw_msg(w, f, &t);
}

/* NodeProto with up to 4 inputs and 1 output. */
static inline void pbw_node(pbw *g, const char *op, const char *domain,
                            const char *name, int n_in, const char *const *in,
                            const char *out, pbw *attrs /* may be NULL */) {
  pbw n = {0};
  for (int i = 0; i < n_in; i++)
    pbw_str(&n, 1, in[i]);
  pbw_str(&n, 2, out);
  pbw_str(&n, 3, name);
  pbw_str(&n, 4, op);
  if (attrs && attrs->n)
    pbw_raw(&n, attrs->p, attrs->n);
  if (domain)
    pbw_str(&n, 7, domain);
  pbw_msg(g, 1, &n);
}

/* ModelProto around a GraphProto, importing the default opset. */
static inline void pbw_model(pbw *m, pbw *graph, int64_t opset) {
  pbw op = {0};
  pbw_int(m, 1, 7);
  pbw_str(m, 2, "polyvis-test");
  pbw_msg(m, 7, graph);
  pbw_str(&op, 1, "");
  pbw_int(&op, 2, opset);
  pbw_msg(m, 8, &op);
}

#endif
