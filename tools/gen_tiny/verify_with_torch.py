#!/usr/bin/python3
"""Checks generated folders with real PyTorch (not run in CI, which lacks torch):
torch.load(weights_only=False where supported) must read every .bin back with the dtype, shape and
exact values gen_tiny.py produces; safetensors files are compared against the same values.
  verify_with_torch.py DIR [--seed N]     (DIR as written by gen_tiny.py --model all)
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_tiny  # noqa: E402

TORCH_DTYPE = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}


def expected_bits(name, shape, dtype, seed):
    x = gen_tiny.tensor_values(name, shape, seed)
    b = gen_tiny.to_bytes(x.reshape(-1), dtype)
    return np.frombuffer(b, dtype={"BF16": "<u2", "F16": "<u2", "F32": "<u4"}[dtype])


def torch_bits(t):
    t = t.contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().view(np.uint16).reshape(-1)
    return t.view(torch.int32).numpy().view(np.uint32).reshape(-1)


def load_bin(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def check_bin(path, seed, dtype_expected):
    sd = load_bin(path)
    assert type(sd).__name__ == "OrderedDict", type(sd)
    for name, t in sd.items():
        assert t.dtype == TORCH_DTYPE[dtype_expected], (name, t.dtype)
        exp = expected_bits(name, list(t.shape), dtype_expected, seed)
        if not np.array_equal(torch_bits(t), exp):
            raise AssertionError(f"{path}: {name} values differ")
    return list(sd.keys())


def check_safetensors(path, seed):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        names = []
        for name, info in header.items():
            if name == "__metadata__":
                continue
            b, e = info["data_offsets"]
            f.seek(base + b)
            raw = f.read(e - b)
            exp = expected_bits(name, info["shape"], info["dtype"], seed)
            if raw != exp.tobytes():
                raise AssertionError(f"{path}: {name} values differ")
            names.append(name)
    return names


def check_zip64():
    """Real checkpoints need ZIP64 (entries and offsets past 4 GiB); force those records on a small file.
    torch's miniz rejects a small archive whose 32-bit offset field holds the 0xFFFFFFFF sentinel
    (its bounds check uses the raw field), so the offset records are checked with Python's zipfile and
    the size records + ZIP64 end records with torch.load."""
    import checkpoint_io
    import tempfile
    import zipfile
    zw = checkpoint_io._ZipWriter
    specs = [("a.weight", [64, 64]), ("b.bias", [10]), ("c.weight", [40, 40])]
    tensors = [(n, "BF16", s, gen_tiny.make_fill(n, "BF16", s, 0)) for n, s in specs]
    old = (zw.LIMIT, zw.OFFSET_LIMIT)
    try:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "z64.bin")
            zw.LIMIT, zw.OFFSET_LIMIT = 3000, 3000
            checkpoint_io.write_torch_zip(path, tensors)
            with zipfile.ZipFile(path) as z:
                assert z.testzip() is None
                assert [i.header_offset for i in z.infolist()][-1] > 3000
            zw.LIMIT, zw.OFFSET_LIMIT = 3000, old[1]
            checkpoint_io.write_torch_zip(path, tensors)
            with open(path, "rb") as f:
                assert b"PK\x06\x06" in f.read()  # ZIP64 end record written
            assert check_bin(path, 0, "BF16") == [n for n, _ in specs]
    finally:
        zw.LIMIT, zw.OFFSET_LIMIT = old
    print("ok  ZIP64 records (forced on a small file)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n = 0
    for model in sorted(os.listdir(a.dir)):
        d = os.path.join(a.dir, model)
        for fn in sorted(os.listdir(d)):
            p = os.path.join(d, fn)
            if fn.endswith(".bin"):
                names = check_bin(p, a.seed, "BF16")
            elif fn.endswith(".safetensors"):
                names = check_safetensors(p, a.seed)
            else:
                continue
            n += len(names)
            print(f"ok  {model}/{fn}: {len(names)} tensors")
        idx = os.path.join(d, "pytorch_model.bin.index.json")
        if os.path.exists(idx):
            with open(idx) as f:
                wm = json.load(f)["weight_map"]
            for fn in set(wm.values()):
                keys = set(load_bin(os.path.join(d, fn)).keys())
                assert keys == {k for k, v in wm.items() if v == fn}, f"{idx}: weight_map disagrees with {fn}"
            print(f"ok  {model}/pytorch_model.bin.index.json: {len(wm)} entries")
    check_zip64()
    print(f"all {n} tensors identical")


if __name__ == "__main__":
    main()
