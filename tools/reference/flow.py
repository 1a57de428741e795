"""Plain-torch reference of JanusFlow's generation path (spec janusflow.md §6, §7): the diffusers timestep
embedding, the ShallowUViT encoder/decoder (ConvNeXt blocks with GRN and FiLM), the gen aligners and the
rectified-flow Euler sampler of demo/app_janusflow.py (full recompute per step, CFG attention mask).

Numerics follow modules.Num: "bf16" rounds each op's result where the official bf16 CUDA run holds a bf16
tensor; "fp32" is the same code without rounding (the official modules left in fp32, with the sampler's
two hard-coded bf16 casts of t and dt removed, spec §6.2).
"""
import math

import torch
import torch.nn.functional as F

from modules import Llama, Num, _count


def _cfg_params(cfg, key):
    return dict(cfg.get(key, {}).get("params", {}))


class ConvNeXt:
    """uvit.ConvNextBlock: depthwise 7x7 → RMSNorm(C) → Linear C→4C → GELU → GRN → Linear 4C→C → +res
    → FiLM shift + x·(1+scale) with [scale, shift] = Linear(SiLU(cond))."""

    def __init__(self, sd, p, num, eps):
        self.n, self.eps = num, eps
        g = lambda k: num.w(sd[p + k])
        self.dw_w, self.dw_b = g("depthwise.weight"), g("depthwise.bias")
        self.C = self.dw_w.shape[0]
        self.norm = g("norm.weight")
        self.l1w, self.l1b = g("channelwise_linear_1.weight"), g("channelwise_linear_1.bias")
        self.grn_w = g("channelwise_norm.weight").reshape(-1)  # [4C]
        self.grn_b = g("channelwise_norm.bias").reshape(-1)
        self.l2w, self.l2b = g("channelwise_linear_2.weight"), g("channelwise_linear_2.bias")
        self.mw, self.mb = g("cond_embeds_mapper.weight"), g("cond_embeds_mapper.bias")

    def grn(self, x):
        """GlobalResponseNorm on NHWC x [B, H, W, D]; every op rounded (torch.norm reduces in fp32)."""
        n = self.n
        gx = n.r(x.pow(2).sum(dim=(1, 2), keepdim=True).sqrt())  # [B, 1, 1, D]
        den = n.r(n.r(gx.mean(dim=-1, keepdim=True)) + 1e-6)  # eps added to the channel mean
        nx = n.r(gx / den)
        a = n.r(n.r(self.grn_w * nx) + 1)
        return n.r(self.grn_b + a * x)  # addcmul: one rounding

    def __call__(self, x, cond):
        """x [B, C, h, w], cond [B, Hc] -> [B, C, h, w]."""
        n = self.n
        res = x
        y = n.r(F.conv2d(x, self.dw_w, None, padding=self.dw_w.shape[-1] // 2, groups=self.C))
        y = n.r(y + self.dw_b.view(1, -1, 1, 1))  # conv bias as its own add (cuDNN path)
        y = y.permute(0, 2, 3, 1)  # NHWC
        y = n.rms_norm(y, self.norm, self.eps)
        y = n.gelu(n.linear(y, self.l1w, self.l1b))
        y = self.grn(y)
        y = n.linear(y, self.l2w, self.l2b)
        x = n.add(y.permute(0, 3, 1, 2), res)
        ss = n.linear(n.silu(cond), self.mw, self.mb)  # [B, 2C]
        scale, shift = ss[:, :self.C], ss[:, self.C:]
        one_plus = n.r(1 + scale)
        return n.r(shift[:, :, None, None] + x * one_plus[:, :, None, None])  # addcmul: one rounding


def _blocks(sd, prefix, num, eps, expect):
    k = _count(sd, r"^" + prefix.replace(".", r"\.") + r"mid_block\.res_blocks\.(\d+)\.")
    if k != expect:
        raise ValueError(f"{prefix}: config layers_in_middle {expect} but checkpoint has {k} blocks")
    return [ConvNeXt(sd, f"{prefix}mid_block.res_blocks.{j}.", num, eps) for j in range(k)]


def timestep_sinusoid(t, dim):
    """diffusers get_timestep_embedding(flip_sin_to_cos=True, downscale_freq_shift=0), fp32: [cos, sin].
    The division by half is CUDA's multiply by the fp32 reciprocal (spec §7.1)."""
    half = dim // 2
    expo = torch.arange(half, dtype=torch.float32) * torch.tensor(-math.log(10000.0), dtype=torch.float32)
    expo = expo * (torch.tensor(1.0, dtype=torch.float32) / torch.tensor(float(half), dtype=torch.float32))
    arg = t.float()[:, None] * torch.exp(expo)[None, :]
    return torch.cat([torch.cos(arg), torch.sin(arg)], -1)


class FlowVision:
    """Everything of the generation path outside the LLM."""

    def __init__(self, sd, cfg, num):
        self.n = num
        ep, dp = _cfg_params(cfg, "vision_gen_enc_config"), _cfg_params(cfg, "vision_gen_dec_config")
        g = lambda k: num.w(sd[k])
        e, d = "vision_gen_enc_model.", "vision_gen_dec_model."
        self.enc_eps, self.dec_eps = float(ep.get("norm_eps", 1e-6)), float(dp.get("norm_eps", 1e-6))
        self.llm_eps = float(cfg["language"]["rms_norm_eps"])
        self.t1w, self.t1b = g(e + "time_embed.linear_1.weight"), g(e + "time_embed.linear_1.bias")
        self.t2w, self.t2b = g(e + "time_embed.linear_2.weight"), g(e + "time_embed.linear_2.bias")
        self.tdim = self.t1w.shape[1]  # sinusoid width = block_out_channels[0]
        self.in_w, self.in_b = g(e + "in_conv.weight"), g(e + "in_conv.bias")
        self.stride = int(ep.get("stride", 4))
        self.pad = ep.get("padding")
        if self.pad is None:
            self.pad = math.ceil(int(ep.get("kernel_size", 7)) - self.stride)
        self.enc = _blocks(sd, e, num, self.enc_eps, int(ep.get("layers_in_middle", 2)))
        self.ea_w, self.ea_b = g("vision_gen_enc_aligner.weight"), g("vision_gen_enc_aligner.bias")
        self.in_norm = g(d + "input_norm.weight")
        self.dec = _blocks(sd, d, num, self.dec_eps, int(dp.get("layers_in_middle", 2)))
        if int(dp.get("upsamples", 2)) != 1 or d + "out_convs.1.norm.weight" in sd:
            raise NotImplementedError("only upsamples = 1 (one Unpatchify) is used by JanusFlow")
        self.un_norm = g(d + "out_convs.0.norm.weight")
        self.un_w, self.un_b = g(d + "out_convs.0.unpatch_conv.weight"), g(d + "out_convs.0.unpatch_conv.bias")
        self.dan = g("vision_gen_dec_aligner_norm.weight")
        self.da_w, self.da_b = g("vision_gen_dec_aligner.weight"), g("vision_gen_dec_aligner.bias")
        self.C = self.in_w.shape[0]

    def time_embed(self, t):
        """t [B] as the network sees it -> t_emb [B, H]."""
        n = self.n
        s = n.r(timestep_sinusoid(t, self.tdim))  # .to(x.dtype)
        return n.linear(n.silu(n.linear(s, self.t1w, self.t1b)), self.t2w, self.t2b)

    def encode(self, z, t):
        """z [B, 4, 2g, 2g], t [B] -> (t_emb [B, H], x_emb [B, C, g, g])."""
        n = self.n
        t_emb = self.time_embed(t)
        x = n.conv(z, self.in_w, self.in_b, stride=self.stride, padding=self.pad)
        for b in self.enc:
            x = b(x, t_emb)
        return t_emb, x

    def tokens(self, x_emb):
        """x_emb [B, C, g, g] -> LLM image tokens [B, g*g, H] (row-major cells)."""
        return self.n.linear(x_emb.flatten(2).transpose(1, 2), self.ea_w, self.ea_b)

    def dec_input(self, hidden, g):
        """hidden [B, g*g, H] (after model.norm) -> [B, C, g, g]: dec aligner norm + linear, NCHW."""
        n = self.n
        y = n.linear(n.rms_norm(hidden, self.dan, self.llm_eps), self.da_w, self.da_b)
        return y.reshape(y.shape[0], g, g, -1).permute(0, 3, 1, 2)

    def decode(self, x, t_emb, x_emb):
        """x [B, C, g, g] (dec aligner output), skip x_emb -> velocity [B, 4, 2g, 2g]."""
        n = self.n
        x = n.rms_norm(x.permute(0, 2, 3, 1), self.in_norm, self.dec_eps).permute(0, 3, 1, 2)
        x = torch.cat([x, x_emb], 1)
        for b in self.dec:
            x = b(x, t_emb)
        x = n.rms_norm(x.permute(0, 2, 3, 1), self.un_norm, self.dec_eps).permute(0, 3, 1, 2)
        x = n.conv(x, self.un_w, self.un_b)
        return F.pixel_shuffle(x, 2)


def sample(llm, fv, ids, pad_id, noise, steps, cfg_weight, dump=None):
    """demo/app_janusflow.py `generate` for N = noise.shape[0] images (rows: N cond, then N uncond).
    ids: cond prompt (BOS first, the image tag last). Full recompute of the LLM every step (the demo's
    KV-cache branch keeps nothing). dump(name, tensor) receives the step-0 internals and latents.
    Returns the final latent z [N, 4, 2g, 2g]."""
    n = fv.n
    N = noise.shape[0]
    P = len(ids)
    g = noise.shape[-1] // 2
    un = [ids[0]] + [pad_id] * (P - 1)
    tok = torch.tensor([list(ids)] * N + [un] * N, dtype=torch.int64)
    E = llm.embed_ids(tok)[:, :-1]  # [2N, P-1, H]: the image tag's slot goes to the time token
    mask = torch.ones(2 * N, P + g * g, dtype=torch.int64)
    mask[N:, 1:P - 1] = 0
    z = n.r(noise.float())  # randn(..., dtype=bfloat16) in the demo
    # dt = zeros_like(z, bf16) + 1/n and t = tensor(s/n*1000).to(dt): hard-coded bf16; fp32 mode keeps fp32.
    dt = n.r(torch.tensor(1.0 / steps, dtype=torch.float32))
    w = torch.tensor(float(cfg_weight), dtype=torch.float32)
    put = dump or (lambda k, v: None)
    for s in range(steps):
        t = n.r(torch.full((2 * N,), s / steps * 1000.0, dtype=torch.float32))
        zi = torch.cat([z, z], 0)
        t_emb, x_emb = fv.encode(zi, t)
        X = torch.cat([E, t_emb[:, None, :], fv.tokens(x_emb)], 1)
        h, _ = llm.forward(X, key_mask=mask)
        hid = h[:, -g * g:]
        dec_in = fv.dec_input(hid, g)
        v = fv.decode(dec_in, t_emb, x_emb)
        vc, vu = v[:N], v[N:]
        v = n.r(n.r(w * vc) - n.r((w - 1.0) * vu))
        z = n.r(z + n.r(dt * v))
        if s <= 1:
            put(f"t_emb_{s}", t_emb)
        if s == 0:
            put("x_emb_0", x_emb)
            put("llm_hidden_0", hid)
            put("dec_in_0", dec_in)
            put("velocity_cond_0", vc)
            put("velocity_uncond_0", vu)
            put("velocity_0", v)
        put(f"latent_{s + 1}", z)
    return z


def time_grid(steps, bf16):
    """(t values the network sees, dt) as float lists (spec §6.2 / Appendix A)."""
    num = Num("bf16" if bf16 else "fp32")
    t = [float(num.r(torch.tensor(s / steps * 1000.0, dtype=torch.float32))) for s in range(steps)]
    return t, float(num.r(torch.tensor(1.0 / steps, dtype=torch.float32)))


def make_llm(sd, cfg, num):
    return Llama(sd, cfg["language"], num)
