/* Host side of kernels/resize.cl: F.interpolate modes with torch semantics.
 * ONNX-only coordinate modes are left to the CPU. */
#include "ocl_backend.h"

static int resize_supports(const pv_plugin_device *dev, const pv_op_desc *op) {
  const pv_resize_attrs *r = &op->attrs.resize;
  if (op->inputs[0].dtype != PV_F32 || op->outputs[0].dtype != PV_F32 ||
      op->inputs[0].ndim != 4 || pv__ocl_numel(&op->outputs[0]) > 0x7fffffff)
    return 0;
  if (r->coord_mode || r->nearest_mode || r->exclude_outside)
    return 0;
  if (r->antialias && r->mode != PV_RESIZE_BILINEAR &&
      r->mode != PV_RESIZE_BICUBIC)
    return 0;
  return r->mode >= PV_RESIZE_NEAREST && r->mode <= PV_RESIZE_BICUBIC;
}

/* torch area_pixel_compute_scale / compute_scales_value. */
static float axis_scale(int64_t in, int64_t out, int align, double user) {
  if (align)
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
  if (user > 0)
    return (float)(1.0 / user);
  return (float)in / (float)out;
}

static int resize_build(pv_ocl_node_ctx *nc) {
  const pv_node_desc *n = nc->node;
  const pv_resize_attrs *r = &n->attrs.resize;
  const pv_tensor_desc *x = &pv__ocl_in(nc, 0)->desc;
  const pv_tensor_desc *y = &pv__ocl_out(nc, 0)->desc;
  int64_t total = pv__ocl_numel(y);
  int nearest =
      r->mode == PV_RESIZE_NEAREST || r->mode == PV_RESIZE_NEAREST_EXACT;
  int align = nearest ? 0 : r->align_corners;
  float sh = axis_scale(x->shape[2], y->shape[2], align, r->scale[0]);
  float sw = axis_scale(x->shape[3], y->shape[3], align, r->scale[1]);
  float A = r->cubic_a != 0.0f ? r->cubic_a : -0.75f;
  pv_ocl_launch *l;
  int rc;
  if ((rc = pv__ocl_launch_new(nc, PV_OCL_PROG_RESIZE, "resize_f32", &l)) ||
      (rc = pv__ocl_arg_tensor(nc, l, 0, n->inputs[0])) ||
      (rc = pv__ocl_arg_tensor(nc, l, 2, n->outputs[0])) ||
      (rc = pv__ocl_arg_int(nc, l, 4, (int)total)) ||
      (rc = pv__ocl_arg_int(nc, l, 5, (int)x->shape[2])) ||
      (rc = pv__ocl_arg_int(nc, l, 6, (int)x->shape[3])) ||
      (rc = pv__ocl_arg_int(nc, l, 7, (int)y->shape[2])) ||
      (rc = pv__ocl_arg_int(nc, l, 8, (int)y->shape[3])) ||
      (rc = pv__ocl_arg_int(nc, l, 9, r->mode)) ||
      (rc = pv__ocl_arg_int(nc, l, 10, align)) ||
      (rc = pv__ocl_arg_float(nc, l, 11, sh)) ||
      (rc = pv__ocl_arg_float(nc, l, 12, sw)) ||
      (rc = pv__ocl_arg_int(nc, l, 13, !nearest && r->antialias)) ||
      (rc = pv__ocl_arg_float(nc, l, 14, A)))
    return rc;
  pv__ocl_range1(l, total);
  return 0;
}

const pv_ocl_op_impl pv__ocl_resize = {resize_supports, resize_build};
