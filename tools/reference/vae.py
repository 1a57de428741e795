"""Plain-torch SDXL-VAE decoder: diffusers `AutoencoderKL.decode` as JanusFlow runs it
(spec janusflow.md §6.5, §8, §9.1). Written from diffusers' semantics (Decoder, UNetMidBlock2D,
ResnetBlock2D, Attention + AttnProcessor2_0, Upsample2D); no diffusers import.

Precision follows modules.Num: "fp32" leaves the fp32 file weights alone and rounds nothing; "bf16"
is `vae.to(torch.bfloat16)` (weights RNE-rounded once) with one rounding per op result (convs: result,
then the separate bias add, as modules.Num.conv; GroupNorm and the SDPA emulation: fp32 inside, one
rounding; F.silu: one rounding; nearest upsampling is value-exact).

Tensor names are modern diffusers names (`to_q`, `conv_shortcut`, `up_blocks.{b}` in execution order).
"""
import torch
import torch.nn.functional as F

from modules import Num


class VAEDecoder:
    """post_quant_conv + Decoder of a diffusers AutoencoderKL; channel plan from config.json."""

    def __init__(self, sd, cfg, num):
        if cfg.get("act_fn", "silu") != "silu":
            raise NotImplementedError(f"act_fn {cfg.get('act_fn')}")
        for t in cfg.get("up_block_types", ["UpDecoderBlock2D"]):
            if t != "UpDecoderBlock2D":
                raise NotImplementedError(t)
        self.n = num
        self.ch = list(cfg.get("block_out_channels", [64]))
        self.lpb = int(cfg.get("layers_per_block", 1))
        self.groups = int(cfg.get("norm_num_groups", 32))
        self.scaling = float(cfg.get("scaling_factor", 0.18215))
        self.post_quant = bool(cfg.get("use_post_quant_conv", True))
        self.mid_attn = bool(cfg.get("mid_block_add_attention", True))
        self.eps = 1e-6  # Decoder: resnet_eps / GroupNorm eps 1e-6
        self.sd = {k: num.w(v) for k, v in sd.items() if k.startswith(("decoder.", "post_quant_conv."))}

    def _w(self, name):
        return self.sd[name]

    def _gn(self, x, p):
        return self.n.group_norm(x, self.groups, self._w(p + ".weight"), self._w(p + ".bias"), self.eps)

    def _conv(self, x, p, padding):
        return self.n.conv(x, self._w(p + ".weight"), self._w(p + ".bias"), padding=padding)

    def _resnet(self, x, p):
        """ResnetBlock2D (no temb, output_scale_factor 1): shortcut(x) + conv2(silu(gn2(conv1(silu(gn1(x))))))."""
        n = self.n
        h = self._conv(n.silu(self._gn(x, p + "norm1")), p + "conv1", 1)
        h = self._conv(n.silu(self._gn(h, p + "norm2")), p + "conv2", 1)
        if p + "conv_shortcut.weight" in self.sd:
            x = self._conv(x, p + "conv_shortcut", 0)
        return n.add(x, h)  # / output_scale_factor (1.0): exact

    def _attention(self, x, p):
        """Attention with one head of width C (AttnProcessor2_0): tokens [HW, C], q/k/v/out linears."""
        n = self.n
        B, C, H, W = x.shape
        h = self._gn(x, p + "group_norm").reshape(B, C, H * W).transpose(1, 2)  # [B, HW, C]
        q = n.linear(h, self._w(p + "to_q.weight"), self._w(p + "to_q.bias"))
        k = n.linear(h, self._w(p + "to_k.weight"), self._w(p + "to_k.bias"))
        v = n.linear(h, self._w(p + "to_v.weight"), self._w(p + "to_v.bias"))
        o = n.sdpa_noncausal(q[:, None], k[:, None], v[:, None], C ** -0.5)[:, 0]  # SDPA default scale
        o = n.linear(o, self._w(p + "to_out.0.weight"), self._w(p + "to_out.0.bias"))
        o = o.transpose(1, 2).reshape(B, C, H, W)
        return n.add(o, x)  # residual_connection; / rescale_output_factor (1.0): exact

    def scale_latent(self, z):
        """z / scaling_factor. bf16: z is a bf16 tensor and CUDA multiplies by the fp32 reciprocal of the
        Python scalar (spec §6.5 item 1); fp32: a true fp32 division."""
        z = z.float()
        if self.n.bf16:
            inv = torch.tensor(1.0, dtype=torch.float32) / torch.tensor(self.scaling, dtype=torch.float32)
            return self.n.r(self.n.r(z) * inv)
        return z / torch.tensor(self.scaling, dtype=torch.float32)

    def decode(self, z, dump=None):
        """z [N, latent, h, w] (the sampler's latent, not yet scaled) -> images [N, 3, 8h, 8w] float32."""
        put = dump if dump is not None else (lambda k, t: None)
        x = self.scale_latent(z)
        if self.post_quant:
            x = self._conv(x, "post_quant_conv", 0)
            put("post_quant_conv", x)
        x = self._conv(x, "decoder.conv_in", 1)
        put("decoder.conv_in", x)
        x = self._resnet(x, "decoder.mid_block.resnets.0.")
        if self.mid_attn:
            x = self._attention(x, "decoder.mid_block.attentions.0.")
            put("decoder.mid_block.attentions.0", x)
        x = self._resnet(x, "decoder.mid_block.resnets.1.")
        put("decoder.mid_block", x)
        nb = len(self.ch)
        for b in range(nb):  # execution order: coarsest level first
            for r in range(self.lpb + 1):
                x = self._resnet(x, f"decoder.up_blocks.{b}.resnets.{r}.")
            if b != nb - 1:
                x = F.interpolate(x, scale_factor=2.0, mode="nearest")  # value-exact
                x = self._conv(x, f"decoder.up_blocks.{b}.upsamplers.0.conv", 1)
            put(f"decoder.up_blocks.{b}", x)
        x = self.n.silu(self._gn(x, "decoder.conv_norm_out"))
        return self._conv(x, "decoder.conv_out", 1)


def to_uint8_clamped(dec):
    """app_janusflow.py: float32, clip_(-1, 1), (x + 1) / 2 * 255 op by op in float32, astype(uint8); NHWC."""
    import numpy as np
    x = dec.float().clamp(-1.0, 1.0).numpy().transpose(0, 2, 3, 1)
    return ((x + np.float32(1)) / np.float32(2) * np.float32(255)).astype(np.uint8)


def load_vae(model_dir, mode):
    """(VAEDecoder, config dict) from a diffusers AutoencoderKL folder (config.json +
    diffusion_pytorch_model.safetensors)."""
    import os
    from ckpt import load_json, read_safetensors
    cfg = load_json(os.path.join(model_dir, "config.json"))
    sd = read_safetensors(os.path.join(model_dir, "diffusion_pytorch_model.safetensors"))
    return VAEDecoder(sd, cfg, Num(mode)), cfg
