#!/usr/bin/python3
"""Peers for bench_preprocess: the same 1080p image through PIL+torchvision,
torchvision tensor transforms and OpenCV. Prints one JSON object of median
milliseconds. Usage: peers.py IMAGE.npy (HWC uint8) REPEATS"""
import json
import sys
import time

import numpy as np

img = np.load(sys.argv[1])
reps = int(sys.argv[2])
mean = np.array([0.485, 0.456, 0.406], np.float32)
std = np.array([0.229, 0.224, 0.225], np.float32)
out = {}


def bench(name, fn):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    out[name] = 1000 * float(np.median(ts))


try:
    import torch
    import torchvision.transforms as T
    import torchvision.transforms.functional as F
    from PIL import Image

    out["torch_threads"] = torch.get_num_threads()
    pil = Image.fromarray(img)
    pil_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(mean.tolist(), std.tolist())])
    bench("pil_torchvision", lambda: pil_tf(pil).unsqueeze(0))
    bench("pil_resize", lambda: pil.resize((455, 256), Image.BILINEAR))
    chw = torch.from_numpy(img).permute(2, 0, 1).contiguous()

    def tv_tensor():
        x = F.resize(chw, [256], antialias=True)
        x = F.center_crop(x, [224])
        x = F.convert_image_dtype(x, torch.float32)
        return F.normalize(x, mean.tolist(), std.tolist()).unsqueeze(0)

    bench("torchvision_tensor", tv_tensor)
    bench("torchvision_tensor_resize", lambda: F.resize(chw, [256], antialias=True))
except ImportError as e:
    out["torch_error"] = str(e)

try:
    import cv2

    def ocv():
        h, w = img.shape[:2]
        s = 256 / min(h, w)
        r = cv2.resize(img, (int(round(w * s)), 256), interpolation=cv2.INTER_AREA)
        t = (r.shape[0] - 224) // 2
        l_ = (r.shape[1] - 224) // 2
        c = r[t:t + 224, l_:l_ + 224].astype(np.float32) * (1 / 255.0)
        return ((c - mean) / std).transpose(2, 0, 1)[None].copy()

    bench("opencv", ocv)
    bench("opencv_resize", lambda: cv2.resize(img, (455, 256), interpolation=cv2.INTER_AREA))
    out["opencv_threads"] = cv2.getNumThreads()
except ImportError as e:
    out["opencv_error"] = str(e)
print(json.dumps(out))
