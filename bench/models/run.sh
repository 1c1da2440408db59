#!/usr/bin/env bash
# bench/models: classification latency, polyvis on every device present
# against PyTorch 1.13 CPU and ONNX Runtime (onnxruntime-node, pinned in
# package.json / package-lock.json) on the same seeded weights, in one run.
# Prints one JSON document (also out/bench/models.json); ratios are polyvis
# time / peer time (below 1: polyvis faster).
#   bench/models/run.sh [BUILD]   (MODELS=..., BATCHES="1 8", ITERS=5)
set -uo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
PV=$BUILD/bin/polyvis
MODELS=${MODELS:-resnet18 resnet50 mobilenet_v2 mobilenet_v3_large efficientnet_b0}
BATCHES=${BATCHES:-1 8}
ITERS=${ITERS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p out/bench
if [ ! -d "$here/node_modules/onnxruntime-node" ] && command -v npm >/dev/null; then
  (cd "$here" && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
devices=$($PV devices --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))')
rows=()
for m in $MODELS; do
  for b in $BATCHES; do
    t=$(/usr/bin/python3 "$here/torch_peer.py" "$m" "$b" "$ITERS" "$WORK" 2>/dev/null | tail -1)
    rows+=("$t")
    onnx=$(echo "$t" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("onnx",""))' 2>/dev/null)
    pth=$(echo "$t" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("pth",""))' 2>/dev/null)
    o=$(node "$here/../onnx/ort_peer.js" "$onnx" "$ITERS" 2>/dev/null | tail -1)
    [ -n "$o" ] || o='{"peer":"onnxruntime","error":"node or onnxruntime-node missing"}'
    rows+=("$(printf '%s' "$o" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); d.update(model=sys.argv[1], batch=int(sys.argv[2])); print(json.dumps(d))' "$m" "$b")")
    for dev in $devices; do
      [ "$dev" != cpu ] && [ "$b" != 1 ] && continue # software GPUs: batch 1 only
      flags=()
      [ "$dev" != cpu ] && flags=(--no-fallback)
      p=$($PV bench --model "$m" --weights "$pth" --batch "$b" --iters "$ITERS" --warmup 1 \
        --device "$dev" "${flags[@]}" --json 2>/dev/null) && rows+=("$p")
    done
  done
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c '
import json, sys, datetime, os
rows = [json.loads(l) for l in sys.stdin if l.strip()]
ratios = []
for r in rows:
    if "device" not in r:
        continue
    vs = {}
    for q in rows:
        if q.get("peer") and q.get("model") == r["model"] and q.get("batch") == r["batch"] and "median_ms" in q:
            vs[q["peer"]] = round(r["median_ms"] / q["median_ms"], 3)
    ratios.append({"model": r["model"], "device": r["device"], "batch": r["batch"], "vs": vs})
print(json.dumps({"bench": "models", "date": datetime.datetime.utcnow().isoformat() + "Z",
                  "cpus": os.cpu_count(), "results": rows, "ratios": ratios}, indent=1))
' | tee out/bench/models.json
