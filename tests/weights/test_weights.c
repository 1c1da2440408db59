/* Weight loaders: torch.save zip and legacy checkpoints, safetensors, views
 * of shared storages, wrapped checkpoints, hostile pickles, truncations,
 * the real shared checkpoints and the safetensors write/read round trip.
 * Inputs come from gen_weights.py (torch 1.13) at test time. */
#include "testutil.h"

#include <polyvis/weights.h>
#include <sys/wait.h>

static char g_dir[1024];

static const char *path_in(const char *name, char *buf, size_t n) {
  snprintf(buf, n, "%s/%s", g_dir, name);
  return buf;
}

typedef struct ent {
  char name[64], dtype[16], npy[32];
  int ndim, is_param;
  int64_t shape[PV_MAX_DIMS];
} ent;

static ent g_ents[64];
static int g_n;

static void read_manifest(void) {
  char p[1200], line[512];
  FILE *f = fopen(path_in("manifest.txt", p, sizeof p), "r");
  CHECK(f != NULL);
  if (!f)
    return;
  while (fgets(line, sizeof line, f) && g_n < 64) {
    ent *e = &g_ents[g_n];
    char *tok = strtok(line, " \n");
    snprintf(e->name, sizeof e->name, "%s", tok);
    snprintf(e->dtype, sizeof e->dtype, "%s", strtok(NULL, " \n"));
    e->ndim = atoi(strtok(NULL, " \n"));
    for (int d = 0; d < e->ndim; d++)
      e->shape[d] = atoll(strtok(NULL, " \n"));
    if (e->ndim == 0)
      strtok(NULL, " \n"); /* "-" */
    snprintf(e->npy, sizeof e->npy, "%s", strtok(NULL, " \n"));
    e->is_param = atoi(strtok(NULL, " \n"));
    g_n++;
  }
  fclose(f);
}

/* Every manifest tensor is present, in order (after `prefix`), with the
 * right dtype, shape and exact bytes. */
static void check_all(const pv_weights *w, const char *what, const char *prefix,
                      int check_order) {
  char p[1200], nm[160];
  if (check_order)
    CHECK_EQ_INT(pv_weights_count(w), g_n);
  for (int i = 0; i < g_n; i++) {
    const ent *e = &g_ents[i];
    snprintf(nm, sizeof nm, "%s%s", prefix, e->name);
    int idx = pv_weights_find(w, nm);
    if (idx < 0) {
      fprintf(stderr, "%s: missing %s\n", what, nm);
      pv_test_failures++;
      continue;
    }
    if (check_order)
      CHECK_EQ_INT(idx, i);
    pv_tensor *t = pv_weights_get(w, nm);
    pv_weights_info info;
    CHECK(pv_weights_get_info(w, idx, &info) == 0);
    CHECK(info.tensor == t && strcmp(info.name, nm) == 0);
    CHECK_EQ_INT(pv_tensor_dtype(t), pv_dtype_from_name(e->dtype));
    CHECK_EQ_INT(info.dtype, pv_dtype_from_name(e->dtype));
    CHECK_EQ_INT(pv_tensor_ndim(t), e->ndim);
    for (int d = 0; d < e->ndim && d < pv_tensor_ndim(t); d++)
      CHECK_EQ_INT(pv_tensor_shape(t)[d], e->shape[d]);
    pv_tensor *want = pv_npy_load(path_in(e->npy, p, sizeof p));
    pv_tensor *got = pv_tensor_clone(t);
    CHECK(want && got);
    if (want && got) {
      CHECK_EQ_INT(pv_tensor_nbytes(got), pv_tensor_nbytes(want));
      if (pv_tensor_nbytes(got) == pv_tensor_nbytes(want) &&
          memcmp(pv_tensor_data(got), pv_tensor_data(want),
                 pv_tensor_nbytes(got)) != 0) {
        fprintf(stderr, "%s: %s: data differs\n", what, nm);
        pv_test_failures++;
      }
    }
    pv_tensor_release(want);
    pv_tensor_release(got);
  }
}

static void check_views(const pv_weights *w, const char *what) {
  pv_tensor *base = pv_weights_get(w, "base");
  pv_tensor *bt = pv_weights_get(w, "base_t");
  pv_tensor *rows = pv_weights_get(w, "base_rows");
  pv_tensor *cols = pv_weights_get(w, "base_cols");
  CHECK(base && bt && rows && cols);
  if (!base || !bt || !rows || !cols)
    return;
  /* transposed view: strides (1, 6), same first element */
  CHECK(!pv_tensor_is_contiguous(bt));
  CHECK_EQ_INT(pv_tensor_strides(bt)[0], 1);
  CHECK_EQ_INT(pv_tensor_strides(bt)[1], 6);
  CHECK(pv_tensor_data(bt) == pv_tensor_data(base));
  CHECK((float *)pv_tensor_data(rows) == (float *)pv_tensor_data(base) + 6);
  CHECK((float *)pv_tensor_data(cols) == (float *)pv_tensor_data(base) + 2);
  CHECK_EQ_INT(pv_tensor_strides(cols)[1], 2);
  pv_weights_info info;
  int i = pv_weights_find(w, "base_t");
  CHECK(pv_weights_get_info(w, i, &info) == 0 && info.shares_storage == 1);
  i = pv_weights_find(w, "conv.bias");
  CHECK(pv_weights_get_info(w, i, &info) == 0 && info.shares_storage == 0);
  (void)what;
}

static void test_file(const char *file, pv_weights_format fmt, int zero_copy) {
  char p[1200];
  pv_weights *w = NULL;
  path_in(file, p, sizeof p);
  int rc = pv_weights_load(p, &w);
  CHECK_EQ_INT(rc, 0);
  if (rc)
    return;
  CHECK_EQ_INT(pv_weights_get_format(w), fmt);
  check_all(w, file, "", 1);
  if (fmt != PV_WEIGHTS_FORMAT_SAFETENSORS) {
    check_views(w, file);
    pv_weights_info info;
    CHECK(pv_weights_get_info(w, 0, &info) == 0 && info.is_parameter == 1 &&
          info.requires_grad == 1);
    CHECK(pv_weights_get_info(w, 1, &info) == 0 && info.is_parameter == 0);
  }
  pv_weights_info info;
  CHECK(pv_weights_get_info(w, 0, &info) == 0);
  if (zero_copy >= 0)
    CHECK_EQ_INT(info.zero_copy, zero_copy);
  /* a tensor outlives its collection (it holds the mapping) */
  pv_tensor *keep = pv_tensor_retain(pv_weights_get(w, "conv.bias"));
  pv_tensor *want = pv_tensor_clone(keep);
  pv_weights_free(w);
  CHECK(memcmp(pv_tensor_data(keep), pv_tensor_data(want), 16) == 0);
  pv_tensor_release(keep);
  pv_tensor_release(want);

  /* from memory, without mmap, and densified */
  void *buf;
  size_t n;
  FILE *f = fopen(p, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc(n);
  CHECK(fread(buf, 1, n, f) == n);
  fclose(f);
  CHECK(pv_weights_detect(buf, n) == fmt);
  CHECK_EQ_INT(pv_weights_load_memory(buf, n, NULL, &w), 0);
  check_all(w, file, "", 1);
  pv_weights_free(w);
  pv_weights_options opt = {.struct_size = sizeof opt,
                            .flags =
                                PV_WEIGHTS_NO_MMAP | PV_WEIGHTS_CONTIGUOUS};
  CHECK_EQ_INT(pv_weights_load_ex(p, &opt, &w), 0);
  check_all(w, file, "", 1);
  for (int i = 0; i < pv_weights_count(w); i++)
    CHECK(pv_tensor_is_contiguous(pv_weights_tensor(w, i)));
  pv_weights_free(w);

  /* every truncation is refused cleanly (never a crash or a leak) */
  for (size_t cut = 0; cut < n; cut++) {
    pv_weights *t = NULL;
    int r = pv_weights_load_memory(buf, cut, NULL, &t);
    if (r == 0 || t) {
      fprintf(stderr, "%s: truncation at %zu accepted\n", file, cut);
      pv_test_failures++;
      pv_weights_free(t);
    }
  }
  free(buf);
}

static void test_wrapped(const char *file) {
  char p[1200];
  pv_weights *w = NULL;
  path_in(file, p, sizeof p);
  CHECK_EQ_INT(pv_weights_load(p, &w), 0);
  check_all(w, file, "", 1);
  CHECK(pv_weights_metadata_get(w, "best_prec1") &&
        strcmp(pv_weights_metadata_get(w, "best_prec1"), "91.5") == 0);
  CHECK(pv_weights_metadata_get(w, "epoch") &&
        strcmp(pv_weights_metadata_get(w, "epoch"), "3") == 0);
  CHECK(pv_weights_metadata_get(w, "arch") &&
        strcmp(pv_weights_metadata_get(w, "arch"), "tiny") == 0);
  CHECK_EQ_INT(pv_weights_metadata_count(w), 3);
  pv_weights_free(w);

  pv_weights_options opt = {.struct_size = sizeof opt, .entry = ""};
  CHECK_EQ_INT(pv_weights_load_ex(p, &opt, &w), 0);
  check_all(w, file, "state_dict.", 1);
  pv_weights_free(w);
  opt.entry = "state_dict";
  CHECK_EQ_INT(pv_weights_load_ex(p, &opt, &w), 0);
  check_all(w, file, "", 1);
  pv_weights_free(w);
  opt.entry = "nope";
  CHECK_EQ_INT(pv_weights_load_ex(p, &opt, &w), PV_ERR_NOT_FOUND);
  CHECK(w == NULL);
}

static void test_roundtrip(void) {
  char p[1200], q[1200];
  pv_weights *w = NULL, *r = NULL;
  CHECK_EQ_INT(pv_weights_load(path_in("sd_zip.pth", p, sizeof p), &w), 0);
  if (!w)
    return;
  CHECK_EQ_INT(pv_weights_set_metadata(w, "format", "pt"), 0);
  CHECK_EQ_INT(pv_weights_set_metadata(w, "note", "round \"trip\""), 0);
  path_in("rt.safetensors", q, sizeof q);
  CHECK_EQ_INT(pv_weights_save_safetensors(w, q), 0);
  CHECK_EQ_INT(pv_weights_load(q, &r), 0);
  check_all(r, "rt.safetensors", "", 1);
  CHECK(pv_weights_metadata_get(r, "note") &&
        strcmp(pv_weights_metadata_get(r, "note"), "round \"trip\"") == 0);
  /* every tensor of an 8-aligned file is a view of the mapping */
  for (int i = 0; i < pv_weights_count(r); i++) {
    pv_weights_info info;
    pv_weights_get_info(r, i, &info);
    CHECK(info.zero_copy == 1);
  }
  pv_weights_free(r);

  /* the array form, and a failed save leaves no file */
  const char *names[2] = {"a", "b"};
  pv_tensor *ts[2] = {pv_weights_get(w, "base_t"), pv_weights_get(w, "i8")};
  CHECK_EQ_INT(pv_safetensors_save(q, 2, names, ts), 0);
  CHECK_EQ_INT(pv_weights_load(q, &r), 0);
  CHECK_EQ_INT(pv_weights_count(r), 2);
  pv_tensor *a = pv_weights_get(r, "a"), *ac = pv_tensor_clone(ts[0]);
  CHECK(a && pv_tensor_is_contiguous(a) &&
        memcmp(pv_tensor_data(a), pv_tensor_data(ac), 24 * 4) == 0);
  pv_tensor_release(ac);
  pv_weights_free(r);
  const char *dup[2] = {"a", "a"};
  CHECK(pv_safetensors_save(path_in("dup.safetensors", q, sizeof q), 2, dup,
                            ts) == PV_ERR_INVALID_ARG);
  FILE *f = fopen(q, "rb");
  CHECK(f == NULL);
  if (f)
    fclose(f);
  CHECK(pv_weights_add(w, "", ts[0]) == PV_ERR_INVALID_ARG);
  CHECK(pv_weights_get(w, "missing") == NULL &&
        pv_last_status() == PV_ERR_NOT_FOUND);
  pv_weights_free(w);
}

static void test_hostile(void) {
  char p[1200], line[256];
  FILE *f = fopen(path_in("hostile.txt", p, sizeof p), "r");
  CHECK(f != NULL);
  int n = 0;
  while (f && fgets(line, sizeof line, f)) {
    char name[64], code[32], sub[128];
    if (sscanf(line, "%63s %31s %127[^\n]", name, code, sub) != 3)
      continue;
    pv_weights *w = NULL;
    path_in(name, p, sizeof p);
    int rc = pv_weights_load(p, &w);
    char want[48];
    snprintf(want, sizeof want, "PV_ERR_%s", code);
    if (rc == 0 || w || strcmp(pv_err_name(rc), want) != 0 ||
        !strstr(pv_last_error(), sub) || !strstr(pv_last_error(), name)) {
      fprintf(stderr, "hostile %s: got %s '%s', want %s containing '%s'\n",
              name, pv_err_name(rc), pv_last_error(), want, sub);
      pv_test_failures++;
    }
    pv_weights_free(w);
    n++;
  }
  if (f)
    fclose(f);
  CHECK(n >= 15);
}

static void test_legacy_view(void) {
  char p[1200];
  pv_weights *w = NULL;
  CHECK_EQ_INT(pv_weights_load(path_in("legacy_view.pth", p, sizeof p), &w), 0);
  pv_tensor *v = pv_weights_get(w, "v");
  CHECK(v && pv_tensor_numel(v) == 2);
  if (v) {
    const float *d = pv_tensor_data(v);
    CHECK(d[0] == 3.0f && d[1] == 4.0f);
  }
  pv_weights_free(w);
}

static void test_real(const char *file, int want_count) {
  char p[1200], q[1200], line[512];
  if (!pv_test_data_path(file, p, sizeof p))
    return; /* skip note printed */
  snprintf(q, sizeof q, "%s/real_%s.txt", g_dir, strrchr(file, '/') + 1);
  FILE *f = fopen(q, "r");
  CHECK(f != NULL);
  if (!f)
    return;
  pv_weights *w = NULL;
  CHECK_EQ_INT(pv_weights_load(p, &w), 0);
  CHECK_EQ_INT(pv_weights_count(w), want_count);
  int i = 0;
  while (fgets(line, sizeof line, f)) {
    char name[256], dt[32], shp[128];
    if (sscanf(line, "%255s %31s %127s", name, dt, shp) != 3)
      continue;
    const char *got = pv_weights_name(w, i);
    if (!got || strcmp(got, name) != 0) {
      fprintf(stderr, "%s: entry %d is '%s', torch says '%s'\n", file, i,
              got ? got : "(none)", name);
      pv_test_failures++;
      break;
    }
    pv_tensor *t = pv_weights_tensor(w, i);
    CHECK_EQ_INT(pv_tensor_dtype(t), pv_dtype_from_name(dt));
    char mine[128] = "-";
    size_t o = 0;
    for (int d = 0; d < pv_tensor_ndim(t); d++)
      o += (size_t)snprintf(mine + o, sizeof mine - o, "%s%lld", d ? "," : "",
                            (long long)pv_tensor_shape(t)[d]);
    if (strcmp(mine, shp) != 0) {
      fprintf(stderr, "%s: %s shape %s, torch says %s\n", file, name, mine,
              shp);
      pv_test_failures++;
    }
    i++;
  }
  fclose(f);
  CHECK_EQ_INT(i, want_count);
  printf("%s: %d tensors, names/dtypes/shapes agree with torch\n", file, i);
  pv_weights_free(w);
}

int main(void) {
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  if (!src)
    src = ".";
  snprintf(g_dir, sizeof g_dir, "%s/weights", pv_test_tmpdir());
  const char *data = pv_test_data_dir();
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
           "/usr/bin/python3 %s/tests/weights/gen_weights.py '%s' %s%s%s",
           src, g_dir, data ? "'" : "", data ? data : "",
           data ? "/models'" : "");
  int st = system(cmd);
  if (st != 0 || !WIFEXITED(st)) {
    printf("SKIP: /usr/bin/python3 with torch could not generate the inputs\n");
    return PV_TEST_SKIP;
  }
  read_manifest();
  CHECK(g_n == 18);
  test_file("sd_zip.pth", PV_WEIGHTS_FORMAT_TORCH_ZIP, 1);
  test_file("sd_legacy.pth", PV_WEIGHTS_FORMAT_TORCH_LEGACY, -1);
  test_file("sd_p4_zip.pth", PV_WEIGHTS_FORMAT_TORCH_ZIP, 1);
  test_file("sd_p4_legacy.pth", PV_WEIGHTS_FORMAT_TORCH_LEGACY, -1);
  test_file("sd_deflate.pth", PV_WEIGHTS_FORMAT_TORCH_ZIP, 0);
  test_file("sd.safetensors", PV_WEIGHTS_FORMAT_SAFETENSORS, 1);
  test_wrapped("wrap_zip.pth");
  test_wrapped("wrap_legacy.pth");
  test_roundtrip();
  test_hostile();
  test_legacy_view();
  if (!data)
    printf("note: shared data absent, real checkpoints not tested\n");
  test_real("models/ultraface-version-RFB-320.pth", 244);
  test_real("models/cifar10_resnet20-12fca82f.th", 97);
  return pv_test_finish("test_weights");
}
