// Image understanding / multi-turn chat with a Janus or JanusFlow model.
//
// Each respond() renders the WHOLE conversation with the model's official template (as the official
// processor does every turn), keeps the KV cache for the longest prefix whose token ids and images are
// unchanged since the last call, runs the rest of the prompt (image rows merged at the image
// positions), then generates until EOS, max_new_tokens, a stop string, or cancellation.
//
//   auto bundle = load_model_bundle(dir, /*load_tensors=*/true);
//   auto model = build_understanding_model(*bundle, ops::Precision::BF16);  // models/understanding_model.h
//   UnderstandSession chat(*bundle, *model, ctx);        // ctx: thread pool + the same precision
//   std::vector<Message> conv = {{Role::User, "What is this?", {decode_image_file("cat.png")}}};
//   UnderstandResult r = chat.respond(conv, {}, [](std::string_view s) { fputs(...); return true; });
//   conv.push_back({Role::Assistant, r.text});
//   conv.push_back({Role::User, "And the colour?"});     // next turn reuses the cached prefix
//   r = chat.respond(conv, {});
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops/ops.h"
#include "models/dump.h"
#include "models/llm.h"
#include "pipelines/prompt.h"
#include "pipelines/sampling.h"

namespace janus {

struct ModelBundle;
struct UnderstandingModel;
class UnderstandBackend;

struct UnderstandParams {
  SamplingParams sampling;        // default: greedy
  int64_t max_new_tokens = 512;   // >= 1; prompt + max_new_tokens must fit max_position_embeddings
  std::vector<std::string> stop;  // stop strings: generation ends when the answer contains one;
                                  // the answer is cut before it
  const std::atomic<bool>* cancel = nullptr;  // polled before the prefill and every decode step
  std::vector<float>* first_logits = nullptr;  // when set, receives the logits [vocab] of the first
                                               // answer position (janus_answer_probability)
};

enum class StopReason { Eos, Length, Stop, Cancelled };
const char* stop_reason_name(StopReason r);  // "eos", "length", "stop", "cancelled"

struct UnderstandResult {
  std::string text;  // the answer (special tokens skipped, cut before a stop string), as streamed;
                     // when cancelled, only what was streamed before the cancel
  std::vector<int32_t> output_ids;  // generated ids, the EOS included when it ended the answer
  StopReason stop_reason = StopReason::Eos;
  int64_t prompt_tokens = 0;   // positions of the expanded prompt (image positions included)
  int64_t reused_tokens = 0;   // of those, kept in the KV cache from the previous call
  int64_t prefill_tokens = 0;  // positions run in this call's prefill (= prompt_tokens - reused_tokens)
  int64_t images_encoded = 0;  // images run through the vision tower in this call
  double encode_ms = 0;        // image preprocessing + vision tower + aligner
  double prefill_ms = 0;
  double decode_ms = 0;
  std::vector<std::string> warnings;  // e.g. past the trained 4096-position context
};

// Called with each new piece of answer text (whole UTF-8 characters). Return false to stop (cancel).
using TextCallback = std::function<bool(std::string_view piece)>;

class UnderstandSession {
 public:
  // `bundle` and `model` must outlive the session. Error(Model) when the bundle's processor and
  // tokenizer do not fit the model (missing tags, num_image_tokens != the tower's tokens).
  UnderstandSession(const ModelBundle& bundle, const UnderstandingModel& model, const ops::Context& ctx);
  UnderstandSession(const ModelBundle& bundle, std::shared_ptr<const UnderstandBackend> backend,
                    const ops::Context& ctx);
  ~UnderstandSession();
  UnderstandSession(const UnderstandSession&) = delete;
  UnderstandSession& operator=(const UnderstandSession&) = delete;

  // Answers the last user message of `conversation` (or fills a trailing empty assistant turn).
  // Errors (InvalidArgument): image count != tag count, roles out of order, prompt + max_new_tokens
  // past the context, bad sampling values. Invalid requests leave the cache untouched.
  // Dumps (when `dump` is set): "input_ids" int64 [T] (expanded ids), "pixel_values" f32 [n,3,S,S]
  // (every image of the conversation), "logits_0" f32 [V] (first generated position), "output_ids"
  // int64 [n]; the model dumps its own intermediates (vision_features, image_embeds, ...) for the
  // images it encodes in this call (images still in the cache are not re-encoded).
  UnderstandResult respond(std::span<const Message> conversation, const UnderstandParams& params,
                           const TextCallback& on_text = {}, const DumpFn& dump = {});

  // Forgets the cached conversation.
  void reset();

  const PromptFormat& format() const { return format_; }
  int64_t cached_tokens() const { return int64_t(cached_ids_.size()); }
  // Positions prefilled or decoded through the LLM since construction (tests check reuse with it).
  int64_t forwarded_tokens() const { return forwarded_; }

 private:
  struct CachedImage {
    int64_t start;  // first overwritten position
    uint64_t hash;  // of the decoded RGB image (size + pixels)
  };
  void ensure_capacity(int64_t positions);

  const ModelBundle& bundle_;
  std::shared_ptr<const UnderstandBackend> backend_;
  ops::Context ctx_;
  PromptFormat format_;
  int64_t max_positions_ = 0;
  KvCache cache_;
  std::vector<int32_t> cached_ids_;  // ids whose K/V the cache holds, position by position
  std::vector<CachedImage> cached_images_;
  int64_t forwarded_ = 0;
};

}  // namespace janus
