/* gemm.cl: Y = act(alpha * A @ B + beta * C) with arbitrary element strides
 * for A (sam, sak), B (sbk, sbn) and C (scm, scn; 0 = broadcast), batched
 * through a table of per-batch offsets {a, b, y, c}. Serves linear, gemm,
 * matmul and 1x1 convolution.
 *
 * gemm_tiled_f32: 64x64 output tile per 16x16 work-group, each work item
 * computing a 4x4 block from 16-deep slices of A and B staged in local
 * memory. gemm_naive_f32: one work item per output, the baseline the bench
 * measures and the fallback for devices with small work-groups. */
#define PV_TM 64
#define PV_TN 64
#define PV_TK 16
#define PV_WPT 4

PV_KERNEL void gemm_tiled_f32(
    PV_GLOBAL const float *A, pv_long ao, PV_GLOBAL const float *B, pv_long bo,
    PV_GLOBAL const float *C, pv_long co, PV_GLOBAL float *Y, pv_long yo, int M,
    int N, int K, int sam, int sak, int sbk, int sbn, int scm, int scn,
    float alpha, float beta, int act, float aa, float ab, int amode,
    PV_GLOBAL const int *bt, int has_c) {
  PV_LOCAL float As[PV_TK * PV_TM];
  PV_LOCAL float Bs[PV_TK * PV_TN];
  int tx = PV_LID(0), ty = PV_LID(1);
  int lid = ty * 16 + tx;
  int n0 = PV_GROUP(0) * PV_TN, m0 = PV_GROUP(1) * PV_TM;
  int b = PV_GID(2);
  PV_GLOBAL const float *a = A + ao + bt[4 * b];
  PV_GLOBAL const float *bb = B + bo + bt[4 * b + 1];
  float acc[PV_WPT][PV_WPT];
  for (int i = 0; i < PV_WPT; i++)
    for (int j = 0; j < PV_WPT; j++)
      acc[i][j] = 0.0f;
  for (int k0 = 0; k0 < K; k0 += PV_TK) {
    for (int r = 0; r < 4; r++) {
      int e = lid + 256 * r;
      int m, k;
      if (sak == 1) {
        k = e % PV_TK;
        m = e / PV_TK;
      } else {
        m = e % PV_TM;
        k = e / PV_TM;
      }
      int gm = m0 + m, gk = k0 + k;
      As[k * PV_TM + m] =
          gm < M && gk < K ? a[(pv_long)gm * sam + (pv_long)gk * sak] : 0.0f;
      int n;
      if (sbn == 1) {
        n = e % PV_TN;
        k = e / PV_TN;
      } else {
        k = e % PV_TK;
        n = e / PV_TK;
      }
      int gn = n0 + n;
      gk = k0 + k;
      Bs[k * PV_TN + n] =
          gn < N && gk < K ? bb[(pv_long)gk * sbk + (pv_long)gn * sbn] : 0.0f;
    }
    PV_BARRIER();
    for (int k = 0; k < PV_TK; k++) {
      float av[PV_WPT], bv[PV_WPT];
      for (int i = 0; i < PV_WPT; i++)
        av[i] = As[k * PV_TM + ty + 16 * i];
      for (int j = 0; j < PV_WPT; j++)
        bv[j] = Bs[k * PV_TN + tx + 16 * j];
      for (int i = 0; i < PV_WPT; i++)
        for (int j = 0; j < PV_WPT; j++)
          acc[i][j] += av[i] * bv[j];
    }
    PV_BARRIER();
  }
  PV_GLOBAL float *y = Y + yo + bt[4 * b + 2];
  PV_GLOBAL const float *c = C + co + bt[4 * b + 3];
  for (int i = 0; i < PV_WPT; i++) {
    int gm = m0 + ty + 16 * i;
    if (gm >= M)
      continue;
    for (int j = 0; j < PV_WPT; j++) {
      int gn = n0 + tx + 16 * j;
      if (gn >= N)
        continue;
      float v = alpha * acc[i][j];
      if (has_c)
        v += beta * c[(pv_long)gm * scm + (pv_long)gn * scn];
      y[(pv_long)gm * N + gn] = pv_unary(v, act, aa, ab, amode);
    }
  }
}

PV_KERNEL void gemm_naive_f32(
    PV_GLOBAL const float *A, pv_long ao, PV_GLOBAL const float *B, pv_long bo,
    PV_GLOBAL const float *C, pv_long co, PV_GLOBAL float *Y, pv_long yo, int M,
    int N, int K, int sam, int sak, int sbk, int sbn, int scm, int scn,
    float alpha, float beta, int act, float aa, float ab, int amode,
    PV_GLOBAL const int *bt, int has_c) {
  int n = PV_GID(0), m = PV_GID(1), b = PV_GID(2);
  if (n >= N || m >= M)
    return;
  PV_GLOBAL const float *a = A + ao + bt[4 * b];
  PV_GLOBAL const float *bb = B + bo + bt[4 * b + 1];
  float acc = 0.0f;
  for (int k = 0; k < K; k++)
    acc += a[(pv_long)m * sam + (pv_long)k * sak] *
           bb[(pv_long)k * sbk + (pv_long)n * sbn];
  float v = alpha * acc;
  if (has_c)
    v += beta * C[co + bt[4 * b + 3] + (pv_long)m * scm + (pv_long)n * scn];
  Y[yo + bt[4 * b + 2] + (pv_long)m * N + n] = pv_unary(v, act, aa, ab, amode);
}
