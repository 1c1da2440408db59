/* pool.cl: max/avg pooling (ceil_mode, count_include_pad, divisor_override,
 * dilation for max) and adaptive avg/max pooling over the last two dims.
 * prm: 0 H, 1 W, 2 OH, 3 OW, 4 KH, 5 KW, 6 sh, 7 sw, 8 pt, 9 pl, 10 pb,
 *      11 pr, 12 dh, 13 dw, 14 count_include_pad, 15 divisor_override */

PV_KERNEL void maxpool_f32(PV_GLOBAL const float *X, pv_long xo,
                           PV_GLOBAL float *Y, pv_long yo, int total,
                           PV_GLOBAL const int *prm) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int H = prm[0], W = prm[1], OH = prm[2], OW = prm[3];
  int ow = i % OW, oh = (i / OW) % OH, p = i / OW / OH;
  PV_GLOBAL const float *x = X + xo + (pv_long)p * H * W;
  int hs = oh * prm[6] - prm[8], ws = ow * prm[7] - prm[9];
  float m = -PV_INF;
  for (int kh = 0; kh < prm[4]; kh++) {
    int ih = hs + kh * prm[12];
    if (ih < 0 || ih >= H)
      continue;
    for (int kw = 0; kw < prm[5]; kw++) {
      int iw = ws + kw * prm[13];
      if (iw < 0 || iw >= W)
        continue;
      float v = x[ih * W + iw];
      if (v > m || PV_ISNAN(v))
        m = v;
      if (PV_ISNAN(m))
        break;
    }
  }
  Y[yo + i] = m;
}

PV_KERNEL void avgpool_f32(PV_GLOBAL const float *X, pv_long xo,
                           PV_GLOBAL float *Y, pv_long yo, int total,
                           PV_GLOBAL const int *prm) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int H = prm[0], W = prm[1], OH = prm[2], OW = prm[3];
  int ow = i % OW, oh = (i / OW) % OH, p = i / OW / OH;
  PV_GLOBAL const float *x = X + xo + (pv_long)p * H * W;
  int hs = oh * prm[6] - prm[8], ws = ow * prm[7] - prm[9];
  int he = min(hs + prm[4], H + prm[10]), we = min(ws + prm[5], W + prm[11]);
  int pool = (he - hs) * (we - ws);
  hs = max(hs, 0);
  ws = max(ws, 0);
  he = min(he, H);
  we = min(we, W);
  float s = 0.0f;
  for (int ih = hs; ih < he; ih++)
    for (int iw = ws; iw < we; iw++)
      s += x[ih * W + iw];
  int div = prm[15] ? prm[15] : prm[14] ? pool : (he - hs) * (we - ws);
  Y[yo + i] = s / (float)div;
}

PV_KERNEL void adaptive_pool_f32(PV_GLOBAL const float *X, pv_long xo,
                                 PV_GLOBAL float *Y, pv_long yo, int total,
                                 int H, int W, int OH, int OW, int is_max) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int ow = i % OW, oh = (i / OW) % OH, p = i / OW / OH;
  PV_GLOBAL const float *x = X + xo + (pv_long)p * H * W;
  int hs = (oh * H) / OH, he = ((oh + 1) * H + OH - 1) / OH;
  int ws = (ow * W) / OW, we = ((ow + 1) * W + OW - 1) / OW;
  float acc = is_max ? -PV_INF : 0.0f;
  for (int ih = hs; ih < he; ih++)
    for (int iw = ws; iw < we; iw++) {
      float v = x[ih * W + iw];
      if (is_max) {
        if (v > acc || PV_ISNAN(v))
          acc = v;
      } else {
        acc += v;
      }
    }
  Y[yo + i] = is_max ? acc : acc / (float)((he - hs) * (we - ws));
}
