/* Test harness for the Vulkan plugin: loads the built .so through the plugin
 * ABI (dlopen + pv_plugin_query), with the library's host table wrapped so
 * that Vulkan validation messages are counted, and runs single-node
 * partitions. */
#ifndef PV_TEST_VK_HARNESS_H
#define PV_TEST_VK_HARNESS_H

#include <polyvis/plugin.h>
#include <stdint.h>

typedef struct vkh {
  void *lib;
  const pv_plugin_desc *d;
  pv_plugin_ctx *ctx;
  pv_plugin_device *dev;
} vkh;

/* Seeded test data, the same on every run: vkh_seed sets the generator (an
 * LCG), vkh_frand draws a value in [-1, 1), vkh_rnd mallocs n of them. */
void vkh_seed(uint32_t seed);
float vkh_frand(void);
float *vkh_rnd(int64_t n);
/* Zeroed attributes. */
pv_op_attrs vkh_zattrs(void);
/* A descriptor from its dims: VKH_DT(PV_F16, 2, 3), VKH_D(2, 3) (f32). */
#define VKH_DT(dt, ...)                                                        \
  (vkh_desc(dt, (int)(sizeof((int64_t[]){__VA_ARGS__}) / 8),                   \
            (int64_t[]){__VA_ARGS__}))
#define VKH_D(...) VKH_DT(PV_F32, __VA_ARGS__)

/* Validation errors/warnings seen so far (through the host log). */
extern int vkh_validation_msgs;

/* Loads the plugin and runs init; 0 ok, nonzero on failure. */
int vkh_load(vkh *h);
/* vkh_load + device 0 open; returns 0, 77 (no Vulkan device: skip) or 1. */
int vkh_open(vkh *h, int precision);
void vkh_close(vkh *h);

/* Runs one node on device 0. Inputs with bit i of const_mask set are
 * PV_VALUE_CONST. The output desc is inferred; *out is malloc'ed. Returns
 * 0 or a PV_ERR code (also when supports_op says no). */
int vkh_run(vkh *h, int op, const pv_op_attrs *attrs, int n_in,
            const pv_tensor_desc *in, const void *const *data,
            uint32_t const_mask, pv_tensor_desc *out_desc, void **out);

/* The same with n_out outputs (topk). */
int vkh_run_multi(vkh *h, int op, const pv_op_attrs *attrs, int n_in,
                  const pv_tensor_desc *in, const void *const *data,
                  uint32_t const_mask, int n_out, pv_tensor_desc *out_descs,
                  void **outs);
/* A desc from a dtype and dims. */
pv_tensor_desc vkh_desc(int dtype, int ndim, const int64_t *shape);
/* max|a-b| / max(max|b|, tiny) over n floats; prints on failure. */
int vkh_close_enough(const char *what, const float *got, const float *want,
                     int64_t n, double tol);

#endif
