"""Self-checks of flow.py against nn.Module statements of the official uvit.py blocks (fp32) and properties
of the sampler pieces. Run: cd tools/reference && /usr/bin/python3 -m unittest -v test_flow"""
import math
import os
import sys
import unittest

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402
import modules as M  # noqa: E402
from test_reference import llama_sd  # noqa: E402

G = torch.Generator().manual_seed(1)


def rnd(*shape, s=0.3):
    return torch.randn(*shape, generator=G) * s


# ------------------------------------------------------------ official blocks, restated as nn.Modules
class RMS(nn.Module):  # transformers LlamaRMSNorm
    def __init__(self, w, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(w), eps

    def forward(self, x):
        v = x.float().pow(2).mean(-1, keepdim=True)
        return self.weight * (x.float() * torch.rsqrt(v + self.eps)).to(x.dtype)


class Block(nn.Module):  # uvit.ConvNextBlock + GlobalResponseNorm
    def __init__(self, sd, p, eps):
        super().__init__()
        C = sd[p + "depthwise.weight"].shape[0]
        self.dw = nn.Conv2d(C, C, 7, padding=3, groups=C)
        self.dw.weight.data, self.dw.bias.data = sd[p + "depthwise.weight"], sd[p + "depthwise.bias"]
        self.norm = RMS(sd[p + "norm.weight"], eps)
        self.l1, self.l2, self.m = nn.Linear(C, 4 * C), nn.Linear(4 * C, C), nn.Linear(sd[p + "cond_embeds_mapper.weight"].shape[1], 2 * C)
        for mod, k in ((self.l1, "channelwise_linear_1"), (self.l2, "channelwise_linear_2"), (self.m, "cond_embeds_mapper")):
            mod.weight.data, mod.bias.data = sd[p + k + ".weight"], sd[p + k + ".bias"]
        self.gw, self.gb = sd[p + "channelwise_norm.weight"], sd[p + "channelwise_norm.bias"]

    def forward(self, x, cond):
        r = x
        x = self.norm(self.dw(x).permute(0, 2, 3, 1))
        x = F.gelu(self.l1(x))
        gx = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        x = torch.addcmul(self.gb, (self.gw * nx + 1), x, value=1)
        x = self.l2(x).permute(0, 3, 1, 2) + r
        scale, shift = self.m(F.silu(cond)).chunk(2, dim=1)
        return torch.addcmul(shift[:, :, None, None], x, (1 + scale)[:, :, None, None], value=1)


def diffusers_timesteps(t, dim):  # get_timestep_embedding(flip_sin_to_cos=True, shift 0), CPU division
    half = dim // 2
    e = torch.exp(-math.log(10000) * torch.arange(0, half, dtype=torch.float32) / half)
    e = t[:, None].float() * e[None, :]
    e = torch.cat([torch.sin(e), torch.cos(e)], -1)
    return torch.cat([e[:, half:], e[:, :half]], -1)


def flow_sd(C=8, H=16, blocks=2):
    sd = {}

    def blk(p, c):
        sd.update({p + "depthwise.weight": rnd(c, 1, 7, 7), p + "depthwise.bias": rnd(c), p + "norm.weight": 1 + rnd(c),
                   p + "channelwise_linear_1.weight": rnd(4 * c, c), p + "channelwise_linear_1.bias": rnd(4 * c),
                   p + "channelwise_norm.weight": rnd(1, 1, 1, 4 * c), p + "channelwise_norm.bias": rnd(1, 1, 1, 4 * c),
                   p + "channelwise_linear_2.weight": rnd(c, 4 * c), p + "channelwise_linear_2.bias": rnd(c),
                   p + "cond_embeds_mapper.weight": rnd(2 * c, H), p + "cond_embeds_mapper.bias": rnd(2 * c)})

    e, d = "vision_gen_enc_model.", "vision_gen_dec_model."
    sd.update({e + "time_embed.linear_1.weight": rnd(H, C), e + "time_embed.linear_1.bias": rnd(H),
               e + "time_embed.linear_2.weight": rnd(H, H), e + "time_embed.linear_2.bias": rnd(H),
               e + "in_conv.weight": rnd(C, 4, 2, 2), e + "in_conv.bias": rnd(C),
               "vision_gen_enc_aligner.weight": rnd(H, C), "vision_gen_enc_aligner.bias": rnd(H),
               d + "input_norm.weight": 1 + rnd(C), d + "out_convs.0.norm.weight": 1 + rnd(2 * C),
               d + "out_convs.0.unpatch_conv.weight": rnd(16, 2 * C, 1, 1), d + "out_convs.0.unpatch_conv.bias": rnd(16),
               "vision_gen_dec_aligner_norm.weight": 1 + rnd(H), "vision_gen_dec_aligner.weight": rnd(C, H),
               "vision_gen_dec_aligner.bias": rnd(C)})
    for j in range(blocks):
        blk(f"{e}mid_block.res_blocks.{j}.", C)
        blk(f"{d}mid_block.res_blocks.{j}.", 2 * C)
    p = {"layers_in_middle": blocks, "norm_eps": 1e-6}
    cfg = {"language": {"rms_norm_eps": 1e-6},
           "vision_gen_enc_config": {"params": dict(p, kernel_size=2, stride=2, padding=0)},
           "vision_gen_dec_config": {"params": dict(p, upsamples=1)}}
    return sd, cfg


class FlowTest(unittest.TestCase):
    def test_matches_official_blocks_fp32(self):
        sd, cfg = flow_sd()
        fv = flow.FlowVision(sd, cfg, M.Num("fp32"))
        e, d = "vision_gen_enc_model.", "vision_gen_dec_model."
        z, t = rnd(2, 4, 8, 8, s=1.0), torch.tensor([0.0, 400.0])
        with torch.no_grad():
            # official encoder: time_proj -> TimestepEmbedding -> in_conv -> blocks
            s = diffusers_timesteps(t, 8)
            te = F.linear(F.silu(F.linear(s, sd[e + "time_embed.linear_1.weight"], sd[e + "time_embed.linear_1.bias"])),
                          sd[e + "time_embed.linear_2.weight"], sd[e + "time_embed.linear_2.bias"])
            x = F.conv2d(z, sd[e + "in_conv.weight"], sd[e + "in_conv.bias"], stride=2)
            for j in range(2):
                x = Block(sd, f"{e}mid_block.res_blocks.{j}.", 1e-6)(x, te)
            t_emb, x_emb = fv.encode(z, t)
            torch.testing.assert_close(t_emb, te, rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(x_emb, x, rtol=1e-5, atol=1e-5)
            tok = fv.tokens(x_emb)
            ref_tok = F.linear(x.view(2, 8, -1).permute(0, 2, 1), sd["vision_gen_enc_aligner.weight"], sd["vision_gen_enc_aligner.bias"])
            torch.testing.assert_close(tok, ref_tok, rtol=1e-5, atol=1e-5)
            # official read-out + decoder
            hid = rnd(2, 16, 16, s=1.0)
            h = F.linear(RMS(sd["vision_gen_dec_aligner_norm.weight"], 1e-6)(hid), sd["vision_gen_dec_aligner.weight"],
                         sd["vision_gen_dec_aligner.bias"]).reshape(2, 4, 4, 8).permute(0, 3, 1, 2)
            y = RMS(sd[d + "input_norm.weight"], 1e-6)(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            y = torch.cat([y, x], 1)
            for j in range(2):
                y = Block(sd, f"{d}mid_block.res_blocks.{j}.", 1e-6)(y, te)
            y = RMS(sd[d + "out_convs.0.norm.weight"], 1e-6)(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            y = nn.PixelShuffle(2)(F.conv2d(y, sd[d + "out_convs.0.unpatch_conv.weight"], sd[d + "out_convs.0.unpatch_conv.bias"]))
            dec_in = fv.dec_input(hid, 4)
            torch.testing.assert_close(dec_in, h, rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(fv.decode(dec_in, t_emb, x_emb), y, rtol=1e-5, atol=1e-5)

    def test_bf16_mode_near_fp32(self):
        sd, cfg = flow_sd()
        z, t, hid = rnd(2, 4, 8, 8, s=1.0), torch.tensor([0.0, 400.0]), rnd(2, 16, 16, s=1.0)
        out = {}
        for mode in ("fp32", "bf16"):
            fv = flow.FlowVision(sd, cfg, M.Num(mode))
            te, xe = fv.encode(z, t)
            out[mode] = fv.decode(fv.dec_input(hid, 4), te, xe)
            if mode == "bf16":  # every result holds bf16 values
                self.assertTrue(torch.equal(out[mode], out[mode].bfloat16().float()))
        rel = float((out["fp32"] - out["bf16"]).norm() / out["fp32"].norm())
        self.assertLess(rel, 3e-2)
        self.assertGreater(rel, 0.0)

    def test_sinusoid(self):
        s = flow.timestep_sinusoid(torch.tensor([0.0, 968.0]), 768)
        self.assertTrue(torch.equal(s[0], torch.cat([torch.ones(384), torch.zeros(384)])))
        k = torch.arange(384, dtype=torch.float64)
        ref = 968.0 * torch.exp(-math.log(10000) * k / 384)
        torch.testing.assert_close(s[1].double(), torch.cat([ref.cos(), ref.sin()]), rtol=0, atol=2e-4)
        torch.testing.assert_close(s, diffusers_timesteps(torch.tensor([0.0, 968.0]), 768), rtol=0, atol=2e-4)

    def test_time_grid(self):
        t, dt = flow.time_grid(30, bf16=True)
        self.assertEqual(dt, 0.033447265625)
        self.assertEqual(t[:4], [0.0, 33.25, 66.5, 100.0])
        self.assertEqual(t[29], 968.0)
        t, dt = flow.time_grid(5, bf16=False)
        self.assertEqual((t, dt), ([0.0, 200.0, 400.0, 600.0, 800.0], float(torch.tensor(0.2))))

    def test_key_mask_hides_masked_positions(self):
        sd, lc = llama_sd()
        llm = M.Llama(sd, lc, M.Num("fp32"))
        x = rnd(2, 7, 32, s=1.0)
        mask = torch.ones(2, 7, dtype=torch.int64)
        mask[1, 1:4] = 0
        h, _ = llm.forward(x, key_mask=mask)
        x2 = x.clone()
        x2[1, 1:4] = rnd(3, 32, s=1.0)  # different content at the masked positions of row 1
        h2, _ = llm.forward(x2, key_mask=mask)
        torch.testing.assert_close(h2[1, 4:], h[1, 4:], rtol=0, atol=1e-6)
        torch.testing.assert_close(h2[0], h[0], rtol=0, atol=0)
        h3, _ = llm.forward(x)  # row 0 (all ones) equals the unmasked call; row 1 does not
        torch.testing.assert_close(h3[0], h[0], rtol=0, atol=0)
        self.assertGreater(float((h3[1, 4:] - h[1, 4:]).abs().max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
