#!/usr/bin/env python3
"""Writes op-by-op parity goldens for polyvis against torch 1.13.

usage: gen_op_goldens.py OUTDIR

For every op of the polyvis op set it writes seeded inputs and the torch
outputs as .npy files into OUTDIR, plus OUTDIR/manifest.txt, one case per
line, whitespace-separated:

    case <id> <op> in=<f0>,<f1>,- out=<o0>[,<o1>] [<key>=<v0>[,<v1>...]]...

"-" marks an absent optional input. The keys are the attribute fields of
include/polyvis/types.h for the op's union member (lists comma-separated,
`act` is a unary op name, `to` a dtype name). Everything is generated from
fixed seeds, so the goldens are reproducible; nothing is committed.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else "goldens"
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(1)
LINES = []
CID = [0]
RNG = np.random.RandomState(1234)


def rnd(*shape, lo=-1.0, hi=1.0, dtype=np.float32):
    return RNG.uniform(lo, hi, size=shape).astype(dtype)


def T(a):
    return torch.from_numpy(np.array(a, order="C"))


def fmt(v):
    if isinstance(v, (list, tuple)):
        return ",".join(fmt(x) for x in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def case(op, inputs, outputs, **attrs):
    cid = CID[0]
    CID[0] += 1
    names = []
    for i, a in enumerate(inputs):
        if a is None:
            names.append("-")
            continue
        n = "c%04d_in%d.npy" % (cid, i)
        np.save(os.path.join(OUT, n), np.array(a, order="C"))  # keeps 0-d
        names.append(n)
    onames = []
    for i, o in enumerate(outputs):
        if isinstance(o, torch.Tensor):
            o = o.detach().numpy()
        n = "c%04d_out%d.npy" % (cid, i)
        np.save(os.path.join(OUT, n), np.array(o, order="C"))
        onames.append(n)
    parts = ["case", "c%04d" % cid, op, "in=" + ",".join(names), "out=" + ",".join(onames)]
    for k, v in attrs.items():
        parts.append("%s=%s" % (k, fmt(v)))
    LINES.append(" ".join(parts))


ACTS = {
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "hardswish": F.hardswish,
    "silu": F.silu,
    "clip": lambda y: torch.clamp(y, 0.0, 6.0),
}


def act_attrs(act):
    if act is None:
        return {}
    if act == "clip":
        return {"act": "clip", "act_alpha": 0.0, "act_beta": 6.0}
    return {"act": act}


def apply_act(y, act):
    return ACTS[act](y) if act else y


# ---------------------------------------------------------------- conv
def conv_case(n, c, h, w, o, k, stride=(1, 1), pad=(0, 0, 0, 0), dil=(1, 1), groups=1,
              bias=True, act=None, dtype=np.float32):
    x = rnd(n, c, h, w, dtype=dtype)
    wt = rnd(o, c // groups, k[0], k[1], dtype=dtype)
    b = rnd(o, dtype=dtype) if bias else None
    xp = F.pad(T(x), (pad[1], pad[3], pad[0], pad[2]))
    y = F.conv2d(xp, T(wt), T(b) if bias else None, stride, 0, dil, groups)
    case("conv2d", [x, wt, b] if bias else [x, wt], [apply_act(y, act)], stride=stride,
         padding=pad, dilation=dil, groups=groups, **act_attrs(act))


conv_case(1, 3, 7, 9, 4, (3, 3))
conv_case(2, 4, 8, 8, 6, (3, 3), pad=(1, 1, 1, 1), bias=False)
conv_case(1, 3, 11, 10, 5, (3, 2), stride=(2, 3), pad=(1, 0, 1, 0))
conv_case(1, 4, 9, 9, 4, (3, 3), pad=(2, 2, 2, 2), dil=(2, 2))
conv_case(1, 6, 7, 7, 6, (3, 3), pad=(1, 1, 1, 1), groups=6)  # depthwise
conv_case(1, 6, 8, 6, 12, (3, 3), stride=(2, 2), pad=(1, 1, 1, 1), groups=6)  # depthwise x2
conv_case(2, 8, 5, 6, 4, (1, 1), groups=2, act="relu")
conv_case(1, 3, 6, 7, 2, (2, 4), pad=(0, 1, 2, 3), act="hardswish")  # asymmetric pad
conv_case(1, 2, 5, 5, 3, (5, 5), pad=(2, 2, 2, 2), act="clip")
conv_case(1, 3, 6, 6, 4, (3, 3), pad=(1, 1, 1, 1), stride=(2, 1), dtype=np.float64, act="silu")


def convt_case(n, c, h, w, o, k, stride=(1, 1), pad=(0, 0), outpad=(0, 0), dil=(1, 1),
               groups=1, bias=True, act=None):
    x = rnd(n, c, h, w)
    wt = rnd(c, o // groups, k[0], k[1])
    b = rnd(o) if bias else None
    y = F.conv_transpose2d(T(x), T(wt), T(b) if bias else None, stride, pad, outpad, groups, dil)
    case("conv_transpose2d", [x, wt, b] if bias else [x, wt], [apply_act(y, act)], stride=stride,
         padding=(pad[0], pad[1], pad[0], pad[1]), dilation=dil, groups=groups,
         output_padding=outpad, **act_attrs(act))


convt_case(1, 4, 5, 5, 3, (3, 3))
convt_case(1, 4, 5, 6, 6, (4, 4), stride=(2, 2), pad=(1, 1))
convt_case(2, 6, 4, 3, 4, (3, 3), stride=(2, 3), pad=(1, 0), outpad=(1, 2), groups=2)
convt_case(1, 3, 4, 4, 2, (3, 2), dil=(2, 1), bias=False, act="relu")
convt_case(1, 4, 3, 3, 4, (3, 3), stride=(2, 2), pad=(1, 1), outpad=(1, 1), groups=4)

# ------------------------------------------------------------ batch norm
for shape in [(2, 3, 4, 5), (4, 6), (1, 5, 7)]:
    c = shape[1]
    x = rnd(*shape)
    w, b, m = rnd(c), rnd(c), rnd(c)
    v = rnd(c, lo=0.2, hi=2.0)
    y = F.batch_norm(T(x), T(m), T(v), T(w), T(b), False, 0.1, 1e-5)
    case("batch_norm", [x, w, b, m, v], [y], eps=1e-5)

# ------------------------------------------------------- linear / gemm
for xs, n, bias, act in [((3, 5), 4, True, None), ((2, 3, 7), 5, False, None),
                         ((6,), 3, True, "relu"), ((4, 16), 9, True, "sigmoid")]:
    x = rnd(*xs)
    w = rnd(n, xs[-1])
    b = rnd(n) if bias else None
    y = apply_act(F.linear(T(x), T(w), T(b) if bias else None), act)
    case("linear", [x, w, b] if bias else [x, w], [y], **act_attrs(act))

for m, k, n, ta, tb, alpha, beta, cshape, act in [
        (3, 4, 5, 0, 0, 1.0, 1.0, (3, 5), None), (3, 4, 5, 1, 0, 0.5, 2.0, (5,), None),
        (2, 6, 3, 0, 1, 1.0, 1.0, (1, 3), "relu"), (4, 3, 2, 1, 1, 2.0, 0.5, (4, 1), None),
        (3, 3, 3, 0, 0, 1.0, 1.0, None, None), (2, 5, 4, 0, 1, 1.5, 0.0, (), None)]:
    a = rnd(k, m) if ta else rnd(m, k)
    bb = rnd(n, k) if tb else rnd(k, n)
    at = T(a).t() if ta else T(a)
    bt = T(bb).t() if tb else T(bb)
    y = alpha * (at @ bt)
    c = None
    if cshape is not None:
        c = rnd(*cshape)
        y = y + beta * T(c)
    y = apply_act(y, act)
    attrs = dict(trans_a=ta, trans_b=tb, alpha=alpha, beta=beta, **act_attrs(act))
    case("gemm", [a, bb, c] if c is not None else [a, bb], [y], **attrs)

for sa, sb in [((3, 4), (4, 5)), ((4,), (4, 3)), ((3, 4), (4,)), ((5,), (5,)),
               ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 5)), ((1, 2, 3), (4, 3, 2))]:
    a, b = rnd(*sa), rnd(*sb)
    case("matmul", [a, b], [torch.matmul(T(a), T(b))])
a = RNG.randint(-5, 5, size=(2, 3, 4)).astype(np.int64)
b = RNG.randint(-5, 5, size=(4, 3)).astype(np.int64)
case("matmul", [a, b], [torch.matmul(T(a), T(b))])

# ------------------------------------------------------------- binary
BIN = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
       "pow": torch.pow, "max": torch.maximum, "min": torch.minimum}
SHAPES = [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((3, 1, 5), (1, 4, 1)),
          ((1,), (2, 3)), ((), (3, 2))]
for name, fn in BIN.items():
    for sa, sb in SHAPES:
        if name == "pow":
            a, b = rnd(*sa, lo=0.1, hi=2.0), rnd(*sb, lo=-2.0, hi=2.0)
        elif name == "div":
            a, b = rnd(*sa), rnd(*sb, lo=0.5, hi=2.0) * np.sign(rnd(*sb)).astype(np.float32)
        else:
            a, b = rnd(*sa), rnd(*sb)
        case(name, [a, b], [fn(T(a), T(b))])
    a, b = rnd(3, 4, dtype=np.float64), rnd(4, dtype=np.float64)
    if name == "pow":
        a = np.abs(a) + 0.1
    case(name, [a, b], [fn(T(a), T(b))])
    for dt in [np.int32, np.int64]:
        a = RNG.randint(-50, 50, size=(3, 5)).astype(dt)
        b = RNG.randint(-50, 50, size=(5,)).astype(dt)
        if name in ("div",):
            b[b == 0] = 7
            y = torch.div(T(a), T(b), rounding_mode="trunc")
        elif name == "pow":
            a = RNG.randint(-4, 5, size=(3, 5)).astype(dt)
            b = RNG.randint(0, 6, size=(5,)).astype(dt)
            y = torch.pow(T(a), T(b))
        else:
            y = fn(T(a), T(b))
        case(name, [a, b], [y])
for act in ["relu", "sigmoid"]:
    a, b = rnd(2, 5), rnd(5)
    case("add", [a, b], [apply_act(T(a) + T(b), act)], act=act)
    case("mul", [a, b], [apply_act(T(a) * T(b), act)], act=act)

for name, fn in {"equal": torch.eq, "less": torch.lt, "greater": torch.gt}.items():
    a = RNG.randint(-3, 3, size=(3, 4)).astype(np.float32)
    b = RNG.randint(-3, 3, size=(4,)).astype(np.float32)
    case(name, [a, b], [fn(T(a), T(b))])
    a = RNG.randint(-3, 3, size=(2, 1, 3)).astype(np.int64)
    b = RNG.randint(-3, 3, size=(4, 1)).astype(np.int64)
    case(name, [a, b], [fn(T(a), T(b))])

# -------------------------------------------------------------- unary
U = {
    "relu": (F.relu, -2, 2, {}), "sigmoid": (torch.sigmoid, -8, 8, {}),
    "tanh": (torch.tanh, -4, 4, {}), "silu": (F.silu, -6, 6, {}),
    "hardswish": (F.hardswish, -5, 5, {}), "exp": (torch.exp, -5, 5, {}),
    "log": (torch.log, 0.01, 10, {}), "sqrt": (torch.sqrt, 0, 10, {}),
    "rsqrt": (torch.rsqrt, 0.05, 10, {}), "neg": (torch.neg, -3, 3, {}),
    "abs": (torch.abs, -3, 3, {}), "erf": (torch.erf, -3, 3, {}),
    "gelu": (F.gelu, -5, 5, {"mode": 0}),
    "hardsigmoid": (F.hardsigmoid, -5, 5, {"alpha": 1.0 / 6.0, "beta": 0.5}),
    "clip": (lambda t: torch.clamp(t, -0.5, 0.75), -2, 2, {"alpha": -0.5, "beta": 0.75}),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), -2, 2, {"alpha": 0.1}),
}
for name, (fn, lo, hi, attrs) in U.items():
    for shape, dt in [((2, 3, 5), np.float32), ((7,), np.float64), ((3, 1, 2, 2), np.float32)]:
        x = rnd(*shape, lo=lo, hi=hi, dtype=dt)
        case(name, [x], [fn(T(x))], **attrs)
x = rnd(4, 6, lo=-5, hi=5)
case("gelu", [x], [F.gelu(T(x), approximate="tanh")], mode=1)
case("hardsigmoid", [x], [torch.clamp(0.2 * T(x) + 0.5, 0, 1)], alpha=0.2, beta=0.5)
case("clip", [x], [F.relu6(T(x))], alpha=0.0, beta=6.0)
for name, fn in {"relu": F.relu, "neg": torch.neg, "abs": torch.abs}.items():
    xi = RNG.randint(-9, 9, size=(3, 4)).astype(np.int32)
    case(name, [xi], [fn(T(xi))])
xi = RNG.randint(-9, 9, size=(3, 4)).astype(np.int64)
case("clip", [xi], [torch.clamp(T(xi), -3, 4)], alpha=-3.0, beta=4.0)

# ------------------------------------------------------------ pooling
def maxpool(x, k, s, p=(0, 0), d=(1, 1), ceil=False):
    y = F.max_pool2d(T(x), k, s, p, d, ceil_mode=ceil)
    case("max_pool2d", [x], [y], kernel=k, stride=s, padding=(p[0], p[1], p[0], p[1]),
         dilation=d, ceil_mode=int(ceil))


maxpool(rnd(1, 2, 7, 7), (2, 2), (2, 2))
maxpool(rnd(1, 2, 7, 7), (2, 2), (2, 2), ceil=True)
maxpool(rnd(2, 3, 8, 8), (3, 3), (2, 2), (1, 1))
maxpool(rnd(1, 3, 8, 9), (3, 3), (2, 2), (1, 1), ceil=True)
maxpool(rnd(1, 1, 6, 6), (3, 3), (2, 2), (1, 1), ceil=True)  # last window dropped
maxpool(rnd(1, 2, 10, 9), (3, 2), (1, 2), (1, 0), d=(2, 2))
maxpool(rnd(3, 5, 6), (2, 3), (1, 1), (1, 1))  # 3-D input
maxpool(-rnd(1, 2, 5, 5, lo=1, hi=2), (3, 3), (2, 2), (1, 1))  # all negative, padding


def avgpool(x, k, s, p=(0, 0), ceil=False, cip=True, div=None):
    y = F.avg_pool2d(T(x), k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div)
    case("avg_pool2d", [x], [y], kernel=k, stride=s, padding=(p[0], p[1], p[0], p[1]),
         ceil_mode=int(ceil), count_include_pad=int(cip), divisor_override=div or 0)


avgpool(rnd(1, 2, 7, 7), (2, 2), (2, 2))
avgpool(rnd(1, 2, 7, 7), (3, 3), (2, 2), (1, 1), cip=True)
avgpool(rnd(1, 2, 7, 7), (3, 3), (2, 2), (1, 1), cip=False)
avgpool(rnd(1, 2, 7, 8), (3, 3), (2, 2), (1, 1), ceil=True, cip=True)
avgpool(rnd(1, 2, 7, 8), (3, 3), (2, 2), (1, 1), ceil=True, cip=False)
avgpool(rnd(2, 3, 6, 5), (2, 3), (1, 2), (1, 1), ceil=True)
avgpool(rnd(1, 1, 5, 5), (3, 3), (2, 2), (1, 1), div=5)
avgpool(rnd(3, 6, 6), (2, 2), (2, 2))

for shape, osz in [((1, 3, 7, 7), (1, 1)), ((2, 2, 9, 7), (4, 3)), ((1, 2, 5, 5), (7, 7)),
                   ((3, 10, 6), (3, 4))]:
    x = rnd(*shape)
    case("adaptive_avg_pool2d", [x], [F.adaptive_avg_pool2d(T(x), osz)], output_size=osz)
    case("adaptive_max_pool2d", [x], [F.adaptive_max_pool2d(T(x), osz)], output_size=osz)

# ------------------------------------------------------------- layout
x = rnd(2, 3, 4)
case("reshape", [x], [T(x).reshape(6, 4)], shape=(6, 4))
case("reshape", [x], [T(x).reshape(24)], shape=(24,))
xi = RNG.randint(0, 255, size=(2, 6)).astype(np.uint8)
case("reshape", [xi], [T(xi).reshape(3, 2, 2)], shape=(3, 2, 2))
for perm in [(0, 2, 1), (2, 0, 1), (1, 2, 0)]:
    case("permute", [x], [T(x).permute(*perm)], perm=perm)
x4 = rnd(2, 3, 4, 5, dtype=np.float16)
case("permute", [x4], [T(x4).permute(0, 2, 3, 1)], perm=(0, 2, 3, 1))
xl = RNG.randint(-100, 100, size=(3, 5)).astype(np.int64)
case("permute", [xl], [T(xl).t()], perm=(1, 0))

a, b, c = rnd(2, 3, 4), rnd(2, 1, 4), rnd(2, 5, 4)
case("concat", [a, b, c], [torch.cat([T(a), T(b), T(c)], 1)], axis=1)
a, b = rnd(2, 3), rnd(2, 4)
case("concat", [a, b], [torch.cat([T(a), T(b)], -1)], axis=-1)
a, b = RNG.randint(0, 9, size=(1, 3)).astype(np.int32), RNG.randint(0, 9, size=(2, 3)).astype(np.int32)
case("concat", [a, b], [torch.cat([T(a), T(b)], 0)], axis=0)
case("concat", [a], [T(a).clone()], axis=0)

BIG = 2 ** 62
x = rnd(5, 7, 6)
for sl in [((0, 5, 1), (1, 6, 2), (0, 6, 1)),
           ((4, -BIG, -1), (0, 7, 3), (-1, -7, -2)),
           ((-3, 100, 1), (6, 0, -2), (BIG, -BIG, -1)),
           ((1, 1, 1), (0, 7, 1), (0, 6, 1)),
           ((-100, 3, 2), (5, -100, -3), (2, 5, 1))]:
    py = tuple(slice(s, e, st) for s, e, st in sl)
    xt = x[py]  # numpy slicing = Python slicing (torch lacks negative steps)
    case("slice", [x], [np.ascontiguousarray(xt)], start=[s[0] for s in sl],
         end=[s[1] for s in sl], step=[s[2] for s in sl])
xb = RNG.randint(0, 2, size=(4, 6)).astype(np.bool_)
case("slice", [xb], [np.ascontiguousarray(xb[::-1, 1::2])], start=(BIG, 1), end=(-BIG, BIG),
     step=(-1, 2))

x = rnd(2, 3, 5, 6)
PADMODES = {"constant": 0, "reflect": 1, "replicate": 2, "circular": 3}
for mode, tp in [("constant", (1, 2, 0, 3)), ("constant", (-1, 2, 1, -2)),
                 ("reflect", (2, 1, 3, 4)), ("replicate", (3, 0, 2, 1)),
                 ("circular", (2, 3, 1, 4)), ("reflect", (-1, 2, 0, 1))]:
    y = F.pad(T(x), tp, mode=mode, value=0.5) if mode == "constant" else F.pad(T(x), tp, mode=mode)
    pads = [0, 0, 0, 0, tp[2], tp[3], tp[0], tp[1]]
    case("pad", [x], [y], pads=pads, mode=PADMODES[mode], value=0.5)
x3 = rnd(2, 4, 5)
case("pad", [x3], [F.pad(T(x3), (1, 1, 2, 0, 1, 0), value=-1.0)], pads=[1, 0, 2, 0, 1, 1],
     mode=0, value=-1.0)
xi = RNG.randint(0, 99, size=(3, 4)).astype(np.int32)
case("pad", [xi], [F.pad(T(xi), (1, 2, 2, 1), value=7)], pads=[2, 1, 1, 2], mode=0, value=7.0)

x = rnd(5, 4, 3)
for ax, idx in [(0, np.array([0, 4, -1, 2], np.int64)), (1, np.array([[0, -4], [3, 1]], np.int32)),
                (2, np.array(1, np.int64)), (-1, np.array([2, 2, 0], np.int64))]:
    a = ax % 3
    ii = np.where(idx < 0, idx + x.shape[a], idx)
    y = np.take(x, ii, axis=a)
    case("gather", [x, idx], [np.ascontiguousarray(y)], axis=ax)

x = rnd(3, 1, 2)
case("expand", [x], [T(x).expand(2, 3, 4, 2)], shape=(2, 3, 4, 2))
case("expand", [x], [T(x).expand(3, 5, 2)], shape=(3, 5, 2))
x = rnd(1,)
case("expand", [x], [T(x).expand(2, 3)], shape=(2, 3))
xi = RNG.randint(0, 9, size=(2, 1)).astype(np.int64)
case("expand", [xi], [T(xi).expand(2, 2, 3)], shape=(2, 2, 3))

x = rnd(3, 1, 2)
case("expand", [x], [T(x).expand(2, -1, 4, -1)], shape=(2, -1, 4, -1))
x = rnd(2, 3)
case("tile", [x], [T(x).repeat(2, 3)], shape=(2, 3))
x = rnd(2, 1, 3)
case("tile", [x], [T(x).repeat(1, 4, 2)], shape=(1, 4, 2))

# --------------------------------------------------------------- math
for shape, ax in [((3, 7), 1), ((3, 7), 0), ((2, 3, 4, 5), 1), ((2, 3, 4), -1), ((11,), 0)]:
    x = rnd(*shape, lo=-5, hi=5)
    case("softmax", [x], [F.softmax(T(x), ax)], axis=ax)
    case("log_softmax", [x], [F.log_softmax(T(x), ax)], axis=ax)
x = rnd(2, 5, lo=-5, hi=5, dtype=np.float64)
case("softmax", [x], [F.softmax(T(x), 1)], axis=1)

for shape, k, aff in [((2, 3, 8), 1, True), ((2, 3, 4), 2, True), ((4, 10), 1, False),
                      ((2, 3, 4, 5), 3, True)]:
    x = rnd(*shape, lo=-3, hi=3)
    ns = shape[-k:]
    w, b = (rnd(*ns), rnd(*ns)) if aff else (None, None)
    y = F.layer_norm(T(x), ns, T(w) if aff else None, T(b) if aff else None, 1e-5)
    case("layer_norm", [x, w, b] if aff else [x], [y], n_norm_dims=k, eps=1e-5)
x = rnd(2, 6)
w = rnd(6)
case("layer_norm", [x, w], [F.layer_norm(T(x), (6,), T(w), None, 1e-3)], n_norm_dims=1, eps=1e-3)

for shape, g, aff in [((2, 6, 4, 3), 3, True), ((1, 4, 5), 2, False), ((2, 8, 3, 3), 8, True),
                      ((1, 6, 2, 2), 1, True)]:
    x = rnd(*shape, lo=-2, hi=2)
    c = shape[1]
    w, b = (rnd(c), rnd(c)) if aff else (None, None)
    y = F.group_norm(T(x), g, T(w) if aff else None, T(b) if aff else None, 1e-5)
    case("group_norm", [x, w, b] if aff else [x], [y], groups=g, eps=1e-5)

for shape, aff in [((2, 3, 4, 5), True), ((1, 4, 6), False), ((2, 2, 3, 3), True)]:
    x = rnd(*shape, lo=-2, hi=2)
    c = shape[1]
    w, b = (rnd(c), rnd(c)) if aff else (None, None)
    y = F.instance_norm(T(x), weight=T(w) if aff else None, bias=T(b) if aff else None, eps=1e-5)
    case("instance_norm", [x, w, b] if aff else [x], [y], eps=1e-5)

RED = {"reduce_sum": torch.sum, "reduce_mean": torch.mean, "reduce_max": torch.amax,
       "reduce_min": torch.amin}
for name, fn in RED.items():
    x = rnd(2, 3, 4, 5)
    for axes, keep in [((1,), 0), ((1,), 1), ((0, 2), 0), ((-1, 1), 1), ((), 0), ((), 1),
                       ((0, 1, 2, 3), 0)]:
        if axes:
            y = fn(T(x), dim=list(axes), keepdim=bool(keep))
        else:
            y = fn(T(x), dim=[0, 1, 2, 3], keepdim=bool(keep))
        case(name, [x], [y], axes=list(axes) if axes else [], keepdims=keep)
    if name != "reduce_mean":
        xi = RNG.randint(-1000, 1000, size=(3, 4)).astype(np.int64)
        case(name, [xi], [fn(T(xi), dim=[1], keepdim=False)], axes=[1], keepdims=0)
        xi = xi.astype(np.int32)
        y = fn(T(xi), dim=[0], keepdim=True).to(torch.int32)  # torch sums int32 to int64
        case(name, [xi], [y], axes=[0], keepdims=1)

for name, fn in {"argmax": torch.argmax, "argmin": torch.argmin}.items():
    x = rnd(3, 4, 5)
    for ax, keep in [(0, 0), (1, 1), (-1, 0), (2, 1)]:
        case(name, [x], [fn(T(x), dim=ax, keepdim=bool(keep))], axis=ax, keepdims=keep)
    xt = RNG.randint(0, 3, size=(4, 6)).astype(np.float32)  # ties: first index
    case(name, [xt], [fn(T(xt), dim=1)], axis=1, keepdims=0)
    xi = RNG.randint(-5, 5, size=(3, 7)).astype(np.int32)
    case(name, [xi], [fn(T(xi).long(), dim=1)], axis=1, keepdims=0)

for shape, k, ax, largest in [((10,), 3, 0, 1), ((3, 8), 8, 1, 1), ((4, 6, 3), 2, 1, 0),
                              ((5, 7), 1, 0, 0), ((2, 9), 4, -1, 1)]:
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32) * 0.25 - 3
    v, i = torch.topk(T(x), k, dim=ax, largest=bool(largest), sorted=True)
    case("topk", [x], [v, i], axis=ax, k=k, largest=largest, sorted=1)
x = rnd(3, 4)
v, i = torch.topk(T(x), 0, dim=1)
case("topk", [x], [v, i], axis=1, k=0, largest=1, sorted=1)
xi = RNG.permutation(30).reshape(5, 6).astype(np.int64) - 10
v, i = torch.topk(T(xi), 3, dim=1)
case("topk", [xi], [v, i], axis=1, k=3, largest=1, sorted=1)

for sc, sa, sb in [((2, 3), (2, 3), (2, 3)), ((3, 1), (1, 4), (3, 4)), ((4,), (2, 4), ())]:
    cnd = RNG.randint(0, 2, size=sc).astype(np.bool_)
    a, b = rnd(*sa), rnd(*sb)
    case("where", [cnd, a, b], [torch.where(T(cnd), T(a), T(b))])
cnd = RNG.randint(0, 2, size=(3, 3)).astype(np.bool_)
a, b = RNG.randint(0, 9, size=(3, 3)).astype(np.int64), RNG.randint(0, 9, size=(3,)).astype(np.int64)
case("where", [cnd, a, b], [torch.where(T(cnd), T(a), T(b))])

x = rnd(3, 5, lo=-100, hi=100)
for to, tdt in [("i32", torch.int32), ("i64", torch.int64), ("f16", torch.float16),
                ("f64", torch.float64), ("bool", torch.bool)]:
    case("cast", [x], [T(x).to(tdt)], to=to)
xu = rnd(3, 5, lo=0, hi=255)
case("cast", [xu], [T(xu).to(torch.uint8)], to="u8")
xi = RNG.randint(-1000, 1000, size=(4, 3)).astype(np.int64)
for to, tdt in [("f32", torch.float32), ("i32", torch.int32), ("f64", torch.float64)]:
    case("cast", [xi], [T(xi).to(tdt)], to=to)
xb = RNG.randint(0, 255, size=(2, 5)).astype(np.uint8)
case("cast", [xb], [T(xb).to(torch.float32)], to="f32")

# ------------------------------------------------------------- resize
RMODE = {"nearest": 0, "nearest-exact": 1, "bilinear": 2, "bicubic": 3}


def resize(shape, size, mode, align=None, aa=False, scale=None):
    x = rnd(*shape)
    kw = {}
    if align is not None:
        kw["align_corners"] = align
    if scale is not None:
        y = F.interpolate(T(x), scale_factor=scale, mode=mode, recompute_scale_factor=False,
                          antialias=aa, **kw)
        size = tuple(y.shape[2:])
    else:
        y = F.interpolate(T(x), size=size, mode=mode, antialias=aa, **kw)
    case("resize", [x], [y], mode=RMODE[mode], align_corners=int(bool(align)), antialias=int(aa),
         size=size, scale=list(scale) if scale else [0.0, 0.0])


for mode in ["nearest", "nearest-exact"]:
    resize((1, 2, 5, 7), (9, 4), mode)
    resize((1, 1, 3, 3), (5, 7), mode)
    resize((2, 1, 4, 6), (8, 12), mode)
    resize((1, 2, 7, 5), (3, 2), mode)
    resize((1, 1, 6, 7), None, mode, scale=(1.7, 0.6))
for mode in ["bilinear", "bicubic"]:
    for align in [False, True]:
        resize((1, 2, 5, 7), (9, 4), mode, align)
        resize((1, 1, 8, 8), (3, 5), mode, align)
        resize((1, 1, 4, 4), (1, 1), mode, align)
    resize((1, 1, 6, 5), None, mode, False, scale=(1.5, 2.3))
    resize((1, 2, 17, 13), (5, 6), mode, False, aa=True)
    resize((1, 1, 12, 12), (4, 4), mode, True, aa=True)
    resize((1, 1, 5, 6), (9, 11), mode, False, aa=True)
    resize((2, 1, 20, 9), (3, 9), mode, False, aa=True)
    resize((1, 1, 64, 70), (3, 2), mode, False, aa=True)  # wide filters

# ONNX Resize coordinate and nearest modes have no torch equivalent: their
# goldens come from a port of the ONNX specification's reference code
# (onnx/backend/test/case/node/resize.py), independent of the C reference.
ONNX_COORD = {"half_pixel": 0, "asymmetric": 1, "align_corners": 2,
              "tf_half_pixel_for_nn": 3, "pytorch_half_pixel": 4}
ONNX_NEAREST = {"floor": 0, "round_prefer_floor": 1, "round_prefer_ceil": 2, "ceil": 3}


def onnx_interp_1d(data, scale, out_w, x, mode, coord, nearest, A, exclude):
    in_w = len(data)
    if coord == "align_corners":
        x_ori = 0.0 if out_w == 1 else x * (in_w - 1) / (out_w - 1)
    elif coord == "asymmetric":
        x_ori = x / scale
    elif coord == "pytorch_half_pixel":
        x_ori = -0.5 if out_w == 1 else (x + 0.5) / scale - 0.5
    elif coord == "tf_half_pixel_for_nn":
        x_ori = (x + 0.5) / scale
    else:
        x_ori = (x + 0.5) / scale - 0.5
    x_int = int(np.floor(x_ori))
    ratio = 1.0 if float(x_ori).is_integer() else x_ori - x_int
    if mode == "nearest":
        if ratio == 1.0:
            coeffs = np.array([0.0, 1.0])
        elif nearest == "round_prefer_floor":
            coeffs = np.array([ratio <= 0.5, ratio > 0.5], dtype=np.float64)
        elif nearest == "round_prefer_ceil":
            coeffs = np.array([ratio < 0.5, ratio >= 0.5], dtype=np.float64)
        elif nearest == "floor":
            coeffs = np.array([1.0, 0.0])
        else:
            coeffs = np.array([0.0, 1.0])
    elif mode == "linear":
        coeffs = np.array([1 - ratio, ratio])
    else:
        def c1(t):
            return ((A + 2) * t - (A + 3)) * t * t + 1

        def c2(t):
            return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A
        coeffs = np.array([c2(ratio + 1), c1(ratio), c1(1 - ratio), c2(2 - ratio)])
    n = len(coeffs)
    pad = int(np.ceil(n / 2))
    padded = np.pad(data, pad, mode="edge")
    xp = x_ori + pad
    idx = sorted(sorted(range(len(padded)), key=lambda i: (abs(xp - i), i))[:n])
    pts = padded[idx]
    idx = np.array(idx) - pad
    if exclude:
        coeffs = np.where((idx < 0) | (idx >= in_w), 0.0, coeffs)
        coeffs = coeffs / coeffs.sum()
    return float(np.dot(coeffs, pts))


def onnx_resize(x, size, mode, coord, nearest="round_prefer_floor", A=-0.75, exclude=0):
    n, c, h, w = x.shape
    sh, sw = size[0] / h, size[1] / w
    y = np.zeros((n, c, size[0], size[1]), np.float64)
    for i in range(n):
        for j in range(c):
            rows = np.array([[onnx_interp_1d(x[i, j, r].astype(np.float64), sw, size[1], ox, mode,
                                             coord, nearest, A, exclude)
                              for ox in range(size[1])] for r in range(h)])
            for oy in range(size[0]):
                for ox in range(size[1]):
                    y[i, j, oy, ox] = onnx_interp_1d(rows[:, ox], sh, size[0], oy, mode, coord,
                                                     nearest, A, exclude)
    return y.astype(np.float32)


for mode, coord, nearest, size, exclude, A in [
        ("nearest", "asymmetric", "floor", (7, 5), 0, -0.75),
        ("nearest", "half_pixel", "round_prefer_floor", (9, 4), 0, -0.75),
        ("nearest", "half_pixel", "round_prefer_ceil", (9, 4), 0, -0.75),
        ("nearest", "align_corners", "round_prefer_floor", (7, 10), 0, -0.75),
        ("nearest", "tf_half_pixel_for_nn", "ceil", (3, 8), 0, -0.75),
        ("nearest", "pytorch_half_pixel", "round_prefer_floor", (1, 6), 0, -0.75),
        ("linear", "asymmetric", None, (9, 5), 0, -0.75),
        ("linear", "align_corners", None, (3, 11), 0, -0.75),
        ("linear", "pytorch_half_pixel", None, (1, 7), 0, -0.75),
        ("linear", "half_pixel", None, (8, 3), 0, -0.75),
        ("cubic", "half_pixel", None, (9, 7), 0, -0.75),
        ("cubic", "half_pixel", None, (9, 7), 1, -0.5),
        ("cubic", "asymmetric", None, (4, 11), 1, -0.75),
        ("cubic", "align_corners", None, (7, 3), 0, -0.5)]:
    x = rnd(1, 2, 5, 6)
    y = onnx_resize(x, size, mode, coord, nearest, A, exclude)
    rmode = {"nearest": 0, "linear": 2, "cubic": 3}[mode]
    case("resize", [x], [y], mode=rmode, size=size, coord_mode=ONNX_COORD[coord],
         nearest_mode=ONNX_NEAREST[nearest] if nearest else 0, cubic_a=A,
         exclude_outside=exclude)

# -------------------------------------------------------------- prelu
x = rnd(2, 3, 4, 5)
s = rnd(3)
case("prelu", [x, s.reshape(3, 1, 1)], [F.prelu(T(x), T(s))])
s1 = rnd(1)
case("prelu", [x, s1], [F.prelu(T(x), T(s1))])
x = rnd(4, 6)
s = rnd(6)
case("prelu", [x, s], [F.prelu(T(x), T(s))])

# ------------------------------------------------- NaN propagation, f64
def with_nan(*shape, dtype=np.float32):
    x = rnd(*shape, dtype=dtype)
    flat = x.reshape(-1)
    flat[RNG.choice(flat.size, max(1, flat.size // 7), replace=False)] = np.nan
    return x


x = with_nan(2, 3, 6, 5)
case("relu", [x], [F.relu(T(x))])
case("sigmoid", [x], [torch.sigmoid(T(x))])
case("hardswish", [x], [F.hardswish(T(x))])
case("leaky_relu", [x], [F.leaky_relu(T(x), 0.2)], alpha=0.2)
case("clip", [x], [torch.clamp(T(x), -0.3, 0.4)], alpha=-0.3, beta=0.4)
case("max_pool2d", [x], [F.max_pool2d(T(x), 2, 2, 1, ceil_mode=True)], kernel=(2, 2),
     stride=(2, 2), padding=(1, 1, 1, 1), dilation=(1, 1), ceil_mode=1)
case("adaptive_max_pool2d", [x], [F.adaptive_max_pool2d(T(x), (2, 3))], output_size=(2, 3))
case("reduce_max", [x], [torch.amax(T(x), dim=[2, 3])], axes=[2, 3], keepdims=0)
case("reduce_min", [x], [torch.amin(T(x), dim=[1])], axes=[1], keepdims=0)
case("argmax", [x], [torch.argmax(T(x), dim=3)], axis=3, keepdims=0)
case("argmin", [x], [torch.argmin(T(x), dim=2, keepdim=True)], axis=2, keepdims=1)
y = rnd(5)
case("max", [x, y], [torch.maximum(T(x), T(y))])
case("min", [y, x], [torch.minimum(T(y), T(x))])
case("softmax", [x], [F.softmax(T(x), 3)], axis=3)
xt = with_nan(3, 9)
v, i = torch.topk(T(xt), 4, dim=1)
case("topk", [xt], [v, i], axis=1, k=4, largest=1, sorted=1)

x = rnd(2, 3, 7, 6, dtype=np.float64)
case("avg_pool2d", [x], [F.avg_pool2d(T(x), 3, 2, 1, ceil_mode=True, count_include_pad=False)],
     kernel=(3, 3), stride=(2, 2), padding=(1, 1, 1, 1), ceil_mode=1, count_include_pad=0)
case("reduce_sum", [x], [torch.sum(T(x), dim=[1, 3], keepdim=True)], axes=[1, 3], keepdims=1)
case("reduce_mean", [x], [torch.mean(T(x), dim=[0])], axes=[0], keepdims=0)
case("layer_norm", [x], [F.layer_norm(T(x), (7, 6), eps=1e-5)], n_norm_dims=2, eps=1e-5)
case("log_softmax", [x], [F.log_softmax(T(x), 1)], axis=1)
case("resize", [x], [F.interpolate(T(x), size=(5, 9), mode="bilinear", align_corners=False)],
     mode=2, size=(5, 9), align_corners=0, antialias=0, scale=[0.0, 0.0])
a, b = rnd(2, 3, 5, dtype=np.float64), rnd(5, 4, dtype=np.float64)
case("matmul", [a, b], [torch.matmul(T(a), T(b))])

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("\n".join(LINES) + "\n")
print("wrote %d cases to %s" % (len(LINES), OUT))
