#!/usr/bin/env bash
# The vulkan bench in one run: per-op GFLOP/s on vulkan:0 (bench_vulkan, tiled vs
# naive GEMM baseline), then model latency on vulkan:0 with OpenCV DNN's CPU and
# OpenCL targets (PoCL) measured right after (bench/gpu_models). Writes
# out/bench/vulkan.json: {"ops": ..., "models": ...}.
set -uo pipefail
BUILD=${1:-build}
mkdir -p out/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bin/bench_vulkan" --min-seconds 0.3 > "$tmp/ops.json" 2>/dev/null || echo '{"error":"no vulkan device"}' > "$tmp/ops.json"
DEVICES="vulkan:0" MODELS="${MODELS:-resnet18 mobilenet_v2}" OUT="$tmp/models.json" \
  bash "$(dirname "$0")/../gpu_models/run.sh" "$BUILD" > /dev/null
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"bench": "vulkan", "ops": json.load(open(sys.argv[1])), "models": json.load(open(sys.argv[2]))}, indent=1))' \
  "$tmp/ops.json" "$tmp/models.json" | tee out/bench/vulkan.json
