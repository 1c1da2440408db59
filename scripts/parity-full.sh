#!/usr/bin/env bash
# Zoo parity at native size for every torchvision 0.14.1 classification
# variant on every device present, one model at a time (generate the seeded
# torchvision golden, run test_zoo_parity on each device, delete the golden),
# then writes the results table into docs/parity.md.
#
# usage: scripts/parity-full.sh [BUILD]   (default build)
# env:   MODELS="resnet18 swin_t"  only these variants (default: all)
#        DEVICES="cpu vulkan:0"    only these devices (default: every device
#                                  `polyvis devices --json` lists)
#        OUT=docs/parity.md        where the table goes
#        RESUME=1                  keep the rows already in OUT and skip the
#                                  (model, device) pairs that passed there, so
#                                  a long run can be split over several
set -euo pipefail
BUILD=${1:-build}
OUT=${OUT:-docs/parity.md}
PY=/usr/bin/python3
GEN=tests/zoo/gen_zoo_goldens.py
TEST=$BUILD/bin/test_zoo_parity
[ -x "$TEST" ] || { echo "parity-full: $TEST not built" >&2; exit 1; }
if [ -z "${DEVICES:-}" ]; then
  DEVICES=$("$BUILD/bin/polyvis" devices --json |
    $PY -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))')
fi
mapfile -t CASES < <($PY "$GEN" --list-full 2>/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows="$work/rows"
: >"$rows"
if [ -n "${RESUME:-}" ] && [ -f "$OUT" ]; then
  grep -E '^\| [a-z0-9_]+ \| [0-9]+ \| [a-z0-9:]+ \|' "$OUT" >"$rows" || true
fi
# passed <model> <device>: that pair already has a passing row
passed() { grep -qE "^\| $1 \| [0-9]+ \| $2 \| .*\| pass \|\$" "$rows"; }
drop_row() { grep -vE "^\| $1 \| [0-9]+ \| $2 \|" "$rows" >"$rows.new" || true; mv "$rows.new" "$rows"; }
write_table() {
  {
    echo "# Zoo parity with torchvision 0.14.1"
    echo
    echo "Written by \`scripts/parity-full.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores)."
    echo "Each variant is built by torchvision with \`weights=None\`, seeded noise"
    echo "on every parameter and buffer, run at its native size (the crop size"
    echo "of its default weights; ViT at 224) on a seeded batch of 2, and compared"
    echo "with polyvis on each device (strict no-fallback off the CPU). Bar:"
    echo "relative error <= 1e-4 and identical top-5 indices. Variants or devices"
    echo "missing from the table were not run (MODELS/DEVICES of that run)."
    echo
    echo "| model | size | device | rel err | top-5 same | result |"
    echo "|---|---|---|---|---|---|"
    sort -t'|' -k2,2 -k4,4 "$rows"
  } >"$OUT.tmp"
  mv "$OUT.tmp" "$OUT"
}

# the table is rewritten after each model, so an interrupted run keeps
# what it measured
for line in "${CASES[@]}"; do
  read -r name size <<<"$line"
  if [ -n "${MODELS:-}" ] && ! [[ " $MODELS " == *" $name "* ]]; then
    continue
  fi
  todo=""
  for dev in $DEVICES; do
    passed "$name" "$dev" || todo="$todo $dev"
  done
  [ -z "$todo" ] && continue
  dir="$work/$name"
  if ! $PY "$GEN" "$dir" --full "$name" >"$work/gen.log" 2>&1; then
    drop_row "$name" all
    echo "| $name | ${size} | all | - | - | FAIL: golden generation |" >>"$rows"
    continue
  fi
  for dev in $todo; do
    drop_row "$name" "$dev"
    set +e
    res=$("$TEST" "$dir/manifest.txt" "$dev" 2>&1)
    rc=$?
    set -e
    [ $rc -eq 77 ] && continue
    # "<name> <device> rel_err <e> top5 same|DIFFERENT" or "... FAILED: msg"
    l=$(grep -E "^$name " <<<"$res" | head -1)
    if [[ "$l" =~ rel_err\ ([^ ]+)\ top5\ ([A-Za-z]+) ]]; then
      err=${BASH_REMATCH[1]}
      same=$([ "${BASH_REMATCH[2]}" = same ] && echo yes || echo NO)
      verdict=$([ $rc -eq 0 ] && echo pass || echo FAIL)
    else
      err=-
      same=-
      verdict="FAIL: $(sed -n 's/.*FAILED: //p' <<<"$l" | head -c 120)"
    fi
    echo "| $name | ${size} | $dev | $err | $same | $verdict |" | tee -a "$rows"
  done
  rm -rf "$dir"
  write_table
done
write_table
echo "parity-full: wrote $OUT ($(wc -l <"$rows") rows)"
