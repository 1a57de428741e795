#!/usr/bin/env python3
"""Independent numpy implementation of GGML's Q8_0 / Q4_0 block quantization (from the format's
definition), writing test vectors for tests/core/quant_test.cpp:
  tests/data/quant/input.f32   raw little-endian f32 [8, 64] (random rows plus edge cases)
  tests/data/quant/q8_0.bin    raw bytes [8, 68] (2 blocks of 34 bytes per row)
  tests/data/quant/q4_0.bin    raw bytes [8, 36] (2 blocks of 18 bytes per row)
(raw files: test_core links only the core library, which has no .npy reader)
Run: /usr/bin/python3 tools/reference/quant_ref.py tests/data/quant"""
import os
import sys

import numpy as np

f32 = np.float32


def q8_0_block(x):
    amax = f32(np.max(np.abs(x)))
    d = f32(amax / f32(127))
    inv = f32(f32(1) / d) if d != 0 else f32(0)
    v = (x * inv).astype(np.float32)
    q = (np.sign(v) * np.floor(np.abs(v) + f32(0.5))).astype(np.int8)  # roundf: half away from zero
    return np.float16(d).tobytes() + q.tobytes()


def q4_0_block(x):
    i = int(np.argmax(np.abs(x)))  # first index of the largest magnitude
    m = x[i]
    d = f32(m / f32(-8))
    inv = f32(f32(1) / d) if d != 0 else f32(0)
    t = (x * inv).astype(np.float32) + f32(8.5)
    q = np.clip(np.trunc(t), 0, 15).astype(np.uint8)
    packed = (q[:16] | (q[16:] << 4)).astype(np.uint8)
    return np.float16(d).tobytes() + packed.tobytes()


def main(out):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 64)).astype(np.float32) * 0.05
    x[1, :32] = 0  # all-zero block: d = 0
    x[2, :32] = np.arange(32, dtype=np.float32) - 16  # exact integers
    x[3, 5] = 3.0  # one outlier dominates its block
    x[4, 32:] = -x[4, 32:]
    x[5, :32] = np.linspace(-1, 1, 32, dtype=np.float32)  # symmetric: +m and -m both present
    x[6] *= 1e4  # large scales
    x[7] *= 1e-6  # f16-subnormal scales
    rows8, rows4 = [], []
    for r in x:
        rows8.append(np.frombuffer(b"".join(q8_0_block(r[b:b + 32]) for b in (0, 32)), np.uint8))
        rows4.append(np.frombuffer(b"".join(q4_0_block(r[b:b + 32]) for b in (0, 32)), np.uint8))
    os.makedirs(out, exist_ok=True)
    x.astype("<f4").tofile(os.path.join(out, "input.f32"))
    np.stack(rows8).tofile(os.path.join(out, "q8_0.bin"))
    np.stack(rows4).tofile(os.path.join(out, "q4_0.bin"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/quant")
