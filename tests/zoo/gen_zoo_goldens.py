#!/usr/bin/python3
"""Writes zoo parity cases for polyvis: for each model, a seeded torchvision
0.14.1 architecture (weights=None) with seeded noise added to every parameter
and buffer (so BatchNorm statistics, zero heads and layer scales are not
degenerate), saved with torch.save (zip format, and the legacy format for
some), a seeded input and torch's logits.

usage: gen_zoo_goldens.py OUTDIR [--full] [MODEL ...]
       gen_zoo_goldens.py --list-full   (prints `name size` per variant)
Writes OUTDIR/manifest.txt: `name H W weights.pth input.npy logits.npy`.
With --full, each variant runs at its native size (the crop size of its
default weights; ViT at its fixed 224) and MODEL names select a chunk, so
the full set can be split over several processes / CTest tests.
"""
import os
import sys

import numpy as np
import torch
import torchvision

# CI: one model per family at a reduced input size (where the architecture
# allows); --full: every variant at its native size.
CI = [
    ("resnet18", 64), ("resnet50", 64), ("resnext50_32x4d", 64),
    ("wide_resnet50_2", 64), ("alexnet", 64), ("vgg11_bn", 32),
    ("squeezenet1_0", 64), ("squeezenet1_1", 64), ("mobilenet_v2", 64),
    ("mobilenet_v3_large", 64), ("mobilenet_v3_small", 64),
    ("densenet121", 64), ("shufflenet_v2_x1_0", 64), ("mnasnet1_0", 64),
    ("efficientnet_b0", 64), ("googlenet", 64), ("convnext_tiny", 64),
    ("vit_b_32", 224), ("regnet_y_400mf", 64), ("regnet_x_400mf", 64),
    ("inception_v3", 96), ("efficientnet_v2_s", 64),
    ("swin_t", 64), ("swin_v2_t", 64), ("maxvit_t", 224),
]
LEGACY = {"resnet18", "mobilenet_v2"}  # saved with the pre-1.6 format


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith("running_mean"):
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
            else:
                scale = float(t.std()) if t.numel() > 1 and float(t.std()) > 0 else 0.1
                t.add_(0.2 * scale * torch.randn(t.shape, generator=g))


def native_size(name):
    """The crop size of the default weights (the size the model is used at)."""
    if name.startswith("vit_"):
        return 224  # weights=None builds image_size=224; SWAG sizes need other weights
    try:
        w = torchvision.models.get_model_weights(name).DEFAULT
        return int(w.transforms().crop_size[0])
    except Exception:  # noqa: BLE001
        return 224


def main():
    if sys.argv[1:2] == ["--list-full"]:
        for n in torchvision.models.list_models(module=torchvision.models):
            print(n, native_size(n))
        return
    out = sys.argv[1]
    full = "--full" in sys.argv
    only = [a for a in sys.argv[2:] if not a.startswith("--")]
    os.makedirs(out, exist_ok=True)
    cases = CI
    if full:
        cases = [(n, native_size(n))
                 for n in torchvision.models.list_models(module=torchvision.models)]
    if only:
        cases = [c for c in cases if c[0] in only] or [(n, 64) for n in only]
    torch.set_num_threads(2)
    lines = []
    for i, (name, size) in enumerate(cases):
        torch.manual_seed(1000 + i)
        try:
            m = torchvision.models.get_model(name, weights=None)
        except Exception as e:  # noqa: BLE001
            print("skip %s: %s" % (name, e))
            continue
        m.eval()
        perturb(m, 2000 + i)
        x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(3000 + i))
        with torch.no_grad():
            y = m(x)
        if isinstance(y, tuple):
            y = y[0]
        assert float(y.std()) > 1e-3, "%s: degenerate reference logits" % name
        wp = os.path.join(out, name + ".pth")
        torch.save(m.state_dict(), wp, _use_new_zipfile_serialization=name not in LEGACY)
        np.save(os.path.join(out, name + "_x.npy"), x.numpy())
        np.save(os.path.join(out, name + "_y.npy"), y.numpy())
        lines.append("%s %d %d %s %s %s" % (name, size, size, wp,
                                            os.path.join(out, name + "_x.npy"),
                                            os.path.join(out, name + "_y.npy")))
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d zoo cases" % len(lines))


if __name__ == "__main__":
    main()
