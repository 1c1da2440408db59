/* Parsing of the parity manifest (see gen_op_goldens.py for the format). */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "a,b,c" into up to `max` doubles; returns the count. */
static int parse_list(const char *v, double *out, int max) {
  int n = 0;
  if (!*v)
    return 0;
  while (n < max) {
    char *end;
    out[n++] = strtod(v, &end);
    if (*end != ',')
      break;
    v = end + 1;
  }
  return n;
}

static void set_act(pv_act *act, const char *k, const char *v,
                    const double *d) {
  if (!strcmp(k, "act"))
    act->op = pv_op_from_name(v);
  else if (!strcmp(k, "act_alpha"))
    act->alpha = (float)d[0];
  else if (!strcmp(k, "act_beta"))
    act->beta = (float)d[0];
  else if (!strcmp(k, "act_mode"))
    act->mode = (int32_t)d[0];
}

#define SET2(f)                                                                \
  do {                                                                         \
    (f)[0] = (int32_t)d[0];                                                    \
    (f)[1] = (int32_t)d[n > 1 ? 1 : 0];                                        \
  } while (0)
#define SET4(f)                                                                \
  do {                                                                         \
    for (int i_ = 0; i_ < 4; i_++)                                             \
      (f)[i_] = (int32_t)d[i_ < n ? i_ : 0];                                   \
  } while (0)

/* Sets attribute `k` (raw text v, parsed numbers d[0..n)) of op. Returns -1
 * for a key the op does not know. */
static int set_attr(int op, pv_op_attrs *a, const char *k, const char *v,
                    const double *d, int n) {
  switch (op) {
  case PV_OP_CONV2D:
  case PV_OP_CONV_TRANSPOSE2D: {
    pv_conv_attrs *c = &a->conv;
    if (!strcmp(k, "stride"))
      SET2(c->stride);
    else if (!strcmp(k, "padding"))
      SET4(c->padding);
    else if (!strcmp(k, "dilation"))
      SET2(c->dilation);
    else if (!strcmp(k, "output_padding"))
      SET2(c->output_padding);
    else if (!strcmp(k, "groups"))
      c->groups = (int32_t)d[0];
    else if (!strncmp(k, "act", 3))
      set_act(&c->act, k, v, d);
    else
      return -1;
    return 0;
  }
  case PV_OP_MAX_POOL2D:
  case PV_OP_AVG_POOL2D:
  case PV_OP_ADAPTIVE_AVG_POOL2D:
  case PV_OP_ADAPTIVE_MAX_POOL2D: {
    pv_pool_attrs *p = &a->pool;
    if (!strcmp(k, "kernel"))
      SET2(p->kernel);
    else if (!strcmp(k, "stride"))
      SET2(p->stride);
    else if (!strcmp(k, "padding"))
      SET4(p->padding);
    else if (!strcmp(k, "dilation"))
      SET2(p->dilation);
    else if (!strcmp(k, "output_size"))
      SET2(p->output_size);
    else if (!strcmp(k, "ceil_mode"))
      p->ceil_mode = (int32_t)d[0];
    else if (!strcmp(k, "count_include_pad"))
      p->count_include_pad = (int32_t)d[0];
    else if (!strcmp(k, "divisor_override"))
      p->divisor_override = (int32_t)d[0];
    else
      return -1;
    return 0;
  }
  case PV_OP_LINEAR:
  case PV_OP_GEMM: {
    pv_gemm_attrs *g = &a->gemm;
    if (!strcmp(k, "trans_a"))
      g->trans_a = (int32_t)d[0];
    else if (!strcmp(k, "trans_b"))
      g->trans_b = (int32_t)d[0];
    else if (!strcmp(k, "alpha"))
      g->alpha = (float)d[0];
    else if (!strcmp(k, "beta"))
      g->beta = (float)d[0];
    else if (!strncmp(k, "act", 3))
      set_act(&g->act, k, v, d);
    else
      return -1;
    return 0;
  }
  case PV_OP_BATCH_NORM:
  case PV_OP_LAYER_NORM:
  case PV_OP_GROUP_NORM:
  case PV_OP_INSTANCE_NORM:
    if (!strcmp(k, "eps"))
      a->norm.eps = (float)d[0];
    else if (!strcmp(k, "groups"))
      a->norm.groups = (int32_t)d[0];
    else if (!strcmp(k, "n_norm_dims"))
      a->norm.n_norm_dims = (int32_t)d[0];
    else
      return -1;
    return 0;
  case PV_OP_RESHAPE:
  case PV_OP_EXPAND:
  case PV_OP_TILE:
    if (strcmp(k, "shape"))
      return -1;
    a->reshape.ndim = n;
    for (int i = 0; i < n; i++)
      a->reshape.shape[i] = (int64_t)d[i];
    return 0;
  case PV_OP_PERMUTE:
    if (strcmp(k, "perm"))
      return -1;
    for (int i = 0; i < n; i++)
      a->permute.perm[i] = (int32_t)d[i];
    return 0;
  case PV_OP_SLICE: {
    int64_t *f = !strcmp(k, "start")  ? a->slice.start
                 : !strcmp(k, "end")  ? a->slice.end
                 : !strcmp(k, "step") ? a->slice.step
                                      : NULL;
    if (!f)
      return -1;
    /* re-read as integers: doubles cannot hold +-2^62 exactly enough */
    const char *p = v;
    for (int i = 0; i < n; i++) {
      char *end;
      f[i] = strtoll(p, &end, 10);
      p = *end == ',' ? end + 1 : end;
    }
    return 0;
  }
  case PV_OP_PAD:
    if (!strcmp(k, "pads"))
      for (int i = 0; i < n; i++)
        a->pad.pads[i] = (int64_t)d[i];
    else if (!strcmp(k, "mode"))
      a->pad.mode = (int32_t)d[0];
    else if (!strcmp(k, "value"))
      a->pad.value = (float)d[0];
    else
      return -1;
    return 0;
  case PV_OP_CAST:
    if (strcmp(k, "to"))
      return -1;
    a->cast.to = pv_dtype_from_name(v);
    return a->cast.to < 0 ? -1 : 0;
  case PV_OP_RESIZE: {
    pv_resize_attrs *r = &a->resize;
    if (!strcmp(k, "mode"))
      r->mode = (int32_t)d[0];
    else if (!strcmp(k, "align_corners"))
      r->align_corners = (int32_t)d[0];
    else if (!strcmp(k, "antialias"))
      r->antialias = (int32_t)d[0];
    else if (!strcmp(k, "cubic_a"))
      r->cubic_a = (float)d[0];
    else if (!strcmp(k, "size"))
      for (int i = 0; i < 2 && i < n; i++)
        r->size[i] = (int64_t)d[i];
    else if (!strcmp(k, "scale"))
      for (int i = 0; i < 2 && i < n; i++)
        r->scale[i] = d[i];
    else if (!strcmp(k, "coord_mode"))
      r->coord_mode = (int32_t)d[0];
    else if (!strcmp(k, "nearest_mode"))
      r->nearest_mode = (int32_t)d[0];
    else if (!strcmp(k, "exclude_outside"))
      r->exclude_outside = (int32_t)d[0];
    else
      return -1;
    return 0;
  }
  default:
    break;
  }
  if (op >= PV_OP_RELU && op <= PV_OP_ERF) {
    if (!strcmp(k, "alpha"))
      a->unary.alpha = (float)d[0];
    else if (!strcmp(k, "beta"))
      a->unary.beta = (float)d[0];
    else if (!strcmp(k, "mode"))
      a->unary.mode = (int32_t)d[0];
    else
      return -1;
    return 0;
  }
  if (!strncmp(k, "act", 3)) { /* binary ops */
    set_act(&a->binary.act, k, v, d);
    return 0;
  }
  pv_axis_attrs *x = &a->axis;
  if (!strcmp(k, "axis"))
    x->axis = (int32_t)d[0];
  else if (!strcmp(k, "keepdims"))
    x->keepdims = (int32_t)d[0];
  else if (!strcmp(k, "axes")) {
    x->n_axes = n;
    for (int i = 0; i < n; i++)
      x->axes[i] = (int32_t)d[i];
  } else if (!strcmp(k, "k"))
    x->k = (int64_t)d[0];
  else if (!strcmp(k, "largest"))
    x->largest = (int32_t)d[0];
  else if (!strcmp(k, "sorted"))
    x->sorted = (int32_t)d[0];
  else if (!strcmp(k, "select_last_index"))
    x->select_last_index = (int32_t)d[0];
  else
    return -1;
  return 0;
}

/* Splits a comma list of file names into names[]; "-" is an empty name. */
static int parse_files(const char *v, char names[][64], int max) {
  int n = 0;
  while (*v && n < max) {
    const char *e = strchr(v, ',');
    size_t len = e ? (size_t)(e - v) : strlen(v);
    if (len >= 64)
      return -1;
    memcpy(names[n], v, len);
    names[n][len] = 0;
    if (!strcmp(names[n], "-"))
      names[n][0] = 0;
    n++;
    if (!e)
      break;
    v = e + 1;
  }
  return n;
}

int parity_parse_line(const char *line, parity_case *c) {
  memset(c, 0, sizeof *c);
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", line);
  char *save = NULL;
  char *tok = strtok_r(buf, " \t\r\n", &save);
  if (!tok || strcmp(tok, "case"))
    return -1;
  tok = strtok_r(NULL, " \t\r\n", &save);
  if (!tok)
    return -1;
  snprintf(c->id, sizeof c->id, "%s", tok);
  tok = strtok_r(NULL, " \t\r\n", &save);
  c->op = tok ? pv_op_from_name(tok) : -1;
  if (c->op <= 0) {
    fprintf(stderr, "%s: unknown op %s\n", c->id, tok ? tok : "(none)");
    return -1;
  }
  while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
    char *eq = strchr(tok, '=');
    if (!eq) {
      fprintf(stderr, "%s: bad token %s\n", c->id, tok);
      return -1;
    }
    *eq = 0;
    const char *k = tok, *v = eq + 1;
    if (!strcmp(k, "in")) {
      c->n_in = parse_files(v, c->in_files, PV_MAX_INPUTS);
      if (c->n_in < 0)
        return -1;
      continue;
    }
    if (!strcmp(k, "out")) {
      c->n_out = parse_files(v, c->out_files, PV_MAX_OUTPUTS);
      if (c->n_out <= 0)
        return -1;
      continue;
    }
    double d[2 * PV_MAX_DIMS] = {0};
    int n = parse_list(v, d, 2 * PV_MAX_DIMS);
    if (set_attr(c->op, &c->attrs, k, v, d, n)) {
      fprintf(stderr, "%s: op %s has no attribute %s=%s\n", c->id,
              pv_op_name(c->op), k, v);
      return -1;
    }
  }
  return 0;
}
