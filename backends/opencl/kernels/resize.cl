/* resize.cl: RESIZE (F.interpolate / ONNX Resize) on NCHW f32 as a separable
 * filter whose taps the host built (ops/resize.c) with the shared RESIZE tap
 * builder the CPU uses (backends/common/resize_taps.c): per output index
 * along each axis, a tap count, source indices and float weights. Each output replays the CPU's operation order: the width
 * pass over every source row the height pass needs (each such value rounded
 * to float, as the CPU's intermediate image is), then the height pass, with
 * the accumulation chain of the CPU (acc_w, acc_h: PV_RS_* below) and
 * explicit fma() where the CPU fuses. No other contraction: the program is
 * built without -cl-mad-enable / fast-math, and contraction is off here.
 *
 * Tables: it = [cnt_h OH][idx_h OH*KH][cnt_w OW][idx_w OW*KW],
 *         wt = [w_h OH*KH][w_w OW*KW]. */
#ifdef PV_OPENCL
#pragma OPENCL FP_CONTRACT OFF
#endif

/* The accumulation forms, PV__RS_* of backends/common/resize_taps.h. */
#define PV_RS_TWO 0   /* fma(x0, w0, x1 * w1): torch's two-tap bilinear */
#define PV_RS_CHAIN 1 /* x0 * w0, then acc + xj * wj rounded separately */
#define PV_RS_FMA 2   /* x0 * w0, then fma(xj, wj, acc) */
#define PV_RS_SUM0 3  /* 0, then acc + wj * xj (the CPU's ONNX loop) */
#define PV_RS_COPY 4  /* one tap, copied */

/* One width-pass value: n taps over a source row. */
PV_INLINE float pv_rs_taps(PV_GLOBAL const float *line,
                           PV_GLOBAL const int *ix, PV_GLOBAL const float *w,
                           int n, int acc) {
  if (acc == PV_RS_SUM0) {
    float s = 0.0f;
    for (int j = 0; j < n; j++)
      s = s + w[j] * line[ix[j]];
    return s;
  }
  if (n <= 0)
    return 0.0f;
  if (acc == PV_RS_COPY)
    return line[ix[0]];
  if (acc == PV_RS_TWO)
    return fma(line[ix[0]], w[0], line[ix[1]] * w[1]);
  float s = line[ix[0]] * w[0];
  for (int j = 1; j < n; j++) {
    float xj = line[ix[j]];
    if (acc == PV_RS_FMA)
      s = fma(xj, w[j], s);
    else {
      float p = xj * w[j];
      s = s + p;
    }
  }
  return s;
}

PV_KERNEL void resize_f32(PV_GLOBAL const float *X, pv_long xo,
                          PV_GLOBAL float *Y, pv_long yo,
                          PV_GLOBAL const int *it, PV_GLOBAL const float *wt,
                          int total,
                          int H, int W, int OH, int OW, int KH, int KW,
                          int acc_h, int acc_w) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int ow = i % OW, oh = (i / OW) % OH, p = i / OW / OH;
  PV_GLOBAL const float *x = X + xo + (pv_long)p * H * W;
  PV_GLOBAL const int *cnt_h = it;
  PV_GLOBAL const int *idx_h = cnt_h + OH + oh * KH;
  PV_GLOBAL const int *cnt_w = cnt_h + OH + OH * KH;
  PV_GLOBAL const int *idx_w = cnt_w + OW + ow * KW;
  PV_GLOBAL const float *w_h = wt + oh * KH;
  PV_GLOBAL const float *w_w = wt + OH * KH + ow * KW;
  int nh = cnt_h[oh], nw = cnt_w[ow];
  float v = 0.0f;
  if (nh <= 0) {
    v = 0.0f;
  } else if (acc_h == PV_RS_COPY) {
    v = pv_rs_taps(x + idx_h[0] * W, idx_w, w_w, nw, acc_w);
  } else if (acc_h == PV_RS_SUM0) {
    for (int k = 0; k < nh; k++) {
      float pk = w_h[k] * pv_rs_taps(x + idx_h[k] * W, idx_w, w_w, nw, acc_w);
      v = v + pk;
    }
  } else if (acc_h == PV_RS_TWO) {
    float t0 = pv_rs_taps(x + idx_h[0] * W, idx_w, w_w, nw, acc_w);
    float t1 = pv_rs_taps(x + idx_h[1] * W, idx_w, w_w, nw, acc_w);
    v = fma(t0, w_h[0], t1 * w_h[1]);
  } else { /* PV_RS_FMA, PV_RS_CHAIN */
    v = pv_rs_taps(x + idx_h[0] * W, idx_w, w_w, nw, acc_w) * w_h[0];
    for (int k = 1; k < nh; k++) {
      float tk = pv_rs_taps(x + idx_h[k] * W, idx_w, w_w, nw, acc_w);
      if (acc_h == PV_RS_FMA)
        v = fma(tk, w_h[k], v);
      else {
        float pk = tk * w_h[k];
        v = v + pk;
      }
    }
  }
  Y[yo + i] = v;
}
