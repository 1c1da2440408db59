#!/usr/bin/python3
"""Writes torch 1.13 goldens for the CPU backend op test (test_cpu_ops.c).

Usage: cpu_goldens.py OUTDIR

For every case it writes NAME_in<k>.npy / NAME_out<k>.npy and one line in
OUTDIR/cases.txt:  NAME OP N_IN N_OUT CONST_MASK key=v1,v2 ...
An absent optional input is written as a 0-d npy named NAME_in<k>.absent.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
lines = []
torch.manual_seed(1234)
g = torch.Generator().manual_seed(42)


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(*shape, generator=g) * (hi - lo) + lo


def fmt(v):
    if isinstance(v, (list, tuple)):
        return ",".join(fmt(x) for x in v)
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float):
        return repr(v)
    return str(v)


def case(name, op, ins, outs, const_mask=0, **attrs):
    for k, t in enumerate(ins):
        if t is None:
            open(os.path.join(OUT, f"{name}_in{k}.absent"), "w").close()
        else:
            np.save(os.path.join(OUT, f"{name}_in{k}.npy"), t.detach().numpy())
    for k, t in enumerate(outs):
        np.save(os.path.join(OUT, f"{name}_out{k}.npy"), t.detach().numpy())
    a = " ".join(f"{k}={fmt(v)}" for k, v in attrs.items())
    lines.append(f"{name} {op} {len(ins)} {len(outs)} {const_mask} {a}".rstrip())


# ---- conv2d ---------------------------------------------------------------
def conv(name, n, c, h, w, o, k, stride=1, pad=(0, 0, 0, 0), dil=1, groups=1,
         bias=True, act=None, const=True):
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dil, dil) if isinstance(dil, int) else dil
    x = rnd(n, c, h, w)
    wt = rnd(o, c // groups, kh, kw)
    b = rnd(o) if bias else None
    xp = F.pad(x, (pad[1], pad[3], pad[0], pad[2]))
    y = F.conv2d(xp, wt, b, (sh, sw), 0, (dh, dw), groups)
    extra = {}
    if act == "relu":
        y = F.relu(y)
        extra = dict(act="relu")
    elif act == "relu6":
        y = F.hardtanh(y, 0.0, 6.0)
        extra = dict(act="clip", act_alpha=0.0, act_beta=6.0)
    elif act == "silu":
        y = F.silu(y)
        extra = dict(act="silu")
    ins = [x, wt] + ([b] if bias else [])
    case(name, "conv2d", ins, [y], 6 if const else 0, stride=[sh, sw],
         padding=list(pad), dilation=[dh, dw], groups=groups, **extra)


conv("conv3x3", 1, 8, 9, 11, 16, 3, pad=(1, 1, 1, 1))
conv("conv3x3_arena", 2, 8, 9, 11, 16, 3, pad=(1, 1, 1, 1), const=False)
conv("conv3x3_s2", 1, 5, 13, 10, 7, 3, stride=2, pad=(1, 1, 1, 1), act="relu")
conv("conv1x1", 2, 32, 7, 5, 24, 1, bias=False)
conv("conv1x1_s2", 1, 12, 9, 9, 20, 1, stride=2)
conv("conv_dil", 1, 6, 15, 14, 10, 3, pad=(2, 2, 2, 2), dil=2, act="relu6")
conv("conv_asym", 1, 4, 10, 9, 9, (3, 5), stride=(2, 1), pad=(0, 1, 2, 3))
conv("conv_groups", 1, 12, 8, 8, 18, 3, pad=(1, 1, 1, 1), groups=3)
conv("conv_dw", 2, 16, 11, 10, 16, 3, pad=(1, 1, 1, 1), groups=16, act="relu6")
conv("conv_dw_s2", 1, 8, 13, 12, 8, 5, stride=2, pad=(2, 2, 2, 2), groups=8)
conv("conv_dw_3s2", 1, 8, 12, 13, 8, 3, stride=2, pad=(1, 1, 1, 1), groups=8)
conv("conv_dw_asym", 2, 6, 7, 9, 6, 3, pad=(0, 2, 1, 0), groups=6,
     act="silu")
conv("conv_dw_5s1_small", 1, 4, 3, 4, 4, 5, pad=(2, 2, 2, 2), groups=4)
conv("conv_dw_mult", 1, 4, 9, 9, 8, 3, pad=(1, 1, 1, 1), groups=4, dil=2)
conv("conv7x7_s2", 1, 3, 33, 31, 16, 7, stride=2, pad=(3, 3, 3, 3), act="silu")
conv("conv_big", 1, 40, 20, 19, 100, 3, pad=(1, 1, 1, 1))  # K > 256


# ---- conv_transpose2d -----------------------------------------------------
def convt(name, n, c, h, w, o, k, stride=1, pad=0, outpad=0, dil=1, groups=1,
          bias=True, const=True):
    x = rnd(n, c, h, w)
    wt = rnd(c, o // groups, k, k)
    b = rnd(o) if bias else None
    y = F.conv_transpose2d(x, wt, b, stride, pad, outpad, groups, dil)
    ins = [x, wt] + ([b] if bias else [])
    case(name, "conv_transpose2d", ins, [y], 6 if const else 0,
         stride=[stride, stride], padding=[pad] * 4, dilation=[dil, dil],
         groups=groups, output_padding=[outpad, outpad])


convt("convt_s2", 1, 8, 5, 6, 6, 4, stride=2, pad=1)
convt("convt_op", 2, 6, 4, 5, 4, 3, stride=2, pad=1, outpad=1, const=False)
convt("convt_groups", 1, 8, 5, 5, 12, 3, stride=1, pad=0, groups=2, dil=2)

# ---- linear / gemm / matmul -------------------------------------------------
x = rnd(3, 5, 40); w = rnd(33, 40); b = rnd(33)
case("linear", "linear", [x, w, b], [F.linear(x, w, b)], 6)
x = rnd(70, 300); w = rnd(50, 300); b = rnd(50)
case("linear_big_relu", "linear", [x, w, b], [F.relu(F.linear(x, w, b))], 6,
     act="relu")
x = rnd(1, 64); w = rnd(10, 64)
case("linear_nobias_arena", "linear", [x, w], [F.linear(x, w)], 0)
A = rnd(7, 9); B = rnd(11, 9); C = rnd(11)
case("gemm_tb", "gemm", [A, B, C], [0.5 * A @ B.t() + C], 2, trans_b=1,
     alpha=0.5, beta=1.0)
A = rnd(9, 60); B = rnd(9, 13); C = rnd(60, 1)
case("gemm_ta", "gemm", [A, B, C], [A.t() @ B + 2.0 * C], 0, trans_a=1,
     alpha=1.0, beta=2.0)
A = rnd(5, 6); B = rnd(6, 4)
case("gemm_noc", "gemm", [A, B], [A @ B], 0, alpha=1.0, beta=1.0)
a = rnd(2, 3, 5, 7); bb = rnd(3, 7, 4)
case("matmul_bcast", "matmul", [a, bb], [torch.matmul(a, bb)])
a = rnd(4, 130, 20); bb = rnd(20, 70)
case("matmul_2d", "matmul", [a, bb], [torch.matmul(a, bb)])
a = rnd(6); bb = rnd(2, 6, 3)
case("matmul_vec", "matmul", [a, bb], [torch.matmul(a, bb)])

# ---- binary / compare / unary ------------------------------------------------
a = rnd(2, 3, 4, 5); bb = rnd(3, 1, 5)
for op, fn in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul),
               ("div", torch.div), ("max", torch.maximum),
               ("min", torch.minimum)]:
    case(f"bin_{op}", op, [a, bb], [fn(a, bb)])
case("bin_add_relu", "add", [a, bb], [F.relu(a + bb)], act="relu")
pa = rnd(4, 6, lo=0.1, hi=2.0); pb = rnd(6)
case("bin_pow", "pow", [pa, pb], [torch.pow(pa, pb)])
ia = torch.randint(-50, 50, (3, 4), generator=g, dtype=torch.int64)
ib = torch.randint(1, 9, (4,), generator=g, dtype=torch.int64)
case("bin_div_i64", "div", [ia, ib], [torch.div(ia, ib, rounding_mode="trunc")])
case("bin_mul_i32", "mul", [ia.int(), ib.int()], [(ia * ib).int()])
case("bin_min_i64", "min", [ia, ib], [torch.minimum(ia, ib)])
x = rnd(2, 3, 4, 4); s = rnd(3, 1, 1)
case("prelu", "prelu", [x, s], [torch.where(x >= 0, x, x * s)])
ca = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]); cb = torch.tensor([2.0, 2.0, 1.0])
case("cmp_eq", "equal", [ca, cb], [ca == cb])
case("cmp_lt", "less", [ca, cb], [ca < cb])
case("cmp_gt_i64", "greater", [ca.long(), cb.long()], [ca.long() > cb.long()])

x = rnd(3, 50, lo=-4, hi=4)
xp = rnd(3, 50, lo=0.05, hi=4)
for op, fn, inp, kw in [
        ("relu", F.relu, x, {}), ("hardswish", F.hardswish, x, {}),
        ("silu", F.silu, x, {}), ("sigmoid", torch.sigmoid, x, {}),
        ("tanh", torch.tanh, x, {}), ("exp", torch.exp, x, {}),
        ("log", torch.log, xp, {}), ("sqrt", torch.sqrt, xp, {}),
        ("rsqrt", torch.rsqrt, xp, {}), ("neg", torch.neg, x, {}),
        ("abs", torch.abs, x, {}), ("erf", torch.erf, x, {})]:
    case(f"un_{op}", op, [inp], [fn(inp)])
# the vectorised exp-based activations: wide ranges, tails, NaN/inf
xw = torch.linspace(-100, 100, 1003)
case("un_sigmoid_wide", "sigmoid", [xw], [torch.sigmoid(xw)])
case("un_silu_wide", "silu", [xw], [F.silu(xw)])
xw = torch.linspace(-12, 12, 1001)
case("un_exp_wide", "exp", [xw], [torch.exp(xw)])
case("un_erf_wide", "erf", [xw], [torch.erf(xw)])
case("un_gelu_wide", "gelu", [xw], [F.gelu(xw)], mode=0)
case("un_gelu_tanh_wide", "gelu", [xw], [F.gelu(xw, approximate="tanh")],
     mode=1)
case("un_tanh_wide", "tanh", [xw], [torch.tanh(xw)])
xs = torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, 1e-6,
                   -0.3, 3.9, -4.5])
case("un_erf_special", "erf", [xs], [torch.erf(xs)])
case("un_tanh_special", "tanh", [xs], [torch.tanh(xs)])
xs = torch.tensor([float("nan"), float("inf"), -float("inf"), -100.0, 0.0,
                   1.0, 88.0, -88.0, -87.5, 20.0, -20.0])
case("un_sigmoid_special", "sigmoid", [xs], [torch.sigmoid(xs)])
xs = torch.tensor([float("nan"), -float("inf"), -100.0, -88.0, -87.0, 0.0,
                   1.0, 2.5])
case("un_exp_special", "exp", [xs], [torch.exp(xs)])
case("un_gelu", "gelu", [x], [F.gelu(x)], mode=0)
case("un_gelu_tanh", "gelu", [x], [F.gelu(x, approximate="tanh")], mode=1)
case("un_clip", "clip", [x], [torch.clamp(x, -1.5, 2.0)], alpha=-1.5, beta=2.0)
case("un_hardsigmoid", "hardsigmoid", [x], [F.hardsigmoid(x)],
     alpha=1.0 / 6.0, beta=0.5)
case("un_leaky", "leaky_relu", [x], [F.leaky_relu(x, 0.1)], alpha=0.1)
xi = torch.randint(-5, 5, (17,), generator=g, dtype=torch.int64)
case("un_relu_i64", "relu", [xi], [F.relu(xi)])
case("un_abs_i32", "abs", [xi.int()], [xi.int().abs()])
case("un_clip_i64", "clip", [xi], [torch.clamp(xi, -3, 2)], alpha=-3.0,
     beta=2.0)
case("un_clip_i32_max", "clip", [xi.int()], [torch.clamp(xi.int(), max=2)],
     alpha=float("-inf"), beta=2.0)

# ---- pooling ------------------------------------------------------------------
def mpool(name, x, k, s, p, d=1, ceil=False):
    y = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil)
    case(name, "max_pool2d", [x], [y], kernel=[k, k], stride=[s, s],
         padding=[p] * 4, dilation=[d, d], ceil_mode=int(ceil))


def apool(name, x, k, s, p, ceil=False, cip=True, div=None):
    y = F.avg_pool2d(x, k, s, p, ceil, cip, div)
    case(name, "avg_pool2d", [x], [y], kernel=[k, k], stride=[s, s],
         padding=[p] * 4, dilation=[1, 1], ceil_mode=int(ceil),
         count_include_pad=int(cip), divisor_override=div or 0)


x = rnd(2, 3, 11, 10)
mpool("maxpool_3s2p1", x, 3, 2, 1)
mpool("maxpool_ceil", x, 3, 2, 0, ceil=True)
mpool("maxpool_dil", x, 3, 1, 1, d=2)
mpool("maxpool_2s2", rnd(1, 4, 8, 8), 2, 2, 0)
mpool("maxpool_3s1p1", rnd(1, 3, 9, 40), 3, 1, 1)
mpool("maxpool_5s3_ceil", rnd(1, 2, 17, 23), 5, 3, 2, ceil=True)
xnan = rnd(1, 2, 10, 12)
xnan[0, 0, 3, 4] = float("nan")
xnan[0, 1, 0, 0] = float("nan")
xnan[0, 1, 9, 11] = float("nan")
mpool("maxpool_nan", xnan, 3, 2, 1)
apool("avgpool_3s2p1", x, 3, 2, 1)
apool("avgpool_nopad", x, 3, 2, 1, cip=False)
apool("avgpool_ceil", x, 3, 2, 1, ceil=True, cip=False)
apool("avgpool_ceil_cip", x, 2, 2, 1, ceil=True)
apool("avgpool_div", x, 3, 2, 1, div=5)
y = F.adaptive_avg_pool2d(x, (4, 3))
case("adaptive_avg", "adaptive_avg_pool2d", [x], [y], output_size=[4, 3])
y = F.adaptive_avg_pool2d(x, (1, 1))
case("adaptive_avg_1", "adaptive_avg_pool2d", [x], [y], output_size=[1, 1])
y = F.adaptive_max_pool2d(x, (3, 4))
case("adaptive_max", "adaptive_max_pool2d", [x], [y], output_size=[3, 4])
x3 = rnd(3, 7, 9)
y = F.max_pool2d(x3, 2, 2)
case("maxpool_3d", "max_pool2d", [x3], [y], kernel=[2, 2], stride=[2, 2],
     padding=[0] * 4, dilation=[1, 1])

# ---- norms ----------------------------------------------------------------------
x = rnd(2, 6, 5, 7, lo=-3, hi=5)
wt, bs, mu, var = rnd(6), rnd(6), rnd(6), rnd(6, lo=0.2, hi=2)
case("batch_norm", "batch_norm", [x, wt, bs, mu, var],
     [F.batch_norm(x, mu, var, wt, bs, False, 0.1, 1e-5)], eps=1e-5)
lw, lb = rnd(5, 7), rnd(5, 7)
case("layer_norm", "layer_norm", [x, lw, lb],
     [F.layer_norm(x, (5, 7), lw, lb, 1e-5)], eps=1e-5, n_norm_dims=2)
case("layer_norm_now", "layer_norm", [x],
     [F.layer_norm(x, (7,), None, None, 1e-6)], eps=1e-6, n_norm_dims=1)
case("group_norm", "group_norm", [x, wt, bs],
     [F.group_norm(x, 3, wt, bs, 1e-5)], eps=1e-5, groups=3)
case("instance_norm", "instance_norm", [x, wt, bs],
     [F.instance_norm(x, weight=wt, bias=bs, eps=1e-5)], eps=1e-5)
case("instance_norm_now", "instance_norm", [x],
     [F.instance_norm(x, eps=1e-5)], eps=1e-5)

# ---- softmax / reductions ----------------------------------------------------------
x = rnd(3, 4, 5, lo=-5, hi=5)
case("softmax_last", "softmax", [x], [F.softmax(x, -1)], axis=-1)
case("softmax_mid", "softmax", [x], [F.softmax(x, 1)], axis=1)
xl = rnd(3, 1000, lo=-20, hi=20)
case("softmax_long", "softmax", [xl], [F.softmax(xl, -1)], axis=-1)
case("log_softmax", "log_softmax", [x], [F.log_softmax(x, 0)], axis=0)
case("reduce_sum", "reduce_sum", [x], [x.sum(dim=(0, 2), keepdim=True)],
     axes=[0, 2], keepdims=1)
case("reduce_mean", "reduce_mean", [x], [x.mean(dim=(-1,))], axes=[-1],
     keepdims=0)
case("reduce_mean_all", "reduce_mean", [x], [x.mean()], keepdims=0)
case("reduce_max", "reduce_max", [x], [x.amax(dim=1)], axes=[1], keepdims=0)
case("reduce_min", "reduce_min", [x], [x.amin(dim=(1, 2), keepdim=True)],
     axes=[1, 2], keepdims=1)
case("reduce_sum_i64", "reduce_sum", [xi.view(1, 17)],
     [xi.view(1, 17).sum(dim=1)], axes=[1], keepdims=0)
case("argmax", "argmax", [x], [x.argmax(dim=1)], axis=1, keepdims=0)
case("argmin_keep", "argmin", [x], [x.argmin(dim=2, keepdim=True)], axis=2,
     keepdims=1)
xa = torch.tensor([[3, 7, 7, 1], [5, 5, 2, 9]], dtype=torch.int64)
case("argmax_i64", "argmax", [xa], [xa.argmax(dim=1)], axis=1, keepdims=0)
case("argmin_i32", "argmin", [xa.int()], [xa.int().argmin(dim=0)], axis=0,
     keepdims=0)
case("argmax_last", "argmax", [xa], [3 - xa.flip(1).argmax(dim=1)], axis=1,
     keepdims=0, select_last_index=1)
xn = torch.tensor([[1.0, float("nan"), 3.0, float("nan")], [2.0, 0.5, 2.0, 1.0]])
case("argmax_nan", "argmax", [xn], [xn.argmax(dim=1)], axis=1, keepdims=0)
case("argmin_nan", "argmin", [xn], [xn.argmin(dim=1)], axis=1, keepdims=0)
tv, ti = torch.topk(x, 3, dim=1, largest=True, sorted=True)
case("topk", "topk", [x], [tv, ti], axis=1, k=3, largest=1, sorted=1)
tv, ti = torch.topk(x, 2, dim=-1, largest=False, sorted=True)
case("topk_small", "topk", [x], [tv, ti], axis=-1, k=2, largest=0, sorted=1)

# ---- layout ---------------------------------------------------------------------
x = rnd(2, 3, 4, 5)
case("reshape", "reshape", [x], [x.reshape(6, 20)], shape=[6, 20])
case("permute", "permute", [x], [x.permute(0, 2, 3, 1)], perm=[0, 2, 3, 1])
xi8 = torch.randint(0, 255, (2, 3, 4), generator=g, dtype=torch.uint8)
case("permute_u8", "permute", [xi8], [xi8.permute(2, 0, 1)], perm=[2, 0, 1])
c1, c2 = rnd(2, 1, 4, 5), rnd(2, 2, 4, 5)
case("concat", "concat", [x, c1, c2], [torch.cat([x, c1, c2], 1)], axis=1)
case("slice", "slice", [x], [torch.from_numpy(x.numpy()[:, 1:3, ::2, -1:0:-2].copy())],
     start=[0, 1, 0, -1], end=[2**62, 3, 2**62, 0], step=[1, 1, 2, -2])
case("slice_rev", "slice", [x], [x.flip(1)],
     start=[0, -1, 0, 0], end=[2**62, -2**62, 2**62, 2**62], step=[1, -1, 1, 1])
y = F.pad(x, (2, 1, 1, 0), value=0.5)
case("pad_const", "pad", [x], [y], pads=[0, 0, 0, 0, 1, 0, 2, 1], mode=0,
     value=0.5)
y = F.pad(x, (2, 3, 3, 1), mode="reflect")
case("pad_reflect", "pad", [x], [y], pads=[0, 0, 0, 0, 3, 1, 2, 3], mode=1)
y = F.pad(x, (2, 3, 1, 4), mode="replicate")
case("pad_replicate", "pad", [x], [y], pads=[0, 0, 0, 0, 1, 4, 2, 3], mode=2)
y = F.pad(x, (2, 3, 1, 2), mode="circular")
case("pad_circular", "pad", [x], [y], pads=[0, 0, 0, 0, 1, 2, 2, 3], mode=3)
y = F.pad(x, (-1, 2, 0, -2))
case("pad_negative", "pad", [x], [y], pads=[0, 0, 0, 0, 0, -2, -1, 2], mode=0)
case("pad_i64", "pad", [xi.view(1, 17)],
     [F.pad(xi.view(1, 17), (1, 2), value=7)], pads=[0, 0, 1, 2], mode=0,
     value=7.0)
idx = torch.tensor([[2, 0], [-1, 1]], dtype=torch.int64)
case("gather", "gather", [x, idx],
     [torch.index_select(x, 2, idx.flatten() % 4).reshape(2, 3, 2, 2, 5)],
     axis=2)
case("gather_i32", "gather", [xi, torch.tensor([3, -2], dtype=torch.int32)],
     [xi[[3, -2]]], axis=0)
e = rnd(3, 1, 4)
case("expand", "expand", [e], [e.expand(2, 3, 5, 4)], shape=[2, 3, 5, 4])
case("tile", "tile", [e], [e.repeat(2, 3, 2)], shape=[2, 3, 2])

# ---- where / cast ---------------------------------------------------------------
cond = rnd(3, 1, 5) > 0
wa, wb = rnd(4, 5), rnd(3, 4, 1)
case("where", "where", [cond, wa, wb], [torch.where(cond, wa, wb)])
case("where_i64", "where", [cond, xi[:5], torch.tensor(9)],
     [torch.where(cond, xi[:5], torch.tensor(9))])
xc = torch.tensor([-300.7, -2.5, -1.0, -0.4, 0.0, 0.6, 1.5, 2.5, 254.9, 300.2])
for dt, name in [(torch.int32, "i32"), (torch.int64, "i64"),
                 (torch.uint8, "u8"), (torch.int8, "i8"), (torch.bool, "bool"),
                 (torch.float16, "f16"), (torch.int16, "i16"),
                 (torch.float64, "f64")]:
    src = xc if name not in ("u8", "i8") else xc.clamp(-100, 100)
    if name == "u8":
        src = xc.clamp(0, 250)
    case(f"cast_f32_{name}", "cast", [src], [src.to(dt)], to=name)
xe = torch.tensor([float("nan"), 1e10, -1e10, float("inf"), -float("inf"),
                   2147483904.0, -70000.0, 65541.0])
for dt, name in [(torch.int32, "i32"), (torch.int64, "i64"),
                 (torch.uint8, "u8"), (torch.int8, "i8"), (torch.int16, "i16"),
                 (torch.bool, "bool")]:
    case(f"cast_f32_{name}_extreme", "cast", [xe], [xe.to(dt)], to=name)
xd = torch.tensor([2500000007.0, 5e9 + 3, -1.5, 300.7, float("nan"), 1e300],
                  dtype=torch.float64)
for dt, name in [(torch.uint8, "u8"), (torch.int8, "i8"), (torch.int32, "i32"),
                 (torch.int64, "i64"), (torch.float32, "f32"),
                 (torch.float16, "f16")]:
    case(f"cast_f64_{name}", "cast", [xd], [xd.to(dt)], to=name)
case("cast_i64_f32", "cast", [xi], [xi.float()], to="f32")
case("cast_i64_u8", "cast", [xi * 1000], [(xi * 1000).to(torch.uint8)], to="u8")
case("cast_f16_f32", "cast", [xc.half()], [xc.half().float()], to="f32")
case("cast_bool_i32", "cast", [cond], [cond.int()], to="i32")
case("cast_u8_f32", "cast", [xi8], [xi8.float()], to="f32")

# ---- resize -----------------------------------------------------------------------
def rs(name, x, size, mode, align=None, aa=False, scale=None):
    kw = {}
    if mode in ("bilinear", "bicubic"):
        kw["align_corners"] = bool(align)
        kw["antialias"] = aa
    if scale is not None:
        y = F.interpolate(x, scale_factor=scale, mode=mode,
                          recompute_scale_factor=False, **kw)
    else:
        y = F.interpolate(x, size=size, mode=mode, **kw)
    m = {"nearest": 0, "nearest-exact": 1, "bilinear": 2, "bicubic": 3}[mode]
    case(name, "resize", [x], [y], mode=m, align_corners=int(bool(align)),
         antialias=int(aa), cubic_a=-0.75, size=list(y.shape[2:]),
         scale=list(scale) if scale else [0.0, 0.0])


x = rnd(2, 3, 13, 17)
rs("rs_nearest_up", x, (27, 40), "nearest")
rs("rs_nearest_down", x, (6, 7), "nearest")
rs("rs_nearest_x2", x, (26, 34), "nearest")
rs("rs_nearest_exact", x, (9, 23), "nearest-exact")
rs("rs_bilinear_up", x, (27, 40), "bilinear")
rs("rs_bilinear_down", x, (6, 7), "bilinear")
rs("rs_bilinear_ac", x, (20, 9), "bilinear", align=True)
rs("rs_bicubic_up", x, (27, 40), "bicubic")
rs("rs_bicubic_down_ac", x, (7, 8), "bicubic", align=True)
rs("rs_bilinear_aa_down", x, (5, 7), "bilinear", aa=True)
rs("rs_bilinear_aa_up", x, (20, 30), "bilinear", aa=True)
rs("rs_bicubic_aa_down", x, (6, 5), "bicubic", aa=True)
rs("rs_bicubic_aa_mixed", x, (20, 8), "bicubic", aa=True)
rs("rs_bilinear_scale", x, None, "bilinear", scale=(1.7, 0.6))
rs("rs_nearest_scale", x, None, "nearest", scale=(2.3, 0.45))


# ---- resize: ONNX Resize extensions, against the ONNX backend test data ----
def onnx_resize_cases():
    try:
        import glob
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return
    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test",
                        "data", "node")
    coord = {"half_pixel": 0, "asymmetric": 1, "align_corners": 2,
             "tf_half_pixel_for_nn": 3, "pytorch_half_pixel": 4}
    nmode = {"floor": 0, "round_prefer_floor": 1, "round_prefer_ceil": 2,
             "ceil": 3}
    for d in sorted(glob.glob(os.path.join(root, "test_resize_*"))):
        m = onnx.load(os.path.join(d, "model.onnx"))
        node = m.graph.node[0]
        at = {a.name: onnx.helper.get_attribute_value(a)
              for a in node.attribute}
        cm = at.get("coordinate_transformation_mode", b"half_pixel").decode()
        if cm not in coord:
            continue
        mode = at.get("mode", b"nearest").decode()
        ds = os.path.join(d, "test_data_set_0")
        by_name = {}
        for i, gi in enumerate(m.graph.input):
            t = onnx.TensorProto()
            t.ParseFromString(open(os.path.join(ds, f"input_{i}.pb"),
                                   "rb").read())
            by_name[gi.name] = numpy_helper.to_array(t)
        ins = {i: by_name[n] for i, n in enumerate(node.input) if n in by_name}
        t = onnx.TensorProto()
        t.ParseFromString(open(os.path.join(ds, "output_0.pb"), "rb").read())
        y = numpy_helper.to_array(t)
        if node.op_type != "Resize" or 0 not in ins:
            continue
        x = ins[0]
        if x.ndim != 4:
            continue
        scales = ins.get(2)
        sc = [0.0, 0.0]
        if scales is not None and scales.size == 4:
            sc = [float(scales[2]), float(scales[3])]
        m_id = {"nearest": 0, "linear": 2, "cubic": 3}[mode]
        nm = nmode[at.get("nearest_mode", b"round_prefer_floor").decode()]
        if mode != "nearest":
            nm = 0
        name = "onnx_" + os.path.basename(d)[len("test_"):]
        case(name, "resize", [torch.from_numpy(x.copy())],
             [torch.from_numpy(y.copy())], mode=m_id, align_corners=0,
             antialias=0, cubic_a=float(at.get("cubic_coeff_a", -0.75)),
             size=list(y.shape[2:]), scale=sc, coord_mode=coord[cm],
             nearest_mode=nm, exclude_outside=int(at.get("exclude_outside", 0)))


onnx_resize_cases()

with open(os.path.join(OUT, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} cases")
