// Q8_0 / Q4_0 block quantization (core/quant.h) against the independent numpy implementation
// (tools/reference/quant_ref.py), f32 -> f16 against the CPU's F16C conversion, and the linear
// kernels on block weights (every instruction-set level) against the reference path.
#include "core/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/ops/cpu_features.h"
#include "core/ops/ops.h"
#include "ops_test_util.h"

#if JANUS_OPS_X86
#include <immintrin.h>
#endif

using namespace janus;
using namespace janus::test;

namespace {

std::vector<uint8_t> read_bytes(const std::string& rel) {
  const std::string path = std::string(JANUS_SOURCE_DIR) + "/tests/data/quant/" + rel;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  return {std::istreambuf_iterator<char>(f), {}};
}

#if JANUS_OPS_X86
__attribute__((target("f16c"))) uint16_t f16c(float f) {
  return uint16_t(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
#endif

// A weight [out, in] in a block format, quantized from `vals`.
OwnedWeight make_block_weight(DType t, int64_t out, int64_t in, const std::vector<float>& vals) {
  OwnedWeight w;
  size_t n = 0;
  EXPECT_TRUE(dtype_nbytes(t, out * in, &n));
  w.bytes.resize(n);
  quant::quantize(t, vals.data(), out * in, w.bytes.data());
  w.view.name = "wq";
  w.view.dtype = t;
  w.view.shape = {out, in};
  w.view.data = w.bytes.data();
  w.view.nbytes = n;
  return w;
}

// Selects the int8-dot (VNNI) or f32 kernels for block weights in one scope.
struct UseInt8Dot {
  explicit UseInt8Dot(bool on) : prev(ops::quant_int8_dot_preferred()) {
    ops::set_quant_int8_dot_preferred(on && ops::has_avx512_vnni());
  }
  ~UseInt8Dot() { ops::set_quant_int8_dot_preferred(prev); }
  bool prev;
};

}  // namespace

TEST(Quant, F16RoundingMatchesF16C) {
#if JANUS_OPS_X86
  if (ops::detected_isa() < ops::Isa::Avx2) GTEST_SKIP() << "no F16C";
  std::mt19937 g(5);
  std::vector<float> vals = {0.0f,
                             -0.0f,
                             65504.0f,
                             65519.0f,
                             65520.0f,
                             1e9f,
                             -1e9f,
                             INFINITY,
                             -INFINITY,
                             std::ldexp(1.0f, -24),
                             std::ldexp(1.0f, -25),
                             std::ldexp(1.5f, -25),
                             std::ldexp(1.0f, -14),
                             std::ldexp(1.0f, -14) * 0.99999f,
                             1.0f + std::ldexp(1.0f, -11)};
  for (int i = 0; i < 2000000; ++i) {
    uint32_t u = g();
    float f;
    std::memcpy(&f, &u, 4);
    vals.push_back(f);
    vals.push_back(std::ldexp(float(g() % 100000) / 1000.0f, int(g() % 40) - 30));  // dense near f16 range
  }
  for (float f : vals) {
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    ASSERT_EQ(f32_to_f16(f), f16c(f)) << f;
  }
#else
  GTEST_SKIP() << "x86 only";
#endif
}

TEST(Quant, F16RoundTripOfEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(uint16_t(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_f16(f), h);
  }
}

TEST(Quant, BlocksMatchNumpyReference) {
  const std::vector<uint8_t> in = read_bytes("input.f32");
  ASSERT_EQ(in.size(), size_t(8 * 64 * 4));
  std::vector<float> x(8 * 64);
  std::memcpy(x.data(), in.data(), in.size());
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    const std::vector<uint8_t> want = read_bytes(t == DType::Q8_0 ? "q8_0.bin" : "q4_0.bin");
    size_t n = 0;
    ASSERT_TRUE(dtype_nbytes(t, int64_t(x.size()), &n));
    ASSERT_EQ(want.size(), n);
    std::vector<uint8_t> got(n);
    quant::quantize(t, x.data(), int64_t(x.size()), got.data());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], want[i]) << dtype_name(t) << " byte " << i;
  }
}

// Every reconstructed value is within half a quantization step (plus the f16 rounding of d); Q4_0's
// levels are -8..7 steps with the extreme at -8, so a value near the opposite extreme is clamped to
// 7 steps: up to one whole step off.
TEST(Quant, DequantizedErrorWithinHalfStep) {
  auto x = randn(32 * 64, 9, 0.1f);
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    size_t n = 0;
    ASSERT_TRUE(dtype_nbytes(t, int64_t(x.size()), &n));
    std::vector<uint8_t> q(n);
    quant::quantize(t, x.data(), int64_t(x.size()), q.data());
    std::vector<float> y(x.size());
    quant::dequantize(t, q.data(), 0, int64_t(x.size()), y.data());
    const float levels = t == DType::Q8_0 ? 127.0f : 8.0f;
    for (size_t b = 0; b < x.size() / 32; ++b) {
      float amax = 0;
      for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[b * 32 + i]));
      const float step = amax / levels, bound = t == DType::Q8_0 ? 0.5f * step : step;
      for (int i = 0; i < 32; ++i) {
        const size_t k = b * 32 + i;
        ASSERT_LE(std::fabs(y[k] - x[k]), bound + amax * 1e-3f) << dtype_name(t) << " at " << k;
        ASSERT_EQ(y[k], quant::dequantize_at(t, q.data(), int64_t(k)));
      }
    }
  }
}

TEST(Quant, NbytesRejectsPartialBlocks) {
  size_t n = 0;
  EXPECT_TRUE(dtype_nbytes(DType::Q8_0, 64, &n));
  EXPECT_EQ(n, 68u);
  EXPECT_TRUE(dtype_nbytes(DType::Q4_0, 64, &n));
  EXPECT_EQ(n, 36u);
  EXPECT_FALSE(dtype_nbytes(DType::Q4_0, 33, &n));
  EXPECT_FALSE(dtype_nbytes(DType::Q8_0, INT64_MAX / 2 * 2 - 30, &n) && n < 100);
  EXPECT_TRUE(dtype_nbytes(DType::BF16, 3, &n));
  EXPECT_EQ(n, 6u);
}

// Integer weights whose block extremes make d exactly 1 and integer inputs: every sum is exact,
// so all kernels must agree with the reference bit for bit (indexing, nibble order, row blocks).
TEST(OpsLinearQuant, ExactOnIntegersEveryPath) {
  ThreadPool pool(2);
  struct S {
    int64_t rows, in, out;
  };
  for (S s : {S{1, 32, 5}, S{2, 64, 33}, S{3, 96, 17}, S{4, 128, 9}, S{5, 64, 260}, S{9, 32, 7},
              S{40, 96, 300}, S{1, 2048, 12}}) {
    for (DType t : {DType::Q8_0, DType::Q4_0}) {
      const int m = t == DType::Q8_0 ? 127 : 7;
      auto wv = randint(size_t(s.out * s.in), 21, m);
      for (size_t b = 0; b < wv.size(); b += 32) wv[b + (b / 32) % 32] = t == DType::Q8_0 ? 127.0f : -8.0f;
      auto w = make_block_weight(t, s.out, s.in, wv);
      for (int64_t i = 0; i < s.out * s.in; ++i) ASSERT_EQ(ops::weight_at(w.view, i), wv[size_t(i)]);
      // One 127 per 32-block of x: the int8-dot kernels' per-block x scale is then exactly 1.
      auto x = randint(size_t(s.rows * s.in), 22, 4);
      for (size_t k = 0; k < x.size(); k += 32) x[k + (k / 32) % 32] = 127.0f;
      auto bv = randint(size_t(s.out), 23, 50);
      auto b = make_weight(DType::F32, {s.out}, bv, "b");
      ops::Linear l = ops::make_linear(w.view, &b.view);
      for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
        std::vector<float> ref(size_t(s.rows * s.out)), got(ref.size());
        ops::Context rc{nullptr, p, true};
        ops::linear(rc, l, x.data(), s.rows, ref.data());
        for (const Path& path : kernel_paths())
          for (bool int8 : {false, true}) {
            UsePath use(path);
            UseInt8Dot dot(int8);
            ops::Context fc{&pool, p, false};
            std::fill(got.begin(), got.end(), NAN);
            ops::linear(fc, l, x.data(), s.rows, got.data());
            for (size_t i = 0; i < ref.size(); ++i)
              ASSERT_EQ(got[i], ref[i])
                  << path_name(path) << (int8 ? " int8-dot " : " ") << dtype_name(t) << " rows=" << s.rows
                  << " in=" << s.in << " out=" << s.out << " at " << i;
          }
      }
    }
  }
}

// Random data: within the f32 summation bound of the reference (as for bf16 weights), and the
// result is the one of the dequantized weights.
TEST(OpsLinearQuant, RandomWithinSummationBound) {
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  const int64_t rows = 6, in = 256, out = 70;
  auto x = randn(size_t(rows * in), 31);
  auto wv = randn(size_t(out * in), 32, 0.05f);
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    auto w = make_block_weight(t, out, in, wv);
    ops::Linear l = ops::make_linear(w.view, nullptr);
    for (int64_t r : {int64_t(1), int64_t(2), rows}) {
      std::vector<float> ref(size_t(r * out)), got(ref.size());
      ops::Context rc{nullptr, ops::Precision::F32, true};
      ops::linear(rc, l, x.data(), r, ref.data());
      for (const Path& path : kernel_paths()) {
        UsePath use(path);
        UseInt8Dot dot(false);  // the int8-dot kernels have their own test below
        ops::Context fc{&pool, ops::Precision::F32, false};
        ops::linear(fc, l, x.data(), r, got.data());
        for (int64_t i = 0; i < r; ++i)
          for (int64_t o = 0; o < out; ++o) {
            double mag = 0;
            for (int64_t k = 0; k < in; ++k)
              mag += std::fabs(double(x[size_t(i * in + k)]) * ops::weight_at(w.view, o * in + k));
            const size_t j = size_t(i * out + o);
            ASSERT_LE(std::fabs(double(got[j]) - ref[j]), double(in + 2) * u * mag + u * std::fabs(ref[j]))
                << path_name(path) << " " << dtype_name(t) << " rows=" << r << " at " << j;
          }
      }
    }
  }
}

// The int8-dot kernels (AVX512_VNNI) compute x̂·Wᵀ, with x̂ = x quantized per 32-block to int8 with
// scale max|x|/127, rounded half to even: within the f32 summation bound of the reference on x̂, and
// x̂ is built here independently of the kernels' own preparation.
TEST(OpsLinearQuant, Int8DotEqualsReferenceOnQuantizedX) {
  if (!ops::has_avx512_vnni() || ops::active_isa() < ops::Isa::Avx512)
    GTEST_SKIP() << "no AVX512_VNNI, or capped below AVX-512";
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  const int64_t in = 320, out = 45;
  auto wv = randn(size_t(out * in), 42, 0.05f);
  for (int64_t rows : {1, 2, 3, 4, 7, 9}) {
    auto x = randn(size_t(rows * in), 41);
    std::vector<float> xh(x.size());
    for (size_t b = 0; b < x.size(); b += 32) {
      float amax = 0;
      for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[b + i]));
      const float d = amax / 127.0f, inv = d != 0 ? 1.0f / d : 0.0f;
      for (int i = 0; i < 32; ++i) xh[b + i] = std::nearbyint(x[b + i] * inv) * d;
    }
    for (DType t : {DType::Q8_0, DType::Q4_0}) {
      auto w = make_block_weight(t, out, in, wv);
      ops::Linear l = ops::make_linear(w.view, nullptr);
      for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16}) {
        const bool bf = p == ops::Precision::BF16;
        std::vector<float> xin = x;  // BF16 mode: the kernel sees bf16-rounded x, then quantizes it
        std::vector<float> ref(size_t(rows * out)), got(ref.size()), xq(xh);
        if (bf) {
          for (float& v : xin) v = bf16_to_f32(f32_to_bf16(v));
          for (size_t b = 0; b < xin.size(); b += 32) {
            float amax = 0;
            for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(xin[b + i]));
            const float d = amax / 127.0f, inv = d != 0 ? 1.0f / d : 0.0f;
            for (int i = 0; i < 32; ++i) xq[b + i] = std::nearbyint(xin[b + i] * inv) * d;
          }
        }
        // Reference on x̂ in F32 (x̂ is not a bf16 tensor), rounded at the end in BF16 mode.
        ops::Context rc{nullptr, ops::Precision::F32, true};
        ops::linear(rc, l, xq.data(), rows, ref.data());
        UseInt8Dot dot(true);
        ops::Context fc{&pool, p, false};
        ops::linear(fc, l, x.data(), rows, got.data());
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t o = 0; o < out; ++o) {
            double mag = 0;
            for (int64_t k = 0; k < in; ++k)
              mag += std::fabs(double(xq[size_t(r * in + k)]) * ops::weight_at(w.view, o * in + k));
            const size_t j = size_t(r * out + o);
            double tol = double(in + 2) * u * mag * 4;  // x̂ = q·d is itself one f32 product
            if (bf) tol += 1.01 * std::ldexp(std::fabs(ref[j]), -8);
            ASSERT_LE(std::fabs(double(got[j]) - ref[j]), tol)
                << dtype_name(t) << (bf ? " bf16" : " f32") << " rows=" << rows << " at " << j;
          }
      }
    }
  }
}

TEST(OpsLinearQuant, RejectsViewsTooSmallForTheirShape) {
  auto w = make_block_weight(DType::Q8_0, 4, 64, randn(256, 3));
  TensorView v = w.view;
  v.nbytes -= 1;
  EXPECT_THROW(ops::make_linear(v, nullptr), Error);
  v = w.view;
  v.shape = {4, 48};  // not whole blocks
  EXPECT_THROW(ops::make_linear(v, nullptr), Error);
}
