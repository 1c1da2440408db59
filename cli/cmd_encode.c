/* polyvis encode IN.npy -o OUT.png|OUT.jpg [--quality Q] [--subsampling S]
 * [--level L] */
#include "cli.h"

#include <polyvis/image.h>
#include <strings.h>

static void help(FILE *f) {
  fprintf(f, "usage: polyvis encode IN.npy -o OUT.png|OUT.jpg [--quality Q] "
             "[--level L] [--json]\n\n"
             "Encodes a CHW uint8 tensor (1 or 3 channels; PNG also takes 2 or "
             "4,\n"
             "and uint16) as torchvision.io.encode_png / encode_jpeg do. The "
             "format\n"
             "follows the output extension (.png, .jpg, .jpeg).\n"
             "  -o, --output PATH  the image to write (atomically)\n"
             "  --quality Q        JPEG quality 1-100 (default 75)\n"
             "  --subsampling S    JPEG chroma: 420 (default, as torchvision), "
             "422, 444\n"
             "  --level L          PNG compression level 0-9 (default 6)\n"
             "  --json             print {output, bytes} as JSON\n");
}

static int parse_int(const char *s, int *v) {
  char *end;
  long x = strtol(s, &end, 10);
  if (!*s || *end || x < -1000000 || x > 1000000)
    return -1;
  *v = (int)x;
  return 0;
}

static int run(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  int quality = 75, level = 6, json = 0, ss = 420;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (++i >= argc)
        return pv_cli_usage("encode", "%s needs a path", a);
      out = argv[i];
    } else if (!strcmp(a, "--quality") || !strcmp(a, "-q")) {
      if (++i >= argc || parse_int(argv[i], &quality) < 0)
        return pv_cli_usage("encode", "--quality needs an integer");
    } else if (!strcmp(a, "--subsampling")) {
      if (++i >= argc || parse_int(argv[i], &ss) < 0 ||
          (ss != 420 && ss != 422 && ss != 444))
        return pv_cli_usage("encode", "--subsampling takes 420, 422 or 444");
    } else if (!strcmp(a, "--level")) {
      if (++i >= argc || parse_int(argv[i], &level) < 0)
        return pv_cli_usage("encode", "--level needs an integer");
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (a[0] == '-' && a[1]) {
      return pv_cli_usage("encode", "unknown option '%s'", a);
    } else if (!in) {
      in = a;
    } else {
      return pv_cli_usage("encode", "unexpected argument '%s'", a);
    }
  }
  if (!in)
    return pv_cli_usage("encode", "missing IN.npy");
  if (!out)
    return pv_cli_usage("encode", "missing -o OUT.png|OUT.jpg");
  const char *dot = strrchr(out, '.');
  int jpeg;
  if (dot && !strcasecmp(dot, ".png"))
    jpeg = 0;
  else if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")))
    jpeg = 1;
  else
    return pv_cli_usage("encode", "output '%s' must end in .png, .jpg or .jpeg",
                        out);
  if (jpeg && (quality < 1 || quality > 100))
    return pv_cli_usage("encode", "--quality must be in [1, 100], got %d",
                        quality);
  if (!jpeg && (level < 0 || level > 9))
    return pv_cli_usage("encode", "--level must be in [0, 9], got %d", level);
  pv_tensor *t = pv_npy_load(in);
  if (!t)
    return pv_cli_fail("encode", "cannot read input");
  pv_tensor *bytes = jpeg ? pv_encode_jpeg_ex(t, quality,
                                              ss == 444   ? PV_JPEG_444
                                              : ss == 422 ? PV_JPEG_422
                                                          : PV_JPEG_420)
                          : pv_encode_png(t, level);
  pv_tensor_release(t);
  if (!bytes)
    return pv_cli_fail("encode", "cannot encode");
  int st = pv_write_file(out, bytes);
  long long n = (long long)pv_tensor_numel(bytes);
  pv_tensor_release(bytes);
  if (st != 0)
    return pv_cli_fail("encode", "cannot write output");
  if (json) {
    printf("{\"output\":");
    pv_cli_json_str(stdout, out);
    printf(",\"bytes\":%lld}\n", n);
  }
  return PV_EXIT_OK;
}

const pv_cli_command pv_cmd_encode = {
    "encode", "encode a .npy tensor to PNG or JPEG", run, help};
