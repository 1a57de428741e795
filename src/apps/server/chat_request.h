// POST /v1/chat/completions bodies: OpenAI's chat format parsed and validated into a conversation
// the engine can answer (alternating user/assistant turns, images decoded, sampling checked).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace janus::serve {

struct ChatTurn {
  std::string role;                 // "user" or "assistant"
  std::string content;              // with the model's image tag where each image goes
  std::vector<std::string> images;  // encoded image bytes, in tag order
};

struct ChatRequest {
  std::vector<ChatTurn> turns;
  int max_tokens = 512;
  float temperature = 0.0f;  // the model's official default: greedy
  float top_p = 1.0f;
  uint64_t seed = 0;
  bool seed_given = false;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ChatLimits {
  size_t max_messages = 256;
  size_t max_images = 16;
  int max_tokens = 4096;
};

// image_tag is the model's placeholder (e.g. "<image_placeholder>"): parts of type image_url become
// that tag, and literal tags in text parts are removed so text cannot claim images it did not send.
// System/developer messages are prepended to the next user message (Janus has a fixed system
// prompt); consecutive messages of one role are joined. Throws ApiError (400) naming the field.
ChatRequest parse_chat_request(const nlohmann::json& body, const std::string& image_tag,
                               const ChatLimits& limits = {});

}  // namespace janus::serve
