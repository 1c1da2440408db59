#!/usr/bin/env bash
# End-to-end `polyvis classify --model resnet18 --weights W.pth photo.jpg` on
# the default device: wall time and peak RSS (GNU time) against the weights
# file's size. The real resnet18 weights need the network, so a resnet18
# checkpoint of the same size with seeded weights stands in (the work and
# the memory are the same). Prints one JSON object (also
# out/bench/classify.json).
#   bench/classify/run.sh [BUILD] [PHOTO]
set -uo pipefail
BUILD=${1:-build}
PHOTO=${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/images/torchvision/grace_hopper_517x606.jpg}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p out/bench
W=$WORK/resnet18-f37072fd.pth
/usr/bin/python3 -c 'import sys,torch,torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])' "$W"
[ -f "$PHOTO" ] || { PHOTO=$WORK/p.png; /usr/bin/python3 -c 'import sys,torch,torchvision; torchvision.io.write_png((torch.rand(3,600,500)*255).to(torch.uint8), sys.argv[1])' "$PHOTO"; }
runs=()
for i in 1 2 3 4 5; do
  /usr/bin/time -f '%e %M' -o "$WORK/t" "$BUILD/bin/polyvis" classify --model resnet18 --weights "$W" "$PHOTO" >/dev/null || exit 1
  runs+=("$(cat "$WORK/t")")
done
printf '%s\n' "${runs[@]}" | /usr/bin/python3 -c '
import json, os, sys, datetime
w = os.path.getsize(sys.argv[1])
r = sorted((float(a), int(b)) for a, b in (l.split() for l in sys.stdin if l.strip()))
wall = r[len(r) // 2][0]
rss = max(x[1] for x in r) * 1024
print(json.dumps({"bench": "classify", "date": datetime.datetime.utcnow().isoformat() + "Z",
                  "model": "resnet18", "photo": os.path.basename(sys.argv[2]), "runs": len(r),
                  "wall_s_median": wall, "peak_rss_bytes": rss, "weights_bytes": w,
                  "rss_over_weights": round(rss / w, 3),
                  "bar": {"wall_s": 0.3, "rss_over_weights": 2.0},
                  "weights": "seeded resnet18, same size as resnet18-f37072fd.pth"}))
' "$W" "$PHOTO" | tee out/bench/classify.json
