/* resize.cl: F.interpolate on NCHW (torch 1.13 CPU semantics): nearest,
 * nearest-exact, bilinear and bicubic (A = cubic_a), align_corners, user
 * scale factors, and the antialias path (separable triangle / a = -0.5 cubic
 * filters whose support widens with the downscale factor). sh/sw are the
 * source-per-destination scales the host computed as torch does. */
PV_INLINE int pv_nearest_idx(int dst, int in, int out, float scale, int exact) {
  if (exact)
    return min((int)floor((dst + 0.5f) * scale), in - 1);
  if (out == in)
    return dst;
  if (out == 2 * in)
    return dst >> 1;
  return min((int)floor(dst * scale), in - 1);
}

PV_INLINE float pv_src_index(float scale, int dst, int align, int cubic) {
  if (align)
    return scale * dst;
  float s = scale * (dst + 0.5f) - 0.5f;
  return !cubic && s < 0.0f ? 0.0f : s;
}

PV_INLINE float pv_cc1(float x, float A) {
  return ((A + 2.0f) * x - (A + 3.0f)) * x * x + 1.0f;
}
PV_INLINE float pv_cc2(float x, float A) {
  return ((A * x - 5.0f * A) * x + 8.0f * A) * x - 4.0f * A;
}

PV_INLINE float pv_aa_filter(float x, int cubic) {
  x = fabs(x);
  if (!cubic)
    return x < 1.0f ? 1.0f - x : 0.0f;
  const float a = -0.5f;
  if (x < 1.0f)
    return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
  if (x < 2.0f)
    return (((x - 5.0f) * x + 8.0f) * x - 4.0f) * a;
  return 0.0f;
}

/* The antialias window of output index i along one axis. */
PV_INLINE void pv_aa_window(int i, int in, float scale, int cubic, int *xmin,
                            int *xsize, float *invscale, float *center) {
  float support = (cubic ? 2.0f : 1.0f) * (scale >= 1.0f ? scale : 1.0f);
  *center = scale * (i + 0.5f);
  *invscale = scale >= 1.0f ? 1.0f / scale : 1.0f;
  int lo = (int)(*center - support + 0.5f);
  *xmin = lo > 0 ? lo : 0;
  int hi = (int)(*center + support + 0.5f);
  *xsize = (hi < in ? hi : in) - *xmin;
}

PV_KERNEL void resize_f32(PV_GLOBAL const float *X, pv_long xo,
                          PV_GLOBAL float *Y, pv_long yo, int total, int H,
                          int W, int OH, int OW, int mode, int align, float sh,
                          float sw, int aa, float A) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int ow = i % OW, oh = (i / OW) % OH, p = i / OW / OH;
  PV_GLOBAL const float *x = X + xo + (pv_long)p * H * W;
  float v;
  if (mode == 0 || mode == 1) { /* nearest, nearest-exact */
    int ih = pv_nearest_idx(oh, H, OH, sh, mode == 1);
    int iw = pv_nearest_idx(ow, W, OW, sw, mode == 1);
    v = x[ih * W + iw];
  } else if (aa) {
    int cubic = mode == 3;
    int ymin, ysize, xmin, xsize;
    float yinv, xinv, yc, xc;
    pv_aa_window(oh, H, sh, cubic, &ymin, &ysize, &yinv, &yc);
    pv_aa_window(ow, W, sw, cubic, &xmin, &xsize, &xinv, &xc);
    float ty = 0.0f, tx = 0.0f;
    for (int j = 0; j < ysize; j++)
      ty += pv_aa_filter((j + ymin - yc + 0.5f) * yinv, cubic);
    for (int j = 0; j < xsize; j++)
      tx += pv_aa_filter((j + xmin - xc + 0.5f) * xinv, cubic);
    v = 0.0f;
    for (int a = 0; a < ysize; a++) {
      float wy = pv_aa_filter((a + ymin - yc + 0.5f) * yinv, cubic);
      if (ty != 0.0f)
        wy /= ty;
      float row = 0.0f;
      for (int b = 0; b < xsize; b++) {
        float wx = pv_aa_filter((b + xmin - xc + 0.5f) * xinv, cubic);
        if (tx != 0.0f)
          wx /= tx;
        row += wx * x[(ymin + a) * W + xmin + b];
      }
      v += wy * row;
    }
  } else if (mode == 2) { /* bilinear */
    float hr = pv_src_index(sh, oh, align, 0), wr = pv_src_index(sw, ow, align, 0);
    int h1 = (int)hr, w1 = (int)wr;
    int h1p = h1 < H - 1 ? 1 : 0, w1p = w1 < W - 1 ? 1 : 0;
    float hl1 = hr - h1, hl0 = 1.0f - hl1, wl1 = wr - w1, wl0 = 1.0f - wl1;
    v = hl0 * (wl0 * x[h1 * W + w1] + wl1 * x[h1 * W + w1 + w1p]) +
        hl1 * (wl0 * x[(h1 + h1p) * W + w1] + wl1 * x[(h1 + h1p) * W + w1 + w1p]);
  } else { /* bicubic */
    float hr = pv_src_index(sh, oh, align, 1), wr = pv_src_index(sw, ow, align, 1);
    int ih = (int)floor(hr), iw = (int)floor(wr);
    float th = hr - ih, tw = wr - iw;
    float ch[4] = {pv_cc2(th + 1.0f, A), pv_cc1(th, A), pv_cc1(1.0f - th, A),
                   pv_cc2(2.0f - th, A)};
    float cw[4] = {pv_cc2(tw + 1.0f, A), pv_cc1(tw, A), pv_cc1(1.0f - tw, A),
                   pv_cc2(2.0f - tw, A)};
    v = 0.0f;
    for (int a = 0; a < 4; a++) {
      int yy = min(max(ih - 1 + a, 0), H - 1);
      float row = 0.0f;
      for (int b = 0; b < 4; b++) {
        int xx = min(max(iw - 1 + b, 0), W - 1);
        row += cw[b] * x[yy * W + xx];
      }
      v += ch[a] * row;
    }
  }
  Y[yo + i] = v;
}
