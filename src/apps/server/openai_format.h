// Response bodies in OpenAI's shapes: chat completions and their stream chunks, image results,
// the model list.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "job.h"

namespace janus::serve {

// "chatcmpl-" plus 24 random hex digits.
std::string new_completion_id();
int64_t unix_time();

struct CompletionMeta {
  std::string id, model;
  int64_t created = 0;
};

nlohmann::ordered_json chat_completion(const CompletionMeta& m, const ChatResult& r);
// One chat.completion.chunk: `delta` as given, finish_reason null or a string; usage_field adds
// "usage": null (stream_options.include_usage asks for it on every chunk).
nlohmann::ordered_json chat_chunk(const CompletionMeta& m, nlohmann::ordered_json delta,
                                  const std::string& finish_reason, bool usage_field);
// The closing usage chunk of include_usage streams: empty choices.
nlohmann::ordered_json usage_chunk(const CompletionMeta& m, const ChatResult& r);

// {"created", "data": [{"b64_json", "revised_prompt"}], ...} with PNG-encoded images.
nlohmann::ordered_json image_response(const ImageResult& r, const std::string& prompt, int64_t created);
nlohmann::ordered_json image_progress(const Event& e);

// A Server-Sent Events message carrying one JSON object (or [DONE]).
std::string sse_data(const nlohmann::ordered_json& j);
std::string sse_event(const std::string& event, const nlohmann::ordered_json& j);
inline const char* sse_done() {
  return "data: [DONE]\n\n";
}

// JSON text that never throws on invalid UTF-8 (model output may split or replace bytes).
std::string dump(const nlohmann::ordered_json& j);

}  // namespace janus::serve
