#!/usr/bin/env bash
# CLI test of `polyvis decode` and `polyvis encode`: round trips, exit codes
# (0 ok, 1 runtime error with one stderr line, 2 usage) and no partial
# output on failure. usage: cli_io_test.sh POLYVIS_BINARY
set -u
PV=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # description, then the command's success as $?
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}

# A 3x2x4 uint8 .npy written by hand (format 1.0, header padded to 128).
hdr="{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2, 4), }"
pad=$((128 - 10 - ${#hdr} - 1))
{
  printf '\x93NUMPY\x01\x00\x76\x00%s%*s\n' "$hdr" "$pad" ""
  printf '\x00\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0\xff\x01\x02\x03\x04\x05\x06\x07'
} > "$T/in.npy"

"$PV" encode "$T/in.npy" -o "$T/a.png" --json > "$T/enc.json"
check "encode png exits 0" $?
grep -q '"bytes":' "$T/enc.json"; check "encode --json reports bytes" $?
"$PV" decode "$T/a.png" -o "$T/a.npy" --json > "$T/dec.json"
check "decode png exits 0" $?
grep -q '"shape":\[3,2,4\]' "$T/dec.json"; check "decode --json shape" $?
# The pixel payload (last 24 bytes) survives the PNG round trip exactly.
cmp -s <(tail -c 24 "$T/in.npy") <(tail -c 24 "$T/a.npy")
check "png round trip is lossless" $?
"$PV" decode "$T/a.png" -o "$T/g.npy" --mode gray --json | grep -q '"shape":\[1,2,4\]'
check "decode --mode gray gives 1 channel" $?
"$PV" decode "$T/a.png" -o "$T/r.npy" --mode RGBA --exif --json | grep -q '"shape":\[4,2,4\]'
check "decode --mode rgba --exif gives 4 channels" $?
"$PV" encode "$T/in.npy" -o "$T/a.jpg" --quality 95
check "encode jpeg exits 0" $?
"$PV" decode "$T/a.jpg" -o "$T/j.npy" --mode rgb
check "decode jpeg exits 0" $?

"$PV" encode "$T/in.npy" -o "$T/bad.jpg" --quality 0 2> "$T/err"
[ $? -eq 2 ] && [ ! -e "$T/bad.jpg" ]; check "quality 0 is a usage error (2)" $?
"$PV" decode "$T/a.png" -o "$T/x.npy" --mode cmyk 2> "$T/err"
[ $? -eq 2 ]; check "unknown mode is a usage error (2)" $?
"$PV" decode "$T/a.png" 2> "$T/err"
[ $? -eq 2 ]; check "missing -o is a usage error (2)" $?
printf 'not an image at all' > "$T/junk.png"
"$PV" decode "$T/junk.png" -o "$T/junk.npy" 2> "$T/err"
rc=$?
[ $rc -eq 1 ] && [ ! -e "$T/junk.npy" ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
  grep -q "Unsupported image file" "$T/err"
check "garbage: exit 1, one stderr line, no output" $?
head -c 40 "$T/a.png" > "$T/trunc.png"
"$PV" decode "$T/trunc.png" -o "$T/trunc.npy" 2> "$T/err"
[ $? -eq 1 ] && [ ! -e "$T/trunc.npy" ]; check "truncated png: exit 1" $?
"$PV" encode "$T/missing.npy" -o "$T/m.png" 2> "$T/err"
[ $? -eq 1 ] && [ ! -e "$T/m.png" ] && grep -q missing.npy "$T/err"
check "missing input names the file" $?
exit $fail
