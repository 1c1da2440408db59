/*
 * PyTorch checkpoints: the zip container (torch.save since 1.6) and the
 * legacy stream (magic number, protocol, sys_info, object and storage-key
 * pickles, then raw storages), turned into pv_weights.
 *
 * The zip central directory is parsed here rather than through libzip
 * because zero-copy needs the file offset of each stored entry's data, which
 * libzip does not expose (it only reads through its own buffers). PyTorch
 * stores every record uncompressed and 64-byte aligned, so a storage record
 * is a ready-made tensor inside the mapping; deflated entries (from other
 * zip tools) are inflated with zlib into their own buffer.
 */
#include "weights_internal.h"

#include <zlib.h>

#define MAX_NAME 4096
#define MAX_DEPTH 32

/* --- zip ----------------------------------------------------------------- */

typedef struct zentry {
  const char *name;
  size_t nlen;
  int method;
  uint64_t csize, usize, lho;
} zentry;

typedef struct zip {
  const uint8_t *base;
  uint64_t size;
  zentry *e;
  size_t n;
  int *idx; /* open-addressing index of e by name; nidx a power of two */
  size_t nidx;
  const char *what;
} zip;

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int zbad(const zip *z, const char *msg) {
  return pv_set_error(PV_ERR_FORMAT, "%s: zip: %s", z->what, msg);
}

static int zip_open(zip *z) {
  const uint8_t *b = z->base;
  uint64_t size = z->size;
  if (size < 22)
    return zbad(z, "too short for an end-of-central-directory record");
  uint64_t eocd = UINT64_MAX;
  uint64_t lo = size > 22 + 65535 ? size - 22 - 65535 : 0;
  for (uint64_t i = size - 22 + 1; i-- > lo;) {
    if (le(b + i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == UINT64_MAX)
    return zbad(z, "no end-of-central-directory record (truncated file?)");
  uint64_t count = le(b + eocd + 10, 2), cdsize = le(b + eocd + 12, 4),
           cdoff = le(b + eocd + 16, 4);
  if (count == 0xffff || cdsize == 0xffffffff || cdoff == 0xffffffff) {
    if (eocd < 20 || le(b + eocd - 20, 4) != 0x07064b50)
      return zbad(z, "zip64 locator missing");
    uint64_t z64 = le(b + eocd - 20 + 8, 8);
    if (z64 > size || size - z64 < 56 || le(b + z64, 4) != 0x06064b50)
      return zbad(z, "bad zip64 end-of-central-directory record");
    count = le(b + z64 + 32, 8);
    cdsize = le(b + z64 + 40, 8);
    cdoff = le(b + z64 + 48, 8);
  }
  if (cdoff > size || cdsize > size - cdoff)
    return zbad(z, "central directory outside the file");
  if (count > cdsize / 46)
    return zbad(z, "more entries than the central directory can hold");
  z->e = calloc(count ? count : 1, sizeof *z->e);
  if (!z->e)
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", z->what);
  const uint8_t *p = b + cdoff, *end = b + cdoff + cdsize;
  for (uint64_t k = 0; k < count; k++) {
    if (end - p < 46 || le(p, 4) != 0x02014b50)
      return zbad(z, "bad central directory entry");
    zentry *e = &z->e[z->n];
    uint64_t flags = le(p + 8, 2);
    e->method = (int)le(p + 10, 2);
    e->csize = le(p + 20, 4);
    e->usize = le(p + 24, 4);
    size_t nl = (size_t)le(p + 28, 2), xl = (size_t)le(p + 30, 2),
           cl = (size_t)le(p + 32, 2);
    e->lho = le(p + 42, 4);
    if ((size_t)(end - p) < 46 + nl + xl + cl)
      return zbad(z, "central directory entry overruns the directory");
    if (flags & 1)
      return pv_set_error(PV_ERR_UNSUPPORTED, "%s: zip: encrypted entry",
                          z->what);
    e->name = (const char *)p + 46;
    e->nlen = nl;
    /* zip64 extra field: the 0xffffffff fields, in this order. */
    const uint8_t *x = p + 46 + nl, *xe = x + xl;
    while (xe - x >= 4) {
      size_t id = (size_t)le(x, 2), sz = (size_t)le(x + 2, 2);
      if ((size_t)(xe - x - 4) < sz)
        break;
      if (id == 1) {
        const uint8_t *q = x + 4, *qe = x + 4 + sz;
        uint64_t *f[3] = {&e->usize, &e->csize, &e->lho};
        for (int i = 0; i < 3; i++) {
          if (*f[i] != 0xffffffff)
            continue;
          if (qe - q < 8)
            return zbad(z, "short zip64 extra field");
          *f[i] = le(q, 8);
          q += 8;
        }
      }
      x += 4 + sz;
    }
    p += 46 + nl + xl + cl;
    z->n++;
  }
  z->nidx = 64;
  while (z->nidx < 2 * z->n)
    z->nidx *= 2;
  z->idx = malloc(z->nidx * sizeof *z->idx);
  if (!z->idx)
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", z->what);
  for (size_t i = 0; i < z->nidx; i++)
    z->idx[i] = -1;
  for (size_t i = 0; i < z->n; i++) {
    size_t h = pv__hash_bytes(z->e[i].name, z->e[i].nlen) & (z->nidx - 1);
    while (z->idx[h] >= 0)
      h = (h + 1) & (z->nidx - 1);
    z->idx[h] = (int)i;
  }
  return 0;
}

/* The entry named "<prefix>/<suffix>", or NULL. */
static const zentry *zip_find(const zip *z, const char *prefix, size_t pl,
                              const char *suffix) {
  size_t sl = strlen(suffix), nl = pl + 1 + sl;
  char *name = malloc(nl);
  if (!name)
    return NULL;
  memcpy(name, prefix, pl);
  name[pl] = '/';
  memcpy(name + pl + 1, suffix, sl);
  const zentry *found = NULL;
  for (size_t h = pv__hash_bytes(name, nl) & (z->nidx - 1); z->idx[h] >= 0;
       h = (h + 1) & (z->nidx - 1)) {
    const zentry *e = &z->e[z->idx[h]];
    if (e->nlen == nl && memcmp(e->name, name, nl) == 0) {
      found = e; /* the first entry of that name, like other readers */
      break;
    }
  }
  free(name);
  return found;
}

/* The bytes of an entry: a pointer into the mapping for stored entries, or
 * a freshly inflated blob (*owned, released by the caller). */
static int zip_data(const zip *z, pv__blob *blob, const zentry *e,
                    const uint8_t **data, pv__blob **owned) {
  *owned = NULL;
  if (e->lho > z->size || z->size - e->lho < 30 ||
      le(z->base + e->lho, 4) != 0x04034b50)
    return zbad(z, "bad local file header");
  uint64_t off =
      e->lho + 30 + le(z->base + e->lho + 26, 2) + le(z->base + e->lho + 28, 2);
  if (off > z->size || e->csize > z->size - off)
    return zbad(z, "entry data outside the file");
  const uint8_t *src = z->base + off;
  if (e->method == 0) {
    if (e->csize != e->usize)
      return zbad(z, "stored entry with differing sizes");
    *data = src;
    return 0;
  }
  if (e->method != 8)
    return pv_set_error(PV_ERR_UNSUPPORTED,
                        "%s: zip: compression method %d (only stored and "
                        "deflate are read)",
                        z->what, e->method);
  /* Deflate cannot expand more than 1032:1; refuse claims beyond that. */
  if (e->usize > e->csize * 1032 + 64 || e->usize > PV__MAX_TENSOR_BYTES)
    return zbad(z, "implausible uncompressed size");
  pv__blob *nb;
  int rc = pv__blob_copy(NULL, (size_t)e->usize, &nb);
  if (rc)
    return rc;
  z_stream s;
  memset(&s, 0, sizeof s);
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
    pv__blob_release(nb);
    return pv_set_error(PV_ERR_INTERNAL, "%s: zip: inflateInit failed",
                        z->what);
  }
  uint64_t in_left = e->csize, out_left = e->usize;
  s.next_in = (Bytef *)src;
  s.next_out = nb->base;
  int zr = Z_OK;
  while (zr == Z_OK) {
    uInt ci = (uInt)PV__MIN(in_left, (uint64_t)1 << 30);
    uInt co = (uInt)PV__MIN(out_left, (uint64_t)1 << 30);
    s.avail_in = ci;
    s.avail_out = co;
    zr = inflate(&s, Z_NO_FLUSH);
    in_left -= ci - s.avail_in;
    out_left -= co - s.avail_out;
    if (zr == Z_OK && ci == s.avail_in && co == s.avail_out)
      break; /* no progress */
  }
  inflateEnd(&s);
  (void)blob;
  if (zr != Z_STREAM_END || out_left != 0) {
    pv__blob_release(nb);
    return zbad(z, "corrupt deflate stream or wrong uncompressed size");
  }
  *data = nb->base;
  *owned = nb;
  return 0;
}

/* --- walking the unpickled object into entries --------------------------- */

typedef struct walk {
  pv_weights *w;
  pv__pk *ctx;
  const char *what;
  uint32_t flags;
  int meta;        /* record scalars as metadata */
  uint64_t budget; /* node visits left: a DAG built through the memo could
                      otherwise make the walk exponential */
  int *root;       /* root storage of each entry */
  int rcap;
  char name[MAX_NAME];
} walk;

static int root_of(const pv__pk *c, int s) {
  return c->st[s].root >= 0 ? c->st[s].root : s;
}

static int emit(walk *wk, const pv__pk_obj *t) {
  pv__pk_storage *st = &wk->ctx->st[t->storage];
  if (!st->data)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: tensor '%s': storage '%s' has no "
                        "data in the file",
                        wk->what, wk->name, st->key);
  size_t es = pv_dtype_size(t->dtype);
  int64_t numel = pv__shape_numel(t->ndim, t->size);
  /* An empty view may carry any offset; it reads nothing. */
  const uint8_t *ptr = numel > 0 ? st->data + (size_t)t->offset * es : st->data;
  int zc = 0;
  pv_tensor *tt = pv__blob_tensor(st->blob, ptr, t->dtype, t->ndim, t->size,
                                  t->stride, &zc);
  if (!tt)
    return pv_last_status();
  if ((wk->flags & PV_WEIGHTS_CONTIGUOUS) && !pv_tensor_is_contiguous(tt)) {
    pv_tensor *c = pv_tensor_contiguous(tt);
    pv_tensor_release(tt);
    if (!c)
      return pv_last_status();
    tt = c;
    zc = 0;
  }
  pv__wentry meta = {.is_parameter = t->is_parameter,
                     .requires_grad = t->requires_grad,
                     .zero_copy = zc && st->blob == wk->ctx->file};
  if (wk->w->n >= wk->rcap) {
    int nc = wk->rcap ? wk->rcap * 2 : 64;
    int *r = realloc(wk->root, (size_t)nc * sizeof *r);
    if (!r) {
      pv_tensor_release(tt);
      return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", wk->what);
    }
    wk->root = r;
    wk->rcap = nc;
  }
  wk->root[wk->w->n] = root_of(wk->ctx, t->storage);
  int rc =
      pv__weights_append(wk->w, wk->name[0] ? wk->name : "tensor", tt, &meta);
  if (rc)
    pv_set_error(rc, "%s: %s", wk->what, pv_last_error());
  return rc;
}

static int scalar_str(const pv__pk_obj *o, char *buf, size_t n) {
  switch (o->kind) {
  case PV__PK_NONE:
    snprintf(buf, n, "None");
    return 1;
  case PV__PK_BOOL:
    snprintf(buf, n, "%s", o->i ? "True" : "False");
    return 1;
  case PV__PK_INT:
    snprintf(buf, n, "%lld", (long long)o->i);
    return 1;
  case PV__PK_FLOAT:
    snprintf(buf, n, "%.17g", o->f);
    return 1;
  case PV__PK_STR:
    if (memchr(o->s, 0, o->len))
      return 0;
    snprintf(buf, n, "%.*s", (int)PV__MIN(o->len, n - 1), o->s);
    return 1;
  default:
    return 0;
  }
}

/* Appends ".key" (or "key" at the top) to wk->name; returns the old length
 * or -1 when the name would be too long / the key unusable. */
static int push_name(walk *wk, const pv__pk_obj *k, size_t idx) {
  size_t len = strlen(wk->name);
  char kb[64];
  const char *ks;
  size_t kl;
  if (!k) {
    kl = (size_t)snprintf(kb, sizeof kb, "%zu", idx);
    ks = kb;
  } else if (k->kind == PV__PK_INT) {
    kl = (size_t)snprintf(kb, sizeof kb, "%lld", (long long)k->i);
    ks = kb;
  } else {
    ks = k->s;
    kl = k->len;
    if (memchr(ks, 0, kl))
      return -1;
  }
  if (len + 1 + kl + 1 > MAX_NAME)
    return -1;
  char *p = wk->name + len;
  if (len)
    *p++ = '.';
  memcpy(p, ks, kl);
  p[kl] = 0;
  return (int)len;
}

static int collect(walk *wk, const pv__pk_obj *o, int depth) {
  if (depth > MAX_DEPTH)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: objects nested deeper than %d (or a cycle) at "
                        "'%s'",
                        wk->what, MAX_DEPTH, wk->name);
  if (wk->budget == 0)
    return pv_set_error(PV_ERR_FORMAT,
                        "%s: object graph larger than the file allows "
                        "(shared references?) at '%s'",
                        wk->what, wk->name);
  wk->budget--;
  int rc = 0;
  switch (o->kind) {
  case PV__PK_TENSOR:
    return emit(wk, o);
  case PV__PK_DICT:
  case PV__PK_LIST:
  case PV__PK_TUPLE: {
    int dict = o->kind == PV__PK_DICT;
    for (size_t i = 0; i < o->n && rc == 0; i += dict ? 2 : 1) {
      int old = push_name(wk, dict ? o->items[i] : NULL, i);
      if (old < 0)
        return pv_set_error(PV_ERR_FORMAT,
                            "%s: unusable or too long key under '%s'", wk->what,
                            wk->name);
      rc = collect(wk, o->items[dict ? i + 1 : i], depth + 1);
      wk->name[old] = 0;
    }
    return rc;
  }
  default: {
    char buf[256];
    if (wk->meta && wk->name[0] && scalar_str(o, buf, sizeof buf))
      return pv__weights_meta_append(wk->w, wk->name, buf);
    return 0;
  }
  }
}

static int has_tensor(const pv__pk_obj *o, int depth, int direct,
                      uint64_t *budget) {
  if (depth > MAX_DEPTH || *budget == 0)
    return 0;
  --*budget;
  if (o->kind == PV__PK_TENSOR)
    return 1;
  if (o->kind != PV__PK_DICT && o->kind != PV__PK_LIST &&
      o->kind != PV__PK_TUPLE)
    return 0;
  if (direct && depth > 0)
    return 0;
  int dict = o->kind == PV__PK_DICT;
  for (size_t i = dict ? 1 : 0; i < o->n; i += dict ? 2 : 1)
    if (has_tensor(o->items[i], depth + 1, direct, budget))
      return 1;
  return 0;
}

static const pv__pk_obj *dict_get(const pv__pk_obj *d, const char *k,
                                  size_t kl) {
  if (d->kind != PV__PK_DICT)
    return NULL;
  for (size_t i = 0; i < d->n; i += 2) {
    const pv__pk_obj *key = d->items[i];
    if (key->kind == PV__PK_STR && key->len == kl && memcmp(key->s, k, kl) == 0)
      return d->items[i + 1];
    if (key->kind == PV__PK_INT) {
      char b[32];
      int n = snprintf(b, sizeof b, "%lld", (long long)key->i);
      if ((size_t)n == kl && memcmp(b, k, kl) == 0)
        return d->items[i + 1];
    }
  }
  return NULL;
}

/* Scalars directly in `d` become metadata. */
static int sibling_meta(walk *wk, const pv__pk_obj *d) {
  for (size_t i = 0; i < d->n; i += 2) {
    char buf[256];
    const pv__pk_obj *v = d->items[i + 1];
    if (!scalar_str(v, buf, sizeof buf))
      continue;
    wk->name[0] = 0;
    if (push_name(wk, d->items[i], 0) < 0)
      continue;
    int rc = pv__weights_meta_append(wk->w, wk->name, buf);
    if (rc)
      return rc;
  }
  wk->name[0] = 0;
  return 0;
}

static int select_and_collect(walk *wk, const pv__pk_obj *root,
                              const char *entry) {
  wk->name[0] = 0;
  if (entry && *entry) {
    const pv__pk_obj *o = root;
    const char *p = entry;
    while (o && *p) {
      const char *dot = strchr(p, '.');
      size_t kl = dot ? (size_t)(dot - p) : strlen(p);
      o = dict_get(o, p, kl);
      p += kl + (dot ? 1 : 0);
    }
    if (!o)
      return pv_set_error(PV_ERR_NOT_FOUND,
                          "%s: checkpoint has no dict entry '%s'", wk->what,
                          entry);
    wk->meta = 0;
    int rc = collect(wk, o, 0);
    if (rc == 0 && root->kind == PV__PK_DICT && o != root)
      rc = sibling_meta(wk, root);
    return rc;
  }
  uint64_t b = wk->budget;
  if (entry || root->kind != PV__PK_DICT || has_tensor(root, 0, 1, &b)) {
    wk->meta = 1;
    return collect(wk, root, 0);
  }
  static const char *cands[] = {"state_dict", "model_state_dict", "model",
                                "state_dict_ema", "net"};
  for (size_t i = 0; i < PV__ARRAY_LEN(cands); i++) {
    const pv__pk_obj *o = dict_get(root, cands[i], strlen(cands[i]));
    b = wk->budget;
    if (o && o->kind == PV__PK_DICT && has_tensor(o, 0, 0, &b)) {
      wk->meta = 0;
      int rc = collect(wk, o, 0);
      return rc ? rc : sibling_meta(wk, root);
    }
  }
  wk->meta = 1;
  return collect(wk, root, 0);
}

/* Resolves each storage's data pointer to its root's. */
static int resolve_views(pv__pk *ctx, const char *what) {
  for (int i = 0; i < ctx->nst; i++) {
    pv__pk_storage *s = &ctx->st[i];
    if (s->root < 0)
      continue;
    pv__pk_storage *r = &ctx->st[s->root];
    if (r->root >= 0)
      return pv_set_error(PV_ERR_FORMAT, "%s: storage view of a view '%s'",
                          what, s->key);
    if (r->data) {
      s->data = r->data + (size_t)s->root_off * pv_dtype_size(s->dtype);
      s->blob = r->blob;
    }
  }
  return 0;
}

/* Legacy files place storages at arbitrary offsets. A root storage whose
 * data is not aligned to its element size is copied once into an aligned
 * blob, so that all its views still share one buffer. */
static int align_storages(pv__pk *ctx, const char *what, pv__blob ***owned,
                          int *nowned) {
  for (int i = 0; i < ctx->nst; i++) {
    pv__pk_storage *s = &ctx->st[i];
    size_t es = pv_dtype_size(s->dtype);
    if (s->root >= 0 || !s->data || (uintptr_t)s->data % es == 0)
      continue;
    pv__blob *nb;
    int rc = pv__blob_copy(s->data, (size_t)s->numel * es, &nb);
    if (rc)
      return rc;
    pv__blob **o = realloc(*owned, (size_t)(*nowned + 1) * sizeof *o);
    if (!o) {
      pv__blob_release(nb);
      return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", what);
    }
    *owned = o;
    o[(*nowned)++] = nb;
    s->data = nb->base;
    s->blob = nb;
  }
  return resolve_views(ctx, what);
}

static int finish(pv__pk *ctx, const pv__pk_obj *root, const char *what,
                  const pv_weights_options *opt, pv_weights_format fmt,
                  pv_weights **out) {
  walk *wk = calloc(1, sizeof *wk);
  pv_weights *w = pv__weights_new(fmt);
  if (!wk || !w) {
    free(wk);
    pv_weights_free(w);
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", what);
  }
  wk->w = w;
  wk->ctx = ctx;
  wk->what = what;
  wk->flags = opt->flags;
  wk->budget = ctx->file_size + 1024;
  pv__blob **owned = NULL;
  int nowned = 0;
  int rc = align_storages(ctx, what, &owned, &nowned);
  if (rc == 0)
    rc = select_and_collect(wk, root, opt->entry);
  for (int i = 0; i < nowned; i++)
    pv__blob_release(owned[i]);
  free(owned);
  if (rc == 0) {
    /* Mark entries whose storage another entry also views. */
    for (int i = 0; i < w->n; i++)
      for (int j = 0; j < w->n; j++)
        if (i != j && wk->root[i] == wk->root[j]) {
          w->e[i].shares_storage = 1;
          break;
        }
  }
  free(wk->root);
  free(wk);
  if (rc) {
    pv_weights_free(w);
    return rc;
  }
  *out = w;
  return 0;
}

/* --- zip checkpoints ----------------------------------------------------- */

static int load_zip(pv__blob *b, const char *what,
                    const pv_weights_options *opt, pv_weights **out) {
  zip z = {.base = b->base, .size = b->size, .what = what};
  pv__pk ctx = {.what = what, .file_size = b->size, .file = b};
  pv__blob **owned = NULL;
  int nowned = 0, rc;
  const zentry *pkl = NULL;
  if ((rc = zip_open(&z)) != 0)
    goto done;
  for (size_t i = 0; i < z.n && !pkl; i++) {
    const zentry *e = &z.e[i];
    const char *sl = memchr(e->name, '/', e->nlen);
    if (sl && (size_t)(sl - e->name) + 9 == e->nlen &&
        memcmp(sl + 1, "data.pkl", 8) == 0)
      pkl = e;
  }
  if (!pkl) {
    rc = pv_set_error(PV_ERR_FORMAT,
                      "%s: zip archive without <archive>/data.pkl (not a "
                      "torch.save checkpoint; TorchScript files are not "
                      "state_dicts)",
                      what);
    goto done;
  }
  const char *prefix = pkl->name;
  size_t pl = pkl->nlen - 9;
  const zentry *bo = zip_find(&z, prefix, pl, "byteorder");
  const uint8_t *d;
  pv__blob *ob;
  owned = calloc(z.n + 1, sizeof *owned);
  if (!owned) {
    rc = pv_set_error(PV_ERR_NOMEM, "%s: out of memory", what);
    goto done;
  }
  if (bo) {
    if ((rc = zip_data(&z, b, bo, &d, &ob)) != 0)
      goto done;
    if (ob)
      owned[nowned++] = ob;
    if (bo->usize >= 3 && memcmp(d, "big", 3) == 0) {
      rc = pv_set_error(PV_ERR_UNSUPPORTED,
                        "%s: big-endian checkpoint (byteorder=big)", what);
      goto done;
    }
  }
  if ((rc = zip_data(&z, b, pkl, &d, &ob)) != 0)
    goto done;
  if (ob)
    owned[nowned++] = ob;
  pv__pk_obj *root;
  size_t used;
  if ((rc = pv__pk_run(&ctx, d, (size_t)pkl->usize, &used, &root)) != 0)
    goto done;
  for (int i = 0; i < ctx.nst; i++) {
    pv__pk_storage *s = &ctx.st[i];
    char suffix[80];
    snprintf(suffix, sizeof suffix, "data/%s", s->key);
    const zentry *e = zip_find(&z, prefix, pl, suffix);
    if (!e) {
      rc = pv_set_error(PV_ERR_FORMAT, "%s: missing storage record %.*s/%s",
                        what, (int)pl, prefix, suffix);
      goto done;
    }
    uint64_t need = (uint64_t)s->numel * pv_dtype_size(s->dtype);
    if (e->usize < need) {
      rc = pv_set_error(
          PV_ERR_FORMAT, "%s: storage record %s holds %llu bytes, %llu needed",
          what, suffix, (unsigned long long)e->usize, (unsigned long long)need);
      goto done;
    }
    if ((rc = zip_data(&z, b, e, &s->data, &ob)) != 0)
      goto done;
    s->blob = ob ? ob : b;
    if (ob)
      owned[nowned++] = ob;
  }
  rc = finish(&ctx, root, what, opt, PV_WEIGHTS_FORMAT_TORCH_ZIP, out);
done:
  for (int i = 0; i < nowned; i++)
    pv__blob_release(owned[i]);
  free(owned);
  free(z.e);
  free(z.idx);
  pv__pk_free(&ctx);
  return rc;
}

/* --- legacy checkpoints -------------------------------------------------- */

static int load_legacy(pv__blob *b, const char *what,
                       const pv_weights_options *opt, pv_weights **out) {
  const uint8_t *p = b->base, *end = b->base + b->size;
  pv__pk ctx = {.what = what, .file_size = b->size, .legacy = 1, .file = b};
  pv__pk_obj *o, *root;
  size_t used;
  int rc;
  /* 1: the magic number (checked by detection). */
  size_t ml = pv__legacy_magic_len(p, b->size);
  if (!ml) {
    rc = pv_set_error(PV_ERR_FORMAT, "%s: bad legacy magic pickle", what);
    goto done;
  }
  p += ml;
  /* 2: the protocol version, 1001. */
  if ((rc = pv__pk_run(&ctx, p, (size_t)(end - p), &used, &o)) != 0)
    goto done;
  if (o->kind != PV__PK_INT || o->i != 1001) {
    rc = pv_set_error(PV_ERR_UNSUPPORTED,
                      "%s: legacy protocol version is not 1001", what);
    goto done;
  }
  p += used;
  /* 3: sys_info {'protocol_version', 'little_endian', 'type_sizes'}. */
  if ((rc = pv__pk_run(&ctx, p, (size_t)(end - p), &used, &o)) != 0)
    goto done;
  if (o->kind != PV__PK_DICT) {
    rc = pv_set_error(PV_ERR_FORMAT, "%s: legacy sys_info is not a dict", what);
    goto done;
  }
  for (size_t i = 0; i < o->n; i += 2) {
    const pv__pk_obj *k = o->items[i], *v = o->items[i + 1];
    if (k->kind == PV__PK_STR && k->len == 13 &&
        memcmp(k->s, "little_endian", 13) == 0 && v->kind == PV__PK_BOOL &&
        !v->i) {
      rc = pv_set_error(PV_ERR_UNSUPPORTED, "%s: big-endian legacy checkpoint",
                        what);
      goto done;
    }
  }
  p += used;
  /* 4: the object. */
  if ((rc = pv__pk_run(&ctx, p, (size_t)(end - p), &used, &root)) != 0)
    goto done;
  p += used;
  /* 5: the list of storage keys, in the order their data follows. */
  if ((rc = pv__pk_run(&ctx, p, (size_t)(end - p), &used, &o)) != 0)
    goto done;
  p += used;
  if (o->kind != PV__PK_LIST) {
    rc =
        pv_set_error(PV_ERR_FORMAT, "%s: legacy storage keys not a list", what);
    goto done;
  }
  for (size_t i = 0; i < o->n; i++) {
    const pv__pk_obj *k = o->items[i];
    int s =
        k->kind == PV__PK_STR ? pv__pk_find_storage(&ctx, k->s, k->len) : -1;
    if (s < 0 || ctx.st[s].root >= 0 || ctx.st[s].data) {
      rc = pv_set_error(PV_ERR_FORMAT,
                        "%s: legacy storage key %zu is unknown or repeated",
                        what, i);
      goto done;
    }
    pv__pk_storage *st = &ctx.st[s];
    if (end - p < 8) {
      rc = pv_set_error(PV_ERR_FORMAT, "%s: truncated before storage '%s'",
                        what, st->key);
      goto done;
    }
    int64_t n = (int64_t)le(p, 8);
    p += 8;
    uint64_t bytes = (uint64_t)st->numel * pv_dtype_size(st->dtype);
    if (n != st->numel || bytes > (uint64_t)(end - p)) {
      rc = pv_set_error(PV_ERR_FORMAT,
                        "%s: storage '%s': %lld elements in the file, %lld "
                        "declared, or data past the end",
                        what, st->key, (long long)n, (long long)st->numel);
      goto done;
    }
    st->data = p;
    st->blob = b;
    p += bytes;
  }
  rc = finish(&ctx, root, what, opt, PV_WEIGHTS_FORMAT_TORCH_LEGACY, out);
done:
  pv__pk_free(&ctx);
  return rc;
}

int pv__pth_load(pv__blob *b, const char *what, const pv_weights_options *opt,
                 pv_weights **out) {
  if (pv_weights_detect(b->base, b->size) == PV_WEIGHTS_FORMAT_TORCH_ZIP)
    return load_zip(b, what, opt, out);
  return load_legacy(b, what, opt, out);
}
