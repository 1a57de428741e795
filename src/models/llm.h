// DeepSeek-LLM (HF LlamaForCausalLM semantics, eager attention) with a KV cache.
// Batched: B sequences of equal length share positions (the CFG pair, or n images × 2).
#pragma once

#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/config/config.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"

namespace janus {

struct KvCache {
  int64_t batch = 0, capacity = 0, len = 0;  // len: positions already cached
  // Per layer [batch, capacity, n_kv_heads, head_dim], post-RoPE keys: bf16 in a BF16 run (exact: the
  // values are bf16 already), f32 in an F32 run.
  std::vector<Tensor> k, v;
  // [batch, capacity]: 1 = key position hidden from every query (HF attention_mask 0: JanusFlow's CFG
  // rows keep their pad positions and RoPE indices but nobody attends to them). Empty: nothing masked.
  std::vector<uint8_t> masked;
  // Hides positions [begin, end) of sequence `row` (Error(InvalidArgument) when out of range).
  void mask(int64_t row, int64_t begin, int64_t end);
  // Drops positions >= n (multi-turn prefix reuse).
  void truncate(int64_t n) { len = n < 0 ? 0 : (n < len ? n : len); }
};

class Llm {
 public:
  // Binds "language_model.model.*" and "language_model.lm_head.weight"; checks shapes against cfg.
  // `precision` fixes the RoPE table (inv_freq bf16-rounded in BF16); forward() requires a Context
  // of the same precision. rope_scaling: "linear" is applied; other types are Error(Unsupported).
  Llm(const TensorStore& w, const LlamaConfig& cfg, ops::Precision precision);

  KvCache make_cache(int64_t batch, int64_t capacity) const;
  // Token embeddings: out [n, hidden].
  void embed(const ops::Context& c, const int32_t* ids, int64_t n, float* out) const;
  // Runs T new positions per sequence (each attends causally to its row's unmasked keys): embeds [batch, T,
  // hidden], positions cache.len .. cache.len+T-1, appends K/V to the cache. Returns hidden states after the
  // final norm: [batch, T, hidden], or [batch, 1, hidden] (last position only) when last_only. Error if the
  // cache would overflow. Dumps "language_model.model.layers.{i}" (layer outputs) when dump is set.
  Tensor forward(const ops::Context& c, const Tensor& embeds, KvCache& cache, bool last_only,
                 const DumpFn& dump = {}) const;
  // lm_head: hidden [rows, hidden] -> logits [rows, vocab].
  Tensor logits(const ops::Context& c, const Tensor& hidden) const;

  int64_t hidden_size() const { return hidden_; }
  int64_t vocab_size() const { return vocab_; }
  int64_t num_layers() const { return int64_t(layers_.size()); }
  ops::Precision precision() const { return precision_; }

 private:
  struct Layer {
    const TensorView *input_norm, *post_norm;
    ops::Linear q, k, v, o, gate, up, down;
  };
  int64_t hidden_ = 0, vocab_ = 0, heads_ = 0, kv_heads_ = 0, head_dim_ = 0, intermediate_ = 0;
  float eps_ = 1e-6f;
  ops::Precision precision_ = ops::Precision::F32;
  ops::Rope rope_;
  const TensorView* embed_ = nullptr;  // [vocab, hidden]
  const TensorView* norm_ = nullptr;
  ops::Linear lm_head_;
  std::vector<Layer> layers_;
};

}  // namespace janus
