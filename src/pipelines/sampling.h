// Next-token selection with Hugging Face `generate` semantics (repetition penalty, then temperature,
// top-k, top-p, multinomial draw) and an own seeded RNG, so a seed gives the same tokens on every
// machine and thread count (the draw itself is single-threaded and platform independent).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace janus {

struct SamplingParams {
  float temperature = 0.0f;         // 0: greedy (argmax, lowest index on ties); > 0: sample
  int top_k = 0;                    // 0: off; else keep the k largest (ties with the k-th kept, as HF)
  float top_p = 1.0f;               // 1: off; else the smallest set whose probability reaches top_p
  float repetition_penalty = 1.0f;  // 1: off; HF/CTRL: logit > 0 ? logit / p : logit * p
  uint64_t seed = 0;
};

// Checks ranges (temperature >= 0 and finite, top_k >= 0, 0 < top_p <= 1, penalty > 0 and finite);
// Error(InvalidArgument) naming the field otherwise.
void validate(const SamplingParams& p);

// SplitMix64: tiny, well-mixed, and the same stream everywhere for the same seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  double next_double();  // uniform in [0, 1), 53 random bits
 private:
  uint64_t state_;
};

// HF RepetitionPenaltyLogitsProcessor over the distinct ids of `history` (prompt + generated), in
// place. Ids outside the logits are ignored.
void apply_repetition_penalty(std::span<float> logits, std::span<const int32_t> history, float penalty);

// Index of the largest logit, lowest index on ties; NaN never wins. -1 if every logit is NaN.
int32_t argmax(std::span<const float> logits);

struct Candidate {
  int32_t id;
  double prob;  // renormalised over the kept candidates
};

// The distribution a sampled token is drawn from: logits / temperature, then top-k (HF TopKLogitsWarper:
// drop logits below the k-th largest), then top-p (HF TopPLogitsWarper: sorted ascending, drop tokens
// whose cumulative probability is <= 1 - top_p, always keep the most likely), then softmax.
// Sorted by probability descending, ties by id ascending. Requires temperature > 0.
std::vector<Candidate> sampling_candidates(std::span<const float> logits, const SamplingParams& p);

// Inverse-CDF draw: the first candidate whose cumulative probability exceeds u * total (u in [0, 1)).
int32_t draw(std::span<const Candidate> candidates, double u);

// One step: copies logits, applies the penalty over `history`, then argmax (temperature 0) or a draw
// from sampling_candidates with one rng.next_double(). Error(Internal) if no logit is a number.
int32_t sample_next(std::span<const float> logits, std::span<const int32_t> history, const SamplingParams& p,
                    Rng& rng);

}  // namespace janus
