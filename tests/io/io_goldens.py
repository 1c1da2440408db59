#!/usr/bin/python3
"""Writes .npy goldens for test_io_parity into OUTDIR and a manifest.

usage: io_goldens.py DATADIR OUTDIR

Every JPEG/PNG under DATADIR/images is decoded in each ImageReadMode with
torchvision 0.14.1 (the reference). Where 0.14.1 cannot decode but polyvis
follows a later torchvision (CMYK -> RGB/GRAY, 16-bit PNG, EXIF orientation,
WebP), the golden comes from PIL or from a small independent PNG decoder.
Manifest lines: KIND MODE RELPATH NPY
  tv     torchvision golden (bit-exact expected)
  pil    PIL golden (bit-exact expected)
  raw16  16-bit samples decoded here from the zlib stream (exact)
  err    torchvision raises: polyvis must return an error too
"""
import os
import struct
import sys
import zlib

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.io import ImageReadMode, decode_jpeg, decode_png, read_file

DATA, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
MODES = [ImageReadMode.UNCHANGED, ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA,
         ImageReadMode.RGB, ImageReadMode.RGB_ALPHA]
MODE_NAMES = ["unchanged", "gray", "gray_alpha", "rgb", "rgb_alpha"]
lines = []
count = [0]


def save(kind, mode, rel, arr):
    name = "g%04d.npy" % count[0]
    count[0] += 1
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr))
    lines.append("%s %s %s %s" % (kind, MODE_NAMES[int(getattr(mode, "value", mode))], rel, name))


def png_header(path):
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 29:
        return d, 0, 0, 8, 0, 0
    w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", d[16:29])
    return d, w, h, depth, ctype, inter


def png_raw16(d, w, h, ctype, inter):
    """Independent 16-bit PNG decoder (filters + Adam7) -> HWC uint16."""
    chans = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    idat = b""
    pos = 8
    while pos < len(d):
        n, t = struct.unpack(">I4s", d[pos:pos + 8])
        if t == b"IDAT":
            idat += d[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = chans * 2
    img = np.zeros((h, w, chans), np.uint16)
    passes = [(0, 0, 1, 1)] if not inter else [
        (0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2),
        (0, 1, 2, 2), (1, 0, 2, 1)]
    off = 0
    for y0, x0, dy, dx in passes:
        pw = (w - x0 + dx - 1) // dx
        ph = (h - y0 + dy - 1) // dy
        if pw <= 0 or ph <= 0:
            continue
        stride = pw * bpp
        prev = bytearray(stride)
        for r in range(ph):
            ft = raw[off]
            line = bytearray(raw[off + 1:off + 1 + stride])
            off += 1 + stride
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if ft == 1:
                    line[i] = (line[i] + a) & 255
                elif ft == 2:
                    line[i] = (line[i] + b) & 255
                elif ft == 3:
                    line[i] = (line[i] + (a + b) // 2) & 255
                elif ft == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    line[i] = (line[i] + pr) & 255
            prev = line
            vals = np.frombuffer(bytes(line), ">u2").reshape(pw, chans)
            img[y0 + r * dy, x0::dx][:pw] = vals
    return img


files = []
for root, _, names in os.walk(os.path.join(DATA, "images")):
    for n in sorted(names):
        if n.lower().endswith((".png", ".jpg", ".jpeg")):
            files.append(os.path.relpath(os.path.join(root, n), DATA))
files.sort()

for rel in files:
    path = os.path.join(DATA, rel)
    data = read_file(path)
    is_png = rel.lower().endswith(".png")
    if is_png:
        d, w, h, depth, ctype, inter = png_header(path)
        if depth == 16:
            # torchvision 0.14.1 refuses 16-bit: compare with raw samples.
            try:
                raw = png_raw16(d, w, h, ctype, inter)
                save("raw16", 0, rel, raw.transpose(2, 0, 1))
            except (zlib.error, ValueError, IndexError, KeyError):
                save("err", 0, rel, np.zeros(1, np.uint8))
            continue
    for m in MODES:
        try:
            t = decode_png(data, m) if is_png else decode_jpeg(data, m)
        except RuntimeError:
            if not is_png and "cmyk" in rel and m in (ImageReadMode.RGB,
                                                      ImageReadMode.GRAY):
                im = Image.open(path)
                im = im.convert("RGB" if m == ImageReadMode.RGB else "L")
                a = np.asarray(im)
                a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
                save("pil", m, rel, a)
            elif "12" in os.path.basename(rel) or "damaged" in rel:
                save("err", m, rel, np.zeros(1, np.uint8))
            elif not is_png and m in (ImageReadMode.GRAY_ALPHA,
                                      ImageReadMode.RGB_ALPHA):
                save("err", m, rel, np.zeros(1, np.uint8))
            else:
                save("err", m, rel, np.zeros(1, np.uint8))
            continue
        if is_png and depth < 8 and ctype == 3 and m == ImageReadMode.UNCHANGED:
            # 0.14.1 leaves packed bits in an uninitialised buffer here;
            # polyvis unpacks the indices: compare with PIL's indices.
            save("pil", m, rel, np.asarray(Image.open(path))[None])
            continue
        no_trns_palette = is_png and ctype == 3 and \
            "transparency" not in Image.open(path).info
        if is_png and (depth < 8 or no_trns_palette) and m in (
                ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
            # 0.14.1 adds alpha (1<<depth)-1 (e.g. 1) after expanding to 8
            # bits, and for palettes without tRNS assumes an alpha channel
            # that libpng does not produce (rows come out misaligned).
            # polyvis adds opaque alpha: the golden is torchvision's GRAY/RGB
            # result plus the alpha PIL reads (opaque without tRNS).
            base = ImageReadMode.GRAY if m == ImageReadMode.GRAY_ALPHA else \
                ImageReadMode.RGB
            col = decode_png(data, base).numpy()
            im = Image.open(path)
            if ctype == 3 and "transparency" in im.info:
                alpha = np.asarray(im.convert("RGBA"))[..., 3][None]
            else:
                alpha = np.full((1,) + col.shape[1:], 255, np.uint8)
            save("tv", m, rel, np.concatenate([col, alpha]))
            continue
        save("tv", m, rel, t.numpy())

# EXIF orientation: PIL's decode rotated by ImageOps.exif_transpose.
for n in range(1, 9):
    rel = "images/exif/Landscape_%d.jpg" % n
    path = os.path.join(DATA, rel)
    if os.path.exists(path):
        im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        save("exif", 3, rel, np.asarray(im).transpose(2, 0, 1))

# WebP (torchvision >= 0.20 semantics): PIL decodes with the same libwebp.
for root, _, names in os.walk(os.path.join(DATA, "images")):
    for n in sorted(names):
        if n.lower().endswith(".webp"):
            path = os.path.join(root, n)
            rel = os.path.relpath(path, DATA)
            im = Image.open(path)
            alpha = im.mode == "RGBA"
            save("pil", 0, rel, np.asarray(im.convert("RGBA" if alpha else
                                                      "RGB")).transpose(2, 0, 1))
            save("pil", 3, rel, np.asarray(im.convert("RGB")).transpose(2, 0, 1))

# Encoders: torchvision.io.encode_jpeg / encode_png bytes (same libjpeg-turbo
# and libpng calls, so polyvis must produce the same bytes).
from torchvision.io import encode_jpeg, encode_png  # noqa: E402
for rel, m in (("images/torchvision/grace_hopper_517x606.jpg", 3),
               ("images/torchvision/gray_pytorch.jpg", 1),
               ("images/skimage/astronaut.png", 3),
               ("images/skimage/camera.png", 1)):
    path = os.path.join(DATA, rel)
    if not os.path.exists(path):
        continue
    img = decode_png(read_file(path), MODES[m]) if rel.endswith(".png") else \
        decode_jpeg(read_file(path), MODES[m])
    for q in (75, 95, 1):
        save("encjpeg%d" % q, m, rel, encode_jpeg(img, q).numpy())
    for lvl in (6, 1):
        save("encpng%d" % lvl, m, rel, encode_png(img, lvl).numpy())

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("io_goldens: %d goldens for %d files" % (len(lines), len(files)))
