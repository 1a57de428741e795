"""Checkpoint and config loading for the PyTorch reference (independent of the C++ loader).

load_state_dict(dir) -> {name: torch.Tensor} in the stored dtype (bf16 stays bf16) from
  model.safetensors | model.safetensors.index.json (+ shards) | pytorch_model.bin |
  pytorch_model.bin.index.json (+ shards).
load_config(dir) -> dict with the raw config plus `language` (LlamaConfig defaults filled in, spec §2.3).
"""
import json
import os
import struct

import numpy as np
import torch

# safetensors dtype tag -> (numpy dtype used to read the bytes, torch dtype to view them as)
_ST_DTYPES = {
    "BF16": (np.int16, torch.bfloat16),
    "F16": (np.float16, torch.float16),
    "F32": (np.float32, torch.float32),
    "F64": (np.float64, torch.float64),
    "I64": (np.int64, torch.int64),
    "I32": (np.int32, torch.int32),
    "I16": (np.int16, torch.int16),
    "I8": (np.int8, torch.int8),
    "U8": (np.uint8, torch.uint8),
    "BOOL": (np.bool_, torch.bool),
}

# LlamaConfig defaults for keys a Janus language_config may omit (spec §2.3; Pro-7B relies on them).
LLAMA_DEFAULTS = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": None,  # None -> num_attention_heads
    "hidden_act": "silu",
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "attention_bias": False,
    "tie_word_embeddings": False,
    "pretraining_tp": 1,
}


def read_safetensors(path):
    """Reads one .safetensors file with numpy; validates the header against the file size."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: truncated header length")
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise ValueError(f"{path}: header length {n} exceeds file size {size}")
        header = json.loads(f.read(n).decode("utf-8"))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        np_dt, t_dt = _ST_DTYPES[info["dtype"]]
        shape = [int(s) for s in info["shape"]]
        b, e = (int(v) for v in info["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not (0 <= b <= e <= size - base) or e - b != count * np.dtype(np_dt).itemsize:
            raise ValueError(f"{path}: {name}: bad data_offsets {b}..{e} for {info['dtype']}{shape}")
        arr = np.frombuffer(data[base + b:base + e].tobytes(), dtype=np_dt).reshape(shape)
        t = torch.from_numpy(arr.copy())
        if t_dt == torch.bfloat16:
            t = t.view(torch.bfloat16)  # same element size: reinterpret the int16 bits
        out[name] = t
    return out


def read_torch_bin(path):
    # weights_only: the restricted unpickler (tensors, OrderedDict) — never executes arbitrary code.
    sd = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v for k, v in sd.items()}


def load_state_dict(model_dir):
    """All tensors of a checkpoint folder; sharded files are unioned (a duplicate name is an error)."""
    cands = [
        ("model.safetensors.index.json", read_safetensors),
        ("pytorch_model.bin.index.json", read_torch_bin),
    ]
    for index_name, reader in cands:
        ip = os.path.join(model_dir, index_name)
        if os.path.exists(ip):
            with open(ip) as f:
                wm = json.load(f)["weight_map"]
            out = {}
            for shard in sorted(set(wm.values())):
                part = reader(os.path.join(model_dir, shard))
                for k, v in part.items():
                    if k in out:
                        raise ValueError(f"{shard}: duplicate tensor {k}")
                    out[k] = v
            missing = set(wm) - set(out)
            if missing:
                raise ValueError(f"{ip}: tensors missing from shards: {sorted(missing)[:5]}")
            return out
    for single, reader in [("model.safetensors", read_safetensors), ("pytorch_model.bin", read_torch_bin)]:
        p = os.path.join(model_dir, single)
        if os.path.exists(p):
            return reader(p)
    raise FileNotFoundError(f"{model_dir}: no model.safetensors / pytorch_model.bin (or index)")


def language_config(raw):
    lc = dict(LLAMA_DEFAULTS)
    lc.update({k: v for k, v in raw.items()})
    if lc["num_key_value_heads"] is None:
        lc["num_key_value_heads"] = lc["num_attention_heads"]
    if lc.get("rope_scaling"):
        raise NotImplementedError("rope_scaling is not used by any Janus model")
    return lc


def load_json(path, default=None):
    if not os.path.exists(path):
        if default is not None:
            return default
        raise FileNotFoundError(path)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_config(model_dir):
    cfg = load_json(os.path.join(model_dir, "config.json"))
    cfg["language"] = language_config(cfg.get("language_config", {}))
    cfg["is_flow"] = "vision_und_enc_config" in cfg
    return cfg
