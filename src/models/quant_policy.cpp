#include "models/quant_policy.h"

#include <regex>
#include <string>

namespace janus {

std::optional<WeightQuant> parse_weight_quant(std::string_view s) {
  if (s == "none" || s == "bf16") return WeightQuant::None;
  if (s == "q8_0") return WeightQuant::Q8_0;
  if (s == "q4_0" || s == "q4") return WeightQuant::Q4_0;
  return std::nullopt;
}

std::string_view weight_quant_name(WeightQuant q) {
  return q == WeightQuant::Q8_0 ? "q8_0" : q == WeightQuant::Q4_0 ? "q4_0" : "none";
}

std::optional<DType> quantized_dtype(std::string_view name, const std::vector<int64_t>& shape,
                                     WeightQuant q) {
  if (q == WeightQuant::None || shape.size() != 2 || shape[1] % 32 != 0) return std::nullopt;
  static const std::regex layer(
      R"(language_model\.model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)\.weight)");
  static const std::regex head(
      R"(language_model\.lm_head\.weight|gen_head\.(output_mlp_projector|vision_head)\.weight)");
  const std::string n(name);
  if (std::regex_match(n, layer)) return q == WeightQuant::Q8_0 ? DType::Q8_0 : DType::Q4_0;
  if (std::regex_match(n, head)) return DType::Q8_0;
  return std::nullopt;
}

}  // namespace janus
