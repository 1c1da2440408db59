/* float16 / bfloat16 on vulkan device 0: casts to and from f32 (and between
 * the two 16-bit types) and f16 max/min, bit for bit against the
 * conversions of include/polyvis/elem.h and the CPU backend's rules. */
#include "testutil.h"
#include "vk_harness.h"

#include <math.h>
#include <polyvis/elem.h>

static vkh VK;

static uint32_t g_seed = 4242;
static uint32_t rnd32(void) {
  g_seed = g_seed * 1664525u + 1013904223u;
  uint32_t hi = g_seed >> 16;
  g_seed = g_seed * 1664525u + 1013904223u;
  return (hi << 16) | (g_seed >> 16);
}

static float fbits(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static uint32_t ubits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static int run_cast(int from, int to, int64_t n, const void *x, void **y) {
  pv_op_attrs at;
  memset(&at, 0, sizeof at);
  at.cast.to = to;
  int64_t shape[1] = {n};
  pv_tensor_desc in = vkh_desc(from, 1, shape), od;
  const void *data[1] = {x};
  return vkh_run(&VK, PV_OP_CAST, &at, 1, &in, data, 0, &od, y);
}

/* Every one of the 65,536 half / bfloat16 patterns widened to f32 (exact:
 * subnormals, infinities and NaN payloads). */
static void test_widen(void) {
  enum { N = 65536 };
  uint16_t *h = malloc(N * 2);
  for (int i = 0; i < N; i++)
    h[i] = (uint16_t)i;
  for (int k = 0; k < 2; k++) {
    int dt = k ? PV_BF16 : PV_F16;
    uint32_t *y = NULL;
    CHECK_EQ_INT(run_cast(dt, PV_F32, N, h, (void **)&y), 0);
    int bad = 0;
    for (int i = 0; i < N && y; i++) {
      float w = k ? pv_elem_bf16_to_f32(h[i]) : pv_elem_f16_to_f32(h[i]);
      if (y[i] != ubits(w) && bad++ < 3)
        fprintf(stderr, "%s 0x%04x -> f32: got 0x%08x want 0x%08x\n",
                k ? "bf16" : "f16", h[i], y[i], ubits(w));
    }
    CHECK(y && bad == 0);
    free(y);
  }
  free(h);
}

/* f32 -> f16 / bf16: rounding ties both ways, subnormal results, overflow,
 * infinities, NaNs and random bit patterns; an odd count (a partial last
 * word). */
static void test_narrow(void) {
  enum { N = 4099 };
  uint32_t *x = malloc(N * 4);
  static const uint32_t edge[] = {
      0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,
      0x7fc00000u, 0xffc00001u, 0x7f800001u, 0x7fffffffu, /* NaNs, payloads */
      0x3f801000u, 0x3f803000u, 0x3f801001u, 0x3f800fffu, /* f16 ties */
      0x3f808000u, 0x3f818000u, 0x3f808001u, 0x3f807fffu, /* bf16 ties */
      0x477fe000u, 0x477ff000u, 0x477fefffu, 0x47800000u, /* 65504 .. */
      0x7f7fffffu, 0xff7fffffu, 0x7f7f8000u,              /* bf16 to inf */
      0x33800000u, 0x33000000u, 0x33000001u, 0x32ffffffu, /* 2^-24, ties */
      0x38800000u, 0x387fe000u, 0x387ff000u, 0x34400000u, /* subnormals */
      0x00000001u, 0x807fffffu, 0x00800000u};             /* f32 subnormal */
  int ne = (int)(sizeof edge / sizeof edge[0]);
  for (int i = 0; i < N; i++)
    x[i] = i < ne ? edge[i] : rnd32();
  /* plenty of values in the f16 range and its subnormals */
  for (int i = ne; i < N; i += 2)
    x[i] = (x[i] & 0x80000000u) | (0x30000000u + (x[i] % 0x17800000u));
  for (int k = 0; k < 2; k++) {
    int dt = k ? PV_BF16 : PV_F16;
    uint16_t *y = NULL;
    CHECK_EQ_INT(run_cast(PV_F32, dt, N, x, (void **)&y), 0);
    int bad = 0;
    for (int i = 0; i < N && y; i++) {
      float f = fbits(x[i]);
      uint16_t w = k ? pv_elem_f32_to_bf16(f) : pv_elem_f32_to_f16(f);
      if (y[i] != w && bad++ < 3)
        fprintf(stderr, "f32 0x%08x -> %s: got 0x%04x want 0x%04x\n", x[i],
                k ? "bf16" : "f16", y[i], w);
    }
    CHECK(y && bad == 0);
    free(y);
  }
  free(x);
}

/* f16 <-> bf16 (through f32, exact then rounded once). */
static void test_cross(void) {
  enum { N = 65535 };
  uint16_t *h = malloc(N * 2);
  for (int i = 0; i < N; i++)
    h[i] = (uint16_t)i;
  for (int k = 0; k < 2; k++) {
    int from = k ? PV_BF16 : PV_F16, to = k ? PV_F16 : PV_BF16;
    uint16_t *y = NULL;
    CHECK_EQ_INT(run_cast(from, to, N, h, (void **)&y), 0);
    int bad = 0;
    for (int i = 0; i < N && y; i++) {
      uint16_t w = k ? pv_elem_f32_to_f16(pv_elem_bf16_to_f32(h[i]))
                     : pv_elem_f32_to_bf16(pv_elem_f16_to_f32(h[i]));
      if (y[i] != w && bad++ < 3)
        fprintf(stderr, "cast %d -> %d of 0x%04x: got 0x%04x want 0x%04x\n",
                from, to, h[i], y[i], w);
    }
    CHECK(y && bad == 0);
    free(y);
  }
  free(h);
}

/* The pairs the plugin declines (left to another device). */
static void test_declined(void) {
  int64_t shape[1] = {4};
  static const int bad[][2] = {
      {PV_F16, PV_I32}, {PV_BF16, PV_U8}, {PV_I32, PV_F16}, {PV_BOOL, PV_BF16}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pv_op_desc q;
    memset(&q, 0, sizeof q);
    q.op = PV_OP_CAST;
    q.n_inputs = q.n_outputs = 1;
    q.inputs[0] = vkh_desc(bad[i][0], 1, shape);
    q.outputs[0] = vkh_desc(bad[i][1], 1, shape);
    q.attrs.cast.to = bad[i][1];
    CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 0);
  }
  /* f16 add and f16 max with a fused activation stay unsupported */
  pv_op_desc q;
  memset(&q, 0, sizeof q);
  q.op = PV_OP_ADD;
  q.n_inputs = 2;
  q.n_outputs = 1;
  q.inputs[0] = q.inputs[1] = q.outputs[0] = vkh_desc(PV_F16, 1, shape);
  CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 0);
  q.op = PV_OP_MAX;
  CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 1);
  q.attrs.binary.act.op = PV_OP_RELU;
  CHECK_EQ_INT(VK.d->supports_op(VK.dev, &q), 0);
}

/* f16 max / min of [5, 7] and a broadcast row [7] (35 outputs: a partial
 * last word): NaN from either side, signed zeros, subnormals, infinities. */
static void test_maxmin(void) {
  enum { R = 5, C = 7 };
  uint16_t a[R * C], b[C];
  static const uint16_t special[] = {0x7e00, 0x0000, 0x8000, 0x0001,
                                     0x8001, 0x7c00, 0xfc00, 0x03ff,
                                     0x3c00, 0xbc00, 0x7d01, 0x0400};
  for (int i = 0; i < R * C; i++)
    a[i] = i < 12 ? special[i] : (uint16_t)(rnd32() & 0xfbff);
  static const uint16_t row[C] = {0x3c00, 0x8000, 0x0000, 0x0002,
                                  0xfe00, 0x3800, 0x8001};
  memcpy(b, row, sizeof b);
  int64_t sa[2] = {R, C}, sb[1] = {C};
  pv_tensor_desc in[2] = {vkh_desc(PV_F16, 2, sa), vkh_desc(PV_F16, 1, sb)};
  const void *data[2] = {a, b};
  for (int k = 0; k < 2; k++) {
    int op = k ? PV_OP_MIN : PV_OP_MAX;
    pv_op_attrs at;
    memset(&at, 0, sizeof at);
    pv_tensor_desc od;
    uint16_t *y = NULL;
    CHECK_EQ_INT(vkh_run(&VK, op, &at, 2, in, data, 0, &od, (void **)&y), 0);
    CHECK_EQ_INT(od.dtype, PV_F16);
    int bad = 0;
    for (int i = 0; i < R * C && y; i++) {
      uint16_t ha = a[i], hb = b[i % C];
      float fa = pv_elem_f16_to_f32(ha), fb = pv_elem_f16_to_f32(hb);
      /* backends/cpu/ops/binary.c f16_row */
      uint16_t w = isnan(fa)                                 ? ha
                   : isnan(fb)                               ? hb
                   : (op == PV_OP_MAX ? fa >= fb : fa <= fb) ? ha
                                                             : hb;
      if (y[i] != w && bad++ < 3)
        fprintf(stderr, "%s(0x%04x, 0x%04x): got 0x%04x want 0x%04x\n",
                k ? "min" : "max", ha, hb, y[i], w);
    }
    CHECK(y && bad == 0);
    free(y);
  }
}

int main(void) {
  int rc = vkh_open(&VK, 0);
  if (rc)
    return rc;
  test_widen();
  test_narrow();
  test_cross();
  test_declined();
  test_maxmin();
  vkh_close(&VK);
  CHECK_EQ_INT(vkh_validation_msgs, 0);
  return pv_test_finish("test_vulkan_f16");
}
