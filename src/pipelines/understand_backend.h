// The compute an UnderstandSession drives. The real implementation wraps UnderstandingModel
// (vision tower + aligner + LLM); tests substitute small fakes to check the session's bookkeeping.
#pragma once

#include <cstdint>
#include <memory>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "models/dump.h"
#include "models/llm.h"

namespace janus {

struct UnderstandingModel;

class UnderstandBackend {
 public:
  virtual ~UnderstandBackend() = default;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t vocab_size() const = 0;      // logits per position (lm_head rows)
  virtual int64_t rows_per_image() const = 0;  // rows image_rows gives per image (576; JanusFlow 577)
  // A batch-1 cache with room for `capacity` positions.
  virtual KvCache make_cache(int64_t capacity) const = 0;
  // Token embeddings: out [n, hidden].
  virtual void embed(const ops::Context& c, const int32_t* ids, int64_t n, float* out) const = 0;
  // pixels [n, 3, S, S] -> rows written over the image positions [n * rows_per_image, hidden].
  virtual Tensor image_rows(const ops::Context& c, const Tensor& pixels, const DumpFn& dump) const = 0;
  // Llm::forward semantics: embeds [1, T, hidden] at positions cache.len.., appends to the cache,
  // returns [1, T or 1, hidden] after the final norm.
  virtual Tensor forward(const ops::Context& c, const Tensor& embeds, KvCache& cache, bool last_only,
                         const DumpFn& dump) const = 0;
  // hidden [rows, hidden] -> logits [rows, vocab].
  virtual Tensor logits(const ops::Context& c, const Tensor& hidden) const = 0;
};

// Adapter over a loaded model; `model` must outlive the returned backend.
std::shared_ptr<const UnderstandBackend> make_understand_backend(const UnderstandingModel& model);

}  // namespace janus
