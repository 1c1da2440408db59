/* softmax.cl: softmax / log_softmax along one axis of x viewed as
 * [outer, len, inner]; one work item per (outer, inner) row. */
PV_KERNEL void softmax_f32(PV_GLOBAL const float *X, pv_long xo,
                           PV_GLOBAL float *Y, pv_long yo, int rows, int len,
                           int inner, int is_log) {
  int r = PV_GID(0);
  if (r >= rows)
    return;
  int o = r / inner, in_ = r % inner;
  pv_long base = (pv_long)o * len * inner + in_;
  PV_GLOBAL const float *x = X + xo + base;
  PV_GLOBAL float *y = Y + yo + base;
  float m = -PV_INF;
  for (int k = 0; k < len; k++) {
    float v = x[(pv_long)k * inner];
    m = v > m || PV_ISNAN(v) ? v : m;
  }
  float s = 0.0f;
  for (int k = 0; k < len; k++)
    s += exp(x[(pv_long)k * inner] - m);
  if (is_log) {
    float ls = log(s);
    for (int k = 0; k < len; k++)
      y[(pv_long)k * inner] = x[(pv_long)k * inner] - m - ls;
  } else {
    for (int k = 0; k < len; k++)
      y[(pv_long)k * inner] = exp(x[(pv_long)k * inner] - m) / s;
  }
}
