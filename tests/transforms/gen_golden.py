#!/usr/bin/python3
"""Generates inputs and torchvision 0.14.1 goldens for the polyvis
transforms tests (seeded). Usage: gen_golden.py OUTDIR [DATA_DIR]

Writes OUTDIR/cases.txt, one case a line:
  name<TAB>input.npy<TAB>SPEC<TAB>expected.npy<TAB>tolerance
tolerance: exact, u8 (bit-exact, or +-1 on <= 0.1% of pixels where torch
rounds from float), f32 (<= 1e-5 abs), f16 (<= 1e-3 abs), f32:TOL, f32u8 (normalised
output of a uint8 resize: <= 1e-5 except one uint8 step on <= 0.1%).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as TF
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode as IM

out = sys.argv[1]
data = sys.argv[2] if len(sys.argv) > 2 else ""
os.makedirs(out, exist_ok=True)
torch.manual_seed(1234)
g = np.random.default_rng(1234)
lines = []
saved = {}


def save(name, t):
    p = os.path.join(out, name + ".npy")
    np.save(p, t.contiguous().numpy())
    return name + ".npy"


def inp(name, t):
    if name not in saved:
        saved[name] = save("in_" + name, t)
    return saved[name]


def case(name, iname, it, spec, ref, tol):
    lines.append("\t".join([name, inp(iname, it), spec, save("out_" + name, ref), tol]))


def kind(t):
    return {torch.uint8: "u8", torch.float32: "f32", torch.float16: "f16"}[t.dtype]


# --- inputs ---------------------------------------------------------------
u8 = torch.from_numpy(g.integers(0, 256, (3, 37, 53), dtype=np.uint8))
# a smooth image too: resampling errors show on gradients, noise hides them
yy, xx = np.meshgrid(np.linspace(0, 1, 45), np.linspace(0, 1, 61), indexing="ij")
smooth = np.stack([255 * xx, 255 * yy, 127 + 120 * np.sin(6 * xx + 4 * yy)])
u8s = torch.from_numpy(np.clip(smooth, 0, 255).astype(np.uint8))
u8b = torch.from_numpy(g.integers(0, 256, (2, 3, 20, 31), dtype=np.uint8))
f32 = torch.from_numpy(g.random((3, 37, 53), dtype=np.float32))
f32b = torch.from_numpy(g.random((2, 3, 20, 31), dtype=np.float32))
f16 = f32.half()
ims = {"u8": u8, "u8s": u8s, "u8b": u8b, "f32": f32, "f32b": f32b}


def interp_name(m):
    return {IM.NEAREST: "nearest", IM.BILINEAR: "bilinear", IM.BICUBIC: "bicubic"}[m]


# --- resize ---------------------------------------------------------------
sizes = {"down": [17, 23], "up": [61, 80], "mix": [50, 20], "short": [24], "tiny": [1, 5]}
for iname, it in ims.items():
    for sname, size in sizes.items():
        for m in (IM.NEAREST, IM.BILINEAR, IM.BICUBIC):
            for aa in (False, True):
                if m == IM.NEAREST and aa:
                    continue
                ref = F.resize(it, size, m, antialias=aa)
                sz = str(size[0]) if len(size) == 1 else "[%d, %d]" % tuple(size)
                spec = "resize(%s, %s, antialias=%s)" % (sz, interp_name(m), "true" if aa else "false")
                tol = "u8" if it.dtype == torch.uint8 else "f32"
                case("resize_%s_%s_%s_aa%d" % (iname, sname, interp_name(m), aa), iname, it, spec, ref, tol)
        # nearest-exact (torch 1.13 F.interpolate; torchvision >= 0.15 mode)
        x = it if it.ndim == 4 else it.unsqueeze(0)
        osz = size if len(size) == 2 else F._compute_resized_output_size(list(it.shape[-2:]), size)
        r = TF.interpolate(x.float(), size=osz, mode="nearest-exact")
        if it.dtype == torch.uint8:
            r = r.round().to(torch.uint8)
        r = r if it.ndim == 4 else r[0]
        sz = str(size[0]) if len(size) == 1 else "[%d, %d]" % tuple(size)
        case("resize_%s_%s_nearest_exact" % (iname, sname), iname, it,
             "resize(%s, interpolation=nearest_exact)" % sz, r, "exact")
# f16 images are resampled in float32 and cast back
for m in (IM.BILINEAR, IM.BICUBIC):
    for aa in (False, True):
        ref = F.resize(f16, [20, 29], m, antialias=aa)
        case("resize_f16_%s_aa%d" % (interp_name(m), aa), "f16", f16,
             "resize([20, 29], %s, antialias=%s)" % (interp_name(m), str(aa).lower()), ref, "f16")
# max_size, same size (returned unchanged), big downscale factor
case("resize_max_size", "u8", u8, "resize(30, bilinear, max_size=35, antialias=false)",
     F.resize(u8, [30], IM.BILINEAR, max_size=35, antialias=False), "u8")
case("resize_same", "u8", u8, "resize([37, 53])", u8.clone(), "exact")
big = torch.from_numpy(g.integers(0, 256, (3, 301, 457), dtype=np.uint8))
for m in (IM.BILINEAR, IM.BICUBIC):
    for aa in (False, True):
        case("resize_big_%s_aa%d" % (interp_name(m), aa), "big", big,
             "resize(32, %s, antialias=%s)" % (interp_name(m), str(aa).lower()),
             F.resize(big, [32], m, antialias=aa), "u8")

# --- crops, pads, flips ---------------------------------------------------
for iname in ("u8", "f32", "u8b"):
    it = ims[iname]
    tol = "exact"
    for s in ([20], [30, 60], [36, 52], [34, 50], [37, 53], [60, 10]):
        spec = "center_crop(%s)" % (s[0] if len(s) == 1 else "[%d, %d]" % tuple(s))
        case("center_crop_%s_%s" % (iname, "x".join(map(str, s))), iname, it, spec, F.center_crop(it, s), tol)
    for c in ((-3, 5, 20, 60), (4, 2, 10, 11), (30, 40, 20, 20)):
        case("crop_%s_%d_%d_%d_%d" % ((iname,) + c), iname, it, "crop(%d, %d, %d, %d)" % c, F.crop(it, *c), tol)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        for pad in ([1, 2, 3, 4], [3], [2, 5]):
            fill = 7 if mode == "constant" and it.dtype == torch.uint8 else (0.5 if mode == "constant" else 0)
            ref = F.pad(it, pad, fill=fill, padding_mode=mode)
            spec = "pad(%s, fill=%s, padding_mode=%s)" % (pad, fill, mode)
            case("pad_%s_%s_%s" % (iname, mode, "_".join(map(str, pad))), iname, it, spec, ref, tol)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        pad = [-2, 1, 3, -1]
        ref = F.pad(it, pad, padding_mode=mode)
        case("pad_%s_%s_neg" % (iname, mode), iname, it, "pad(%s, padding_mode=%s)" % (pad, mode), ref, tol)
    case("hflip_" + iname, iname, it, "hflip", F.hflip(it), tol)
    case("vflip_" + iname, iname, it, "vflip()", F.vflip(it), tol)
    rtol = "u8" if it.dtype == torch.uint8 else "f32"
    case("resized_crop_" + iname, iname, it,
         "resized_crop(3, 4, 25, 30, [16, 16], bilinear, antialias=true)",
         F.resized_crop(it, 3, 4, 25, 30, [16, 16], IM.BILINEAR, antialias=True), rtol)

# --- dtype and normalize --------------------------------------------------
for iname in ("u8", "u8b"):
    it = ims[iname]
    case("convert_%s_f32" % iname, iname, it, "convert_image_dtype(float32)",
         F.convert_image_dtype(it, torch.float32), "f32:0")
    case("to_dtype_%s_f32" % iname, iname, it, "to_dtype(float32, scale=true)",
         it.to(torch.float32).mul_(1.0 / 255), "f32:0")
    case("to_dtype_noscale_%s" % iname, iname, it, "to_dtype(float32)", it.to(torch.float32), "f32:0")
for iname in ("f32", "f32b"):
    it = ims[iname]
    case("convert_%s_u8" % iname, iname, it, "convert_image_dtype(uint8)",
         F.convert_image_dtype(it, torch.uint8), "exact")
    case("to_dtype_%s_u8" % iname, iname, it, "to_dtype(uint8, scale=true)",
         it.mul(255 + 1.0 - 1e-3).to(torch.uint8), "exact")
    case("normalize_%s" % iname, iname, it, "normalize(imagenet)",
         F.normalize(it, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), "f32:0")
    case("normalize2_%s" % iname, iname, it, "normalize(mean=[0.5, 0.25, 0.1], std=[0.2, 0.3, 0.7])",
         F.normalize(it, [0.5, 0.25, 0.1], [0.2, 0.3, 0.7]), "f32:0")
case("chain_u8", "u8", u8,
     "resize(30, bilinear, antialias=true) | center_crop(24) | to_dtype(float32, scale=true) | normalize(imagenet)",
     F.normalize(F.center_crop(F.resize(u8, [30], antialias=True), [24]).to(torch.float32).mul_(1.0 / 255),
                 [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), "f32")

# --- colour ---------------------------------------------------------------
cims = {"u8": u8, "u8b": u8b, "f32": f32}
for iname, it in cims.items():
    ut = "u8" if it.dtype == torch.uint8 else "f32"
    for n in (1, 3):
        case("gray%d_%s" % (n, iname), iname, it, "rgb_to_grayscale(%d)" % n, F.rgb_to_grayscale(it, n), ut)
    for f in (0.0, 0.5, 1.3, 2.0):
        case("bright_%s_%g" % (iname, f), iname, it, "adjust_brightness(%r)" % f, F.adjust_brightness(it, f), ut)
    for f in (0.0, 0.5, 1.7):
        case("contrast_%s_%g" % (iname, f), iname, it, "adjust_contrast(%r)" % f, F.adjust_contrast(it, f), ut)
    for f in (0.0, 0.4, 1.6):
        case("sat_%s_%g" % (iname, f), iname, it, "adjust_saturation(%r)" % f, F.adjust_saturation(it, f), ut)
    for f in (-0.5, -0.2, 0.1, 0.45):
        case("hue_%s_%g" % (iname, f), iname, it, "adjust_hue(%r)" % f, F.adjust_hue(it, f), ut)
    for gm, gn in ((0.4, 1.0), (1.0, 1.0), (2.2, 1.0), (2.0, 1.3)):
        case("gamma_%s_%g_%g" % (iname, gm, gn), iname, it, "adjust_gamma(%r, gain=%r)" % (gm, gn),
             F.adjust_gamma(it, gm, gn), ut)
    for f in (0.0, 0.5, 2.0):
        case("sharp_%s_%g" % (iname, f), iname, it, "adjust_sharpness(%r)" % f, F.adjust_sharpness(it, f), ut)
    th = (0, 128, 200) if it.dtype == torch.uint8 else (0.5,)
    for t in th:
        case("solarize_%s_%g" % (iname, t), iname, it, "solarize(%r)" % t, F.solarize(it, t), ut)
    case("invert_" + iname, iname, it, "invert", F.invert(it), ut)
    case("autocontrast_" + iname, iname, it, "autocontrast", F.autocontrast(it), ut)
    if it.dtype == torch.uint8:
        for b in (1, 4, 7, 8):
            case("posterize_%s_%d" % (iname, b), iname, it, "posterize(%d)" % b, F.posterize(it, b), "exact")
        case("equalize_" + iname, iname, it, "equalize", F.equalize(it), "exact")
# a low-contrast image, where autocontrast and equalize do real work
low = (u8s // 3 + 60).to(torch.uint8)
case("autocontrast_low", "low", low, "autocontrast()", F.autocontrast(low), "u8")
case("equalize_low", "low", low, "equalize()", F.equalize(low), "exact")

# --- blur and erase ---------------------------------------------------------
for iname in ("u8", "f32", "u8b"):
    it = ims[iname]
    ut = "u8" if it.dtype == torch.uint8 else "f32"
    case("blur_%s_5x3" % iname, iname, it, "gaussian_blur([5, 3], [1.2, 0.7])",
         F.gaussian_blur(it, [5, 3], [1.2, 0.7]), ut)
    case("blur_%s_default" % iname, iname, it, "gaussian_blur(7)", F.gaussian_blur(it, [7, 7]), ut)
    v = torch.tensor([0.25, 0.5, 0.75])[:, None, None]
    if it.dtype == torch.uint8:
        v = torch.tensor([10.0, 200.0, 255.0])[:, None, None]
    case("erase_%s" % iname, iname, it, "erase(2, 3, 5, 7, [%s])" % ", ".join("%g" % x for x in v.flatten()),
         F.erase(it, 2, 3, 5, 7, v), "exact")

# --- warps ----------------------------------------------------------------------
for iname in ("u8", "f32", "u8b"):
    it = ims[iname]
    fillv = [10.0, 200.0, 30.0] if it.dtype == torch.uint8 else [0.25, 0.5, 1.0]
    fs = "[%s]" % ", ".join("%g" % v for v in fillv)
    for m, mn in ((IM.NEAREST, "nearest"), (IM.BILINEAR, "bilinear")):
        for fill in (None, fillv):
            tag = "%s_%s_%s" % (iname, mn, "fill" if fill else "nofill")
            fspec = (", fill=%s" % fs) if fill else ""
            case("affine_" + tag, iname, it,
                 "affine(30, [3, -2], 1.1, [10, 5], %s%s)" % (mn, fspec),
                 F.affine(it, 30.0, [3, -2], 1.1, [10.0, 5.0], m, fill), "warp")
            case("affine_center_" + tag, iname, it,
                 "affine(-12.5, [0, 0], 0.9, 0, interpolation=%s, center=[5, 7]%s)" % (mn, fspec),
                 F.affine(it, -12.5, [0, 0], 0.9, [0.0], m, fill, center=[5, 7]), "warp")
            for ex in (False, True):
                case("rotate_%s_ex%d" % (tag, ex), iname, it,
                     "rotate(37, %s, expand=%s%s)" % (mn, str(ex).lower(), fspec),
                     F.rotate(it, 37.0, m, expand=ex, fill=fill), "warp")
            sp = [[0, 0], [52, 0], [52, 36], [0, 36]]
            ep = [[3, 2], [50, 1], [49, 34], [1, 35]]
            case("perspective_" + tag, iname, it,
                 "perspective([0, 0, 52, 0, 52, 36, 0, 36], [3, 2, 50, 1, 49, 34, 1, 35], %s%s)" % (mn, fspec),
                 F.perspective(it, sp, ep, m, fill), "warp")

# --- autoaugment's _apply_op --------------------------------------------------
from torchvision.transforms.autoaugment import _apply_op
for iname in ("u8", "u8b"):
    it = ims[iname]
    for opn, mag in (("Identity", 0.0), ("ShearX", 0.2), ("ShearY", -0.25), ("TranslateX", 7.6),
                     ("TranslateY", -5.2), ("Rotate", 21.0), ("Brightness", 0.4), ("Color", -0.5),
                     ("Contrast", 0.3), ("Sharpness", 0.6), ("Posterize", 5.0), ("Solarize", 170.0),
                     ("AutoContrast", 0.0), ("Equalize", 0.0), ("Invert", 0.0)):
        for m, mn in ((IM.NEAREST, "nearest"), (IM.BILINEAR, "bilinear")):
            if m == IM.BILINEAR and opn not in ("ShearX", "Rotate", "TranslateY"):
                continue
            for fill in (None, [3.0, 100.0, 250.0]):
                fs = ", fill=[3, 100, 250]" if fill else ""
                case("augop_%s_%s_%s_%s" % (iname, opn, mn, "fill" if fill else "nofill"), iname, it,
                     "augment_op(%s, %r, %s%s)" % (opn, mag, mn, fs),
                     _apply_op(it, opn, mag, m, fill), "warp")

# --- elastic_transform with a fixed displacement (C API, '@elastic' cases) ----
for iname in ("u8", "f32"):
    it = ims[iname]
    disp = (torch.rand(1, it.shape[-2], it.shape[-1], 2) * 0.2 - 0.1)
    dname = save("disp_" + iname, disp)
    for m, mn in ((IM.NEAREST, "nearest"), (IM.BILINEAR, "bilinear")):
        case("elastic_%s_%s" % (iname, mn), iname, it, "@elastic %s %s" % (dname, mn),
             F.elastic_transform(it, disp, m), "warp")

with open(os.path.join(out, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")

# --- presets on real photos -----------------------------------------------
photos = ["images/skimage/astronaut.png", "images/skimage/chelsea.png",
          "images/torchvision/grace_hopper_517x606.jpg", "images/exif/Landscape_1.jpg"]
plines = []
if data and os.path.isdir(data):
    from torchvision.io import ImageReadMode, read_image
    from torchvision.models import ResNet50_Weights
    preset = ResNet50_Weights.IMAGENET1K_V1.transforms()
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    for i, rel in enumerate(photos):
        p = os.path.join(data, rel)
        if not os.path.exists(p):
            continue
        img = read_image(p, ImageReadMode.RGB)
        iname = inp("photo%d" % i, img)
        ref = preset(img)
        plines.append("\t".join(["preset_noaa_%d" % i, iname, "preset:0", save("out_preset_noaa_%d" % i, ref), "f32u8"]))
        aa = F.normalize(F.convert_image_dtype(F.center_crop(F.resize(img, [256], antialias=True), [224]),
                                               torch.float32), mean, std)
        plines.append("\t".join(["preset_aa_%d" % i, iname, "preset:1", save("out_preset_aa_%d" % i, aa), "f32u8"]))
        bic = F.normalize(F.convert_image_dtype(F.center_crop(
            F.resize(img, [232], IM.BICUBIC, antialias=True), [224]), torch.float32), mean, std)
        plines.append("\t".join(["preset_bicubic_aa_%d" % i, iname,
                                "resize(232, bicubic) | center_crop(224) | convert_image_dtype(float32) | normalize(imagenet)",
                                save("out_preset_bicubic_aa_%d" % i, bic), "f32u8"]))
with open(os.path.join(out, "photo_cases.txt"), "w") as f:
    f.write("\n".join(plines) + ("\n" if plines else ""))
print("wrote %d cases, %d photo cases" % (len(lines), len(plines)))
