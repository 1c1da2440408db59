/*
 * torchvision.ops box utilities and NMS on host tensors (see
 * include/polyvis/vision.h). Arithmetic is float32, as torchvision's CPU
 * kernels do for float32 boxes, so kept sets match at thresholds that sit on
 * an exact IoU.
 */
#include "internal.h"

#include <polyvis/elem.h>
#include <polyvis/vision.h>
#include <stdlib.h>

/* Reads boxes [N, 4] into float32 (a new host array of 4N floats). */
static int read_boxes(const pv_tensor *b, const char *fn, const char *arg,
                      float **out, int64_t *n) {
  *out = NULL;
  *n = 0;
  if (!b)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: %s is NULL", fn, arg);
  if (pv_tensor_device(b))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: %s lives on a device; copy it to the host", fn,
                        arg);
  if (pv_tensor_ndim(b) != 2 || pv_tensor_dim(b, 1) != 4) {
    char sb[PV__SHAPE_STR_LEN];
    return pv_set_error(
        PV_ERR_SHAPE, "%s: %s must be [N, 4], got %s", fn, arg,
        pv__shape_str(pv_tensor_ndim(b), pv_tensor_shape(b), sb, sizeof sb));
  }
  pv_tensor *c = pv_tensor_contiguous((pv_tensor *)b);
  if (!c)
    return pv_last_status();
  int64_t count = pv_tensor_dim(c, 0);
  float *f = malloc(sizeof(float) * (size_t)(count * 4 + 1));
  if (!f) {
    pv_tensor_release(c);
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", fn);
  }
  const void *d = pv_tensor_data(c);
  int dt = pv_tensor_dtype(c);
  for (int64_t i = 0; i < count * 4; i++)
    f[i] = dt == PV_F32 ? ((const float *)d)[i]
                        : (float)pv_elem_load_f64(d, dt, i);
  pv_tensor_release(c);
  *out = f;
  *n = count;
  return 0;
}

/* Reads a 1-D tensor of n values as double (scores) or int64 (indices). */
static int read_vec(const pv_tensor *t, int64_t n, const char *fn,
                    const char *arg, double *dv, int64_t *iv) {
  if (!t)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: %s is NULL", fn, arg);
  if (pv_tensor_device(t))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: %s lives on a device; copy it to the host", fn,
                        arg);
  if (pv_tensor_ndim(t) != 1 || pv_tensor_dim(t, 0) != n) {
    char sb[PV__SHAPE_STR_LEN];
    return pv_set_error(
        PV_ERR_SHAPE, "%s: %s must be [%lld], got %s", fn, arg, (long long)n,
        pv__shape_str(pv_tensor_ndim(t), pv_tensor_shape(t), sb, sizeof sb));
  }
  pv_tensor *c = pv_tensor_contiguous((pv_tensor *)t);
  if (!c)
    return pv_last_status();
  const void *d = pv_tensor_data(c);
  int dt = pv_tensor_dtype(c);
  if (iv && !pv_elem_is_int(dt)) {
    pv_tensor_release(c);
    return pv_set_error(PV_ERR_DTYPE,
                        "%s: %s must be an integer tensor, got %s", fn, arg,
                        pv_dtype_name((pv_dtype)dt));
  }
  for (int64_t i = 0; i < n; i++) {
    if (dv)
      dv[i] = dt == PV_F32 ? ((const float *)d)[i] : pv_elem_load_f64(d, dt, i);
    if (iv)
      iv[i] = pv_elem_load_i64(d, dt, i);
  }
  pv_tensor_release(c);
  return 0;
}

static pv_tensor *index_tensor(const int64_t *idx, int64_t n) {
  int64_t s[1] = {n};
  pv_tensor *t = pv_tensor_create(PV_I64, 1, s);
  if (t && n)
    memcpy(pv_tensor_data(t), idx, sizeof(int64_t) * (size_t)n);
  return t;
}

static _Thread_local const double *g_sort_scores;

/* Decreasing score; ties by index (a stable sort). NaN sorts first, as
 * torch's descending sort places it. */
static int by_score_desc(const void *a, const void *b) {
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
  double x = g_sort_scores[i], y = g_sort_scores[j];
  int xn = x != x, yn = y != y;
  if (xn != yn)
    return xn ? -1 : 1;
  if (!xn && x != y)
    return x > y ? -1 : 1;
  return i < j ? -1 : i > j;
}

static void sort_desc(int64_t *order, int64_t n, const double *scores) {
  g_sort_scores = scores;
  qsort(order, (size_t)n, sizeof *order, by_score_desc);
  g_sort_scores = NULL;
}

/* NMS over the boxes listed in order[0..n) (already sorted); appends the
 * kept indices to keep and returns their count. */
static int64_t nms_sorted(const float *bx, const int64_t *order, int64_t n,
                          double thr, unsigned char *suppressed,
                          int64_t *keep) {
  int64_t nk = 0;
  for (int64_t a = 0; a < n; a++) {
    int64_t i = order[a];
    if (suppressed[a])
      continue;
    keep[nk++] = i;
    const float *bi = bx + 4 * i;
    float ai = (bi[2] - bi[0]) * (bi[3] - bi[1]);
    for (int64_t b = a + 1; b < n; b++) {
      if (suppressed[b])
        continue;
      const float *bj = bx + 4 * order[b];
      float xx1 = bi[0] > bj[0] ? bi[0] : bj[0];
      float yy1 = bi[1] > bj[1] ? bi[1] : bj[1];
      float xx2 = bi[2] < bj[2] ? bi[2] : bj[2];
      float yy2 = bi[3] < bj[3] ? bi[3] : bj[3];
      float w = xx2 - xx1 > 0.0f ? xx2 - xx1 : 0.0f;
      float h = yy2 - yy1 > 0.0f ? yy2 - yy1 : 0.0f;
      float inter = w * h;
      float aj = (bj[2] - bj[0]) * (bj[3] - bj[1]);
      float ovr = inter / (ai + aj - inter);
      if ((double)ovr > thr)
        suppressed[b] = 1;
    }
  }
  return nk;
}

pv_tensor *pv_nms(const pv_tensor *boxes, const pv_tensor *scores,
                  double iou_threshold) {
  return pv_batched_nms(boxes, scores, NULL, iou_threshold);
}

pv_tensor *pv_batched_nms(const pv_tensor *boxes, const pv_tensor *scores,
                          const pv_tensor *idxs, double iou_threshold) {
  const char *fn = idxs ? "batched_nms" : "nms";
  float *bx = NULL;
  int64_t n = 0;
  if (read_boxes(boxes, fn, "boxes", &bx, &n))
    return NULL;
  double *sc = malloc(sizeof(double) * (size_t)(n + 1));
  int64_t *cat = malloc(sizeof(int64_t) * (size_t)(n + 1));
  int64_t *order = malloc(sizeof(int64_t) * (size_t)(n + 1));
  int64_t *keep = malloc(sizeof(int64_t) * (size_t)(n + 1));
  unsigned char *sup = calloc((size_t)n + 1, 1);
  pv_tensor *out = NULL;
  if (!sc || !cat || !order || !keep || !sup) {
    pv_set_error(PV_ERR_NOMEM, "%s: out of memory", fn);
    goto done;
  }
  if (read_vec(scores, n, fn, "scores", sc, NULL) ||
      (idxs && read_vec(idxs, n, fn, "idxs", NULL, cat)))
    goto done;
  for (int64_t i = 0; i < n; i++) {
    order[i] = i;
    if (!idxs)
      cat[i] = 0;
  }
  sort_desc(order, n, sc);
  /* Per category, over the globally sorted order: the category's boxes in
   * decreasing score, then the union re-sorted by score (torchvision's
   * vanilla batched NMS). */
  int64_t nk = 0;
  int64_t *sub = malloc(sizeof(int64_t) * (size_t)(n + 1));
  unsigned char *done_cat = calloc((size_t)n + 1, 1);
  if (!sub || !done_cat) {
    free(sub);
    free(done_cat);
    pv_set_error(PV_ERR_NOMEM, "%s: out of memory", fn);
    goto done;
  }
  for (int64_t a = 0; a < n; a++) {
    if (done_cat[a])
      continue;
    int64_t c = cat[order[a]], m = 0;
    for (int64_t b = a; b < n; b++)
      if (!done_cat[b] && cat[order[b]] == c) {
        done_cat[b] = 1;
        sub[m++] = order[b];
      }
    memset(sup, 0, (size_t)m);
    nk += nms_sorted(bx, sub, m, iou_threshold, sup, keep + nk);
  }
  free(sub);
  free(done_cat);
  sort_desc(keep, nk, sc);
  out = index_tensor(keep, nk);
done:
  free(bx);
  free(sc);
  free(cat);
  free(order);
  free(keep);
  free(sup);
  return out;
}

static pv_tensor *f32_tensor(int ndim, const int64_t *shape, float **data) {
  pv_tensor *t = pv_tensor_create(PV_F32, ndim, shape);
  *data = t ? pv_tensor_data(t) : NULL;
  return t;
}

pv_tensor *pv_box_area(const pv_tensor *boxes) {
  float *bx, *o;
  int64_t n;
  if (read_boxes(boxes, "box_area", "boxes", &bx, &n))
    return NULL;
  pv_tensor *t = f32_tensor(1, &n, &o);
  for (int64_t i = 0; t && i < n; i++)
    o[i] = (bx[4 * i + 2] - bx[4 * i]) * (bx[4 * i + 3] - bx[4 * i + 1]);
  free(bx);
  return t;
}

pv_tensor *pv_box_iou(const pv_tensor *boxes1, const pv_tensor *boxes2) {
  float *a = NULL, *b = NULL, *o;
  int64_t n, m;
  if (read_boxes(boxes1, "box_iou", "boxes1", &a, &n) ||
      read_boxes(boxes2, "box_iou", "boxes2", &b, &m)) {
    free(a);
    return NULL;
  }
  int64_t s[2] = {n, m};
  pv_tensor *t = f32_tensor(2, s, &o);
  for (int64_t i = 0; t && i < n; i++) {
    const float *p = a + 4 * i;
    float ap = (p[2] - p[0]) * (p[3] - p[1]);
    for (int64_t j = 0; j < m; j++) {
      const float *q = b + 4 * j;
      float aq = (q[2] - q[0]) * (q[3] - q[1]);
      float w = (p[2] < q[2] ? p[2] : q[2]) - (p[0] > q[0] ? p[0] : q[0]);
      float h = (p[3] < q[3] ? p[3] : q[3]) - (p[1] > q[1] ? p[1] : q[1]);
      float inter = (w > 0 ? w : 0) * (h > 0 ? h : 0);
      o[i * m + j] = inter / (ap + aq - inter);
    }
  }
  free(a);
  free(b);
  return t;
}

pv_tensor *pv_box_convert(const pv_tensor *boxes, pv_box_format in_fmt,
                          pv_box_format out_fmt) {
  if ((int)in_fmt < 0 || in_fmt > PV_BOX_CXCYWH || (int)out_fmt < 0 ||
      out_fmt > PV_BOX_CXCYWH) {
    pv_set_error(PV_ERR_INVALID_ARG, "box_convert: unknown format %d -> %d",
                 (int)in_fmt, (int)out_fmt);
    return NULL;
  }
  float *bx, *o;
  int64_t n;
  if (read_boxes(boxes, "box_convert", "boxes", &bx, &n))
    return NULL;
  int64_t s[2] = {n, 4};
  pv_tensor *t = f32_tensor(2, s, &o);
  for (int64_t i = 0; t && i < n; i++) {
    const float *p = bx + 4 * i;
    float x1, y1, x2, y2;
    if (in_fmt == PV_BOX_XYXY) {
      x1 = p[0], y1 = p[1], x2 = p[2], y2 = p[3];
    } else if (in_fmt == PV_BOX_XYWH) {
      x1 = p[0], y1 = p[1], x2 = p[0] + p[2], y2 = p[1] + p[3];
    } else { /* as torchvision: c - 0.5 * w */
      x1 = p[0] - 0.5f * p[2], y1 = p[1] - 0.5f * p[3];
      x2 = p[0] + 0.5f * p[2], y2 = p[1] + 0.5f * p[3];
    }
    float *q = o + 4 * i;
    if (in_fmt == out_fmt) {
      memcpy(q, p, sizeof(float) * 4);
    } else if (out_fmt == PV_BOX_XYXY) {
      q[0] = x1, q[1] = y1, q[2] = x2, q[3] = y2;
    } else if (out_fmt == PV_BOX_XYWH) {
      q[0] = x1, q[1] = y1, q[2] = x2 - x1, q[3] = y2 - y1;
    } else {
      q[0] = (x1 + x2) / 2, q[1] = (y1 + y2) / 2, q[2] = x2 - x1,
      q[3] = y2 - y1;
    }
  }
  free(bx);
  return t;
}

pv_tensor *pv_clip_boxes_to_image(const pv_tensor *boxes, int64_t height,
                                  int64_t width) {
  float *bx, *o;
  int64_t n;
  if (read_boxes(boxes, "clip_boxes_to_image", "boxes", &bx, &n))
    return NULL;
  int64_t s[2] = {n, 4};
  pv_tensor *t = f32_tensor(2, s, &o);
  for (int64_t i = 0; t && i < 4 * n; i++) {
    float lim = (float)(i % 2 ? height : width), v = bx[i];
    o[i] = v < 0 ? 0 : v > lim ? lim : v;
  }
  free(bx);
  return t;
}

pv_tensor *pv_remove_small_boxes(const pv_tensor *boxes, float min_size) {
  float *bx;
  int64_t n, k = 0;
  if (read_boxes(boxes, "remove_small_boxes", "boxes", &bx, &n))
    return NULL;
  int64_t *keep = malloc(sizeof(int64_t) * (size_t)(n + 1));
  pv_tensor *t = NULL;
  if (keep) {
    for (int64_t i = 0; i < n; i++)
      if (bx[4 * i + 2] - bx[4 * i] >= min_size &&
          bx[4 * i + 3] - bx[4 * i + 1] >= min_size)
        keep[k++] = i;
    t = index_tensor(keep, k);
  } else {
    pv_set_error(PV_ERR_NOMEM, "remove_small_boxes: out of memory");
  }
  free(keep);
  free(bx);
  return t;
}
