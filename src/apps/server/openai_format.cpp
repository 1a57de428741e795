#include "openai_format.h"

#include <chrono>
#include <random>

#include "base64.h"
#include "janus.h"
#include "png_encode.h"

namespace janus::serve {

using nlohmann::ordered_json;

std::string new_completion_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char hex[] = "0123456789abcdef";
  std::string id = "chatcmpl-";
  for (int i = 0; i < 24; ++i) id += hex[rng() & 15];
  return id;
}

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
ordered_json usage(const ChatResult& r) {
  return {{"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"total_tokens", r.prompt_tokens + r.completion_tokens}};
}

ordered_json head(const CompletionMeta& m, const char* object) {
  return {{"id", m.id},
          {"object", object},
          {"created", m.created},
          {"model", m.model},
          {"system_fingerprint", std::string("janus.cpp-") + janus_version()}};
}
}  // namespace

ordered_json chat_completion(const CompletionMeta& m, const ChatResult& r) {
  ordered_json j = head(m, "chat.completion");
  j["choices"] =
      ordered_json::array({{{"index", 0},
                            {"message", {{"role", "assistant"}, {"content", r.text}, {"refusal", nullptr}}},
                            {"logprobs", nullptr},
                            {"finish_reason", r.finish_reason}}});
  j["usage"] = usage(r);
  return j;
}

ordered_json chat_chunk(const CompletionMeta& m, ordered_json delta, const std::string& finish_reason,
                        bool usage_field) {
  ordered_json j = head(m, "chat.completion.chunk");
  j["choices"] = ordered_json::array(
      {{{"index", 0},
        {"delta", std::move(delta)},
        {"logprobs", nullptr},
        {"finish_reason", finish_reason.empty() ? ordered_json() : ordered_json(finish_reason)}}});
  if (usage_field) j["usage"] = nullptr;
  return j;
}

ordered_json usage_chunk(const CompletionMeta& m, const ChatResult& r) {
  ordered_json j = head(m, "chat.completion.chunk");
  j["choices"] = ordered_json::array();
  j["usage"] = usage(r);
  return j;
}

ordered_json image_response(const ImageResult& r, const std::string& prompt, int64_t created) {
  ordered_json data = ordered_json::array();
  for (const GeneratedImage& im : r.images)
    data.push_back({{"b64_json", base64_encode(encode_png(im.rgb.data(), im.width, im.height))},
                    {"revised_prompt", prompt}});
  ordered_json j = {{"created", created}, {"data", std::move(data)}};
  j["output_format"] = "png";
  if (!r.images.empty())
    j["size"] = std::to_string(r.images[0].width) + "x" + std::to_string(r.images[0].height);
  // Extensions: what reproduces the result.
  j["seed"] = r.seed;
  j["cfg"] = r.cfg;
  j["steps"] = r.steps;
  return j;
}

ordered_json image_progress(const Event& e) {
  return {{"type", "image_generation.progress"},
          {"step", e.step},
          {"total", e.total},
          {"progress", e.total ? double(e.step) / double(e.total) : 0.0},
          {"eta_seconds", e.eta_s}};
}

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string sse_data(const ordered_json& j) {
  return "data: " + dump(j) + "\n\n";
}

std::string sse_event(const std::string& event, const ordered_json& j) {
  return "event: " + event + "\n" + sse_data(j);
}

}  // namespace janus::serve
