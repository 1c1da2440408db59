#!/usr/bin/python3
"""Generates the weights-loader test inputs into OUTDIR (seeded, small):

  sd_zip.pth / sd_legacy.pth       a state_dict saved by torch.save (zip, legacy)
  sd_p4_zip.pth / sd_p4_legacy.pth the same with pickle protocol 4
  sd_deflate.pth                   sd_zip.pth re-zipped with deflate
  wrap_zip.pth / wrap_legacy.pth   {'best_prec1', 'epoch', 'state_dict': sd}
  sd.safetensors                   the same tensors, safetensors written by hand
  manifest.txt                     "name dtype ndim d0 d1 ... npyfile" per tensor
  t_<i>.npy                        a contiguous copy of each tensor (bf16 as u16)
  real_<file>.txt                  torch's "name d0,d1,..." list for a real model
  hostile_*.bin + hostile.txt      files the loader must refuse: "file code substring"

Usage: gen_weights.py OUTDIR [SHARED_MODELS_DIR]
"""
import collections
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import torch

out = sys.argv[1]
models = sys.argv[2] if len(sys.argv) > 2 else None
os.makedirs(out, exist_ok=True)
torch.manual_seed(1234)

base = torch.randn(4, 6)
sd = collections.OrderedDict()
sd["conv.weight"] = torch.nn.Parameter(torch.randn(4, 3, 3, 3))
sd["conv.bias"] = torch.randn(4)
sd["bn.weight"] = torch.rand(4).half()
sd["bn.running_var"] = torch.rand(2, 3).to(torch.bfloat16)
sd["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.long)
sd["scalar"] = torch.tensor(3.5)
sd["f64"] = torch.randn(3, 2).double()
sd["i32"] = torch.randint(-1000, 1000, (5,), dtype=torch.int32)
sd["i16"] = torch.randint(-1000, 1000, (2, 2), dtype=torch.int16)
sd["i8"] = torch.randint(-100, 100, (3,), dtype=torch.int8)
sd["u8"] = torch.randint(0, 255, (3, 1), dtype=torch.uint8)
sd["mask"] = torch.rand(4) > 0.5
sd["base"] = base
sd["base_t"] = base.t()           # strided view of the same storage
sd["base_rows"] = base[1:3]       # offset view
sd["base_cols"] = base[:, 2:5:2]  # offset + stride
sd["empty"] = torch.zeros(0, 3)
# a tensor whose storage is larger than itself, saved without its base
sd["narrow"] = torch.randn(10, 10)[3:5, 1:4]

torch.save(sd, os.path.join(out, "sd_zip.pth"))
torch.save(sd, os.path.join(out, "sd_legacy.pth"), _use_new_zipfile_serialization=False)
# pickle protocol 4 (FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE)
torch.save(sd, os.path.join(out, "sd_p4_zip.pth"), pickle_protocol=4)
torch.save(sd, os.path.join(out, "sd_p4_legacy.pth"), pickle_protocol=4,
           _use_new_zipfile_serialization=False)
wrap = {"best_prec1": 91.5, "epoch": 3, "arch": "tiny", "state_dict": sd}
torch.save(wrap, os.path.join(out, "wrap_zip.pth"))
torch.save(wrap, os.path.join(out, "wrap_legacy.pth"), _use_new_zipfile_serialization=False)

# the same archive re-zipped with deflate (other zip tools do that)
with zipfile.ZipFile(os.path.join(out, "sd_zip.pth")) as zi, \
        zipfile.ZipFile(os.path.join(out, "sd_deflate.pth"), "w", zipfile.ZIP_DEFLATED) as zo:
    for info in zi.infolist():
        zo.writestr(info.filename, zi.read(info.filename))

ST_DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
         torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
         torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
PV_DT = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
         torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
         torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}


def raw(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16)
    return t.numpy()


with open(os.path.join(out, "manifest.txt"), "w") as f:
    for i, (k, v) in enumerate(sd.items()):
        npy = "t_%d.npy" % i
        np.save(os.path.join(out, npy), raw(v))
        f.write("%s %s %d %s %s %d\n" % (k, PV_DT[v.dtype], v.dim(),
                                         " ".join(str(d) for d in v.shape) or "-", npy,
                                         int(isinstance(v, torch.nn.Parameter))))


def write_safetensors(path, tensors, meta):
    hdr, blobs, off = {}, [], 0
    if meta:
        hdr["__metadata__"] = meta
    for k, v in tensors.items():
        b = raw(v).tobytes()
        hdr[k] = {"dtype": ST_DT[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(hdr).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


write_safetensors(os.path.join(out, "sd.safetensors"), sd, {"format": "pt", "seed": "1234"})

# --- real models: torch's own key/shape list --------------------------------
if models:
    for fn in ("ultraface-version-RFB-320.pth", "cifar10_resnet20-12fca82f.th"):
        p = os.path.join(models, fn)
        if not os.path.exists(p):
            continue
        obj = torch.load(p, map_location="cpu")
        if "state_dict" in obj:
            obj = obj["state_dict"]
        with open(os.path.join(out, "real_%s.txt" % fn), "w") as f:
            for k, v in obj.items():
                f.write("%s %s %s\n" % (k, PV_DT[v.dtype], ",".join(str(d) for d in v.shape) or "-"))

# --- hostile files ------------------------------------------------------------
hostile = []


def zip_with(name, pkl, extra=None):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")
        for k, v in (extra or {}).items():
            z.writestr("archive/" + k, v)
    with open(os.path.join(out, name), "wb") as f:
        f.write(bio.getvalue())


LEGACY_HEAD = (b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
               b"\x80\x02M\xe9\x03." + b"\x80\x02}q\x00(X\x0d\x00\x00\x00little_endianq\x01\x88u.")


def legacy_with(name, pkl, tail=b"\x80\x02]q\x00."):
    with open(os.path.join(out, name), "wb") as f:
        f.write(LEGACY_HEAD + pkl + tail)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


evil = pickle_evil = __import__("pickle").dumps(Evil(), protocol=2)
zip_with("hostile_system_zip.bin", evil)
hostile.append(("hostile_system_zip.bin", "UNSUPPORTED", "system"))
legacy_with("hostile_system_legacy.bin", evil)
hostile.append(("hostile_system_legacy.bin", "UNSUPPORTED", "system"))
ev2 = __import__("pickle").dumps(collections.OrderedDict(a=eval), protocol=2)
zip_with("hostile_builtin.bin", ev2)
hostile.append(("hostile_builtin.bin", "UNSUPPORTED", "builtin__.eval"))
# REDUCE of a whitelisted but non-callable global
zip_with("hostile_reduce_storage.bin", b"\x80\x02ctorch\nFloatStorage\n)R.")
hostile.append(("hostile_reduce_storage.bin", "UNSUPPORTED", "REDUCE"))
# REDUCE of something that is not a global at all
zip_with("hostile_reduce_str.bin", b"\x80\x02X\x01\x00\x00\x00a)R.")
hostile.append(("hostile_reduce_str.bin", "UNSUPPORTED", "REDUCE"))
# BUILD on a list
zip_with("hostile_build.bin", b"\x80\x02]}b.")
hostile.append(("hostile_build.bin", "UNSUPPORTED", "BUILD"))
# opcodes outside the whitelist: NEWOBJ, INST, EXT1
zip_with("hostile_newobj.bin", b"\x80\x02ccollections\nOrderedDict\n)\x81.")
hostile.append(("hostile_newobj.bin", "UNSUPPORTED", "0x81"))
zip_with("hostile_inst.bin", b"(ios\nsystem\n.")
hostile.append(("hostile_inst.bin", "UNSUPPORTED", "0x69"))
# huge declared sizes
zip_with("hostile_bigstr.bin", b"\x80\x02X\xff\xff\xff\xff.")
hostile.append(("hostile_bigstr.bin", "FORMAT", "truncated"))
zip_with("hostile_bigmemo.bin", b"\x80\x02}r\xf0\xff\xff\xff.")
hostile.append(("hostile_bigmemo.bin", "RANGE", "memo"))
big_storage = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
               b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
               b"\x8a\x05\x00\x00\x00\x00\x10tQK\x00K\x01\x85K\x01\x85\x89"
               b"ccollections\nOrderedDict\n)RtR.")
zip_with("hostile_bigstorage.bin", big_storage)
hostile.append(("hostile_bigstorage.bin", "FORMAT", "larger than the file"))
# a view reaching past its storage
past = big_storage.replace(b"\x8a\x05\x00\x00\x00\x00\x10", b"K\x04").replace(b"K\x00K\x01\x85K\x01\x85", b"K\x02K\x03\x85K\x01\x85")
zip_with("hostile_pastend.bin", past, {"data/0": b"\0" * 16})
hostile.append(("hostile_pastend.bin", "FORMAT", "past its storage"))
# a pid that is not a storage (a pickled module in legacy files)
zip_with("hostile_pid.bin", b"\x80\x02X\x06\x00\x00\x00moduleq\x00\x85Q.")
hostile.append(("hostile_pid.bin", "UNSUPPORTED", "persistent id"))
# a TorchScript archive (has data.pkl, but of __torch__ classes)
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(out, "hostile_torchscript.bin"))
hostile.append(("hostile_torchscript.bin", "UNSUPPORTED", "TorchScript"))
# protocol-0 INT beyond int64
zip_with("hostile_int.bin", b"I9999999999999999999\n.")
hostile.append(("hostile_int.bin", "RANGE", "INT out of range"))
# a DAG through the memo: 30 levels of [x, x] = 2^30 paths from a few bytes
dag = b"\x80\x02]q\x000"
for i in range(1, 31):
    dag += b"(h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"lq" + bytes([i]) + (b"0" if i < 30 else b"")
zip_with("hostile_dag.bin", dag + b".")
hostile.append(("hostile_dag.bin", "FORMAT", "object graph"))
# a list that contains itself
zip_with("hostile_cycle.bin", b"\x80\x02]q\x00h\x00a.")
hostile.append(("hostile_cycle.bin", "FORMAT", "nested deeper"))
# legacy storage with data past the end of the file (pid has view_metadata)
legacy_pkl = big_storage.replace(b"\x8a\x05\x00\x00\x00\x00\x10t", b"K\x04Nt")
legacy_with("hostile_legacy_short.bin", legacy_pkl,
            b"\x80\x02]q\x00X\x01\x00\x00\x000a.\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00")
hostile.append(("hostile_legacy_short.bin", "FORMAT", "past the end"))
# legacy storage keys list naming an unknown storage
legacy_with("hostile_legacy_key.bin", legacy_pkl,
            b"\x80\x02]q\x00X\x01\x00\x00\x001a.\x04\x00\x00\x00\x00\x00\x00\x00" + b"\0" * 16)
hostile.append(("hostile_legacy_key.bin", "FORMAT", "unknown"))
# safetensors: header length beyond the file, offsets out of range
with open(os.path.join(out, "hostile_st_len.bin"), "wb") as f:
    f.write(struct.pack("<Q", 1 << 40) + b'{"a":1}' + b" " * 16)
hostile.append(("hostile_st_len.bin", "FORMAT", "header length"))
h = json.dumps({"a": {"dtype": "F32", "shape": [1 << 40, 1 << 30], "data_offsets": [0, 4]}}).encode()
with open(os.path.join(out, "hostile_st_shape.bin"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"\0" * 4)
hostile.append(("hostile_st_shape.bin", "RANGE", "overflows"))
h = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
with open(os.path.join(out, "hostile_st_off.bin"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"\0" * 4)
hostile.append(("hostile_st_off.bin", "FORMAT", "data_offsets"))
h = b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {}}'
with open(os.path.join(out, "hostile_st_dup.bin"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"\0" * 4)
hostile.append(("hostile_st_dup.bin", "FORMAT", "JSON"))

# a legacy (pre-1.0 style) storage view: persistent id with view_metadata
# ('view', offset 2, numel 3) into a 6-element root; the tensor is view[1:3]
# = root[3:5] = [3, 4]
def su(x):
    return b"X" + struct.pack("<I", len(x)) + x.encode()


view_pkl = (b"\x80\x02ccollections\nOrderedDict\n)R(" + su("v") +
            b"ctorch._utils\n_rebuild_tensor_v2\n((" + su("storage") +
            b"ctorch\nFloatStorage\n" + su("root") + su("cpu") + b"K\x06(" + su("view") +
            b"K\x02K\x03ttQK\x01K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRu.")
legacy_with("legacy_view.pth", view_pkl,
            b"\x80\x02]q\x00" + su("root") + b"a." + struct.pack("<q6f", 6, 0, 1, 2, 3, 4, 5))

with open(os.path.join(out, "hostile.txt"), "w") as f:
    for n, c, s in hostile:
        f.write("%s %s %s\n" % (n, c, s))
print("gen_weights: wrote %d tensors, %d hostile files to %s" % (len(sd), len(hostile), out))
