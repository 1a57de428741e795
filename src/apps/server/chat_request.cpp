#include "chat_request.h"

#include "api_error.h"
#include "data_uri.h"
#include "json_fields.h"

namespace janus::serve {

namespace {

using nlohmann::json;

std::string remove_all(std::string s, const std::string& needle) {
  if (needle.empty()) return s;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p)) s.erase(p, needle.size());
  return s;
}

// Image parts anywhere in the request, counted before any is decoded so a huge array is refused
// cheaply.
size_t count_images(const json& messages) {
  size_t n = 0;
  for (const json& m : messages)
    if (m.is_object())
      if (auto c = m.find("content"); c != m.end() && c->is_array())
        for (const json& part : *c)
          if (part.is_object() && part.value("type", json()) == "image_url") ++n;
  return n;
}

struct Content {
  std::string text;
  std::vector<std::string> images;
};

Content read_content(const json& m, const std::string& where, const std::string& image_tag, bool images_ok) {
  const json* c = field(m, "content");
  if (!c) throw bad_request(where + ".content: required", where + ".content", "missing_required_parameter");
  Content out;
  if (c->is_string()) {
    out.text = remove_all(c->get<std::string>(), image_tag);
    return out;
  }
  if (!c->is_array())
    throw bad_request(where + ".content: expected a string or an array of content parts", where + ".content",
                      "invalid_type");
  bool after_image = false;
  for (size_t k = 0; k < c->size(); ++k) {
    const json& part = (*c)[k];
    const std::string pw = where + ".content[" + std::to_string(k) + "]";
    if (!part.is_object()) throw bad_request(pw + ": expected an object", pw, "invalid_type");
    const std::optional<std::string> type = string_field(part, "type");
    if (!type) throw bad_request(pw + ".type: required", pw + ".type", "missing_required_parameter");
    if (*type == "text") {
      const std::optional<std::string> t = string_field(part, "text");
      if (!t) throw bad_request(pw + ".text: required", pw + ".text", "missing_required_parameter");
      out.text += remove_all(*t, image_tag);
      after_image = false;
    } else if (*type == "image_url") {
      if (!images_ok) throw bad_request(pw + ": only user messages can carry images", pw);
      const json* iu = field(part, "image_url");
      const json* url = iu && iu->is_object() ? field(*iu, "url") : iu;
      if (!url || !url->is_string())
        throw bad_request(pw + ".image_url.url: expected a string (a data: URI)", pw + ".image_url.url",
                          "invalid_type");
      out.images.push_back(decode_image_data_uri(url->get_ref<const std::string&>(), pw + ".image_url.url"));
      // The official prompts put the tag on its own line before the question.
      if (after_image || (!out.text.empty() && out.text.back() != '\n')) out.text += "\n";
      out.text += image_tag + "\n";
      after_image = true;
    } else {
      throw bad_request(pw + ".type: unsupported content part type '" + *type + "' (text or image_url)",
                        pw + ".type");
    }
  }
  return out;
}

}  // namespace

ChatRequest parse_chat_request(const json& body, const std::string& image_tag, const ChatLimits& limits) {
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  ChatRequest r;
  const json* messages = field(body, "messages");
  if (!messages) throw bad_request("messages: required", "messages", "missing_required_parameter");
  if (!messages->is_array() || messages->empty())
    throw bad_request("messages: expected a non-empty array", "messages", "invalid_type");
  if (messages->size() > limits.max_messages)
    throw bad_request("messages: at most " + std::to_string(limits.max_messages) + " messages", "messages");
  if (size_t n = count_images(*messages); n > limits.max_images)
    throw bad_request(
        "at most " + std::to_string(limits.max_images) + " images per request, got " + std::to_string(n),
        "messages", "too_many_images");

  std::string pending_system;
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw bad_request(where + ": expected an object", where, "invalid_type");
    const std::optional<std::string> role = string_field(m, "role");
    if (!role) throw bad_request(where + ".role: required", where + ".role", "missing_required_parameter");
    if (*role == "system" || *role == "developer") {
      Content c = read_content(m, where, image_tag, false);
      pending_system += (pending_system.empty() ? "" : "\n") + c.text;
      continue;
    }
    if (*role != "user" && *role != "assistant")
      throw bad_request(
          where + ".role: unsupported role '" + *role + "' (system, developer, user, assistant)",
          where + ".role");
    if (*role == "assistant" && m.contains("content") && m["content"].is_null() && !r.turns.empty()) continue;
    Content c = read_content(m, where, image_tag, *role == "user");
    if (*role == "user" && !pending_system.empty()) {
      c.text = pending_system + "\n\n" + c.text;
      pending_system.clear();
    }
    if (r.turns.empty() && *role != "user")
      throw bad_request(where + ": the conversation must start with a user message", where + ".role");
    if (!r.turns.empty() && r.turns.back().role == *role) {
      ChatTurn& t = r.turns.back();  // consecutive turns of one speaker form one message
      t.content += "\n" + c.text;
      for (std::string& im : c.images) t.images.push_back(std::move(im));
    } else {
      r.turns.push_back({*role, std::move(c.text), std::move(c.images)});
    }
  }
  if (r.turns.empty() || r.turns.back().role != "user")
    throw bad_request("the last message must be the user's", "messages");

  if (auto n = int_field(body, "max_completion_tokens", 1, limits.max_tokens)) r.max_tokens = int(*n);
  if (auto n = int_field(body, "max_tokens", 1, limits.max_tokens)) r.max_tokens = int(*n);
  if (auto t = number_field(body, "temperature", 0.0, 2.0)) r.temperature = float(*t);
  if (auto p = number_field(body, "top_p", 0.0, 1.0)) {
    if (*p <= 0.0) throw bad_request("top_p: must be greater than 0", "top_p");
    r.top_p = float(*p);
  }
  if (auto s = seed_field(body)) {
    r.seed = *s;
    r.seed_given = true;
  }
  if (auto n = int_field(body, "n", 1, 128); n && *n != 1)
    throw bad_request("n: only 1 choice per request is supported", "n");
  if (const json* stop = field(body, "stop")) {
    if (stop->is_string()) {
      r.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array() && stop->size() <= 4) {
      for (const json& s : *stop) {
        if (!s.is_string())
          throw bad_request("stop: expected a string or an array of strings", "stop", "invalid_type");
        r.stop.push_back(s.get<std::string>());
      }
    } else {
      throw bad_request("stop: expected a string or an array of up to 4 strings", "stop", "invalid_type");
    }
    for (const std::string& s : r.stop)
      if (s.empty() || s.size() > 256) throw bad_request("stop: each string must be 1..256 bytes", "stop");
  }
  if (auto s = bool_field(body, "stream")) r.stream = *s;
  if (const json* so = field(body, "stream_options")) {
    if (!so->is_object())
      throw bad_request("stream_options: expected an object", "stream_options", "invalid_type");
    if (auto u = bool_field(*so, "include_usage")) r.include_usage = *u;
  }
  if (const json* model = field(body, "model"); model && !model->is_string())
    throw bad_request("model: expected a string", "model", "invalid_type");
  return r;
}

}  // namespace janus::serve
