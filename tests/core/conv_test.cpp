// Image ops of the VQ decoder: conv2d fast paths vs the reference loops (exact on integers, within
// a summation-order bound on random data, at every ISA level), the reference against hand-computed
// values, GroupNorm against its closed form, swish / upsample / softmax / bmm properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/ops/conv_onednn.h"
#include "core/ops/cpu_features.h"
#include "core/ops/ops.h"
#include "core/thread_pool.h"
#include "ops_test_util.h"

using namespace janus;
using namespace janus::test;

namespace {

struct ConvShape {
  int64_t n, in, out, h, w, k, stride, pad;
};
// 1x1 (direct path), 3x3 pad 1 (VQ convs), odd sizes, no padding, stride 2, a tall image that
// splits into several row tiles, and one output row wider than a tile.
const ConvShape kConvShapes[] = {{1, 8, 5, 6, 7, 1, 1, 0},   {2, 3, 4, 7, 5, 3, 1, 1},
                                 {1, 5, 3, 9, 11, 3, 1, 0},  {1, 4, 6, 9, 8, 3, 2, 1},
                                 {1, 2, 3, 41, 13, 3, 1, 1}, {1, 3, 2, 3, 400, 3, 1, 1},
                                 {1, 16, 8, 12, 12, 1, 1, 0}};

std::string label(const ConvShape& s, ops::Precision p, const Path& path) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "n%ld in%ld out%ld %ldx%ld k%ld s%ld p%ld %s %s", long(s.n), long(s.in),
                long(s.out), long(s.h), long(s.w), long(s.k), long(s.stride), long(s.pad),
                p == ops::Precision::BF16 ? "bf16" : "f32", path_name(path).c_str());
  return buf;
}

int64_t out_size(int64_t in, const ConvShape& s) {
  return (in + 2 * s.pad - s.k) / s.stride + 1;
}

}  // namespace

TEST(OpsConv, ReferenceMatchesHandComputed) {
  // x = 1..9 in a 3x3 image, all-ones 3x3 kernel, pad 1, bias 0.5: each output is the sum of its
  // in-image 3x3 neighbourhood plus 0.5.
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto w = make_weight(DType::F32, {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  auto b = make_weight(DType::F32, {1}, {0.5f}, "b");
  ops::Conv2d k = ops::make_conv2d(w.view, &b.view, 1, 1);
  const std::vector<float> want = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
  for (bool reference : {true, false}) {
    std::vector<float> y(9);
    ops::conv2d(ops::Context{nullptr, ops::Precision::F32, reference}, k, x.data(), 1, 3, 3, y.data());
    EXPECT_EQ(y, want) << (reference ? "reference" : "fast");
  }
  // Stride 2, no padding, 2x2 kernel [[1,0],[0,-1]] on a 4x4 ramp: x[2i][2j] - x[2i+1][2j+1] = -5.
  std::vector<float> r(16);
  for (int i = 0; i < 16; ++i) r[size_t(i)] = float(i);
  auto w2 = make_weight(DType::BF16, {1, 1, 2, 2}, {1, 0, 0, -1});
  ops::Conv2d k2 = ops::make_conv2d(w2.view, nullptr, 2, 0);
  std::vector<float> y2(4);
  ops::conv2d(ops::Context{nullptr, ops::Precision::F32, true}, k2, r.data(), 1, 4, 4, y2.data());
  EXPECT_EQ(y2, std::vector<float>(4, -5.0f));
}

TEST(OpsConv, ExactOnIntegersEveryPath) {
  ThreadPool pool(2);
  for (const ConvShape& s : kConvShapes) {
    const int64_t ho = out_size(s.h, s), wo = out_size(s.w, s);
    auto x = randint(size_t(s.n * s.in * s.h * s.w), 11, 6);
    auto w =
        make_weight(DType::BF16, {s.out, s.in, s.k, s.k}, randint(size_t(s.out * s.in * s.k * s.k), 12, 6));
    auto b = make_weight(DType::BF16, {s.out}, randint(size_t(s.out), 13, 50), "b");
    ops::Conv2d k = ops::make_conv2d(w.view, &b.view, s.stride, s.pad);
    for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
      std::vector<float> ref(size_t(s.n * s.out * ho * wo)), got(ref.size());
      ops::conv2d(ops::Context{nullptr, p, true}, k, x.data(), s.n, s.h, s.w, ref.data());
      for (const Path& path : kernel_paths()) {
        UsePath use(path);
        std::fill(got.begin(), got.end(), NAN);
        ops::conv2d(ops::Context{&pool, p, false}, k, x.data(), s.n, s.h, s.w, got.data());
        for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(got[i], ref[i]) << label(s, p, path) << " at " << i;
      }
    }
  }
}

// |fast - ref| <= (K+2)·u·Σ|x·w| for any f32 summation order (u = 2^-24, the reference sums in
// double), plus |y|·u for the bias add. BF16 mode: one bf16 ulp more (the two pre-rounding values
// may straddle a rounding boundary, and the bias add rounds again).
TEST(OpsConv, RandomWithinSummationBound) {
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  for (const ConvShape& s : kConvShapes) {
    const int64_t ho = out_size(s.h, s), wo = out_size(s.w, s), K = s.in * s.k * s.k;
    auto x = randn(size_t(s.n * s.in * s.h * s.w), 21);
    for (auto& v : x) v = bf16_to_f32(f32_to_bf16(v));  // bf16-mode inputs are bf16 values
    auto wv = randn(size_t(s.out * K), 22, 0.3f);
    auto w = make_weight(DType::BF16, {s.out, s.in, s.k, s.k}, wv);
    auto b = make_weight(DType::BF16, {s.out}, randn(size_t(s.out), 23), "b");
    ops::Conv2d k = ops::make_conv2d(w.view, &b.view, s.stride, s.pad);
    // Σ|x·w| per output, via the reference on |x| and |w|.
    std::vector<float> ax(x.size()), aw(wv.size());
    for (size_t i = 0; i < x.size(); ++i) ax[i] = std::abs(x[i]);
    for (size_t i = 0; i < wv.size(); ++i) aw[i] = std::abs(ops::weight_at(w.view, int64_t(i)));
    auto wabs = make_weight(DType::F32, {s.out, s.in, s.k, s.k}, aw);
    std::vector<float> mag(size_t(s.n * s.out * ho * wo));
    ops::conv2d(ops::Context{nullptr, ops::Precision::F32, true},
                ops::make_conv2d(wabs.view, nullptr, s.stride, s.pad), ax.data(), s.n, s.h, s.w, mag.data());
    for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
      std::vector<float> ref(mag.size()), got(mag.size());
      ops::conv2d(ops::Context{nullptr, p, true}, k, x.data(), s.n, s.h, s.w, ref.data());
      for (const Path& path : kernel_paths()) {
        UsePath use(path);
        ops::conv2d(ops::Context{&pool, p, false}, k, x.data(), s.n, s.h, s.w, got.data());
        for (size_t i = 0; i < ref.size(); ++i) {
          double tol = double(K + 2) * u * mag[i] + std::abs(ref[i]) * u;
          if (p == ops::Precision::BF16) {
            tol += std::abs(ref[i]) * std::ldexp(1.0, -7);
            ASSERT_TRUE(is_bf16_value(got[i])) << label(s, p, path);
          }
          ASSERT_NEAR(got[i], ref[i], tol) << label(s, p, path) << " at " << i;
        }
      }
    }
  }
}

TEST(OpsConv, SameBitsForOneAndTwoThreads) {
  ThreadPool pool(2);
  const ConvShape s{2, 6, 7, 37, 29, 3, 1, 1};
  auto x = randn(size_t(s.n * s.in * s.h * s.w), 31);
  auto w = make_weight(DType::BF16, {s.out, s.in, 3, 3}, randn(size_t(s.out * s.in * 9), 32));
  ops::Conv2d k = ops::make_conv2d(w.view, nullptr, 1, 1);
  std::vector<float> a(size_t(s.n * s.out * s.h * s.w)), b(a.size());
  ops::conv2d(ops::Context{nullptr, ops::Precision::F32, false}, k, x.data(), s.n, s.h, s.w, a.data());
  ops::conv2d(ops::Context{&pool, ops::Precision::F32, false}, k, x.data(), s.n, s.h, s.w, b.data());
  EXPECT_EQ(a, b);
}

TEST(OpsConv, BadShapesAreErrors) {
  auto w3 = make_weight(DType::BF16, {2, 3, 3}, std::vector<float>(18, 1.0f));
  EXPECT_THROW(ops::make_conv2d(w3.view, nullptr, 1, 1), Error);
  auto w = make_weight(DType::BF16, {2, 3, 3, 3}, std::vector<float>(54, 1.0f));
  auto b = make_weight(DType::BF16, {3}, std::vector<float>(3, 1.0f), "b");
  EXPECT_THROW(ops::make_conv2d(w.view, &b.view, 1, 1), Error);  // bias of the wrong length
  EXPECT_THROW(ops::make_conv2d(w.view, nullptr, 0, 1), Error);  // stride 0
  ops::Conv2d k = ops::make_conv2d(w.view, nullptr, 1, 0);
  std::vector<float> x(3 * 2 * 2), y(64);
  EXPECT_THROW(ops::conv2d(ops::Context{}, k, x.data(), 1, 2, 2, y.data()), Error);  // 2x2 < 3x3, no pad
}

// GroupNorm of a group holding m ± a (half each) is ±a/sqrt(a² + eps) exactly; then ·w + b.
TEST(OpsGroupNorm, ClosedForm) {
  const int64_t n = 2, ch = 8, groups = 4, hw = 10, cg = ch / groups;
  std::vector<float> x(size_t(n * ch * hw));
  std::vector<double> m(size_t(n * groups)), a(m.size());
  for (int64_t g = 0; g < n * groups; ++g) {
    m[size_t(g)] = 3.0 * double(g) - 5.0;
    a[size_t(g)] = 0.25 + 0.5 * double(g);
    for (int64_t i = 0; i < cg * hw; ++i)
      x[size_t(g * cg * hw + i)] = float(m[size_t(g)] + (i % 2 ? a[size_t(g)] : -a[size_t(g)]));
  }
  auto w = make_weight(DType::BF16, {ch}, randn(size_t(ch), 41));
  auto b = make_weight(DType::BF16, {ch}, randn(size_t(ch), 42), "b");
  const float eps = 1e-6f;
  ThreadPool pool(2);
  for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
    std::vector<float> y(x.size());
    ops::group_norm(ops::Context{&pool, p, false}, x.data(), n, ch, hw, groups, w.view, b.view, eps,
                    y.data());
    for (int64_t i = 0; i < int64_t(x.size()); ++i) {
      const int64_t g = i / (cg * hw), c = (i / hw) % ch;
      const double s = a[size_t(g)] / std::sqrt(a[size_t(g)] * a[size_t(g)] + double(eps));
      const double want = (i % 2 ? s : -s) * ops::weight_at(w.view, c) + ops::weight_at(b.view, c);
      const double tol = p == ops::Precision::F32 ? 1e-6 * (1 + std::abs(want)) : std::abs(want) / 256 + 1e-6;
      ASSERT_NEAR(y[size_t(i)], want, tol) << i;
    }
  }
  // In place gives the same result; channels not divisible by groups is an error.
  std::vector<float> y(x.size()), inplace = x;
  ops::Context c{nullptr, ops::Precision::F32, false};
  ops::group_norm(c, x.data(), n, ch, hw, groups, w.view, b.view, eps, y.data());
  ops::group_norm(c, inplace.data(), n, ch, hw, groups, w.view, b.view, eps, inplace.data());
  EXPECT_EQ(y, inplace);
  EXPECT_THROW(ops::group_norm(c, x.data(), n, ch, hw, 3, w.view, b.view, eps, y.data()), Error);
}

// x·sigmoid(x) on every kernel path: F32 within an ulp-level bound of the double value; BF16 equal to
// the official rounding points — swish rounds sigmoid(x) and then the product (vq_model.nonlinearity),
// F.silu rounds once — except at rare rounding boundaries (one bf16 ulp).
void check_sigmoid_mul(void (*op)(const ops::Context&, float*, int64_t), bool two_roundings) {
  auto x = randn(70001, 51, 4.0f);
  x[0] = -100.0f, x[1] = 100.0f, x[2] = 0.0f, x[3] = -20.0f;
  for (auto& v : x) v = bf16_to_f32(f32_to_bf16(v));
  ThreadPool pool(2);
  for (const Path& path : kernel_paths()) {
    UsePath use(path);
    for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
      std::vector<float> y = x;
      op(ops::Context{&pool, p, false}, y.data(), int64_t(y.size()));
      int64_t flips = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double s = 1.0 / (1.0 + std::exp(-double(x[i])));
        if (p == ops::Precision::F32) {
          ASSERT_NEAR(y[i], x[i] * s, 4e-7 * std::abs(x[i] * s) + 1e-30) << path_name(path) << " x=" << x[i];
        } else {
          ASSERT_TRUE(is_bf16_value(y[i]));
          const float want = two_roundings
                                 ? bf16_to_f32(f32_to_bf16(x[i] * bf16_to_f32(f32_to_bf16(float(s)))))
                                 : bf16_to_f32(f32_to_bf16(float(double(x[i]) * s)));
          if (y[i] != want) {  // a rounding boundary: at most one bf16 ulp
            ++flips;
            ASSERT_NEAR(y[i], want, std::abs(want) / 128) << path_name(path) << " x=" << x[i];
          }
        }
      }
      EXPECT_LE(flips, int64_t(x.size()) / 1000) << path_name(path);
    }
  }
}

TEST(OpsSwish, MatchesScalarDefinitionEveryPath) {
  check_sigmoid_mul(ops::swish, true);
}

TEST(OpsSilu, OneRoundingEveryPath) {
  check_sigmoid_mul(ops::silu, false);
}

TEST(OpsUpsample, NearestTwice) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};  // 2 planes of 2x3
  std::vector<float> y(48);
  ops::upsample_nearest2x(ops::Context{}, x.data(), 2, 2, 3, y.data());
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < 6; ++c)
        ASSERT_EQ(y[size_t((p * 4 + r) * 6 + c)], x[size_t((p * 2 + r / 2) * 3 + c / 2)]);
}

TEST(OpsMatmul, TransposedOperandsMatchReferenceEveryPath) {
  const int64_t m = 37, n = 300, k = 53;
  auto a = randint(size_t(m * k), 61, 5), b = randint(size_t(k * n), 62, 5);
  ThreadPool pool(2);
  for (bool at : {false, true})
    for (bool bt : {false, true}) {
      // Same logical operands laid out transposed where asked.
      std::vector<float> al(a.size()), bl(b.size());
      for (int64_t i = 0; i < m; ++i)
        for (int64_t q = 0; q < k; ++q) al[size_t(at ? q * m + i : i * k + q)] = a[size_t(i * k + q)];
      for (int64_t q = 0; q < k; ++q)
        for (int64_t j = 0; j < n; ++j) bl[size_t(bt ? j * k + q : q * n + j)] = b[size_t(q * n + j)];
      std::vector<float> want(size_t(m * n));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          float s = 0;
          for (int64_t q = 0; q < k; ++q) s += a[size_t(i * k + q)] * b[size_t(q * n + j)];
          want[size_t(i * n + j)] = s;  // small integers: exact in any order
        }
      for (const Path& path : kernel_paths()) {
        UsePath use(path);
        for (bool reference : {true, false}) {
          std::vector<float> y(want.size(), NAN);
          ops::matmul(ops::Context{&pool, ops::Precision::F32, reference}, al.data(), at, bl.data(), bt, m, n,
                      k, y.data());
          ASSERT_EQ(y, want) << "a_t " << at << " b_t " << bt << " " << path_name(path);
        }
      }
    }
}

TEST(OpsSoftmax, RowsSumToOneAndOrderIsKept) {
  auto x = randn(5 * 700, 71, 3.0f);
  std::vector<float> y = x;
  ops::softmax_rows(ops::Context{}, y.data(), 5, 700);
  for (int64_t r = 0; r < 5; ++r) {
    double s = 0;
    for (int64_t i = 0; i < 700; ++i) {
      s += y[size_t(r * 700 + i)];
      const double want = std::exp(double(x[size_t(r * 700 + i)]) - 3.0 * 0);  // ratio check below
      (void)want;
    }
    EXPECT_NEAR(s, 1.0, 1e-5);
    // softmax(x)_i / softmax(x)_0 = exp(x_i - x_0).
    for (int64_t i = 1; i < 700; i += 97)
      EXPECT_NEAR(y[size_t(r * 700 + i)] / y[size_t(r * 700)],
                  std::exp(double(x[size_t(r * 700 + i)]) - x[size_t(r * 700)]),
                  1e-5 * std::exp(double(x[size_t(r * 700 + i)]) - x[size_t(r * 700)]));
  }
}

// Wide 3x3 convolutions on large maps take oneDNN's Winograd F(4x4, 3x3) kernel: the same bits on 1
// and 2 threads, and values within a Winograd-sized bound (its transforms add a few roundings per
// term) of an exact sum, checked on a sample of output channels (the full reference loops take
// seconds at this size).
TEST(OpsConv, WinogradWithinBoundAndThreadIndependent) {
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  const ConvShape s{1, 256, 256, 64, 66, 3, 1, 1};
  ASSERT_TRUE(ops::kern::conv_uses_winograd({s.n, s.in, s.out, s.h, s.w, 3, 1, 1}));
  ASSERT_FALSE(ops::kern::conv_uses_winograd({s.n, s.in, s.out, 32, 32, 3, 1, 1}));
  const int64_t K = s.in * 9, P = s.h * s.w;
  auto x = randn(size_t(s.in * P), 41);
  for (auto& v : x) v = bf16_to_f32(f32_to_bf16(v));
  auto w = make_weight(DType::BF16, {s.out, s.in, 3, 3}, randn(size_t(s.out * K), 42, 0.3f));
  auto b = make_weight(DType::BF16, {s.out}, randn(size_t(s.out), 43), "b");
  ops::Conv2d k = ops::make_conv2d(w.view, &b.view, 1, 1);
  for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
    std::vector<float> one(size_t(s.out * P)), two(one.size());
    ops::conv2d(ops::Context{nullptr, p, false}, k, x.data(), 1, s.h, s.w, one.data());
    ops::conv2d(ops::Context{&pool, p, false}, k, x.data(), 1, s.h, s.w, two.data());
    EXPECT_EQ(one, two) << label(s, p, kernel_paths()[0]);
    double worst = 0;
    for (int64_t o : {0, 1, 77, 128, 200, 255}) {
      for (int64_t y = 0; y < s.h; ++y)
        for (int64_t xo = 0; xo < s.w; ++xo) {
          double acc = 0, mag = 0;
          for (int64_t i = 0; i < s.in; ++i)
            for (int64_t ky = 0; ky < 3; ++ky)
              for (int64_t kx = 0; kx < 3; ++kx) {
                const int64_t iy = y + ky - 1, ix = xo + kx - 1;
                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                const double t = double(x[size_t((i * s.h + iy) * s.w + ix)]) *
                                 ops::weight_at(w.view, ((o * s.in + i) * 3 + ky) * 3 + kx);
                acc += t;
                mag += std::abs(t);
              }
          const float bias = ops::weight_at(b.view, o);
          double want = acc + bias, tol = 8.0 * double(K + 2) * u * mag + std::abs(want) * u;
          if (p == ops::Precision::BF16) {
            want = bf16_to_f32(f32_to_bf16(bf16_to_f32(f32_to_bf16(float(acc))) + bias));
            tol += std::abs(want) * std::ldexp(1.0, -7);
          }
          const float got = two[size_t(o * P + y * s.w + xo)];
          worst = std::max(worst, std::abs(got - want) / (double(K + 2) * u * mag + 1e-30));
          ASSERT_NEAR(got, want, tol)
              << label(s, p, kernel_paths()[0]) << " o=" << o << " y=" << y << " x=" << xo;
        }
    }
    std::printf("[conv] %s: worst error / ((K+2)·u·Σ|x·w|) = %.3g\n", label(s, p, kernel_paths()[0]).c_str(),
                worst);
  }
}
