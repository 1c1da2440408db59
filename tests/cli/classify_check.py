"""`polyvis classify` against torchvision: a resnet18 with seeded random
weights saved under the official file name (so its preset is used), on a
real photo when ../shared/data is present and on a generated image; the
top-5 (index, label, prob) must match torchvision's read_image ->
resize(256, antialias) -> center_crop(224) -> normalize -> softmax, and the
--json document must have the documented shape (one object per image, in
input order, even for one image).
usage: /usr/bin/python3 classify_check.py POLYVIS_BIN [DATA_DIR]"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torchvision
    import torchvision.transforms.functional as F
    from torchvision.io import ImageReadMode, read_image
except ImportError as e:
    print("SKIP: torchvision oracle missing: %s" % e)
    sys.exit(77)

pv = sys.argv[1]
data = sys.argv[2] if len(sys.argv) > 2 else ""
tmp = tempfile.mkdtemp(prefix="pv_classify_")
fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)


torch.manual_seed(0)
m = torchvision.models.resnet18().eval()
w = os.path.join(tmp, "resnet18-f37072fd.pth")
torch.save(m.state_dict(), w)
gen = os.path.join(tmp, "gen.png")
rng = np.random.RandomState(3)
img = (np.linspace(0, 255, 300 * 400 * 3).reshape(300, 400, 3) * 0.7 + rng.rand(300, 400, 3) * 76).astype(np.uint8)
torchvision.io.write_png(torch.from_numpy(img).permute(2, 0, 1).contiguous(), gen)
images = [gen]
photo = os.path.join(data, "images/torchvision/grace_hopper_517x606.jpg")
if data and os.path.exists(photo):
    images.append(photo)
else:
    print("note: shared photos absent, generated image only")
cats = torchvision.models.ResNet18_Weights.DEFAULT.meta["categories"]
r = subprocess.run([pv, "classify", "--model", "resnet18", "--weights", w, "--json", "--batch", "2"]
                   + images, capture_output=True, text=True)
check(r.returncode == 0, "classify exit %d: %s" % (r.returncode, r.stderr))
doc = json.loads(r.stdout) if r.returncode == 0 else []
check(isinstance(doc, list) and len(doc) == len(images), "one object per image")
for obj, path in zip(doc, images):
    check(obj.get("image") == path, "input order")
    x = read_image(path, ImageReadMode.RGB)
    x = F.center_crop(F.resize(x, [256], antialias=True), [224])
    x = F.normalize(F.convert_image_dtype(x, torch.float32), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    with torch.no_grad():
        p = torch.softmax(m(x[None]), 1)[0]
    top = torch.topk(p, 5)
    got = obj.get("topk", [])
    check(len(got) == 5, "five classes")
    for g, pi, ii in zip(got, top.values.tolist(), top.indices.tolist()):
        print("%s: %d %s %.5f (torch %d %.5f)" % (os.path.basename(path), g["index"], g["label"], g["prob"], ii, pi))
        check(g["index"] == ii and g["label"] == cats[ii] and abs(g["prob"] - pi) <= 2e-3 * max(pi, 1e-3) + 1e-5,
              "%s top-5 entry %r vs torch %d %.6f" % (path, g, ii, pi))
# one image still gives an array; a broken image gives exit 1 and no crash
r = subprocess.run([pv, "classify", "--model", "resnet18", "--weights", w, "--json", gen], capture_output=True, text=True)
check(r.returncode == 0 and isinstance(json.loads(r.stdout), list), "one image -> array")
bad = os.path.join(tmp, "bad.jpg")
open(bad, "wb").write(b"\xff\xd8\xff\xe0garbage")
r = subprocess.run([pv, "classify", "--model", "resnet18", "--weights", w, bad], capture_output=True, text=True)
check(r.returncode == 1 and r.stderr.strip(), "bad image exits 1 with a message")
r = subprocess.run([pv, "classify", "--model", "resnet18"], capture_output=True)
check(r.returncode == 2, "missing image is a usage error")
sys.exit(1 if fails else 0)
