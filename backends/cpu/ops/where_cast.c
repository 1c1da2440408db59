/*
 * where (cond ? a : b with three-way broadcasting, any dtype, copied by
 * element size) and cast between all dtypes with torch `.to()` semantics:
 * float -> int truncates toward zero as x86 does (NaN and out-of-range give
 * the "integer indefinite" value, narrower types wrap), anything -> bool is
 * != 0, f16/bf16 round to nearest even. Also the element conversion helpers
 * other kernels use.
 */
#include "cpu_backend.h"

#include <polyvis/elem.h>

#include <math.h>

/* ---- element conversion (shared with the core through polyvis/elem.h) ---
 */
float pv__cpu_f16_to_f32(uint16_t h) { return pv_elem_f16_to_f32(h); }
uint16_t pv__cpu_f32_to_f16(float f) { return pv_elem_f32_to_f16(f); }
double pv__cpu_load_f64(const void *p, int32_t dt, int64_t i) {
  return pv_elem_load_f64(p, dt, i);
}

static int is_float_dt(int32_t dt) {
  return dt == PV_F32 || dt == PV_F64 || dt == PV_F16 || dt == PV_BF16;
}

/* x86 cvtt semantics: truncation, NaN/out of range -> the minimum. */
static int64_t trunc32(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0))
    return INT32_MIN;
  return (int64_t)v;
}
static int64_t trunc64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
    return INT64_MIN;
  return (int64_t)v;
}

/* An integer into any dtype: integers wrap (C casts), floats convert. */
static void store_int(void *p, int32_t dt, int64_t i, int64_t v) {
  if (pv_elem_store_i64(p, dt, i, v))
    return;
  switch (dt) {
  case PV_F32:
    ((float *)p)[i] = (float)v;
    break;
  case PV_F64:
    ((double *)p)[i] = (double)v;
    break;
  case PV_F16:
    ((uint16_t *)p)[i] = pv_elem_f32_to_f16((float)v);
    break;
  case PV_BF16:
    ((uint16_t *)p)[i] = pv_elem_f32_to_bf16((float)v);
    break;
  default:
    break;
  }
}

void pv__cpu_store_f64(void *p, int32_t dt, int64_t i, double v) {
  switch (dt) {
  case PV_F32:
    ((float *)p)[i] = (float)v;
    break;
  case PV_F64:
    ((double *)p)[i] = v;
    break;
  case PV_F16:
    ((uint16_t *)p)[i] = pv__cpu_f32_to_f16((float)v);
    break;
  case PV_BF16:
    ((uint16_t *)p)[i] = pv_elem_f32_to_bf16((float)v);
    break;
  case PV_BOOL:
    ((uint8_t *)p)[i] = v != 0;
    break;
  case PV_I64:
    ((int64_t *)p)[i] = trunc64(v);
    break;
  case PV_U8: /* torch converts to uint8 through int64, the others through
                 int32 (observable only for doubles beyond 2^31) */
    store_int(p, dt, i, trunc64(v));
    break;
  default:
    store_int(p, dt, i, trunc32(v));
  }
}

/* ---- cast -----------------------------------------------------------------
 */
typedef struct cast_ctx {
  int32_t st, dt;
  const void *x;
  void *y;
} cast_ctx;

static void cast_chunk(void *vc, int64_t b, int64_t e) {
  const cast_ctx *c = vc;
  if (c->st == c->dt) {
    size_t es = pv__cpu_dsize(c->st);
    memcpy((char *)c->y + b * (int64_t)es, (const char *)c->x + b * (int64_t)es,
           (size_t)(e - b) * es);
    return;
  }
  if (c->st == PV_F32 && c->dt == PV_F16) {
    const float *x = c->x;
    uint16_t *y = c->y;
    for (int64_t i = b; i < e; i++)
      y[i] = pv__cpu_f32_to_f16(x[i]);
  } else if (c->st == PV_F16 && c->dt == PV_F32) {
    const uint16_t *x = c->x;
    float *y = c->y;
    for (int64_t i = b; i < e; i++)
      y[i] = pv__cpu_f16_to_f32(x[i]);
  } else if (c->st == PV_U8 && c->dt == PV_F32) {
    const uint8_t *x = c->x;
    float *y = c->y;
    for (int64_t i = b; i < e; i++)
      y[i] = x[i];
  } else if (is_float_dt(c->st)) {
    for (int64_t i = b; i < e; i++)
      pv__cpu_store_f64(c->y, c->dt, i, pv__cpu_load_f64(c->x, c->st, i));
  } else {
    for (int64_t i = b; i < e; i++)
      store_int(c->y, c->dt, i, pv_elem_load_i64(c->x, c->st, i));
  }
}

static int cast_supports(const pv_op_desc *op) {
  return pv__cpu_dsize(op->inputs[0].dtype) > 0 &&
         op->outputs[0].dtype == op->attrs.cast.to &&
         pv__cpu_dsize(op->outputs[0].dtype) > 0;
}

static int cast_run(const pv_cpu_exec *e) {
  cast_ctx c = {e->in[0].desc->dtype, e->out[0].desc->dtype, e->in[0].data,
                e->out[0].data};
  pv__cpu_host->parallel_for(pv__cpu_numel(e->out[0].desc), 16384, cast_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_cast = {.supports = cast_supports,
                                     .run = cast_run};

/* ---- where ----------------------------------------------------------------
 */
typedef struct where_ctx {
  pv_cpu_bcast plan;
  const uint8_t *cond;
  const char *a, *b;
  char *y;
  size_t es;
} where_ctx;

static void where_chunk(void *vc, int64_t begin, int64_t end) {
  const where_ctx *c = vc;
  int64_t n = c->plan.inner, s0 = c->plan.inner_st[0], s1 = c->plan.inner_st[1],
          s2 = c->plan.inner_st[2];
  int64_t es = (int64_t)c->es;
  for (int64_t r = begin; r < end; r++) {
    int64_t off[3];
    pv__cpu_bcast_row(&c->plan, r, off);
    const uint8_t *cd = c->cond + off[0];
    const char *a = c->a + off[1] * es, *b = c->b + off[2] * es;
    char *y = c->y + r * n * es;
#define PV_WHERE(T)                                                            \
  for (int64_t i = 0; i < n; i++)                                              \
    ((T *)y)[i] = cd[i * s0] ? ((const T *)a)[i * s1] : ((const T *)b)[i * s2];
    switch (es) {
    case 1:
      PV_WHERE(uint8_t);
      break;
    case 2:
      PV_WHERE(uint16_t);
      break;
    case 4:
      PV_WHERE(uint32_t);
      break;
    case 8:
      PV_WHERE(uint64_t);
      break;
    default:
      for (int64_t i = 0; i < n; i++)
        memcpy(y + i * es, cd[i * s0] ? a + i * s1 * es : b + i * s2 * es,
               (size_t)es);
    }
#undef PV_WHERE
  }
}

static int where_supports(const pv_op_desc *op) {
  return op->inputs[0].dtype == PV_BOOL &&
         op->inputs[1].dtype == op->inputs[2].dtype &&
         op->outputs[0].dtype == op->inputs[1].dtype &&
         pv__cpu_dsize(op->inputs[1].dtype) > 0;
}

static int where_run(const pv_cpu_exec *e) {
  where_ctx c;
  memset(&c, 0, sizeof c);
  const pv_tensor_desc *in[3] = {e->in[0].desc, e->in[1].desc, e->in[2].desc};
  pv__cpu_bcast_plan_init(&c.plan, 3, in, e->out[0].desc);
  c.cond = e->in[0].data;
  c.a = e->in[1].data;
  c.b = e->in[2].data;
  c.y = e->out[0].data;
  c.es = pv__cpu_dsize(e->out[0].desc->dtype);
  if (pv__cpu_numel(e->out[0].desc) == 0)
    return 0;
  pv__cpu_host->parallel_for(c.plan.rows, 1 + 16384 / c.plan.inner, where_chunk,
                             &c);
  return 0;
}

const pv_cpu_op_impl pv__cpu_where = {.supports = where_supports,
                                      .run = where_run};
