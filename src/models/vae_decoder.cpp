// SDXL-VAE decode, op by op in the order (and with the rounding points) of tools/reference/vae.py.
//
// Peak activation memory (one image, f32 buffers): the first resnet of the last up block, which holds
// its input [c1, S, S] (S = 8h, the previous block's upsampled output), the GroupNorm copy of it and
// conv1's output [c0, S, S]: (2·c1 + c0)·S²·4 bytes. SDXL at 384² (c1 = 256, c0 = 128): ~380 MB, plus
// per-thread im2col tiles (~3.5 MB each). Images of a batch are decoded one at a time.
#include "models/vae_decoder.h"

#include <cmath>
#include <cstring>
#include <deque>

#include "core/error.h"

namespace janus {

namespace {

constexpr float kEps = 1e-6f;            // diffusers Decoder: GroupNorm eps 1e-6 everywhere
constexpr int64_t kMaxLatentSide = 128;  // -> 1024² images (SDXL's native size); bounds memory
constexpr int64_t kMaxBatch = 64;

inline float rb(bool bf16, float v) {
  return bf16 ? bf16_to_f32(f32_to_bf16(v)) : v;
}

}  // namespace

// Views the decoder reads instead of the store's own: bf16 copies (BF16 mode, f32/f16 file) and 2-D
// views of 4-D 1x1 attention convs. Deques keep element addresses stable as they grow.
struct VaeDecoder::Weights {
  std::deque<TensorView> views;
  std::deque<std::vector<uint16_t>> bufs;
};

const TensorView& VaeDecoder::bind(const TensorStore& w, const std::string& name,
                                   const std::vector<int64_t>& shape, bool allow_1x1) {
  const TensorView& t = w.get(name);
  // A 1x1 conv stored for a linear ([c, c, 1, 1] for [c, c], LDM attention) is the same bytes.
  const bool squeeze = allow_1x1 && shape.size() == 2 && t.shape.size() == 4 && t.shape[0] == shape[0] &&
                       t.shape[1] == shape[1] && t.shape[2] == 1 && t.shape[3] == 1;
  if (t.shape != shape && !squeeze)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  if (t.dtype != DType::BF16 && t.dtype != DType::F16 && t.dtype != DType::F32)
    fail(ErrorKind::Model, name, "unsupported dtype " + std::string(dtype_name(t.dtype)));
  const bool round = precision_ == ops::Precision::BF16 && t.dtype != DType::BF16;
  if (!round && !squeeze) return t;
  TensorView v = t;
  v.shape = shape;
  if (round) {  // vae.to(torch.bfloat16): RNE of the exact f32 value
    const int64_t n = t.numel();
    auto& buf = owned_->bufs.emplace_back(size_t(n));
    for (int64_t i = 0; i < n; ++i) buf[size_t(i)] = f32_to_bf16(ops::weight_at(t, i));
    v.dtype = DType::BF16;
    v.data = buf.data();
    v.nbytes = size_t(n) * 2;
  }
  return owned_->views.emplace_back(std::move(v));
}

ops::Conv2d VaeDecoder::bind_conv(const TensorStore& w, const std::string& name, int64_t out, int64_t in,
                                  int64_t k) {
  return ops::make_conv2d(bind(w, name + ".weight", {out, in, k, k}), &bind(w, name + ".bias", {out}), 1,
                          k / 2);
}

ops::Linear VaeDecoder::bind_linear(const TensorStore& w, const std::string& name, int64_t c, bool conv_1x1) {
  return ops::make_linear(bind(w, name + ".weight", {c, c}, conv_1x1), &bind(w, name + ".bias", {c}));
}

VaeDecoder::VaeDecoder(const TensorStore& w, const VaeConfig& cfg, VaeNaming naming, ops::Precision precision)
    : owned_(std::make_shared<Weights>()), precision_(precision) {
  const auto& ch = cfg.block_out_channels;
  if (cfg.act_fn != "silu")
    fail(ErrorKind::Unsupported, "config.json: act_fn", "\"" + cfg.act_fn + "\" (silu only)");
  for (size_t i = 0; i < cfg.up_block_types.size(); ++i)
    if (cfg.up_block_types[i] != "UpDecoderBlock2D")
      fail(ErrorKind::Unsupported, "config.json: up_block_types[" + std::to_string(i) + "]",
           "\"" + cfg.up_block_types[i] + "\" (UpDecoderBlock2D only)");
  if (ch.empty() || ch.size() > 8 || cfg.up_block_types.size() != ch.size() || cfg.norm_num_groups <= 0)
    fail(ErrorKind::Model, "config.json: block_out_channels", "expected 1 to 8 levels, one per up block");
  for (size_t i = 0; i < ch.size(); ++i)
    if (ch[i] <= 0 || ch[i] % cfg.norm_num_groups != 0)
      fail(ErrorKind::Model, "config.json: block_out_channels[" + std::to_string(i) + "]",
           "not a positive multiple of norm_num_groups");
  latent_ = cfg.latent_channels;
  groups_ = cfg.norm_num_groups;
  out_ch_ = cfg.out_channels;
  scaling_ = float(cfg.scaling_factor);  // torch turns the Python scalar into an f32 operand
  post_quant_on_ = cfg.use_post_quant_conv;
  mid_attn_on_ = cfg.mid_block_add_attention;
  const bool ldm = naming == VaeNaming::Ldm;

  auto res = [&](const std::string& p, int64_t cin, int64_t cout) {
    Res r;
    r.cin = cin, r.cout = cout;
    r.n1w = &bind(w, p + "norm1.weight", {cin}), r.n1b = &bind(w, p + "norm1.bias", {cin});
    r.n2w = &bind(w, p + "norm2.weight", {cout}), r.n2b = &bind(w, p + "norm2.bias", {cout});
    r.conv1 = bind_conv(w, p + "conv1", cout, cin, 3);
    r.conv2 = bind_conv(w, p + "conv2", cout, cout, 3);
    if (cin != cout) r.shortcut = bind_conv(w, p + (ldm ? "nin_shortcut" : "conv_shortcut"), cout, cin, 1);
    return r;
  };

  const int64_t top = ch.back(), L = int64_t(ch.size());
  if (post_quant_on_) post_quant_ = bind_conv(w, "post_quant_conv", latent_, latent_, 1);
  conv_in_ = bind_conv(w, "decoder.conv_in", top, latent_, 3);
  mid0_ = res(ldm ? "decoder.mid.block_1." : "decoder.mid_block.resnets.0.", top, top);
  mid1_ = res(ldm ? "decoder.mid.block_2." : "decoder.mid_block.resnets.1.", top, top);
  if (mid_attn_on_) {
    attn_.ch = top;
    if (ldm) {
      const std::string p = "decoder.mid.attn_1.";
      attn_.nw = &bind(w, p + "norm.weight", {top}), attn_.nb = &bind(w, p + "norm.bias", {top});
      attn_.q = bind_linear(w, p + "q", top, true), attn_.k = bind_linear(w, p + "k", top, true);
      attn_.v = bind_linear(w, p + "v", top, true), attn_.out = bind_linear(w, p + "proj_out", top, true);
    } else {
      const std::string p = "decoder.mid_block.attentions.0.";
      const bool legacy = naming == VaeNaming::DiffusersLegacy;
      attn_.nw = &bind(w, p + "group_norm.weight", {top}), attn_.nb = &bind(w, p + "group_norm.bias", {top});
      attn_.q = bind_linear(w, p + (legacy ? "query" : "to_q"), top, false);
      attn_.k = bind_linear(w, p + (legacy ? "key" : "to_k"), top, false);
      attn_.v = bind_linear(w, p + (legacy ? "value" : "to_v"), top, false);
      attn_.out = bind_linear(w, p + (legacy ? "proj_attn" : "to_out.0"), top, false);
    }
  }
  int64_t prev = top;
  for (int64_t b = 0; b < L; ++b) {
    const int64_t cout = ch[size_t(L - 1 - b)];
    // LDM numbers the up blocks by resolution level, i.e. in reverse execution order.
    const std::string bp = ldm ? "decoder.up." + std::to_string(L - 1 - b) + "."
                               : "decoder.up_blocks." + std::to_string(b) + ".";
    UpBlock ub;
    for (int64_t r = 0; r <= cfg.layers_per_block; ++r) {
      ub.res.push_back(res(bp + (ldm ? "block." : "resnets.") + std::to_string(r) + ".", prev, cout));
      prev = cout;
    }
    if (b != L - 1) {
      ub.upsample = true;
      ub.up = bind_conv(w, bp + (ldm ? "upsample.conv" : "upsamplers.0.conv"), cout, cout, 3);
    }
    blocks_.push_back(std::move(ub));
  }
  const std::string no = ldm ? "decoder.norm_out" : "decoder.conv_norm_out";
  norm_out_w_ = &bind(w, no + ".weight", {ch.front()});
  norm_out_b_ = &bind(w, no + ".bias", {ch.front()});
  conv_out_ = bind_conv(w, "decoder.conv_out", out_ch_, ch.front(), 3);
}

Tensor VaeDecoder::conv(const ops::Context& c, const ops::Conv2d& k, const Tensor& x, int64_t h,
                        int64_t w) const {
  Tensor y = Tensor::f32({k.out, h, w});  // stride 1, "same" padding
  ops::conv2d(c, k, x.f(), 1, h, w, y.f());
  return y;
}

Tensor VaeDecoder::res_block(const ops::Context& c, const Res& r, const Tensor& x, int64_t h,
                             int64_t w) const {
  const int64_t hw = h * w;
  Tensor h1;
  {
    Tensor t = Tensor::f32({r.cin, h, w});  // freed before conv2 (peak memory)
    ops::group_norm(c, x.f(), 1, r.cin, hw, groups_, *r.n1w, *r.n1b, kEps, t.f());
    ops::silu(c, t.f(), t.numel());
    h1 = conv(c, r.conv1, t, h, w);  // [cout, h, w]
  }
  ops::group_norm(c, h1.f(), 1, r.cout, hw, groups_, *r.n2w, *r.n2b, kEps, h1.f());
  ops::silu(c, h1.f(), h1.numel());
  Tensor h2 = conv(c, r.conv2, h1, h, w);
  h1 = Tensor();
  if (r.shortcut.weight) {
    Tensor s = conv(c, r.shortcut, x, h, w);
    ops::add(c, s.f(), h2.f(), h2.numel(), h2.f());
  } else {
    ops::add(c, x.f(), h2.f(), h2.numel(), h2.f());
  }
  return h2;  // / output_scale_factor (1.0): exact
}

// diffusers Attention (AttnProcessor2_0) with one head of width C over the HW tokens.
Tensor VaeDecoder::attn_block(const ops::Context& c, const Attn& a, const Tensor& x, int64_t h,
                              int64_t w) const {
  const int64_t C = a.ch, T = h * w;
  Tensor t = Tensor::f32({C, T});
  ops::group_norm(c, x.f(), 1, C, T, groups_, *a.nw, *a.nb, kEps, t.f());
  Tensor tok = Tensor::f32({T, C});  // tokens [HW, C]
  for (int64_t ch = 0; ch < C; ++ch)
    for (int64_t i = 0; i < T; ++i) tok.f()[i * C + ch] = t.f()[ch * T + i];
  Tensor q = Tensor::f32({T, C}), k = Tensor::f32({T, C}), v = Tensor::f32({T, C});
  const ops::Linear* ls[3] = {&a.q, &a.k, &a.v};
  float* ys[3] = {q.f(), k.f(), v.f()};
  ops::linear_multi(c, ls, 3, tok.f(), T, ys);
  Tensor o = Tensor::f32({T, C});  // SDPA, default scale C^-0.5 (fp32 inside, one rounding)
  ops::attention(c, ops::AttentionKind::Fused, q.f(), T, k.f(), v.f(), T, 1, 1, C,
                 float(1.0 / std::sqrt(double(C))), false, o.f());
  ops::linear(c, a.out, o.f(), T, tok.f());  // to_out.0 -> [HW, C]
  for (int64_t ch = 0; ch < C; ++ch)
    for (int64_t i = 0; i < T; ++i) t.f()[ch * T + i] = tok.f()[i * C + ch];
  Tensor y = Tensor::f32({C, h, w});
  ops::add(c, t.f(), x.f(), y.numel(), y.f());  // + residual; / rescale_output_factor (1.0): exact
  return y;
}

Tensor VaeDecoder::decode(const ops::Context& c, const Tensor& z, const DumpFn& dump) const {
  if (c.precision != precision_)
    fail(ErrorKind::InvalidArgument, "vae decode",
         "the context's precision differs from the one the weights were prepared for");
  const auto& s = z.shape();
  if (z.dtype() != DType::F32 || s.size() != 4 || s[1] != latent_ || s[0] < 1 || s[0] > kMaxBatch ||
      s[2] < 1 || s[2] > kMaxLatentSide || s[3] < 1 || s[3] > kMaxLatentSide)
    fail(ErrorKind::InvalidArgument, "vae latent",
         "expected f32 [1.." + std::to_string(kMaxBatch) + ", " + std::to_string(latent_) +
             ", h, w] with h, w in 1.." + std::to_string(kMaxLatentSide) + ", got " + shape_str(s));
  const int64_t n = s[0], H0 = s[2], W0 = s[3], f = upscale(), plane = latent_ * H0 * W0;
  const bool bf16 = c.bf16();
  // z / scaling_factor: CUDA multiplies a bf16 tensor by the fp32 reciprocal of the Python scalar
  // (janusflow §6.5.1); fp32 divides.
  const float inv = 1.0f / scaling_;
  Tensor out = Tensor::f32({n, out_ch_, H0 * f, W0 * f}, "decoded");
  for (int64_t b = 0; b < n; ++b) {
    int64_t h = H0, w = W0;
    auto put = [&](const char* name, const Tensor& t) {
      if (dump && b == 0) dump(name, t.reshaped({1, t.dim(0), h, w}));
    };
    Tensor x = Tensor::f32({latent_, h, w});  // [latent, h, w]
    const float* zb = z.f() + b * plane;
    for (int64_t i = 0; i < plane; ++i) x.f()[i] = bf16 ? rb(true, rb(true, zb[i]) * inv) : zb[i] / scaling_;
    if (post_quant_on_) {
      x = conv(c, post_quant_, x, h, w);
      put("post_quant_conv", x);
    }
    x = conv(c, conv_in_, x, h, w);
    put("decoder.conv_in", x);
    x = res_block(c, mid0_, x, h, w);
    if (mid_attn_on_) {
      x = attn_block(c, attn_, x, h, w);
      put("decoder.mid_block.attentions.0", x);
    }
    x = res_block(c, mid1_, x, h, w);
    put("decoder.mid_block", x);
    for (size_t bi = 0; bi < blocks_.size(); ++bi) {
      const UpBlock& ub = blocks_[bi];
      for (const Res& r : ub.res) x = res_block(c, r, x, h, w);
      if (ub.upsample) {
        Tensor u = Tensor::f32({x.dim(0), 2 * h, 2 * w});  // nearest x2: value-exact
        ops::upsample_nearest2x(c, x.f(), x.dim(0), h, w, u.f());
        x = Tensor();
        h *= 2, w *= 2;
        x = conv(c, ub.up, u, h, w);
      }
      put(("decoder.up_blocks." + std::to_string(bi)).c_str(), x);
    }
    Tensor t = Tensor::f32({x.dim(0), h, w});  // not in place: the dump above may share x's buffer
    ops::group_norm(c, x.f(), 1, x.dim(0), h * w, groups_, *norm_out_w_, *norm_out_b_, kEps, t.f());
    x = Tensor();
    ops::silu(c, t.f(), t.numel());
    ops::conv2d(c, conv_out_, t.f(), 1, h, w, out.f() + b * out_ch_ * h * w);
  }
  return out;
}

}  // namespace janus
