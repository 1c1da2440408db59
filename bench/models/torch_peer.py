"""bench/models peer: PyTorch 1.13 CPU latency of a torchvision model
(weights=None, seeded), and the files the other runners need: the
state_dict (.pth, for polyvis) and an ONNX export (for ONNX Runtime).
usage: /usr/bin/python3 torch_peer.py MODEL BATCH ITERS WORKDIR -> one JSON line"""
import json
import os
import sys
import time

import torch
import torchvision

name, batch, iters, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(os.cpu_count())  # as many threads as polyvis uses
torch.manual_seed(0)
m = torchvision.models.get_model(name, weights=None).eval()
pth = os.path.join(work, name + ".pth")
onnx = os.path.join(work, "%s_b%d.onnx" % (name, batch))
x = torch.rand(batch, 3, 224, 224)
if not os.path.exists(pth):
    torch.save(m.state_dict(), pth)
if not os.path.exists(onnx):
    torch.onnx.export(m, x, onnx, opset_version=13, input_names=["x"], output_names=["y"])
ts = []
with torch.no_grad():
    for k in range(iters + 1):
        t0 = time.perf_counter()
        m(x)
        if k:
            ts.append((time.perf_counter() - t0) * 1e3)
ts.sort()
print(json.dumps({"model": name, "batch": batch, "peer": "pytorch", "threads": torch.get_num_threads(),
                  "median_ms": round(ts[len(ts) // 2], 3), "pth": pth, "onnx": onnx}))
