// `janus understand`: answer a question about one or more images (or a scripted conversation),
// streaming the answer to stdout.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_commands.h"
#include "janus.hpp"
#include "run_options.h"

namespace janus_cli {

namespace fs = std::filesystem;

namespace {

// A conversation as owned strings; views into it become janus_message arrays.
struct Turn {
  std::string role, content;
  std::vector<std::string> images;
};

// Reads [{"role": "user"|"assistant", "content": "...", "images": [paths]}, ...]; relative image
// paths are taken relative to the file's folder. Errors name the file, turn and field.
std::vector<Turn> read_conversation(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": invalid JSON: " + e.what());
  }
  if (!j.is_array() || j.empty()) throw std::runtime_error(path + ": expected a non-empty array of turns");
  std::vector<Turn> turns;
  fs::path base = fs::path(path).parent_path();
  for (size_t i = 0; i < j.size(); ++i) {
    std::string where = path + ": turn " + std::to_string(i);
    const auto& t = j[i];
    if (!t.is_object()) throw std::runtime_error(where + ": expected an object");
    Turn turn;
    if (!t.contains("role") || !t["role"].is_string())
      throw std::runtime_error(where + ": role: expected a string");
    turn.role = t["role"];
    if (turn.role != "user" && turn.role != "assistant")
      throw std::runtime_error(where + ": role: expected \"user\" or \"assistant\", got \"" + turn.role +
                               "\"");
    if (!t.contains("content") || !t["content"].is_string())
      throw std::runtime_error(where + ": content: expected a string");
    turn.content = t["content"];
    if (t.contains("images")) {
      if (!t["images"].is_array()) throw std::runtime_error(where + ": images: expected an array of paths");
      for (const auto& p : t["images"]) {
        if (!p.is_string()) throw std::runtime_error(where + ": images: expected an array of paths");
        fs::path ip = p.get<std::string>();
        turn.images.push_back((ip.is_relative() ? base / ip : ip).string());
      }
    }
    turns.push_back(std::move(turn));
  }
  if (turns.back().role != "user") throw std::runtime_error(path + ": the last turn must be the user's");
  return turns;
}

int stream_to_stdout(const char* piece, size_t len, void*) {
  std::fwrite(piece, 1, len, stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int run_understand(const UnderstandOptions& o, const CommonOptions& c) {
  install_logger(c);
  std::vector<Turn> turns;
  try {
    if (!o.conversation.empty()) {
      if (!o.prompt.empty() || !o.images.empty())
        throw std::runtime_error("give --conversation, or -i/-p, not both");
      turns = read_conversation(o.conversation);
    } else {
      if (o.prompt.empty()) throw std::runtime_error("-p/--prompt is required (or --conversation FILE.json)");
      turns.push_back({"user", o.prompt, o.images});
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janus: error: %s\n", e.what());
    return 2;
  }
  try {
    janus_cpp::Model model(o.run.model, model_params(c, true));
    janus_cpp::Context context(model, context_params(o.run));
    janus_context* ctx = context.get();

    std::vector<std::vector<janus_image_input>> images(turns.size());
    std::vector<janus_message> msgs;
    for (size_t i = 0; i < turns.size(); ++i) {
      for (const std::string& p : turns[i].images) images[i].push_back({p.c_str(), nullptr, 0});
      msgs.push_back({turns[i].role.c_str(), turns[i].content.c_str(), images[i].data(), images[i].size()});
    }
    std::vector<const char*> stop;
    janus_understand_params up = understand_params(o.run, stop);
    char* answer = nullptr;
    janus_understand_stats st{};
    janus_status s = janus_understand(ctx, msgs.data(), msgs.size(), &up, o.json ? nullptr : stream_to_stdout,
                                      nullptr, &answer, &st);
    if (s != JANUS_OK) return report_error(s);
    std::string text = answer ? answer : "";
    janus_string_free(answer);
    if (o.json) {
      nlohmann::ordered_json j = {
          {"text", text},
          {"stop_reason", st.stop_reason},
          {"prompt_tokens", st.prompt_tokens},
          {"generated_tokens", st.generated_tokens},
          {"timings_ms", {{"encode", st.encode_ms}, {"prefill", st.prefill_ms}, {"decode", st.decode_ms}}}};
      std::cout << j.dump() << "\n";
    } else {
      std::cout << "\n";
      if (c.verbose)
        std::fprintf(stderr,
                     "janus: %d prompt tokens, %d generated (%s); encode %.0f ms, prefill %.0f ms, decode "
                     "%.1f tok/s\n",
                     st.prompt_tokens, st.generated_tokens, st.stop_reason, st.encode_ms, st.prefill_ms,
                     st.decode_ms > 0 ? st.generated_tokens * 1000.0 / st.decode_ms : 0.0);
    }
    return 0;
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

}  // namespace janus_cli
