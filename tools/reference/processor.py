"""Processor side of the reference: image preprocessing (spec janus.md §6 / janusflow.md §5.1, Pillow),
special-tag id resolution and image-placeholder expansion (janus.md §5.3, janusflow.md §4.3).

Text is NOT tokenized here (no Python `tokenizers`): prompt ids come from a JSON file written by
`janus tokenize --json` or tools/reference/tokenize_prompt.js (npm `tokenizers`).
"""
import json
import os

import numpy as np
from PIL import Image

from ckpt import load_json

JANUS_PRE = {"image_size": 384, "min_size": 14, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
             "rescale_factor": 1.0 / 255.0, "do_normalize": True}


def preprocessor_params(model_dir):
    p = dict(JANUS_PRE)
    p.update(load_json(os.path.join(model_dir, "preprocessor_config.json"), default={}))
    return p


def resize_pad(img, p):
    """VLMImageProcessor.resize: long side -> image_size with truncating arithmetic, Pillow bicubic,
    pad to a square with int(mean*255) per channel (the file's background_color is ignored)."""
    width, height = img.size
    m = max(width, height)
    size = p["image_size"]
    new_h = max(int(height / m * size), p["min_size"])
    new_w = max(int(width / m * size), p["min_size"])
    img = img.resize((new_w, new_h), Image.BICUBIC)  # torchvision resize on PIL == Image.resize(BICUBIC)
    bg = tuple(int(x * 255) for x in p["image_mean"])
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    out = Image.new(img.mode, (side, side), bg)
    out.paste(img, (0, (w - h) // 2) if w > h else ((h - w) // 2, 0))
    return out


def resized_u8(path, p):
    """-> uint8 [S, S, 3] (HWC): the RGB image after resize and pad, before rescale/normalise."""
    return np.ascontiguousarray(np.asarray(resize_pad(Image.open(path).convert("RGB"), p)), dtype=np.uint8)


def normalize(u8, p):
    """uint8 [S, S, 3] -> float32 [3, S, S] exactly as the processor returns it (before the bf16 cast)."""
    a = u8.transpose(2, 0, 1)  # [3, S, S] uint8
    x = (a * p["rescale_factor"]).astype(np.float32)  # uint8 * python float -> float64, then float32
    if p["do_normalize"]:
        mean = np.array(p["image_mean"], dtype=np.float32)
        std = np.array(p["image_std"], dtype=np.float32)
        x = ((x.T - mean) / std).T
    return np.ascontiguousarray(x, dtype=np.float32)


def preprocess(path, p):
    """-> float32 [3, S, S] exactly as the processor returns it (before the model's bf16 cast)."""
    return normalize(resized_u8(path, p), p)


# ------------------------------------------------------------------------------------ tags
def _vocab(tok_json):
    v = dict(tok_json["model"]["vocab"])
    for t in tok_json.get("added_tokens", []):
        v[t["content"]] = t["id"]
    return v


def _add_token(vocab, base_size, s):
    """HF tokenizers AddedVocabulary id for a new token: model vocab size, or max added id + 1 when the
    added ids already reach past the model vocab."""
    added_max = max((i for i in vocab.values() if i >= base_size), default=None)
    vocab[s] = base_size if added_max is None else added_max + 1
    return vocab[s]


def resolve_tags(tokenizer_dir, is_flow):
    """Ids of image_tag / image_start_tag / image_end_tag the official VLChatProcessor would use."""
    tok = load_json(os.path.join(tokenizer_dir, "tokenizer.json"))
    pc = load_json(os.path.join(tokenizer_dir, "processor_config.json"), default={"_": 0})
    vocab = _vocab(tok)
    base = len(tok["model"]["vocab"])
    img = pc.get("image_tag", "<image_placeholder>")
    start = pc.get("image_start_tag", "<begin_of_image>")
    end = pc.get("image_end_tag", "<end_of_image>")
    # Janus processor adds only the image tag; JanusFlow's adds image, gen, start, end tags in order.
    order = [img] + ([pc.get("image_gen_tag", "<｜begin▁of▁generation｜>"), start, end] if is_flow else [])
    for s in order:
        if s not in vocab:
            _add_token(vocab, base, s)
    for s in (start, end):
        if s not in vocab:
            raise KeyError(f"{tokenizer_dir}/tokenizer.json: no id for {s!r}")
    pad = vocab.get("<｜▁pad▁｜>")
    return {"image": vocab[img], "start": vocab[start], "end": vocab[end], "pad": pad,
            "bos": vocab.get("<｜begin▁of▁sentence｜>"), "eos": vocab.get("<｜end▁of▁sentence｜>")}


def read_ids(path):
    """{"ids": [...]} (janus tokenize --json / tokenize_prompt.js) or a bare JSON list."""
    with open(path, encoding="utf-8") as f:
        j = json.load(f)
    ids = j["ids"] if isinstance(j, dict) else j
    if not ids or not all(isinstance(i, int) and i >= 0 for i in ids):
        raise ValueError(f"{path}: expected a non-empty list of non-negative integer ids")
    return ids


def expand(ids, tags, n_image_tokens, is_flow):
    """Each image tag id -> [start] + [image]*N + [end] (add_image_token). The official batchify then
    masks ids == image tag (JanusFlow: also ids == start tag, which receives beg_of_und_embed).
    Returns (ids int64 [T], images_seq_mask bool [T], number of images)."""
    out, n = [], 0
    for i in ids:
        if i == tags["image"]:
            out += [tags["start"]] + [tags["image"]] * n_image_tokens + [tags["end"]]
            n += 1
        else:
            out.append(i)
    out = np.array(out, dtype=np.int64)
    mask = out == tags["image"]
    if is_flow:
        mask |= out == tags["start"]
    return out, mask, n
