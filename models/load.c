/* pv_model_load_weights: reads a state_dict through the weights module and
 * hands every tensor to pv_model_set_param. */
#include "models_internal.h"

int pv__model_set_weights_file(pv_model *m, const char *path);

#if __has_include(<polyvis/weights.h>)
#include <polyvis/weights.h>

int pv_model_load_weights(pv_model *m, const char *path) {
  if (!m || !path)
    return pv_set_error(PV_ERR_INVALID_ARG, "load_weights: NULL argument");
  pv_weights *w = NULL;
  int rc = pv_weights_load(path, &w);
  if (rc)
    return rc;
  int n = pv_weights_count(w);
  for (int i = 0; i < n && !rc; i++)
    rc = pv_model_set_param(m, pv_weights_name(w, i),
                            pv_weights_get(w, pv_weights_name(w, i)));
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
