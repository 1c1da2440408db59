#!/usr/bin/python3
"""Goldens for test_draw_parity: torchvision 0.14.1 utils on seeded inputs.

usage: draw_goldens.py OUTDIR
Writes inputs and outputs as .npy plus manifest.txt, one case a line:
  boxes  IMG BOXES COLORS|- OUT WIDTH FILL LABELS|-
  masks  IMG MASKS COLORS|- OUT ALPHA
  kpts   IMG KPTS CONN|- COLOR|- OUT RADIUS WIDTH
  grid   BATCH OUT NROW PADDING NORMALIZE LOW|- HIGH|- SCALE_EACH PAD_VALUE
  save   BATCH PNG NROW PADDING   (PNG written by torchvision.utils.save_image)
"""
import os
import sys

import numpy as np
import torch
from torchvision.utils import (draw_bounding_boxes, draw_keypoints,
                               draw_segmentation_masks, make_grid, save_image)

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
g = torch.Generator().manual_seed(1234)
lines = []
n = [0]


def save(arr):
    name = "d%04d.npy" % n[0]
    n[0] += 1
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr))
    return name


def rand_img(c, h, w):
    return torch.randint(0, 256, (c, h, w), generator=g, dtype=torch.uint8)


def rand_boxes(k, h, w, margin=10):
    x0 = torch.randint(-margin, w, (k,), generator=g).float()
    y0 = torch.randint(-margin, h, (k,), generator=g).float()
    bw = torch.rand(k, generator=g) * w * 0.7
    bh = torch.rand(k, generator=g) * h * 0.7
    # fractional parts exercise the int64 truncation
    x0 = x0 + torch.rand(k, generator=g)
    y0 = y0 + torch.rand(k, generator=g)
    b = torch.stack([x0, y0, x0 + bw, y0 + bh], 1)
    b[0] = torch.tensor([3.0, 4.0, 3.0, 9.0])  # zero-width box
    b[1] = torch.tensor([5.0, 5.0, 7.0, 6.0])  # smaller than the outline
    return b


# --- boxes ------------------------------------------------------------------
for width in (1, 2, 3, 4):
    for fill in (False, True):
        for cmode in ("palette", "list", "gray"):
            c = 1 if cmode == "gray" else 3
            img = rand_img(c, 61, 83)
            boxes = rand_boxes(7, 61, 83)
            colors = None
            cname = "-"
            if cmode == "list":
                cl = torch.randint(0, 256, (7, 3), generator=g,
                                   dtype=torch.uint8)
                colors = [tuple(int(v) for v in row) for row in cl]
                cname = save(cl.numpy())
            out = draw_bounding_boxes(img, boxes, colors=colors, fill=fill,
                                      width=width)
            lines.append("boxes %s %s %s %s %d %d -" % (
                save(img.numpy()), save(boxes.numpy()), cname,
                save(out.numpy()), width, int(fill)))
# labels with the default font
img = rand_img(3, 70, 90)
boxes = rand_boxes(4, 70, 90)
labels = ["dog", "Person0.97", "car", "x"]
out = draw_bounding_boxes(img, boxes, labels=labels, width=2)
lines.append("boxes %s %s - %s 2 0 %s" % (save(img.numpy()), save(boxes.numpy()),
                                          save(out.numpy()), "|".join(labels)))
img = rand_img(1, 50, 120)
boxes = rand_boxes(5, 50, 120)
labels = ["~!@#$%^&*()_+", "{}[]<>?/\\", "AbCdEfGhIjKlMnOp", "qrstuvwxyz", "0123456789"]
out = draw_bounding_boxes(img, boxes, labels=labels, width=1, fill=True)
lines.append("boxes %s %s - %s 1 1 %s" % (save(img.numpy()), save(boxes.numpy()),
                                          save(out.numpy()), "|".join(labels)))

# --- masks ------------------------------------------------------------------
for alpha in (0.8, 0.5, 0.0, 1.0, 0.33):
    for cmode in ("palette", "list"):
        img = rand_img(3, 37, 45)
        masks = torch.rand((5, 37, 45), generator=g) > 0.6
        colors = None
        cname = "-"
        if cmode == "list":
            cl = torch.randint(0, 256, (5, 3), generator=g, dtype=torch.uint8)
            colors = [tuple(int(v) for v in row) for row in cl]
            cname = save(cl.numpy())
        out = draw_segmentation_masks(img, masks, alpha=alpha, colors=colors)
        lines.append("masks %s %s %s %s %r" % (save(img.numpy()),
                                               save(masks.numpy()), cname,
                                               save(out.numpy()), alpha))

# --- keypoints --------------------------------------------------------------
for radius in (0, 1, 2, 3, 5, 8):
    for width in (1, 2, 3, 4, 6):
        img = rand_img(3, 64, 72)
        kp = torch.rand((3, 6, 2), generator=g) * torch.tensor([80.0, 72.0]) - 4
        conn = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (0, 3)]
        color = (int(torch.randint(0, 256, (1,), generator=g)), 20, 200)
        use_color = (radius + width) % 3 != 0
        out = draw_keypoints(img, kp, connectivity=conn,
                             colors=color if use_color else None,
                             radius=radius, width=width)
        lines.append("kpts %s %s %s %s %s %d %d" % (
            save(img.numpy()), save(kp.numpy()),
            save(np.array(conn, np.int32)),
            save(np.array(color, np.uint8)) if use_color else "-",
            save(out.numpy()), radius, width))

# --- make_grid / save_image -------------------------------------------------
cases = [
    dict(b=5, c=3, nrow=8, padding=2, normalize=False, vr=None, se=False, pv=0.0),
    dict(b=7, c=3, nrow=3, padding=4, normalize=True, vr=None, se=False, pv=0.5),
    dict(b=6, c=1, nrow=2, padding=0, normalize=True, vr=(-1.0, 1.0), se=False, pv=1.0),
    dict(b=4, c=3, nrow=4, padding=1, normalize=True, vr=None, se=True, pv=0.0),
    dict(b=1, c=3, nrow=8, padding=2, normalize=True, vr=None, se=False, pv=0.0),
    dict(b=3, c=4, nrow=2, padding=3, normalize=True, vr=(-0.5, 2.0), se=True, pv=0.25),
]
for cs in cases:
    x = torch.randn((cs["b"], cs["c"], 9, 11), generator=g)
    out = make_grid(x, nrow=cs["nrow"], padding=cs["padding"],
                    normalize=cs["normalize"], value_range=cs["vr"],
                    scale_each=cs["se"], pad_value=cs["pv"])
    vr = cs["vr"]
    lines.append("grid %s %s %d %d %d %s %s %d %r" % (
        save(x.numpy()), save(out.numpy()), cs["nrow"], cs["padding"],
        int(cs["normalize"]), repr(vr[0]) if vr else "-",
        repr(vr[1]) if vr else "-", int(cs["se"]), cs["pv"]))
for b, nrow, pad in ((6, 3, 2), (1, 8, 2)):
    x = torch.rand((b, 3, 10, 12), generator=g) * 1.2 - 0.1
    png = os.path.join(OUT, "save%d.png" % n[0])
    save_image(x, png, nrow=nrow, padding=pad)
    lines.append("save %s %s %d %d" % (save(x.numpy()), png, nrow, pad))

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("draw_goldens: %d cases" % len(lines))
