/* polyvis transform IMAGE_OR_NPY -o OUT.npy (--pipeline SPEC | --preset P)
 * Applies a torchvision-style transforms pipeline and writes a .npy. */
#include "cli.h"

#include <polyvis/transforms.h>
#include <strings.h>

#if defined(__has_include)
#if __has_include(<polyvis/image.h>)
#include <polyvis/image.h>
#define PV_CLI_HAVE_IMAGE 1
#endif
#endif

static void help(FILE *f) {
  fprintf(
      f,
      "usage: polyvis transform INPUT -o OUT.npy --pipeline SPEC [options]\n"
      "       polyvis transform INPUT -o OUT.npy --preset imagenet "
      "[--resize 256]\n"
      "                         [--crop 224] [--interpolation bilinear] "
      "[--antialias]\n\n"
      "Applies torchvision transforms (numerically identical to torchvision "
      "0.14.1)\nto INPUT and writes the result as .npy. INPUT is a .npy "
      "tensor, CHW or NCHW,\nuint8/uint16/float16/float32 (the output keeps "
      "its rank)%s.\n\n"
      "  --pipeline SPEC   ops separated by '|', e.g.\n"
      "                    'resize(256, bilinear, antialias=true) | "
      "center_crop(224) |\n"
      "                     to_dtype(float32, scale=true) | "
      "normalize(imagenet)'\n"
      "                    (see docs/transforms.md for every op)\n"
      "  --preset NAME     imagenet (ImageClassification), segmentation "
      "(SemanticSegmentation),\n"
      "                    detection (ObjectDetection)\n"
      "  --resize N        preset resize size (imagenet 256, segmentation "
      "520)\n"
      "  --crop N          preset crop size (imagenet 224)\n"
      "  --interpolation M nearest, nearest_exact, bilinear (default), "
      "bicubic\n"
      "  --antialias / --no-antialias\n"
      "                    antialiased resize (default on, as torchvision >= "
      "0.17;\n"
      "                    --no-antialias reproduces 0.14.1's tensor "
      "presets)\n"
      "  --exif            apply the EXIF orientation when decoding an image\n"
      "  --seed N          seed for the random ops (random_crop, color_jitter, "
      "...);\n"
      "                    without it they draw from a clock-seeded state\n"
      "  --device D        run the preprocessing set (resize, crops, pad, "
      "flips,\n"
      "                    normalize, to_dtype, grayscale) on device D as "
      "graph ops;\n"
      "                    other pipelines run on the CPU\n"
      "  --print           print the canonical pipeline and exit\n"
      "  --json            print one JSON document describing the result\n",
#ifdef PV_CLI_HAVE_IMAGE
      ", or an image file (decoded to uint8 RGB CHW)"
#else
      "; image files need the io module, not in this build"
#endif
  );
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcasecmp(s + a - b, suf);
}

static int parse_interp(const char *s) {
  if (!strcasecmp(s, "nearest"))
    return PV_RESIZE_NEAREST;
  if (!strcasecmp(s, "nearest_exact") || !strcasecmp(s, "nearest-exact"))
    return PV_RESIZE_NEAREST_EXACT;
  if (!strcasecmp(s, "bilinear"))
    return PV_RESIZE_BILINEAR;
  if (!strcasecmp(s, "bicubic"))
    return PV_RESIZE_BICUBIC;
  return -1;
}

static int parse_pos(const char *s, long long *v) {
  char *e;
  *v = strtoll(s, &e, 10);
  return *e == 0 && *v > 0;
}

static int run(int argc, char **argv) {
  const char *input = NULL, *output = NULL, *spec = NULL, *preset = NULL;
  const char *device = NULL;
  long long resize = 0, crop = 0, seed = 0;
  int have_seed = 0;
  int interp = PV_RESIZE_BILINEAR, antialias = 1, exif = 0, json = 0;
  int print = 0, verbose = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (pv_cli_common_flag(argc, argv, &i, &device, &verbose))
      continue;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has)
      output = argv[++i];
    else if (!strcmp(a, "--pipeline") && has)
      spec = argv[++i];
    else if (!strcmp(a, "--preset") && has)
      preset = argv[++i];
    else if (!strcmp(a, "--resize") && has) {
      if (!parse_pos(argv[++i], &resize))
        return pv_cli_usage("transform", "--resize needs a positive integer");
    } else if (!strcmp(a, "--crop") && has) {
      if (!parse_pos(argv[++i], &crop))
        return pv_cli_usage("transform", "--crop needs a positive integer");
    } else if (!strcmp(a, "--interpolation") && has) {
      interp = parse_interp(argv[++i]);
      if (interp < 0)
        return pv_cli_usage("transform", "unknown interpolation '%s'", argv[i]);
    } else if (!strcmp(a, "--antialias"))
      antialias = 1;
    else if (!strcmp(a, "--no-antialias"))
      antialias = 0;
    else if (!strcmp(a, "--exif"))
      exif = 1;
    else if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--print"))
      print = 1;
    else if (!strcmp(a, "--seed") && has) {
      char *e;
      seed = strtoll(argv[++i], &e, 10);
      if (*e || e == argv[i])
        return pv_cli_usage("transform", "--seed needs an integer");
      have_seed = 1;
    } else if (a[0] == '-' && a[1])
      return pv_cli_usage("transform", "unknown option '%s'", a);
    else if (!input)
      input = a;
    else
      return pv_cli_usage("transform", "unexpected argument '%s'", a);
  }
  if (!!spec + !!preset != 1)
    return pv_cli_usage("transform", "give exactly one of --pipeline SPEC or "
                                     "--preset NAME");
  pv_pipeline *p = NULL;
  if (spec) {
    if (pv_pipeline_parse(spec, &p))
      return pv_cli_usage("transform", "%s", pv_last_error());
  } else if (!strcasecmp(preset, "imagenet") ||
             !strcasecmp(preset, "classification")) {
    p = pv_preset_image_classification(resize ? resize : 256, crop ? crop : 224,
                                       NULL, NULL, interp, antialias);
  } else if (!strcasecmp(preset, "segmentation")) {
    p = pv_preset_semantic_segmentation(resize ? resize : 520, NULL, NULL,
                                        interp, antialias);
  } else if (!strcasecmp(preset, "detection")) {
    p = pv_preset_object_detection();
  } else
    return pv_cli_usage("transform",
                        "unknown preset '%s' (imagenet, segmentation, "
                        "detection)",
                        preset);
  if (!p)
    return pv_cli_fail("transform", "preset");
  if (print) {
    char buf[4096];
    pv_pipeline_describe(p, buf, sizeof buf);
    printf("%s\n", buf);
    pv_pipeline_free(p);
    return PV_EXIT_OK;
  }
  if (!input || !output) {
    pv_pipeline_free(p);
    return pv_cli_usage("transform", "need INPUT and -o OUT.npy");
  }
  pv_tensor *in = NULL;
  if (ends_with(input, ".npy"))
    in = pv_npy_load(input);
  else {
#ifdef PV_CLI_HAVE_IMAGE
    in = pv_read_image(input, PV_IMAGE_RGB,
                       exif ? PV_DECODE_EXIF_ORIENTATION : 0u);
#else
    (void)exif;
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "%s: image input needs the io module, which this build "
                 "lacks; give a .npy tensor",
                 input);
#endif
  }
  if (!in) {
    pv_pipeline_free(p);
    return pv_cli_fail("transform", input);
  }
  pv_tensor *out;
  /* a device other than the CPU runs the device-executed set as graph ops;
   * random and colour ops have CPU kernels only */
  const char *ran_on = "cpu";
  int on_dev = device && strcmp(device, "cpu") &&
               pv_pipeline_supported_on_device(p) &&
               (pv_tensor_dtype(in) == PV_U8 || pv_tensor_dtype(in) == PV_F32);
  if (on_dev) {
    out = pv_pipeline_run_on_device(p, in, 0, device, -1);
    ran_on = device;
  } else if (have_seed) {
    pv_rng rng;
    pv_rng_seed(&rng, (uint64_t)seed);
    out = pv_pipeline_run_rng(p, in, &rng);
  } else
    out = pv_pipeline_run(p, in);
  pv_pipeline_free(p);
  pv_tensor_release(in);
  if (!out)
    return pv_cli_fail("transform", "pipeline");
  if (pv_npy_save(out, output)) {
    pv_tensor_release(out);
    return pv_cli_fail("transform", output);
  }
  if (json) {
    printf("{\"output\":");
    pv_cli_json_str(stdout, output);
    printf(",\"dtype\":\"%s\",\"shape\":[",
           pv_dtype_name(pv_tensor_dtype(out)));
    for (int i = 0; i < pv_tensor_ndim(out); i++)
      printf("%s%lld", i ? "," : "", (long long)pv_tensor_shape(out)[i]);
    printf("],\"device\":");
    pv_cli_json_str(stdout, ran_on);
    printf("}\n");
  } else if (verbose) {
    fprintf(stderr, "wrote %s\n", output);
  }
  pv_tensor_release(out);
  return PV_EXIT_OK;
}

const pv_cli_command pv_cmd_transform = {
    "transform", "apply a transforms pipeline to an image or .npy", run, help};
