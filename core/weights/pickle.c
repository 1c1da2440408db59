/*
 * A strict, whitelisting pickle reader for PyTorch state_dicts.
 *
 * It never calls anything named by the file: GLOBAL resolves only the few
 * names torch.save writes for tensors and OrderedDicts (everything else is
 * refused with the module and name), REDUCE "calls" only those globals by
 * interpreting their arguments here, BUILD is only accepted on dicts (the
 * OrderedDict `_metadata` attribute, which is dropped), and persistent ids
 * only describe storages. Sizes read from the file are checked against the
 * file size before anything is allocated; the value stack, the mark stack
 * and the memo are all bounded by the pickle's length, so a hostile pickle
 * costs at most a small multiple of its own size.
 */
#include "weights_internal.h"

#include <math.h>

#define PK_MAX_STACK (1 << 20)
#define PK_MAX_MEMO (1 << 22)

typedef struct vm {
  pv__pk *ctx;
  const uint8_t *p, *end, *start;
  pv__pk_obj **stack;
  size_t sp, scap;
  size_t *marks;
  size_t nmarks, mcap;
  pv__pk_obj **memo;
  size_t memocap;
  size_t memo_next; /* MEMOIZE */
} vm;

static pv__pk_obj g_none = {.kind = PV__PK_NONE};
static pv__pk_obj g_true = {.kind = PV__PK_BOOL, .i = 1};
static pv__pk_obj g_false = {.kind = PV__PK_BOOL, .i = 0};

static int fail(vm *m, int code, const char *fmt, const char *a) {
  return pv_set_error(code, "%s: pickle at byte %zu: %s%s", m->ctx->what,
                      (size_t)(m->p - m->start), fmt, a ? a : "");
}

static pv__pk_obj *new_obj(vm *m, pv__pk_kind kind) {
  pv__pk *c = m->ctx;
  if (c->nobjs == c->capobjs) {
    size_t nc = c->capobjs ? c->capobjs * 2 : 256;
    pv__pk_obj **o = realloc(c->objs, nc * sizeof *o);
    if (!o)
      return NULL;
    c->objs = o;
    c->capobjs = nc;
  }
  pv__pk_obj *o = calloc(1, sizeof *o);
  if (!o)
    return NULL;
  o->kind = kind;
  c->objs[c->nobjs++] = o;
  return o;
}

void pv__pk_free(pv__pk *ctx) {
  for (size_t i = 0; i < ctx->nobjs; i++) {
    free(ctx->objs[i]->items);
    free(ctx->objs[i]);
  }
  free(ctx->objs);
  for (int i = 0; i < ctx->nst; i++)
    free(ctx->st[i].key);
  free(ctx->st);
  free(ctx->sidx);
  memset(ctx, 0, sizeof *ctx);
}

int pv__pk_find_storage(const pv__pk *ctx, const char *key, size_t len) {
  if (!ctx->nsidx)
    return -1;
  uint32_t m = (uint32_t)ctx->nsidx - 1, h = pv__hash_bytes(key, len) & m;
  for (; ctx->sidx[h] >= 0; h = (h + 1) & m) {
    const char *k = ctx->st[ctx->sidx[h]].key;
    if (strlen(k) == len && memcmp(k, key, len) == 0)
      return ctx->sidx[h];
  }
  return -1;
}

/* Indexes storage i (already in ctx->st), growing the table as needed. */
static int index_storage(pv__pk *c, int i) {
  if ((c->nst + 1) * 2 > c->nsidx) {
    int n = c->nsidx ? c->nsidx * 2 : 64;
    int *s = malloc((size_t)n * sizeof *s);
    if (!s)
      return PV_ERR_NOMEM;
    for (int k = 0; k < n; k++)
      s[k] = -1;
    free(c->sidx);
    c->sidx = s;
    c->nsidx = n;
    for (int k = 0; k < c->nst; k++)
      if (k != i) {
        uint32_t h = pv__hash_bytes(c->st[k].key, strlen(c->st[k].key)) &
                     (uint32_t)(n - 1);
        while (s[h] >= 0)
          h = (h + 1) & (uint32_t)(n - 1);
        s[h] = k;
      }
  }
  uint32_t m = (uint32_t)c->nsidx - 1;
  uint32_t h = pv__hash_bytes(c->st[i].key, strlen(c->st[i].key)) & m;
  while (c->sidx[h] >= 0)
    h = (h + 1) & m;
  c->sidx[h] = i;
  return 0;
}

static int obj_push_item(pv__pk_obj *o, pv__pk_obj *it) {
  if (o->n == o->cap) {
    size_t nc = o->cap ? o->cap * 2 : 4;
    pv__pk_obj **n = realloc(o->items, nc * sizeof *n);
    if (!n)
      return PV_ERR_NOMEM;
    o->items = n;
    o->cap = nc;
  }
  o->items[o->n++] = it;
  return 0;
}

static int push(vm *m, pv__pk_obj *o) {
  if (!o)
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  if (m->sp == m->scap) {
    if (m->scap >= PK_MAX_STACK)
      return fail(m, PV_ERR_RANGE, "value stack too deep", NULL);
    size_t nc = m->scap ? m->scap * 2 : 64;
    pv__pk_obj **n = realloc(m->stack, nc * sizeof *n);
    if (!n)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    m->stack = n;
    m->scap = nc;
  }
  m->stack[m->sp++] = o;
  return 0;
}

static pv__pk_obj *pop(vm *m) { return m->sp ? m->stack[--m->sp] : NULL; }

/* The stack index of the topmost mark, popping it. */
static int pop_mark(vm *m, size_t *at) {
  if (!m->nmarks)
    return fail(m, PV_ERR_FORMAT, "no MARK on the mark stack", NULL);
  *at = m->marks[--m->nmarks];
  if (*at > m->sp)
    return fail(m, PV_ERR_FORMAT, "MARK below the value stack", NULL);
  return 0;
}

static int need(vm *m, size_t n) {
  if ((size_t)(m->end - m->p) < n)
    return fail(m, PV_ERR_FORMAT, "truncated pickle", NULL);
  return 0;
}

static uint64_t rd_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int memo_put(vm *m, uint64_t idx) {
  if (!m->sp)
    return fail(m, PV_ERR_FORMAT, "PUT on an empty stack", NULL);
  /* Picklers number memo entries densely from 0, so a key can never exceed
   * the number of opcodes, hence the pickle's length. */
  if (idx >= PK_MAX_MEMO || idx > (uint64_t)(m->end - m->start))
    return fail(m, PV_ERR_RANGE, "memo key out of range", NULL);
  if (idx >= m->memocap) {
    size_t nc = m->memocap ? m->memocap : 64;
    while (nc <= idx)
      nc *= 2;
    pv__pk_obj **n = realloc(m->memo, nc * sizeof *n);
    if (!n)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    memset(n + m->memocap, 0, (nc - m->memocap) * sizeof *n);
    m->memo = n;
    m->memocap = nc;
  }
  m->memo[idx] = m->stack[m->sp - 1];
  return 0;
}

static int memo_get(vm *m, uint64_t idx) {
  if (idx >= m->memocap || !m->memo[idx])
    return fail(m, PV_ERR_FORMAT, "GET of an unset memo key", NULL);
  return push(m, m->memo[idx]);
}

/* --- globals ------------------------------------------------------------- */

static const struct {
  const char *module, *name;
  int global;
  pv_dtype dtype;
} k_globals[] = {
    {"collections", "OrderedDict", PV__G_ORDEREDDICT, PV_F32},
    {"torch._utils", "_rebuild_tensor_v2", PV__G_REBUILD_TENSOR_V2, PV_F32},
    {"torch._utils", "_rebuild_tensor", PV__G_REBUILD_TENSOR, PV_F32},
    {"torch._utils", "_rebuild_parameter", PV__G_REBUILD_PARAMETER, PV_F32},
    {"torch", "FloatStorage", PV__G_STORAGE, PV_F32},
    {"torch", "HalfStorage", PV__G_STORAGE, PV_F16},
    {"torch", "BFloat16Storage", PV__G_STORAGE, PV_BF16},
    {"torch", "DoubleStorage", PV__G_STORAGE, PV_F64},
    {"torch", "LongStorage", PV__G_STORAGE, PV_I64},
    {"torch", "IntStorage", PV__G_STORAGE, PV_I32},
    {"torch", "ShortStorage", PV__G_STORAGE, PV_I16},
    {"torch", "CharStorage", PV__G_STORAGE, PV_I8},
    {"torch", "ByteStorage", PV__G_STORAGE, PV_U8},
    {"torch", "BoolStorage", PV__G_STORAGE, PV_BOOL},
};

static int push_global(vm *m, const char *mod, size_t ml, const char *name,
                       size_t nl) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_globals); i++) {
    if (strlen(k_globals[i].module) == ml &&
        memcmp(k_globals[i].module, mod, ml) == 0 &&
        strlen(k_globals[i].name) == nl &&
        memcmp(k_globals[i].name, name, nl) == 0) {
      pv__pk_obj *o = new_obj(m, PV__PK_GLOBAL);
      if (o) {
        o->global = k_globals[i].global;
        o->dtype = k_globals[i].dtype;
      }
      return push(m, o);
    }
  }
  char buf[192];
  snprintf(buf, sizeof buf, "%.*s.%.*s", (int)PV__MIN(ml, 80), mod,
           (int)PV__MIN(nl, 80), name);
  for (char *c = buf; *c; c++)
    if ((unsigned char)*c < 32 || (unsigned char)*c > 126)
      *c = '?';
  if (ml >= 9 && memcmp(mod, "__torch__", 9) == 0)
    return fail(m, PV_ERR_UNSUPPORTED,
                "TorchScript archive, not a state_dict (save "
                "module.state_dict() instead); GLOBAL ",
                buf);
  return fail(m, PV_ERR_UNSUPPORTED,
              "GLOBAL not in the state_dict whitelist: ", buf);
}

static const char *global_name(const pv__pk_obj *g) {
  for (size_t i = 0; i < PV__ARRAY_LEN(k_globals); i++)
    if (k_globals[i].global == g->global &&
        (g->global != PV__G_STORAGE || k_globals[i].dtype == g->dtype))
      return k_globals[i].name;
  return "?";
}

/* --- REDUCE of the whitelisted callables -------------------------------- */

static int as_int(const pv__pk_obj *o, int64_t *v) {
  if (!o || (o->kind != PV__PK_INT && o->kind != PV__PK_BOOL))
    return -1;
  *v = o->i;
  return 0;
}

static int int_tuple(const pv__pk_obj *o, int64_t *out, int *n) {
  if (!o || (o->kind != PV__PK_TUPLE && o->kind != PV__PK_LIST))
    return -1;
  if (o->n > PV_MAX_DIMS)
    return -2;
  for (size_t i = 0; i < o->n; i++)
    if (as_int(o->items[i], &out[i]) != 0)
      return -1;
  *n = (int)o->n;
  return 0;
}

static int make_tensor(vm *m, pv__pk_obj **args, size_t nargs,
                       pv__pk_obj **res) {
  if (args[0]->kind != PV__PK_STORAGE)
    return fail(m, PV_ERR_FORMAT,
                "_rebuild_tensor: first argument is not a storage", NULL);
  pv__pk_obj *t = new_obj(m, PV__PK_TENSOR);
  if (!t)
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  t->storage = (int)args[0]->i;
  t->dtype = args[0]->dtype;
  int ns = 0, nt = 0, r;
  if (as_int(args[1], &t->offset) != 0 || t->offset < 0)
    return fail(m, PV_ERR_FORMAT, "_rebuild_tensor: bad storage offset", NULL);
  if ((r = int_tuple(args[2], t->size, &ns)) != 0 ||
      int_tuple(args[3], t->stride, &nt) != 0 || ns != nt)
    return fail(m, r == -2 ? PV_ERR_UNSUPPORTED : PV_ERR_FORMAT,
                r == -2 ? "_rebuild_tensor: more than 8 dims"
                        : "_rebuild_tensor: bad size/stride tuples",
                NULL);
  t->ndim = ns;
  /* Bounds: every element the view can reach must lie inside the storage. */
  const pv__pk_storage *st = &m->ctx->st[t->storage];
  int64_t last = t->offset, numel = 1;
  for (int i = 0; i < ns; i++) {
    if (t->size[i] < 0 || t->stride[i] < 0)
      return fail(m, PV_ERR_FORMAT, "_rebuild_tensor: negative size/stride",
                  NULL);
    if (__builtin_mul_overflow(numel, t->size[i], &numel))
      return fail(m, PV_ERR_RANGE, "_rebuild_tensor: size overflow", NULL);
  }
  if (numel > 0) {
    for (int i = 0; i < ns; i++) {
      int64_t span;
      if (__builtin_mul_overflow(t->size[i] - 1, t->stride[i], &span) ||
          __builtin_add_overflow(last, span, &last))
        return fail(m, PV_ERR_RANGE, "_rebuild_tensor: stride overflow", NULL);
    }
    if (last >= st->numel)
      return fail(m, PV_ERR_FORMAT,
                  "_rebuild_tensor: view reaches past its storage ", st->key);
  }
  if (nargs >= 5) {
    int64_t rg = 0;
    if (as_int(args[4], &rg) != 0)
      return fail(m, PV_ERR_FORMAT, "_rebuild_tensor_v2: bad requires_grad",
                  NULL);
    t->requires_grad = rg != 0;
  }
  if (nargs >= 6) {
    pv__pk_obj *h = args[5];
    if (h->kind != PV__PK_DICT && h->kind != PV__PK_NONE)
      return fail(m, PV_ERR_FORMAT, "_rebuild_tensor_v2: bad backward_hooks",
                  NULL);
    if (h->kind == PV__PK_DICT && h->n)
      return fail(m, PV_ERR_UNSUPPORTED,
                  "_rebuild_tensor_v2: backward hooks are not supported", NULL);
  }
  *res = t;
  return 0;
}

static int do_reduce(vm *m) {
  pv__pk_obj *args = pop(m), *fn = pop(m);
  if (!fn || !args)
    return fail(m, PV_ERR_FORMAT, "REDUCE on a short stack", NULL);
  if (fn->kind != PV__PK_GLOBAL)
    return fail(m, PV_ERR_UNSUPPORTED,
                "REDUCE of something that is not a whitelisted global", NULL);
  if (args->kind != PV__PK_TUPLE)
    return fail(m, PV_ERR_FORMAT, "REDUCE arguments are not a tuple", NULL);
  pv__pk_obj *res = NULL;
  pv__pk_obj **a = args->items;
  size_t n = args->n;
  int rc;
  switch (fn->global) {
  case PV__G_ORDEREDDICT:
    res = new_obj(m, PV__PK_DICT);
    if (!res)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    if (n == 1 && (a[0]->kind == PV__PK_LIST || a[0]->kind == PV__PK_TUPLE)) {
      for (size_t i = 0; i < a[0]->n; i++) {
        pv__pk_obj *pr = a[0]->items[i];
        if ((pr->kind != PV__PK_TUPLE && pr->kind != PV__PK_LIST) || pr->n != 2)
          return fail(m, PV_ERR_FORMAT, "OrderedDict: items are not pairs",
                      NULL);
        if (obj_push_item(res, pr->items[0]) ||
            obj_push_item(res, pr->items[1]))
          return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
      }
    } else if (n != 0) {
      return fail(m, PV_ERR_FORMAT, "OrderedDict: unexpected arguments", NULL);
    }
    break;
  case PV__G_REBUILD_TENSOR_V2:
    if (n != 6 && n != 7)
      return fail(m, PV_ERR_FORMAT, "_rebuild_tensor_v2: expected 6 or 7 args",
                  NULL);
    if ((rc = make_tensor(m, a, n, &res)) != 0)
      return rc;
    break;
  case PV__G_REBUILD_TENSOR:
    if (n != 4)
      return fail(m, PV_ERR_FORMAT, "_rebuild_tensor: expected 4 args", NULL);
    if ((rc = make_tensor(m, a, n, &res)) != 0)
      return rc;
    break;
  case PV__G_REBUILD_PARAMETER: {
    int64_t rg = 0;
    if (n != 3 || a[0]->kind != PV__PK_TENSOR || as_int(a[1], &rg) != 0 ||
        (a[2]->kind != PV__PK_DICT && a[2]->kind != PV__PK_NONE))
      return fail(m, PV_ERR_FORMAT, "_rebuild_parameter: bad arguments", NULL);
    if (a[2]->kind == PV__PK_DICT && a[2]->n)
      return fail(m, PV_ERR_UNSUPPORTED,
                  "_rebuild_parameter: backward hooks are not supported", NULL);
    res = new_obj(m, PV__PK_TENSOR);
    if (!res)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    pv__pk_obj **keep = res->items;
    *res = *a[0];
    res->items = keep;
    res->is_parameter = 1;
    res->requires_grad = rg != 0;
    break;
  }
  default:
    return fail(m, PV_ERR_UNSUPPORTED,
                "REDUCE of a non-callable global: torch.", global_name(fn));
  }
  return push(m, res);
}

/* --- persistent ids: storages ------------------------------------------- */

static int str_eq(const pv__pk_obj *o, const char *s) {
  return o && o->kind == PV__PK_STR && o->len == strlen(s) &&
         memcmp(o->s, s, o->len) == 0;
}

static int add_storage(vm *m, const pv__pk_obj *key, pv_dtype dt, int64_t numel,
                       int *idx) {
  pv__pk *c = m->ctx;
  if (key->kind != PV__PK_STR || key->len == 0 || key->len > 64)
    return fail(m, PV_ERR_FORMAT, "persistent id: bad storage key", NULL);
  for (size_t i = 0; i < key->len; i++)
    if ((unsigned char)key->s[i] < 33 || (unsigned char)key->s[i] > 126 ||
        key->s[i] == '/')
      return fail(m, PV_ERR_FORMAT, "persistent id: bad storage key", NULL);
  int f = pv__pk_find_storage(c, key->s, key->len);
  if (f >= 0) {
    if (c->st[f].dtype != dt || c->st[f].numel != numel)
      return fail(m, PV_ERR_FORMAT,
                  "persistent id: storage seen with another type or size: ",
                  c->st[f].key);
    *idx = f;
    return 0;
  }
  uint64_t bytes;
  if (numel < 0 ||
      !pv__mul_overflow_u64((uint64_t)numel, pv_dtype_size(dt), &bytes) ||
      bytes > c->file_size)
    return fail(m, PV_ERR_FORMAT, "persistent id: storage larger than the file",
                NULL);
  if (c->nst == c->capst) {
    int nc = c->capst ? c->capst * 2 : 16;
    pv__pk_storage *n = realloc(c->st, (size_t)nc * sizeof *n);
    if (!n)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    c->st = n;
    c->capst = nc;
  }
  pv__pk_storage *s = &c->st[c->nst];
  memset(s, 0, sizeof *s);
  s->key = malloc(key->len + 1);
  if (!s->key)
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  memcpy(s->key, key->s, key->len);
  s->key[key->len] = 0;
  s->dtype = dt;
  s->numel = numel;
  s->root = -1;
  if (index_storage(c, c->nst) != 0) {
    free(s->key);
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  }
  *idx = c->nst++;
  return 0;
}

static int do_persid(vm *m) {
  pv__pk_obj *t = pop(m);
  /* zip:    ('storage', StorageType, key, location, numel)
   * legacy: ('storage', StorageType, root_key, location, numel, view_meta)
   *         view_meta = None | (view_key, offset, view_numel) */
  if (!t || t->kind != PV__PK_TUPLE || t->n < 1)
    return fail(m, PV_ERR_FORMAT, "persistent id is not a tuple", NULL);
  if (!str_eq(t->items[0], "storage"))
    return fail(m, PV_ERR_UNSUPPORTED,
                "persistent id is not a storage (a pickled module or "
                "custom object?)",
                NULL);
  size_t want = m->ctx->legacy ? 6 : 5;
  if (t->n != want)
    return fail(m, PV_ERR_FORMAT, "persistent id: wrong tuple length", NULL);
  pv__pk_obj *ty = t->items[1];
  if (ty->kind != PV__PK_GLOBAL || ty->global != PV__G_STORAGE)
    return fail(m, PV_ERR_FORMAT, "persistent id: not a storage type", NULL);
  if (t->items[3]->kind != PV__PK_STR)
    return fail(m, PV_ERR_FORMAT, "persistent id: bad location", NULL);
  int64_t numel;
  if (as_int(t->items[4], &numel) != 0)
    return fail(m, PV_ERR_FORMAT, "persistent id: bad element count", NULL);
  int idx, rc;
  if ((rc = add_storage(m, t->items[2], ty->dtype, numel, &idx)) != 0)
    return rc;
  if (want == 6 && t->items[5]->kind != PV__PK_NONE) {
    pv__pk_obj *v = t->items[5];
    int64_t off, vn;
    if (v->kind != PV__PK_TUPLE || v->n != 3 || as_int(v->items[1], &off) ||
        as_int(v->items[2], &vn) || off < 0 || vn < 0 || off > numel ||
        vn > numel - off)
      return fail(m, PV_ERR_FORMAT, "persistent id: bad storage view", NULL);
    int root = idx;
    if ((rc = add_storage(m, v->items[0], ty->dtype, vn, &idx)) != 0)
      return rc;
    if (idx != root) {
      pv__pk_storage *s = &m->ctx->st[idx];
      if (s->root >= 0 && (s->root != root || s->root_off != off))
        return fail(m, PV_ERR_FORMAT, "persistent id: inconsistent view ",
                    s->key);
      s->root = root;
      s->root_off = off;
    }
  }
  pv__pk_obj *o = new_obj(m, PV__PK_STORAGE);
  if (!o)
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  o->i = idx;
  o->dtype = ty->dtype;
  return push(m, o);
}

/* --- the interpreter ----------------------------------------------------- */

static int push_str(vm *m, uint64_t n) {
  if (need(m, n) != 0)
    return PV_ERR_FORMAT;
  pv__pk_obj *o = new_obj(m, PV__PK_STR);
  if (o) {
    o->s = (const char *)m->p;
    o->len = (size_t)n;
  }
  m->p += n;
  return push(m, o);
}

static int push_int(vm *m, int64_t v) {
  pv__pk_obj *o = new_obj(m, PV__PK_INT);
  if (o)
    o->i = v;
  return push(m, o);
}

static int push_tuple(vm *m, size_t from) {
  pv__pk_obj *o = new_obj(m, PV__PK_TUPLE);
  if (!o)
    return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  for (size_t i = from; i < m->sp; i++)
    if (obj_push_item(o, m->stack[i]))
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  m->sp = from;
  return push(m, o);
}

static int set_items(vm *m, size_t from) {
  if (from == 0 || (m->sp - from) % 2)
    return fail(m, PV_ERR_FORMAT, "SETITEM(S): bad stack", NULL);
  pv__pk_obj *d = m->stack[from - 1];
  if (d->kind != PV__PK_DICT)
    return fail(m, PV_ERR_UNSUPPORTED, "SETITEM(S) on a non-dict", NULL);
  for (size_t i = from; i < m->sp; i += 2) {
    pv__pk_obj *k = m->stack[i];
    if (k->kind != PV__PK_STR && k->kind != PV__PK_INT)
      return fail(m, PV_ERR_UNSUPPORTED,
                  "dict key that is not a string or an int", NULL);
    /* Repeated keys are not searched for here (that would be quadratic);
     * a repeated tensor name is refused when the entries are built. */
    if (obj_push_item(d, k) || obj_push_item(d, m->stack[i + 1]))
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  }
  m->sp = from;
  return 0;
}

static int append_items(vm *m, size_t from) {
  if (from == 0)
    return fail(m, PV_ERR_FORMAT, "APPEND(S): bad stack", NULL);
  pv__pk_obj *l = m->stack[from - 1];
  if (l->kind != PV__PK_LIST)
    return fail(m, PV_ERR_UNSUPPORTED, "APPEND(S) on a non-list", NULL);
  for (size_t i = from; i < m->sp; i++)
    if (obj_push_item(l, m->stack[i]))
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
  m->sp = from;
  return 0;
}

/* Protocol 0 text integer (INT opcode, as in "I01\n" for True). */
static int text_line(vm *m, const char **s, size_t *n) {
  const uint8_t *nl = memchr(m->p, '\n', (size_t)(m->end - m->p));
  if (!nl)
    return fail(m, PV_ERR_FORMAT, "truncated text argument", NULL);
  *s = (const char *)m->p;
  *n = (size_t)(nl - m->p);
  m->p = nl + 1;
  return 0;
}

static int step(vm *m, int op, int *stop) {
  int rc;
  size_t at;
  pv__pk_obj *o, *a, *b;
  switch (op) {
  case 0x80: /* PROTO */
    if ((rc = need(m, 1)) != 0)
      return rc;
    if (m->p[0] > 5)
      return fail(m, PV_ERR_UNSUPPORTED, "pickle protocol above 5", NULL);
    m->p++;
    return 0;
  case 0x95: /* FRAME: a length hint only */
    if ((rc = need(m, 8)) != 0)
      return rc;
    m->p += 8;
    return 0;
  case '.': /* STOP */
    *stop = 1;
    return 0;
  case '(': /* MARK */
    if (m->nmarks == m->mcap) {
      if (m->mcap >= PK_MAX_STACK)
        return fail(m, PV_ERR_RANGE, "mark stack too deep", NULL);
      size_t nc = m->mcap ? m->mcap * 2 : 32;
      size_t *n = realloc(m->marks, nc * sizeof *n);
      if (!n)
        return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
      m->marks = n;
      m->mcap = nc;
    }
    m->marks[m->nmarks++] = m->sp;
    return 0;
  case '0': /* POP */
    if (!pop(m))
      return fail(m, PV_ERR_FORMAT, "POP on an empty stack", NULL);
    return 0;
  case '1': /* POP_MARK */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    m->sp = at;
    return 0;
  case '2': /* DUP */
    if (!m->sp)
      return fail(m, PV_ERR_FORMAT, "DUP on an empty stack", NULL);
    return push(m, m->stack[m->sp - 1]);
  case 'N':
    return push(m, &g_none);
  case 0x88:
    return push(m, &g_true);
  case 0x89:
    return push(m, &g_false);
  case 'I': { /* INT (protocol 0): decimal, "01"/"00" for booleans */
    const char *s = NULL;
    size_t n = 0;
    if ((rc = text_line(m, &s, &n)) != 0)
      return rc;
    if (n == 2 && s[0] == '0' && (s[1] == '0' || s[1] == '1'))
      return push(m, s[1] == '1' ? &g_true : &g_false);
    if (n == 0 || n > 19)
      return fail(m, PV_ERR_FORMAT, "bad INT", NULL);
    int64_t v = 0;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == n)
      return fail(m, PV_ERR_FORMAT, "bad INT", NULL);
    for (; i < n; i++) {
      if (s[i] < '0' || s[i] > '9')
        return fail(m, PV_ERR_FORMAT, "bad INT", NULL);
      if (__builtin_mul_overflow(v, 10, &v) ||
          __builtin_add_overflow(v, s[i] - '0', &v))
        return fail(m, PV_ERR_RANGE, "INT out of range", NULL);
    }
    return push_int(m, s[0] == '-' ? -v : v);
  }
  case 'J': /* BININT */
    if ((rc = need(m, 4)) != 0)
      return rc;
    m->p += 4;
    return push_int(m, (int32_t)rd_le(m->p - 4, 4));
  case 'K': /* BININT1 */
    if ((rc = need(m, 1)) != 0)
      return rc;
    m->p += 1;
    return push_int(m, m->p[-1]);
  case 'M': /* BININT2 */
    if ((rc = need(m, 2)) != 0)
      return rc;
    m->p += 2;
    return push_int(m, (int64_t)rd_le(m->p - 2, 2));
  case 0x8a:   /* LONG1 */
  case 0x8b: { /* LONG4 */
    uint64_t n;
    int w = op == 0x8a ? 1 : 4;
    if ((rc = need(m, (size_t)w)) != 0)
      return rc;
    n = rd_le(m->p, w);
    m->p += w;
    if (n > 8)
      return fail(m, PV_ERR_RANGE, "integer wider than 64 bits", NULL);
    if ((rc = need(m, n)) != 0)
      return rc;
    uint64_t v = n ? rd_le(m->p, (int)n) : 0;
    if (n && n < 8 && (m->p[n - 1] & 0x80))
      v |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    m->p += n;
    return push_int(m, (int64_t)v);
  }
  case 'G': { /* BINFLOAT, big-endian */
    if ((rc = need(m, 8)) != 0)
      return rc;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
      u = (u << 8) | m->p[i];
    m->p += 8;
    o = new_obj(m, PV__PK_FLOAT);
    if (o)
      memcpy(&o->f, &u, 8);
    return push(m, o);
  }
  case 'X': /* BINUNICODE */
  case 'T': /* BINSTRING */
  case 'B': /* BINBYTES */
    if ((rc = need(m, 4)) != 0)
      return rc;
    m->p += 4;
    return push_str(m, rd_le(m->p - 4, 4));
  case 0x8c: /* SHORT_BINUNICODE */
  case 'U':  /* SHORT_BINSTRING */
  case 'C':  /* SHORT_BINBYTES */
    if ((rc = need(m, 1)) != 0)
      return rc;
    m->p += 1;
    return push_str(m, m->p[-1]);
  case 0x8d: /* BINUNICODE8 */
  case 0x8e: /* BINBYTES8 */
    if ((rc = need(m, 8)) != 0)
      return rc;
    m->p += 8;
    return push_str(m, rd_le(m->p - 8, 8));
  case ')': /* EMPTY_TUPLE */
    return push_tuple(m, m->sp);
  case 't': /* TUPLE */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    return push_tuple(m, at);
  case 0x85: /* TUPLE1 */
  case 0x86: /* TUPLE2 */
  case 0x87: /* TUPLE3 */
    if (m->sp < (size_t)(op - 0x84))
      return fail(m, PV_ERR_FORMAT, "TUPLEn on a short stack", NULL);
    return push_tuple(m, m->sp - (size_t)(op - 0x84));
  case ']': /* EMPTY_LIST */
    return push(m, new_obj(m, PV__PK_LIST));
  case 'l': /* LIST */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    if ((rc = push_tuple(m, at)) != 0)
      return rc;
    m->stack[m->sp - 1]->kind = PV__PK_LIST;
    return 0;
  case 'a': /* APPEND */
    if (m->sp < 2)
      return fail(m, PV_ERR_FORMAT, "APPEND on a short stack", NULL);
    return append_items(m, m->sp - 1);
  case 'e': /* APPENDS */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    return append_items(m, at);
  case '}': /* EMPTY_DICT */
    return push(m, new_obj(m, PV__PK_DICT));
  case 'd': /* DICT */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    if ((m->sp - at) % 2)
      return fail(m, PV_ERR_FORMAT, "DICT with an odd item count", NULL);
    o = new_obj(m, PV__PK_DICT);
    if (!o)
      return fail(m, PV_ERR_NOMEM, "out of memory", NULL);
    {
      /* Insert the dict below its items and reuse SETITEMS. */
      if ((rc = push(m, o)) != 0)
        return rc;
      memmove(m->stack + at + 1, m->stack + at,
              (m->sp - 1 - at) * sizeof *m->stack);
      m->stack[at] = o;
      return set_items(m, at + 1);
    }
  case 's': /* SETITEM */
    if (m->sp < 3)
      return fail(m, PV_ERR_FORMAT, "SETITEM on a short stack", NULL);
    return set_items(m, m->sp - 2);
  case 'u': /* SETITEMS */
    if ((rc = pop_mark(m, &at)) != 0)
      return rc;
    return set_items(m, at);
  case 'c': { /* GLOBAL "module\nname\n" */
    const char *mod = NULL, *name = NULL;
    size_t ml = 0, nl = 0;
    if ((rc = text_line(m, &mod, &ml)) != 0 ||
        (rc = text_line(m, &name, &nl)) != 0)
      return rc;
    return push_global(m, mod, ml, name, nl);
  }
  case 0x93: /* STACK_GLOBAL */
    b = pop(m);
    a = pop(m);
    if (!a || !b || a->kind != PV__PK_STR || b->kind != PV__PK_STR)
      return fail(m, PV_ERR_FORMAT, "STACK_GLOBAL needs two strings", NULL);
    return push_global(m, a->s, a->len, b->s, b->len);
  case 'R': /* REDUCE */
    return do_reduce(m);
  case 'b': /* BUILD: only the attribute dict of an OrderedDict */
    b = pop(m);
    if (!b || !m->sp)
      return fail(m, PV_ERR_FORMAT, "BUILD on a short stack", NULL);
    a = m->stack[m->sp - 1];
    if (a->kind != PV__PK_DICT ||
        (b->kind != PV__PK_DICT && b->kind != PV__PK_TUPLE &&
         b->kind != PV__PK_NONE))
      return fail(m, PV_ERR_UNSUPPORTED,
                  "BUILD on an object that is not a dict", NULL);
    return 0; /* the state (`_metadata`) is not needed */
  case 'Q':   /* BINPERSID */
    return do_persid(m);
  case 'h': /* BINGET */
    if ((rc = need(m, 1)) != 0)
      return rc;
    m->p++;
    return memo_get(m, m->p[-1]);
  case 'j': /* LONG_BINGET */
    if ((rc = need(m, 4)) != 0)
      return rc;
    m->p += 4;
    return memo_get(m, rd_le(m->p - 4, 4));
  case 'q': /* BINPUT */
    if ((rc = need(m, 1)) != 0)
      return rc;
    m->p++;
    return memo_put(m, m->p[-1]);
  case 'r': /* LONG_BINPUT */
    if ((rc = need(m, 4)) != 0)
      return rc;
    m->p += 4;
    return memo_put(m, rd_le(m->p - 4, 4));
  case 0x94: /* MEMOIZE */
    return memo_put(m, m->memo_next++);
  default: {
    char buf[8];
    snprintf(buf, sizeof buf, "0x%02x", op);
    return fail(m, PV_ERR_UNSUPPORTED,
                "opcode not allowed in a state_dict pickle: ", buf);
  }
  }
}

int pv__pk_run(pv__pk *ctx, const uint8_t *data, size_t len, size_t *consumed,
               pv__pk_obj **result) {
  vm m = {.ctx = ctx, .p = data, .end = data + len, .start = data};
  int rc = 0, stop = 0;
  *result = NULL;
  while (!stop) {
    if (m.p >= m.end) {
      rc = fail(&m, PV_ERR_FORMAT, "truncated pickle (no STOP)", NULL);
      break;
    }
    int op = *m.p++;
    if ((rc = step(&m, op, &stop)) != 0)
      break;
  }
  if (rc == 0) {
    if (m.sp != 1)
      rc = fail(&m, PV_ERR_FORMAT, "STOP with a stack of size != 1", NULL);
    else {
      *result = m.stack[0];
      *consumed = (size_t)(m.p - data);
    }
  }
  free(m.stack);
  free(m.marks);
  free(m.memo);
  return rc;
}
