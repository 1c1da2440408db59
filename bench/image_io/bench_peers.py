#!/usr/bin/python3
"""Times the peer decoders on the files bench_image_io wrote.
usage: bench_peers.py REPS FILE... ; prints one JSON object:
{file: {peer: median_seconds or null}}. Each peer decodes to a uint8 array
(torchvision: decode_jpeg/decode_png on the bytes tensor; PIL: open + load +
np.asarray; OpenCV: imdecode, BGR, when python3-opencv is installed)."""
import json
import sys
import time

import numpy as np

reps = int(sys.argv[1])
files = sys.argv[2:]


def median_time(fn):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


peers = {}
try:
    import torch
    import torchvision.io as tio
    torch.set_num_threads(1)

    def tv(path):
        data = tio.read_file(path)
        dec = tio.decode_jpeg if path.endswith(".jpg") else tio.decode_png
        return lambda: dec(data)
    peers["torchvision"] = tv
except ImportError:
    pass
try:
    import io
    from PIL import Image

    def pil(path):
        data = open(path, "rb").read()

        def run():
            im = Image.open(io.BytesIO(data))
            im.load()
            return np.asarray(im)
        return run
    peers["pil"] = pil
except ImportError:
    pass
try:
    import cv2
    cv2.setNumThreads(1)

    def cv(path):
        buf = np.frombuffer(open(path, "rb").read(), np.uint8)
        return lambda: cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    peers["opencv"] = cv
except ImportError:
    pass

out = {}
for f in files:
    out[f] = {}
    for name in ("torchvision", "pil", "opencv"):
        out[f][name] = median_time(peers[name](f)) if name in peers else None
print(json.dumps(out))
