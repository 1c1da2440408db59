"""Goldens for tests/vision: torchvision 0.14.1's box ops and NMS on seeded
boxes (with exact ties, duplicates, degenerate and overlapping boxes).
usage: /usr/bin/python3 gen_vision.py OUTDIR ; writes case_<k>_*.npy and a
manifest of "<k> <op> <arg>" lines."""
import os
import sys

import numpy as np
import torch
from torchvision import ops

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(1234)
lines = []


def save(k, name, a):
    np.save(os.path.join(out, "case_%d_%s.npy" % (k, name)), np.ascontiguousarray(a))


def boxes(n, spread=100.0, size=40.0):
    xy = rng.rand(n, 2).astype(np.float32) * spread
    wh = rng.rand(n, 2).astype(np.float32) * size
    b = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    return b


k = 0
# Two boxes with an IoU of exactly 0.3f: torchvision suppresses (0.3f > 0.3 as
# doubles), a float comparison would keep it.
EXACT = np.array([[0, 0, 10, 10], [0, 0, 10, 3]], np.float32)
for n, thr, ties in [(-1, 0.3, False), (0, 0.5, False), (1, 0.5, False), (30, 0.5, False), (200, 0.3, False),
                     (200, 0.7, True), (64, 0.0, True), (50, 1.0, False), (500, 0.45, True)]:
    b = EXACT if n < 0 else boxes(n)
    n = len(b)
    if n > 4:
        b[1] = b[0]          # a duplicate
        b[2, 2:] = b[2, :2]  # a zero-area box
    s = rng.rand(n).astype(np.float32)
    if ties and n:
        s = np.round(s * 8) / 8  # many exact ties
    idx = rng.randint(0, 5, n).astype(np.int64)
    tb, ts = torch.from_numpy(b), torch.from_numpy(s)
    save(k, "boxes", b)
    save(k, "scores", s)
    save(k, "idxs", idx)
    save(k, "nms", ops.nms(tb, ts, thr).numpy())
    save(k, "batched_nms", ops.batched_nms(tb, ts, torch.from_numpy(idx), thr).numpy())
    save(k, "area", ops.box_area(tb).numpy())
    b2 = boxes(7)
    save(k, "boxes2", b2)
    save(k, "iou", ops.box_iou(tb, torch.from_numpy(b2)).numpy())
    for fi, f in enumerate(["xyxy", "xywh", "cxcywh"]):
        for gi, g in enumerate(["xyxy", "xywh", "cxcywh"]):
            save(k, "convert_%d_%d" % (fi, gi), ops.box_convert(tb, f, g).numpy())
    save(k, "clip", ops.clip_boxes_to_image(tb - 20, (70, 90)).numpy())
    save(k, "shifted", (tb - 20).numpy())
    save(k, "small", ops.remove_small_boxes(tb, 12.5).numpy())
    lines.append("%d %r" % (k, thr))
    k += 1
with open(os.path.join(out, "manifest.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
