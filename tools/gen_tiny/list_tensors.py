#!/usr/bin/python3
"""Prints "name<TAB>dtype<TAB>d0,d1,..." for every tensor of a model folder or weight file.

Reads safetensors headers, torch.save zip checkpoints (with the standard-library pickle module and
stand-ins for the three torch globals; no torch needed) and *.bin.index.json shards.
Used by tests/config/gen_tiny_test.cpp as an independent reader of the generated .bin files.
  list_tensors.py PATH
"""

import json
import os
import pickle
import struct
import sys
import zipfile

STORAGE_DTYPE = {"BFloat16Storage": "BF16", "HalfStorage": "F16", "FloatStorage": "F32"}


class _Storage:
    def __init__(self, dtype, numel):
        self.dtype, self.numel = dtype, numel


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            import collections
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            def rebuild(storage, offset, size, stride, requires_grad, hooks):
                need = offset + sum((s - 1) * st for s, st in zip(size, stride)) + 1 if all(size) else 0
                if need > storage.numel:
                    raise ValueError("tensor exceeds its storage")
                return (storage.dtype, list(size))
            return rebuild
        if module == "torch" and name in STORAGE_DTYPE:
            return name
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_cls, key, location, numel = pid
        assert kind == "storage"
        return _Storage(STORAGE_DTYPE[storage_cls], numel)


def read_bin(path):
    with zipfile.ZipFile(path) as z:
        pkl = [n for n in z.namelist() if n.endswith("/data.pkl")]
        if len(pkl) != 1:
            raise ValueError(f"{path}: expected one data.pkl")
        sd = _Unpickler(z.open(pkl[0])).load()
        if z.testzip() is not None:
            raise ValueError(f"{path}: CRC mismatch")
    return [(k, v[0], v[1]) for k, v in sd.items()]


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        h = json.loads(f.read(n))
    return [(k, v["dtype"], v["shape"]) for k, v in h.items() if k != "__metadata__"]


def read_path(path):
    if os.path.isdir(path):
        for name in ("model.safetensors", "diffusion_pytorch_model.safetensors", "pytorch_model.bin"):
            if os.path.exists(os.path.join(path, name)):
                return read_path(os.path.join(path, name))
        idx = os.path.join(path, "pytorch_model.bin.index.json")
        with open(idx) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        return [t for fn in files for t in read_path(os.path.join(path, fn))]
    return read_safetensors(path) if path.endswith(".safetensors") else read_bin(path)


if __name__ == "__main__":
    for name, dtype, shape in read_path(sys.argv[1]):
        print(f"{name}\t{dtype}\t{','.join(map(str, shape))}")
