"""Tensor names and shapes of the official checkpoints, written from the upstream module code
(janus/models/*.py, janus/janusflow/models/*.py, diffusers AutoencoderKL), independently of the
C++ tables in src/models/tensor_table.cpp so the two can check each other.

Each function returns a list of (name, shape) in state_dict order.
"""


def llama(L):
    H, I, V = L["hidden"], L["inter"], L["vocab"]
    hd = H // L["heads"]
    q, kv = L["heads"] * hd, L["kv_heads"] * hd
    out = [("language_model.model.embed_tokens.weight", [V, H])]
    for i in range(L["layers"]):
        p = f"language_model.model.layers.{i}."
        out += [
            (p + "self_attn.q_proj.weight", [q, H]),
            (p + "self_attn.k_proj.weight", [kv, H]),
            (p + "self_attn.v_proj.weight", [kv, H]),
            (p + "self_attn.o_proj.weight", [H, q]),
            (p + "mlp.gate_proj.weight", [I, H]),
            (p + "mlp.up_proj.weight", [I, H]),
            (p + "mlp.down_proj.weight", [H, I]),
            (p + "input_layernorm.weight", [H]),
            (p + "post_attention_layernorm.weight", [H]),
        ]
    out += [("language_model.model.norm.weight", [H]), ("language_model.lm_head.weight", [V, H])]
    return out


def _lin(p, o, i, bias=True):
    return [(p + ".weight", [o, i])] + ([(p + ".bias", [o])] if bias else [])


def _conv(p, o, i, k, bias=True):
    return [(p + ".weight", [o, i, k, k])] + ([(p + ".bias", [o])] if bias else [])


def _ln(p, c):
    return [(p + ".weight", [c]), (p + ".bias", [c])]


def siglip(prefix, S, image_size=384):
    W, M, P = S["width"], S["mlp"], S["patch"]
    g = image_size // P
    out = [(prefix + "pos_embed", [1, g * g, W])] + _conv(prefix + "patch_embed.proj", W, 3, P)
    for b in range(S["depth"]):
        p = f"{prefix}blocks.{b}."
        out += _ln(p + "norm1", W) + _lin(p + "attn.qkv", 3 * W, W) + _lin(p + "attn.proj", W, W)
        out += _ln(p + "norm2", W) + _lin(p + "mlp.fc1", M, W) + _lin(p + "mlp.fc2", W, M)
    out += _ln(prefix + "norm", W)
    a = prefix + "attn_pool."
    out += [(a + "latent", [1, 1, W])] + _lin(a + "q", W, W) + _lin(a + "kv", 2 * W, W) + _lin(a + "proj", W, W)
    out += _ln(a + "norm", W) + _lin(a + "mlp.fc1", M, W) + _lin(a + "mlp.fc2", W, M)
    return out


def _vq_res(p, cin, cout):
    out = _ln(p + "norm1", cin) + _conv(p + "conv1", cout, cin, 3) + _ln(p + "norm2", cout) + _conv(p + "conv2", cout, cout, 3)
    if cin != cout:
        out += _conv(p + "nin_shortcut", cout, cin, 1)
    return out


def _vq_attn(p, c):
    out = _ln(p + "norm", c)
    for n in ("q", "k", "v", "proj_out"):
        out += _conv(p + n, c, c, 1)
    return out


def vq16(Q):
    ch, z, mult = Q["ch"], Q["z"], [1, 1, 2, 2, 4]
    n = len(mult)
    g = "gen_vision_model."
    out = _conv(g + "encoder.conv_in", ch, 3, 3)
    cin = ch
    for i in range(n):
        cb = f"{g}encoder.conv_blocks.{i}."
        cout = ch * mult[i]
        for r in range(2):
            out += _vq_res(f"{cb}res.{r}.", cin, cout)
            cin = cout
        if i == n - 1:
            out += _vq_attn(cb + "attn.0.", cin) + _vq_attn(cb + "attn.1.", cin)
        if i != n - 1:
            out += _conv(cb + "downsample.conv", cin, cin, 3)
    out += _vq_res(g + "encoder.mid.0.", cin, cin) + _vq_attn(g + "encoder.mid.1.", cin) + _vq_res(g + "encoder.mid.2.", cin, cin)
    out += _ln(g + "encoder.norm_out", cin) + _conv(g + "encoder.conv_out", z, cin, 3)
    cin = ch * mult[-1]
    out += _conv(g + "decoder.conv_in", cin, z, 3)
    out += _vq_res(g + "decoder.mid.0.", cin, cin) + _vq_attn(g + "decoder.mid.1.", cin) + _vq_res(g + "decoder.mid.2.", cin, cin)
    for k, level in enumerate(reversed(range(n))):
        cb = f"{g}decoder.conv_blocks.{k}."
        cout = ch * mult[level]
        for r in range(3):
            out += _vq_res(f"{cb}res.{r}.", cin, cout)
            cin = cout
        if level == n - 1:
            out += _vq_attn(cb + "attn.0.", cin) + _vq_attn(cb + "attn.1.", cin) + _vq_attn(cb + "attn.2.", cin)
        if level != 0:
            out += _conv(cb + "upsample.conv", cin, cin, 3)
    out += _ln(g + "decoder.norm_out", cin) + _conv(g + "decoder.conv_out", 3, cin, 3)
    out += [(g + "quantize.embedding.weight", [16384, 8]), (g + "quantize.codebook_used", [65536])]
    out += _conv(g + "quant_conv", 8, z, 1) + _conv(g + "post_quant_conv", z, 8, 1)
    return out


def janus(dims):
    S, L, Q = dims["siglip"], dims["llm"], dims["vq"]
    H = L["hidden"]
    out = siglip("vision_model.vision_tower.", S)
    out += _lin("aligner.layers.0", H, S["width"]) + _lin("aligner.layers.2", H, H)
    out += vq16(Q)
    out += _lin("gen_aligner.layers.0", H, 8) + _lin("gen_aligner.layers.2", H, H)
    out += _lin("gen_head.output_mlp_projector", H, H) + _lin("gen_head.vision_head", 16384, H)
    out += [("gen_embed.weight", [16384, 8])]
    return out + llama(L)


def _convnext(p, c, hidden):
    f = 4 * c
    return ([(p + "depthwise.weight", [c, 1, 7, 7]), (p + "depthwise.bias", [c]), (p + "norm.weight", [c])]
            + _lin(p + "channelwise_linear_1", f, c)
            + [(p + "channelwise_norm.weight", [1, 1, 1, f]), (p + "channelwise_norm.bias", [1, 1, 1, f])]
            + _lin(p + "channelwise_linear_2", c, f) + _lin(p + "cond_embeds_mapper", 2 * c, hidden))


def janusflow(dims):
    S, L, U = dims["siglip"], dims["llm"], dims["uvit"]
    H, C, mid = L["hidden"], U["width"], U["layers_in_middle"]
    out = siglip("vision_und_enc_model.vision_tower.", S)
    out += _lin("vision_und_enc_aligner", H, S["width"]) + [("beg_of_und_embed", [1, H])]
    e = "vision_gen_enc_model."
    out += _lin(e + "time_embed.linear_1", H, C) + _lin(e + "time_embed.linear_2", H, H) + _conv(e + "in_conv", C, 4, 2)
    for j in range(mid):
        out += _convnext(f"{e}mid_block.res_blocks.{j}.", C, H)
    out += _lin("vision_gen_enc_aligner", H, C)
    d = "vision_gen_dec_model."
    for j in range(mid):
        out += _convnext(f"{d}mid_block.res_blocks.{j}.", 2 * C, H)
    out += [(d + "out_convs.0.norm.weight", [2 * C])] + _conv(d + "out_convs.0.unpatch_conv", 16, 2 * C, 1)
    out += [(d + "input_norm.weight", [C])]
    out += llama(L)
    out += [("vision_gen_dec_aligner_norm.weight", [H])] + _lin("vision_gen_dec_aligner", C, H)
    return out


def _vae_res(p, cin, cout):
    out = _ln(p + "norm1", cin) + _conv(p + "conv1", cout, cin, 3) + _ln(p + "norm2", cout) + _conv(p + "conv2", cout, cout, 3)
    if cin != cout:
        out += _conv(p + "conv_shortcut", cout, cin, 1)
    return out


def _vae_mid(p, c):
    a = p + "attentions.0."
    out = _ln(a + "group_norm", c)
    for n in ("to_q", "to_k", "to_v", "to_out.0"):
        out += _lin(a + n, c, c)
    return out + _vae_res(p + "resnets.0.", c, c) + _vae_res(p + "resnets.1.", c, c)


def vae(V):
    """diffusers AutoencoderKL, modern names, encoder included (as in the hub file)."""
    ch, lpb, lat = V["block_out_channels"], V["layers_per_block"], 4
    n = len(ch)
    out = _conv("encoder.conv_in", ch[0], 3, 3)
    prev = ch[0]
    for b in range(n):
        for r in range(lpb):
            out += _vae_res(f"encoder.down_blocks.{b}.resnets.{r}.", prev if r == 0 else ch[b], ch[b])
        if b != n - 1:
            out += _conv(f"encoder.down_blocks.{b}.downsamplers.0.conv", ch[b], ch[b], 3)
        prev = ch[b]
    out += _vae_mid("encoder.mid_block.", ch[-1]) + _ln("encoder.conv_norm_out", ch[-1]) + _conv("encoder.conv_out", 2 * lat, ch[-1], 3)
    out += _conv("decoder.conv_in", ch[-1], lat, 3)
    prev = ch[-1]
    for b in range(n):
        c = ch[n - 1 - b]
        for r in range(lpb + 1):
            out += _vae_res(f"decoder.up_blocks.{b}.resnets.{r}.", prev if r == 0 else c, c)
        if b != n - 1:
            out += _conv(f"decoder.up_blocks.{b}.upsamplers.0.conv", c, c, 3)
        prev = c
    out += _vae_mid("decoder.mid_block.", ch[-1]) + _ln("decoder.conv_norm_out", ch[0]) + _conv("decoder.conv_out", 3, ch[0], 3)
    out += _conv("quant_conv", 2 * lat, 2 * lat, 1) + _conv("post_quant_conv", lat, lat, 1)
    return out
