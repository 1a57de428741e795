#include "pipelines/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "core/error.h"

namespace janus {

void validate(const SamplingParams& p) {
  if (!(p.temperature >= 0.0f) || !std::isfinite(p.temperature))
    fail(ErrorKind::InvalidArgument, "sampling.temperature", "must be a finite number >= 0");
  if (p.top_k < 0) fail(ErrorKind::InvalidArgument, "sampling.top_k", "must be >= 0 (0 = off)");
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f))
    fail(ErrorKind::InvalidArgument, "sampling.top_p", "must be in (0, 1] (1 = off)");
  if (!(p.repetition_penalty > 0.0f) || !std::isfinite(p.repetition_penalty))
    fail(ErrorKind::InvalidArgument, "sampling.repetition_penalty", "must be a finite number > 0 (1 = off)");
}

uint64_t Rng::next_u64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::next_double() {
  return double(next_u64() >> 11) * 0x1.0p-53;
}

void apply_repetition_penalty(std::span<float> logits, std::span<const int32_t> history, float penalty) {
  if (penalty == 1.0f) return;
  std::unordered_set<int32_t> seen;  // HF gathers per distinct id: each logit is penalised once
  for (int32_t id : history) {
    if (id < 0 || size_t(id) >= logits.size() || !seen.insert(id).second) continue;
    float& x = logits[size_t(id)];
    x = x < 0 ? x * penalty : x / penalty;
  }
}

int32_t argmax(std::span<const float> logits) {
  int32_t best = -1;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(logits[i])) continue;
    if (best < 0 || logits[i] > logits[size_t(best)]) best = int32_t(i);  // strict: first index wins ties
  }
  return best;
}

std::vector<Candidate> sampling_candidates(std::span<const float> logits, const SamplingParams& p) {
  if (!(p.temperature > 0.0f))
    fail(ErrorKind::InvalidArgument, "sampling.temperature", "must be > 0 to sample");
  const float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> s(logits.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = std::isnan(logits[i]) ? ninf : logits[i] / p.temperature;

  // top-k: the k-th largest value is the threshold; everything equal to it stays (HF uses `<`).
  float threshold = ninf;
  if (p.top_k > 0 && size_t(p.top_k) < s.size()) {
    std::vector<float> tmp = s;
    std::nth_element(tmp.begin(), tmp.begin() + (p.top_k - 1), tmp.end(), std::greater<float>());
    threshold = tmp[size_t(p.top_k - 1)];
  }
  std::vector<Candidate> c;
  float mx = ninf;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ninf || s[i] < threshold) continue;  // -inf has probability 0 after softmax
    c.push_back({int32_t(i), double(s[i])});
    mx = std::max(mx, s[i]);
  }
  if (c.empty()) return c;
  double total = 0;
  for (Candidate& x : c) total += (x.prob = std::exp(x.prob - double(mx)));
  for (Candidate& x : c) x.prob /= total;
  std::sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
    return a.prob != b.prob ? a.prob > b.prob : a.id < b.id;
  });

  if (p.top_p < 1.0f) {
    // HF sorts ascending and drops tokens whose cumulative probability is <= 1 - top_p; in descending
    // order that cumulative is the tail sum from each token to the least likely one.
    const double cut = 1.0 - double(p.top_p);
    double tail = 0;
    size_t keep = c.size();
    for (size_t i = c.size(); i-- > 1;) {  // index 0 (the most likely) is always kept
      tail += c[i].prob;
      if (tail <= cut)
        keep = i;
      else
        break;
    }
    c.resize(keep);
    double kept = 0;
    for (const Candidate& x : c) kept += x.prob;
    for (Candidate& x : c) x.prob /= kept;
  }
  return c;
}

int32_t draw(std::span<const Candidate> candidates, double u) {
  if (candidates.empty()) return -1;
  double total = 0;
  for (const Candidate& x : candidates) total += x.prob;
  const double target = u * total;
  double cum = 0;
  for (const Candidate& x : candidates) {
    cum += x.prob;
    if (cum > target) return x.id;
  }
  return candidates.back().id;  // u * total rounded up to the full sum
}

int32_t sample_next(std::span<const float> logits, std::span<const int32_t> history, const SamplingParams& p,
                    Rng& rng) {
  std::vector<float> x(logits.begin(), logits.end());
  apply_repetition_penalty(x, history, p.repetition_penalty);
  int32_t id;
  if (p.temperature == 0.0f) {
    id = argmax(x);
  } else {
    id = draw(sampling_candidates(x, p), rng.next_double());
  }
  if (id < 0) fail(ErrorKind::Internal, "logits", "no finite logit to choose a token from");
  return id;
}

}  // namespace janus
