/*
 * The ONNX message subset: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto/TypeProto. Parsed into a read-only view whose
 * strings live in an arena and whose tensor payloads are slices of the model
 * buffer. Repeated fields are counted first and then filled, so every array
 * is allocated once at its final size.
 */
#include "onnx_internal.h"

struct pv__arena_block {
  pv__arena_block *next;
  size_t used, cap;
  _Alignas(16) uint8_t data[];
};

static void *arena_alloc(pv_onnx_model *m, size_t n) {
  n = (n + 15) & ~(size_t)15;
  pv__arena_block *b = m->arena;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    b = malloc(sizeof *b + cap);
    if (!b) {
      pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
      return NULL;
    }
    b->next = m->arena;
    b->used = 0;
    b->cap = cap;
    m->arena = b;
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

static const char *arena_str(pv_onnx_model *m, pv__bytes b) {
  char *s = arena_alloc(m, b.n + 1);
  if (!s)
    return NULL;
  if (b.n)
    memcpy(s, b.p, b.n);
  s[b.n] = 0;
  return s;
}

#define NEXT_OR_FAIL(r, f, rc) while (((rc) = pv__pb_next((r), (f))) > 0)

static int want_wire(const pv__pb_field *f, int wire, const char *what) {
  if (f->wire != wire)
    return pv_set_error(PV_ERR_FORMAT,
                        "onnx: %s: field %u has wire type %d, expected %d",
                        what, f->num, f->wire, wire);
  return 0;
}

/* Counts length-delimited occurrences of field num. */
static int64_t count_len(pv__bytes msg, uint32_t num, const char *what) {
  pv__pb r;
  pv__pb_field f;
  int64_t n = 0;
  int rc;
  pv__pb_init(&r, msg, what);
  NEXT_OR_FAIL(&r, &f, rc) {
    if (f.num == num) {
      if (want_wire(&f, PV__PB_LEN, what))
        return PV_ERR_FORMAT;
      n++;
    }
  }
  return rc < 0 ? rc : n;
}

static int64_t count_len_checked(pv__bytes msg, uint32_t num, const char *what,
                                 int64_t limit) {
  int64_t n = count_len(msg, num, what);
  if (n > limit)
    return pv_set_error(PV_ERR_FORMAT, "onnx: %s: %lld entries (limit %lld)",
                        what, (long long)n, (long long)limit);
  return n;
}

/* --- TensorProto --------------------------------------------------------- */

static int parse_kv(pv_onnx_model *m, pv__bytes msg, const char **k,
                    const char **v) {
  pv__pb r;
  pv__pb_field f;
  int rc;
  *k = *v = NULL;
  pv__pb_init(&r, msg, "StringStringEntryProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    if (f.num == 1 || f.num == 2) {
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      const char *s = arena_str(m, f.b);
      if (!s)
        return PV_ERR_NOMEM;
      *(f.num == 1 ? k : v) = s;
    }
  }
  return rc < 0 ? rc : 0;
}

int pv__onnx_parse_tensor(pv_onnx_model *m, pv__bytes msg, pv__onnx_tensor *t) {
  pv__pb r;
  pv__pb_field f;
  int rc;
  memset(t, 0, sizeof *t);
  t->msg = msg;
  t->name = "";
  t->ext_length = -1;
  int64_t nd = pv__pb_count(msg, 1, PV__PBK_VARINT, "TensorProto.dims");
  if (nd < 0)
    return (int)nd;
  if (nd > PV_MAX_DIMS)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: TensorProto has %lld dims (polyvis supports %d)",
                        (long long)nd, PV_MAX_DIMS);
  t->ndim = (int)nd;
  pv__pb_read(msg, 1, PV__PBK_VARINT, t->dims, PV_MAX_DIMS, "TensorProto.dims");
  for (int i = 0; i < t->ndim; i++)
    if (t->dims[i] < 0)
      return pv_set_error(PV_ERR_FORMAT, "onnx: TensorProto: negative dim %lld",
                          (long long)t->dims[i]);
  pv__pb_init(&r, msg, "TensorProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    switch (f.num) {
    case 2:
      if (want_wire(&f, PV__PB_VARINT, r.what))
        return PV_ERR_FORMAT;
      t->data_type = (int)(int32_t)f.v;
      break;
    case 8:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(t->name = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
      break;
    case 9:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      t->raw = f.b;
      t->has_raw = true;
      break;
    case 3:
      return pv_set_error(PV_ERR_UNSUPPORTED,
                          "onnx: TensorProto '%s': segmented tensors are not "
                          "supported",
                          t->name);
    case 13: {
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      const char *k, *v;
      if ((rc = parse_kv(m, f.b, &k, &v)))
        return rc;
      if (!k || !v)
        break;
      if (!strcmp(k, "location")) {
        t->ext_location = v;
      } else if (!strcmp(k, "offset") || !strcmp(k, "length")) {
        char *e;
        long long x = strtoll(v, &e, 10);
        if (*e || x < 0 || e == v)
          return pv_set_error(PV_ERR_FORMAT,
                              "onnx: tensor '%s': bad external_data %s '%s'",
                              t->name, k, v);
        *(!strcmp(k, "offset") ? &t->ext_offset : &t->ext_length) = x;
      }
      break;
    }
    case 14:
      if (want_wire(&f, PV__PB_VARINT, r.what))
        return PV_ERR_FORMAT;
      t->external = f.v == 1;
      break;
    default:
      break;
    }
  }
  if (rc < 0)
    return rc;
  if (t->external && !t->ext_location)
    return pv_set_error(PV_ERR_FORMAT,
                        "onnx: tensor '%s': external data without a location",
                        t->name);
  return 0;
}

/* --- ValueInfoProto ------------------------------------------------------ */

static int parse_shape(pv__bytes msg, pv__onnx_vi *vi) {
  pv__pb r, rd;
  pv__pb_field f, g;
  int rc;
  vi->ndim = 0;
  pv__pb_init(&r, msg, "TensorShapeProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    if (f.num != 1)
      continue;
    if (want_wire(&f, PV__PB_LEN, r.what))
      return PV_ERR_FORMAT;
    if (vi->ndim >= PV_MAX_DIMS)
      return pv_set_error(PV_ERR_UNSUPPORTED,
                          "onnx: value '%s' has more than %d dims", vi->name,
                          PV_MAX_DIMS);
    int64_t d = -1;
    pv__pb_init(&rd, f.b, "TensorShapeProto.Dimension");
    while ((rc = pv__pb_next(&rd, &g)) > 0)
      if (g.num == 1 && g.wire == PV__PB_VARINT)
        d = (int64_t)g.v < 0 ? -1 : (int64_t)g.v;
    if (rc < 0)
      return rc;
    vi->dims[vi->ndim++] = d;
  }
  return rc < 0 ? rc : 0;
}

static int parse_vi(pv_onnx_model *m, pv__bytes msg, pv__onnx_vi *vi) {
  pv__pb r, rt, rtt;
  pv__pb_field f, g, h;
  int rc;
  vi->name = "";
  vi->ndim = -1;
  pv__pb_init(&r, msg, "ValueInfoProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    if (f.num == 1) {
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(vi->name = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
    } else if (f.num == 2) {
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      pv__pb_init(&rt, f.b, "TypeProto");
      while ((rc = pv__pb_next(&rt, &g)) > 0) {
        if (g.num != 1) {
          /* sequence (4), map (5), sparse tensor (8), optional (9): kept
           * as a kind so that descs refuse them by name */
          if (g.num == 4 || g.num == 5 || g.num == 8 || g.num == 9)
            vi->kind = (int)g.num;
          continue;
        }
        if (want_wire(&g, PV__PB_LEN, rt.what))
          return PV_ERR_FORMAT;
        pv__pb_init(&rtt, g.b, "TypeProto.Tensor");
        while ((rc = pv__pb_next(&rtt, &h)) > 0) {
          if (h.num == 1 && h.wire == PV__PB_VARINT)
            vi->elem_type = (int)(int32_t)h.v;
          else if (h.num == 2 && h.wire == PV__PB_LEN &&
                   (rc = parse_shape(h.b, vi)))
            return rc;
        }
        if (rc < 0)
          return rc;
      }
      if (rc < 0)
        return rc;
    }
  }
  return rc < 0 ? rc : 0;
}

/* --- NodeProto / AttributeProto ----------------------------------------- */

static int parse_attr(pv_onnx_model *m, pv__bytes msg, pv__onnx_attr *a,
                      const pv__onnx_node *node) {
  pv__pb r;
  pv__pb_field f;
  int rc;
  a->msg = msg;
  a->name = "";
  int inferred = 0;
  pv__pb_init(&r, msg, "AttributeProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    switch (f.num) {
    case 1:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(a->name = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
      break;
    case 20:
      if (want_wire(&f, PV__PB_VARINT, r.what))
        return PV_ERR_FORMAT;
      a->type = (int)(int32_t)f.v;
      break;
    case 2:
      if (want_wire(&f, PV__PB_I32, r.what))
        return PV_ERR_FORMAT;
      {
        uint32_t u = (uint32_t)f.v;
        memcpy(&a->f, &u, 4);
      }
      inferred = PV__AT_FLOAT;
      break;
    case 3:
      if (want_wire(&f, PV__PB_VARINT, r.what))
        return PV_ERR_FORMAT;
      a->i = (int64_t)f.v;
      inferred = PV__AT_INT;
      break;
    case 4:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(a->s = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
      a->s_len = f.b.n;
      inferred = PV__AT_STRING;
      break;
    case 5:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(a->t = arena_alloc(m, sizeof *a->t)))
        return PV_ERR_NOMEM;
      if ((rc = pv__onnx_parse_tensor(m, f.b, a->t)))
        return rc;
      inferred = PV__AT_TENSOR;
      break;
    case 6:
    case 11:
      inferred = f.num == 6 ? PV__AT_GRAPH : PV__AT_GRAPHS;
      break;
    case 7:
      inferred = PV__AT_FLOATS;
      break;
    case 8:
      inferred = PV__AT_INTS;
      break;
    case 9:
      inferred = PV__AT_STRINGS;
      break;
    default:
      break;
    }
  }
  if (rc < 0)
    return rc;
  if (!a->type)
    a->type = inferred; /* IR < 3 files carry no type field */
  a->n_floats = pv__pb_count(msg, 7, PV__PBK_F32, "AttributeProto.floats");
  a->n_ints = pv__pb_count(msg, 8, PV__PBK_VARINT, "AttributeProto.ints");
  a->n_strings = count_len(msg, 9, "AttributeProto.strings");
  if (a->n_floats < 0 || a->n_ints < 0 || a->n_strings < 0)
    return PV_ERR_FORMAT;
  /* Graph attributes (If/Loop/Scan bodies) are recorded but not parsed:
   * the importer rejects them, naming the node. */
  (void)node;
  return 0;
}

static int parse_node(pv_onnx_model *m, pv__bytes msg, pv__onnx_node *n) {
  pv__pb r;
  pv__pb_field f;
  int rc;
  n->name = n->op_type = n->domain = "";
  int64_t ni = count_len_checked(msg, 1, "NodeProto.input", 1 << 20);
  int64_t no = count_len_checked(msg, 2, "NodeProto.output", 1 << 20);
  int64_t na = count_len_checked(msg, 5, "NodeProto.attribute", 1 << 20);
  if (ni < 0 || no < 0 || na < 0)
    return PV_ERR_FORMAT;
  n->in = arena_alloc(m, sizeof(char *) * (size_t)(ni + 1));
  n->out = arena_alloc(m, sizeof(char *) * (size_t)(no + 1));
  n->attrs = arena_alloc(m, sizeof(pv__onnx_attr) * (size_t)(na + 1));
  if (!n->in || !n->out || !n->attrs)
    return PV_ERR_NOMEM;
  pv__pb_init(&r, msg, "NodeProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    const char *s;
    switch (f.num) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 7:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(s = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
      if (f.num == 1)
        n->in[n->n_in++] = s;
      else if (f.num == 2)
        n->out[n->n_out++] = s;
      else if (f.num == 3)
        n->name = s;
      else if (f.num == 4)
        n->op_type = s;
      else
        n->domain = s;
      break;
    default:
      break;
    }
  }
  if (rc < 0)
    return rc;
  /* Attributes after the names, so errors can name the node. */
  pv__pb_init(&r, msg, "NodeProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    if (f.num == 5 && (rc = parse_attr(m, f.b, &n->attrs[n->n_attr++], n)))
      return rc;
  }
  return rc < 0 ? rc : 0;
}

/* --- GraphProto / ModelProto -------------------------------------------- */

static int cmp_strp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int parse_graph(pv_onnx_model *m, pv__bytes msg) {
  pv__pb r;
  pv__pb_field f;
  int rc;
  const int64_t lim = 1 << 24;
  int64_t nn = count_len_checked(msg, 1, "GraphProto.node", lim);
  int64_t ni = count_len_checked(msg, 5, "GraphProto.initializer", lim);
  int64_t nin = count_len_checked(msg, 11, "GraphProto.input", lim);
  int64_t nout = count_len_checked(msg, 12, "GraphProto.output", lim);
  int64_t nvi = count_len_checked(msg, 13, "GraphProto.value_info", lim);
  if (nn < 0 || ni < 0 || nin < 0 || nout < 0 || nvi < 0)
    return PV_ERR_FORMAT;
  m->nodes = arena_alloc(m, sizeof(pv__onnx_node) * (size_t)(nn + 1));
  m->inits = arena_alloc(m, sizeof(pv__onnx_tensor) * (size_t)(ni + 1));
  m->inputs_all = arena_alloc(m, sizeof(pv__onnx_vi) * (size_t)(nin + 1));
  m->inputs = arena_alloc(m, sizeof(pv__onnx_vi *) * (size_t)(nin + 1));
  m->outputs = arena_alloc(m, sizeof(pv__onnx_vi) * (size_t)(nout + 1));
  m->vi = arena_alloc(m, sizeof(pv__onnx_vi) * (size_t)(nvi + 1));
  if (!m->nodes || !m->inits || !m->inputs_all || !m->inputs || !m->outputs ||
      !m->vi)
    return PV_ERR_NOMEM;
  pv__pb_init(&r, msg, "GraphProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    switch (f.num) {
    case 1:
      rc = parse_node(m, f.b, &m->nodes[m->n_nodes++]);
      break;
    case 5:
      rc = pv__onnx_parse_tensor(m, f.b, &m->inits[m->n_inits++]);
      break;
    case 11:
      rc = parse_vi(m, f.b, &m->inputs_all[m->n_inputs_all++]);
      break;
    case 12:
      rc = parse_vi(m, f.b, &m->outputs[m->n_outputs++]);
      break;
    case 13:
      rc = parse_vi(m, f.b, &m->vi[m->n_vi++]);
      break;
    case 15:
      rc = pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: sparse initializers are not supported");
      break;
    default:
      rc = 0;
      break;
    }
    if (rc)
      return rc;
  }
  if (rc < 0)
    return rc;
  /* Inputs that are also initializers are weights, not graph inputs. The
   * names are sorted so this stays O(n log n) on hostile files. */
  const char **names = NULL;
  if (m->n_inits) {
    names = malloc(sizeof(char *) * (size_t)m->n_inits);
    if (!names)
      return pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    for (int j = 0; j < m->n_inits; j++)
      names[j] = m->inits[j].name;
    qsort(names, (size_t)m->n_inits, sizeof *names, cmp_strp);
  }
  for (int i = 0; i < m->n_inputs_all; i++) {
    const char *key = m->inputs_all[i].name;
    bool is_init = names && bsearch(&key, names, (size_t)m->n_inits,
                                    sizeof *names, cmp_strp);
    if (!is_init)
      m->inputs[m->n_inputs++] = &m->inputs_all[i];
  }
  free(names);
  return 0;
}

static int parse_model(pv_onnx_model *m) {
  pv__pb r, ro;
  pv__pb_field f, g;
  int rc;
  pv__bytes all = {m->buf->data, m->buf->size};
  pv__bytes graph = {0};
  bool have_graph = false;
  m->producer = "";
  int64_t nops = count_len_checked(all, 8, "ModelProto.opset_import", 4096);
  if (nops < 0)
    return (int)nops;
  m->opsets = arena_alloc(m, sizeof(pv__onnx_opset) * (size_t)(nops + 1));
  if (!m->opsets)
    return PV_ERR_NOMEM;
  pv__pb_init(&r, all, "ModelProto");
  NEXT_OR_FAIL(&r, &f, rc) {
    switch (f.num) {
    case 1:
      if (want_wire(&f, PV__PB_VARINT, r.what))
        return PV_ERR_FORMAT;
      m->ir_version = (int64_t)f.v;
      break;
    case 2:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      if (!(m->producer = arena_str(m, f.b)))
        return PV_ERR_NOMEM;
      break;
    case 7:
      if (want_wire(&f, PV__PB_LEN, r.what))
        return PV_ERR_FORMAT;
      graph = f.b;
      have_graph = true;
      break;
    case 8: {
      pv__onnx_opset *o = &m->opsets[m->n_opsets++];
      o->domain = "";
      pv__pb_init(&ro, f.b, "OperatorSetIdProto");
      while ((rc = pv__pb_next(&ro, &g)) > 0) {
        if (g.num == 1 && g.wire == PV__PB_LEN) {
          if (!(o->domain = arena_str(m, g.b)))
            return PV_ERR_NOMEM;
        } else if (g.num == 2 && g.wire == PV__PB_VARINT) {
          o->version = (int64_t)g.v;
        }
      }
      if (rc < 0)
        return rc;
      break;
    }
    default:
      break;
    }
  }
  if (rc < 0)
    return rc;
  if (!have_graph)
    return pv_set_error(PV_ERR_FORMAT, "onnx: ModelProto has no graph");
  if (m->ir_version <= 0)
    return pv_set_error(PV_ERR_FORMAT, "onnx: ModelProto has no ir_version");
  return parse_graph(m, graph);
}

static pv_onnx_model *model_from_buf(pv__onnx_buf *buf, const char *base_dir,
                                     const char *label) {
  if (!buf)
    return NULL;
  pv_onnx_model *m = calloc(1, sizeof *m);
  if (!m) {
    pv__onnx_buf_release(buf);
    pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  m->buf = buf;
  if (base_dir && !(m->base_dir = pv__strdup(base_dir))) {
    pv_onnx_model_free(m);
    pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  int rc = parse_model(m);
  if (rc) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", pv_last_error());
    pv_set_error(rc, "%s: %s", label, msg);
    pv_onnx_model_free(m);
    return NULL;
  }
  return m;
}

pv_onnx_model *pv_onnx_model_load(const char *path) {
  if (!path) {
    pv_set_error(PV_ERR_INVALID_ARG, "onnx: NULL path");
    return NULL;
  }
  char *dir = pv__strdup(path);
  if (!dir) {
    pv_set_error(PV_ERR_NOMEM, "onnx: out of memory");
    return NULL;
  }
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[slash == dir ? 1 : 0] = 0;
  else
    strcpy(dir, ".");
  pv_onnx_model *m = model_from_buf(pv__onnx_buf_map(path), dir, path);
  free(dir);
  return m;
}

pv_onnx_model *pv_onnx_model_parse(const void *data, size_t size,
                                   const char *base_dir) {
  if (!data && size) {
    pv_set_error(PV_ERR_INVALID_ARG, "onnx: NULL data");
    return NULL;
  }
  return model_from_buf(pv__onnx_buf_copy(data, size), base_dir, "onnx model");
}

void pv__onnx_arena_free(pv__arena_block *b) {
  while (b) {
    pv__arena_block *n = b->next;
    free(b);
    b = n;
  }
}

void pv_onnx_model_free(pv_onnx_model *m) {
  if (!m)
    return;
  pv__onnx_arena_free(m->arena);
  pv__onnx_buf_release(m->buf);
  free(m->base_dir);
  free(m);
}

/* --- attribute helpers --------------------------------------------------- */

const pv__onnx_attr *pv__onnx_attr_find(const pv__onnx_node *n,
                                        const char *name) {
  for (int i = n->n_attr - 1; i >= 0; i--) /* last one wins, as protobuf */
    if (!strcmp(n->attrs[i].name, name))
      return &n->attrs[i];
  return NULL;
}

int64_t pv__onnx_attr_i(const pv__onnx_node *n, const char *name, int64_t def) {
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name);
  return a && a->type == PV__AT_INT ? a->i : def;
}

float pv__onnx_attr_f(const pv__onnx_node *n, const char *name, float def) {
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name);
  if (a && a->type == PV__AT_FLOAT)
    return a->f;
  if (a && a->type == PV__AT_INT)
    return (float)a->i;
  return def;
}

const char *pv__onnx_attr_s(const pv__onnx_node *n, const char *name,
                            const char *def) {
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name);
  return a && a->type == PV__AT_STRING ? a->s : def;
}

int pv__onnx_attr_ints(const pv__onnx_node *n, const char *name, int64_t *out,
                       int cap) {
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name);
  if (!a || a->type != PV__AT_INTS)
    return -1;
  int64_t k =
      pv__pb_read(a->msg, 8, PV__PBK_VARINT, out, cap, "AttributeProto.ints");
  if (k < 0)
    return (int)k;
  return a->n_ints > cap ? (int)PV__MIN(a->n_ints, INT32_MAX) : (int)k;
}

int pv__onnx_attr_floats(const pv__onnx_node *n, const char *name, float *out,
                         int cap) {
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name);
  if (!a || a->type != PV__AT_FLOATS)
    return -1;
  int64_t k =
      pv__pb_read(a->msg, 7, PV__PBK_F32, out, cap, "AttributeProto.floats");
  if (k < 0)
    return (int)k;
  return a->n_floats > cap ? (int)PV__MIN(a->n_floats, INT32_MAX) : (int)k;
}

/* --- public accessors ---------------------------------------------------- */

#define NODE_OR(m, i, ret)                                                     \
  if (!(m) || (i) < 0 || (i) >= (m)->n_nodes)                                  \
    return ret;                                                                \
  const pv__onnx_node *n = &(m)->nodes[i];

int64_t pv_onnx_model_ir_version(const pv_onnx_model *m) {
  return m ? m->ir_version : -1;
}

int64_t pv_onnx_model_opset(const pv_onnx_model *m, const char *domain) {
  if (!m)
    return -1;
  if (!domain || !strcmp(domain, "ai.onnx"))
    domain = "";
  for (int i = 0; i < m->n_opsets; i++) {
    const char *d = m->opsets[i].domain;
    if (!strcmp(d, "ai.onnx"))
      d = "";
    if (!strcmp(d, domain))
      return m->opsets[i].version;
  }
  return -1;
}

const char *pv_onnx_model_producer(const pv_onnx_model *m) {
  return m ? m->producer : "";
}
int pv_onnx_model_num_nodes(const pv_onnx_model *m) {
  return m ? m->n_nodes : 0;
}
const char *pv_onnx_node_op_type(const pv_onnx_model *m, int i) {
  NODE_OR(m, i, NULL);
  return n->op_type;
}
const char *pv_onnx_node_name(const pv_onnx_model *m, int i) {
  NODE_OR(m, i, NULL);
  return n->name;
}
const char *pv_onnx_node_domain(const pv_onnx_model *m, int i) {
  NODE_OR(m, i, NULL);
  return n->domain;
}
int pv_onnx_node_num_inputs(const pv_onnx_model *m, int i) {
  NODE_OR(m, i, -1);
  return n->n_in;
}
int pv_onnx_node_num_outputs(const pv_onnx_model *m, int i) {
  NODE_OR(m, i, -1);
  return n->n_out;
}
const char *pv_onnx_node_input(const pv_onnx_model *m, int i, int k) {
  NODE_OR(m, i, NULL);
  return k >= 0 && k < n->n_in ? n->in[k] : NULL;
}
const char *pv_onnx_node_output(const pv_onnx_model *m, int i, int k) {
  NODE_OR(m, i, NULL);
  return k >= 0 && k < n->n_out ? n->out[k] : NULL;
}

static int attr_get(const pv_onnx_model *m, int i, const char *name, int type,
                    const pv__onnx_attr **out) {
  NODE_OR(m, i, pv_set_error(PV_ERR_INVALID_ARG, "onnx: bad node index %d", i));
  const pv__onnx_attr *a = pv__onnx_attr_find(n, name ? name : "");
  if (!a)
    return pv_set_error(PV_ERR_NOT_FOUND,
                        "onnx: node '%s' has no attribute '%s'", n->name, name);
  if (a->type != type)
    return pv_set_error(PV_ERR_DTYPE,
                        "onnx: node '%s' attribute '%s' has type %d, not %d",
                        n->name, name, a->type, type);
  *out = a;
  return 0;
}

int pv_onnx_node_attr_int(const pv_onnx_model *m, int i, const char *name,
                          int64_t *out) {
  const pv__onnx_attr *a = NULL;
  int rc = attr_get(m, i, name, PV__AT_INT, &a);
  if (!rc)
    *out = a->i;
  return rc;
}

int pv_onnx_node_attr_float(const pv_onnx_model *m, int i, const char *name,
                            float *out) {
  const pv__onnx_attr *a = NULL;
  int rc = attr_get(m, i, name, PV__AT_FLOAT, &a);
  if (!rc)
    *out = a->f;
  return rc;
}

int pv_onnx_node_attr_ints(const pv_onnx_model *m, int i, const char *name,
                           int64_t *out, int cap, int *n) {
  const pv__onnx_attr *a = NULL;
  int rc = attr_get(m, i, name, PV__AT_INTS, &a);
  if (rc)
    return rc;
  int64_t k = pv__pb_read(a->msg, 8, PV__PBK_VARINT, out, cap < 0 ? 0 : cap,
                          "AttributeProto.ints");
  if (k < 0)
    return (int)k;
  if (n)
    *n = (int)a->n_ints;
  return 0;
}

int pv_onnx_node_attr_string(const pv_onnx_model *m, int i, const char *name,
                             const char **out) {
  const pv__onnx_attr *a = NULL;
  int rc = attr_get(m, i, name, PV__AT_STRING, &a);
  if (!rc)
    *out = a->s;
  return rc;
}

int pv_onnx_model_num_initializers(const pv_onnx_model *m) {
  return m ? m->n_inits : 0;
}
const char *pv_onnx_initializer_name(const pv_onnx_model *m, int i) {
  return m && i >= 0 && i < m->n_inits ? m->inits[i].name : NULL;
}

int pv_onnx_initializer_desc(const pv_onnx_model *m, int i,
                             pv_tensor_desc *desc) {
  if (!m || i < 0 || i >= m->n_inits || !desc)
    return pv_set_error(PV_ERR_INVALID_ARG, "onnx: bad initializer index %d",
                        i);
  const pv__onnx_tensor *t = &m->inits[i];
  int dt = pv__onnx_dtype(t->data_type);
  if (dt < 0)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: initializer '%s' has type %s", t->name,
                        pv__onnx_type_name(t->data_type));
  memset(desc, 0, sizeof *desc);
  desc->dtype = dt;
  desc->ndim = t->ndim;
  memcpy(desc->shape, t->dims, sizeof(int64_t) * (size_t)t->ndim);
  return 0;
}

pv_tensor *pv_onnx_initializer_tensor(const pv_onnx_model *m, int i) {
  if (!m || i < 0 || i >= m->n_inits) {
    pv_set_error(PV_ERR_INVALID_ARG, "onnx: bad initializer index %d", i);
    return NULL;
  }
  return pv__onnx_tensor_make(&m->inits[i], m->buf, m->base_dir);
}

int pv_onnx_model_num_inputs(const pv_onnx_model *m) {
  return m ? m->n_inputs : 0;
}
int pv_onnx_model_num_outputs(const pv_onnx_model *m) {
  return m ? m->n_outputs : 0;
}
const char *pv_onnx_model_input_name(const pv_onnx_model *m, int i) {
  return m && i >= 0 && i < m->n_inputs ? m->inputs[i]->name : NULL;
}
const char *pv_onnx_model_output_name(const pv_onnx_model *m, int i) {
  return m && i >= 0 && i < m->n_outputs ? m->outputs[i].name : NULL;
}

static int vi_desc(const pv__onnx_vi *vi, pv_tensor_desc *desc) {
  memset(desc, 0, sizeof *desc);
  if (vi->kind)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "onnx: value '%s' has type %s (not a tensor)", vi->name,
                        vi->kind == 4   ? "SEQUENCE"
                        : vi->kind == 5 ? "MAP"
                        : vi->kind == 8 ? "SPARSE_TENSOR"
                                        : "OPTIONAL");
  int dt = vi->elem_type ? pv__onnx_dtype(vi->elem_type) : PV_F32;
  if (dt < 0)
    return pv_set_error(PV_ERR_UNSUPPORTED, "onnx: value '%s' has type %s",
                        vi->name, pv__onnx_type_name(vi->elem_type));
  desc->dtype = dt;
  desc->ndim = vi->ndim;
  if (vi->ndim > 0)
    memcpy(desc->shape, vi->dims, sizeof(int64_t) * (size_t)vi->ndim);
  return 0;
}

int pv_onnx_model_input_desc(const pv_onnx_model *m, int i,
                             pv_tensor_desc *desc) {
  if (!m || i < 0 || i >= m->n_inputs || !desc)
    return pv_set_error(PV_ERR_INVALID_ARG, "onnx: bad input index %d", i);
  return vi_desc(m->inputs[i], desc);
}

int pv_onnx_model_output_desc(const pv_onnx_model *m, int i,
                              pv_tensor_desc *desc) {
  if (!m || i < 0 || i >= m->n_outputs || !desc)
    return pv_set_error(PV_ERR_INVALID_ARG, "onnx: bad output index %d", i);
  return vi_desc(&m->outputs[i], desc);
}
