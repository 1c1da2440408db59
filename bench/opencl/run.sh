#!/usr/bin/env bash
# The opencl bench in one run: per-op GFLOP/s on opencl:0 (bench_opencl, tiled vs
# naive GEMM baseline), then model latency on opencl:0 with OpenCV DNN's CPU and
# OpenCL targets (PoCL) measured right after (bench/gpu_models). Writes
# out/bench/opencl.json: {"ops": ..., "models": ...}.
set -uo pipefail
BUILD=${1:-build}
mkdir -p out/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bin/bench_opencl" --quick > "$tmp/ops.json" 2>/dev/null || echo '{"error":"no opencl device"}' > "$tmp/ops.json"
DEVICES="opencl:0" MODELS="${MODELS:-resnet18 mobilenet_v2}" OUT="$tmp/models.json" \
  bash "$(dirname "$0")/../gpu_models/run.sh" "$BUILD" > /dev/null
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"bench": "opencl", "ops": json.load(open(sys.argv[1])), "models": json.load(open(sys.argv[2]))}, indent=1))' \
  "$tmp/ops.json" "$tmp/models.json" | tee out/bench/opencl.json
