/* The second half of the op tests: comparisons, where, pad, gather, resize
 * and conv_transpose2d on vulkan device 0 against inline references. */
#include "testutil.h"
#include "vk_harness.h"

#include <math.h>

static vkh VK;

static int64_t numel_of(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

static void test_compare_where(void) {
  /* 7 x 5 (35 bytes: partial last word) vs a row [5] */
  float *a = vkh_rnd(35), *b = vkh_rnd(5);
  a[3] = b[3]; /* one equal element */
  int ops[3] = {PV_OP_EQUAL, PV_OP_LESS, PV_OP_GREATER};
  uint8_t *masks[3] = {0};
  for (int k = 0; k < 3; k++) {
    pv_tensor_desc in[2] = {VKH_D(7, 5), VKH_D(5)}, od;
    pv_op_attrs at = vkh_zattrs();
    const void *data[2] = {a, b};
    CHECK_EQ_INT(
        vkh_run(&VK, ops[k], &at, 2, in, data, 0, &od, (void **)&masks[k]), 0);
    CHECK_EQ_INT(od.dtype, PV_BOOL);
    for (int i = 0; i < 35 && masks[k]; i++) {
      float x = a[i], y = b[i % 5];
      int want = k == 0 ? x == y : k == 1 ? x < y : x > y;
      CHECK_EQ_INT(masks[k][i], want);
    }
  }
  /* where(less, a, -1) with the scalar-like branch broadcast */
  if (masks[1]) {
    float minus1 = -1.0f, *y = NULL, want[35];
    pv_tensor_desc in[3] = {VKH_DT(PV_BOOL, 7, 5), VKH_D(7, 5), VKH_D(1)}, od;
    pv_op_attrs at = vkh_zattrs();
    const void *data[3] = {masks[1], a, &minus1};
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_WHERE, &at, 3, in, data, 0, &od, (void **)&y), 0);
    for (int i = 0; i < 35; i++)
      want[i] = masks[1][i] ? a[i] : -1.0f;
    CHECK(y && vkh_close_enough("where", y, want, 35, 0));
    free(y);
  }
  for (int k = 0; k < 3; k++)
    free(masks[k]);
  free(a), free(b);
}

static void test_pad(void) {
  float *x = vkh_rnd(2 * 3 * 4);
  for (int mode = 0; mode < 4; mode++) {
    pv_op_attrs at = vkh_zattrs();
    at.pad.mode = mode;
    at.pad.value = 0.5f;
    at.pad.pads[2] = 2, at.pad.pads[3] = 1; /* dim 1: 2 before, 1 after */
    at.pad.pads[4] = 1, at.pad.pads[5] = 3; /* dim 2: 1 before, 3 after */
    if (mode == 0)
      at.pad.pads[5] = -1; /* crop */
    if (mode == 3)
      at.pad.pads[5] = 2;
    pv_tensor_desc in = VKH_D(2, 3, 4), od;
    const void *data[1] = {x};
    float *y = NULL, want[200];
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_PAD, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    int O1 = (int)od.shape[1], O2 = (int)od.shape[2];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < O1; j++)
        for (int k = 0; k < O2; k++) {
          int s[2] = {j - 2, k - 1}, n[2] = {3, 4}, in_ = 1;
          for (int q = 0; q < 2; q++) {
            if (s[q] >= 0 && s[q] < n[q])
              continue;
            if (mode == 0)
              in_ = 0;
            else if (mode == 1)
              s[q] = s[q] < 0 ? -s[q] : 2 * (n[q] - 1) - s[q];
            else if (mode == 2)
              s[q] = s[q] < 0 ? 0 : n[q] - 1;
            else
              s[q] = (s[q] % n[q] + n[q]) % n[q];
          }
          want[(i * O1 + j) * O2 + k] =
              in_ ? x[(i * 3 + s[0]) * 4 + s[1]] : 0.5f;
        }
    CHECK(y && vkh_close_enough("pad", y, want, 2 * O1 * O2, 0));
    free(y);
  }
  free(x);
}

static void test_gather(void) {
  float *x = vkh_rnd(3 * 5 * 2);
  int64_t idx64[4] = {4, 0, -1, 2};
  int32_t idx32[4] = {1, 1, 3, -5};
  for (int w = 0; w < 2; w++) {
    pv_op_attrs at = vkh_zattrs();
    at.axis.axis = 1;
    pv_tensor_desc in[2] = {VKH_D(3, 5, 2), VKH_DT(w ? PV_I32 : PV_I64, 2, 2)},
                   od;
    const void *data[2] = {x, w ? (const void *)idx32 : (const void *)idx64};
    float *y = NULL, want[24];
    CHECK_EQ_INT(vkh_run(&VK, PV_OP_GATHER, &at, 2, in, data, w ? 0 : 2u, &od,
                         (void **)&y),
                 0);
    for (int o = 0; o < 3; o++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 2; k++) {
          int64_t id = w ? idx32[j] : idx64[j];
          if (id < 0)
            id += 5;
          want[(o * 4 + j) * 2 + k] = x[(o * 5 + id) * 2 + k];
        }
    CHECK(y && vkh_close_enough("gather", y, want, 24, 0));
    free(y);
  }
  free(x);
}

static double cubic(double x, double A) {
  x = fabs(x);
  if (x <= 1)
    return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2)
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

static void test_resize(void) {
  int H = 5, W = 6;
  float *x = vkh_rnd(2 * H * W);
  struct {
    int mode, align, OH, OW;
    double sh, sw;
  } cases[] = {{PV_RESIZE_NEAREST, 0, 9, 4, 0, 0},
               {PV_RESIZE_NEAREST_EXACT, 0, 8, 13, 0, 0},
               {PV_RESIZE_BILINEAR, 0, 8, 4, 0, 0},
               {PV_RESIZE_BILINEAR, 1, 9, 11, 0, 0},
               {PV_RESIZE_BILINEAR, 0, 10, 12, 2.0, 2.0},
               {PV_RESIZE_BICUBIC, 0, 7, 9, 0, 0},
               {PV_RESIZE_BICUBIC, 1, 4, 3, 0, 0}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    pv_op_attrs at = vkh_zattrs();
    pv_resize_attrs *r = &at.resize;
    r->mode = cases[c].mode;
    r->align_corners = cases[c].align;
    r->cubic_a = -0.75f;
    r->size[0] = cases[c].OH;
    r->size[1] = cases[c].OW;
    r->scale[0] = cases[c].sh;
    r->scale[1] = cases[c].sw;
    pv_tensor_desc in = VKH_D(1, 2, 5, 6), od;
    const void *data[1] = {x};
    float *y = NULL;
    int OH = cases[c].OH, OW = cases[c].OW;
    float *want = malloc(sizeof(float) * (size_t)(2 * OH * OW));
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_RESIZE, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    int interp = r->mode >= PV_RESIZE_BILINEAR;
    float scy = interp && r->align_corners
                    ? (OH > 1 ? (float)(H - 1) / (float)(OH - 1) : 0.f)
                : r->scale[0] > 0 ? (float)(1.0 / r->scale[0])
                                  : (float)H / (float)OH;
    float scx = interp && r->align_corners
                    ? (OW > 1 ? (float)(W - 1) / (float)(OW - 1) : 0.f)
                : r->scale[1] > 0 ? (float)(1.0 / r->scale[1])
                                  : (float)W / (float)OW;
    for (int p = 0; p < 2; p++)
      for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
          const float *X = x + p * H * W;
          double v;
          if (r->mode <= PV_RESIZE_NEAREST_EXACT) {
            float off = r->mode == PV_RESIZE_NEAREST_EXACT ? 0.5f : 0.f;
            int iy = (int)floorf((oy + off) * scy),
                ix = (int)floorf((ox + off) * scx);
            iy = iy > H - 1 ? H - 1 : iy;
            ix = ix > W - 1 ? W - 1 : ix;
            v = X[iy * W + ix];
          } else {
            int cub = r->mode == PV_RESIZE_BICUBIC;
            float sy = r->align_corners ? scy * oy : scy * (oy + 0.5f) - 0.5f;
            float sx = r->align_corners ? scx * ox : scx * (ox + 0.5f) - 0.5f;
            if (!cub) {
              sy = sy < 0 ? 0 : sy;
              sx = sx < 0 ? 0 : sx;
              int y0 = (int)sy, x0 = (int)sx;
              int y1 = y0 < H - 1 ? y0 + 1 : y0, x1 = x0 < W - 1 ? x0 + 1 : x0;
              double ly = sy - y0, lx = sx - x0;
              v = (1 - ly) * ((1 - lx) * X[y0 * W + x0] + lx * X[y0 * W + x1]) +
                  ly * ((1 - lx) * X[y1 * W + x0] + lx * X[y1 * W + x1]);
            } else {
              int iy = (int)floorf(sy), ix = (int)floorf(sx);
              double ty = sy - iy, tx = sx - ix;
              v = 0;
              for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) {
                  int yy = iy - 1 + a, xx = ix - 1 + b;
                  yy = yy < 0 ? 0 : yy > H - 1 ? H - 1 : yy;
                  xx = xx < 0 ? 0 : xx > W - 1 ? W - 1 : xx;
                  v += cubic(ty - (a - 1), -0.75) * cubic(tx - (b - 1), -0.75) *
                       X[yy * W + xx];
                }
            }
          }
          want[(p * OH + oy) * OW + ox] = (float)v;
        }
    char name[64];
    snprintf(name, sizeof name, "resize case %zu", c);
    CHECK(y && vkh_close_enough(name, y, want, 2 * OH * OW, 1e-5));
    free(y);
    free(want);
  }
  free(x);
}

static void test_conv_transpose(void) {
  /* x[1,4,5,6], w[4, 3, 3, 3] groups 2 -> cout 6, stride 2, pad 1, outpad 1 */
  int B = 1, C = 4, H = 5, W = 6, g = 2, cog = 3, K = 3, s = 2, p = 1, op = 1;
  int O = cog * g, OH = (H - 1) * s - 2 * p + (K - 1) + op + 1,
      OW = (W - 1) * s - 2 * p + (K - 1) + op + 1;
  float *x = vkh_rnd(B * C * H * W), *w = vkh_rnd(C * cog * K * K),
        *b = vkh_rnd(O);
  double *acc = calloc((size_t)(O * OH * OW), sizeof(double));
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH * OW; i++)
      acc[o * OH * OW + i] = b[o];
  for (int c = 0; c < C; c++)
    for (int iy = 0; iy < H; iy++)
      for (int ix = 0; ix < W; ix++)
        for (int co = 0; co < cog; co++)
          for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
              int oy = iy * s - p + ky, ox = ix * s - p + kx;
              if (oy < 0 || oy >= OH || ox < 0 || ox >= OW)
                continue;
              int o = (c / (C / g)) * cog + co;
              acc[(o * OH + oy) * OW + ox] +=
                  (double)x[(c * H + iy) * W + ix] *
                  w[((c * cog + co) * K + ky) * K + kx];
            }
  float *want = malloc(sizeof(float) * (size_t)(O * OH * OW)), *y = NULL;
  for (int i = 0; i < O * OH * OW; i++)
    want[i] = (float)acc[i];
  pv_op_attrs at = vkh_zattrs();
  at.conv.stride[0] = at.conv.stride[1] = s;
  for (int i = 0; i < 4; i++)
    at.conv.padding[i] = p;
  at.conv.dilation[0] = at.conv.dilation[1] = 1;
  at.conv.groups = g;
  at.conv.output_padding[0] = at.conv.output_padding[1] = op;
  pv_tensor_desc in[3] = {VKH_D(1, 4, 5, 6), VKH_D(4, 3, 3, 3), VKH_D(6)}, od;
  const void *data[3] = {x, w, b};
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CONV_TRANSPOSE2D, &at, 3, in, data, 6u, &od,
                       (void **)&y),
               0);
  CHECK_EQ_INT(od.shape[2], OH);
  CHECK(y && vkh_close_enough("conv_transpose2d", y, want, O * OH * OW, 1e-5));
  free(x), free(w), free(b), free(acc), free(want), free(y);
}

static void test_cast(void) {
  /* u8 image bytes -> f32 (13 elements: partial words) */
  uint8_t px[13];
  for (int i = 0; i < 13; i++)
    px[i] = (uint8_t)(i * 37 + 5);
  pv_op_attrs at = vkh_zattrs();
  at.cast.to = PV_F32;
  pv_tensor_desc in = VKH_DT(PV_U8, 13), od;
  const void *data[1] = {px};
  float *y = NULL, want[13];
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CAST, &at, 1, &in, data, 0, &od, (void **)&y),
               0);
  for (int i = 0; i < 13; i++)
    want[i] = px[i];
  CHECK(y && vkh_close_enough("cast u8->f32", y, want, 13, 0));
  free(y);
  /* f32 -> i32 (truncation), f32 -> bool, f32 -> u8 */
  float f[11] = {-2.7f, -0.5f,  0.0f,   0.4f,  1.0f, 2.9f,
                 7.5f,  100.2f, 255.0f, -1.0f, 3.0f};
  int32_t *yi = NULL;
  at.cast.to = PV_I32;
  pv_tensor_desc fin = VKH_D(11);
  const void *fd[1] = {f};
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CAST, &at, 1, &fin, fd, 0, &od, (void **)&yi),
               0);
  for (int i = 0; i < 11 && yi; i++)
    CHECK_EQ_INT(yi[i], (int32_t)f[i]);
  free(yi);
  uint8_t *yb = NULL;
  at.cast.to = PV_BOOL;
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CAST, &at, 1, &fin, fd, 0, &od, (void **)&yb),
               0);
  for (int i = 0; i < 11 && yb; i++)
    CHECK_EQ_INT(yb[i], f[i] != 0.0f);
  free(yb);
  yb = NULL;
  at.cast.to = PV_U8;
  CHECK_EQ_INT(vkh_run(&VK, PV_OP_CAST, &at, 1, &fin, fd, 0, &od, (void **)&yb),
               0);
  for (int i = 0; i < 11 && yb; i++)
    if (f[i] >= 0)
      CHECK_EQ_INT(yb[i], (uint8_t)f[i]);
  free(yb);
}

/* The workgroup-per-row paths (inner == 1): softmax over the last axis of
 * [3, 300], argmax with ties (first / last index). */
static void test_rows(void) {
  float *x = vkh_rnd(900), *y = NULL, want[900];
  pv_op_attrs at = vkh_zattrs();
  at.axis.axis = -1;
  pv_tensor_desc in = VKH_D(3, 300), od;
  const void *data[1] = {x};
  CHECK_EQ_INT(
      vkh_run(&VK, PV_OP_SOFTMAX, &at, 1, &in, data, 0, &od, (void **)&y), 0);
  for (int r = 0; r < 3; r++) {
    double m = -1e30, s = 0;
    for (int j = 0; j < 300; j++)
      m = fmax(m, x[r * 300 + j]);
    for (int j = 0; j < 300; j++)
      s += exp(x[r * 300 + j] - m);
    for (int j = 0; j < 300; j++)
      want[r * 300 + j] = (float)(exp(x[r * 300 + j] - m) / s);
  }
  CHECK(y && vkh_close_enough("softmax rows", y, want, 900, 1e-5));
  free(y);
  for (int i = 0; i < 900; i++)
    x[i] = (float)((i * 7) % 5); /* many ties of the max 4 */
  for (int last = 0; last < 2; last++) {
    int64_t *idx = NULL;
    at.axis.select_last_index = last;
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_ARGMAX, &at, 1, &in, data, 0, &od, (void **)&idx),
        0);
    for (int r = 0; r < 3 && idx; r++) {
      int best = last ? 299 : 0;
      while (x[r * 300 + best] != 4.0f)
        best += last ? -1 : 1;
      CHECK_EQ_INT(idx[r], best);
    }
    free(idx);
  }
  free(x);
}

/* topk: k=5 of 1000 (largest) with ties, and k=3 smallest along a strided
 * axis of [2, 7, 3]. */
static void test_topk(void) {
  float *x = vkh_rnd(2000);
  x[10] = x[20] = 2.0f; /* a tie for the top */
  x[1010] = NAN;        /* NaN counts as the largest */
  for (int c = 0; c < 2; c++) {
    pv_op_attrs at = vkh_zattrs();
    int largest = c == 0;
    at.axis.axis = c == 0 ? 1 : 1;
    at.axis.k = c == 0 ? 5 : 3;
    at.axis.largest = largest;
    at.axis.sorted = 1;
    pv_tensor_desc in = c == 0 ? VKH_D(2, 1000) : VKH_D(2, 7, 3), od[2];
    int64_t outer = 2, len = c == 0 ? 1000 : 7, inner = c == 0 ? 1 : 3;
    int64_t k = at.axis.k;
    const void *data[1] = {x};
    void *outs[2] = {0};
    CHECK_EQ_INT(
        vkh_run_multi(&VK, PV_OP_TOPK, &at, 1, &in, data, 0, 2, od, outs), 0);
    const float *v = outs[0];
    const int64_t *ix = outs[1];
    for (int64_t o = 0; o < outer && v && ix; o++)
      for (int64_t in_ = 0; in_ < inner; in_++) {
        char used[1000] = {0};
        for (int64_t j = 0; j < k; j++) {
          /* the reference: the best unused element, lowest index on ties */
          int64_t best = -1;
          for (int64_t t = 0; t < len; t++) {
            if (used[t])
              continue;
            float a = x[(o * len + t) * inner + in_];
            if (best < 0) {
              best = t;
              continue;
            }
            float b = x[(o * len + best) * inner + in_];
            int better = isnan(a)   ? !isnan(b)
                         : isnan(b) ? 0
                         : largest  ? a > b
                                    : a < b;
            if (better)
              best = t;
          }
          used[best] = 1;
          int64_t pos = (o * k + j) * inner + in_;
          CHECK_EQ_INT(ix[pos], best);
          float want = x[(o * len + best) * inner + in_];
          CHECK(isnan(want) ? isnan(v[pos]) : v[pos] == want);
        }
      }
    free(outs[0]);
    free(outs[1]);
  }
  free(x);
}

/* Reductions over axes that are not adjacent (the GENERAL shader path):
 * sum over (0, 2) of [3, 4, 5], mean over (0, 2) of [3, 2, 300] (one
 * workgroup per output), max over (1, 3) of [2, 3, 4, 5]. */
static void test_reduce_general(void) {
  struct {
    int op;
    int64_t shape[4];
    int nd, axes[2];
  } cases[3] = {{PV_OP_REDUCE_SUM, {3, 4, 5}, 3, {0, 2}},
                {PV_OP_REDUCE_MEAN, {3, 2, 300}, 3, {0, -1}},
                {PV_OP_REDUCE_MAX, {2, 3, 4, 5}, 4, {1, 3}}};
  for (int c = 0; c < 3; c++) {
    pv_tensor_desc in = vkh_desc(PV_F32, cases[c].nd, cases[c].shape), od;
    int64_t n = 1, str[4], s = 1;
    for (int i = cases[c].nd - 1; i >= 0; i--) {
      str[i] = s;
      s *= cases[c].shape[i];
    }
    n = s;
    float *x = vkh_rnd(n), *y = NULL;
    pv_op_attrs at = vkh_zattrs();
    at.axis.n_axes = 2;
    at.axis.axes[0] = cases[c].axes[0];
    at.axis.axes[1] = cases[c].axes[1];
    const void *data[1] = {x};
    CHECK_EQ_INT(
        vkh_run(&VK, cases[c].op, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    int red[4] = {0};
    for (int k = 0; k < 2; k++)
      red[(cases[c].axes[k] + cases[c].nd) % cases[c].nd] = 1;
    int64_t outs = numel_of(&od);
    float *want = malloc(sizeof(float) * (size_t)outs);
    double *acc = calloc((size_t)outs, sizeof(double));
    int64_t *cnt = calloc((size_t)outs, sizeof(int64_t));
    for (int64_t o = 0; o < outs; o++)
      acc[o] = cases[c].op == PV_OP_REDUCE_MAX ? -INFINITY : 0;
    for (int64_t i = 0; i < n; i++) {
      int64_t o = 0;
      for (int d = 0; d < cases[c].nd; d++)
        if (!red[d])
          o = o * cases[c].shape[d] + (i / str[d]) % cases[c].shape[d];
      if (cases[c].op == PV_OP_REDUCE_MAX)
        acc[o] = fmax(acc[o], x[i]);
      else
        acc[o] += x[i];
      cnt[o]++;
    }
    for (int64_t o = 0; o < outs; o++)
      want[o] =
          (float)(cases[c].op == PV_OP_REDUCE_MEAN ? acc[o] / cnt[o] : acc[o]);
    CHECK(y && vkh_close_enough("reduce (general)", y, want, outs, 1e-5));
    free(x), free(y), free(want), free(acc), free(cnt);
  }
}

/* Antialiased resize: a port of torch 1.13's separable AA filter (checked
 * against F.interpolate(antialias=True) when this test was written). */
static double aa_filter(double x, int bicubic) {
  x = fabs(x);
  if (!bicubic)
    return x < 1 ? 1 - x : 0;
  double a = -0.5;
  if (x < 1)
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

static void aa_weights(int in, int out, int align, int bicubic, int *lo, int *n,
                       double w[][64]) {
  float scale = align ? (out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.f)
                      : (float)in / (float)out;
  double support = (bicubic ? 2.0 : 1.0) * (scale >= 1.0 ? scale : 1.0);
  for (int i = 0; i < out; i++) {
    double center = scale * (i + 0.5);
    double inv = scale >= 1.0 ? 1.0 / scale : 1.0;
    int x0 = (int)(center - support + 0.5);
    x0 = x0 < 0 ? 0 : x0;
    int x1 = (int)(center + support + 0.5);
    x1 = x1 > in ? in : x1;
    double tot = 0;
    lo[i] = x0;
    n[i] = x1 - x0;
    for (int j = 0; j < n[i]; j++)
      tot += w[i][j] = aa_filter((j + x0 - center + 0.5) * inv, bicubic);
    for (int j = 0; j < n[i]; j++)
      w[i][j] = tot != 0 ? w[i][j] / tot : 0;
  }
}

static void test_resize_aa(void) {
  int H = 13, W = 17;
  float *x = vkh_rnd(2 * H * W);
  struct {
    int mode, align, OH, OW;
  } cases[] = {{PV_RESIZE_BILINEAR, 0, 5, 7},
               {PV_RESIZE_BICUBIC, 1, 9, 4},
               {PV_RESIZE_BILINEAR, 0, 20, 30},
               {PV_RESIZE_BICUBIC, 0, 13, 8}};
  static double wy[32][64], wx[32][64];
  int ly[32], ny[32], lx[32], nx[32];
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    int OH = cases[c].OH, OW = cases[c].OW,
        bic = cases[c].mode == PV_RESIZE_BICUBIC;
    pv_op_attrs at = vkh_zattrs();
    at.resize.mode = cases[c].mode;
    at.resize.align_corners = cases[c].align;
    at.resize.antialias = 1;
    at.resize.cubic_a = -0.75f;
    at.resize.size[0] = OH;
    at.resize.size[1] = OW;
    pv_tensor_desc in = VKH_D(1, 2, 13, 17), od;
    const void *data[1] = {x};
    float *y = NULL, want[2 * 32 * 32];
    CHECK_EQ_INT(
        vkh_run(&VK, PV_OP_RESIZE, &at, 1, &in, data, 0, &od, (void **)&y), 0);
    aa_weights(H, OH, cases[c].align, bic, ly, ny, wy);
    aa_weights(W, OW, cases[c].align, bic, lx, nx, wx);
    for (int p = 0; p < 2; p++)
      for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
          double acc = 0;
          for (int a = 0; a < ny[oy]; a++)
            for (int b = 0; b < nx[ox]; b++)
              acc += wy[oy][a] * wx[ox][b] *
                     x[(p * H + ly[oy] + a) * W + lx[ox] + b];
          want[(p * OH + oy) * OW + ox] = (float)acc;
        }
    char name[64];
    snprintf(name, sizeof name, "resize antialias case %zu", c);
    CHECK(y && vkh_close_enough(name, y, want, 2 * OH * OW, 1e-5));
    free(y);
  }
  free(x);
}

int main(void) {
  vkh_seed(777);
  int rc = vkh_open(&VK, 0);
  if (rc)
    return rc;
  test_compare_where();
  test_pad();
  test_gather();
  test_resize();
  test_resize_aa();
  test_conv_transpose();
  test_cast();
  test_rows();
  test_topk();
  test_reduce_general();
  vkh_close(&VK);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_ops2");
}
