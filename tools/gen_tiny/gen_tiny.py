#!/usr/bin/python3
"""Writes random-weight model folders in the exact layout of the real Hugging Face repos.

  gen_tiny.py --model janus-pro-1b --size tiny --out DIR [--seed N] [--ref SHARED_MODELS_DIR]
  gen_tiny.py --model all --size tiny --out DIR        (one sub-folder per model)

Models and weight files (as on the hub):
  janus-1.3b      model.safetensors (BF16)
  janus-pro-1b    pytorch_model.bin (torch.save zip, BFloat16Storage)
  janus-pro-7b    pytorch_model-0000{1,2}-of-00002.bin + pytorch_model.bin.index.json
  janusflow-1.3b  model.safetensors (BF16)
  sdxl-vae        config.json + diffusion_pytorch_model.safetensors (F32)
Sizes:
  tiny       small widths/depths wherever the engine reads them from config or tensor shapes
             (LLM 64 wide, 2 layers, 4 heads; SigLIP 64 wide, 2 blocks; VQ base channels 32);
             image 384, patch 16, 576 image tokens, codebook 16384x8 and 102400 vocab rows stay real.
  realwidth  the widths the official code hard-codes (SigLIP 1024, VQ-16 channels, JanusFlow LLM 2048
             and UViT 768), with 1-2 layers per stack.
  full       real shapes (for benchmarks; several GB, streamed to disk; never commit).
numpy only (no torch). Deterministic: every tensor comes from its own generator seeded by
(seed, crc32(name)), so values do not depend on file layout.
"""

import argparse
import copy
import json
import lzma
import math
import os
import shutil
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_io  # noqa: E402
import tables  # noqa: E402

MODELS = {
    "janus-1.3b": ("Janus-1.3B", "janus", "safetensors"),
    "janus-pro-1b": ("Janus-Pro-1B", "janus", "bin"),
    "janus-pro-7b": ("Janus-Pro-7B", "janus", "sharded_bin"),
    "janusflow-1.3b": ("JanusFlow-1.3B", "janusflow", "safetensors"),
    "sdxl-vae": ("sdxl-vae", "vae", "diffusers"),
}

# Hard-coded upstream widths (not in config.json).
SIGLIP_REAL = {"width": 1024, "depth": 24, "mlp": 4096, "patch": 16}
VQ_REAL = {"ch": 128, "z": 256}
UVIT_REAL = {"width": 768, "layers_in_middle": 2}

TINY = {
    "llm": {"hidden": 64, "inter": 128, "layers": 2, "heads": 4, "kv_heads": 4},
    "siglip": {"width": 64, "depth": 2, "mlp": 256, "patch": 16},
    "vq": {"ch": 32, "z": 64},
    "uvit": {"width": 32, "layers_in_middle": 2},
    "vae": {"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1},
}
REALWIDTH = {
    "llm": {"hidden": 256, "inter": 512, "layers": 2, "heads": 2, "kv_heads": 2},  # head_dim 128 as real
    "llm_janusflow": {"hidden": 2048, "inter": 1024, "layers": 2, "heads": 16, "kv_heads": 16},
    "siglip": dict(SIGLIP_REAL, depth=2),
    "vq": VQ_REAL,
    "uvit": {"width": 768, "layers_in_middle": 1},
    "vae": {"block_out_channels": [128, 256, 512, 512], "layers_per_block": 1},
}

CHUNK = 1 << 22  # elements per generated chunk (fixed, so values do not depend on memory limits)


def default_ref():
    env = os.environ.get("JANUS_MODELS_REF")
    if env:
        return env
    repo = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    # shared/ sits beside the checkout (developer machines and CI); else the committed copies.
    for cand in (os.path.join(repo, "..", "shared", "models"), "/work/shared/models"):
        if os.path.isdir(cand):
            return os.path.normpath(cand)
    return os.path.join(repo, "tests", "data", "config")


# ----------------------------------------------------------------------------- dims


def llm_from_config(lc):
    # LlamaConfig defaults for absent keys (Pro-7B omits most).
    heads = lc.get("num_attention_heads", 32)
    return {"hidden": lc.get("hidden_size", 4096), "inter": lc.get("intermediate_size", 11008),
            "layers": lc.get("num_hidden_layers", 32), "heads": heads, "kv_heads": lc.get("num_key_value_heads", heads),
            "vocab": lc.get("vocab_size", 32000)}


def model_dims(kind, size, cfg):
    if kind == "vae":
        if size == "full":
            return {"block_out_channels": cfg["block_out_channels"], "layers_per_block": cfg["layers_per_block"]}
        return dict((TINY if size == "tiny" else REALWIDTH)["vae"])
    real_llm = llm_from_config(cfg["language_config"])
    if size == "full":
        return {"llm": real_llm, "siglip": SIGLIP_REAL, "vq": VQ_REAL, "uvit": UVIT_REAL}
    src = TINY if size == "tiny" else REALWIDTH
    llm = dict(src.get("llm_" + kind, src["llm"]), vocab=real_llm["vocab"])
    return {"llm": llm, "siglip": src["siglip"], "vq": src["vq"], "uvit": src["uvit"]}


def edit_config(kind, cfg, d):
    """Changes only the sizes in a copy of the real config.json."""
    cfg = copy.deepcopy(cfg)
    if kind == "vae":
        cfg["block_out_channels"] = d["block_out_channels"]
        cfg["layers_per_block"] = d["layers_per_block"]
        return cfg
    L, H = d["llm"], d["llm"]["hidden"]
    lc = cfg["language_config"]
    # Set all five even where the real file relies on LlamaConfig defaults (Pro-7B).
    lc.update(hidden_size=H, intermediate_size=L["inter"], num_hidden_layers=L["layers"],
              num_attention_heads=L["heads"], num_key_value_heads=L["kv_heads"])
    if kind == "janus":
        cfg["aligner_config"]["params"].update(input_dim=d["siglip"]["width"], n_embed=H)
        cfg["gen_aligner_config"]["params"].update(n_embed=H)
        cfg["gen_head_config"]["params"].update(n_embed=H, image_token_embed=H)
    else:
        C = d["uvit"]["width"]
        cfg["vision_gen_enc_config"]["params"].update(block_out_channels=[C], hidden_size=H,
                                                      layers_in_middle=d["uvit"]["layers_in_middle"])
        cfg["vision_gen_dec_config"]["params"].update(block_out_channels=[C], in_channels=C, hidden_size=H,
                                                      layers_in_middle=d["uvit"]["layers_in_middle"])
    return cfg


# ----------------------------------------------------------------------------- values


def init_rule(name, shape):
    """(mean, std) of the normal a tensor is drawn from; std 0 means constant."""
    if name.endswith("codebook_used"):
        return 0.0, 0.0
    if name.endswith("quantize.embedding.weight"):
        return 0.0, 1.0  # rows are l2-normalised at use
    if name.endswith(".bias"):
        return 0.0, 0.02
    if len(shape) == 1 and "norm" in name:  # LayerNorm / RMSNorm / GroupNorm scale
        return 1.0, 0.02
    if len(shape) == 4 and "channelwise_norm" not in name:  # conv: keep activations O(1)
        fan_in = shape[1] * shape[2] * shape[3]
        return 0.0, 1.0 / math.sqrt(fan_in)
    return 0.0, 0.02  # linear, embeddings, pos_embed, ...


def to_bytes(x, dtype):
    if dtype == "F32":
        return x.astype("<f4").tobytes()
    if dtype == "F16":
        return x.astype("<f2").tobytes()
    u = x.astype(np.float32).view(np.uint32)
    r = (u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)  # round to nearest even
    return r.astype("<u2").tobytes()


def tensor_chunks(name, shape, seed):
    """Float32 chunks of the tensor's values in row-major order."""
    mean, std = init_rule(name, shape)
    n = checkpoint_io.numel(shape)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    for start in range(0, n, CHUNK):
        k = min(CHUNK, n - start)
        if std == 0.0:
            yield np.full(k, mean, dtype=np.float32)
        else:
            yield rng.standard_normal(k, dtype=np.float32) * np.float32(std) + np.float32(mean)


def tensor_values(name, shape, seed):
    """The whole tensor as float32 (for verification of small checkpoints)."""
    parts = list(tensor_chunks(name, shape, seed))
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)).reshape(shape)


def make_fill(name, dtype, shape, seed):
    def fill(write):
        for c in tensor_chunks(name, shape, seed):
            write(to_bytes(c, dtype))
    return fill


# ----------------------------------------------------------------------------- folder writing


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def pro7b_tokenizer(ref):
    """Pro-7B tokenizer.json is not available: take Janus-1.3B's (pad 100015, <begin_of_image> 100016,
    <end_of_image> 100593) and append the Pro special tokens from 100594 in special_tokens_map order
    (<image_placeholder> 100594 ... <|Assistant|> 100602), per janus.md §4.3 / expected.md §3."""
    if ref is None:
        tok, ref = committed_tokenizer("Janus-1.3B"), COMMITTED_REF
    else:
        with open(os.path.join(ref, "Janus-1.3B", "tokenizer.json"), encoding="utf-8") as f:
            tok = json.load(f)
    with open(os.path.join(ref, "Janus-Pro-7B", "special_tokens_map.json"), encoding="utf-8") as f:
        extra = json.load(f)["additional_special_tokens"]
    have = {t["content"] for t in tok["added_tokens"]}
    next_id = max(t["id"] for t in tok["added_tokens"]) + 1
    for content in extra:
        if content in have:
            continue
        tok["added_tokens"].append({"id": next_id, "content": content, "single_word": False, "lstrip": False,
                                    "rstrip": False, "normalized": False, "special": True})
        next_id += 1
    return tok


COMMITTED_REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "config")


def committed_tokenizer(src):
    """Where shared/models is absent (a fresh checkout), rebuild the reconstructed tokenizer.json of
    `src` from the committed pieces: the three reconstructions differ only in `added_tokens`, so the
    repo keeps the shared base once (xz) and each model's added_tokens list."""
    added = os.path.join(COMMITTED_REF, src, "added_tokens.json")
    if not os.path.exists(added):
        return None
    with lzma.open(os.path.join(COMMITTED_REF, "tokenizer_base.json.xz"), "rt", encoding="utf-8") as f:
        tok = json.load(f)
    with open(added, encoding="utf-8") as f:
        tok["added_tokens"] = json.load(f)
    return tok


def copy_side_files(model, src, ref, out):
    base = os.path.join(ref, src)
    for name in ("preprocessor_config.json", "processor_config.json", "special_tokens_map.json",
                 "tokenizer_config.json", "tokenizer.json"):
        p = os.path.join(base, name)
        if os.path.exists(p):
            shutil.copyfile(p, os.path.join(out, name))
            os.chmod(os.path.join(out, name), 0o644)
        elif name == "tokenizer.json" and model == "janus-pro-7b" and os.path.exists(
                os.path.join(ref, "Janus-1.3B", "tokenizer.json")):
            write_json(os.path.join(out, name), pro7b_tokenizer(ref))
        elif name == "tokenizer.json" and model == "janus-pro-7b" and committed_tokenizer("Janus-1.3B"):
            write_json(os.path.join(out, name), pro7b_tokenizer(None))
        elif name == "tokenizer.json" and committed_tokenizer(src):
            write_json(os.path.join(out, name), committed_tokenizer(src))
        elif name == "tokenizer.json":
            print(f"gen_tiny: note: no {name} for {model} in {base}; folder has none", file=sys.stderr)


def generate(model, size, out, seed, ref):
    src, kind, fmt = MODELS[model]
    with open(os.path.join(ref, src, "config.json"), encoding="utf-8") as f:
        real_cfg = json.load(f)
    d = model_dims(kind, size, real_cfg)
    os.makedirs(out, exist_ok=True)
    cfg = real_cfg if size == "full" else edit_config(kind, real_cfg, d)
    write_json(os.path.join(out, "config.json"), cfg)
    if kind == "vae":
        specs, dtype = tables.vae(d), "F32"
    else:
        specs = tables.janus(d) if kind == "janus" else tables.janusflow(d)
        dtype = "BF16"
        copy_side_files(model, src, ref, out)
    tensors = [(n, dtype, s, make_fill(n, dtype, s, seed)) for n, s in specs]

    if fmt == "safetensors":
        checkpoint_io.write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    elif fmt == "diffusers":
        checkpoint_io.write_safetensors(os.path.join(out, "diffusion_pytorch_model.safetensors"), tensors)
    elif fmt == "bin":
        checkpoint_io.write_torch_zip(os.path.join(out, "pytorch_model.bin"), tensors)
    else:
        # transformers shard_checkpoint: fill shard 1 in state_dict order up to max_shard_size (10GB on
        # the hub, giving 9.99 + 4.85 GB); smaller checkpoints keep the same ~2/3 split.
        total = sum(checkpoint_io.nbytes(t[1], t[2]) for t in tensors)
        limit = 10 * 10**9 if size == "full" else int(total * 0.673)
        shards, acc = [[], []], 0
        for t in tensors:
            b = checkpoint_io.nbytes(t[1], t[2])
            shards[0 if (acc + b <= limit or not shards[0]) and not shards[1] else 1].append(t)
            acc += b
        names = [f"pytorch_model-0000{i + 1}-of-00002.bin" for i in range(2)]
        weight_map = {}
        for fname, shard in zip(names, shards):
            checkpoint_io.write_torch_zip(os.path.join(out, fname), shard)
            weight_map.update({t[0]: fname for t in shard})
        index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
        with open(os.path.join(out, "pytorch_model.bin.index.json"), "w") as f:
            f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS) + ["all"])
    ap.add_argument("--size", default="tiny", choices=["tiny", "realwidth", "full"])
    ap.add_argument("--out", required=True, help="model folder (with --model all: parent of one folder per model)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ref", default=default_ref(), help="folder with the real <Model>/config.json etc.")
    a = ap.parse_args(argv)
    models = sorted(MODELS) if a.model == "all" else [a.model]
    for m in models:
        generate(m, a.size, os.path.join(a.out, m) if a.model == "all" else a.out, a.seed, a.ref)


if __name__ == "__main__":
    main()
