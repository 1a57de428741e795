// VQ-16 decode, op by op in the order (and with the rounding points) of modules.py `VQDecoder`.
#include "models/vq_decoder.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace janus {

namespace {

constexpr int64_t kGroups = 32;  // vq_model.Normalize: GroupNorm(32, C, eps=1e-6)
constexpr float kEps = 1e-6f;

const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape) {
  const TensorView& t = w.get(name);
  if (t.shape != shape)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  return t;
}

ops::Conv2d bind_conv(const TensorStore& w, const std::string& name, int64_t out, int64_t in, int64_t k) {
  return ops::make_conv2d(bind(w, name + ".weight", {out, in, k, k}), &bind(w, name + ".bias", {out}), 1,
                          k / 2);
}

inline float rb(const ops::Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

}  // namespace

VqDecoder::VqDecoder(const TensorStore& w, const ArchDims& dims, const std::string& prefix) {
  const auto& mult = dims.vq_ch_mult;
  const int64_t ch = dims.vq_ch, nres = dims.vq_enc_res_blocks + 1;  // the decoder has one more
  if (mult.empty() || mult.size() > 8 || ch <= 0 || dims.vq_z <= 0 || nres <= 0)
    fail(ErrorKind::Model, prefix + "decoder", "inconsistent VQ dims");
  for (int64_t m : mult)
    if (m <= 0 || m > 64 || (ch * m) % kGroups != 0)
      fail(ErrorKind::Model, prefix + "decoder",
           "VQ channels " + std::to_string(ch) + "x" + std::to_string(m) + " do not split into 32 groups");
  codebook_ = &w.get(prefix + "quantize.embedding.weight");
  if (codebook_->shape.size() != 2 || codebook_->shape[0] <= 0 || codebook_->shape[1] <= 0)
    fail(ErrorKind::Model, codebook_->name, "codebook must be [K, e], is " + shape_str(codebook_->shape));
  z_ = dims.vq_z;
  e_ = codebook_->shape[1];
  const std::string d = prefix + "decoder.";
  post_quant_ = bind_conv(w, prefix + "post_quant_conv", z_, e_, 1);

  auto res = [&](const std::string& p, int64_t cin, int64_t cout) {
    Res r;
    r.cin = cin, r.cout = cout;
    r.n1w = &bind(w, p + "norm1.weight", {cin}), r.n1b = &bind(w, p + "norm1.bias", {cin});
    r.n2w = &bind(w, p + "norm2.weight", {cout}), r.n2b = &bind(w, p + "norm2.bias", {cout});
    r.conv1 = bind_conv(w, p + "conv1", cout, cin, 3);
    r.conv2 = bind_conv(w, p + "conv2", cout, cout, 3);
    if (cin != cout) r.nin = bind_conv(w, p + "nin_shortcut", cout, cin, 1);
    return r;
  };
  auto attn = [&](const std::string& p, int64_t c) {
    Attn a;
    a.ch = c;
    a.nw = &bind(w, p + "norm.weight", {c}), a.nb = &bind(w, p + "norm.bias", {c});
    a.q = bind_conv(w, p + "q", c, c, 1), a.k = bind_conv(w, p + "k", c, c, 1);
    a.v = bind_conv(w, p + "v", c, c, 1), a.proj = bind_conv(w, p + "proj_out", c, c, 1);
    return a;
  };

  int64_t block_in = ch * mult.back();
  conv_in_ = bind_conv(w, d + "conv_in", block_in, z_, 3);
  mid0_ = res(d + "mid.0.", block_in, block_in);
  mid1_ = attn(d + "mid.1.", block_in);
  mid2_ = res(d + "mid.2.", block_in, block_in);
  const int64_t L = int64_t(mult.size());
  for (int64_t k = 0; k < L; ++k) {
    const int64_t level = L - 1 - k;  // conv_blocks run from the coarsest level
    const std::string cb = d + "conv_blocks." + std::to_string(k) + ".";
    const int64_t block_out = ch * mult[size_t(level)];
    Level lv;
    for (int64_t r = 0; r < nres; ++r) {
      lv.res.push_back(res(cb + "res." + std::to_string(r) + ".", block_in, block_out));
      block_in = block_out;
      if (level == L - 1) lv.attn.push_back(attn(cb + "attn." + std::to_string(r) + ".", block_in));
    }
    if (level != 0) {
      lv.upsample = true;
      lv.up = bind_conv(w, cb + "upsample.conv", block_in, block_in, 3);
    }
    levels_.push_back(std::move(lv));
  }
  norm_out_w_ = &bind(w, d + "norm_out.weight", {block_in});
  norm_out_b_ = &bind(w, d + "norm_out.bias", {block_in});
  conv_out_ = bind_conv(w, d + "conv_out", 3, block_in, 3);
}

Tensor VqDecoder::conv(const ops::Context& c, const ops::Conv2d& k, const Tensor& x, int64_t h,
                       int64_t w) const {
  Tensor y = Tensor::f32({k.out, h, w});  // stride 1, "same" padding
  ops::conv2d(c, k, x.f(), 1, h, w, y.f());
  return y;
}

Tensor VqDecoder::res_block(const ops::Context& c, const Res& r, const Tensor& x, int64_t h,
                            int64_t w) const {
  const int64_t hw = h * w;
  Tensor t = Tensor::f32({r.cin, h, w});
  ops::group_norm(c, x.f(), 1, r.cin, hw, kGroups, *r.n1w, *r.n1b, kEps, t.f());
  ops::swish(c, t.f(), t.numel());
  Tensor h1 = conv(c, r.conv1, t, h, w);  // [cout, h, w]
  ops::group_norm(c, h1.f(), 1, r.cout, hw, kGroups, *r.n2w, *r.n2b, kEps, h1.f());
  ops::swish(c, h1.f(), h1.numel());
  Tensor h2 = conv(c, r.conv2, h1, h, w);
  if (r.nin.weight) {
    Tensor s = conv(c, r.nin, x, h, w);
    ops::add(c, s.f(), h2.f(), h2.numel(), h2.f());
  } else {
    ops::add(c, x.f(), h2.f(), h2.numel(), h2.f());
  }
  return h2;
}

Tensor VqDecoder::attn_block(const ops::Context& c, const Attn& a, const Tensor& x, int64_t h,
                             int64_t w) const {
  const int64_t C = a.ch, HW = h * w;
  Tensor t = Tensor::f32({C, h, w});
  ops::group_norm(c, x.f(), 1, C, HW, kGroups, *a.nw, *a.nb, kEps, t.f());
  Tensor q = conv(c, a.q, t, h, w), k = conv(c, a.k, t, h, w), v = conv(c, a.v, t, h, w);  // [C, HW]
  Tensor s = Tensor::f32({HW, HW});  // scores [query, key] = qᵀ·k
  ops::matmul(c, q.f(), true, k.f(), false, HW, HW, C, s.f());
  ops::scale(c, s.f(), s.numel(), float(std::pow(double(C), -0.5)));
  ops::softmax_rows(c, s.f(), HW, HW);
  Tensor o = Tensor::f32({C, h, w});  // o[c, i] = Σ_j v[c, j]·p[i, j]
  ops::matmul(c, v.f(), false, s.f(), true, C, HW, HW, o.f());
  Tensor p = conv(c, a.proj, o, h, w);
  ops::add(c, x.f(), p.f(), p.numel(), p.f());
  return p;
}

Tensor VqDecoder::decode(const ops::Context& c, const int32_t* codes, int64_t n, int64_t grid,
                         const DumpFn& dump) const {
  if (n <= 0 || n > 64 || grid <= 0 || grid > 256)
    fail(ErrorKind::InvalidArgument, "vq codes",
         "expected 1..64 images of a 1..256 square grid, got n=" + std::to_string(n) +
             " grid=" + std::to_string(grid));
  const int64_t K = codebook_size(), S = grid * upscale(), P = grid * grid;
  for (int64_t i = 0; i < n * P; ++i)
    if (codes[i] < 0 || codes[i] >= K)
      fail(ErrorKind::InvalidArgument, "vq codes",
           "code " + std::to_string(codes[i]) + " at " + std::to_string(i) + " is outside the codebook [0, " +
               std::to_string(K) + ")");
  Tensor out = Tensor::f32({n, 3, S, S}, "decoded");
  std::vector<double> row(static_cast<size_t>(e_));
  for (int64_t b = 0; b < n; ++b) {
    // F.normalize(embedding, dim=-1) rows, gathered and laid out channels-first: z [e, g, g].
    Tensor z = Tensor::f32({e_, grid, grid});
    for (int64_t p = 0; p < P; ++p) {
      const int64_t id = codes[b * P + p];
      double ss = 0;
      for (int64_t j = 0; j < e_; ++j) {
        row[size_t(j)] = ops::weight_at(*codebook_, id * e_ + j);
        ss += row[size_t(j)] * row[size_t(j)];
      }
      const float norm = std::max(rb(c, float(std::sqrt(ss))), 1e-12f);
      for (int64_t j = 0; j < e_; ++j) z.f()[j * P + p] = rb(c, float(row[size_t(j)]) / norm);
    }
    int64_t h = grid;
    auto put = [&](const char* name, const Tensor& t) {
      if (dump && b == 0) dump(name, t.reshaped({1, t.dim(0), h, h}));
    };
    put("vq_quant", z);
    Tensor x = conv(c, post_quant_, z, h, h);
    put("vq_post_quant", x);
    x = conv(c, conv_in_, x, h, h);
    put("vq_conv_in", x);
    x = res_block(c, mid0_, x, h, h);
    put("vq_mid.0", x);
    x = attn_block(c, mid1_, x, h, h);
    put("vq_mid.1", x);
    x = res_block(c, mid2_, x, h, h);
    put("vq_mid", x);
    for (const Level& lv : levels_) {
      for (size_t r = 0; r < lv.res.size(); ++r) {
        x = res_block(c, lv.res[r], x, h, h);
        if (!lv.attn.empty()) x = attn_block(c, lv.attn[r], x, h, h);
      }
      if (lv.upsample) {
        Tensor u = Tensor::f32({x.dim(0), 2 * h, 2 * h});
        ops::upsample_nearest2x(c, x.f(), x.dim(0), h, h, u.f());
        h *= 2;
        x = conv(c, lv.up, u, h, h);
      }
    }
    ops::group_norm(c, x.f(), 1, x.dim(0), h * h, kGroups, *norm_out_w_, *norm_out_b_, kEps, x.f());
    ops::swish(c, x.f(), x.numel());
    ops::conv2d(c, conv_out_, x.f(), 1, h, h, out.f() + b * 3 * S * S);
  }
  return out;
}

std::vector<uint8_t> to_uint8_hwc(const Tensor& decoded, int64_t index) {
  const auto& s = decoded.shape();
  if (decoded.dtype() != DType::F32 || s.size() != 4 || s[1] != 3 || index < 0 || index >= s[0])
    fail(ErrorKind::InvalidArgument, "decoded",
         "expected f32 [n, 3, H, W] and an image index below n, got " + shape_str(s) + " index " +
             std::to_string(index));
  const int64_t H = s[2], W = s[3];
  const float* x = decoded.f() + index * 3 * H * W;
  std::vector<uint8_t> img(size_t(H * W * 3));
  for (int64_t ch = 0; ch < 3; ++ch)
    for (int64_t i = 0; i < H * W; ++i) {
      // (x + 1) / 2 * 255 as f32 ops, clip, then numpy's truncating float -> uint8 assignment.
      float v = (x[ch * H * W + i] + 1.0f) / 2.0f * 255.0f;
      v = std::isnan(v) ? 0.0f : std::min(std::max(v, 0.0f), 255.0f);
      img[size_t(i * 3 + ch)] = uint8_t(v);
    }
  return img;
}

}  // namespace janus
