// Sampling: HF semantics on fixed logits, the RNG against published SplitMix64 values, and draws whose
// frequencies over many seeds follow the distribution (chi-square).
#include "pipelines/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "../common/tiny_models.h"

using namespace janus;
using janus::test::expect_error;

namespace {

std::set<int32_t> ids_of(const std::vector<Candidate>& c) {
  std::set<int32_t> s;
  for (const Candidate& x : c) s.insert(x.id);
  return s;
}

std::vector<float> log_probs(std::initializer_list<double> p) {
  std::vector<float> v;
  for (double x : p) v.push_back(float(std::log(x)));
  return v;
}

TEST(Rng, SplitMix64ReferenceValues) {
  // Vigna's splitmix64.c with x = 0 (and 42): the widely published first outputs.
  Rng a(0);
  EXPECT_EQ(a.next_u64(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(a.next_u64(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(a.next_u64(), 0x06C45D188009454Full);
  Rng b(42);
  EXPECT_EQ(b.next_u64(), 0xBDD732262FEB6E95ull);
  Rng c(7);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = c.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(Sampling, ArgmaxLowestIndexOnTiesAndSkipsNaN) {
  EXPECT_EQ(argmax(std::vector<float>{1, 3, 3, 2}), 1);
  EXPECT_EQ(argmax(std::vector<float>{NAN, -1, NAN, -1}), 1);
  EXPECT_EQ(argmax(std::vector<float>{NAN, NAN}), -1);
  EXPECT_EQ(argmax(std::vector<float>{-INFINITY, -INFINITY}), 0);
}

TEST(Sampling, RepetitionPenaltyArithmetic) {
  std::vector<float> l = {2.0f, -2.0f, 0.0f, 3.0f, 1.5f};
  // Repeated ids are penalised once; out-of-range and negative ids are ignored.
  apply_repetition_penalty(l, std::vector<int32_t>{0, 1, 2, 0, 0, 9, -1}, 2.0f);
  EXPECT_EQ(l, (std::vector<float>{1.0f, -4.0f, 0.0f, 3.0f, 1.5f}));
  apply_repetition_penalty(l, std::vector<int32_t>{3, 4}, 0.5f);  // < 1 encourages repeats
  EXPECT_EQ(l, (std::vector<float>{1.0f, -4.0f, 0.0f, 6.0f, 3.0f}));
  // Greedy sees the penalised logits: token 0 loses to token 1 once penalised.
  Rng rng(0);
  SamplingParams p;
  p.repetition_penalty = 1.3f;
  EXPECT_EQ(sample_next(std::vector<float>{1.2f, 1.0f}, std::vector<int32_t>{}, p, rng), 0);
  EXPECT_EQ(sample_next(std::vector<float>{1.2f, 1.0f}, std::vector<int32_t>{0}, p, rng), 1);
}

TEST(Sampling, TemperatureSoftmax) {
  SamplingParams p;
  p.temperature = 0.5f;
  const auto c = sampling_candidates(std::vector<float>{0.0f, 1.0f, 2.0f}, p);
  ASSERT_EQ(c.size(), 3u);
  const double z = 1 + std::exp(2.0) + std::exp(4.0);
  EXPECT_EQ(c[0].id, 2);
  EXPECT_NEAR(c[0].prob, std::exp(4.0) / z, 1e-12);
  EXPECT_NEAR(c[1].prob, std::exp(2.0) / z, 1e-12);
  EXPECT_NEAR(c[2].prob, 1 / z, 1e-12);
}

TEST(Sampling, TopKKeepsTiesWithTheKth) {
  SamplingParams p;
  p.temperature = 1;
  p.top_k = 2;
  EXPECT_EQ(ids_of(sampling_candidates(std::vector<float>{1, 5, 3, 5, 2}, p)), (std::set<int32_t>{1, 3}));
  p.top_k = 3;
  EXPECT_EQ(ids_of(sampling_candidates(std::vector<float>{1, 5, 3, 5, 2}, p)), (std::set<int32_t>{1, 2, 3}));
  p.top_k = 2;  // HF removes only logits strictly below the k-th largest
  EXPECT_EQ(ids_of(sampling_candidates(std::vector<float>{1, 2, 2, 2, 0}, p)), (std::set<int32_t>{1, 2, 3}));
  p.top_k = 50;  // k past the vocabulary: everything
  EXPECT_EQ(sampling_candidates(std::vector<float>{1, 2, 3}, p).size(), 3u);
}

TEST(Sampling, TopPSets) {
  SamplingParams p;
  p.temperature = 1;
  const auto l = log_probs({0.1, 0.4, 0.2, 0.3});  // descending: ids 1, 3, 2, 0
  auto set_for = [&](float top_p, int top_k = 0) {
    p.top_p = top_p;
    p.top_k = top_k;
    return ids_of(sampling_candidates(l, p));
  };
  EXPECT_EQ(set_for(0.3f), (std::set<int32_t>{1}));
  EXPECT_EQ(set_for(0.05f), (std::set<int32_t>{1}));  // always at least the most likely
  EXPECT_EQ(set_for(0.65f), (std::set<int32_t>{1, 3}));
  EXPECT_EQ(set_for(0.75f), (std::set<int32_t>{1, 3, 2}));
  EXPECT_EQ(set_for(0.95f), (std::set<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(set_for(1.0f), (std::set<int32_t>{0, 1, 2, 3}));
  // top-k first, then top-p over the renormalised top 3 (0.444, 0.333, 0.222): order matters.
  EXPECT_EQ(set_for(0.75f, 3), (std::set<int32_t>{1, 3}));
  p.top_p = 0.75f;
  p.top_k = 0;
  const auto c = sampling_candidates(l, p);
  double sum = 0;
  for (const auto& x : c) sum += x.prob;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_NEAR(c[0].prob, 0.4 / 0.9, 1e-6);
}

TEST(Sampling, TopPIsTheSmallestPrefixReachingP) {
  Rng rng(123);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> l(64);
    for (float& x : l) x = float(rng.next_double() * 8 - 4);
    SamplingParams all;
    all.temperature = 1.3f;
    const auto full = sampling_candidates(l, all);
    SamplingParams p = all;
    p.top_p = float(0.05 + 0.9 * rng.next_double());
    const auto kept = sampling_candidates(l, p);
    ASSERT_GE(kept.size(), 1u);
    double head = 0;
    for (size_t i = 0; i < kept.size(); ++i) {
      ASSERT_EQ(kept[i].id, full[i].id);  // a prefix of the descending order
      if (i + 1 < kept.size()) head += full[i].prob;
    }
    EXPECT_LT(head, p.top_p + 1e-6);                               // one fewer does not reach p
    EXPECT_GE(head + full[kept.size() - 1].prob, p.top_p - 1e-6);  // the kept set does
  }
}

TEST(Sampling, DrawInverseCdf) {
  const std::vector<Candidate> c = {{5, 0.5}, {7, 0.25}, {2, 0.25}};
  EXPECT_EQ(draw(c, 0.0), 5);
  EXPECT_EQ(draw(c, 0.4999), 5);
  EXPECT_EQ(draw(c, 0.5), 7);
  EXPECT_EQ(draw(c, 0.7499), 7);
  EXPECT_EQ(draw(c, 0.75), 2);
  EXPECT_EQ(draw(c, 0.999999), 2);
  EXPECT_EQ(draw({}, 0.5), -1);
}

// Chi-square of first draws over seeds 0..N-1 (one draw per seed: seeds must give independent streams).
double chi_square(const std::vector<float>& logits, const SamplingParams& p,
                  const std::vector<double>& expect) {
  const int n = 20000;
  std::vector<int> count(logits.size(), 0);
  for (int s = 0; s < n; ++s) {
    Rng rng{uint64_t(s)};
    ++count[size_t(sample_next(logits, std::vector<int32_t>{}, p, rng))];
  }
  double chi = 0;
  for (size_t i = 0; i < expect.size(); ++i) {
    if (expect[i] == 0) {
      EXPECT_EQ(count[i], 0) << "token " << i << " is outside the sampling set";
      continue;
    }
    const double e = expect[i] * n;
    chi += (count[i] - e) * (count[i] - e) / e;
  }
  return chi;
}

TEST(Sampling, DrawsFollowTheDistribution) {
  SamplingParams p;
  p.temperature = 1;
  // df = 3: P(chi2 > 21.1) = 1e-4.
  EXPECT_LT(chi_square(log_probs({0.5, 0.3, 0.15, 0.05}), p, {0.5, 0.3, 0.15, 0.05}), 21.1);
  p.temperature = 2;  // p^(1/2), renormalised
  const double z = std::sqrt(0.5) + std::sqrt(0.3) + std::sqrt(0.15) + std::sqrt(0.05);
  EXPECT_LT(chi_square(log_probs({0.5, 0.3, 0.15, 0.05}), p,
                       {std::sqrt(0.5) / z, std::sqrt(0.3) / z, std::sqrt(0.15) / z, std::sqrt(0.05) / z}),
            21.1);
  p.temperature = 1;
  p.top_p = 0.85f;  // keeps 0.5 + 0.3 + 0.15; df = 2: P(chi2 > 18.4) = 1e-4
  EXPECT_LT(chi_square(log_probs({0.5, 0.3, 0.15, 0.05}), p, {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}), 18.4);
  p.top_p = 1;
  p.top_k = 2;  // df = 1: P(chi2 > 15.1) = 1e-4
  EXPECT_LT(chi_square(log_probs({0.5, 0.3, 0.15, 0.05}), p, {0.5 / 0.8, 0.3 / 0.8, 0, 0}), 15.1);
}

TEST(Sampling, SameSeedSameTokens) {
  std::vector<float> l(1000);
  Rng g(9);
  for (float& x : l) x = float(g.next_double() * 6);
  SamplingParams p;
  p.temperature = 0.8f;
  p.top_k = 40;
  p.top_p = 0.9f;
  p.repetition_penalty = 1.1f;
  auto run = [&](uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> hist, out;
    for (int i = 0; i < 50; ++i) {
      const int32_t id = sample_next(l, hist, p, rng);
      hist.push_back(id);
      out.push_back(id);
    }
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampling, GreedyIgnoresRng) {
  SamplingParams p;
  Rng a(1), b(2);
  const std::vector<float> l = {0.1f, 0.7f, 0.7f, 0.2f};
  EXPECT_EQ(sample_next(l, std::vector<int32_t>{}, p, a), 1);
  EXPECT_EQ(sample_next(l, std::vector<int32_t>{}, p, b), 1);
}

TEST(Sampling, Validation) {
  auto bad = [](auto set, const char* field) {
    SamplingParams p;
    set(p);
    expect_error([&] { validate(p); }, ErrorKind::InvalidArgument, {field});
  };
  bad([](SamplingParams& p) { p.temperature = -0.1f; }, "temperature");
  bad([](SamplingParams& p) { p.temperature = NAN; }, "temperature");
  bad([](SamplingParams& p) { p.temperature = INFINITY; }, "temperature");
  bad([](SamplingParams& p) { p.top_k = -1; }, "top_k");
  bad([](SamplingParams& p) { p.top_p = 0; }, "top_p");
  bad([](SamplingParams& p) { p.top_p = 1.5f; }, "top_p");
  bad([](SamplingParams& p) { p.repetition_penalty = 0; }, "repetition_penalty");
  SamplingParams ok;
  EXPECT_NO_THROW(validate(ok));
  Rng rng(0);
  expect_error(
      [&] {
        sample_next(std::vector<float>{NAN, NAN}, std::vector<int32_t>{}, ok, rng);
      },
      ErrorKind::Internal, {"logits"});
}

}  // namespace
