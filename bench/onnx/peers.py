"""bench/onnx peer: OpenCV DNN latency of an ONNX model on its fixed input
shape (CPU, or the OpenCL target: set OPENCV_OPENCL_DEVICE=:CPU: and
OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1 for PoCL). One JSON line.
usage: /usr/bin/python3 peers.py MODEL.onnx cpu|opencl ITERS"""
import json
import os
import sys
import time

path, target, iters = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {"model": os.path.basename(path), "peer": "opencv-dnn-" + target}
try:
    import cv2
    import numpy as np
    import onnx

    g = onnx.load(path).graph
    shape = [d.dim_value or 1 for d in g.input[0].type.tensor_type.shape.dim]
    net = cv2.dnn.readNetFromONNX(path)
    if target == "opencl":
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_OPENCL)
    x = np.random.RandomState(0).rand(*shape).astype(np.float32)
    ts = []
    for k in range(iters + 1):
        net.setInput(x)
        t0 = time.perf_counter()
        net.forward(net.getUnconnectedOutLayersNames())
        if k:
            ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    out["median_ms"] = round(ts[len(ts) // 2], 3)
except Exception as e:
    out["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
print(json.dumps(out))
