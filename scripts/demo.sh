#!/usr/bin/env bash
# The main job (`make demo`). Until the model zoo and the ONNX importer land,
# it shows the devices and runs the conformance summary on each of them.
set -euo pipefail
BUILD=${1:-build}
PV=$BUILD/bin/polyvis
export POLYVIS_CACHE_DIR=${POLYVIS_CACHE_DIR:-$HOME/.cache/polyvis/cache}
echo "== polyvis devices"
$PV devices --verbose
echo
for dev in $($PV devices --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))'); do
  echo "== polyvis conformance --device $dev"
  $PV conformance --device "$dev" || echo "(conformance on $dev reported failures)"
  echo
done
