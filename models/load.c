/* pv_model_load_weights: reads a state_dict through the weights module and
 * hands every tensor to pv_model_set_param. */
#include "models_internal.h"

int pv__model_set_weights_file(pv_model *m, const char *path);

#if __has_include(<polyvis/weights.h>)
#include <polyvis/weights.h>

#include <ctype.h>
#include <stdio.h>

/* DenseNet checkpoints saved before torchvision 0.3 name the layers of a
 * dense layer "norm.1"/"conv.2"; torchvision's _load_state_dict rewrites
 * `(.*denselayer\d+\.(?:norm|relu|conv))\.([12]\.(?:weight|bias|
 * running_mean|running_var))` to "\1\2", and so do we. Returns 1 and the
 * new key in out when the key is an old-style one. */
static int densenet_remap(const char *key, char *out, size_t n) {
  const char *d = strstr(key, "denselayer");
  if (!d)
    return 0;
  const char *p = d + 10;
  if (!isdigit((unsigned char)*p))
    return 0;
  while (isdigit((unsigned char)*p))
    p++;
  if (*p++ != '.')
    return 0;
  size_t w;
  if (!strncmp(p, "norm.", 5) || !strncmp(p, "relu.", 5) ||
      !strncmp(p, "conv.", 5))
    w = 4;
  else
    return 0;
  const char *q = p + w + 1;
  if ((q[0] != '1' && q[0] != '2') || q[1] != '.')
    return 0;
  const char *leaf = q + 2;
  if (strcmp(leaf, "weight") && strcmp(leaf, "bias") &&
      strcmp(leaf, "running_mean") && strcmp(leaf, "running_var"))
    return 0;
  int len = snprintf(out, n, "%.*s%c.%s", (int)(p + w - key), key, q[0], leaf);
  return len > 0 && (size_t)len < n;
}

int pv_model_load_weights(pv_model *m, const char *path) {
  if (!m || !path)
    return pv_set_error(PV_ERR_INVALID_ARG, "load_weights: NULL argument");
  pv_weights *w = NULL;
  int rc = pv_weights_load(path, &w);
  if (rc)
    return rc;
  int n = pv_weights_count(w);
  int dense = !strncmp(pv_model_get_name(m), "densenet", 8);
  for (int i = 0; i < n && !rc; i++) {
    const char *key = pv_weights_name(w, i);
    char nk[1024];
    rc = pv_model_set_param(
        m, dense && densenet_remap(key, nk, sizeof nk) ? nk : key,
        pv_weights_get(w, key));
  }
  pv_weights_free(w);
  if (!rc)
    pv__model_set_weights_file(m, path);
  return rc;
}
#else
int pv_model_load_weights(pv_model *m, const char *path) {
  return pv_set_error(PV_ERR_UNSUPPORTED,
                      "%s: this build has no weights loader", path);
}
#endif
