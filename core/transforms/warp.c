/* Affine, rotate and perspective warps: torchvision's tensor path, i.e. an
 * output grid of pixel centres mapped through the inverse matrix (float32),
 * then grid_sample(align_corners=False, padding_mode='zeros') with
 * torchvision's mask trick for fill colours. */
#include "tf_internal.h"

/* torchvision's _get_inverse_affine_matrix (inverted=True), in double. */
static void inverse_affine(const double center[2], double angle,
                           const double translate[2], double scale,
                           const double shear[2], double m[6]) {
  double rot = angle * M_PI / 180.0;
  double sx = shear[0] * M_PI / 180.0, sy = shear[1] * M_PI / 180.0;
  double cx = center[0], cy = center[1], tx = translate[0], ty = translate[1];
  double a = cos(rot - sy) / cos(sy);
  double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
  double c = sin(rot - sy) / cos(sy);
  double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
  double mm[6] = {d, -b, 0.0, -c, a, 0.0};
  for (int i = 0; i < 6; i++)
    m[i] = mm[i] / scale;
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
}

typedef struct grid_job {
  const float *src; /* planes x h x w */
  float *dst;       /* planes x oh x ow */
  int64_t planes, c, h, w, oh, ow;
  int nearest;
  /* grid: affine (persp = 0): gx = x*r[0] + y*r[1] + r[2], gy likewise with
   * r[3..5]; perspective: (x*r0 + y*r1 + r2) / (x*q0 + y*q1 + 1) - 1 */
  int persp;
  float r[6], q[3];
  const float *fill; /* NULL = no fill (plain zeros padding) */
  int n_fill;
  const float *grid; /* explicit [oh, ow, 2] grid (elastic), or NULL */
} grid_job;

static void grid_at(const grid_job *j, int64_t oy, int64_t ox, float *gx,
                    float *gy) {
  if (j->grid) {
    *gx = j->grid[(oy * j->ow + ox) * 2];
    *gy = j->grid[(oy * j->ow + ox) * 2 + 1];
  } else if (!j->persp) {
    float x = -(float)j->ow * 0.5f + 0.5f + (float)ox;
    float y = -(float)j->oh * 0.5f + 0.5f + (float)oy;
    /* torch's bmm contracts x*r0 + y*r1 into fma(y, r1, x*r0) */
    *gx = fmaf(y, j->r[1], x * j->r[0]) + j->r[2];
    *gy = fmaf(y, j->r[4], x * j->r[3]) + j->r[5];
  } else {
    float x = 0.5f + (float)ox, y = 0.5f + (float)oy;
    float den = fmaf(y, j->q[1], x * j->q[0]) + j->q[2];
    *gx = (fmaf(y, j->r[1], x * j->r[0]) + j->r[2]) / den - 1.0f;
    *gy = (fmaf(y, j->r[4], x * j->r[3]) + j->r[5]) / den - 1.0f;
  }
}

static void grid_rows(void *vctx, int64_t begin, int64_t end) {
  const grid_job *j = vctx;
  int64_t C = j->c, images = j->planes / C, hw = j->h * j->w;
  float sw_ = (float)j->w / 2, sh_ = (float)j->h / 2;
  for (int64_t row = begin; row < end; row++) {
    int64_t b = row / j->oh, oy = row % j->oh;
    (void)images;
    for (int64_t ox = 0; ox < j->ow; ox++) {
      float gx, gy;
      grid_at(j, oy, ox, &gx, &gy);
      float ix = (gx + 1.0f) * sw_ - 0.5f, iy = (gy + 1.0f) * sh_ - 0.5f;
      int64_t base = b * C;
      if (j->nearest) {
        float rx = nearbyintf(ix), ry = nearbyintf(iy);
        int in = rx >= 0 && ry >= 0 && rx < (float)j->w && ry < (float)j->h;
        int64_t off = in ? (int64_t)ry * j->w + (int64_t)rx : 0;
        for (int64_t c = 0; c < C; c++) {
          float v = in ? j->src[(base + c) * hw + off] : 0.0f;
          if (j->fill && !in) /* mask (1 inside, 0 outside) < 0.5 */
            v = j->fill[j->n_fill == 1 ? 0 : c];
          j->dst[((base + c) * j->oh + oy) * j->ow + ox] = v;
        }
        continue;
      }
      float xw = floorf(ix), yn = floorf(iy);
      float we = ix - xw, e = 1.0f - we, n = iy - yn, s = 1.0f - n;
      float wnw = s * e, wne = s * we, wsw = n * e, wse = n * we;
      int64_t x0 = (int64_t)xw, y0 = (int64_t)yn;
      int inx0 = x0 >= 0 && x0 < j->w, inx1 = x0 + 1 >= 0 && x0 + 1 < j->w;
      int iny0 = y0 >= 0 && y0 < j->h, iny1 = y0 + 1 >= 0 && y0 + 1 < j->h;
      int m_nw = inx0 && iny0, m_ne = inx1 && iny0, m_sw = inx0 && iny1,
          m_se = inx1 && iny1;
      float mask = 1.0f;
      if (j->fill)
        mask = (((m_nw ? wnw : 0.0f) + (m_ne ? wne : 0.0f)) +
                (m_sw ? wsw : 0.0f)) +
               (m_se ? wse : 0.0f);
      for (int64_t c = 0; c < C; c++) {
        const float *p = j->src + (base + c) * hw;
        float vnw = m_nw ? p[y0 * j->w + x0] : 0.0f;
        float vne = m_ne ? p[y0 * j->w + x0 + 1] : 0.0f;
        float vsw = m_sw ? p[(y0 + 1) * j->w + x0] : 0.0f;
        float vse = m_se ? p[(y0 + 1) * j->w + x0 + 1] : 0.0f;
        float v = ((vnw * wnw + vne * wne) + vsw * wsw) + vse * wse;
        if (j->fill)
          v = v * mask + (1.0f - mask) * j->fill[j->n_fill == 1 ? 0 : c];
        j->dst[((base + c) * j->oh + oy) * j->ow + ox] = v;
      }
    }
  }
}

static pv_tensor *run_grid(pv_tensor *img, const char *op, grid_job *j,
                           int64_t oh, int64_t ow, int interpolation,
                           const float *fill, int n_fill) {
  pv__img g;
  if (pv__tf_check(img, op, 3, &g))
    return NULL;
  if (interpolation != PV_RESIZE_NEAREST &&
      interpolation != PV_RESIZE_BILINEAR) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "%s: interpolation must be nearest or bilinear", op);
    return NULL;
  }
  if (fill && n_fill != 1 && n_fill != g.c) {
    pv_set_error(PV_ERR_SHAPE,
                 "%s: fill has %d values; the image has %lld channels", op,
                 n_fill, (long long)g.c);
    return NULL;
  }
  if (oh <= 0 || ow <= 0 || oh > (1 << 20) || ow > (1 << 20)) {
    pv_set_error(PV_ERR_RANGE, "%s: output size %lld x %lld", op, (long long)oh,
                 (long long)ow);
    return NULL;
  }
  pv_tensor *src = pv_tensor_contiguous(img);
  if (!src)
    return NULL;
  int64_t n = pv_tensor_numel(src), no = g.planes * oh * ow;
  float *f = malloc(sizeof(float) * (size_t)(n + no + 1));
  pv_tensor *out = f ? pv__tf_alloc_like(src, src->dtype, oh, ow) : NULL;
  if (!out) {
    if (!f)
      pv_set_error(PV_ERR_NOMEM, "%s: out of memory", op);
    free(f);
    pv_tensor_release(src);
    return NULL;
  }
  pv__tf_load_f32(f, pv_tensor_data(src), src->dtype, n);
  j->src = f;
  j->dst = f + n;
  j->planes = g.planes;
  j->c = g.c;
  j->h = g.h;
  j->w = g.w;
  j->oh = oh;
  j->ow = ow;
  j->nearest = interpolation == PV_RESIZE_NEAREST;
  j->fill = fill;
  j->n_fill = n_fill;
  pv__parallel_for((g.planes / g.c) * oh, 8, grid_rows, j);
  pv__tf_store_round(pv_tensor_data(out), out->dtype, f + n, no);
  free(f);
  pv_tensor_release(src);
  return out;
}

/* theta (2x3, float) / [0.5 w, 0.5 h] per output coordinate. */
static void set_affine_grid(grid_job *j, const double m[6], int64_t w,
                            int64_t h) {
  float hw_ = (float)(0.5 * (double)w), hh_ = (float)(0.5 * (double)h);
  for (int k = 0; k < 3; k++) {
    j->r[k] = (float)m[k] / hw_;
    j->r[3 + k] = (float)m[3 + k] / hh_;
  }
  j->persp = 0;
}

static void center_f(const pv_tensor *img, const double *center,
                     double out[2]) {
  out[0] = out[1] = 0.0;
  if (center) {
    int nd = pv_tensor_ndim(img);
    double w = (double)pv_tensor_shape(img)[nd - 1];
    double h = (double)pv_tensor_shape(img)[nd - 2];
    out[0] = 1.0 * (center[0] - w * 0.5);
    out[1] = 1.0 * (center[1] - h * 0.5);
  }
}

pv_tensor *pv_affine(pv_tensor *img, double angle, const double translate[2],
                     double scale, const double shear[2], int interpolation,
                     const float *fill, int n_fill, const double *center) {
  if (!img || pv_tensor_ndim(img) < 3) {
    pv__img g;
    pv__tf_check(img, "affine", 3, &g);
    return NULL;
  }
  if (!(scale > 0)) {
    pv_set_error(PV_ERR_INVALID_ARG, "affine: scale %g must be positive",
                 scale);
    return NULL;
  }
  double cf[2], m[6], t0[2] = {0, 0}, s0[2] = {0, 0};
  center_f(img, center, cf);
  inverse_affine(cf, angle, translate ? translate : t0, scale,
                 shear ? shear : s0, m);
  int nd = pv_tensor_ndim(img);
  int64_t h = pv_tensor_shape(img)[nd - 2], w = pv_tensor_shape(img)[nd - 1];
  grid_job j;
  memset(&j, 0, sizeof j);
  set_affine_grid(&j, m, w, h);
  return run_grid(img, "affine", &j, h, w, interpolation, fill, n_fill);
}

pv_tensor *pv_rotate(pv_tensor *img, double angle, int interpolation,
                     int expand, const double *center, const float *fill,
                     int n_fill) {
  if (!img || pv_tensor_ndim(img) < 3) {
    pv__img g;
    pv__tf_check(img, "rotate", 3, &g);
    return NULL;
  }
  double cf[2], m[6], z[2] = {0, 0};
  center_f(img, center, cf);
  inverse_affine(cf, -angle, z, 1.0, z, m);
  int nd = pv_tensor_ndim(img);
  int64_t h = pv_tensor_shape(img)[nd - 2], w = pv_tensor_shape(img)[nd - 1];
  int64_t oh = h, ow = w;
  if (expand) { /* _compute_affine_output_size, in float32 */
    float pts[4][2] = {{-0.5f * w, -0.5f * h},
                       {-0.5f * w, 0.5f * h},
                       {0.5f * w, 0.5f * h},
                       {0.5f * w, -0.5f * h}};
    float th[6];
    for (int k = 0; k < 6; k++)
      th[k] = (float)m[k];
    float mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
    for (int p = 0; p < 4; p++)
      for (int a = 0; a < 2; a++) {
        float v =
            (pts[p][0] * th[3 * a] + pts[p][1] * th[3 * a + 1]) + th[3 * a + 2];
        mn[a] = fminf(mn[a], v);
        mx[a] = fmaxf(mx[a], v);
      }
    float half[2] = {(float)(w * 0.5), (float)(h * 0.5)};
    int64_t sz[2];
    for (int a = 0; a < 2; a++) {
      float lo = mn[a] + half[a], hi = mx[a] + half[a];
      float cmax = ceilf(truncf(hi / 1e-4f) * 1e-4f);
      float cmin = floorf(truncf(lo / 1e-4f) * 1e-4f);
      sz[a] = (int64_t)(cmax - cmin);
    }
    ow = sz[0];
    oh = sz[1];
  }
  grid_job j;
  memset(&j, 0, sizeof j);
  set_affine_grid(&j, m, w, h);
  return run_grid(img, "rotate", &j, oh, ow, interpolation, fill, n_fill);
}

/* Solves the 8x8 system of _get_perspective_coeffs (end -> start) in double
 * with partial pivoting. */
static int perspective_coeffs(const double st[8], const double en[8],
                              double c[8]) {
  double A[8][9];
  for (int i = 0; i < 4; i++) {
    double x = en[2 * i], y = en[2 * i + 1], u = st[2 * i], v = st[2 * i + 1];
    double r0[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
    double r1[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, v};
    memcpy(A[2 * i], r0, sizeof r0);
    memcpy(A[2 * i + 1], r1, sizeof r1);
  }
  for (int col = 0; col < 8; col++) {
    int piv = col;
    for (int r = col + 1; r < 8; r++)
      if (fabs(A[r][col]) > fabs(A[piv][col]))
        piv = r;
    if (fabs(A[piv][col]) < 1e-12)
      return -1;
    for (int k = 0; k < 9; k++) {
      double t = A[col][k];
      A[col][k] = A[piv][k];
      A[piv][k] = t;
    }
    for (int r = 0; r < 8; r++) {
      if (r == col)
        continue;
      double f = A[r][col] / A[col][col];
      for (int k = col; k < 9; k++)
        A[r][k] -= f * A[col][k];
    }
  }
  for (int i = 0; i < 8; i++)
    c[i] = A[i][8] / A[i][i];
  return 0;
}

pv_tensor *pv_perspective(pv_tensor *img, const double startpoints[8],
                          const double endpoints[8], int interpolation,
                          const float *fill, int n_fill) {
  if (!img || pv_tensor_ndim(img) < 3 || !startpoints || !endpoints) {
    pv__img g;
    if (!pv__tf_check(img, "perspective", 3, &g))
      pv_set_error(PV_ERR_INVALID_ARG, "perspective: NULL points");
    return NULL;
  }
  double c[8];
  if (perspective_coeffs(startpoints, endpoints, c)) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "perspective: the four point pairs are degenerate");
    return NULL;
  }
  int nd = pv_tensor_ndim(img);
  int64_t h = pv_tensor_shape(img)[nd - 2], w = pv_tensor_shape(img)[nd - 1];
  grid_job j;
  memset(&j, 0, sizeof j);
  j.persp = 1;
  float hw_ = (float)(0.5 * (double)w), hh_ = (float)(0.5 * (double)h);
  for (int k = 0; k < 3; k++) {
    j.r[k] = (float)c[k] / hw_;
    j.r[3 + k] = (float)c[3 + k] / hh_;
  }
  j.q[0] = (float)c[6];
  j.q[1] = (float)c[7];
  j.q[2] = 1.0f;
  return run_grid(img, "perspective", &j, h, w, interpolation, fill, n_fill);
}

pv_tensor *pv_elastic_transform(pv_tensor *img, const pv_tensor *displacement,
                                int interpolation, const float *fill,
                                int n_fill) {
  pv__img g;
  if (pv__tf_check(img, "elastic_transform", 3, &g))
    return NULL;
  if (!displacement || pv_tensor_dtype(displacement) != PV_F32 ||
      pv_tensor_ndim(displacement) != 4 ||
      pv_tensor_shape(displacement)[0] != 1 ||
      pv_tensor_shape(displacement)[1] != g.h ||
      pv_tensor_shape(displacement)[2] != g.w ||
      pv_tensor_shape(displacement)[3] != 2) {
    pv_set_error(PV_ERR_SHAPE,
                 "elastic_transform: displacement must be float32 [1, %lld, "
                 "%lld, 2]",
                 (long long)g.h, (long long)g.w);
    return NULL;
  }
  pv_tensor *dc = pv_tensor_contiguous((pv_tensor *)displacement);
  float *grid = dc ? malloc(sizeof(float) * (size_t)(g.h * g.w * 2)) : NULL;
  if (!grid) {
    pv_tensor_release(dc);
    if (!pv_last_status())
      pv_set_error(PV_ERR_NOMEM, "elastic_transform: out of memory");
    return NULL;
  }
  /* identity grid: linspace((-s + 1) / s, (s - 1) / s, s) per axis, in
   * float32, plus the displacement */
  const float *dp = pv_tensor_data(dc);
  for (int64_t y = 0; y < g.h; y++)
    for (int64_t x = 0; x < g.w; x++) {
      float ix = pv__linspace_f32((double)(-g.w + 1) / (double)g.w,
                                  (double)(g.w - 1) / (double)g.w, g.w, x);
      float iy = pv__linspace_f32((double)(-g.h + 1) / (double)g.h,
                                  (double)(g.h - 1) / (double)g.h, g.h, y);
      grid[(y * g.w + x) * 2] = ix + dp[(y * g.w + x) * 2];
      grid[(y * g.w + x) * 2 + 1] = iy + dp[(y * g.w + x) * 2 + 1];
    }
  grid_job j;
  memset(&j, 0, sizeof j);
  j.grid = grid;
  pv_tensor *out = run_grid(img, "elastic_transform", &j, g.h, g.w,
                            interpolation, fill, n_fill);
  free(grid);
  pv_tensor_release(dc);
  return out;
}
