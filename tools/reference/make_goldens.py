#!/usr/bin/python3
"""Writes golden tensors (.npy) for one case from the PyTorch reference.

  make_goldens.py --model DIR --out DIR --case NAME --kind und --image IMG [--image IMG2 ...] --input-ids IDS.json
                  [--precision bf16]
  make_goldens.py --model DIR --out DIR --case NAME --kind vq [--seed 7]
  make_goldens.py --model DIR --out DIR --case NAME --kind gen --input-ids GEN_IDS.json [--cfg 5 --steps 8]
  make_goldens.py --model VAE_DIR --out DIR --case NAME --kind vae [--seed 7 --grid 24]   (diffusers AutoencoderKL)
  make_goldens.py --model DIR --out DIR --case NAME --kind flow --input-ids FLOW_IDS.json --steps 5 --cfg 2 --seed S

IDS.json: {"ids": [...]} from `janus tokenize --json MODEL "<prompt>"` or tools/reference/tokenize_prompt.js
(the official prompt of §5.2 with BOS, placeholder NOT yet expanded; this script expands it, §5.3).
Several images: one --image per placeholder, in the order of the placeholders in the prompt (each one
becomes start + N image + end; image rows are merged in that order, as the official prepare_inputs_embeds).
Files land in OUT/NAME/ (names follow the C++ --dump-dir names), plus meta.json.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ckpt import load_config, load_state_dict, load_json  # noqa: E402
from modules import JanusModel, to_uint8  # noqa: E402
import flow  # noqa: E402
import processor  # noqa: E402


def save(out, name, arr, meta):
    if name in meta["skipped"]:
        return
    arr = np.ascontiguousarray(arr)
    np.save(os.path.join(out, name + ".npy"), arr)
    meta["files"][name + ".npy"] = {"dtype": str(arr.dtype), "shape": list(arr.shape)}


def f32(t):
    return t.detach().float().numpy().astype(np.float32)


def greedy(model, x, steps, eos):
    """HF generate, greedy, KV cache: argmax (first index on ties) of fp32 logits; stops after EOS."""
    llm = model.llm
    h, cache = llm.forward(x)
    logits0 = llm.logits(h[:, -1])[0]
    out, logits = [], logits0
    for _ in range(steps):
        nxt = int(torch.argmax(logits))
        out.append(nxt)
        if eos is not None and nxt == eos:
            break
        h, cache = llm.forward(llm.embed_ids([[nxt]]), cache)
        logits = llm.logits(h[:, -1])[0]
    return logits0, out


def case_und(a, model, cfg, out, meta):
    tok_dir = a.tokenizer_dir or a.model
    tags = processor.resolve_tags(tok_dir, cfg["is_flow"])
    ids = processor.read_ids(a.input_ids)
    n_tok = load_json(os.path.join(tok_dir, "processor_config.json"), default={"_": 0}).get("num_image_tokens", 576)
    ids, seq_mask, n_img = processor.expand(ids, tags, n_tok, cfg["is_flow"])
    if n_img != len(a.image):
        raise SystemExit(f"prompt has {n_img} image placeholders but {len(a.image)} --image given")
    pre = processor.preprocessor_params(a.model)
    u8 = np.stack([processor.resized_u8(p, pre) for p in a.image])  # [n, S, S, 3] uint8
    pix = np.stack([processor.normalize(x, pre) for x in u8])  # [n, 3, S, S] f32
    layers = {}
    dump = (lambda k, t: layers.__setitem__(k, f32(t[0]))) if a.dump_layers else None
    with torch.no_grad():
        feats, rows = model.image_rows(torch.from_numpy(pix), dump)
        x = model.merge(ids, seq_mask, rows)[None]
        if a.dump_layers:
            h, _ = model.llm.forward(x, dump=dump)
            layers["llm_final_norm"] = f32(h[0])
        logits0, gen = greedy(model, x, a.max_new_tokens, tags["eos"])
    save(out, "input_ids", ids, meta)
    save(out, "pixel_u8", u8, meta)
    save(out, "pixel_values", pix, meta)
    save(out, "vision_features", f32(feats), meta)
    save(out, "image_embeds", f32(rows), meta)
    save(out, "logits_0", f32(logits0), meta)
    save(out, "output_ids", np.array(gen, dtype=np.int64), meta)
    for k, v in layers.items():
        save(out, k, v, meta)
    meta.update(images=[os.path.basename(p) for p in a.image], tags=tags, images_seq_mask_count=int(seq_mask.sum()),
                max_new_tokens=a.max_new_tokens)


def case_vq(a, model, cfg, out, meta):
    grid = (a.grid, a.grid)
    rng = np.random.default_rng(a.seed)
    K = model.vq.codebook.shape[0]
    tokens = rng.integers(0, K, size=(1, grid[0] * grid[1]), dtype=np.int64)
    with torch.no_grad():
        dec = model.vq.decode_code(torch.from_numpy(tokens), grid)
    save(out, "vq_tokens", tokens, meta)
    save(out, "decoded", f32(dec), meta)
    save(out, "decoded_s4", f32(dec)[:, :, ::4, ::4], meta)  # every 4th pixel: 1/16 of the size
    save(out, "image_u8", to_uint8(dec), meta)
    meta.update(seed=a.seed, grid=list(grid), rng="numpy.default_rng(seed).integers(0, K, (1, gh*gw))")


def case_gen(a, model, cfg, out, meta):
    """Image-generation prefix: cond/uncond rows (§5.5), gen_head on the last position, CFG (§8.1) and
    greedy (argmax) code choice instead of sampling, for --steps codes."""
    tok_dir = a.tokenizer_dir or a.model
    tags = processor.resolve_tags(tok_dir, cfg["is_flow"])
    if tags["pad"] is None:
        raise SystemExit("tokenizer has no <｜▁pad▁｜>")
    ids = np.array(processor.read_ids(a.input_ids), dtype=np.int64)
    un = ids.copy()
    un[1:-1] = tags["pad"]
    n = model.num
    w = torch.tensor(float(a.cfg))
    codes, first = [], None
    with torch.no_grad():
        x = model.llm.embed_ids(np.stack([ids, un]))  # [2, T, H]
        cache = None
        for step in range(a.steps):
            h, cache = model.llm.forward(x, cache)
            z = model.gen_head(h[:, -1])  # [2, 16384]
            zc, zu = z[0], z[1]
            g = n.add(zu, n.mul(w, n.r(zc - zu)))  # each op rounded in bf16 mode (§9)
            if first is None:
                first = (zc, zu, g)
            c = int(torch.argmax(g))
            codes.append(c)
            e = model.gen_embed(torch.tensor([c, c]))  # [2, H]
            x = e[:, None, :]
    save(out, "gen_input_ids", ids, meta)
    save(out, "gen_uncond_ids", un, meta)
    save(out, "gen_logits_cond_0", f32(first[0]), meta)
    save(out, "gen_logits_uncond_0", f32(first[1]), meta)
    save(out, "gen_logits_cfg_0", f32(first[2]), meta)
    save(out, "gen_codes_greedy", np.array(codes, dtype=np.int64), meta)
    meta.update(cfg_weight=a.cfg, steps=a.steps, pad_id=tags["pad"])


def _subsample(t, side):
    """Every k-th pixel of [1, C, H, W] so that about `side` rows/columns remain; returns (array, k)."""
    k = max(1, t.shape[-1] // side)
    return f32(t)[:, :, ::k, ::k], k


def case_vae(a, out, meta):
    """SDXL-VAE decode (JanusFlow §6.5): seeded standard-normal latent [1, C, G, G] (the sampler's z, not yet
    divided by scaling_factor) -> decoded [1, 3, 8G, 8G], uint8 image, a few module outputs (subsampled)."""
    from vae import load_vae, to_uint8_clamped
    vae, cfg = load_vae(a.model, a.precision)
    C = int(cfg.get("latent_channels", 4))
    z = np.random.default_rng(a.seed).standard_normal((1, C, a.grid, a.grid)).astype(np.float32)
    inter = {}
    with torch.no_grad():
        dec = vae.decode(torch.from_numpy(z), lambda k, t: inter.__setitem__(k, t))
    save(out, "latent", z, meta)
    for name in ("post_quant_conv", "decoder.mid_block"):
        save(out, name, f32(inter[name]), meta)
    strides = {}
    for b in range(len(vae.ch)):  # up-block outputs: 12x12 pixel samples (size)
        arr, k = _subsample(inter[f"decoder.up_blocks.{b}"], 12)
        save(out, f"decoder.up_blocks.{b}_s{k}", arr, meta)
        strides[f"decoder.up_blocks.{b}"] = k
    save(out, "decoded", f32(dec), meta)
    save(out, "decoded_s2", f32(dec)[:, :, ::2, ::2], meta)
    save(out, "image_u8", to_uint8_clamped(dec), meta)
    meta.update(seed=a.seed, grid=a.grid, scaling_factor=vae.scaling, subsample=strides,
                rng="numpy.default_rng(seed).standard_normal((1, C, G, G)).astype(float32)")


def write_meta(out, meta):
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{out}: " + ", ".join(f"{k}{v['shape']}" for k, v in meta["files"].items()))


def case_flow(a, model, cfg, out, meta):
    """JanusFlow rectified-flow sampler (demo/app_janusflow.py, N = 1) on injected noise
    numpy.default_rng(seed).standard_normal((1, 4, 48, 48)) as float32 (rounded to bf16 in bf16 mode)."""
    if not cfg["is_flow"]:
        raise SystemExit("--kind flow needs a JanusFlow checkpoint")
    tok_dir = a.tokenizer_dir or a.model
    tags = processor.resolve_tags(tok_dir, True)
    pad = tags["pad"] if tags["pad"] is not None else tags["eos"]  # spec §4.1 step 3
    ids = processor.read_ids(a.input_ids)
    fv = model.flow_vision
    noise = np.random.default_rng(a.seed).standard_normal((1, 4, 48, 48)).astype(np.float32)
    got = {}
    with torch.no_grad():
        flow.sample(model.llm, fv, ids, pad, torch.from_numpy(noise), a.steps, a.cfg,
                    dump=lambda k, t: got.__setitem__(k, f32(t)))
    P = len(ids)
    save(out, "input_ids", np.array(ids, dtype=np.int64), meta)
    save(out, "uncond_input_ids", np.array([ids[0]] + [pad] * (P - 1), dtype=np.int64), meta)
    save(out, "noise", noise, meta)
    for k in ("t_emb_0", "t_emb_1", "x_emb_0", "llm_hidden_0", "dec_in_0", "velocity_cond_0", "velocity_uncond_0",
              "velocity_0"):
        save(out, k, got[k], meta)
    save(out, "latent_3", got[f"latent_{min(3, a.steps)}"], meta)
    save(out, "latent_final", got[f"latent_{a.steps}"], meta)
    t, dt = flow.time_grid(a.steps, model.num.bf16)
    meta.update(steps=a.steps, cfg=a.cfg, dt=dt, t=t, pad_id=pad, seed=a.seed, tags=tags,
                noise="numpy.random.default_rng(seed).standard_normal((1, 4, 48, 48)).astype(float32)",
                layout="rows: cond then uncond; *_0 = step 0; latent_k = z after k Euler steps")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--kind", choices=["und", "vq", "gen", "vae", "flow"], default="und")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--input-ids")
    ap.add_argument("--tokenizer-dir", help="folder with tokenizer.json/processor_config.json (default: --model)")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--dump-layers", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--grid", type=int, default=24)
    ap.add_argument("--cfg", type=float, default=5.0)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--skip", action="append", default=[], help="golden name not to write (e.g. pixel_values)")
    a = ap.parse_args()
    if a.kind in ("und", "gen", "flow") and not a.input_ids:
        ap.error("--input-ids is required for --kind und/gen/flow")

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if a.kind == "vae":  # a diffusers VAE folder: no Janus config, no JanusModel
        out = os.path.join(a.out, a.case)
        os.makedirs(out, exist_ok=True)
        meta = {"case": a.case, "kind": a.kind, "precision": a.precision,
                "model": os.path.basename(os.path.normpath(a.model)), "torch": torch.__version__, "files": {},
                "skipped": sorted(a.skip)}
        case_vae(a, out, meta)
        write_meta(out, meta)
        return
    cfg = load_config(a.model)
    sd = load_state_dict(a.model)
    need = {"und": ("und",), "vq": ("vq",), "gen": ("gen",), "flow": ()}[a.kind]
    model = JanusModel(sd, cfg, a.precision, need)
    if a.kind == "flow":
        model.flow_vision = flow.FlowVision(sd, cfg, model.num)
    out = os.path.join(a.out, a.case)
    os.makedirs(out, exist_ok=True)
    meta = {"case": a.case, "kind": a.kind, "precision": a.precision, "model": os.path.basename(os.path.normpath(a.model)),
            "torch": torch.__version__, "files": {}, "skipped": sorted(a.skip)}
    {"und": case_und, "vq": case_vq, "gen": case_gen, "flow": case_flow}[a.kind](a, model, cfg, out, meta)
    write_meta(out, meta)


if __name__ == "__main__":
    main()
