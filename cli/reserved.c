/* Weak placeholders for subcommands whose module has not landed yet. A
 * cli/cmd_<name>.c that defines pv_cmd_<name> replaces them at link time. */
#include "cli.h"

static int reserved_run(int argc, char **argv) {
  fprintf(stderr, "polyvis %s: not available in this build yet\n", argv[0]);
  return PV_EXIT_ERROR;
}
static void reserved_help(FILE *f) {
  fprintf(f, "This command is reserved; it arrives with its module.\n");
}

#define PV__RESERVED(name, summary)                                            \
  __attribute__((weak)) const pv_cli_command pv_cmd_##name = {                 \
      #name, summary, reserved_run, reserved_help};

PV__RESERVED(run, "run a model on .npy inputs")
PV__RESERVED(classify, "classify images with a zoo model")
PV__RESERVED(detect, "detect objects or faces with an ONNX model")
PV__RESERVED(transform, "apply a transforms pipeline to an image or .npy")
PV__RESERVED(decode, "decode an image to .npy")
PV__RESERVED(encode, "encode a .npy tensor to PNG or JPEG")
PV__RESERVED(fetch, "download pretrained weights")
PV__RESERVED(bench, "benchmark a model")
