#!/usr/bin/python3
"""Peers for bench_preprocess: the same 1080p image through PIL+torchvision,
torchvision tensor transforms and OpenCV. Prints one JSON object of median
milliseconds. With a JPEG of the same image as the third argument, also the
whole path from the file's bytes (decode included).
Usage: peers.py IMAGE.npy (HWC uint8) REPEATS [IMAGE.jpg]"""
import json
import sys
import time

import numpy as np

img = np.load(sys.argv[1])
reps = int(sys.argv[2])
jpg = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
jpg_bytes = open(jpg, "rb").read() if jpg else None
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
    if jpg_bytes:
        import io
        import torchvision.io as tio

        bench("pil_torchvision_decode",
              lambda: pil_tf(Image.open(io.BytesIO(jpg_bytes)).convert("RGB")).unsqueeze(0))
        raw = torch.frombuffer(bytearray(jpg_bytes), dtype=torch.uint8)

        def tv_io():
            x = tio.decode_jpeg(raw, mode=tio.ImageReadMode.RGB)
            x = F.center_crop(F.resize(x, [256], antialias=True), [224])
            x = F.convert_image_dtype(x, torch.float32)
            return F.normalize(x, mean.tolist(), std.tolist()).unsqueeze(0)

        bench("torchvision_io_decode", tv_io)
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
    if jpg_bytes:
        buf = np.frombuffer(jpg_bytes, np.uint8)

        def ocv_dec():
            im = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            h, w = im.shape[:2]
            s = 256 / min(h, w)
            r = cv2.resize(im, (int(round(w * s)), 256), interpolation=cv2.INTER_AREA)
            t = (r.shape[0] - 224) // 2
            l_ = (r.shape[1] - 224) // 2
            c = r[t:t + 224, l_:l_ + 224].astype(np.float32) * (1 / 255.0)
            return ((c - mean) / std).transpose(2, 0, 1)[None].copy()

        bench("opencv_decode", ocv_dec)
    bench("opencv_resize", lambda: cv2.resize(img, (455, 256), interpolation=cv2.INTER_AREA))
    out["opencv_threads"] = cv2.getNumThreads()
except ImportError as e:
    out["opencv_error"] = str(e)
print(json.dumps(out))
