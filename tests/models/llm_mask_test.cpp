// KV-cache key masking (HF attention_mask 0), as JanusFlow's CFG rows use it: masked positions keep
// their RoPE indices but no query attends to them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "../common/model_fixtures.h"
#include "models/llm.h"

namespace janus {
namespace {

Tensor random_embeds(int64_t B, int64_t T, int64_t H, uint32_t seed) {
  Tensor x = Tensor::f32({B, T, H});
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.f()[i] = d(g);
  return x;
}

double max_abs_diff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

class LlmMask : public ::testing::TestWithParam<ops::Precision> {};

// Row 1 hides positions 1..P-2 of its prefix; values placed there must not change anything it
// computes afterwards, while row 0 (no mask) does see them.
TEST_P(LlmMask, MaskedKeysHaveNoEffect) {
  REQUIRE_TINY();
  const ModelBundle& m = test::bundle("janusflow-1.3b");
  const ops::Context c = test::context(GetParam());
  Llm llm(*m.weights, m.config.language, GetParam());
  const int64_t H = llm.hidden_size(), P = 9, T = 7;
  Tensor prefix_a = random_embeds(2, P, H, 1), prefix_b = random_embeds(2, P, H, 1);
  for (int64_t r = 0; r < 2; ++r)  // same BOS (position 0) and last slot, other masked values differ
    for (int64_t p = 1; p < P - 1; ++p)
      for (int64_t i = 0; i < H; ++i) prefix_b.f()[(r * P + p) * H + i] += 3.0f;
  Tensor tail = random_embeds(2, T, H, 2);
  Tensor out[2];
  for (int k = 0; k < 2; ++k) {
    KvCache cache = llm.make_cache(2, P + T);
    cache.mask(1, 1, P - 1);
    llm.forward(c, k == 0 ? prefix_a : prefix_b, cache, false);
    out[k] = llm.forward(c, tail, cache, false);  // [2, T, H]
  }
  EXPECT_EQ(max_abs_diff(out[0].f() + T * H, out[1].f() + T * H, T * H), 0.0) << "masked row changed";
  EXPECT_GT(max_abs_diff(out[0].f(), out[1].f(), T * H), 1e-3) << "unmasked row should change";
}

// Full recomputation (masked positions among the new queries) equals prefix-then-tail through the cache.
TEST_P(LlmMask, RecomputeEqualsCachedPrefix) {
  REQUIRE_TINY();
  const ModelBundle& m = test::bundle("janusflow-1.3b");
  const ops::Context c = test::context(GetParam());
  Llm llm(*m.weights, m.config.language, GetParam());
  const int64_t H = llm.hidden_size(), P = 9, T = 7, L = P + T;
  Tensor all = random_embeds(2, L, H, 3);
  Tensor prefix = Tensor::f32({2, P, H}), tail = Tensor::f32({2, T, H});
  for (int64_t r = 0; r < 2; ++r) {
    std::memcpy(prefix.f() + r * P * H, all.f() + r * L * H, size_t(P * H) * sizeof(float));
    std::memcpy(tail.f() + r * T * H, all.f() + (r * L + P) * H, size_t(T * H) * sizeof(float));
  }
  KvCache full = llm.make_cache(2, L);
  full.mask(1, 1, P - 1);
  Tensor ref = llm.forward(c, all, full, false);  // [2, L, H]
  KvCache cached = llm.make_cache(2, L);
  cached.mask(1, 1, P - 1);
  llm.forward(c, prefix, cached, false);
  Tensor got = llm.forward(c, tail, cached, false);  // [2, T, H]
  const double tol = GetParam() == ops::Precision::F32 ? 1e-4 : 0.1;
  for (int64_t r = 0; r < 2; ++r)
    EXPECT_LE(max_abs_diff(ref.f() + (r * L + P) * H, got.f() + r * T * H, T * H), tol) << "row " << r;
}

TEST(LlmMaskArgs, OutOfRangeIsAnError) {
  KvCache cache;
  cache.batch = 2;
  cache.capacity = 8;
  test::expect_error([&] { cache.mask(2, 0, 1); }, ErrorKind::InvalidArgument, {"kv cache mask"});
  test::expect_error([&] { cache.mask(0, 3, 9); }, ErrorKind::InvalidArgument, {"kv cache mask"});
}

INSTANTIATE_TEST_SUITE_P(Precisions, LlmMask, ::testing::Values(ops::Precision::F32, ops::Precision::BF16));

}  // namespace
}  // namespace janus
