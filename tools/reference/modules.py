"""Plain-torch reference of the Janus components (written from the official code's semantics, spec
janus.md §3, §7, §8.3, §9 and janusflow.md §5). No transformers/timm.

Numerics: every tensor is held as float32. In "bf16" mode each op's result is rounded to bf16 at the
op boundaries the official bf16 CUDA run has (GEMMs/convs: fp32 accumulation, one rounding; norms and
softmax: fp32 inside, one rounding; element-wise ops: fp32 opmath, one rounding per op). In "fp32" mode
the same code runs with rounding switched off, which is what the official modules compute when the
model is left in fp32 (bf16 weights upcast exactly).
"""
import math
import re

import torch
import torch.nn.functional as F


class Num:
    """Precision policy: where values are rounded (bf16) or not (fp32)."""

    def __init__(self, mode):
        if mode not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {mode!r}")
        self.mode = mode
        self.bf16 = mode == "bf16"

    # ---- rounding points
    def r(self, x):
        x = x.float()
        return x.to(torch.bfloat16).float() if self.bf16 else x

    def w(self, t):
        """A weight as the model holds it: bf16 (model.to(bfloat16)) or fp32 (never cast)."""
        return self.r(t) if self.bf16 else t.float()

    def neg_big(self):
        return torch.finfo(torch.bfloat16 if self.bf16 else torch.float32).min

    # ---- ops (inputs already hold representable values)
    def linear(self, x, w, b=None):
        y = x @ w.t()
        if b is not None:
            y = y + b  # bias fused into the GEMM epilogue: one rounding
        return self.r(y)

    def conv(self, x, w, b=None, stride=1, padding=0):
        # cuDNN path of torch 2.0: convolution result rounded, then a separate `add_(bias)`.
        y = self.r(F.conv2d(x, w, None, stride=stride, padding=padding))
        if b is not None:
            y = self.r(y + b.view(1, -1, 1, 1))
        return y

    def add(self, a, b):
        return self.r(a + b)

    def mul(self, a, b):
        return self.r(a * b)

    def gelu(self, x):
        return self.r(F.gelu(x))  # exact erf form (nn.GELU default)

    def silu(self, x):
        return self.r(F.silu(x))

    def swish(self, x):
        # vq_model.nonlinearity: x * sigmoid(x), two rounded ops
        return self.mul(x, self.r(torch.sigmoid(x)))

    def layer_norm(self, x, w, b, eps):
        return self.r(F.layer_norm(x, (x.shape[-1],), w, b, eps))

    def group_norm(self, x, groups, w, b, eps):
        return self.r(F.group_norm(x, groups, w, b, eps))

    def rms_norm(self, x, w, eps):
        # HF LlamaRMSNorm: fp32 stats, cast back to the input dtype, then weight * x (rounded).
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
        return self.mul(w, self.r(y))

    def softmax(self, x, dim=-1):
        return self.r(torch.softmax(x, dim=dim))

    def sdpa_noncausal(self, q, k, v, scale):
        """Fused SDPA (flash-style): fp32 scores and exp, probabilities rounded before P·V, fp32 row sums."""
        s = (q @ k.transpose(-1, -2)) * scale
        e = torch.exp(s - s.amax(-1, keepdim=True))
        l = e.sum(-1, keepdim=True)
        return self.r((self.r(e) @ v) / l)


def _count(sd, pattern):
    rx = re.compile(pattern)
    idx = {int(m.group(1)) for k in sd for m in [rx.match(k)] if m}
    if idx and idx != set(range(max(idx) + 1)):
        raise ValueError(f"non-contiguous indices for {pattern}: {sorted(idx)}")
    return len(idx)


# ==================================================================================== SigLIP ViT
class SigLIP:
    """timm VisionTransformer as CLIPVisionTower(siglip_large_patch16_384) runs it: patch conv + pos_embed,
    pre-norm blocks (LayerNorm eps 1e-6, MHA heads of 64, exact GELU), final LayerNorm; no attn_pool."""

    def __init__(self, sd, prefix, num, select_layer=-1):
        self.n = num
        g = lambda k: num.w(sd[prefix + k])
        self.pos = g("pos_embed")[0]  # [N, W]
        self.patch_w, self.patch_b = g("patch_embed.proj.weight"), g("patch_embed.proj.bias")
        self.width = self.pos.shape[1]
        self.patch = self.patch_w.shape[-1]
        self.heads = self.width // 64
        if self.heads * 64 != self.width:
            raise ValueError(f"SigLIP width {self.width} is not a multiple of 64")
        n_file = _count(sd, re.escape(prefix) + r"blocks\.(\d+)\.")
        # create_siglip_vit: layers = min(L, L + sel + 1) for sel <= 0 else min(L, sel); L = blocks present.
        depth = min(n_file, n_file + select_layer + 1) if select_layer <= 0 else min(n_file, select_layer)
        self.blocks = []
        for i in range(depth):
            p = f"blocks.{i}."
            self.blocks.append({k: g(p + k) for k in (
                "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
                "mlp.fc2.weight", "mlp.fc2.bias")})
        self.norm_w, self.norm_b = g("norm.weight"), g("norm.bias")

    def __call__(self, pixels, dump=None):
        """pixels [n, 3, S, S] float32 (preprocessed) -> features [n, N, W]."""
        n = self.n
        x = n.r(pixels)  # the processor output is cast to the model dtype
        x = n.conv(x, self.patch_w, self.patch_b, stride=self.patch)  # [n, W, g, g]
        x = x.flatten(2).transpose(1, 2)  # raster order tokens [n, N, W]
        if x.shape[1] != self.pos.shape[0]:
            raise ValueError(f"image gives {x.shape[1]} patches, pos_embed has {self.pos.shape[0]}")
        x = n.add(x, self.pos)
        B, N, W = x.shape
        hd = W // self.heads
        for i, b in enumerate(self.blocks):
            h = n.layer_norm(x, b["norm1.weight"], b["norm1.bias"], 1e-6)
            qkv = n.linear(h, b["attn.qkv.weight"], b["attn.qkv.bias"])
            qkv = qkv.reshape(B, N, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            o = n.sdpa_noncausal(qkv[0], qkv[1], qkv[2], hd ** -0.5)
            o = o.transpose(1, 2).reshape(B, N, W)
            x = n.add(x, n.linear(o, b["attn.proj.weight"], b["attn.proj.bias"]))
            h = n.layer_norm(x, b["norm2.weight"], b["norm2.bias"], 1e-6)
            h = n.gelu(n.linear(h, b["mlp.fc1.weight"], b["mlp.fc1.bias"]))
            x = n.add(x, n.linear(h, b["mlp.fc2.weight"], b["mlp.fc2.bias"]))
            if dump is not None:
                dump(f"vision_block_{i}", x)
        return n.layer_norm(x, self.norm_w, self.norm_b, 1e-6)


# ==================================================================================== MLPs
class MlpProjector:
    """MlpProjector mlp_gelu: Linear, (GELU, Linear) * (depth-1); parameters at layers.0, .2, .4 ..."""

    def __init__(self, sd, prefix, num):
        self.n = num
        self.layers = []
        i = 0
        while f"{prefix}layers.{i}.weight" in sd:
            self.layers.append((num.w(sd[f"{prefix}layers.{i}.weight"]), num.w(sd[f"{prefix}layers.{i}.bias"])))
            i += 2
        if not self.layers:
            raise KeyError(f"{prefix}layers.0.weight")

    def __call__(self, x):
        for j, (w, b) in enumerate(self.layers):
            if j:
                x = self.n.gelu(x)
            x = self.n.linear(x, w, b)
        return x


class Linear:
    """A single nn.Linear (JanusFlow's vision_und_enc_aligner)."""

    def __init__(self, sd, prefix, num):
        self.n = num
        self.w, self.b = num.w(sd[prefix + "weight"]), num.w(sd[prefix + "bias"])

    def __call__(self, x):
        return self.n.linear(x, self.w, self.b)


class GenHead:
    """vision_head: output_mlp_projector -> GELU -> vision_head."""

    def __init__(self, sd, prefix, num):
        self.n = num
        g = lambda k: num.w(sd[prefix + k])
        self.w1, self.b1 = g("output_mlp_projector.weight"), g("output_mlp_projector.bias")
        self.w2, self.b2 = g("vision_head.weight"), g("vision_head.bias")

    def __call__(self, h):
        return self.n.linear(self.n.gelu(self.n.linear(h, self.w1, self.b1)), self.w2, self.b2)


class GenEmbed:
    """prepare_gen_img_embeds: gen_aligner(gen_embed[ids])."""

    def __init__(self, sd, num):
        self.table = num.w(sd["gen_embed.weight"])
        self.aligner = MlpProjector(sd, "gen_aligner.", num)

    def __call__(self, ids):
        return self.aligner(self.table[ids])


# ==================================================================================== LLaMA
def rope_inv_freq(head_dim, theta, bf16):
    """HF LlamaRotaryEmbedding inv_freq in fp32; model.to(bfloat16) rounds the buffer in the bf16 run."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    return inv.to(torch.bfloat16).float() if bf16 else inv


class Llama:
    """HF LlamaForCausalLM (4.38 semantics, eager attention). forward() takes input embeddings."""

    def __init__(self, sd, lc, num, prefix="language_model."):
        self.n = num
        g = lambda k: num.w(sd[prefix + k])
        self.H = lc["hidden_size"]
        self.nh = lc["num_attention_heads"]
        self.nkv = lc["num_key_value_heads"]
        self.hd = self.H // self.nh
        self.eps = float(lc["rms_norm_eps"])
        if lc.get("hidden_act", "silu") != "silu":
            raise NotImplementedError(lc["hidden_act"])
        self.embed = g("model.embed_tokens.weight")
        if self.embed.shape[1] != self.H:
            raise ValueError(f"embed_tokens width {self.embed.shape[1]} != hidden_size {self.H}")
        L = lc["num_hidden_layers"]
        n_file = _count(sd, re.escape(prefix) + r"model\.layers\.(\d+)\.")
        if n_file != L:
            raise ValueError(f"config num_hidden_layers {L} but checkpoint has {n_file} layers")
        names = ["input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                 "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                 "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"]
        self.layers = [{k: g(f"model.layers.{i}.{k}") for k in names} for i in range(L)]
        self.norm = g("model.norm.weight")
        self.lm_head = g("lm_head.weight")
        self.inv_freq = rope_inv_freq(self.hd, float(lc["rope_theta"]), num.bf16)

    def embed_ids(self, ids):
        ids = torch.as_tensor(ids, dtype=torch.int64).clamp_min(0)  # the official code zeroes ids < 0
        return self.embed[ids]

    def rope(self, positions):
        ang = self.inv_freq[:, None] * positions.float()[None, :]  # [hd/2, S], one fp32 product
        emb = torch.cat([ang, ang], 0).t()  # [S, hd]
        return self.n.r(emb.cos()), self.n.r(emb.sin())

    def _rot(self, x, cos, sin):
        h = self.hd // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], -1)
        return self.n.add(self.n.mul(x, cos), self.n.mul(rot, sin))

    def forward(self, x, cache=None, dump=None, key_mask=None):
        """x [B, S, H] embeddings; cache: list of (k, v) per layer (post-RoPE keys) or None.
        key_mask: optional [B, past+S] 2-D attention_mask (1 = keep, 0 = masked key), combined with the
        causal mask as HF 4.38 `_update_causal_mask` does (masked entries get the dtype's min, positions
        stay 0..T-1 regardless of the mask).
        Returns (last_hidden_state after model.norm [B, S, H], new cache)."""
        n = self.n
        B, S, _ = x.shape
        past = 0 if cache is None else cache[0][0].shape[2]
        pos = torch.arange(past, past + S)
        cos, sin = self.rope(pos)
        T = past + S
        # causal mask over absolute positions: query past+i sees keys 0..past+i
        allowed = torch.arange(T)[None, :] <= pos[:, None]
        if key_mask is not None:
            km = torch.as_tensor(key_mask)
            if tuple(km.shape) != (B, T):
                raise ValueError(f"key_mask shape {tuple(km.shape)}, expected {(B, T)}")
            allowed = allowed[None, None] & (km != 0)[:, None, None, :]  # [B, 1, S, T]
        mask = torch.where(allowed, torch.tensor(0.0), torch.tensor(n.neg_big()))
        inv_sqrt = torch.tensor(1.0, dtype=torch.float32) / torch.tensor(math.sqrt(self.hd), dtype=torch.float32)
        new_cache = []
        for i, p in enumerate(self.layers):
            h = n.rms_norm(x, p["input_layernorm.weight"], self.eps)
            q = n.linear(h, p["self_attn.q_proj.weight"]).view(B, S, self.nh, self.hd).transpose(1, 2)
            k = n.linear(h, p["self_attn.k_proj.weight"]).view(B, S, self.nkv, self.hd).transpose(1, 2)
            v = n.linear(h, p["self_attn.v_proj.weight"]).view(B, S, self.nkv, self.hd).transpose(1, 2)
            q, k = self._rot(q, cos, sin), self._rot(k, cos, sin)
            if cache is not None:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
            new_cache.append((k, v))
            rep = self.nh // self.nkv
            kk, vv = (k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)) if rep > 1 else (k, v)
            s = n.r(q @ kk.transpose(-1, -2))
            s = n.r(s * inv_sqrt)  # CUDA divides by a scalar as a multiply by its fp32 reciprocal
            s = n.r(s + mask)
            a = n.softmax(s, -1)  # fp32 softmax, cast back
            o = n.r(a @ vv).transpose(1, 2).reshape(B, S, self.H)
            x = n.add(x, n.linear(o, p["self_attn.o_proj.weight"]))
            h = n.rms_norm(x, p["post_attention_layernorm.weight"], self.eps)
            gte = n.silu(n.linear(h, p["mlp.gate_proj.weight"]))
            up = n.linear(h, p["mlp.up_proj.weight"])
            x = n.add(x, n.linear(n.mul(gte, up), p["mlp.down_proj.weight"]))
            if dump is not None:
                dump(f"llm_layer_{i}", x)
        return n.rms_norm(x, self.norm, self.eps), new_cache

    def logits(self, h):
        return self.n.linear(h, self.lm_head)  # bf16 GEMM output, then .float()


# ==================================================================================== VQ-16 decoder
class VQDecoder:
    """LlamaGen VQ-16 decode_code: l2-normalised codebook lookup, post_quant_conv, Decoder. Channel
    plan, block counts and levels are read from the tensors."""

    GROUPS = 32
    EPS = 1e-6

    def __init__(self, sd, num, prefix="gen_vision_model."):
        self.n = num
        self.sd = {k[len(prefix):]: num.w(v) for k, v in sd.items()
                   if k.startswith(prefix) and not k.startswith(prefix + "encoder.")}
        self.codebook = self.sd["quantize.embedding.weight"]  # [K, C]
        self.levels = _count(self.sd, r"decoder\.conv_blocks\.(\d+)\.")
        self.nres = [_count(self.sd, rf"decoder\.conv_blocks\.{k}\.res\.(\d+)\.") for k in range(self.levels)]
        self.nattn = [_count(self.sd, rf"decoder\.conv_blocks\.{k}\.attn\.(\d+)\.") for k in range(self.levels)]

    def _p(self, name):
        return self.sd[name]

    def _res(self, x, p):
        n = self.n
        h = n.swish(n.group_norm(x, self.GROUPS, self._p(p + "norm1.weight"), self._p(p + "norm1.bias"), self.EPS))
        h = n.conv(h, self._p(p + "conv1.weight"), self._p(p + "conv1.bias"), padding=1)
        h = n.swish(n.group_norm(h, self.GROUPS, self._p(p + "norm2.weight"), self._p(p + "norm2.bias"), self.EPS))
        h = n.conv(h, self._p(p + "conv2.weight"), self._p(p + "conv2.bias"), padding=1)
        if p + "nin_shortcut.weight" in self.sd:
            x = n.conv(x, self._p(p + "nin_shortcut.weight"), self._p(p + "nin_shortcut.bias"))
        return n.add(x, h)

    def _attn(self, x, p):
        n = self.n
        h = n.group_norm(x, self.GROUPS, self._p(p + "norm.weight"), self._p(p + "norm.bias"), self.EPS)
        q = n.conv(h, self._p(p + "q.weight"), self._p(p + "q.bias"))
        k = n.conv(h, self._p(p + "k.weight"), self._p(p + "k.bias"))
        v = n.conv(h, self._p(p + "v.weight"), self._p(p + "v.bias"))
        B, C, Hh, Ww = q.shape
        q = q.reshape(B, C, Hh * Ww).permute(0, 2, 1)  # [B, HW, C]
        w = n.r(torch.bmm(q, k.reshape(B, C, Hh * Ww)))  # [B, HW(q), HW(k)]
        w = n.r(w * torch.tensor(float(int(C) ** -0.5), dtype=torch.float32))
        w = n.softmax(w, 2)
        o = n.r(torch.bmm(v.reshape(B, C, Hh * Ww), w.permute(0, 2, 1))).reshape(B, C, Hh, Ww)
        return n.add(x, n.conv(o, self._p(p + "proj_out.weight"), self._p(p + "proj_out.bias")))

    def codebook_normalized(self):
        n = self.n
        c = self.codebook
        norm = n.r(c.pow(2).sum(-1, keepdim=True).sqrt()).clamp_min(1e-12)  # F.normalize: norm, clamp, divide
        return n.r(c / norm)

    def decode_code(self, tokens, grid, dump=None):
        """tokens int [P, gh*gw] in raster order -> image [P, 3, gh*f, gw*f] float32."""
        n = self.n
        tokens = torch.as_tensor(tokens, dtype=torch.int64)
        P = tokens.shape[0]
        gh, gw = grid
        emb = self.codebook_normalized()
        z = emb[tokens.reshape(-1)].reshape(P, gh, gw, -1).permute(0, 3, 1, 2).contiguous()
        z = n.conv(z, self._p("post_quant_conv.weight"), self._p("post_quant_conv.bias"))
        h = n.conv(z, self._p("decoder.conv_in.weight"), self._p("decoder.conv_in.bias"), padding=1)
        h = self._res(h, "decoder.mid.0.")
        h = self._attn(h, "decoder.mid.1.")
        h = self._res(h, "decoder.mid.2.")
        if dump is not None:
            dump("vq_mid", h)
        for k in range(self.levels):
            for j in range(self.nres[k]):
                h = self._res(h, f"decoder.conv_blocks.{k}.res.{j}.")
                if self.nattn[k]:
                    h = self._attn(h, f"decoder.conv_blocks.{k}.attn.{j}.")
            if f"decoder.conv_blocks.{k}.upsample.conv.weight" in self.sd:
                h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # value-exact
                h = n.conv(h, self._p(f"decoder.conv_blocks.{k}.upsample.conv.weight"),
                           self._p(f"decoder.conv_blocks.{k}.upsample.conv.bias"), padding=1)
        h = n.swish(n.group_norm(h, self.GROUPS, self._p("decoder.norm_out.weight"),
                                 self._p("decoder.norm_out.bias"), self.EPS))
        return n.conv(h, self._p("decoder.conv_out.weight"), self._p("decoder.conv_out.bias"), padding=1)


def to_uint8(dec):
    """generation_inference.py: fp32 (x+1)/2*255, clip to [0,255], truncating uint8 assignment; NCHW -> NHWC."""
    import numpy as np
    x = dec.float().numpy().transpose(0, 2, 3, 1)
    x = np.clip((x + np.float32(1)) / np.float32(2) * np.float32(255), 0, 255)
    out = np.zeros(x.shape, dtype=np.uint8)
    out[...] = x
    return out


# ==================================================================================== whole model
class JanusModel:
    """Understanding + generation pieces of a Janus / Janus-Pro (or JanusFlow understanding) checkpoint."""

    def __init__(self, sd, cfg, mode, need=("und", "gen", "vq")):
        self.num = Num(mode)
        self.cfg = cfg
        self.flow = cfg["is_flow"]
        self.llm = Llama(sd, cfg["language"], self.num)
        if "und" in need:
            if self.flow:
                vp = cfg["vision_und_enc_config"].get("params", {})
                self.vision = SigLIP(sd, "vision_und_enc_model.vision_tower.", self.num, vp.get("select_layer", -1))
                self.aligner = Linear(sd, "vision_und_enc_aligner.", self.num)
                self.beg_of_und = self.num.w(sd["beg_of_und_embed"])[0]  # [H]
            else:
                vp = cfg["vision_config"].get("params", {})
                if vp.get("pixel_mean") is not None:
                    raise NotImplementedError("vision_config.pixel_mean (in-tower Normalize) is absent in all Janus files")
                self.vision = SigLIP(sd, "vision_model.vision_tower.", self.num, vp.get("select_layer", -1))
                self.aligner = MlpProjector(sd, "aligner.", self.num)
        if "gen" in need and not self.flow:
            self.gen_head = GenHead(sd, "gen_head.", self.num)
            self.gen_embed = GenEmbed(sd, self.num)
        if "vq" in need and not self.flow:
            self.vq = VQDecoder(sd, self.num)

    def image_rows(self, pixels, dump=None):
        """pixels [n,3,S,S] -> (vision features [n,N,W], image embedding rows [n*(N or N+1), H])."""
        feats = self.vision(pixels, dump)
        emb = self.aligner(feats)  # [n, N, H]
        if self.flow:
            beg = self.beg_of_und.view(1, 1, -1).expand(emb.shape[0], 1, -1)
            emb = torch.cat([beg, emb], 1)  # [n, 1+N, H]
        return feats, emb.reshape(-1, emb.shape[-1])

    def merge(self, ids, seq_mask, rows):
        """inputs_embeds[seq_mask] = rows (in order); other positions keep embed_tokens rows."""
        x = self.llm.embed_ids(ids).clone()
        m = torch.as_tensor(seq_mask, dtype=torch.bool)
        if int(m.sum()) != rows.shape[0]:
            raise ValueError(f"{int(m.sum())} image positions but {rows.shape[0]} image rows")
        x[m] = rows
        return x
