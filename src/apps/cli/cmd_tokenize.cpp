// `janus tokenize MODEL TEXT`: ids and pieces as the model's processor tokenizes them.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_commands.h"
#include "janus.hpp"

namespace janus_cli {

namespace {
nlohmann::json encode_json(const janus_cpp::Model& m, const std::string& text, bool bos) {
  std::vector<int32_t> ids = m.tokenize(text, bos);
  nlohmann::json pieces = nlohmann::json::array();
  for (int32_t id : ids) pieces.push_back(m.token_string(id));
  return {{"ids", ids}, {"pieces", pieces}};
}

// Human form: one "id<TAB>piece" line, with the piece's bytes shown C-escaped when not printable.
void print_human(const janus_cpp::Model& m, const std::string& text, bool bos) {
  for (int32_t id : m.tokenize(text, bos)) {
    std::string p = m.piece(id), shown;
    for (unsigned char ch : p) {
      if (ch == '\n')
        shown += "\\n";
      else if (ch == '\t')
        shown += "\\t";
      else if (ch == '\r')
        shown += "\\r";
      else if (ch < 0x20 || ch == 0x7f) {
        char b[8];
        std::snprintf(b, sizeof b, "\\x%02x", ch);
        shown += b;
      } else
        shown += char(ch);
    }
    std::cout << id << "\t'" << shown << "'\n";
  }
}
}  // namespace

int run_tokenize(const TokenizeOptions& o, const CommonOptions& c) {
  install_logger(c);
  if (o.jsonl == o.text_given) {
    std::fprintf(stderr, "janus: error: give TEXT, or --jsonl to read lines from stdin (not both)\n");
    return 2;
  }
  try {
    janus_cpp::Model model(o.model, model_params(c, /*load_tensors=*/false));
    bool bos = !o.no_bos;
    if (!o.jsonl) {
      if (o.json)
        std::cout << encode_json(model, o.text, bos).dump() << "\n";
      else
        print_human(model, o.text, bos);
      return 0;
    }
    std::string line;
    for (size_t lineno = 1; std::getline(std::cin, line); ++lineno) {
      if (line.empty()) continue;
      nlohmann::json in;
      try {
        in = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        std::fprintf(stderr, "janus: error: stdin line %zu: invalid JSON: %s\n", lineno, e.what());
        return 2;
      }
      if (!in.is_string()) {
        std::fprintf(stderr, "janus: error: stdin line %zu: expected a JSON string\n", lineno);
        return 2;
      }
      std::cout << encode_json(model, in.get<std::string>(), bos).dump() << "\n";
    }
    return 0;
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

}  // namespace janus_cli
