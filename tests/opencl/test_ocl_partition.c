/* A multi-node partition: conv2d(+bias, relu) -> max_pool2d -> linear, the
 * intermediate values at planner-style offsets inside one arena and the
 * weights as constants, run twice on two arenas; checked against a host
 * composition of naive loops. */
#include "ocl_harness.h"

enum {
  CI = 3,
  H = 10,
  W = 10,
  CO = 8,
  PH = 5,
  PW = 5,
  F = CO * PH * PW,
  NO = 6
};

static float g_x[CI * H * W], g_w[CO * CI * 9], g_b[CO], g_lw[NO * F], g_lb[NO];

static void reference(float *out) {
  static float c[CO * H * W], p[F];
  for (int co = 0; co < CO; co++)
    for (int oh = 0; oh < H; oh++)
      for (int ow = 0; ow < W; ow++) {
        double s = g_b[co];
        for (int ci = 0; ci < CI; ci++)
          for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++) {
              int ih = oh - 1 + kh, iw = ow - 1 + kw;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                s += (double)g_x[(ci * H + ih) * W + iw] *
                     g_w[((co * CI + ci) * 3 + kh) * 3 + kw];
            }
        c[(co * H + oh) * W + ow] = (float)(s > 0 ? s : 0);
      }
  for (int co = 0; co < CO; co++)
    for (int oh = 0; oh < PH; oh++)
      for (int ow = 0; ow < PW; ow++) {
        float m = -INFINITY;
        for (int a = 0; a < 2; a++)
          for (int b = 0; b < 2; b++) {
            float v = c[(co * H + oh * 2 + a) * W + ow * 2 + b];
            m = v > m ? v : m;
          }
        p[(co * PH + oh) * PW + ow] = m;
      }
  for (int o = 0; o < NO; o++) {
    double s = g_lb[o];
    for (int k = 0; k < F; k++)
      s += (double)p[k] * g_lw[o * F + k];
    out[o] = (float)s;
  }
}

int main(void) {
  ocl_t t;
  int rc = ocl_open(&t);
  if (rc)
    return rc;
  ocl_fill(g_x, CI * H * W, 1);
  ocl_fill(g_w, CO * CI * 9, 2);
  ocl_fill(g_b, CO, 3);
  ocl_fill(g_lw, NO * F, 4);
  ocl_fill(g_lb, NO, 5);
  int64_t sx[4] = {1, CI, H, W}, sw[4] = {CO, CI, 3, 3}, sb[1] = {CO},
          sc[4] = {1, CO, H, W}, sp[4] = {1, CO, PH, PW}, sf[2] = {1, F},
          slw[2] = {NO, F}, slb[1] = {NO}, sy[2] = {1, NO};
  pv_value_desc v[10];
  memset(v, 0, sizeof v);
  /* 0 x, 1 w, 2 b, 3 conv out, 4 pool out, 5 flat (same bytes as 4 via a
   * reshape node), 6 lw, 7 lb, 8 y */
  v[0].desc = ocl_desc(PV_F32, 4, sx);
  v[1].desc = ocl_desc(PV_F32, 4, sw);
  v[2].desc = ocl_desc(PV_F32, 1, sb);
  v[3].desc = ocl_desc(PV_F32, 4, sc);
  v[4].desc = ocl_desc(PV_F32, 4, sp);
  v[5].desc = ocl_desc(PV_F32, 2, sf);
  v[6].desc = ocl_desc(PV_F32, 2, slw);
  v[7].desc = ocl_desc(PV_F32, 1, slb);
  v[8].desc = ocl_desc(PV_F32, 2, sy);
  const void *consts[10] = {0, g_w, g_b, 0, 0, 0, g_lw, g_lb, 0, 0};
  uint64_t offs[10] = {64, 0, 0, 1280, 4608, 64, 0, 0, 5504, 0};
  for (int i = 0; i < 9; i++) {
    v[i].nbytes = pv__desc_nbytes(&v[i].desc);
    if (consts[i]) {
      v[i].kind = PV_VALUE_CONST;
      v[i].data = consts[i];
    } else {
      v[i].kind = PV_VALUE_ARENA;
      v[i].offset = offs[i]; /* x's bytes are reused for the flat copy */
    }
  }
  pv_node_desc n[4];
  memset(n, 0, sizeof n);
  n[0].op = PV_OP_CONV2D;
  n[0].n_inputs = 3;
  n[0].n_outputs = 1;
  n[0].inputs[0] = 0, n[0].inputs[1] = 1, n[0].inputs[2] = 2;
  n[0].outputs[0] = 3;
  n[0].attrs.conv.stride[0] = n[0].attrs.conv.stride[1] = 1;
  for (int i = 0; i < 4; i++)
    n[0].attrs.conv.padding[i] = 1;
  n[0].attrs.conv.dilation[0] = n[0].attrs.conv.dilation[1] = 1;
  n[0].attrs.conv.groups = 1;
  n[0].attrs.conv.act.op = PV_OP_RELU;
  n[1].op = PV_OP_MAX_POOL2D;
  n[1].n_inputs = n[1].n_outputs = 1;
  n[1].inputs[0] = 3;
  n[1].outputs[0] = 4;
  n[1].attrs.pool.kernel[0] = n[1].attrs.pool.kernel[1] = 2;
  n[1].attrs.pool.stride[0] = n[1].attrs.pool.stride[1] = 2;
  n[1].attrs.pool.dilation[0] = n[1].attrs.pool.dilation[1] = 1;
  n[2].op = PV_OP_RESHAPE;
  n[2].n_inputs = n[2].n_outputs = 1;
  n[2].inputs[0] = 4;
  n[2].outputs[0] = 5;
  n[2].attrs.reshape.ndim = 2;
  n[2].attrs.reshape.shape[0] = 1;
  n[2].attrs.reshape.shape[1] = F;
  n[3].op = PV_OP_LINEAR;
  n[3].n_inputs = 3;
  n[3].n_outputs = 1;
  n[3].inputs[0] = 5, n[3].inputs[1] = 6, n[3].inputs[2] = 7;
  n[3].outputs[0] = 8;
  uint64_t arena_size = 5504 + 64;
  pv_partition_desc pd = {.struct_size = sizeof pd,
                          .n_nodes = 4,
                          .nodes = n,
                          .n_values = 9,
                          .values = v,
                          .arena_size = arena_size};
  pv_plugin_partition *part = NULL;
  CHECK_EQ_INT(t.d->partition_compile(t.dev, &pd, &part), 0);
  float want[NO];
  reference(want);
  for (int run = 0; part && run < 2; run++) {
    pv_plugin_buffer *arena = NULL;
    CHECK_EQ_INT(t.d->buffer_alloc(t.dev, arena_size, &arena), 0);
    if (!arena)
      break;
    float y[NO];
    CHECK_EQ_INT(t.d->buffer_write(t.dev, arena, 64, g_x, sizeof g_x), 0);
    CHECK_EQ_INT(t.d->partition_execute(t.dev, part, arena), 0);
    CHECK_EQ_INT(t.d->buffer_read(t.dev, arena, 5504, y, sizeof y), 0);
    double e = ocl_rel_err(y, want, NO);
    if (e > 1e-5)
      fprintf(stderr, "run %d: rel err %g\n", run, e);
    CHECK(e <= 1e-5);
    t.d->buffer_free(t.dev, arena);
  }
  if (part)
    t.d->partition_release(t.dev, part);

  /* A node referring to a value outside the table is refused. */
  n[3].outputs[0] = 42;
  part = NULL;
  CHECK(t.d->partition_compile(t.dev, &pd, &part) < 0);
  CHECK(part == NULL);
  ocl_unload(&t);
  return pv_test_finish("test_ocl_partition");
}
