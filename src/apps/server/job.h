// A unit of inference work handed from an HTTP thread to the engine, and the channel of events
// (text pieces, progress, completion or error) the engine sends back while it runs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api_error.h"
#include "chat_request.h"
#include "image_request.h"

namespace janus::serve {

struct ChatResult {
  std::string text;
  std::string finish_reason;  // "stop" or "length" (OpenAI's names)
  int prompt_tokens = 0, completion_tokens = 0;
  double decode_ms = 0;
};

struct GeneratedImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

struct ImageResult {
  std::vector<GeneratedImage> images;
  uint64_t seed = 0;
  float cfg = 0;
  int steps = 0;
};

struct Event {
  enum class Kind { Text, Progress, Done, Error };
  explicit Event(Kind k, std::string t = {}) : kind(k), text(std::move(t)) {}
  Kind kind;
  std::string text;               // Text: an answer piece
  uint64_t step = 0, total = 0;   // Progress, over the whole request
  double eta_s = 0;               // Progress
  std::optional<ApiError> error;  // Error
};

class Job {
 public:
  explicit Job(ChatRequest r) : request(std::move(r)) {}
  explicit Job(ImageRequest r) : request(std::move(r)) {}

  bool is_chat() const { return std::holds_alternative<ChatRequest>(request); }
  const char* kind_name() const { return is_chat() ? "chat" : "image"; }

  // Set by the HTTP side (client gone) or by shutdown; the engine stops at its next step.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  // Engine side.
  void push(Event e);
  // HTTP side: the next event, or nullopt after `wait` without one.
  std::optional<Event> next(std::chrono::milliseconds wait);

  std::variant<ChatRequest, ImageRequest> request;
  // Filled by the engine before it pushes Done.
  ChatResult chat_result;
  ImageResult image_result;
  std::chrono::steady_clock::time_point enqueued = std::chrono::steady_clock::now();

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
};

}  // namespace janus::serve
