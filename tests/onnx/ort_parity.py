"""The shared real ONNX models against ONNX Runtime (the reference runtime,
onnxruntime-node pinned in bench/models/package.json) on the same seeded
inputs: `polyvis run` on every device present (GPUs in strict no-fallback
mode), every output within 1e-4 relative error (max|got - want| /
max|want|); the int8 MobileNetV2 exact or off by one quantum. Skips when the shared data, node or onnxruntime-node is absent.
usage: /usr/bin/python3 ort_parity.py POLYVIS_BIN DATA_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

pv, data = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
ort_dir = os.path.join(here, "../../bench/models/node_modules/onnxruntime-node")
if not os.path.isdir(os.path.join(data, "models")):
    print("SKIP: shared data absent (%s)" % data)
    sys.exit(77)
if not shutil.which("node") or not os.path.isdir(ort_dir):
    print("SKIP: node or onnxruntime-node missing (scripts/install-deps.sh runs npm ci in bench/models)")
    sys.exit(77)
rng = np.random.RandomState(7)
cases = [  # model, input shape, value range
    ("ultraface-version-RFB-320.onnx", (1, 3, 240, 320), (-1, 1)),
    ("ultraface-version-RFB-320_without_postprocessing.onnx", (1, 3, 240, 320), (-1, 1)),
    ("yolox_nano.onnx", (1, 3, 416, 416), (0, 255)),
    ("mnist-opt.onnx", (1, 1, 28, 28), (0, 255)),
    ("blazeface_front_128x128.onnx", (1, 128, 128, 3), (-1, 1)),
    ("ppocrv4_det.onnx", (1, 3, 160, 224), (-2, 2)),
    # int8: exact or off by one quantum of the dequantised output (scale)
    ("mobilenetv2-12-int8.onnx", (1, 3, 224, 224), (-2, 2), 0.16014458),
]
devices = [d["name"] for d in json.loads(subprocess.check_output([pv, "devices", "--json"]))]
tmp = tempfile.mkdtemp(prefix="pv_ort_")
fails = 0
for model, shape, (lo, hi), *quantum in cases:
    mp = os.path.join(data, "models", model)
    x = (lo + (hi - lo) * rng.rand(*shape)).astype(np.float32)
    xb, xn = os.path.join(tmp, "x.bin"), os.path.join(tmp, "x.npy")
    x.tofile(xb)
    np.save(xn, x)
    od = os.path.join(tmp, "ort")
    shutil.rmtree(od, ignore_errors=True)
    os.makedirs(od)
    r = subprocess.run(["node", os.path.join(here, "ort_run.js"), mp, xb, ",".join(map(str, shape)), od],
                       capture_output=True, text=True)
    if r.returncode:
        print("FAIL: onnxruntime on %s: %s" % (model, r.stderr.strip()))
        fails += 1
        continue
    meta = json.load(open(os.path.join(od, "meta.json")))
    want = [np.fromfile(os.path.join(od, "%d.bin" % i), np.float32).reshape(m["dims"]) for i, m in enumerate(meta)]
    for dev in devices:
        pd = os.path.join(tmp, "pv")
        shutil.rmtree(pd, ignore_errors=True)
        cmd = [pv, "run", "--model", mp, "--input", xn, "--output-dir", pd, "--device", dev]
        if dev != "cpu":
            cmd.append("--no-fallback")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print("FAIL: polyvis on %s %s: %s" % (dev, model, r.stderr.strip()))
            fails += 1
            continue
        for m, w in zip(meta, want):
            fn = "".join(c if c.isalnum() or c in "_.-" else "_" for c in m["name"]) + ".npy"
            got = np.load(os.path.join(pd, fn)).astype(np.float32)
            err = np.abs(got - w).max() / max(np.abs(w).max(), 1e-30) if w.size else 0.0
            if quantum:  # int8: every value within one quantum
                ok = got.shape == w.shape and np.abs(got - w).max() <= quantum[0] * 1.0001
            else:
                ok = got.shape == w.shape and err <= 1e-4
            print("%-52s %-9s %-16s rel_err %.3g %s" % (model, dev, m["name"], err, "ok" if ok else "FAIL"))
            fails += not ok
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
