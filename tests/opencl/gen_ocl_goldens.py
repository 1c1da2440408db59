"""Goldens for tests/opencl/test_ocl_math.c: pooling, resize, norms and
softmax computed by torch 1.13 from seeded inputs. Usage: gen_ocl_goldens.py
OUTDIR. Writes <case>_x.npy and <case>_y.npy; the C side holds the same case
names with the matching attributes."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


def save(name, x, y):
    np.save(os.path.join(out, name + "_x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + "_y.npy"), y.numpy().astype(np.float32))


def rnd(*shape):
    return torch.randn(*shape)


x = rnd(1, 2, 8, 9)
save("mp_k3s2p1_ceil", x, F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
x = rnd(2, 3, 9, 9)
save("mp_k2_dil2", x, F.max_pool2d(x, 2, 1, 0, dilation=2))
x = rnd(1, 1, 7, 7)
save("mp_k2s2_ceil", x, F.max_pool2d(x, 2, 2, ceil_mode=True))
x = rnd(1, 2, 8, 9)
save("ap_k3s2p1_incl", x, F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True))
save("ap_k3s2p1_excl", x, F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
x = rnd(1, 2, 7, 7)
save("ap_k2s2_div3", x, F.avg_pool2d(x, 2, 2, divisor_override=3))
x = rnd(2, 3, 11, 7)
save("aap_5x3", x, F.adaptive_avg_pool2d(x, (5, 3)))
x = rnd(1, 2, 9, 10)
save("amp_4x4", x, F.adaptive_max_pool2d(x, (4, 4)))

x = rnd(1, 2, 5, 7)
save("rs_nearest", x, F.interpolate(x, size=(9, 4), mode="nearest"))
save("rs_nearest_x2", x, F.interpolate(x, size=(10, 14), mode="nearest"))
save("rs_nearest_exact", x, F.interpolate(x, size=(9, 4), mode="nearest-exact"))
save("rs_bilinear", x, F.interpolate(x, size=(8, 11), mode="bilinear", align_corners=False))
save("rs_bilinear_ac", x, F.interpolate(x, size=(8, 11), mode="bilinear", align_corners=True))
save("rs_bilinear_sf", x, F.interpolate(x, scale_factor=1.7, mode="bilinear",
                                        align_corners=False, recompute_scale_factor=False))
save("rs_bicubic", x, F.interpolate(x, size=(8, 11), mode="bicubic", align_corners=False))
save("rs_bicubic_ac", x, F.interpolate(x, size=(3, 4), mode="bicubic", align_corners=True))
x = rnd(1, 2, 17, 23)
save("rs_bilinear_aa", x, F.interpolate(x, size=(5, 7), mode="bilinear", antialias=True))
save("rs_bicubic_aa", x, F.interpolate(x, size=(6, 9), mode="bicubic", antialias=True))

x = rnd(2, 6, 5, 4)
save("gn_g3", x, F.group_norm(x, 3, torch.linspace(0.5, 1.5, 6), torch.linspace(-1, 1, 6), 1e-5))
save("in", x, F.instance_norm(x, weight=torch.linspace(0.5, 1.5, 6), bias=torch.linspace(-1, 1, 6), eps=1e-5))
x = rnd(3, 4, 10)
save("ln_2", x, F.layer_norm(x, (4, 10), torch.linspace(0.5, 1.5, 40).reshape(4, 10),
                             torch.linspace(-1, 1, 40).reshape(4, 10), 1e-5))
x = rnd(2, 6, 3, 3)
save("bn", x, F.batch_norm(x, torch.linspace(-0.5, 0.5, 6), torch.linspace(0.5, 2, 6),
                           torch.linspace(0.5, 1.5, 6), torch.linspace(-1, 1, 6), False, 0.1, 1e-5))
x = rnd(3, 5, 4) * 4
save("softmax_1", x, F.softmax(x, 1))
save("log_softmax_2", x, F.log_softmax(x, -1))
