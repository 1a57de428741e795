// Norms, activations and RoPE against closed forms (both the reference and the pooled paths).
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/ops.h"
#include "ops_test_util.h"

using namespace janus;
using namespace janus::test;

namespace {
ThreadPool& pool2() {
  static ThreadPool p(2);
  return p;
}
std::vector<ops::Context> contexts(ops::Precision p) {
  return {ops::Context{nullptr, p, true}, ops::Context{&pool2(), p, false}};
}
}  // namespace

TEST(OpsNorm, LayerNormClosedForm) {
  // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
  const float x[8] = {1, 2, 3, 4, -2, -2, -2, 6};  // second row: mean 0, variance 12
  auto w = make_weight(DType::F32, {4}, {1.0f, 2.0f, 0.5f, -1.0f});
  auto b = make_weight(DType::BF16, {4}, {0.0f, 1.0f, -1.0f, 0.25f}, "b");
  const float eps = 1e-5f;
  for (const auto& c : contexts(ops::Precision::F32)) {
    float y[8];
    ops::layer_norm(c, x, 2, 4, w.view, &b.view, eps, y);
    const double m[2] = {2.5, 0.0}, var[2] = {1.25, 12.0};
    for (int r = 0; r < 2; ++r)
      for (int i = 0; i < 4; ++i) {
        double want = (x[r * 4 + i] - m[r]) / std::sqrt(var[r] + eps) * ops::weight_at(w.view, i) +
                      ops::weight_at(b.view, i);
        EXPECT_NEAR(y[r * 4 + i], want, 1e-6) << r << "," << i;
      }
  }
}

TEST(OpsNorm, RmsNormClosedFormAndBf16Points) {
  const float x[4] = {3, -4, 0, 0};  // mean of squares 6.25
  auto w = make_weight(DType::BF16, {4}, {1.0f, 0.5f, 2.0f, 3.0f});
  for (const auto& c : contexts(ops::Precision::F32)) {
    float y[4];
    ops::rms_norm(c, x, 1, 4, w.view, 1e-6f, y);
    const double inv = 1.0 / std::sqrt(6.25 + 1e-6);
    EXPECT_NEAR(y[0], 3 * inv * 1.0, 1e-6);
    EXPECT_NEAR(y[1], -4 * inv * 0.5, 1e-6);
    EXPECT_EQ(y[2], 0.0f);
  }
  // BF16: normalised value cast to bf16 first, then times the weight, then cast again.
  const float x2[2] = {1.0f, 1.0f + std::ldexp(1.0f, -6)};
  auto w2 = make_weight(DType::BF16, {2}, {1.5f, 1.5f});
  for (const auto& c : contexts(ops::Precision::BF16)) {
    float y[2];
    ops::rms_norm(c, x2, 1, 2, w2.view, 0.0f, y);
    double ms = (1.0 + std::pow(1.0 + std::ldexp(1.0, -6), 2)) / 2, inv = 1 / std::sqrt(ms);
    for (int i = 0; i < 2; ++i) {
      float n = bf16_to_f32(f32_to_bf16(float(x2[i] * inv)));
      EXPECT_EQ(y[i], bf16_to_f32(f32_to_bf16(1.5f * n))) << i;
    }
  }
}

TEST(OpsActivation, GeluErfClosedForm) {
  std::vector<float> x = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 10.0f, -10.0f};
  // 0.5·x·(1 + erf(x/√2)): Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208, Φ(-3) = 0.0013498980316301.
  const double want[] = {
      0.0, 0.8413447460685429, -0.15865525393145707, 1.9544997361036416, -0.0040496940948903, 10.0, 0.0};
  for (const auto& c : contexts(ops::Precision::F32)) {
    auto y = x;
    ops::gelu_erf(c, y.data(), int64_t(y.size()));
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 2e-7 + 1e-6 * std::fabs(want[i])) << i;
  }
}

TEST(OpsActivation, SiluMulClosedForm) {
  const int64_t n = 40000;  // large enough for the pooled path
  auto g = randn(size_t(n), 5), up = randn(size_t(n), 6);
  for (const auto& c : contexts(ops::Precision::F32)) {
    std::vector<float> y(static_cast<size_t>(n));
    ops::silu_mul(c, g.data(), up.data(), n, y.data());
    for (int64_t i = 0; i < n; ++i) {
      double gi = g[size_t(i)], want = gi / (1 + std::exp(-gi)) * up[size_t(i)];
      ASSERT_NEAR(y[size_t(i)], want, 1e-6 * (1 + std::fabs(want))) << i;
    }
  }
}

// RoPE on one head: pairs (i, i + hd/2) rotate by pos·θ^(-2i/hd).
TEST(OpsRope, RotatesPairsByClosedFormAngle) {
  const int64_t hd = 8, T = 3;
  const double theta = 10000;
  ops::Rope r = ops::make_rope(hd, theta, ops::Precision::F32);
  auto x = randn(size_t(T * hd), 9);
  const int64_t pos[T] = {0, 1, 1000};
  for (const auto& c : contexts(ops::Precision::F32)) {
    auto y = x;
    ops::rope(c, r, y.data(), T, 1, pos);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < hd / 2; ++i) {
        double ang = double(pos[t]) * std::pow(theta, -double(2 * i) / double(hd));
        double a = x[size_t(t * hd + i)], b = x[size_t(t * hd + i + hd / 2)];
        // f32 inv_freq·pos carries up to ~pos·2^-24 rad of angle error.
        double tol = 1e-6 + 4e-7 * double(pos[t]) * (std::fabs(a) + std::fabs(b));
        EXPECT_NEAR(y[size_t(t * hd + i)], a * std::cos(ang) - b * std::sin(ang), tol) << t << "," << i;
        EXPECT_NEAR(y[size_t(t * hd + i + hd / 2)], b * std::cos(ang) + a * std::sin(ang), tol)
            << t << "," << i;
      }
  }
}

// <rope(q, m), rope(k, n)> depends only on m - n (a rotation by m·ω then n·ω per pair).
TEST(OpsRope, DotDependsOnlyOnOffset) {
  const int64_t hd = 64;
  ops::Rope r = ops::make_rope(hd, 10000, ops::Precision::F32);
  auto q = randn(size_t(hd), 30), k = randn(size_t(hd), 31);
  ops::Context c{nullptr, ops::Precision::F32, false};
  auto dot_at = [&](int64_t m, int64_t n) {
    auto a = q, b = k;
    ops::rope(c, r, a.data(), 1, 1, &m);
    ops::rope(c, r, b.data(), 1, 1, &n);
    double s = 0;
    for (int64_t i = 0; i < hd; ++i) s += double(a[size_t(i)]) * b[size_t(i)];
    return s;
  };
  double norm = 0;
  for (int64_t i = 0; i < hd; ++i)
    norm += std::fabs(double(q[size_t(i)])) * 2 * std::fabs(double(k[size_t(i)]));
  for (int64_t off : {0, 3, -7, 50}) {
    const double base = dot_at(100 + off, 100);
    for (int64_t m : {0, 17, 260}) {
      if (m + off < 0) continue;
      // Angles m·ω are f32 products: error grows with the position (~m·2^-24 rad per pair).
      const double tol = 1e-5 * norm + 4e-7 * double(m + 100 + std::abs(off)) * norm;
      EXPECT_NEAR(dot_at(m + off, m), base, tol) << "m=" << m << " off=" << off;
    }
  }
  // And it does depend on the offset (the property is not vacuous).
  EXPECT_GT(std::fabs(dot_at(5, 0) - dot_at(0, 0)), 1e-3);
}
