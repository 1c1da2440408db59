/* Pixel parity of draw_bounding_boxes (widths 1-4, fill, gray input, label
 * text), draw_segmentation_masks, draw_keypoints, make_grid and save_image
 * with torchvision 0.14.1, on seeded inputs generated at test time by
 * draw_goldens.py. Skips (77) without /usr/bin/python3 + torchvision. */
#include "testutil.h"

#include <polyvis/draw.h>
#include <polyvis/image.h>

static char gold[512];

static pv_tensor *load(const char *name) {
  char p[700];
  snprintf(p, sizeof p, "%s/%s", gold, name);
  pv_tensor *t = pv_npy_load(p);
  if (!t)
    fprintf(stderr, "cannot load %s: %s\n", p, pv_last_error());
  return t;
}

static int compare(const char *what, const char *line, const pv_tensor *got,
                   const pv_tensor *want) {
  if (!got || !want) {
    fprintf(stderr, "%s: %s: no result (%s)\n", what, line, pv_last_error());
    return 0;
  }
  if (pv_tensor_dtype(got) != pv_tensor_dtype(want) ||
      pv_tensor_numel(got) != pv_tensor_numel(want) ||
      pv_tensor_ndim(got) != pv_tensor_ndim(want)) {
    fprintf(stderr, "%s: %s: dtype/shape differ (numel %lld vs %lld)\n", what,
            line, (long long)pv_tensor_numel(got),
            (long long)pv_tensor_numel(want));
    return 0;
  }
  for (int i = 0; i < pv_tensor_ndim(got); i++)
    if (pv_tensor_shape(got)[i] != pv_tensor_shape(want)[i]) {
      fprintf(stderr, "%s: %s: shape differs at dim %d\n", what, line, i);
      return 0;
    }
  if (memcmp(pv_tensor_data(got), pv_tensor_data(want),
             pv_tensor_nbytes(got)) != 0) {
    int64_t bad = 0, first = -1, n = pv_tensor_numel(got);
    size_t es = pv_dtype_size(pv_tensor_dtype(got));
    for (int64_t i = 0; i < n; i++)
      if (memcmp((const char *)pv_tensor_data(got) + i * es,
                 (const char *)pv_tensor_data(want) + i * es, es)) {
        bad++;
        if (first < 0)
          first = i;
      }
    int64_t hw = pv_tensor_ndim(got) == 3
                     ? pv_tensor_dim(got, 1) * pv_tensor_dim(got, 2)
                     : 1;
    int64_t wd = pv_tensor_ndim(got) == 3 ? pv_tensor_dim(got, 2) : 1;
    fprintf(stderr,
            "%s: %s: %lld of %lld values differ (first: c%lld y%lld x%lld)\n",
            what, line, (long long)bad, (long long)n, (long long)(first / hw),
            (long long)(first % hw / wd), (long long)(first % wd));
    return 0;
  }
  return 1;
}

static pv_color *colors_of(const char *name, int *n) {
  *n = 0;
  if (!strcmp(name, "-"))
    return NULL;
  pv_tensor *t = load(name);
  if (!t)
    return NULL;
  *n = (int)(pv_tensor_numel(t) / 3); /* [N, 3] or one [3] colour */
  pv_color *c = malloc(sizeof(pv_color) * (size_t)(*n));
  memcpy(c, pv_tensor_data(t), sizeof(pv_color) * (size_t)(*n));
  pv_tensor_release(t);
  return c;
}

int main(void) {
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  snprintf(gold, sizeof gold, "%s/draw", pv_test_tmpdir());
  char cmd[1200];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import torchvision' 2>/dev/null && "
           "/usr/bin/python3 '%s/tests/draw/draw_goldens.py' '%s' >/dev/null",
           src ? src : ".", gold);
  if (system(cmd) != 0) {
    printf("SKIP: /usr/bin/python3 with torchvision 0.14.1 needed for the "
           "goldens\n");
    return PV_TEST_SKIP;
  }
  char mpath[600];
  snprintf(mpath, sizeof mpath, "%s/manifest.txt", gold);
  FILE *f = fopen(mpath, "r");
  CHECK(f != NULL);
  if (!f)
    return pv_test_finish("test_draw_parity");
  char line[1024];
  int ok = 0, total = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char kind[16], a[64], b[64], c[64], d[64], e[64], l1[64], l2[64];
    char labels[512];
    int i1, i2, i3, i4;
    double x1, x2;
    pv_tensor *got = NULL, *want = NULL;
    if (sscanf(line, "%15s", kind) != 1)
      continue;
    total++;
    if (!strcmp(kind, "boxes") &&
        sscanf(line, "%*s %63s %63s %63s %63s %d %d %255s", a, b, c, d, &i1,
               &i2, labels) == 7) {
      pv_tensor *img = load(a), *bx = load(b);
      pv_draw_boxes_options o = {0};
      pv_color *cols = colors_of(c, &o.n_colors);
      o.colors = cols;
      o.width = i1;
      o.fill = i2;
      const char *lab[16] = {0};
      char *save = NULL;
      if (strcmp(labels, "-")) {
        int k = 0;
        for (char *t = strtok_r(labels, "|", &save); t && k < 16;
             t = strtok_r(NULL, "|", &save))
          lab[k++] = t;
        o.labels = lab;
      }
      got = pv_draw_bounding_boxes(img, bx, &o);
      want = load(d);
      free(cols);
      pv_tensor_release(img);
      pv_tensor_release(bx);
    } else if (!strcmp(kind, "masks") &&
               sscanf(line, "%*s %63s %63s %63s %63s %lf", a, b, c, d, &x1) ==
                   5) {
      pv_tensor *img = load(a), *mk = load(b);
      int nc;
      pv_color *cols = colors_of(c, &nc);
      got = pv_draw_segmentation_masks(img, mk, x1, cols, nc);
      want = load(d);
      free(cols);
      pv_tensor_release(img);
      pv_tensor_release(mk);
    } else if (!strcmp(kind, "kpts") &&
               sscanf(line, "%*s %63s %63s %63s %63s %63s %d %d", a, b, c, d, e,
                      &i1, &i2) == 7) {
      pv_tensor *img = load(a), *kp = load(b), *conn = load(c);
      int nc;
      pv_color *col = colors_of(d, &nc);
      got = pv_draw_keypoints(img, kp, (const int *)pv_tensor_data(conn),
                              (int)pv_tensor_dim(conn, 0), col, i1, i2);
      want = load(e);
      free(col);
      pv_tensor_release(img);
      pv_tensor_release(kp);
      pv_tensor_release(conn);
    } else if (!strcmp(kind, "grid") &&
               sscanf(line, "%*s %63s %63s %d %d %d %63s %63s %d %lf", a, b,
                      &i1, &i2, &i3, l1, l2, &i4, &x2) == 9) {
      pv_tensor *x = load(a);
      pv_make_grid_options o;
      pv_make_grid_options_default(&o);
      o.nrow = i1;
      o.padding = i2;
      o.normalize = i3;
      o.scale_each = i4;
      o.pad_value = (float)x2;
      if (strcmp(l1, "-")) {
        o.has_value_range = 1;
        o.value_range[0] = (float)atof(l1);
        o.value_range[1] = (float)atof(l2);
      }
      got = pv_make_grid(x, &o);
      want = load(b);
      pv_tensor_release(x);
    } else if (!strcmp(kind, "save") &&
               sscanf(line, "%*s %63s %511s %d %d", a, labels, &i1, &i2) == 4) {
      pv_tensor *x = load(a);
      pv_make_grid_options o;
      pv_make_grid_options_default(&o);
      o.nrow = i1;
      o.padding = i2;
      char p[700];
      snprintf(p, sizeof p, "%s/ours_%s.png", gold, a);
      CHECK(pv_save_image(x, p, &o) == 0);
      got = pv_read_image(p, PV_IMAGE_RGB, 0);
      want = pv_read_image(labels, PV_IMAGE_RGB, 0);
      pv_tensor_release(x);
    } else {
      fprintf(stderr, "bad manifest line: %s\n", line);
      pv_test_failures++;
      continue;
    }
    if (compare(kind, line, got, want))
      ok++;
    else
      pv_test_failures++;
    pv_tensor_release(got);
    pv_tensor_release(want);
  }
  fclose(f);
  printf("test_draw_parity: %d of %d cases pixel-exact\n", ok, total);
  CHECK(total > 50);
  return pv_test_finish("test_draw_parity");
}
