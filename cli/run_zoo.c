/* `polyvis run --model NAME`: a torchvision zoo architecture on a .npy
 * tensor, the parity entry point. Built as get_model(NAME, weights=None)
 * would be; num_classes comes from the checkpoint's classifier, auxiliary
 * heads are ignored, and transform_input is on only for recognised
 * official checkpoints or with --option transform_input=true. */
#include "run_zoo.h"
#include "cli.h"

#include <polyvis/models.h>
#include <strings.h>

static int parse_bool(const char *v, int *out) {
  if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
    *out = 1;
  else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
    *out = 0;
  else
    return -1;
  return 0;
}

static int parse_int(const char *v, int64_t *out) {
  char *end;
  long long x = strtoll(v, &end, 10);
  if (!*v || *end || x <= 0 || x > 1000000)
    return -1;
  *out = x;
  return 0;
}

int pv__cli_run_zoo(const pv__cli_zoo_args *a) {
  pv_model_options mo = pv_model_options_default();
  for (int i = 0; i < a->n_options; i++) {
    const char *kv = a->options[i], *eq = strchr(kv, '=');
    if (!eq)
      return pv_cli_usage("run", "--option takes KEY=VALUE, got '%s'", kv);
    size_t kl = (size_t)(eq - kv);
    const char *v = eq + 1;
    int64_t n;
    int b;
    if (kl == 11 && !strncmp(kv, "num_classes", kl) && !parse_int(v, &n))
      mo.num_classes = (int)n;
    else if (kl == 15 && !strncmp(kv, "transform_input", kl) &&
             !parse_bool(v, &b))
      mo.transform_input = b;
    else if (kl == 10 && !strncmp(kv, "image_size", kl) && !parse_int(v, &n))
      mo.image_size = n;
    else
      return pv_cli_usage("run",
                          "unknown or bad option '%s' (num_classes=N, "
                          "transform_input=true|false, image_size=N)",
                          kv);
  }
  if (a->n_inputs != 1)
    return pv_cli_usage("run", "a zoo model takes exactly one --input X.npy");
  if (!a->output)
    return pv_cli_usage("run", "a zoo model writes one --output Y.npy");
  pv_model *m = pv_model_create(a->name, &mo);
  if (!m)
    return pv_cli_fail("run", "cannot create the model");
  int rc = PV_EXIT_ERROR;
  pv_tensor *x = NULL, *y = NULL;
  if (a->weights && pv_model_load_weights(m, a->weights)) {
    pv_cli_fail("run", a->weights);
    goto done;
  }
  pv_compile_options co = pv_compile_options_default();
  co.device = a->device;
  if (pv_model_compile(m, &co)) {
    pv_cli_fail("run", "cannot compile the model");
    goto done;
  }
  const char *in = a->inputs[0], *eq = strchr(in, '=');
  if (eq && !strstr(in, ".npy=")) /* NAME=X.npy: the one input */
    in = eq + 1;
  x = pv_npy_load(in);
  if (!x) {
    pv_cli_fail("run", in);
    goto done;
  }
  if (pv_tensor_dtype(x) != PV_F32) {
    pv_tensor *c = pv_tensor_cast(x, PV_F32);
    pv_tensor_release(x);
    x = c;
  }
  if (!x || pv_model_forward(m, x, &y)) {
    pv_cli_fail("run", "forward failed");
    goto done;
  }
  if (pv_tensor_device(y)) {
    pv_tensor *h = pv_tensor_to(y, NULL);
    pv_tensor_release(y);
    y = h;
  }
  if (!y || pv_npy_save(y, a->output)) {
    pv_cli_fail("run", "cannot write the output");
    goto done;
  }
  if (a->json) {
    printf("{\"model\":");
    pv_cli_json_str(stdout, a->name);
    printf(",\"device\":");
    pv_cli_json_str(stdout, pv_device_name(pv_model_device(m)));
    printf(",\"num_classes\":%d,\"output\":", pv_model_num_classes(m));
    pv_cli_json_str(stdout, a->output);
    printf(",\"shape\":[");
    for (int i = 0; i < pv_tensor_ndim(y); i++)
      printf("%s%lld", i ? "," : "", (long long)pv_tensor_dim(y, i));
    printf("]}\n");
  }
  rc = PV_EXIT_OK;
done:
  pv_tensor_release(x);
  pv_tensor_release(y);
  pv_model_free(m);
  return rc;
}
