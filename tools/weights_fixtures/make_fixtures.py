#!/usr/bin/python3
"""Regenerates tests/data/weights/ (fixtures for tests/weights/).

Needs torch (1.13 tested) and numpy; run from anywhere:
    /usr/bin/python3 tools/weights_fixtures/make_fixtures.py

Writes real torch.save checkpoints, ZIP64 re-packs of them (checked with torch.load), safetensors
files from the small writer below (format: u64 LE header size, JSON header, raw LE bytes), sharded
folders with index files, parse-only pickles made by CPython's own pickler, hostile pickles, and
expected.json holding every tensor's dtype, shape and values so the C++ tests compare against
torch's own view of the data.
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import zipfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "weights")
# The hostile pickles would create this file if anything executed them.
PWNED = "/tmp/janus_weights_pwned_marker"

ST_DTYPE = {
    torch.bfloat16: "BF16", torch.float16: "F16", torch.float32: "F32", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def values(t):
    """Row-major element values as exact JSON numbers (bf16/f16 widen to float64 exactly)."""
    t = t.detach()
    if t.dtype.is_floating_point:
        return [float(x) for x in t.double().flatten().tolist()]
    return [int(x) for x in t.flatten().tolist()]


def describe(sd):
    # storage_offset/stride are what torch.save records; the C++ pickle reader must recover them.
    return {k: {"dtype": ST_DTYPE[v.dtype], "shape": list(v.shape), "values": values(v),
                "storage_offset": v.storage_offset(), "stride": list(v.stride())} for k, v in sd.items()}


def basic_state_dict():
    g = torch.Generator().manual_seed(1234)
    sd = collections.OrderedDict()
    sd["w_bf16"] = torch.randn(3, 4, generator=g).to(torch.bfloat16)
    sd["w_f16"] = torch.randn(5, generator=g).to(torch.float16)
    sd["w_f32"] = torch.randn(2, 3, 2, generator=g)
    sd["w_f64"] = torch.randn(2, generator=g).double()
    sd["i64"] = torch.tensor([0, -1, 2**40 + 7, -(2**62)], dtype=torch.int64)
    sd["i32"] = torch.tensor([7, -8, 2**31 - 1], dtype=torch.int32)
    sd["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127, 5], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 255, 17, 3], dtype=torch.uint8)
    sd["flags"] = torch.tensor([True, False, True])
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 2
    sd["base"] = base
    sd["base_t"] = base.t()  # non-contiguous view sharing base's storage
    grid = torch.randn(4, 5, generator=g).to(torch.bfloat16)
    sd["grid"] = grid
    sd["grid_row"] = grid[2]  # contiguous, storage_offset 10
    sd["grid_slice"] = grid[1:, 1:4]  # non-contiguous, storage_offset 6
    sd["grid_col"] = grid[:, 3]  # stride 5, storage_offset 3
    sd["tied_a"] = torch.randn(2, 2, generator=g).to(torch.float16)
    sd["tied_b"] = sd["tied_a"]  # the same tensor object twice (tied embeddings)
    sd["param"] = torch.nn.Parameter(torch.randn(3, generator=g).to(torch.bfloat16))
    sd["scalar"] = torch.tensor(3.25)
    sd["empty"] = torch.zeros(0, 3)
    sd["long_vec"] = torch.arange(300, dtype=torch.int16)  # shape 300 -> BININT2 in the pickle
    return sd


def module_state_dict():
    # A real nn.Module state dict: OrderedDict with a _metadata attribute (pickled via BUILD).
    torch.manual_seed(7)
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2)).to(torch.bfloat16)
    return m.state_dict()


def torch_save(sd, path):
    torch.save(sd, path)
    back = torch.load(path)
    assert list(back.keys()) == list(sd.keys())
    for k in sd:
        assert torch.equal(back[k], sd[k]), k


def check_same_as(path, reference):
    back = torch.load(path)
    ref = torch.load(reference)
    assert list(back.keys()) == list(ref.keys())
    for k in ref:
        assert back[k].dtype == ref[k].dtype and torch.equal(back[k], ref[k]), (path, k)


def write_zip64(entries, path, align=64):
    """Writes a STORED zip whose central directory entries always use the ZIP64 extra field and
    which ends with a ZIP64 end record + locator, as torch's writer does for >4 GB checkpoints."""
    out = io.BytesIO()
    central = []
    for name, data in entries:
        nb = name.encode()
        offset = out.tell()
        crc = zipfile.crc32(data) & 0xFFFFFFFF
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        pad = (-(offset + 30 + len(nb) + len(local_extra) + 4)) % align
        local_extra += struct.pack("<HH", 0x4B46, pad) + b"Z" * pad  # 'FK' padding block, like torch
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                              len(nb), len(local_extra)))
        out.write(nb + local_extra)
        assert out.tell() % align == 0
        out.write(data)
        central.append((nb, crc, len(data), offset))
    cd_start = out.tell()
    for nb, crc, size, offset in central:
        extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                              len(nb), len(extra), 0, 0, 0, 0, 0xFFFFFFFF))
        out.write(nb + extra)
    cd_size = out.tell() - cd_start
    eocd64 = out.tell()
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(central), len(central), cd_size, cd_start))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def repack_pyzip(src, dst, compression, force_zip64):
    with zipfile.ZipFile(dst, "w", compression=compression) as z:
        for name, data in zip_entries(src):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            with z.open(info, "w", force_zip64=force_zip64) as f:
                f.write(data)


def write_safetensors(path, sd, metadata=None, misalign=0):
    """Like the reference writer: tensors ordered by element size (largest first, then name) so each
    is naturally aligned, header padded with spaces to 8 bytes. misalign shifts the data start."""
    header, chunks, pos = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for k, t in sorted(sd.items(), key=lambda kv: (-kv[1].element_size(), kv[0])):
        t = t.detach().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        assert len(raw) == t.numel() * t.element_size()
        header[k] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((-(8 + len(hb))) % 8 + misalign)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + b"".join(chunks))
    check_safetensors(path, sd)


def check_safetensors(path, sd):
    """Independent re-read with numpy, following the format description."""
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    buf = blob[8 + n:]
    npdt = {"BF16": np.uint16, "F16": np.float16, "F32": np.float32, "F64": np.float64, "I64": np.int64,
            "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
    for k, t in sd.items():
        e = header[k]
        b, en = e["data_offsets"]
        arr = np.frombuffer(buf[b:en], dtype=npdt[e["dtype"]]).reshape(e["shape"])
        if e["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        assert np.array_equal(arr, t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()), k


class _Storage:
    def __init__(self, cls, key, numel):
        self.cls, self.key, self.numel = cls, key, numel


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class _StoragePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def fake_pickle(protocol):
    """A state-dict pickle with large integers (LONG1/BININT), written by CPython's pickler."""
    big = _Storage(torch.BFloat16Storage, "17", 2**40 + 3)
    d = {
        "huge": _Tensor(big, 3_000_000_000, (70000, 300), (300, 1)),
        "mid": _Tensor(_Storage(torch.HalfStorage, "2", 100000), 65537, (2, 256), (1, 2)),
        "again": _Tensor(big, 0, (5,), (1,)),
    }
    f = io.BytesIO()
    _StoragePickler(f, protocol=protocol).dump(d)
    expected = {}
    for k, t in d.items():
        s, off, size, stride = t.args[:4]
        expected[k] = {"key": s.key, "dtype": {torch.BFloat16Storage: "BF16", torch.HalfStorage: "F16"}[s.cls],
                       "numel": s.numel, "offset": off, "shape": list(size), "stride": list(stride)}
    return f.getvalue(), expected


def hostile_pickles():
    """Pickles that run a shell command under pickle.load. Hand-assembled; never loaded here."""
    cmd = ("touch " + PWNED).encode()
    binu = lambda s: b"X" + struct.pack("<I", len(s)) + s
    return {
        # os.system(cmd) via GLOBAL + REDUCE
        "os_system.pkl": b"\x80\x02cos\nsystem\nq\x00(" + binu(cmd) + b"tR.",
        # OrderedDict whose value is builtins.eval("__import__('os').system(...)")
        "builtins_eval.pkl": b"\x80\x02ccollections\nOrderedDict\n)R(" + binu(b"w") + b"cbuiltins\neval\n(" +
                             binu(b"__import__('os').system('" + cmd + b"')") + b"tRu.",
        # protocol 4: STACK_GLOBAL builds the callable from two strings
        "stack_global.pkl": b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94(" + binu(cmd) + b"tR.",
        # INST opcode: instantiate os.system with the marked arguments
        "inst.pkl": b"\x80\x02(" + binu(cmd) + b"ios\nsystem\n.",
        # torch's bytes-based storage loader (runs torch.load on embedded bytes)
        "load_from_bytes.pkl": b"\x80\x02ctorch.storage\n_load_from_bytes\n(" + b"C\x00tR.",
        # a well-formed start followed by a byte that is no pickle opcode
        "unknown_opcode.pkl": b"\x80\x02ccollections\nOrderedDict\n)R\xff.",
    }


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    expected = {}

    sd = basic_state_dict()
    torch_save(sd, os.path.join(OUT, "torch_basic.bin"))
    expected["torch_basic.bin"] = describe(sd)

    msd = module_state_dict()
    torch_save(msd, os.path.join(OUT, "torch_module.bin"))
    expected["torch_module.bin"] = describe(msd)

    # ZIP64 re-packs of the same checkpoint: ours (ZIP64 everywhere, aligned) and Python's
    # zipfile force_zip64 (ZIP64 local headers, unaligned payloads); torch must read both.
    basic = os.path.join(OUT, "torch_basic.bin")
    write_zip64(zip_entries(basic), os.path.join(OUT, "torch_zip64.bin"))
    check_same_as(os.path.join(OUT, "torch_zip64.bin"), basic)
    with zipfile.ZipFile(os.path.join(OUT, "torch_zip64.bin")) as z:
        assert z.testzip() is None
    repack_pyzip(basic, os.path.join(OUT, "torch_pyzip64.bin"), zipfile.ZIP_STORED, True)
    check_same_as(os.path.join(OUT, "torch_pyzip64.bin"), basic)
    repack_pyzip(basic, os.path.join(OUT, "torch_deflate.bin"), zipfile.ZIP_DEFLATED, False)

    # safetensors: aligned (8-byte padded header, like the reference writer) and deliberately misaligned.
    st = collections.OrderedDict((k, v.contiguous()) for k, v in sd.items() if k != "tied_b")
    write_safetensors(os.path.join(OUT, "st_basic.safetensors"), st, metadata={"format": "pt", "note": "fixture"})
    expected["st_basic.safetensors"] = describe(st)
    odd = collections.OrderedDict([("a16", sd["w_bf16"]), ("f32", sd["w_f32"])])
    write_safetensors(os.path.join(OUT, "st_misaligned.safetensors"), odd, misalign=1)
    expected["st_misaligned.safetensors"] = describe(odd)

    # Sharded folders: split one state dict over two shards, for both formats.
    split = collections.OrderedDict((k, v.contiguous()) for k, v in list(st.items())[:6])
    parts = [list(split)[:4], list(split)[4:]]
    for fmt in ("safetensors", "bin"):
        d = os.path.join(OUT, "sharded_" + fmt)
        os.makedirs(d)
        weight_map, total = {}, 0
        for i, names in enumerate(parts):
            if fmt == "safetensors":
                shard = "model-%05d-of-00002.safetensors" % (i + 1)
                write_safetensors(os.path.join(d, shard), collections.OrderedDict((n, split[n]) for n in names))
            else:
                shard = "pytorch_model-%05d-of-00002.bin" % (i + 1)
                torch_save(collections.OrderedDict((n, split[n]) for n in names), os.path.join(d, shard))
            for n in names:
                weight_map[n] = shard
                total += split[n].numel() * split[n].element_size()
        index = "model.safetensors.index.json" if fmt == "safetensors" else "pytorch_model.bin.index.json"
        with open(os.path.join(d, index), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        expected["sharded_" + fmt] = describe(split)

    # Parse-only pickles (no storage bytes) with large integers, in protocols 2 and 4.
    for proto in (2, 4):
        blob, exp = fake_pickle(proto)
        with open(os.path.join(OUT, "bigint_p%d.pkl" % proto), "wb") as f:
            f.write(blob)
        expected["bigint_p%d.pkl" % proto] = exp

    hdir = os.path.join(OUT, "hostile")
    os.makedirs(hdir)
    for name, blob in hostile_pickles().items():
        with open(os.path.join(hdir, name), "wb") as f:
            f.write(blob)
    # The os.system pickle wrapped as a torch checkpoint, so open_file() meets it too.
    with zipfile.ZipFile(os.path.join(hdir, "os_system.bin"), "w") as z:
        z.writestr("archive/data.pkl", hostile_pickles()["os_system.pkl"])
        z.writestr("archive/version", b"3\n")
    expected["pwned_marker"] = PWNED

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(OUT) for fn in fns)
    print("wrote %s (%d bytes)" % (OUT, total))
    assert total < 200_000


if __name__ == "__main__":
    main()
