#!/usr/bin/env bash
# bench/onnx: YOLOX-Nano and UltraFace latency per device (`polyvis detect`,
# which includes its small pre- and post-processing) against ONNX Runtime
# (CPU; bench/models' pinned onnxruntime-node) and OpenCV DNN (CPU, and its
# OpenCL target on the same PoCL device) in the same run. One JSON document
# (also out/bench/onnx.json); ratios are polyvis time / peer time.
#   bench/onnx/run.sh [BUILD]   (ITERS=5; data from POLYVIS_TEST_DATA)
set -uo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
DATA=${POLYVIS_TEST_DATA:-$here/../../../shared/data}
ITERS=${ITERS:-5}
PV=$BUILD/bin/polyvis
mkdir -p out/bench
[ -d "$DATA/models" ] || { echo '{"bench":"onnx","error":"shared data absent"}'; exit 0; }
if [ ! -d "$here/../models/node_modules/onnxruntime-node" ] && command -v npm >/dev/null; then
  (cd "$here/../models" && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
devices=$($PV devices --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))')
rows=()
for job in "yolox_nano.onnx darknet/dog.jpg" "ultraface-version-RFB-320.onnx skimage/astronaut.png"; do
  set -- $job
  model=$DATA/models/$1 img=$DATA/images/$2
  imgs=()
  for i in $(seq 0 "$ITERS"); do imgs+=("$img"); done
  for dev in $devices; do
    flags=()
    [ "$dev" != cpu ] && flags=(--no-fallback)
    r=$($PV detect --model "$model" --device "$dev" "${flags[@]}" --json "${imgs[@]}" 2>/dev/null |
      /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)[1:]; t=sorted(x["ms"] for x in r); print(json.dumps({"model": sys.argv[1], "device": sys.argv[2], "median_ms": t[len(t)//2]}))' "$1" "$dev") &&
      rows+=("$r")
  done
  rows+=("$(node "$here/ort_peer.js" "$model" "$ITERS" 2>/dev/null | tail -1)")
  rows+=("$(/usr/bin/python3 "$here/peers.py" "$model" cpu "$ITERS" 2>/dev/null | grep '^{' | tail -1)")
  rows+=("$(OPENCV_OPENCL_DEVICE=:CPU: OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1 /usr/bin/python3 "$here/peers.py" "$model" opencl "$ITERS" 2>/dev/null | grep '^{' | tail -1)")
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c '
import json, sys, datetime, os
rows = [json.loads(l) for l in sys.stdin if l.strip()]
ratios = []
for r in rows:
    if "device" in r:
        ratios.append({"model": r["model"], "device": r["device"], "vs": {
            q["peer"]: round(r["median_ms"] / q["median_ms"], 3) for q in rows
            if q.get("peer") and q.get("model") == r["model"] and q.get("median_ms")}})
print(json.dumps({"bench": "onnx", "date": datetime.datetime.utcnow().isoformat() + "Z",
                  "cpus": os.cpu_count(), "results": rows, "ratios": ratios}, indent=1))
' | tee out/bench/onnx.json
