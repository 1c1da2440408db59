/* polyvis run --model FILE.onnx --input [NAME=]X.npy ...
 *             (--output Y.npy | --output-dir DIR) [--device D] [--json] */
#include "cli.h"
#include "run_zoo.h"

#include <errno.h>
#include <polyvis/models.h>
#include <polyvis/onnx.h>
#include <sys/stat.h>
#include <unistd.h>

/* The graph runtime (core/graph/graph.c) lands separately; until it is in
 * the tree these are weak references and `run` reports that it is missing. */
#if defined(__has_include)
#if !__has_include("../core/graph/graph.c")
#define PV__RUN_WEAK_GRAPH 1
#pragma weak pv_graph_free
#pragma weak pv_graph_compile
#pragma weak pv_compile_options_default
#pragma weak pv_compiled_run
#pragma weak pv_compiled_free
#pragma weak pv_compiled_device
#endif
#endif

#define MAX_IO 64

static void help(FILE *f) {
  fprintf(
      f, "usage: polyvis run --model FILE.onnx --input [NAME=]X.npy ...\n"
         "                   (--output Y.npy | --output-dir DIR)\n"
         "                   [--device D] [--no-fallback] [--precision P] "
         "[--json] [-v]\n"
         "       polyvis run --model NAME [--weights W.pth] --input X.npy "
         "--output Y.npy\n"
         "                   [--option KEY=VALUE]... [--device D] ...\n\n"
         "Runs an ONNX model, or a torchvision zoo architecture by name "
         "(resnet50),\n"
         "on .npy inputs and writes its outputs as .npy (zoo models: the f32\n"
         "logits before softmax). A zoo model is built as\n"
         "torchvision.models.get_model(NAME, weights=None): num_classes from "
         "the\n"
         "checkpoint's classifier, auxiliary heads ignored, transform_input "
         "only\n"
         "for official checkpoints. Options: num_classes=N,\n"
         "transform_input=true|false, image_size=N (ViT). --list prints the "
         "zoo.\n"
         "  --input [NAME=]X.npy  binds X to graph input NAME; without NAME=,\n"
         "                        inputs bind to the graph inputs in order.\n"
         "                        Inputs are converted to the dtype the model\n"
         "                        declares; their shapes pin dynamic dims.\n"
         "  --output Y.npy        the output, for a model with one output\n"
         "  --output-dir DIR      one <output name>.npy per output, every "
         "char\n"
         "                        outside [A-Za-z0-9_.-] replaced by '_'\n"
         "  --device D            device name or 'auto' (see polyvis "
         "devices)\n"
         "  --json                print one JSON document describing the "
         "outputs\n"
         "Outputs are written in the dtype the model declares.\n");
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcmp(s + n - k, suf);
}

static void sanitize(const char *in, char *out, size_t n) {
  size_t i = 0;
  for (; in[i] && i + 1 < n; i++) {
    char c = in[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    out[i] = ok ? c : '_';
  }
  out[i] = 0;
  if (!strcmp(out, ".") || !strcmp(out, "..") || !out[0])
    snprintf(out, n, "output_%s", in[0] ? "dots" : "unnamed");
}

static int mkdirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void print_shape_json(const pv_tensor *t) {
  printf("[");
  for (int i = 0; i < pv_tensor_ndim(t); i++)
    printf("%s%lld", i ? "," : "", (long long)pv_tensor_shape(t)[i]);
  printf("]");
}

static int run(int argc, char **argv) {
  const char *model = NULL, *output = NULL, *outdir = NULL, *device = NULL;
  const char *in_args[MAX_IO], *options[MAX_IO], *weights = NULL;
  int n_in_args = 0, n_options = 0, json = 0, verbose = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--list")) { /* the zoo's architectures */
      for (int k = 0; k < pv_model_count(); k++)
        printf("%s\n", pv_model_name(k));
      return PV_EXIT_OK;
    }
    if (!strcmp(a, "--model") && i + 1 < argc)
      model = argv[++i];
    else if (!strcmp(a, "--input") && i + 1 < argc) {
      if (n_in_args == MAX_IO)
        return pv_cli_usage("run", "too many --input (max %d)", MAX_IO);
      in_args[n_in_args++] = argv[++i];
    } else if (!strcmp(a, "--output") && i + 1 < argc)
      output = argv[++i];
    else if (!strcmp(a, "--weights") && i + 1 < argc)
      weights = argv[++i];
    else if (!strcmp(a, "--option") && i + 1 < argc) {
      if (n_options == MAX_IO)
        return pv_cli_usage("run", "too many --option (max %d)", MAX_IO);
      options[n_options++] = argv[++i];
    } else if (!strcmp(a, "--output-dir") && i + 1 < argc)
      outdir = argv[++i];
    else if (!strcmp(a, "--json"))
      json = 1;
    else if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    else
      return pv_cli_usage("run", "unknown or incomplete option '%s'", a);
  }
  if (!model)
    return pv_cli_usage("run", "--model is required");
  if (!!output == !!outdir)
    return pv_cli_usage("run", "give exactly one of --output and --output-dir");
  if (!ends_with(model, ".onnx")) { /* a zoo architecture by name */
    pv__cli_zoo_args za = {model,     weights, output,    device, in_args,
                           n_in_args, options, n_options, json};
    return pv__cli_run_zoo(&za);
  }
  if (weights || n_options)
    return pv_cli_usage("run", "--weights and --option are for zoo models");

  pv_onnx_model *m = pv_onnx_model_load(model);
  if (!m)
    return pv_cli_fail("run", "cannot load the model");
  int nin = pv_onnx_model_num_inputs(m), nout = pv_onnx_model_num_outputs(m);
  int rc = PV_EXIT_ERROR;
  pv_tensor *inputs[MAX_IO] = {0}, *outputs[MAX_IO] = {0};
  char paths[MAX_IO][1024];
  int n_written = 0;
  pv_graph *g = NULL;
  pv_compiled *c = NULL;
  if (nin > MAX_IO || nout > MAX_IO) {
    fprintf(stderr, "polyvis run: model has too many inputs or outputs\n");
    goto done;
  }
  if (output && nout != 1) {
    pv_onnx_model_free(m);
    return pv_cli_usage("run",
                        "the model has %d outputs: use --output-dir instead "
                        "of --output",
                        nout);
  }
  if (n_in_args != nin) {
    fprintf(stderr, "polyvis run: the model has %d inputs, %d given\n", nin,
            n_in_args);
    goto done;
  }
  /* Bind: NAME=FILE by name, the rest in order. */
  int next = 0;
  for (int k = 0; k < n_in_args; k++) {
    const char *arg = in_args[k], *eq = strchr(arg, '='), *file = arg;
    int slot = -1;
    if (eq && eq != arg) {
      size_t len = (size_t)(eq - arg);
      for (int j = 0; j < nin; j++) {
        const char *nm = pv_onnx_model_input_name(m, j);
        if (strlen(nm) == len && !strncmp(nm, arg, len))
          slot = j;
      }
      if (slot < 0 && access(arg, F_OK) != 0) {
        fprintf(stderr, "polyvis run: the model has no input named '%.*s'\n",
                (int)len, arg);
        goto done;
      }
      if (slot >= 0)
        file = eq + 1;
    }
    if (slot < 0) {
      while (next < nin && inputs[next])
        next++;
      slot = next;
    }
    if (slot >= nin || inputs[slot]) {
      fprintf(stderr, "polyvis run: input '%s' is bound twice\n",
              pv_onnx_model_input_name(m, slot < nin ? slot : 0));
      goto done;
    }
    pv_tensor *t = pv_npy_load(file);
    if (!t) {
      pv_cli_fail("run", "cannot read an input");
      goto done;
    }
    pv_tensor_desc want;
    if (pv_onnx_model_input_desc(m, slot, &want) == 0 &&
        want.dtype != (int)pv_tensor_dtype(t)) {
      pv_tensor *cv = pv_tensor_cast(t, (pv_dtype)want.dtype);
      pv_tensor_release(t);
      if (!(t = cv)) {
        pv_cli_fail("run", "cannot convert an input");
        goto done;
      }
    }
    inputs[slot] = t;
  }
  pv_onnx_input_shape pins[MAX_IO];
  for (int j = 0; j < nin; j++) {
    pins[j].name = pv_onnx_model_input_name(m, j);
    pins[j].ndim = pv_tensor_ndim(inputs[j]);
    memcpy(pins[j].shape, pv_tensor_shape(inputs[j]),
           sizeof(int64_t) * (size_t)pins[j].ndim);
  }
  pv_onnx_options o = pv_onnx_options_default();
  o.input_shapes = pins;
  o.n_input_shapes = nin;
  if (pv_onnx_import_model(m, &o, &g, NULL)) {
    pv_cli_fail("run", "cannot import the model");
    goto done;
  }
#ifdef PV__RUN_WEAK_GRAPH
  if (!pv_graph_compile) {
    fprintf(stderr, "polyvis run: this build has no graph runtime\n");
    goto done;
  }
#endif
  pv_compile_options co = pv_compile_options_default();
  co.device = device;
  co.verbose = verbose;
  if (!(c = pv_graph_compile(g, &co))) {
    pv_cli_fail("run", "cannot compile the model");
    goto done;
  }
  if (pv_compiled_run(c, nin, inputs, nout, outputs)) {
    pv_cli_fail("run", "inference failed");
    goto done;
  }
  /* Output paths, checked for collisions before anything is written. */
  for (int k = 0; k < nout; k++) {
    if (output) {
      snprintf(paths[k], sizeof paths[k], "%s", output);
      continue;
    }
    char nm[1024];
    sanitize(pv_onnx_model_output_name(m, k), nm, sizeof nm);
    snprintf(paths[k], sizeof paths[k], "%s/%s.npy", outdir, nm);
    for (int j = 0; j < k; j++)
      if (!strcmp(paths[j], paths[k])) {
        fprintf(stderr, "polyvis run: outputs '%s' and '%s' both map to %s\n",
                pv_onnx_model_output_name(m, j),
                pv_onnx_model_output_name(m, k), paths[k]);
        goto done;
      }
  }
  if (outdir && mkdirs(outdir) != 0) {
    fprintf(stderr, "polyvis run: cannot create %s: %s\n", outdir,
            strerror(errno));
    goto done;
  }
  for (int k = 0; k < nout; k++) {
    pv_tensor *h = pv_tensor_to(outputs[k], NULL);
    pv_tensor_desc want;
    if (h && pv_onnx_model_output_desc(m, k, &want) == 0 &&
        want.dtype != (int)pv_tensor_dtype(h)) {
      pv_tensor *cv = pv_tensor_cast(h, (pv_dtype)want.dtype);
      pv_tensor_release(h);
      h = cv;
    }
    int wr = h ? pv_npy_save(h, paths[k]) : pv_last_status();
    pv_tensor_release(outputs[k]);
    outputs[k] = h;
    if (wr) {
      pv_cli_fail("run", "cannot write an output");
      goto done;
    }
    n_written++;
  }
  if (json) {
    printf("{\"model\":");
    pv_cli_json_str(stdout, model);
    printf(",\"device\":");
    pv_cli_json_str(stdout, pv_device_name(pv_compiled_device(c)));
    printf(",\"outputs\":[");
    for (int k = 0; k < nout; k++) {
      printf("%s{\"name\":", k ? "," : "");
      pv_cli_json_str(stdout, pv_onnx_model_output_name(m, k));
      printf(",\"file\":");
      pv_cli_json_str(stdout, paths[k]);
      printf(",\"dtype\":");
      pv_cli_json_str(stdout, pv_dtype_name(pv_tensor_dtype(outputs[k])));
      printf(",\"shape\":");
      print_shape_json(outputs[k]);
      printf("}");
    }
    printf("]}\n");
  } else if (verbose) {
    for (int k = 0; k < nout; k++)
      fprintf(stderr, "wrote %s\n", paths[k]);
  }
  rc = PV_EXIT_OK;
done:
  if (rc != PV_EXIT_OK) /* no partial results */
    for (int k = 0; k < n_written; k++)
      unlink(paths[k]);
  for (int k = 0; k < MAX_IO; k++) {
    pv_tensor_release(inputs[k]);
    pv_tensor_release(outputs[k]);
  }
  if (c)
    pv_compiled_free(c);
  if (g)
    pv_graph_free(g);
  pv_onnx_model_free(m);
  return rc;
}

const pv_cli_command pv_cmd_run = {"run", "run an ONNX model on .npy inputs",
                                   run, help};
