// Normalizers and pre-tokenizers of HF `tokenizers` that the supported tokenizer.json files use.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/json_util.h"
#include "text/regex.h"

namespace janus::text {

// String -> string normalizer (offsets are not needed: we only produce ids).
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& s) const = 0;
};

// null -> nullptr; unsupported types -> Error naming the field.
std::unique_ptr<Normalizer> make_normalizer(const Json& j, const std::string& where);

// Pieces are views into the input or into `arena` (strings a step had to rewrite).
struct PreTokens {
  std::vector<std::string_view> pieces;
  std::deque<std::string> arena;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Rewrites p.pieces; empty pieces are dropped, as HF does.
  virtual void apply(PreTokens& p) const = 0;
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const std::string& where);

}  // namespace janus::text
