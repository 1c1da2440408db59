"""Writes ONNX backend-test-style cases (model.onnx + test_data_set_0/*.pb)
for the com.microsoft quantised ops that ONNX's own suites lack
(QLinearAdd, QLinearMul, QLinearGlobalAveragePool) and for per-channel int8
QLinearConv, with expected outputs from ONNX Runtime's formulas in numpy
(float32 arithmetic, round half to even, saturate). Usage: qlinear_cases.py OUTDIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

out = sys.argv[1]
rng = np.random.default_rng(1234)
f32 = np.float32


def q(v, zp):
    lo, hi = (0, 255) if zp.dtype == np.uint8 else (-128, 127)
    return np.clip(np.rint(v) + f32(zp), lo, hi).astype(zp.dtype)


def ttype(a):
    return {np.dtype(np.uint8): TensorProto.UINT8,
            np.dtype(np.int8): TensorProto.INT8,
            np.dtype(np.int32): TensorProto.INT32,
            np.dtype(np.float32): TensorProto.FLOAT}[a.dtype]


def case(name, op, domain, inputs, inits, names, want, **attrs):
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    node = helper.make_node(op, names, ["y"], domain=domain, **attrs)
    g = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(k, ttype(v), v.shape)
         for k, v in inputs],
        [helper.make_tensor_value_info("y", ttype(want), want.shape)],
        [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                            helper.make_opsetid("com.microsoft", 1)])
    save(m, os.path.join(d, "model.onnx"))
    for i, (k, v) in enumerate(inputs):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(v, k).SerializeToString())
    with open(os.path.join(d, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(want, "y").SerializeToString())


for dt in (np.uint8, np.int8):
    lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
    tag = "u8" if dt == np.uint8 else "s8"
    a = rng.integers(lo, hi + 1, (2, 3, 4, 5)).astype(dt)
    b = rng.integers(lo, hi + 1, (3, 1, 5)).astype(dt)  # broadcasts
    sa, sb, sc = f32(0.05), f32(0.031), f32(0.07)
    za, zb, zc = dt(3), dt(-2 if dt == np.int8 else 250), dt(10)
    A = (a.astype(np.int32) - np.int32(za)).astype(f32) * sa
    B = (b.astype(np.int32) - np.int32(zb)).astype(f32) * sb
    params = [("sa", np.array(sa)), ("za", np.array(za)), ("sb", np.array(sb)),
              ("zb", np.array(zb)), ("sc", np.array(sc)), ("zc", np.array(zc))]
    names = ["a", "sa", "za", "b", "sb", "zb", "sc", "zc"]
    case("test_qlinearadd_" + tag, "QLinearAdd", "com.microsoft",
         [("a", a), ("b", b)], params, names, q((A + B) / sc, zc))
    case("test_qlinearmul_" + tag, "QLinearMul", "com.microsoft",
         [("a", a), ("b", b)], params, names, q((A * B) / sc, zc))
    # global average pool: int sum, multiplier x_s / (y_s * HW)
    x = rng.integers(lo, hi + 1, (2, 4, 6, 7)).astype(dt)
    xs, ys, xz, yz = f32(0.02), f32(0.015), dt(5), dt(-7 if dt == np.int8 else 7)
    acc = (x.astype(np.int64) - int(xz)).sum(axis=(2, 3), keepdims=True)
    mult = xs / (ys * f32(42))
    case("test_qlinearglobalaveragepool_" + tag, "QLinearGlobalAveragePool",
         "com.microsoft", [("x", x)],
         [("xs", np.array(xs)), ("xz", np.array(xz)), ("ys", np.array(ys)),
          ("yz", np.array(yz))], ["x", "xs", "xz", "ys", "yz"],
         q(acc.astype(f32) * mult, yz))

# per-channel int8 weights, uint8 activations, bias, stride 2, pads
x = rng.integers(0, 256, (1, 3, 9, 8)).astype(np.uint8)
w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
bias = rng.integers(-2000, 2000, (4,)).astype(np.int32)
xs, xz = f32(0.02), np.uint8(120)
ws = np.array([0.01, 0.02, 0.005, 0.03], f32)
wz = np.zeros(4, np.int8)
ys, yz = f32(0.4), np.uint8(128)
xp = np.pad(x.astype(np.int64) - int(xz), ((0, 0), (0, 0), (1, 1), (1, 1)))
oh, ow = (9 + 2 - 3) // 2 + 1, (8 + 2 - 3) // 2 + 1
acc = np.zeros((1, 4, oh, ow), np.int64)
for o in range(4):
    for i in range(oh):
        for j in range(ow):
            acc[0, o, i, j] = (xp[0, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] *
                               (w[o].astype(np.int64) - int(wz[o]))).sum() + bias[o]
mult = (xs * ws / ys).astype(f32).reshape(1, 4, 1, 1)
case("test_qlinearconv_perchannel_s8", "QLinearConv", "",
     [("x", x)],
     [("xs", np.array(xs)), ("xz", np.array(xz)), ("w", w), ("ws", ws),
      ("wz", wz), ("ys", np.array(ys)), ("yz", np.array(yz)), ("bias", bias)],
     ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"],
     q(acc.astype(f32) * mult, yz), strides=[2, 2], pads=[1, 1, 1, 1],
     kernel_shape=[3, 3])
