// ops::attention fast paths against ops::ref, both kinds, causal and not, grouped heads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/ops/ops.h"
#include "ops_test_util.h"

using namespace janus;
using namespace janus::test;

namespace {

struct Case {
  int64_t T, S, nh, nkv, hd;
};
// Decode (T=1) against long caches, prefill blocks (T not a multiple of the 4-row block), GQA,
// head dims that are not multiples of 16.
const Case kCases[] = {
    {1, 1, 1, 1, 16},   {1, 700, 4, 2, 64}, {1, 333, 4, 4, 128}, {5, 5, 4, 2, 64},
    {7, 20, 2, 1, 40},  {13, 13, 4, 2, 64}, {64, 64, 2, 1, 128}, {3, 50, 4, 4, 24},
    {2, 600, 4, 2, 64}, {70, 90, 2, 1, 256}};  // the last: wide heads, many queries (GEMM path)
const ops::AttentionKind kKinds[] = {ops::AttentionKind::Eager, ops::AttentionKind::Fused};

std::string label(const Path& path, ops::AttentionKind kind, bool causal, const Case& c) {
  return std::string(path_name(path)) + (kind == ops::AttentionKind::Eager ? " eager" : " fused") +
         (causal ? " causal" : "") + " T=" + std::to_string(c.T) + " S=" + std::to_string(c.S) +
         " nh=" + std::to_string(c.nh) + " nkv=" + std::to_string(c.nkv) + " hd=" + std::to_string(c.hd);
}

struct Data {
  std::vector<float> q, k, v;
};
Data make_qkv(const Case& c, uint32_t seed, bool integer_qk) {
  Data d;
  const size_t nq = size_t(c.T * c.nh * c.hd), nk = size_t(c.S * c.nkv * c.hd);
  d.q = integer_qk ? randint(nq, seed, 1) : randn(nq, seed);
  d.k = integer_qk ? randint(nk, seed + 1, 1) : randn(nk, seed + 1);
  d.v = randn(nk, seed + 2);
  return d;
}

}  // namespace

// F32: a score's f32 error is at most hd·u·scale·Σ|q_d k_d| (any order); the softmax weights
// move by at most 2·max|δs| in total, and the exp/sum add a few ulps, so
// |δout| <= max|v|·(4·hd·u·smax + 8·S·u) with smax = max scale·Σ|q_d k_d|.
TEST(OpsAttention, F32WithinDerivedBound) {
  ThreadPool pool(2);
  const double u = std::ldexp(1.0, -24);
  for (const Case& c : kCases) {
    Data d = make_qkv(c, 100, false);
    const float scale = 1.0f / std::sqrt(float(c.hd));
    double smax = 0, vmax = 0;
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t h = 0; h < c.nh; ++h)
        for (int64_t j = 0; j < c.S; ++j) {
          double m = 0;
          for (int64_t e = 0; e < c.hd; ++e)
            m += std::fabs(double(d.q[size_t((t * c.nh + h) * c.hd + e)]) *
                           d.k[size_t((j * c.nkv + h / (c.nh / c.nkv)) * c.hd + e)]);
          smax = std::max(smax, m * scale);
        }
    for (float x : d.v) vmax = std::max(vmax, double(std::fabs(x)));
    const double tol = vmax * (4 * double(c.hd) * u * smax + 8 * double(c.S) * u) + 1e-7;
    for (auto kind : kKinds)
      for (bool causal : {false, true}) {
        if (causal && c.T > c.S) continue;
        std::vector<float> ref(d.q.size()), got(d.q.size());
        ops::attention(ops::Context{nullptr, ops::Precision::F32, true}, kind, d.q.data(), c.T, d.k.data(),
                       d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, ref.data());
        for (const Path& path : kernel_paths()) {
          UsePath use(path);
          ops::attention(ops::Context{&pool, ops::Precision::F32, false}, kind, d.q.data(), c.T, d.k.data(),
                         d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, got.data());
          for (size_t i = 0; i < ref.size(); ++i)
            ASSERT_NEAR(got[i], ref[i], tol) << label(path, kind, causal, c) << " at " << i;
        }
      }
  }
}

// BF16: q, k in {-1, 0, 1} and a power-of-two scale make every score exact in both
// implementations, so the remaining differences are a bf16 rounding flip of a probability
// (<= 2^-8 relative each: <= 2^-8·max|v| in total) and of the output (one bf16 ulp).
TEST(OpsAttention, Bf16WithinRoundingBound) {
  ThreadPool pool(2);
  for (const Case& c : kCases) {
    Data d = make_qkv(c, 200, true);
    for (auto& x : d.v) x = bf16_to_f32(f32_to_bf16(x));  // V is a bf16 tensor in this mode
    const float scale = 0.125f;
    double vmax = 0;
    for (float x : d.v) vmax = std::max(vmax, double(std::fabs(x)));
    for (auto kind : kKinds)
      for (bool causal : {false, true}) {
        std::vector<float> ref(d.q.size()), got(d.q.size());
        ops::attention(ops::Context{nullptr, ops::Precision::BF16, true}, kind, d.q.data(), c.T, d.k.data(),
                       d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, ref.data());
        for (const Path& path : kernel_paths()) {
          UsePath use(path);
          ops::attention(ops::Context{&pool, ops::Precision::BF16, false}, kind, d.q.data(), c.T, d.k.data(),
                         d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, got.data());
          for (size_t i = 0; i < ref.size(); ++i) {
            const double tol = std::ldexp(vmax, -8) * 1.01 + std::ldexp(std::fabs(double(ref[i])), -7) + 1e-6;
            ASSERT_NEAR(got[i], ref[i], tol) << label(path, kind, causal, c) << " at " << i;
            ASSERT_TRUE(is_bf16_value(got[i])) << label(path, kind, causal, c);
          }
        }
      }
  }
}

// A causal query must not see later keys: changing keys/values after its last visible key leaves
// its output unchanged (bit for bit).
TEST(OpsAttention, CausalIgnoresFutureKeys) {
  ThreadPool pool(2);
  const Case c{9, 12, 4, 2, 32};
  Data d = make_qkv(c, 300, false);
  for (auto kind : kKinds)
    for (const Path& path : kernel_paths()) {
      UsePath use(path);
      std::vector<float> a(d.q.size()), b(d.q.size());
      ops::Context ctx{&pool, ops::Precision::F32, false};
      ops::attention(ctx, kind, d.q.data(), c.T, d.k.data(), d.v.data(), c.S, c.nh, c.nkv, c.hd, 0.2f, true,
                     a.data());
      Data e = d;
      const int64_t last = c.S - 1;  // visible only to the last query
      for (int64_t i = 0; i < c.nkv * c.hd; ++i) {
        e.k[size_t(last * c.nkv * c.hd + i)] += 3.0f;
        e.v[size_t(last * c.nkv * c.hd + i)] -= 5.0f;
      }
      ops::attention(ctx, kind, d.q.data(), c.T, e.k.data(), e.v.data(), c.S, c.nh, c.nkv, c.hd, 0.2f, true,
                     b.data());
      const size_t per_t = size_t(c.nh * c.hd);
      for (size_t i = 0; i < (c.T - 1) * per_t; ++i) ASSERT_EQ(a[i], b[i]) << path_name(path);
      bool changed = false;
      for (size_t i = (c.T - 1) * per_t; i < a.size(); ++i) changed |= a[i] != b[i];
      EXPECT_TRUE(changed) << path_name(path);
    }
}

TEST(OpsAttention, SameBitsForOneAndTwoThreads) {
  ThreadPool one(1), two(2);
  for (const Case& c : {Case{1, 700, 4, 2, 64}, Case{37, 37, 4, 2, 64}}) {
    Data d = make_qkv(c, 400, false);
    for (auto kind : kKinds)
      for (auto p : {ops::Precision::F32, ops::Precision::BF16})
        for (const Path& path : kernel_paths()) {
          UsePath use(path);
          std::vector<float> a(d.q.size()), b(d.q.size());
          ops::attention(ops::Context{&one, p, false}, kind, d.q.data(), c.T, d.k.data(), d.v.data(), c.S,
                         c.nh, c.nkv, c.hd, 0.125f, true, a.data());
          ops::attention(ops::Context{&two, p, false}, kind, d.q.data(), c.T, d.k.data(), d.v.data(), c.S,
                         c.nh, c.nkv, c.hd, 0.125f, true, b.data());
          ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << label(path, kind, true, c);
        }
  }
}

namespace {

double rbd(double x) {
  return bf16_to_f32(f32_to_bf16(float(x)));
}
// True when x ± delta round to the same bf16 value (the rounding of x is not in doubt).
bool settled(double x, double delta) {
  return rbd(x - delta) == rbd(x + delta);
}

// The BF16 semantics of ops.h evaluated in double, with every rounding point checked for doubt
// (a value within `rel` of a bf16 rounding boundary, where f32-vs-double differences upstream
// could flip it). sure[e] tells whether output e is settled.
void oracle_bf16(ops::AttentionKind kind, const Data& d, const Case& c, float scale, bool causal, int64_t t,
                 int64_t h, std::vector<float>& out, std::vector<bool>& sure) {
  const double rel = 1e-5;
  const int64_t kh = h / (c.nh / c.nkv), vis = causal ? c.S - c.T + t + 1 : c.S;
  const bool eager = kind == ops::AttentionKind::Eager;
  std::vector<double> s(static_cast<size_t>(vis)), p(static_cast<size_t>(vis));
  double mx = -INFINITY;
  for (int64_t j = 0; j < vis; ++j) {
    double dot = 0;  // exact: q is a multiple of 1/64, k in {-1, 0, 1}
    for (int64_t e = 0; e < c.hd; ++e)
      dot += double(d.q[size_t((t * c.nh + h) * c.hd + e)]) * d.k[size_t((j * c.nkv + kh) * c.hd + e)];
    // float(dot)·scale is one f32 product in both implementations, then rounded.
    s[size_t(j)] = eager ? rbd(float(rbd(dot)) * scale) : double(float(dot) * scale);
    mx = std::max(mx, s[size_t(j)]);
  }
  double sum = 0;
  for (int64_t j = 0; j < vis; ++j) sum += p[size_t(j)] = std::exp(s[size_t(j)] - mx);
  bool ok = true;  // all probabilities settled
  for (int64_t j = 0; j < vis; ++j) {
    double pre = eager ? p[size_t(j)] / sum : p[size_t(j)];
    ok &= settled(pre, rel * pre);
    p[size_t(j)] = rbd(pre);
  }
  out.assign(size_t(c.hd), 0.0f);
  sure.assign(size_t(c.hd), false);
  for (int64_t e = 0; e < c.hd; ++e) {
    double acc = 0, mag = 0;
    for (int64_t j = 0; j < vis; ++j) {
      double v = d.v[size_t((j * c.nkv + kh) * c.hd + e)];
      acc += p[size_t(j)] * v;
      mag += std::fabs(p[size_t(j)] * v);
    }
    double pre = eager ? acc : acc / sum;
    sure[size_t(e)] = ok && settled(pre, rel * (eager ? mag : mag / sum));
    out[size_t(e)] = float(rbd(pre));
  }
}

}  // namespace

// Exact check of the BF16 rounding points (score: bf16(bf16(q·k)·scale) for Eager; probabilities;
// output) against a double-precision oracle: whenever no rounding along the way is in doubt, the
// result is fully determined and every kernel must produce it bit for bit. q are multiples of
// 1/64 and k in {-1, 0, 1}, so q·k is exact in f32 yet not a bf16 value, and the scale
// 1/√hd is not a power of two, so dropping any rounding point changes many outputs.
TEST(OpsAttention, Bf16RoundingPointsExact) {
  ThreadPool pool(2);
  const Case cases[] = {{1, 9, 4, 2, 48}, {6, 6, 4, 2, 48}, {5, 17, 2, 1, 40}, {3, 24, 4, 4, 32}};
  for (const Case& c : cases) {
    Data d;
    d.q = randint(size_t(c.T * c.nh * c.hd), 500, 128);
    for (auto& x : d.q) x /= 64;
    d.k = randint(size_t(c.S * c.nkv * c.hd), 501, 1);
    d.v = randn(size_t(c.S * c.nkv * c.hd), 502);
    for (auto& x : d.v) x = bf16_to_f32(f32_to_bf16(x));
    const float scale = 1.0f / std::sqrt(float(c.hd));
    for (auto kind : kKinds)
      for (bool causal : {false, true}) {
        // Oracle per (t, h); only settled outputs are compared.
        std::vector<std::vector<float>> want(size_t(c.T * c.nh));
        std::vector<std::vector<bool>> sure(want.size());
        int64_t n_sure = 0;
        for (int64_t t = 0; t < c.T; ++t)
          for (int64_t h = 0; h < c.nh; ++h) {
            const size_t i = size_t(t * c.nh + h);
            oracle_bf16(kind, d, c, scale, causal, t, h, want[i], sure[i]);
            n_sure += std::count(sure[i].begin(), sure[i].end(), true);
          }
        ASSERT_GE(n_sure * 2, c.T * c.nh * c.hd) << "test data too often near rounding boundaries";
        std::vector<float> got(d.q.size());
        auto check = [&](const char* who) {
          for (int64_t i = 0; i < c.T * c.nh; ++i) {
            for (int64_t e = 0; e < c.hd; ++e) {
              if (!sure[size_t(i)][size_t(e)]) continue;
              ASSERT_EQ(got[size_t(i * c.hd + e)], want[size_t(i)][size_t(e)])
                  << who << " " << label(Path{ops::active_isa(), false}, kind, causal, c) << " row " << i
                  << " dim " << e;
            }
          }
        };
        ops::attention(ops::Context{nullptr, ops::Precision::BF16, true}, kind, d.q.data(), c.T, d.k.data(),
                       d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, got.data());
        check("reference");
        for (const Path& path : kernel_paths()) {
          UsePath use(path);
          ops::attention(ops::Context{&pool, ops::Precision::BF16, false}, kind, d.q.data(), c.T, d.k.data(),
                         d.v.data(), c.S, c.nh, c.nkv, c.hd, scale, causal, got.data());
          check("fast");
        }
      }
  }
}

// A bf16 KV cache: K/V as bf16 rows give exactly the result of attention() on the widened rows, on
// every kernel path, precision and kind, causal or not, with grouped heads.
TEST(OpsAttention, Bf16KvRowsEqualWidenedRows) {
  ThreadPool pool(2);
  struct Case {
    int64_t T, S, nh, nkv, hd;
    bool causal;
  };
  for (const Case& cs :
       {Case{1, 37, 4, 2, 64, true}, Case{9, 9, 2, 2, 80, true}, Case{5, 21, 3, 1, 16, false}}) {
    const size_t nq = size_t(cs.T * cs.nh * cs.hd), nk = size_t(cs.S * cs.nkv * cs.hd);
    const auto q = randn(nq, 71);
    std::vector<uint16_t> kb(nk), vb(nk);
    std::vector<float> kf(nk), vf(nk);
    const auto kr = randn(nk, 72), vr = randn(nk, 73);
    for (size_t i = 0; i < nk; ++i) {
      kb[i] = f32_to_bf16(kr[i]), vb[i] = f32_to_bf16(vr[i]);
      kf[i] = bf16_to_f32(kb[i]), vf[i] = bf16_to_f32(vb[i]);
    }
    for (ops::AttentionKind kind : {ops::AttentionKind::Eager, ops::AttentionKind::Fused})
      for (ops::Precision p : {ops::Precision::F32, ops::Precision::BF16})
        for (bool reference : {true, false})
          for (const Path& path : kernel_paths()) {
            UsePath use(path);
            const ops::Context c{&pool, p, reference};
            std::vector<float> want(nq), got(nq);
            const float scale = 1.0f / std::sqrt(float(cs.hd));
            ops::attention(c, kind, q.data(), cs.T, kf.data(), vf.data(), cs.S, cs.nh, cs.nkv, cs.hd, scale,
                           cs.causal, want.data());
            ops::attention_kv_bf16(c, kind, q.data(), cs.T, kb.data(), vb.data(), cs.S, cs.nh, cs.nkv, cs.hd,
                                   scale, cs.causal, got.data());
            ASSERT_EQ(got, want) << path_name(path) << " T" << cs.T << " S" << cs.S
                                 << (reference ? " ref" : "");
          }
  }
}
