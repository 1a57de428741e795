// JanusFlow UViT ops against plain definitions written here from the formulas (spec janusflow.md §7.2):
// depthwise conv (reference and fast path, both precisions), PixelShuffle, layout transposes, GRN with its
// bf16 rounding points, FiLM.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ops/ops.h"
#include "core/thread_pool.h"
#include "ops_test_util.h"

using namespace janus;
using namespace janus::test;

namespace {

// Runs f; expects a janus::Error of `kind` whose message names `what`.
template <class F>
void expect_error_kind(F f, ErrorKind kind, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no error thrown for " << what;
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(kind)) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

float r16(float v) {
  return bf16_to_f32(f32_to_bf16(v));
}

ops::Context ctx(ops::Precision p, bool reference, ThreadPool* pool = nullptr) {
  ops::Context c;
  c.pool = pool;
  c.precision = p;
  c.reference = reference;
  return c;
}

// Depthwise conv by definition: zero padding k/2, double sums, then the bias as a separate (rounded) add.
std::vector<float> dw_plain(const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>* b, int64_t n, int64_t ch, int64_t h, int64_t wd,
                            int64_t k, bool bf16) {
  std::vector<float> y(x.size());
  const int64_t p = k / 2;
  auto at = [&](int64_t pl, int64_t iy, int64_t ix) {
    return (iy < 0 || iy >= h || ix < 0 || ix >= wd) ? 0.0 : double(x[size_t((pl * h + iy) * wd + ix)]);
  };
  for (int64_t pl = 0; pl < n * ch; ++pl)
    for (int64_t oy = 0; oy < h; ++oy)
      for (int64_t ox = 0; ox < wd; ++ox) {
        double s = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx)
            s += at(pl, oy + ky - p, ox + kx - p) * double(w[size_t(((pl % ch) * k + ky) * k + kx)]);
        float v = bf16 ? r16(float(s)) : float(s);
        if (b) v = bf16 ? r16(v + (*b)[size_t(pl % ch)]) : v + (*b)[size_t(pl % ch)];
        y[size_t((pl * h + oy) * wd + ox)] = v;
      }
  return y;
}

}  // namespace

TEST(ConvNeXtOps, DepthwiseMatchesDefinition) {
  ThreadPool pool(2);
  struct S {
    int64_t n, ch, h, w, k;
    bool bias;
  };
  for (const S& s :
       {S{2, 3, 24, 24, 7, true}, S{1, 5, 5, 9, 7, false}, S{1, 4, 6, 3, 3, true}, S{3, 2, 1, 1, 7, true}}) {
    const int64_t numel = s.n * s.ch * s.h * s.w;
    auto xi = randint(size_t(numel), 1, 7);
    auto wi = randint(size_t(s.ch * s.k * s.k), 2, 3);
    auto bi = randint(size_t(s.ch), 3, 5);
    auto W = make_weight(DType::BF16, {s.ch, 1, s.k, s.k}, wi);
    auto B = make_weight(DType::BF16, {s.ch}, bi, "b");
    ops::DepthwiseConv2d k = ops::make_depthwise_conv2d(W.view, s.bias ? &B.view : nullptr);
    for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
      const bool bf = p == ops::Precision::BF16;
      // Integer data: every sum is exact, so both paths must equal the definition bit for bit.
      auto want = dw_plain(xi, wi, s.bias ? &bi : nullptr, s.n, s.ch, s.h, s.w, s.k, bf);
      for (bool ref : {true, false}) {
        std::vector<float> y(static_cast<size_t>(numel));
        ops::depthwise_conv2d(ctx(p, ref, &pool), k, xi.data(), s.n, s.h, s.w, y.data());
        EXPECT_EQ(y, want) << "k" << s.k << (ref ? " reference" : " fast") << (bf ? " bf16" : " f32");
      }
      // Random data: the reference (double sums) equals the definition; the fast path (f32 sums) is close.
      auto xr = randn(size_t(numel), 4);
      auto wr = randn(size_t(s.ch * s.k * s.k), 5, 0.3f);
      for (auto& v : wr) v = r16(v);
      auto W2 = make_weight(DType::BF16, {s.ch, 1, s.k, s.k}, wr);
      ops::DepthwiseConv2d k2 = ops::make_depthwise_conv2d(W2.view, s.bias ? &B.view : nullptr);
      auto want2 = dw_plain(xr, wr, s.bias ? &bi : nullptr, s.n, s.ch, s.h, s.w, s.k, bf);
      std::vector<float> yr(static_cast<size_t>(numel)), yf(static_cast<size_t>(numel));
      ops::depthwise_conv2d(ctx(p, true), k2, xr.data(), s.n, s.h, s.w, yr.data());
      ops::depthwise_conv2d(ctx(p, false, &pool), k2, xr.data(), s.n, s.h, s.w, yf.data());
      EXPECT_EQ(yr, want2);
      for (size_t i = 0; i < yf.size(); ++i)
        ASSERT_NEAR(yf[i], want2[i], (bf ? 8e-3f : 2e-6f) * (1.0f + std::abs(want2[i]))) << i;
    }
  }
}

TEST(ConvNeXtOps, DepthwiseRejectsBadShapes) {
  auto even = make_weight(DType::BF16, {4, 1, 6, 6}, std::vector<float>(144, 1.0f), "dw.even");
  expect_error_kind([&] { ops::make_depthwise_conv2d(even.view, nullptr); }, ErrorKind::Model, "dw.even");
  auto grouped = make_weight(DType::BF16, {4, 2, 7, 7}, std::vector<float>(392, 1.0f), "dw.grouped");
  expect_error_kind([&] { ops::make_depthwise_conv2d(grouped.view, nullptr); }, ErrorKind::Model,
                    "dw.grouped");
  auto ok = make_weight(DType::BF16, {4, 1, 7, 7}, std::vector<float>(196, 1.0f));
  auto bias = make_weight(DType::BF16, {3}, {1, 2, 3}, "dw.bias");
  expect_error_kind([&] { ops::make_depthwise_conv2d(ok.view, &bias.view); }, ErrorKind::Model, "dw.bias");
}

TEST(ConvNeXtOps, PixelShuffleAndTransposes) {
  for (int64_t r : {2, 3}) {
    const int64_t n = 2, ch = 3, h = 4, w = 5;
    std::vector<float> x(size_t(n * ch * r * r * h * w)), y(x.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
    ops::pixel_shuffle(x.data(), n, ch, h, w, r, y.data());
    for (int64_t b = 0; b < n; ++b)
      for (int64_t c = 0; c < ch; ++c)
        for (int64_t Y = 0; Y < h * r; ++Y)
          for (int64_t X = 0; X < w * r; ++X) {
            // torch: view [n, ch, r, r, h, w] -> permute (0, 1, 4, 2, 5, 3) -> [n, ch, h·r, w·r]
            const int64_t i = Y / r, a = Y % r, j = X / r, d = X % r;
            const float want = x[size_t((((b * ch + c) * r + a) * r + d) * h * w + i * w + j)];
            ASSERT_EQ(y[size_t(((b * ch + c) * h * r + Y) * w * r + X)], want)
                << r << " " << b << c << Y << X;
          }
  }
  const int64_t n = 2, ch = 5, hw = 7;
  auto x = randn(size_t(n * ch * hw), 9);
  std::vector<float> t(x.size()), back(x.size());
  ops::nchw_to_nhwc(x.data(), n, ch, hw, t.data());
  EXPECT_EQ(t[size_t((1 * hw + 3) * ch + 2)], x[size_t((1 * ch + 2) * hw + 3)]);
  ops::nhwc_to_nchw(t.data(), n, hw, ch, back.data());
  EXPECT_EQ(back, x);
}

TEST(ConvNeXtOps, GrnMatchesDefinition) {
  ThreadPool pool(2);
  const int64_t n = 2, hw = 37, dim = 24;
  auto x = randn(size_t(n * hw * dim), 11);
  for (auto& v : x) v = r16(v);
  auto gv = randn(size_t(dim), 12, 0.5f), bv = randn(size_t(dim), 13, 0.5f);
  auto gamma = make_weight(DType::BF16, {1, 1, 1, dim}, gv, "grn.weight");
  auto beta = make_weight(DType::BF16, {1, 1, 1, dim}, bv, "grn.bias");
  for (auto& v : gv) v = r16(v);
  for (auto& v : bv) v = r16(v);
  for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
    const bool bf = p == ops::Precision::BF16;
    auto R = [&](float v) { return bf ? r16(v) : v; };
    std::vector<float> want(x.size());
    for (int64_t b = 0; b < n; ++b) {
      std::vector<float> g(static_cast<size_t>(dim));
      double mean = 0;
      for (int64_t d = 0; d < dim; ++d) {
        double s = 0;
        for (int64_t q = 0; q < hw; ++q)
          s += double(x[size_t((b * hw + q) * dim + d)]) * x[size_t((b * hw + q) * dim + d)];
        g[size_t(d)] = R(float(std::sqrt(s)));
        mean += g[size_t(d)];
      }
      const float den = R(R(float(mean / dim)) + 1e-6f);
      for (int64_t d = 0; d < dim; ++d) {
        const float a = R(R(gv[size_t(d)] * R(g[size_t(d)] / den)) + 1.0f);
        for (int64_t q = 0; q < hw; ++q) {
          const size_t i = size_t((b * hw + q) * dim + d);
          want[i] = R(bv[size_t(d)] + a * x[i]);
        }
      }
    }
    std::vector<float> yr(x.size()), yf(x.size());
    ops::grn(ctx(p, true), x.data(), n, hw, dim, gamma.view, beta.view, yr.data());
    EXPECT_EQ(yr, want) << (bf ? "bf16" : "f32");
    std::vector<float> yf_inplace = x;  // y may alias x
    ops::grn(ctx(p, false, &pool), yf_inplace.data(), n, hw, dim, gamma.view, beta.view, yf_inplace.data());
    size_t off = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const float tol = bf ? std::abs(want[i]) * (1.0f / 64) + 1e-6f : 1e-5f * (1.0f + std::abs(want[i]));
      ASSERT_NEAR(yf_inplace[i], want[i], tol) << i;
      off += yf_inplace[i] != want[i];
    }
    // bf16: a different f32 summation order may flip a rounding of g, which moves a whole channel.
    if (bf) EXPECT_LT(off, want.size() / 10) << "fast GRN differs from the definition on too many elements";
  }
  // gamma = beta = 0 is the identity, whatever the statistics.
  auto zero = make_weight(DType::BF16, {dim}, std::vector<float>(size_t(dim), 0.0f), "z");
  std::vector<float> y(x.size());
  ops::grn(ctx(ops::Precision::BF16, false), x.data(), n, hw, dim, zero.view, zero.view, y.data());
  EXPECT_EQ(y, x);
  auto short_w = make_weight(DType::BF16, {dim - 1}, std::vector<float>(size_t(dim - 1), 0.0f), "grn.short");
  expect_error_kind(
      [&] {
        ops::grn(ctx(ops::Precision::F32, false), x.data(), n, hw, dim, short_w.view, zero.view, y.data());
      },
      ErrorKind::Model, "grn.short");
}

TEST(ConvNeXtOps, FilmMatchesDefinition) {
  const int64_t n = 2, ch = 3, hw = 10, ld = 2 * ch;
  auto x0 = randn(size_t(n * ch * hw), 21);
  for (auto& v : x0) v = r16(v);
  auto ss = randn(size_t(n * ld), 22, 0.7f);
  for (auto& v : ss) v = r16(v);
  for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
    const bool bf = p == ops::Precision::BF16;
    std::vector<float> x = x0;
    ops::film(ctx(p, false), x.data(), n, ch, hw, ss.data(), ss.data() + ch, ld);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t c = 0; c < ch; ++c)
        for (int64_t i = 0; i < hw; ++i) {
          const float sc = ss[size_t(b * ld + c)], sh = ss[size_t(b * ld + ch + c)];
          const float op = bf ? r16(1.0f + sc) : 1.0f + sc;
          const float v = x0[size_t((b * ch + c) * hw + i)];
          const float want = bf ? r16(sh + v * op) : sh + v * op;
          ASSERT_EQ(x[size_t((b * ch + c) * hw + i)], want);
        }
  }
}
