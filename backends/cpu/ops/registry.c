/* The CPU kernel table: maps each op to the pv_cpu_op_impl that an
 * ops/<family>.c file defines. Add one line per kernel. */
#include "cpu_backend.h"

extern const pv_cpu_op_impl pv__cpu_relu;

static const pv_cpu_op_impl *const k_table[PV_OP_COUNT] = {
    [PV_OP_RELU] = &pv__cpu_relu,
};

const pv_cpu_op_impl *pv__cpu_op_impl(int op) {
  if (op <= 0 || op >= PV_OP_COUNT)
    return NULL;
  return k_table[op];
}
