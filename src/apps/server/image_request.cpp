#include "image_request.h"

#include "api_error.h"
#include "json_fields.h"

namespace janus::serve {

ImageRequest parse_image_request(const nlohmann::json& body, bool flow) {
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  ImageRequest r;
  std::optional<std::string> prompt = string_field(body, "prompt");
  if (!prompt) throw bad_request("prompt: required", "prompt", "missing_required_parameter");
  if (prompt->empty() || prompt->size() > 32000)
    throw bad_request("prompt: must be 1..32000 bytes", "prompt");
  r.prompt = std::move(*prompt);
  if (auto n = int_field(body, "n", 1, 16)) r.n = int(*n);
  if (auto size = string_field(body, "size")) {
    if (*size == "384x384" || *size == "auto")
      r.size = 384;
    else if (*size == "768x768")
      r.size = 768;
    else if (*size == "1024x1024")
      r.size = 1024;
    else
      throw bad_request("size: '" + *size + "' is not supported: 384x384 (native), 768x768 or 1024x1024",
                        "size");
  }
  if (auto fmt = string_field(body, "response_format")) {
    if (*fmt == "url")
      throw bad_request("response_format: 'url' is not supported: this server stores no files; use b64_json",
                        "response_format", "unsupported_value");
    if (*fmt != "b64_json") throw bad_request("response_format: expected b64_json", "response_format");
  }
  if (auto fmt = string_field(body, "output_format"); fmt && *fmt != "png")
    throw bad_request("output_format: only png is supported", "output_format", "unsupported_value");
  if (auto cfg = number_field(body, "cfg", 0.0, 50.0)) r.cfg = float(*cfg);
  if (auto t = number_field(body, "temperature", 0.0, 10.0)) {
    if (flow)
      throw bad_request("temperature: JanusFlow integrates a flow and does not sample; use steps, cfg, seed",
                        "temperature", "unsupported_parameter");
    r.temperature = float(*t);
  }
  if (auto st = int_field(body, "steps", 1, 200)) {
    if (!flow)
      throw bad_request("steps: only JanusFlow models take steps; this model samples image tokens", "steps",
                        "unsupported_parameter");
    r.steps = int(*st);
  }
  if (auto s = seed_field(body)) {
    r.seed = *s;
    r.seed_given = true;
  }
  if (auto s = bool_field(body, "stream")) r.stream = *s;
  if (const nlohmann::json* m = field(body, "model"); m && !m->is_string())
    throw bad_request("model: expected a string", "model", "invalid_type");
  return r;
}

}  // namespace janus::serve
