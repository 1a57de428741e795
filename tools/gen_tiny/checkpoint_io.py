"""Streaming writers for the checkpoint formats of the real model repos (numpy only, no torch).

- safetensors: 8-byte header length, JSON header, raw little-endian data.
- torch.save zip ("pytorch_model.bin"): archive/data.pkl (pickle protocol 2 of an OrderedDict of
  torch._utils._rebuild_tensor_v2 calls with ("storage", torch.<X>Storage, key, "cpu", numel)
  persistent ids), archive/byteorder, archive/data/<key> STORED entries aligned to 64 bytes,
  archive/version; ZIP64 records when sizes or offsets need them.

Tensors are given as (name, dtype, shape, fill) where fill(write) streams the raw bytes in chunks,
so multi-GB checkpoints never sit in memory.
"""

import json
import struct
import zlib

DTYPE_BYTES = {"BF16": 2, "F16": 2, "F32": 4}
TORCH_STORAGE = {"BF16": "BFloat16Storage", "F16": "HalfStorage", "F32": "FloatStorage"}


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def nbytes(dtype, shape):
    return numel(shape) * DTYPE_BYTES[dtype]


# ----------------------------------------------------------------------------- safetensors


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, shape, fill); data laid out in the given order."""
    header = {}
    offset = 0
    for name, dtype, shape, _ in tensors:
        size = nbytes(dtype, shape)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = metadata or {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the safetensors writer pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name, dtype, shape, fill in tensors:
            start = f.tell()
            fill(f.write)
            if f.tell() - start != nbytes(dtype, shape):
                raise RuntimeError(f"{name}: wrote {f.tell() - start} bytes, expected {nbytes(dtype, shape)}")


# ----------------------------------------------------------------------------- pickle (protocol 2)


class _Pickle:
    """Emits the opcode subset PyTorch's pickler produces for a state dict."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.memo = {}

    def glob(self, module, name):
        key = (module, name)
        if key in self.memo:
            i = self.memo[key]
            self.out += b"h" + bytes([i]) if i < 256 else b"j" + struct.pack("<I", i)  # BINGET / LONG_BINGET
            return
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL
        i = len(self.memo)
        self.memo[key] = i
        self.out += b"q" + bytes([i]) if i < 256 else b"r" + struct.pack("<I", i)  # BINPUT / LONG_BINPUT

    def int(self, v):
        if 0 <= v < 256:
            self.out += b"K" + bytes([v])
        elif 0 <= v < 65536:
            self.out += b"M" + struct.pack("<H", v)
        elif -(2**31) <= v < 2**31:
            self.out += b"J" + struct.pack("<i", v)
        else:  # LONG1: little-endian two's complement
            n = (v.bit_length() + 8) // 8
            self.out += b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)

    def str(self, s):
        b = s.encode()
        self.out += b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE

    def int_tuple(self, vals):
        if not vals:
            self.out += b")"  # EMPTY_TUPLE
            return
        if len(vals) > 3:
            self.out += b"("  # MARK
        for v in vals:
            self.int(v)
        self.out += {1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(len(vals), b"t")  # TUPLE1/2/3 / TUPLE

    def empty_ordered_dict(self):
        self.glob("collections", "OrderedDict")
        self.out += b")R"  # EMPTY_TUPLE, REDUCE


def state_dict_pickle(entries):
    """entries: list of (name, dtype, shape, storage_key). Contiguous tensors, offset 0."""
    p = _Pickle()
    p.empty_ordered_dict()
    for start in range(0, len(entries), 1000):  # the pickler batches SETITEMS by 1000
        p.out += b"("  # MARK
        for name, dtype, shape, key in entries[start:start + 1000]:
            p.str(name)
            p.glob("torch._utils", "_rebuild_tensor_v2")
            p.out += b"("  # MARK: args of _rebuild_tensor_v2
            p.out += b"("  # MARK: persistent id tuple
            p.str("storage")
            p.glob("torch", TORCH_STORAGE[dtype])
            p.str(key)
            p.str("cpu")
            p.int(numel(shape))
            p.out += b"tQ"  # TUPLE, BINPERSID
            p.int(0)  # storage_offset
            p.int_tuple(list(shape))
            stride, acc = [], 1
            for d in reversed(shape):
                stride.append(acc)
                acc *= d
            p.int_tuple(list(reversed(stride)))
            p.out += b"\x89"  # NEWFALSE: requires_grad
            p.empty_ordered_dict()  # backward hooks
            p.out += b"tR"  # TUPLE, REDUCE
        p.out += b"u"  # SETITEMS
    p.out += b"."  # STOP
    return bytes(p.out)


# ----------------------------------------------------------------------------- zip (torch.save layout)


class _ZipWriter:
    """STORED entries with 64-byte aligned payloads; ZIP64 extra fields where needed."""

    ALIGN = 64
    MAX32 = 0xFFFFFFFF  # sentinel meaning "see the ZIP64 record"
    # Values >= these go to ZIP64 records; lowered only by verify_with_torch.py to test those paths.
    LIMIT = 0xFFFFFFFF  # entry sizes
    OFFSET_LIMIT = 0xFFFFFFFF  # header and central-directory offsets

    def __init__(self, path):
        self.f = open(path, "w+b")
        self.central = []
        self.zip64 = False  # any ZIP64 field written -> also write the ZIP64 end records

    def add(self, name, size, fill):
        f = self.f
        header_off = f.tell()
        fname = name.encode()
        z64 = size >= self.LIMIT
        self.zip64 |= z64
        extra = struct.pack("<HHQQ", 1, 16, size, size) if z64 else b""
        # Pad with an unknown extra field ("FB", as PyTorch does) so the data starts 64-aligned.
        base = header_off + 30 + len(fname) + len(extra) + 4
        extra += b"FB" + struct.pack("<H", -base % self.ALIGN) + b"Z" * (-base % self.ALIGN)
        size32 = self.MAX32 if z64 else size
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if z64 else 20, 0, 0, 0, 0x21, 0, size32, size32,
                            len(fname), len(extra)))
        f.write(fname)
        f.write(extra)
        crc = 0
        start = f.tell()
        assert start % self.ALIGN == 0

        def write(b):
            nonlocal crc
            crc = zlib.crc32(b, crc)
            f.write(b)

        fill(write)
        end = f.tell()
        if end - start != size:
            raise RuntimeError(f"{name}: wrote {end - start} bytes, expected {size}")
        f.seek(header_off + 14)
        f.write(struct.pack("<I", crc))
        f.seek(end)
        self.central.append((fname, size, crc, header_off))

    def close(self):
        f = self.f
        cd_off = f.tell()
        for fname, size, crc, off in self.central:
            fields = []
            if size >= self.LIMIT:
                fields += [size, size]
            if off >= self.OFFSET_LIMIT:
                fields.append(off)
            self.zip64 |= bool(fields)
            extra = struct.pack("<HH", 1, 8 * len(fields)) + struct.pack("<%dQ" % len(fields), *fields) if fields else b""
            size32 = self.MAX32 if size >= self.LIMIT else size
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if fields else 20, 45 if fields else 20, 0, 0, 0,
                                0x21, crc, size32, size32, len(fname), len(extra), 0, 0, 0, 0,
                                self.MAX32 if off >= self.OFFSET_LIMIT else off))
            f.write(fname)
            f.write(extra)
        cd_end = f.tell()
        n, cd_size = len(self.central), cd_end - cd_off
        if self.zip64 or n >= 0xFFFF or cd_off >= self.OFFSET_LIMIT or cd_size >= self.LIMIT:
            f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_off))
            f.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
            f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                self.MAX32 if cd_size >= self.LIMIT else cd_size,
                                self.MAX32 if cd_off >= self.OFFSET_LIMIT else cd_off, 0))
        else:
            f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, 0))
        f.close()


def write_torch_zip(path, tensors, root="archive"):
    """tensors: list of (name, dtype, shape, fill). One storage per tensor, keys "0", "1", ..."""
    entries = [(name, dtype, shape, str(i)) for i, (name, dtype, shape, _) in enumerate(tensors)]
    pkl = state_dict_pickle(entries)
    z = _ZipWriter(path)
    z.add(root + "/data.pkl", len(pkl), lambda w: w(pkl))
    z.add(root + "/byteorder", 6, lambda w: w(b"little"))
    for (name, dtype, shape, fill), (_, _, _, key) in zip(tensors, entries):
        z.add(root + "/data/" + key, nbytes(dtype, shape), fill)
    z.add(root + "/version", 2, lambda w: w(b"3\n"))
    z.close()
