/* Op metadata: names and arity from PV_OP_MAP. */
#include "internal.h"

#include <ctype.h>
#include <strings.h>

static const struct {
  const char *name;
  int min_in, max_in, n_out;
} k_ops[PV_OP_COUNT] = {
#define PV__OP_META(name, mn, mx, no) {#name, mn, mx, no},
    PV_OP_MAP(PV__OP_META)
#undef PV__OP_META
};

static char g_lower[PV_OP_COUNT][32];

const char *pv_op_name(int op) {
  if (op < 0 || op >= PV_OP_COUNT)
    return NULL;
  if (!g_lower[op][0]) {
    char tmp[32];
    size_t i;
    for (i = 0; k_ops[op].name[i] && i < 31; i++)
      tmp[i] = (char)tolower((unsigned char)k_ops[op].name[i]);
    tmp[i] = 0;
    memcpy(g_lower[op], tmp, sizeof tmp);
  }
  return g_lower[op];
}

int pv_op_from_name(const char *name) {
  if (!name)
    return -1;
  for (int i = 1; i < PV_OP_COUNT; i++)
    if (!strcasecmp(name, k_ops[i].name))
      return i;
  return -1;
}

int pv__op_num_outputs(int op) {
  return op > 0 && op < PV_OP_COUNT ? k_ops[op].n_out : 0;
}
int pv__op_min_inputs(int op) {
  return op > 0 && op < PV_OP_COUNT ? k_ops[op].min_in : 0;
}
int pv__op_max_inputs(int op) {
  return op > 0 && op < PV_OP_COUNT ? k_ops[op].max_in : 0;
}

bool pv__op_is_unary(int op) { return pv_op_is_unary(op); }
bool pv__op_is_binary(int op) {
  return (op >= PV_OP_ADD && op <= PV_OP_MIN) ||
         (op >= PV_OP_EQUAL && op <= PV_OP_GREATER);
}
