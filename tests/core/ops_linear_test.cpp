// ops::linear fast paths (every instruction-set level this CPU has) against ops::ref.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/ops/gemv_kernels.h"
#include "core/ops/ops.h"
#include "ops_test_util.h"

using namespace janus;
using namespace janus::test;

namespace {

struct Shape {
  int64_t rows, in, out;
};
// Rows cover the GEMV paths (1-31: blocks of 2 for vdpbf16ps, 8 for AVX-512, 4 for AVX2, and
// their remainders) and the oneDNN GEMM (32+); in/out cover vector tails (not multiples of
// 8/16/32) and more than one 256-column GEMM tile.
const Shape kShapes[] = {{1, 1, 1},     {1, 37, 5},     {2, 64, 33},   {3, 100, 260}, {4, 31, 17},
                         {5, 130, 7},   {7, 33, 300},   {8, 64, 40},   {13, 45, 21},  {31, 70, 260},
                         {32, 64, 300}, {64, 200, 520}, {600, 96, 70}, {1, 2048, 64}, {3, 1000, 9}};
const DType kDtypes[] = {DType::BF16, DType::F16, DType::F32};
const ops::Precision kPrecisions[] = {ops::Precision::F32, ops::Precision::BF16};

std::string label(const Path& path, DType dt, ops::Precision p, bool bias, const Shape& s) {
  return std::string(path_name(path)) + " " + std::string(dtype_name(dt)) +
         (p == ops::Precision::BF16 ? " bf16-mode" : " f32-mode") + (bias ? " bias" : "") +
         " rows=" + std::to_string(s.rows) + " in=" + std::to_string(s.in) + " out=" + std::to_string(s.out);
}

}  // namespace

// Small integers make every partial sum exact in f32, so every kernel must agree bit for bit with
// the reference whatever its summation order: this pins indexing, tails, bias and row blocking.
TEST(OpsLinear, ExactOnIntegersEveryPath) {
  ThreadPool pool(2);
  for (const Shape& s : kShapes) {
    auto x = randint(size_t(s.rows * s.in), 1, 8);
    auto wv = randint(size_t(s.out * s.in), 2, 8);
    auto bv = randint(size_t(s.out), 3, 100);
    for (DType dt : kDtypes) {
      auto w = make_weight(dt, {s.out, s.in}, wv);
      auto b = make_weight(dt, {s.out}, bv, "b");
      for (bool with_bias : {false, true}) {
        ops::Linear l = ops::make_linear(w.view, with_bias ? &b.view : nullptr);
        for (ops::Precision p : kPrecisions) {
          std::vector<float> ref(size_t(s.rows * s.out)), got(ref.size());
          ops::Context rc{nullptr, p, true};
          ops::linear(rc, l, x.data(), s.rows, ref.data());
          for (const Path& path : kernel_paths()) {
            UsePath use(path);
            ops::Context fc{&pool, p, false};
            std::fill(got.begin(), got.end(), NAN);
            ops::linear(fc, l, x.data(), s.rows, got.data());
            for (size_t i = 0; i < ref.size(); ++i)
              ASSERT_EQ(got[i], ref[i]) << label(path, dt, p, with_bias, s) << " at " << i;
          }
        }
      }
    }
  }
}

// Random data: |fast - ref| <= (K+2)·u·Σ|x_k w_k| + |bias|·u bounds any f32 summation order
// (u = 2^-24; the reference sums in double); BF16 mode adds one bf16 ulp of the result, because
// the two pre-rounding values may straddle a rounding boundary. BF16 outputs are bf16 values.
TEST(OpsLinear, RandomWithinSummationBound) {
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  for (const Shape& s : kShapes) {
    auto x = randn(size_t(s.rows * s.in), 11);
    auto wv = randn(size_t(s.out * s.in), 12, 0.05f);
    auto bv = randn(size_t(s.out), 13);
    for (DType dt : kDtypes) {
      auto w = make_weight(dt, {s.out, s.in}, wv);
      auto b = make_weight(dt, {s.out}, bv, "b");
      for (bool with_bias : {false, true}) {
        ops::Linear l = ops::make_linear(w.view, with_bias ? &b.view : nullptr);
        for (ops::Precision p : kPrecisions) {
          const bool bf = p == ops::Precision::BF16;
          std::vector<float> ref(size_t(s.rows * s.out)), got(ref.size());
          ops::Context rc{nullptr, p, true};
          ops::linear(rc, l, x.data(), s.rows, ref.data());
          // Σ|x_k w_k| per output, with x as the kernel sees it.
          std::vector<double> mag(ref.size());
          for (int64_t r = 0; r < s.rows; ++r)
            for (int64_t o = 0; o < s.out; ++o) {
              double m = 0;
              for (int64_t k = 0; k < s.in; ++k) {
                float xv = x[size_t(r * s.in + k)];
                if (bf) xv = bf16_to_f32(f32_to_bf16(xv));
                m += std::fabs(double(xv) * ops::weight_at(w.view, o * s.in + k));
              }
              if (with_bias) m += std::fabs(ops::weight_at(b.view, o));
              mag[size_t(r * s.out + o)] = m;
            }
          for (const Path& path : kernel_paths()) {
            UsePath use(path);
            ops::Context fc{&pool, p, false};
            ops::linear(fc, l, x.data(), s.rows, got.data());
            for (size_t i = 0; i < ref.size(); ++i) {
              double tol = double(s.in + 2) * u * mag[i] + u * std::fabs(ref[i]);
              if (bf) tol = 2 * tol + 1.01 * std::ldexp(std::fabs(ref[i]), -7);  // + two half-ulps
              ASSERT_LE(std::fabs(double(got[i]) - ref[i]), tol)
                  << label(path, dt, p, with_bias, s) << " at " << i;
              if (bf) {
                ASSERT_TRUE(is_bf16_value(got[i])) << label(path, dt, p, with_bias, s);
              }
            }
          }
        }
      }
    }
  }
}

// BF16 mode rounds the input to bf16 before the product. x0 = 1 + 3·2^-10 rounds to 1, so
// y = rb(rb(x0) + x1) with x1 = 3·2^-10 is 1; without the input rounding it would be 1 + 2^-7.
TEST(OpsLinear, Bf16ModeRoundsInputOnce) {
  ThreadPool pool(2);
  for (int64_t rows : {1, 3, 9}) {
    const int64_t in = 37, out = 19;
    std::vector<float> x(size_t(rows * in), 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      x[size_t(r * in + 30)] = 1.0f + 3 * std::ldexp(1.0f, -10);
      x[size_t(r * in + 35)] = 3 * std::ldexp(1.0f, -10);
    }
    std::vector<float> wv(size_t(out * in), 0.0f);
    for (int64_t o = 0; o < out; ++o) wv[size_t(o * in + 30)] = wv[size_t(o * in + 35)] = 1.0f;
    for (DType dt : kDtypes) {
      auto w = make_weight(dt, {out, in}, wv);
      ops::Linear l = ops::make_linear(w.view, nullptr);
      for (const Path& path : kernel_paths()) {
        UsePath use(path);
        std::vector<float> y(size_t(rows * out));
        ops::linear(ops::Context{&pool, ops::Precision::BF16, false}, l, x.data(), rows, y.data());
        for (float v : y) ASSERT_EQ(v, 1.0f) << path_name(path) << " " << dtype_name(dt) << " rows=" << rows;
        ops::linear(ops::Context{&pool, ops::Precision::F32, false}, l, x.data(), rows, y.data());
        for (float v : y) ASSERT_EQ(v, 1.0f + 6 * std::ldexp(1.0f, -10)) << path_name(path);
      }
    }
  }
}

// Work is split over threads by output column (GEMV) or fixed 256-column tile (GEMM), never by
// the reduction: 1 and 2 threads give identical bits.
TEST(OpsLinear, SameBitsForOneAndTwoThreads) {
  ThreadPool one(1), two(2);
  for (const Shape& s : {Shape{1, 2048, 600}, Shape{3, 300, 515}, Shape{20, 300, 515}, Shape{64, 512, 700},
                         Shape{600, 96, 300}}) {
    auto x = randn(size_t(s.rows * s.in), 21);
    auto wv = randn(size_t(s.out * s.in), 22, 0.05f);
    auto bv = randn(size_t(s.out), 23);
    for (DType dt : kDtypes) {
      auto w = make_weight(dt, {s.out, s.in}, wv);
      auto b = make_weight(dt, {s.out}, bv, "b");
      ops::Linear l = ops::make_linear(w.view, &b.view);
      for (ops::Precision p : kPrecisions)
        for (const Path& path : kernel_paths()) {
          UsePath use(path);
          std::vector<float> y1(size_t(s.rows * s.out)), y2(y1.size()), y0(y1.size());
          ops::linear(ops::Context{&one, p, false}, l, x.data(), s.rows, y1.data());
          ops::linear(ops::Context{&two, p, false}, l, x.data(), s.rows, y2.data());
          ops::linear(ops::Context{nullptr, p, false}, l, x.data(), s.rows, y0.data());
          ASSERT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * 4)) << label(path, dt, p, true, s);
          ASSERT_EQ(0, std::memcmp(y1.data(), y0.data(), y1.size() * 4)) << label(path, dt, p, true, s);
        }
    }
  }
}

// linear_multi (q/k/v, gate/up in one pool pass) gives the bits of separate linear calls, with
// mixed output sizes (tails not multiples of the 4-row tiles), mixed dtypes, biases on some,
// rows covering the GEMV blocks and the GEMM, on 1 and 2 threads and every kernel path.
TEST(OpsLinear, MultiEqualsSeparateCalls) {
  ThreadPool one(1), two(2);
  const int64_t outs[] = {70, 515, 6, 1000};
  const DType dts[] = {DType::BF16, DType::BF16, DType::F32, DType::F16};
  for (int64_t rows : {1, 2, 3, 5, 33}) {
    for (int64_t in : {2048, 45}) {
      auto x = randn(size_t(rows * in), 31);
      std::vector<OwnedWeight> ws, bs;
      std::vector<ops::Linear> ls;
      for (int i = 0; i < 4; ++i) {
        ws.push_back(make_weight(dts[i], {outs[i], in}, randn(size_t(outs[i] * in), 40 + i, 0.05f)));
        bs.push_back(make_weight(dts[i], {outs[i]}, randn(size_t(outs[i]), 50 + i), "b"));
      }
      for (int i = 0; i < 4; ++i)
        ls.push_back(ops::make_linear(ws[size_t(i)].view, i % 2 ? &bs[size_t(i)].view : nullptr));
      for (int n : {1, 2, 4}) {
        const ops::Linear* lp[4];
        for (int i = 0; i < n; ++i) lp[i] = &ls[size_t(i)];
        for (ops::Precision p : kPrecisions)
          for (const Path& path : kernel_paths())
            for (ThreadPool* pool : {&one, &two, static_cast<ThreadPool*>(nullptr)}) {
              UsePath use(path);
              ops::Context c{pool, p, false};
              std::vector<std::vector<float>> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
              float* yp[4];
              for (int i = 0; i < n; ++i) {
                want[size_t(i)].resize(size_t(rows * outs[i]));
                got[size_t(i)].assign(size_t(rows * outs[i]), NAN);
                ops::linear(c, ls[size_t(i)], x.data(), rows, want[size_t(i)].data());
                yp[i] = got[size_t(i)].data();
              }
              ops::linear_multi(c, lp, n, x.data(), rows, yp);
              for (int i = 0; i < n; ++i)
                ASSERT_EQ(
                    0, std::memcmp(want[size_t(i)].data(), got[size_t(i)].data(), want[size_t(i)].size() * 4))
                    << path_name(path) << " rows=" << rows << " in=" << in << " n=" << n << " linear " << i
                    << (pool ? " threads=" + std::to_string(pool->size()) : " no pool");
            }
      }
    }
  }
}

TEST(OpsLinear, MultiRejectsDifferentInputSizes) {
  auto a = make_weight(DType::F32, {4, 8}, randn(32, 1));
  auto b = make_weight(DType::F32, {4, 9}, randn(36, 2), "other");
  ops::Linear la = ops::make_linear(a.view, nullptr), lb = ops::make_linear(b.view, nullptr);
  const ops::Linear* ls[2] = {&la, &lb};
  std::vector<float> x(9), y0(4), y1(4);
  float* ys[2] = {y0.data(), y1.data()};
  EXPECT_THROW(ops::linear_multi(ops::Context{}, ls, 2, x.data(), 1, ys), Error);
}

TEST(OpsCpu, ActiveLevelNeverAboveDetected) {
  EXPECT_LE(int(ops::active_isa()), int(ops::detected_isa()));
  {
    UsePath use({ops::Isa::Portable, false});
    EXPECT_EQ(ops::active_isa(), ops::Isa::Portable);
  }
  EXPECT_STRNE(ops::isa_name(ops::detected_isa()), "?");
  // JANUS_OPS_ISA caps the level for the whole process (CTest runs this binary with it set).
  const char* env = std::getenv("JANUS_OPS_ISA");
  const std::string cap = env ? env : "";
  if (cap == "portable") {
    EXPECT_EQ(ops::active_isa(), ops::Isa::Portable);
  } else if (cap == "avx2") {
    EXPECT_LE(int(ops::active_isa()), int(ops::Isa::Avx2));
  }
}

#if JANUS_OPS_X86
// The vector bf16 rounding used for GEMM inputs/outputs equals f32_to_bf16 bit for bit: ties to
// even, carries into the exponent, infinities, NaNs (quieted), subnormals, signs.
TEST(OpsKernels, VectorBf16RoundingMatchesScalar) {
  if (ops::detected_isa() < ops::Isa::Avx512) GTEST_SKIP() << "no AVX-512";
  const uint32_t lows[] = {0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff, 0x1234};
  std::vector<float> src, dst;
  for (uint32_t hi = 0; hi < 0x10000; ++hi)
    for (uint32_t lo : lows) {
      uint32_t u = hi << 16 | lo;
      float f;
      std::memcpy(&f, &u, 4);
      src.push_back(f);
    }
  src.push_back(1.0f);  // odd length: exercises the masked tail
  dst.resize(src.size());
  ops::kern::round_bf16_avx512(src.data(), dst.data(), int64_t(src.size()));
  for (size_t i = 0; i < src.size(); ++i) {
    uint32_t want = uint32_t(f32_to_bf16(src[i])) << 16, got;
    std::memcpy(&got, &dst[i], 4);
    uint32_t in;
    std::memcpy(&in, &src[i], 4);
    ASSERT_EQ(got, want) << "input bits " << std::hex << in;
  }
}
#endif
