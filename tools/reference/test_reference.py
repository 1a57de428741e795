"""Self-checks of the PyTorch reference. Run: cd tools/reference && /usr/bin/python3 -m unittest -v"""
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt  # noqa: E402
import modules as M  # noqa: E402
import processor  # noqa: E402

G = torch.Generator().manual_seed(0)


def rnd(*shape, s=0.2):
    return torch.randn(*shape, generator=G) * s


def llama_sd(H=32, I=48, L=2, V=50, prefix="language_model."):
    sd = {prefix + "model.embed_tokens.weight": rnd(V, H, s=1.0), prefix + "model.norm.weight": 1 + rnd(H),
          prefix + "lm_head.weight": rnd(V, H)}
    for i in range(L):
        p = f"{prefix}model.layers.{i}."
        for k in "qkvo":
            sd[p + f"self_attn.{k}_proj.weight"] = rnd(H, H)
        sd[p + "mlp.gate_proj.weight"], sd[p + "mlp.up_proj.weight"] = rnd(I, H), rnd(I, H)
        sd[p + "mlp.down_proj.weight"] = rnd(H, I)
        sd[p + "input_layernorm.weight"], sd[p + "post_attention_layernorm.weight"] = 1 + rnd(H), 1 + rnd(H)
    lc = ckpt.language_config({"hidden_size": H, "intermediate_size": I, "num_hidden_layers": L,
                               "num_attention_heads": 2, "vocab_size": V})
    return sd, lc


def vq_sd(ch=32, z=16, C=8, K=64):
    """Decoder tensors in the VQ-16 layout (ch_mult 1,1,2,2,4 reduced to 1,2 here: 2 levels)."""
    sd = {"gen_vision_model.quantize.embedding.weight": rnd(K, C, s=1.0),
          "gen_vision_model.post_quant_conv.weight": rnd(z, C, 1, 1), "gen_vision_model.post_quant_conv.bias": rnd(z)}
    d = "gen_vision_model.decoder."

    def conv(p, o, i, k):
        sd[p + ".weight"], sd[p + ".bias"] = rnd(o, i, k, k, s=(1.0 / (i * k * k)) ** 0.5), rnd(o)

    def gn(p, c):
        sd[p + ".weight"], sd[p + ".bias"] = 1 + rnd(c), rnd(c)

    def res(p, i, o):
        gn(p + "norm1", i), conv(p + "conv1", o, i, 3), gn(p + "norm2", o), conv(p + "conv2", o, o, 3)
        if i != o:
            conv(p + "nin_shortcut", o, i, 1)

    def attn(p, c):
        gn(p + "norm", c)
        for n in ("q", "k", "v", "proj_out"):
            conv(p + n, c, c, 1)

    top = 2 * ch
    conv(d + "conv_in", top, z, 3)
    res(d + "mid.0.", top, top), attn(d + "mid.1.", top), res(d + "mid.2.", top, top)
    for j in range(3):
        res(f"{d}conv_blocks.0.res.{j}.", top, top), attn(f"{d}conv_blocks.0.attn.{j}.", top)
    conv(d + "conv_blocks.0.upsample.conv", top, top, 3)
    res(d + "conv_blocks.1.res.0.", top, ch)
    for j in (1, 2):
        res(f"{d}conv_blocks.1.res.{j}.", ch, ch)
    gn(d + "norm_out", ch), conv(d + "conv_out", 3, ch, 3)
    return sd


class Official:
    """nn.Module re-statements of vq_model.ResnetBlock/AttnBlock and a timm ViT block's attention, used
    only to cross-check the functional reference (same weights, fp32)."""

    @staticmethod
    def res(sd, p, x):
        g1 = nn.GroupNorm(32, x.shape[1], eps=1e-6)
        g1.weight.data, g1.bias.data = sd[p + "norm1.weight"], sd[p + "norm1.bias"]
        c1 = nn.Conv2d(x.shape[1], sd[p + "conv1.weight"].shape[0], 3, padding=1)
        c1.weight.data, c1.bias.data = sd[p + "conv1.weight"], sd[p + "conv1.bias"]
        g2 = nn.GroupNorm(32, c1.out_channels, eps=1e-6)
        g2.weight.data, g2.bias.data = sd[p + "norm2.weight"], sd[p + "norm2.bias"]
        c2 = nn.Conv2d(c1.out_channels, c1.out_channels, 3, padding=1)
        c2.weight.data, c2.bias.data = sd[p + "conv2.weight"], sd[p + "conv2.bias"]
        h = c1(nn.SiLU()(g1(x)))
        h = c2(nn.SiLU()(g2(h)))
        if p + "nin_shortcut.weight" in sd:
            x = nn.functional.conv2d(x, sd[p + "nin_shortcut.weight"], sd[p + "nin_shortcut.bias"])
        return x + h


class TestLlama(unittest.TestCase):
    def setUp(self):
        self.sd, self.lc = llama_sd()
        self.m = M.Llama(self.sd, self.lc, M.Num("fp32"))

    def logits(self, ids):
        h, _ = self.m.forward(self.m.embed_ids([ids]))
        return self.m.logits(h)[0]

    def test_causal(self):
        a = self.logits([1, 2, 3, 4, 5, 6])
        b = self.logits([1, 2, 3, 4, 9, 7])
        self.assertTrue(torch.equal(a[:4], b[:4]))
        self.assertFalse(torch.allclose(a[4:], b[4:]))

    def test_prefix_suffix_cache(self):
        ids = [3, 1, 4, 1, 5, 9, 2, 6]
        full, _ = self.m.forward(self.m.embed_ids([ids]))
        h1, cache = self.m.forward(self.m.embed_ids([ids[:5]]))
        h2, cache = self.m.forward(self.m.embed_ids([ids[5:7]]), cache)
        h3, _ = self.m.forward(self.m.embed_ids([ids[7:]]), cache)
        torch.testing.assert_close(torch.cat([h1, h2, h3], 1), full, rtol=1e-5, atol=1e-5)

    def test_rope_relative(self):
        # <R(m)q, R(n)k> depends only on m - n.
        q, k = rnd(1, 1, 1, self.m.hd, s=1.0), rnd(1, 1, 1, self.m.hd, s=1.0)

        def dot(m, n):
            cm, sm = self.m.rope(torch.tensor([m]))
            cn, sn = self.m.rope(torch.tensor([n]))
            return float((self.m._rot(q, cm, sm) * self.m._rot(k, cn, sn)).sum())

        self.assertAlmostEqual(dot(7, 3), dot(27, 23), places=4)
        self.assertNotAlmostEqual(dot(7, 3), dot(7, 4), places=3)

    def test_rope_inv_freq_bf16_table(self):
        # janusflow.md Appendix B: bf16 bit patterns of inv_freq for head_dim 128, theta 1e4.
        table = ("3f80 3f5e 3f40 3f26 3f10 3ef9 3ed8 3ebb 3ea2 3e8c 3e73 3e52 3e36 3e1e 3e09 3dec "
                 "3dcd 3db1 3d9a 3d85 3d66 3d47 3d2d 3d16 3d02 3ce0 3cc2 3ca8 3c92 3c7c 3c5a 3c3d "
                 "3c24 3c0e 3bf6 3bd5 3bb8 3ba0 3b8a 3b6f 3b4f 3b33 3b1b 3b07 3ae9 3aca 3aaf 3a97 "
                 "3a83 3a63 3a45 3a2a 3a13 39ff 39dd 39bf 39a6 3990 3979 3957 393a 3921 390c 38f2").split()
        inv = M.rope_inv_freq(128, 10000.0, bf16=True)
        bits = (inv.numpy().view(np.uint32) >> 16).tolist()
        self.assertEqual([f"{b:04x}" for b in bits], table)
        exact = M.rope_inv_freq(128, 10000.0, bf16=False)
        self.assertAlmostEqual(float(exact[1]), 0.86596, places=4)

    def test_rmsnorm_bf16_order(self):
        # HF: cast x*rsqrt to bf16 first, then multiply by the weight (two roundings).
        n = M.Num("bf16")
        x, w = n.r(rnd(4, 64, s=3.0)), n.r(1 + rnd(64))
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        ref = (w.to(torch.bfloat16) * y.to(torch.bfloat16)).float()  # torch's own bf16 multiply
        self.assertTrue(torch.equal(n.rms_norm(x, w, 1e-6), ref))

    def test_bf16_close_not_identical(self):
        b = M.Llama(self.sd, self.lc, M.Num("bf16"))
        ids = [1, 2, 3, 4, 5]
        hf, _ = self.m.forward(self.m.embed_ids([ids]))
        hb, _ = b.forward(b.embed_ids([ids]))
        self.assertFalse(torch.equal(hf, hb))
        rel = float((hf - hb).norm() / hf.norm())
        self.assertLess(rel, 0.05)
        self.assertTrue(torch.equal(hb, hb.to(torch.bfloat16).float()))  # activations are bf16 values


class TestVision(unittest.TestCase):
    def test_siglip_attention_matches_nn_mha(self):
        W, N = 128, 9  # 2 heads of 64
        pre = "v."
        sd = {pre + "pos_embed": rnd(1, N, W), pre + "patch_embed.proj.weight": rnd(W, 3, 4, 4),
              pre + "patch_embed.proj.bias": rnd(W), pre + "norm.weight": 1 + rnd(W), pre + "norm.bias": rnd(W)}
        b = pre + "blocks.0."
        for k, s in [("norm1.weight", [W]), ("norm1.bias", [W]), ("attn.qkv.weight", [3 * W, W]),
                     ("attn.qkv.bias", [3 * W]), ("attn.proj.weight", [W, W]), ("attn.proj.bias", [W]),
                     ("norm2.weight", [W]), ("norm2.bias", [W]), ("mlp.fc1.weight", [4 * W, W]),
                     ("mlp.fc1.bias", [4 * W]), ("mlp.fc2.weight", [W, 4 * W]), ("mlp.fc2.bias", [W])]:
            sd[b + k] = rnd(*s) + (1 if k.endswith("norm1.weight") or k.endswith("norm2.weight") else 0)
        vit = M.SigLIP(sd, pre, M.Num("fp32"))
        self.assertEqual((vit.width, vit.heads, vit.patch, len(vit.blocks)), (W, 2, 4, 1))
        px = rnd(2, 3, 12, 12, s=1.0)
        got = vit(px)
        # Independent path: nn.Conv2d / nn.LayerNorm / nn.MultiheadAttention (its in_proj is [q;k;v] too).
        conv = nn.Conv2d(3, W, 4, 4)
        conv.weight.data, conv.bias.data = sd[pre + "patch_embed.proj.weight"], sd[pre + "patch_embed.proj.bias"]
        x = conv(px).flatten(2).transpose(1, 2) + sd[pre + "pos_embed"]
        ln = lambda t, p: nn.functional.layer_norm(t, (W,), sd[p + ".weight"], sd[p + ".bias"], 1e-6)
        mha = nn.MultiheadAttention(W, 2, batch_first=True)
        mha.in_proj_weight.data, mha.in_proj_bias.data = sd[b + "attn.qkv.weight"], sd[b + "attn.qkv.bias"]
        mha.out_proj.weight.data, mha.out_proj.bias.data = sd[b + "attn.proj.weight"], sd[b + "attn.proj.bias"]
        h = ln(x, b + "norm1")
        x = x + mha(h, h, h, need_weights=False)[0]
        h = nn.functional.gelu(nn.functional.linear(ln(x, b + "norm2"), sd[b + "mlp.fc1.weight"], sd[b + "mlp.fc1.bias"]))
        x = x + nn.functional.linear(h, sd[b + "mlp.fc2.weight"], sd[b + "mlp.fc2.bias"])
        with torch.no_grad():
            torch.testing.assert_close(got, ln(x, pre + "norm"), rtol=1e-4, atol=1e-4)

    def test_select_layer_depth(self):
        sd = {"v.pos_embed": rnd(1, 4, 64), "v.patch_embed.proj.weight": rnd(64, 3, 2, 2),
              "v.patch_embed.proj.bias": rnd(64), "v.norm.weight": rnd(64), "v.norm.bias": rnd(64)}
        for i in range(3):
            for k in ("norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                      "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
                      "mlp.fc2.weight", "mlp.fc2.bias"):
                sd[f"v.blocks.{i}.{k}"] = rnd(1)
        self.assertEqual(len(M.SigLIP(sd, "v.", M.Num("fp32"), -1).blocks), 3)
        self.assertEqual(len(M.SigLIP(sd, "v.", M.Num("fp32"), -2).blocks), 2)
        self.assertEqual(len(M.SigLIP(sd, "v.", M.Num("fp32"), 1).blocks), 1)


class TestVQ(unittest.TestCase):
    def setUp(self):
        self.sd = vq_sd()

    def test_shape_and_official_blocks(self):
        vq = M.VQDecoder(self.sd, M.Num("fp32"))
        self.assertEqual((vq.levels, vq.nres, vq.nattn), (2, [3, 3], [3, 0]))
        tok = torch.randint(0, 64, (2, 16), generator=G)
        out = vq.decode_code(tok, (4, 4))
        self.assertEqual(tuple(out.shape), (2, 3, 8, 8))
        # l2-normalised lookup, raster order
        emb = nn.functional.normalize(self.sd["gen_vision_model.quantize.embedding.weight"], dim=-1)
        z = emb[tok[1, 4 * 2 + 3]]
        self.assertTrue(torch.allclose(vq.codebook_normalized()[tok[1, 11]], z))
        # resnet block vs an nn.Module statement of vq_model.ResnetBlock (with nin_shortcut)
        x = rnd(1, 64, 5, 5, s=1.0)
        with torch.no_grad():
            ref = Official.res({k[len("gen_vision_model."):]: v for k, v in self.sd.items()},
                               "decoder.conv_blocks.1.res.0.", x)
        torch.testing.assert_close(vq._res(x, "decoder.conv_blocks.1.res.0."), ref, rtol=1e-4, atol=1e-4)

    def test_attn_block_single_head_softmax_over_keys(self):
        vq = M.VQDecoder(self.sd, M.Num("fp32"))
        sd = {k[len("gen_vision_model."):]: v for k, v in self.sd.items()}
        p = "decoder.mid.1."
        x = rnd(1, 64, 3, 3, s=1.0)
        h = nn.functional.group_norm(x, 32, sd[p + "norm.weight"], sd[p + "norm.bias"], 1e-6)
        c = lambda n, t: nn.functional.conv2d(t, sd[p + n + ".weight"], sd[p + n + ".bias"])
        q, k, v = (c(n, h).reshape(64, 9) for n in "qkv")
        a = torch.softmax(q.t() @ k / 8.0, dim=1)  # [query, key]
        o = (v @ a.t()).reshape(1, 64, 3, 3)
        torch.testing.assert_close(vq._attn(x, p), x + c("proj_out", o), rtol=1e-4, atol=1e-4)

    def test_uint8_truncates(self):
        d = torch.tensor([-1.0, 1.0, 0.0, 2.0, -3.0, 0.9999, -0.99]).view(1, 1, 1, 7).expand(1, 3, 1, 7)
        u = M.to_uint8(d)
        self.assertEqual(u.shape, (1, 1, 7, 3))
        self.assertEqual(u[0, 0, :, 0].tolist(), [0, 255, 127, 255, 0, 254, 1])

    def test_bf16_decoder_close(self):
        tok = torch.randint(0, 64, (1, 16), generator=G)
        a = M.VQDecoder(self.sd, M.Num("fp32")).decode_code(tok, (4, 4))
        b = M.VQDecoder(self.sd, M.Num("bf16")).decode_code(tok, (4, 4))
        self.assertFalse(torch.equal(a, b))
        self.assertLess(float((a - b).norm() / a.norm()), 0.05)


class TestCkptAndProcessor(unittest.TestCase):
    def test_safetensors_reader(self):
        vals = torch.tensor([[1.0, -2.5, 3.140625], [0.0, 1e-3, -7.0]]).to(torch.bfloat16)
        raw_bf = vals.view(torch.int16).numpy().tobytes()
        raw_f = np.arange(3, dtype=np.float32).tobytes()
        hdr = {"a": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]},
               "b": {"dtype": "F32", "shape": [3], "data_offsets": [12, 24]}, "__metadata__": {"format": "pt"}}
        h = json.dumps(hdr).encode()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "model.safetensors")
            with open(p, "wb") as f:
                f.write(struct.pack("<Q", len(h)) + h + raw_bf + raw_f)
            sd = ckpt.load_state_dict(d)
            self.assertEqual(sd["a"].dtype, torch.bfloat16)
            self.assertTrue(torch.equal(sd["a"], vals))
            self.assertEqual(sd["b"].tolist(), [0.0, 1.0, 2.0])
            with open(p, "r+b") as f:  # data_offsets past the end must be rejected
                f.truncate(8 + len(h) + 20)
            with self.assertRaises(ValueError):
                ckpt.load_state_dict(d)

    def test_llama_defaults(self):
        lc = ckpt.language_config({"num_hidden_layers": 30, "vocab_size": 102400})
        self.assertEqual((lc["hidden_size"], lc["intermediate_size"], lc["num_key_value_heads"]), (4096, 11008, 32))
        self.assertEqual((lc["rms_norm_eps"], lc["rope_theta"]), (1e-6, 10000.0))

    def test_preprocess_sizes_and_padding(self):
        p = dict(processor.JANUS_PRE)
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "a.png")
            Image.new("RGB", (1000, 333), (255, 0, 10)).save(f)
            x = processor.preprocess(f, p)
        self.assertEqual(x.shape, (3, 384, 384))
        # 1000x333 -> 384x127, pasted at y = (384-127)//2 = 128; pad value (127/255-0.5)/0.5
        pad = np.float32((np.float32(127 * (1 / 255)) - np.float32(0.5)) / np.float32(0.5))
        self.assertEqual(float(x[0, 127, 5]), float(pad))
        self.assertEqual(float(x[0, 128, 5]), 1.0)
        self.assertEqual(float(x[0, 254, 5]), 1.0)
        self.assertEqual(float(x[0, 255, 5]), float(pad))

    def test_expand_and_merge(self):
        tags = {"image": 90, "start": 91, "end": 92}
        ids, mask, n = processor.expand([1, 5, 90, 7], tags, 576, is_flow=False)
        self.assertEqual((len(ids), n, int(mask.sum())), (4 - 1 + 578, 1, 576))
        self.assertEqual(ids[2], 91)
        self.assertEqual(ids[579], 92)
        ids_f, mask_f, _ = processor.expand([1, 90, 7], tags, 576, is_flow=True)
        self.assertEqual(int(mask_f.sum()), 577)
        self.assertTrue(mask_f[1])
        # merge: only masked rows change, in order
        sd, lc = llama_sd(V=100)

        class Box(M.JanusModel):
            def __init__(self):
                self.llm = M.Llama(sd, lc, M.Num("fp32"))

        m = Box()
        ids_s, mask_s, _ = processor.expand([1, 90, 7], tags, 3, is_flow=False)
        rows = rnd(3, 32)
        x = m.merge(ids_s, mask_s, rows)
        self.assertTrue(torch.equal(x[2:5], rows))
        self.assertTrue(torch.equal(x[0], m.llm.embed[1]) and torch.equal(x[5], m.llm.embed[92]))


if __name__ == "__main__":
    unittest.main()
