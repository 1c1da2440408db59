/* norm.cl: batch norm (inference, running stats) elementwise, and one
 * row-normalising kernel for layer, group and instance norm: a work-group of
 * 64 reduces the mean, then the biased variance of (x - mean), then writes
 * (x - mean) / sqrt(var + eps) * w + b. The affine index of element i of row
 * r is (r % G) * (L / inner) + i / inner: layer norm G = 1, inner = 1; group
 * norm G = groups, inner = H*W; instance norm G = C, inner = L = H*W. */
PV_KERNEL void batchnorm_f32(PV_GLOBAL const float *X, pv_long xo,
                             PV_GLOBAL const float *Wt, pv_long wo,
                             PV_GLOBAL const float *B, pv_long bo,
                             PV_GLOBAL const float *Mean, pv_long mo,
                             PV_GLOBAL const float *Var, pv_long vo,
                             PV_GLOBAL float *Y, pv_long yo, int total, int C,
                             int inner, float eps) {
  int i = PV_GID(0);
  if (i >= total)
    return;
  int c = (i / inner) % C;
  float inv = 1.0f / sqrt(Var[vo + c] + eps);
  Y[yo + i] = (X[xo + i] - Mean[mo + c]) * inv * Wt[wo + c] + B[bo + c];
}

#define PV_NORM_WG 64

PV_KERNEL void rownorm_f32(PV_GLOBAL const float *X, pv_long xo,
                           PV_GLOBAL const float *Wt, pv_long wo,
                           PV_GLOBAL const float *B, pv_long bo,
                           PV_GLOBAL float *Y, pv_long yo, int L, int G,
                           int inner, float eps, int has_w, int has_b) {
  PV_LOCAL float red[PV_NORM_WG];
  int r = PV_GROUP(0), t = PV_LID(0);
  PV_GLOBAL const float *x = X + xo + (pv_long)r * L;
  PV_GLOBAL float *y = Y + yo + (pv_long)r * L;
  float s = 0.0f;
  for (int i = t; i < L; i += PV_NORM_WG)
    s += x[i];
  red[t] = s;
  PV_BARRIER();
  for (int w = PV_NORM_WG / 2; w > 0; w >>= 1) {
    if (t < w)
      red[t] += red[t + w];
    PV_BARRIER();
  }
  float mean = red[0] / (float)L;
  PV_BARRIER();
  s = 0.0f;
  for (int i = t; i < L; i += PV_NORM_WG) {
    float d = x[i] - mean;
    s += d * d;
  }
  red[t] = s;
  PV_BARRIER();
  for (int w = PV_NORM_WG / 2; w > 0; w >>= 1) {
    if (t < w)
      red[t] += red[t + w];
    PV_BARRIER();
  }
  float inv = 1.0f / sqrt(red[0] / (float)L + eps);
  int cpr = L / inner, wb = (r % G) * cpr;
  for (int i = t; i < L; i += PV_NORM_WG) {
    int c = wb + i / inner;
    float v = (x[i] - mean) * inv;
    if (has_w)
      v *= Wt[wo + c];
    if (has_b)
      v += B[bo + c];
    y[i] = v;
  }
}
