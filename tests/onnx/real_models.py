"""Real ONNX models doing their job on data the test draws, on every device
present (GPUs in strict no-fallback mode):
  - mnist-8 reads the digits 0-9 rendered white on black, centred, 28x28;
  - PP-OCRv4's text detector gives a probability map that is high on the
    rendered words and low on the background.
Skips when the shared data, PIL or the DejaVu font is absent.
usage: /usr/bin/python3 real_models.py POLYVIS_BIN DATA_DIR"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

pv, data = sys.argv[1], sys.argv[2]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
try:
    from PIL import Image, ImageDraw, ImageFont
except ImportError:
    print("SKIP: PIL missing")
    sys.exit(77)
if not os.path.isdir(os.path.join(data, "models")) or not os.path.exists(FONT):
    print("SKIP: shared data or %s absent" % FONT)
    sys.exit(77)
devices = [d["name"] for d in json.loads(subprocess.check_output([pv, "devices", "--json"]))]
tmp = tempfile.mkdtemp(prefix="pv_real_")
fails = 0


def run(model, x, dev):
    xp, yp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    np.save(xp, x)
    cmd = [pv, "run", "--model", os.path.join(data, "models", model), "--input", xp, "--output", yp,
           "--device", dev] + (["--no-fallback"] if dev != "cpu" else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr.strip())
    return np.load(yp)


font = ImageFont.truetype(FONT, 22)
digits = []
for d in range(10):
    im = Image.new("L", (28, 28), 0)
    dr = ImageDraw.Draw(im)
    l, t, r, b = dr.textbbox((0, 0), str(d), font=font)
    dr.text(((28 - (r - l)) / 2 - l, (28 - (b - t)) / 2 - t), str(d), fill=255, font=font)
    digits.append(np.asarray(im, np.float32)[None, None])

# PP-OCR: black words on white, BGR, /255, ImageNet mean/std (its det preset)
H, W = 160, 320
page = Image.new("RGB", (W, H), (255, 255, 255))
dr = ImageDraw.Draw(page)
big = ImageFont.truetype(FONT, 34)
dr.text((20, 30), "polyvis", fill=(0, 0, 0), font=big)
dr.text((20, 95), "OCR 2026", fill=(0, 0, 0), font=big)
ink = np.asarray(page.convert("L")) < 128
lines = np.zeros((H, W), bool)  # each line's ink bounding box
for top, bot in ((0, H // 2), (H // 2, H)):
    ys, xs = np.nonzero(ink[top:bot])
    lines[top + ys.min():top + ys.max() + 1, xs.min():xs.max() + 1] = True
text = np.zeros((H, W), bool)  # the lines grown by 6 px: the rest is background
for dy in range(-6, 7):
    for dx in range(-6, 7):
        text |= np.roll(np.roll(lines, dy, 0), dx, 1)
bgr = np.asarray(page, np.float32)[:, :, ::-1] / 255.0
mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
page_x = ((bgr - mean) / std).transpose(2, 0, 1)[None].astype(np.float32).copy()

for dev in devices:
    try:
        got = [int(run("mnist-opt.onnx", x, dev).argmax()) for x in digits]
        ok = got == list(range(10))
        print("mnist-8 on %-9s reads %s %s" % (dev, got, "ok" if ok else "WRONG"))
        fails += not ok
        prob = run("ppocrv4_det.onnx", page_x, dev)[0, 0]
        on, off = float(prob[lines].mean()), float(prob[~text].mean())
        ok = prob.shape == (H, W) and on > 0.3 and off < 0.02
        print("ppocrv4  on %-9s text %.3f background %.4f %s" % (dev, on, off, "ok" if ok else "WRONG"))
        fails += not ok
    except RuntimeError as e:
        print("FAIL on %s: %s" % (dev, e))
        fails += 1
sys.exit(1 if fails else 0)
