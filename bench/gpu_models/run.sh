#!/usr/bin/env bash
# Model latency on every GPU device present (vulkan:0 fp32 and fp16,
# opencl:0), with OpenCV DNN's CPU and OpenCL targets (on the same PoCL
# device) measured in the same run, plus the CPU backend. Prints one JSON
# document with ratios (polyvis / peer: below 1 means polyvis is faster) to
# stdout and to out/bench/gpu_models.json.
#   bench/gpu_models/run.sh [BUILD]
#   ITERS=5 MODELS="resnet18 ..." DEVICES="vulkan:0" OUT=file.json to change
set -uo pipefail
BUILD=${1:-build}
ITERS=${ITERS:-5}
MODELS=${MODELS:-resnet18 mobilenet_v2 resnet50 efficientnet_b0}
DEVICES=${DEVICES:-cpu vulkan:0 opencl:0}
OUT=${OUT:-out/bench/gpu_models.json}
PV=$BUILD/bin/polyvis
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p out/bench
here=$(dirname "$0")
rows=()
for m in $MODELS; do
  for dev in $DEVICES; do
    precs="fp32"
    [ "$dev" = vulkan:0 ] && precs="fp32 fp16"
    for p in $precs; do
      r=$("$PV" bench --model "$m" --device "$dev" --precision "$p" --no-fallback \
        --iters "$ITERS" --warmup 1 --json 2>/dev/null) && rows+=("$r")
    done
  done
  # OpenCV prints OpenCL build logs on stdout: keep the JSON line only.
  rows+=("$(/usr/bin/python3 "$here/opencv_peer.py" "$m" cpu 224 "$ITERS" "$WORK" 2>/dev/null | grep '^{' | tail -1)")
  rows+=("$(OPENCV_OPENCL_DEVICE=:CPU: OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1 \
    /usr/bin/python3 "$here/opencv_peer.py" "$m" opencl 224 "$ITERS" "$WORK" 2>/dev/null | grep '^{' | tail -1)")
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c '
import json, sys, datetime, os
rows = [json.loads(l) for l in sys.stdin if l.strip()]
# ncnn Vulkan on this lavapipe (2026-07, 2 threads, fp16 storage+arith),
# figures quoted by the Vulkan issue (ncnn cannot be installed here).
ncnn = {"resnet18": 545.0, "resnet50": 1435.0, "mobilenet_v2": 203.5, "efficientnet_b0": 366.0}
ratios = []
for r in rows:
    if "device" not in r or "median_ms" not in r:
        continue
    peers = {}
    for q in rows:
        if q.get("peer") and q.get("model") == r["model"] and "median_ms" in q:
            peers["opencv_" + q["target"]] = round(r["median_ms"] / q["median_ms"], 3)
    if r["device"].startswith("vulkan") and r["model"] in ncnn:
        peers["ncnn_vulkan_quoted"] = round(r["median_ms"] / ncnn[r["model"]], 3)
    ratios.append({"model": r["model"], "device": r["device"], "precision": r["precision"], "vs": peers})
doc = {"bench": "gpu_models", "date": datetime.datetime.utcnow().isoformat() + "Z",
       "cpus": os.cpu_count(), "results": rows, "ratios": ratios}
print(json.dumps(doc, indent=1))
' | tee "$OUT"
