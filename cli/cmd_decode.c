/* polyvis decode IMAGE -o OUT.npy [--mode M] [--exif] [--json] */
#include "cli.h"

#include <polyvis/image.h>

static void help(FILE *f) {
  fprintf(f,
          "usage: polyvis decode IMAGE -o OUT.npy [--mode MODE] [--exif] "
          "[--json]\n\n"
          "Decodes a JPEG, PNG or WebP file to a CHW .npy tensor (uint8, or\n"
          "uint16 for 16-bit PNG), bit-exact with torchvision.io.read_image.\n"
          "  -o, --output PATH  the .npy file to write (atomically)\n"
          "  --mode MODE        unchanged (default), gray, gray_alpha, rgb, "
          "rgb_alpha\n"
          "  --exif             apply the EXIF orientation tag (off by "
          "default,\n"
          "                     as in torchvision 0.14.1 and PIL)\n"
          "  --json             print {output, shape, dtype} as JSON\n");
}

static int run(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  int mode = PV_IMAGE_UNCHANGED, json = 0;
  unsigned flags = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (++i >= argc)
        return pv_cli_usage("decode", "%s needs a path", a);
      out = argv[i];
    } else if (!strcmp(a, "--mode")) {
      if (++i >= argc)
        return pv_cli_usage("decode", "--mode needs a value");
      mode = pv_image_mode_from_name(argv[i]);
      if (mode < 0)
        return pv_cli_usage("decode", "unknown mode '%s'", argv[i]);
    } else if (!strcmp(a, "--exif")) {
      flags |= PV_DECODE_EXIF_ORIENTATION;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (a[0] == '-' && a[1]) {
      return pv_cli_usage("decode", "unknown option '%s'", a);
    } else if (!in) {
      in = a;
    } else {
      return pv_cli_usage("decode", "unexpected argument '%s'", a);
    }
  }
  if (!in)
    return pv_cli_usage("decode", "missing IMAGE");
  if (!out)
    return pv_cli_usage("decode", "missing -o OUT.npy");
  pv_tensor *t = pv_read_image(in, (pv_image_mode)mode, flags);
  if (!t)
    return pv_cli_fail("decode", "cannot decode image");
  if (pv_npy_save(t, out) != 0) {
    pv_tensor_release(t);
    return pv_cli_fail("decode", "cannot write output");
  }
  if (json) {
    printf("{\"output\":");
    pv_cli_json_str(stdout, out);
    printf(",\"shape\":[%lld,%lld,%lld],\"dtype\":",
           (long long)pv_tensor_dim(t, 0), (long long)pv_tensor_dim(t, 1),
           (long long)pv_tensor_dim(t, 2));
    pv_cli_json_str(stdout, pv_dtype_name(pv_tensor_dtype(t)));
    printf("}\n");
  }
  pv_tensor_release(t);
  return PV_EXIT_OK;
}

const pv_cli_command pv_cmd_decode = {"decode", "decode an image to .npy", run,
                                      help};
