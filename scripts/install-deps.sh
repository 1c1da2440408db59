#!/usr/bin/env bash
# Installs, through apt, every Debian package that polyvis needs to build,
# test and run its demo. It only installs what is missing, so it is cheap to
# run on every `make demo` / `make test`. See docs/dependencies.md for why
# each package is here.
set -euo pipefail

PKGS=(
  # build
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev llvm
  # image codecs
  libpng-dev libjpeg62-turbo-dev libwebp-dev zlib1g-dev
  # GPU plugins: loaders, headers, shader compiler, software drivers for CI
  libvulkan-dev glslang-tools mesa-vulkan-drivers vulkan-validationlayers
  ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
  # weights download (polyvis fetch): HTTP(S) with resume, SHA-256
  libcurl4-openssl-dev libssl-dev
  # weights: the safetensors JSON header
  libjansson-dev
  # benchmarks peer (sgemm)
  libopenblas-dev
  # test oracle (PIL: EXIF/CMYK/WebP goldens and torchvision.utils drawing)
  python3-torchvision python3-numpy python3-pil
  # image I/O benchmark peer
  python3-opencv
  # the font the ONNX real-model tests render digits and words with
  fonts-dejavu-core
  # ONNX loader: backend test suites (node/, pytorch-*/, simple/) and the
  # onnx Python package that writes the external-data test model
  libonnx-testdata python3-onnx
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime, the reference runtime of the ONNX parity test and a peer in
# the benchmarks: onnxruntime-node at the version pinned in
# bench/models/package-lock.json, from the npm registry with the machine's
# Node.js. Without node or the registry those tests skip, so this is not
# fatal. (ONNXRUNTIME_NODE_INSTALL_CUDA=skip: its install script would try
# to download CUDA libraries.)
here=$(cd "$(dirname "$0")/.." && pwd)
if command -v npm >/dev/null 2>&1 &&
  [ ! -d "$here/bench/models/node_modules/onnxruntime-node" ]; then
  (cd "$here/bench/models" &&
    ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund >/dev/null 2>&1) &&
    echo "install-deps: onnxruntime-node installed (bench/models)" ||
    echo "install-deps: npm ci in bench/models failed; ONNX Runtime tests will skip"
fi
