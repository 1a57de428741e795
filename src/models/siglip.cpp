// SigLIP tower forward pass, op by op in the order (and with the rounding points) of the official
// bf16 run: tools/reference/modules.py `SigLIP` is the executable statement of it.
#include "models/siglip.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace janus {

namespace {

// The tensor `name` with exactly `shape`, or Error(Model) naming it.
const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape) {
  const TensorView& t = w.get(name);
  if (t.shape != shape)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  return t;
}

ops::Linear bind_linear(const TensorStore& w, const std::string& name, int64_t out, int64_t in) {
  return ops::make_linear(bind(w, name + ".weight", {out, in}), &bind(w, name + ".bias", {out}));
}

Tensor copy_of(const Tensor& t) {
  Tensor c(t.dtype(), t.shape(), t.name());
  if (t.nbytes()) std::memcpy(c.data<uint8_t>(), t.data<uint8_t>(), t.nbytes());
  return c;
}

}  // namespace

SiglipTower::SiglipTower(const TensorStore& w, const std::string& prefix, const ArchDims& dims)
    : prefix_(prefix),
      width_(dims.vit_width),
      patch_size_(dims.vit_patch),
      heads_(dims.vit_heads),
      mlp_(dims.vit_mlp) {
  if (width_ <= 0 || heads_ <= 0 || width_ % heads_ != 0 || patch_size_ <= 0 || mlp_ <= 0)
    fail(ErrorKind::Model, prefix, "inconsistent SigLIP dims");
  pos_embed_ = &w.get(prefix + "pos_embed");
  if (pos_embed_->shape.size() != 3 || pos_embed_->shape[0] != 1 || pos_embed_->shape[2] != width_)
    fail(ErrorKind::Model, pos_embed_->name,
         "shape " + shape_str(pos_embed_->shape) + ", expected [1, tokens, " + std::to_string(width_) + "]");
  tokens_ = pos_embed_->shape[1];

  const int64_t p = patch_size_;
  const TensorView& conv = bind(w, prefix + "patch_embed.proj.weight", {width_, 3, p, p});
  auto w2d = std::make_shared<TensorView>(conv);
  w2d->shape = {width_, 3 * p * p};  // same bytes: the (c, ky, kx) flattening patchify produces
  patch_w2d_ = w2d;
  patch_ = ops::make_linear(*patch_w2d_, nullptr);
  patch_b_ = &bind(w, prefix + "patch_embed.proj.bias", {width_});

  for (int64_t i = 0; i < dims.vit_blocks_used; ++i) {
    const std::string b = prefix + "blocks." + std::to_string(i) + ".";
    blocks_.push_back(Block{
        &bind(w, b + "norm1.weight", {width_}), &bind(w, b + "norm1.bias", {width_}),
        &bind(w, b + "norm2.weight", {width_}), &bind(w, b + "norm2.bias", {width_}),
        bind_linear(w, b + "attn.qkv", 3 * width_, width_), bind_linear(w, b + "attn.proj", width_, width_),
        bind_linear(w, b + "mlp.fc1", mlp_, width_), bind_linear(w, b + "mlp.fc2", width_, mlp_)});
  }
  norm_w_ = &bind(w, prefix + "norm.weight", {width_});
  norm_b_ = &bind(w, prefix + "norm.bias", {width_});
}

Tensor SiglipTower::forward(const ops::Context& c, const Tensor& pixels, const DumpFn& dump) const {
  const auto& s = pixels.shape();
  const int64_t p = patch_size_;
  if (pixels.dtype() != DType::F32 || s.size() != 4 || s[0] <= 0 || s[1] != 3 || s[2] != s[3] ||
      s[2] % p != 0 || (s[2] / p) * (s[3] / p) != tokens_)
    fail(ErrorKind::InvalidArgument, "pixel_values",
         "expected f32 [n, 3, S, S] with (S/" + std::to_string(p) + ")² = " + std::to_string(tokens_) +
             " patches, got " + shape_str(s));
  const int64_t n = s[0], S = s[2], N = tokens_, W = width_, R = n * N;
  const int64_t hd = W / heads_;

  // Patch embedding: conv result rounded, then the bias add rounded, then + pos_embed (rounded).
  Tensor x = Tensor::f32({n, N, W});
  {
    std::vector<float> img(size_t(3 * S * S)), patches(size_t(N * 3 * p * p));
    std::vector<float> pos(size_t(N * W));
    for (int64_t i = 0; i < N * W; ++i) pos[size_t(i)] = ops::weight_at(*pos_embed_, i);
    if (c.bf16()) ops::round_bf16(pos.data(), N * W);  // a weight as the bf16 model holds it
    for (int64_t b = 0; b < n; ++b) {
      std::memcpy(img.data(), pixels.f() + b * 3 * S * S, img.size() * sizeof(float));
      if (c.bf16()) ops::round_bf16(img.data(), 3 * S * S);  // pixel_values.to(bfloat16)
      ops::patchify(img.data(), 3, S, S, p, patches.data());
      ops::linear(c, patch_, patches.data(), N, x.f() + b * N * W);
    }
    ops::add_bias(c, x.f(), R, *patch_b_);
    for (int64_t b = 0; b < n; ++b) ops::add(c, x.f() + b * N * W, pos.data(), N * W, x.f() + b * N * W);
  }

  Tensor h = Tensor::f32({R, W}), qkv = Tensor::f32({R, 3 * W}), o = Tensor::f32({R, W});
  Tensor t = Tensor::f32({R, W}), mlp = Tensor::f32({R, mlp_});
  std::vector<float> q(size_t(N * W)), k(size_t(N * W)), v(size_t(N * W));
  const float scale = float(std::pow(double(hd), -0.5));  // Python `hd ** -0.5`, used as an f32 scalar
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& bl = blocks_[i];
    ops::layer_norm(c, x.f(), R, W, *bl.norm1_w, bl.norm1_b, 1e-6f, h.f());
    ops::linear(c, bl.qkv, h.f(), R, qkv.f());
    for (int64_t b = 0; b < n; ++b) {
      // qkv row = [3][heads][hd]: split into contiguous q, k, v [N, heads, hd].
      for (int64_t j = 0; j < N; ++j) {
        const float* r = qkv.f() + (b * N + j) * 3 * W;
        std::memcpy(q.data() + j * W, r, size_t(W) * sizeof(float));
        std::memcpy(k.data() + j * W, r + W, size_t(W) * sizeof(float));
        std::memcpy(v.data() + j * W, r + 2 * W, size_t(W) * sizeof(float));
      }
      ops::attention(c, ops::AttentionKind::Fused, q.data(), N, k.data(), v.data(), N, heads_, heads_, hd,
                     scale, false, o.f() + b * N * W);
    }
    ops::linear(c, bl.proj, o.f(), R, t.f());
    ops::add(c, x.f(), t.f(), R * W, x.f());
    ops::layer_norm(c, x.f(), R, W, *bl.norm2_w, bl.norm2_b, 1e-6f, h.f());
    ops::linear(c, bl.fc1, h.f(), R, mlp.f());
    ops::gelu_erf(c, mlp.f(), R * mlp_);
    ops::linear(c, bl.fc2, mlp.f(), R, t.f());
    ops::add(c, x.f(), t.f(), R * W, x.f());
    if (dump) dump(prefix_ + "blocks." + std::to_string(i), copy_of(x));
  }
  Tensor out = Tensor::f32({n, N, W});
  ops::layer_norm(c, x.f(), R, W, *norm_w_, norm_b_, 1e-6f, out.f());
  return out;
}

}  // namespace janus
