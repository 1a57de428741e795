// POST /v1/images/generations bodies: OpenAI's fields plus the engine's extensions (seed, cfg,
// temperature for the autoregressive models, steps for JanusFlow).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace janus::serve {

struct ImageRequest {
  std::string prompt;
  int n = 1;
  int size = 384;     // 384 (native), 768 or 1024 (Lanczos upscale)
  float cfg = -1.0f;  // < 0: the model's default
  float temperature = 1.0f;
  uint64_t seed = 0;
  bool seed_given = false;
  int steps = 0;  // JanusFlow Euler steps; 0 = the default (30)
  bool stream = false;
};

// flow: the loaded model is JanusFlow (temperature is then refused, steps allowed; the reverse for
// the autoregressive models). Throws ApiError (400) naming the field.
ImageRequest parse_image_request(const nlohmann::json& body, bool flow);

}  // namespace janus::serve
