/*
 * Comparisons with numpy broadcasting: equal, less, greater. Output is bool
 * (one byte, 0/1). Inputs: every dtype but f16/bf16 (typed loops for f32,
 * i32, i64; the small integer types and bool go through double, exactly).
 * NaN compares false, as in torch.
 */
#include "cpu_backend.h"

typedef struct cmp_ctx {
  int op, dt;
  pv_cpu_bcast plan;
  const void *a, *b;
  uint8_t *y;
} cmp_ctx;

#define PV_CMP_LOOP(T)                                                         \
  do {                                                                         \
    const T *A = (const T *)c->a + off[0], *B = (const T *)c->b + off[1];      \
    if (c->op == PV_OP_EQUAL)                                                  \
      for (int64_t i = 0; i < n; i++)                                          \
        y[i] = A[i * sa] == B[i * sb];                                         \
    else if (c->op == PV_OP_LESS)                                              \
      for (int64_t i = 0; i < n; i++)                                          \
        y[i] = A[i * sa] < B[i * sb];                                          \
    else                                                                       \
      for (int64_t i = 0; i < n; i++)                                          \
        y[i] = A[i * sa] > B[i * sb];                                          \
  } while (0)

static void cmp_chunk(void *vc, int64_t begin, int64_t end) {
  const cmp_ctx *c = vc;
  int64_t n = c->plan.inner, sa = c->plan.inner_st[0], sb = c->plan.inner_st[1];
  for (int64_t r = begin; r < end; r++) {
    int64_t off[3];
    pv__cpu_bcast_row(&c->plan, r, off);
    uint8_t *y = c->y + r * n;
    switch (c->dt) {
    case PV_F32:
      PV_CMP_LOOP(float);
      break;
    case PV_I32:
      PV_CMP_LOOP(int32_t);
      break;
    case PV_I64:
      PV_CMP_LOOP(int64_t);
      break;
    case PV_F64:
      PV_CMP_LOOP(double);
      break;
    default:
      for (int64_t i = 0; i < n; i++) {
        double x = pv__cpu_load_f64(c->a, c->dt, off[0] + i * sa);
        double z = pv__cpu_load_f64(c->b, c->dt, off[1] + i * sb);
        y[i] = c->op == PV_OP_EQUAL  ? x == z
               : c->op == PV_OP_LESS ? x < z
                                     : x > z;
      }
    }
  }
}

static int cmp_supports(const pv_op_desc *op) {
  int32_t dt = op->inputs[0].dtype;
  return op->inputs[1].dtype == dt && op->outputs[0].dtype == PV_BOOL &&
         dt != PV_F16 && dt != PV_BF16 && pv__cpu_dsize(dt) > 0;
}

static int cmp_run(const pv_cpu_exec *e) {
  cmp_ctx c;
  memset(&c, 0, sizeof c);
  c.op = e->node->op;
  c.dt = e->in[0].desc->dtype;
  const pv_tensor_desc *in[2] = {e->in[0].desc, e->in[1].desc};
  pv__cpu_bcast_plan_init(&c.plan, 2, in, e->out[0].desc);
  c.a = e->in[0].data;
  c.b = e->in[1].data;
  c.y = e->out[0].data;
  if (pv__cpu_numel(e->out[0].desc) == 0)
    return 0;
  pv__cpu_host->parallel_for(c.plan.rows, 1 + 16384 / c.plan.inner, cmp_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_compare = {.supports = cmp_supports,
                                        .run = cmp_run};
