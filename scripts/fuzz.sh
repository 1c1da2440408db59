#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan) and runs each for
# FUZZ_SECONDS (default 20: the CI smoke run). Seeds come from
# tests/fuzz/seeds/<name>/ and, when present, from ../shared/data per
# harness (see seed_dirs below). Fails if any harness finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-20}
B=build-fuzz
cmake -S . -B $B -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DPOLYVIS_BUILD_FUZZ=ON -DPOLYVIS_BUILD_TESTS=OFF -DPOLYVIS_BUILD_BENCH=OFF \
  -DPOLYVIS_SANITIZE=address >/dev/null
cmake --build $B -j "$(nproc)" >/dev/null
DATA=${POLYVIS_TEST_DATA:-../shared/data}

seed_dirs() { # harness name -> extra seed directories from shared data
  case "$1" in
    fuzz_jpeg) echo "$DATA/images/torchvision $DATA/images/libjpeg-turbo $DATA/images/exif" ;;
    fuzz_png) echo "$DATA/images/pngsuite $DATA/images/torchvision" ;;
    fuzz_webp|fuzz_image) echo "$DATA/images/torchvision" ;;
    fuzz_pth|fuzz_safetensors) echo "$DATA/models" ;;
    fuzz_onnx) echo "$DATA/models" ;;
  esac
}

status=0
shopt -s nullglob
for h in $B/bin/fuzz_*; do
  name=$(basename "$h")
  corpus=$(mktemp -d)
  seeds=()
  [ -d "tests/fuzz/seeds/$name" ] && seeds+=("tests/fuzz/seeds/$name")
  for d in $(seed_dirs "$name"); do [ -d "$d" ] && seeds+=("$d"); done
  echo "fuzz: $name for ${SECS}s (seeds: ${seeds[*]:-none})"
  if ! "$h" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=1048576 \
      -print_final_stats=1 "$corpus" "${seeds[@]}" > "$corpus.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -50 "$corpus.log"; status=1
  else
    grep -E 'stat::number_of_executed_units' "$corpus.log" | sed "s/^/  $name /"
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $status
