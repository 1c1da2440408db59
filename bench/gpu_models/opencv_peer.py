"""OpenCV DNN latency of a torchvision model (weights=None, seeded), the peer
of bench_model_latency. Exports the model to ONNX with torch.onnx.export and
times cv2.dnn on the requested target, printing one JSON object.

usage: /usr/bin/python3 opencv_peer.py MODEL TARGET(cpu|opencl) SIZE ITERS WORKDIR
For the OpenCL target on a CPU OpenCL device (PoCL) run with
OPENCV_OPENCL_DEVICE=:CPU: and OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1.
"""
import json
import os
import sys
import time

def strip_identity(path):
    # torch 1.13 exports Identity nodes (shared initializers) that OpenCV
    # 4.6's importer refuses; rewire their consumers to the Identity input.
    import onnx
    m = onnx.load(path)
    g = m.graph
    outs = {o.name for o in g.output}
    alias = {}
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.output[0] not in outs:
            alias[n.output[0]] = n.input[0]
        else:
            keep.append(n)
    for n in keep:
        for i, x in enumerate(n.input):
            while x in alias:
                x = alias[x]
            n.input[i] = x
    del g.node[:]
    g.node.extend(keep)
    onnx.save(m, path)


name, target, size, iters, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
out = {"model": name, "peer": "opencv-dnn", "target": target, "size": size}
try:
    import cv2
    import numpy as np
    import torch
    import torchvision

    out["opencv"] = cv2.__version__
    path = os.path.join(work, "%s_%d.onnx" % (name, size))
    if not os.path.exists(path):
        torch.manual_seed(0)
        m = torchvision.models.get_model(name, weights=None).eval()
        torch.onnx.export(m, torch.zeros(1, 3, size, size), path, opset_version=11)
        strip_identity(path)
    net = cv2.dnn.readNetFromONNX(path)
    if target == "opencl":
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_OPENCL)
        out["opencl_device"] = cv2.ocl.Device.getDefault().name() if cv2.ocl.haveOpenCL() else None
    x = np.random.RandomState(0).rand(1, 3, size, size).astype(np.float32)
    ts = []
    for k in range(iters + 1):
        net.setInput(x)
        t0 = time.perf_counter()
        net.forward()
        dt = (time.perf_counter() - t0) * 1e3
        if k == 0:
            out["first_ms"] = round(dt, 3)
        else:
            ts.append(dt)
    ts.sort()
    out["median_ms"] = round(ts[len(ts) // 2], 3)
except Exception as e:  # the bench reports a missing peer, it does not fail
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
