/* conv.cl: conv2d (NCHW, OIHW weights) as an implicit GEMM tiled in local
 * memory (im2col computed while staging B tiles), a direct kernel for
 * depthwise / grouped convs with one input channel per group, and
 * conv_transpose2d. Bias and activation are fused. The 1x1 stride-1 path
 * runs through gemm.cl.
 *
 * prm: 0 Cin, 1 H, 2 W, 3 Cout, 4 OH, 5 OW, 6 KH, 7 KW, 8 sh, 9 sw, 10 pt,
 *      11 pl, 12 dh, 13 dw, 14 groups, 15 N */
#define PV_CTM 64
#define PV_CTN 64
#define PV_CTK 16

PV_KERNEL void conv_gemm_f32(PV_GLOBAL const float *X, pv_long xo,
                             PV_GLOBAL const float *Wt, pv_long wo,
                             PV_GLOBAL const float *Bias, pv_long bo,
                             PV_GLOBAL float *Y, pv_long yo,
                             PV_GLOBAL const int *prm, int has_bias, int act,
                             float aa, float ab, int amode) {
  PV_LOCAL float As[PV_CTK * PV_CTM];
  PV_LOCAL float Bs[PV_CTK * PV_CTN];
  int Cin = prm[0], H = prm[1], W = prm[2], Cout = prm[3], OH = prm[4],
      OW = prm[5], KH = prm[6], KW = prm[7], sh = prm[8], sw = prm[9],
      pt = prm[10], pl = prm[11], dh = prm[12], dw = prm[13], G = prm[14];
  int Cig = Cin / G, Cog = Cout / G;
  int M = Cog, Np = OH * OW, K = Cig * KH * KW, KHW = KH * KW;
  int tx = PV_LID(0), ty = PV_LID(1), lid = ty * 16 + tx;
  int n0 = PV_GROUP(0) * PV_CTN, m0 = PV_GROUP(1) * PV_CTM;
  int bg = PV_GID(2), nb = bg / G, g = bg % G;
  PV_GLOBAL const float *x = X + xo + ((pv_long)nb * Cin + (pv_long)g * Cig) * H * W;
  PV_GLOBAL const float *w = Wt + wo + (pv_long)g * Cog * K;
  float acc[4][4];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      acc[i][j] = 0.0f;
  for (int k0 = 0; k0 < K; k0 += PV_CTK) {
    for (int r = 0; r < 4; r++) {
      int e = lid + 256 * r;
      int k = e % PV_CTK, m = e / PV_CTK;
      int gm = m0 + m, gk = k0 + k;
      As[k * PV_CTM + m] = gm < M && gk < K ? w[(pv_long)gm * K + gk] : 0.0f;
      int n = e % PV_CTN;
      k = e / PV_CTN;
      int gn = n0 + n;
      gk = k0 + k;
      float v = 0.0f;
      if (gn < Np && gk < K) {
        int ci = gk / KHW, rr = gk % KHW;
        int ih = (gn / OW) * sh - pt + (rr / KW) * dh;
        int iw = (gn % OW) * sw - pl + (rr % KW) * dw;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
          v = x[((pv_long)ci * H + ih) * W + iw];
      }
      Bs[k * PV_CTN + n] = v;
    }
    PV_BARRIER();
    for (int k = 0; k < PV_CTK; k++) {
      float av[4], bv[4];
      for (int i = 0; i < 4; i++)
        av[i] = As[k * PV_CTM + ty + 16 * i];
      for (int j = 0; j < 4; j++)
        bv[j] = Bs[k * PV_CTN + tx + 16 * j];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
          acc[i][j] += av[i] * bv[j];
    }
    PV_BARRIER();
  }
  PV_GLOBAL float *y = Y + yo + ((pv_long)nb * Cout + (pv_long)g * Cog) * Np;
  for (int i = 0; i < 4; i++) {
    int gm = m0 + ty + 16 * i;
    if (gm >= M)
      continue;
    float bias = has_bias ? Bias[bo + g * Cog + gm] : 0.0f;
    for (int j = 0; j < 4; j++) {
      int gn = n0 + tx + 16 * j;
      if (gn < Np)
        y[(pv_long)gm * Np + gn] = pv_unary(acc[i][j] + bias, act, aa, ab, amode);
    }
  }
}

/* One work item per output; used for depthwise (one input channel per
 * group), where a GEMM would have K = KH*KW only. */
PV_KERNEL void conv_direct_f32(PV_GLOBAL const float *X, pv_long xo,
                               PV_GLOBAL const float *Wt, pv_long wo,
                               PV_GLOBAL const float *Bias, pv_long bo,
                               PV_GLOBAL float *Y, pv_long yo,
                               PV_GLOBAL const int *prm, int has_bias, int act,
                               float aa, float ab, int amode, int total) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int Cin = prm[0], H = prm[1], W = prm[2], Cout = prm[3], OH = prm[4],
      OW = prm[5], KH = prm[6], KW = prm[7], sh = prm[8], sw = prm[9],
      pt = prm[10], pl = prm[11], dh = prm[12], dw = prm[13], G = prm[14];
  int Cig = Cin / G, Cog = Cout / G;
  int ow = i % OW, oh = (i / OW) % OH, co = (i / OW / OH) % Cout,
      nb = i / OW / OH / Cout;
  int g = co / Cog;
  float acc = 0.0f;
  for (int ci = 0; ci < Cig; ci++) {
    PV_GLOBAL const float *x =
        X + xo + ((pv_long)nb * Cin + (pv_long)g * Cig + ci) * H * W;
    PV_GLOBAL const float *w = Wt + wo + ((pv_long)co * Cig + ci) * KH * KW;
    for (int kh = 0; kh < KH; kh++) {
      int ih = oh * sh - pt + kh * dh;
      if (ih < 0 || ih >= H)
        continue;
      for (int kw = 0; kw < KW; kw++) {
        int iw = ow * sw - pl + kw * dw;
        if (iw >= 0 && iw < W)
          acc += x[(pv_long)ih * W + iw] * w[kh * KW + kw];
      }
    }
  }
  if (has_bias)
    acc += Bias[bo + co];
  Y[yo + i] = pv_unary(acc, act, aa, ab, amode);
}

/* conv_transpose2d, weights [Cin, Cout/G, KH, KW]: output gathers every
 * input position that scatters into it. */
PV_KERNEL void conv_transpose_f32(PV_GLOBAL const float *X, pv_long xo,
                                  PV_GLOBAL const float *Wt, pv_long wo,
                                  PV_GLOBAL const float *Bias, pv_long bo,
                                  PV_GLOBAL float *Y, pv_long yo,
                                  PV_GLOBAL const int *prm, int has_bias,
                                  int act, float aa, float ab, int amode,
                                  int total) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int Cin = prm[0], H = prm[1], W = prm[2], Cout = prm[3], OH = prm[4],
      OW = prm[5], KH = prm[6], KW = prm[7], sh = prm[8], sw = prm[9],
      pt = prm[10], pl = prm[11], dh = prm[12], dw = prm[13], G = prm[14];
  int Cig = Cin / G, Cog = Cout / G;
  int ow = i % OW, oh = (i / OW) % OH, co = (i / OW / OH) % Cout,
      nb = i / OW / OH / Cout;
  int g = co / Cog, cog = co % Cog;
  float acc = 0.0f;
  for (int ci = 0; ci < Cig; ci++) {
    int cin = g * Cig + ci;
    PV_GLOBAL const float *x = X + xo + ((pv_long)nb * Cin + cin) * H * W;
    PV_GLOBAL const float *w = Wt + wo + ((pv_long)cin * Cog + cog) * KH * KW;
    for (int kh = 0; kh < KH; kh++) {
      int th = oh + pt - kh * dh;
      if (th < 0 || th % sh)
        continue;
      int ih = th / sh;
      if (ih >= H)
        continue;
      for (int kw = 0; kw < KW; kw++) {
        int tw = ow + pl - kw * dw;
        if (tw < 0 || tw % sw)
          continue;
        int iw = tw / sw;
        if (iw < W)
          acc += x[(pv_long)ih * W + iw] * w[kh * KW + kw];
      }
    }
  }
  if (has_bias)
    acc += Bias[bo + co];
  Y[yo + i] = pv_unary(acc, act, aa, ab, amode);
}
