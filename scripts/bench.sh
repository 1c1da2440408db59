#!/usr/bin/env bash
# Runs every benchmark binary built under bench/ and collects their JSON in
# out/bench/. Benchmarks compare polyvis with peers in the same run.
set -euo pipefail
BUILD=${1:-build}
mkdir -p out/bench
shopt -s nullglob
for b in "$BUILD"/bin/bench_*; do
  name=$(basename "$b")
  # drivers that a run.sh calls with arguments (and includes in its JSON)
  case "$name" in
  bench_vulkan | bench_opencl) continue ;;
  esac
  echo "== $name"
  "$b" | tee "out/bench/$name.json"
done
for s in bench/*/run.sh; do
  echo "== $s"
  bash "$s" "$BUILD"
done
