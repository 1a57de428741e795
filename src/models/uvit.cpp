// ShallowUViT encoder/decoder, op by op as tools/reference/flow.py (FlowVision.encode / .decode).
#include "models/uvit.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace janus {

namespace {

const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape) {
  const TensorView& t = w.get(name);
  if (t.shape != shape)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  return t;
}

const TensorView* bind_bias(const TensorStore& w, bool use_bias, const std::string& name, int64_t n) {
  return use_bias ? &bind(w, name, {n}) : nullptr;
}

ops::Linear bind_linear(const TensorStore& w, const std::string& p, int64_t out, int64_t in, bool bias) {
  return ops::make_linear(bind(w, p + ".weight", {out, in}), bind_bias(w, bias, p + ".bias", out));
}

void require(bool ok, const std::string& where, const std::string& what) {
  if (!ok) fail(ErrorKind::Model, where, what);
}

// SiLU(t_emb): the FiLM condition of every ConvNeXt block (F.silu, one rounding).
Tensor silu_of(const ops::Context& c, const Tensor& t) {
  Tensor s = Tensor::f32(t.shape());
  std::memcpy(s.f(), t.f(), t.nbytes());
  ops::silu(c, s.f(), s.numel());
  return s;
}

// RMSNorm over the channels of each pixel of x [n, ch, hw] (LlamaRMSNorm on the NHWC permute) into y.
void channel_rms_norm(const ops::Context& c, const float* x, int64_t n, int64_t ch, int64_t hw,
                      const TensorView& w, float eps, float* y) {
  Tensor t = Tensor::f32({n * hw, ch}), u = Tensor::f32({n * hw, ch});
  ops::nchw_to_nhwc(x, n, ch, hw, t.f());
  ops::rms_norm(c, t.f(), n * hw, ch, w, eps, u.f());
  ops::nhwc_to_nchw(u.f(), n, hw, ch, y);
}

}  // namespace

void timestep_sinusoid(const float* t, int64_t n, int64_t dim, float* out) {
  if (dim <= 0 || dim % 2 != 0)
    fail(ErrorKind::InvalidArgument, "timestep_sinusoid", "dim must be even, is " + std::to_string(dim));
  const int64_t half = dim / 2;
  const float neg_log = -float(std::log(10000.0));  // the Python double cast to the f32 tensor's dtype
  const float inv_half = 1.0f / float(half);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < half; ++k) {
      const float f = std::exp((float(k) * neg_log) * inv_half);
      const float a = t[i] * f;
      out[i * dim + k] = std::cos(a);
      out[i * dim + half + k] = std::sin(a);
    }
}

// ------------------------------------------------------------------ ConvNeXt block

ConvNeXtBlock::ConvNeXtBlock(const TensorStore& w, const std::string& p, int64_t C, int64_t cond_dim,
                             bool bias, float eps)
    : ch_(C), eps_(eps) {
  const int64_t F = 4 * C;  // res_ffn_factor
  dw_ = ops::make_depthwise_conv2d(bind(w, p + "depthwise.weight", {C, 1, 7, 7}),
                                   bind_bias(w, bias, p + "depthwise.bias", C));
  norm_ = &bind(w, p + "norm.weight", {C});
  l1_ = bind_linear(w, p + "channelwise_linear_1", F, C, bias);
  grn_w_ = &bind(w, p + "channelwise_norm.weight", {1, 1, 1, F});
  grn_b_ = &bind(w, p + "channelwise_norm.bias", {1, 1, 1, F});
  l2_ = bind_linear(w, p + "channelwise_linear_2", C, F, bias);
  mapper_ = bind_linear(w, p + "cond_embeds_mapper", 2 * C, cond_dim, bias);
}

void ConvNeXtBlock::forward(const ops::Context& c, Tensor& x, const Tensor& cond_silu) const {
  const int64_t n = x.dim(0), C = ch_, h = x.dim(2), w = x.dim(3), hw = h * w, rows = n * hw;
  Tensor d = Tensor::f32({n, C, h, w});
  ops::depthwise_conv2d(c, dw_, x.f(), n, h, w, d.f());
  Tensor t = Tensor::f32({rows, C}), u = Tensor::f32({rows, C});  // NHWC rows
  ops::nchw_to_nhwc(d.f(), n, C, hw, t.f());
  ops::rms_norm(c, t.f(), rows, C, *norm_, eps_, u.f());
  Tensor f = Tensor::f32({rows, 4 * C});
  ops::linear(c, l1_, u.f(), rows, f.f());
  ops::gelu_erf(c, f.f(), f.numel());
  ops::grn(c, f.f(), n, hw, 4 * C, *grn_w_, *grn_b_, f.f());
  ops::linear(c, l2_, f.f(), rows, t.f());
  ops::nhwc_to_nchw(t.f(), n, hw, C, d.f());
  ops::add(c, d.f(), x.f(), x.numel(), x.f());  // branch + residual
  Tensor ss = Tensor::f32({n, 2 * C});          // [scale | shift]
  ops::linear(c, mapper_, cond_silu.f(), n, ss.f());
  ops::film(c, x.f(), n, C, hw, ss.f(), ss.f() + C, 2 * C);
}

// ------------------------------------------------------------------ encoder

UViTEncoder::UViTEncoder(const TensorStore& w, const UViTEncoderConfig& cfg, int64_t hidden,
                         const std::string& p) {
  const std::string where = "config.json vision_gen_enc_config.params";
  require(!cfg.block_out_channels.empty(), where, "block_out_channels is empty");
  require(cfg.hidden_size == hidden, where,
          "hidden_size " + std::to_string(cfg.hidden_size) + " != language hidden_size " +
              std::to_string(hidden));
  require(cfg.kernel_size > 0 && cfg.stride > 0 && cfg.padding >= 0 && cfg.layers_in_middle >= 0 &&
              cfg.input_channels > 0,
          where, "kernel_size/stride/padding/input_channels/layers_in_middle out of range");
  ch_ = cfg.block_out_channels.back();
  tdim_ = cfg.block_out_channels.front();
  in_ch_ = cfg.input_channels;
  hidden_ = hidden;
  require(ch_ > 0 && tdim_ > 0 && tdim_ % 2 == 0, where,
          "block_out_channels must be positive, the first even");
  t1_ = bind_linear(w, p + "time_embed.linear_1", hidden, tdim_, cfg.use_bias);
  t2_ = bind_linear(w, p + "time_embed.linear_2", hidden, hidden, cfg.use_bias);
  // nn.Conv2d default bias=True (in_conv ignores use_bias).
  in_conv_ = ops::make_conv2d(bind(w, p + "in_conv.weight", {ch_, in_ch_, cfg.kernel_size, cfg.kernel_size}),
                              &bind(w, p + "in_conv.bias", {ch_}), cfg.stride, cfg.padding);
  if (cfg.use_mid_block)
    for (int64_t j = 0; j < cfg.layers_in_middle; ++j)
      blocks_.emplace_back(w, p + "mid_block.res_blocks." + std::to_string(j) + ".", ch_, hidden,
                           cfg.use_bias, float(cfg.norm_eps));
}

Tensor UViTEncoder::time_embedding(const ops::Context& c, const float* t, int64_t n) const {
  if (n <= 0 || !t) fail(ErrorKind::InvalidArgument, "flow t", "need at least one time value");
  Tensor s = Tensor::f32({n, tdim_});
  timestep_sinusoid(t, n, tdim_, s.f());
  if (c.bf16()) ops::round_bf16(s.f(), s.numel());  // .to(x.dtype)
  Tensor h = Tensor::f32({n, hidden_}), out = Tensor::f32({n, hidden_}, "t_emb");
  ops::linear(c, t1_, s.f(), n, h.f());
  ops::silu(c, h.f(), h.numel());
  ops::linear(c, t2_, h.f(), n, out.f());
  return out;
}

Tensor UViTEncoder::forward(const ops::Context& c, const Tensor& z, const Tensor& t_emb,
                            const DumpFn& dump) const {
  const auto& s = z.shape();
  if (z.dtype() != DType::F32 || s.size() != 4 || s[0] <= 0 || s[1] != in_ch_)
    fail(ErrorKind::InvalidArgument, "flow z",
         "expected f32 [n, " + std::to_string(in_ch_) + ", H, W], got " + shape_str(s));
  const int64_t n = s[0];
  if (t_emb.shape() != std::vector<int64_t>{n, hidden_})
    fail(ErrorKind::InvalidArgument, "flow t_emb",
         "expected [" + std::to_string(n) + ", " + std::to_string(hidden_) + "], got " +
             shape_str(t_emb.shape()));
  const int64_t ho = ops::conv2d_out_size(in_conv_, s[2]), wo = ops::conv2d_out_size(in_conv_, s[3]);
  Tensor x = Tensor::f32({n, ch_, ho, wo}, "x_emb");
  ops::conv2d(c, in_conv_, z.f(), n, s[2], s[3], x.f());
  if (dump) dump("gen_enc.in_conv", x);
  const Tensor cond = silu_of(c, t_emb);
  for (size_t j = 0; j < blocks_.size(); ++j) {
    blocks_[j].forward(c, x, cond);
    if (dump) dump("gen_enc.block." + std::to_string(j), x);
  }
  return x;
}

// ------------------------------------------------------------------ decoder

UViTDecoder::UViTDecoder(const TensorStore& w, const UViTDecoderConfig& cfg, int64_t hidden,
                         const std::string& p) {
  const std::string where = "config.json vision_gen_dec_config.params";
  require(!cfg.block_out_channels.empty(), where, "block_out_channels is empty");
  require(cfg.hidden_size == hidden, where,
          "hidden_size " + std::to_string(cfg.hidden_size) + " != language hidden_size " +
              std::to_string(hidden));
  // JanusFlow has one Unpatchify; more would chain out_convs at growing resolutions (unused upstream).
  require(cfg.upsamples == 1, where, "upsamples " + std::to_string(cfg.upsamples) + " (only 1 is supported)");
  require(cfg.in_channels > 0 && cfg.out_channels > 0 && cfg.block_out_channels.back() > 0 &&
              cfg.layers_in_middle >= 0,
          where, "channel counts must be positive");
  in_ch_ = cfg.in_channels;
  skip_ch_ = cfg.block_out_channels.back();
  out_ch_ = cfg.out_channels;
  hidden_ = hidden;
  eps_ = float(cfg.norm_eps);
  const int64_t M = in_ch_ + skip_ch_;
  input_norm_ = &bind(w, p + "input_norm.weight", {in_ch_});
  if (cfg.use_mid_block)
    for (int64_t j = 0; j < cfg.layers_in_middle; ++j)
      blocks_.emplace_back(w, p + "mid_block.res_blocks." + std::to_string(j) + ".", M, hidden, cfg.use_bias,
                           eps_);
  out_norm_ = &bind(w, p + "out_convs.0.norm.weight", {M});
  const int64_t r = 2;  // Unpatchify patch_size
  unpatch_ = ops::make_conv2d(
      bind(w, p + "out_convs.0.unpatch_conv.weight", {out_ch_ * r * r, M, 1, 1}),
      bind_bias(w, cfg.use_bias, p + "out_convs.0.unpatch_conv.bias", out_ch_ * r * r), 1, 0);
}

Tensor UViTDecoder::forward(const ops::Context& c, const Tensor& x, const Tensor& skip, const Tensor& t_emb,
                            const DumpFn& dump) const {
  const auto& s = x.shape();
  if (x.dtype() != DType::F32 || s.size() != 4 || s[0] <= 0 || s[1] != in_ch_)
    fail(ErrorKind::InvalidArgument, "flow decoder input",
         "expected f32 [n, " + std::to_string(in_ch_) + ", h, w], got " + shape_str(s));
  const int64_t n = s[0], h = s[2], w = s[3], hw = h * w, M = in_ch_ + skip_ch_;
  if (skip.shape() != std::vector<int64_t>{n, skip_ch_, h, w})
    fail(ErrorKind::InvalidArgument, "flow skip",
         "expected " + shape_str({n, skip_ch_, h, w}) + ", got " + shape_str(skip.shape()));
  if (t_emb.shape() != std::vector<int64_t>{n, hidden_})
    fail(ErrorKind::InvalidArgument, "flow t_emb",
         "expected [" + std::to_string(n) + ", " + std::to_string(hidden_) + "], got " +
             shape_str(t_emb.shape()));
  // cat([input_norm(x), skip], dim=1)
  Tensor y = Tensor::f32({n, M, h, w});
  Tensor normed = Tensor::f32({n, in_ch_, h, w});
  channel_rms_norm(c, x.f(), n, in_ch_, hw, *input_norm_, eps_, normed.f());
  for (int64_t b = 0; b < n; ++b) {
    std::memcpy(y.f() + b * M * hw, normed.f() + b * in_ch_ * hw, size_t(in_ch_ * hw) * sizeof(float));
    std::memcpy(y.f() + (b * M + in_ch_) * hw, skip.f() + b * skip_ch_ * hw,
                size_t(skip_ch_ * hw) * sizeof(float));
  }
  const Tensor cond = silu_of(c, t_emb);
  for (size_t j = 0; j < blocks_.size(); ++j) {
    blocks_[j].forward(c, y, cond);
    if (dump) dump("gen_dec.block." + std::to_string(j), y);
  }
  // Unpatchify: RMSNorm over channels -> 1x1 conv -> PixelShuffle(2)
  channel_rms_norm(c, y.f(), n, M, hw, *out_norm_, eps_, y.f());
  Tensor u = Tensor::f32({n, out_ch_ * 4, h, w});
  ops::conv2d(c, unpatch_, y.f(), n, h, w, u.f());
  Tensor v = Tensor::f32({n, out_ch_, 2 * h, 2 * w}, "velocity");
  ops::pixel_shuffle(u.f(), n, out_ch_, h, w, 2, v.f());
  return v;
}

}  // namespace janus
