#!/usr/bin/env bash
# The main job (`make demo`): real pretrained detectors on real photos, on
# every device present. It lists the devices, runs YOLOX-Nano (COCO objects)
# and UltraFace (faces) from ../shared/data on each device in strict
# no-fallback mode, writes the annotated images to out/demo/<device>/
# (vulkan:0 -> vulkan_0),
# and prints a per-device table. It needs no network: only the shared data
# and the packages scripts/install-deps.sh installs.
set -uo pipefail
BUILD=${1:-build}
PV=$BUILD/bin/polyvis
DATA=${POLYVIS_TEST_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
OUT=${DEMO_OUT:-out/demo}
export POLYVIS_CACHE_DIR=${POLYVIS_CACHE_DIR:-$HOME/.cache/polyvis/cache}

echo "== polyvis devices"
$PV devices --verbose || exit 1
echo
devices=$($PV devices --json | /usr/bin/python3 -c \
  'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))')

if [ ! -d "$DATA/models" ]; then
  echo "demo: $DATA not found (set POLYVIS_TEST_DATA); showing conformance only"
  for dev in $devices; do
    $PV conformance --device "$dev" | tail -1
  done
  exit 0
fi

# model | images
jobs=(
  "yolox_nano.onnx|darknet/dog.jpg darknet/person.jpg darknet/horses.jpg"
  "ultraface-version-RFB-320.onnx|skimage/astronaut.png torchvision/grace_hopper_517x606.jpg"
  "blazeface_front_128x128.onnx|skimage/astronaut.png torchvision/grace_hopper_517x606.jpg"
  # the original PyTorch checkpoint in the RFB-320 graph built in C
  "ultraface-version-RFB-320.pth|torchvision/grace_hopper_517x606.jpg"
)
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
status=0
for dev in $devices; do
  dir=$OUT/${dev//:/_}
  mkdir -p "$dir"
  for job in "${jobs[@]}"; do
    model=${job%%|*}
    imgs=()
    for i in ${job#*|}; do imgs+=("$DATA/images/$i"); done
    flags=()
    [ "$dev" != cpu ] && flags+=(--no-fallback)
    if ! $PV detect --model "$DATA/models/$model" --device "$dev" "${flags[@]}" \
      --output-dir "$dir" --json "${imgs[@]}" >"$dir/${model%.*}.json"; then
      echo "demo: $model on $dev failed" >&2
      status=1
      continue
    fi
    /usr/bin/python3 - "$dir/${model%.*}.json" "$model" >>"$rows" <<'EOF'
import json, os, sys
for r in json.load(open(sys.argv[1])):
    dets = ", ".join("%s %.2f" % (d["label"], d["score"]) for d in r["detections"])
    print("%s|%s|%s|%.1f|%s" % (r["device"], sys.argv[2],
                                os.path.basename(r["image"]), r["ms"], dets))
EOF
  done
done

echo "== detections (annotated images in $OUT/<device>/, e.g. $OUT/cpu/dog.png)"
/usr/bin/python3 - "$rows" <<'EOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
head = ["device", "model", "image", "ms", "detections"]
w = [max(len(x) for x in col) for col in zip(head, *rows)] if rows else [10] * 5
w[4] = len(head[4])
fmt = "  ".join("%%-%ds" % n for n in w)
print(fmt % tuple(head))
for r in rows:
    print(fmt % tuple(r))
EOF
exit $status
