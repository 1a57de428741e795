// preprocessor_config.json and processor_config.json (VLMImageProcessor / VLChatProcessor).
#include <cmath>

#include "core/error.h"
#include "io/config/config.h"
#include "io/config/json_fields.h"

namespace janus {

namespace {

using cfg::JsonObj;

std::array<double, 3> triple(const JsonObj& o, const std::string& key, std::array<double, 3> def,
                             bool positive) {
  auto l = o.opt_num_list(key);
  if (!l) return def;
  if (l->size() != 3) o.fail_field(key, "expected 3 values, got " + std::to_string(l->size()));
  for (size_t i = 0; i < 3; ++i) {
    double v = (*l)[i];
    if (!std::isfinite(v) || (positive && !(v > 0)))
      o.fail_field(key + "[" + std::to_string(i) + "]",
                   positive ? "must be a positive finite number" : "must be finite");
  }
  return {(*l)[0], (*l)[1], (*l)[2]};
}

PreprocessorConfig parse_pre(const nlohmann::json& j, const std::string& name) {
  JsonObj o(j, name, "");
  PreprocessorConfig c;
  c.image_size = o.checked_int("image_size", o.req_int("image_size"), 1, 8192);
  c.min_size = o.checked_int("min_size", o.get_int("min_size", c.min_size), 1, c.image_size);
  c.image_mean = triple(o, "image_mean", c.image_mean, false);
  c.image_std = triple(o, "image_std", c.image_std, true);
  c.rescale_factor = o.get_num("rescale_factor", c.rescale_factor);
  if (!(c.rescale_factor > 0) || !std::isfinite(c.rescale_factor))
    o.fail_field("rescale_factor", "must be a positive finite number");
  c.do_normalize = o.get_bool("do_normalize", c.do_normalize);
  if (auto bg = o.opt_int_list("background_color")) {
    if (bg->size() != 3)
      o.fail_field("background_color", "expected 3 values, got " + std::to_string(bg->size()));
    for (size_t i = 0; i < 3; ++i)
      o.checked_int("background_color[" + std::to_string(i) + "]", (*bg)[i], 0, 255);
    c.background_color = std::array<int64_t, 3>{(*bg)[0], (*bg)[1], (*bg)[2]};
  }
  c.image_processor_type = o.get_str("image_processor_type", "");
  return c;
}

ProcessorConfig parse_proc(const nlohmann::json& j, const std::string& name) {
  JsonObj o(j, name, "");
  ProcessorConfig c;
  c.sft_format = o.get_str("sft_format", c.sft_format);
  c.image_tag = o.get_str("image_tag", c.image_tag);
  c.image_start_tag = o.get_str("image_start_tag", c.image_start_tag);
  c.image_end_tag = o.get_str("image_end_tag", c.image_end_tag);
  c.pad_tag = o.get_str("pad_tag", c.pad_tag);
  c.image_gen_tag = o.get_str("image_gen_tag", c.image_gen_tag);
  for (const char* k : {"image_tag", "image_start_tag", "image_end_tag", "pad_tag", "image_gen_tag"})
    if (o.has(k) && o.get_str(k, "").empty()) o.fail_field(k, "must not be empty");
  c.num_image_tokens =
      o.checked_int("num_image_tokens", o.get_int("num_image_tokens", c.num_image_tokens), 1, 1 << 20);
  c.add_special_token = o.get_bool("add_special_token", c.add_special_token);
  c.mask_prompt = o.get_bool("mask_prompt", c.mask_prompt);
  c.ignore_id = o.get_int("ignore_id", c.ignore_id);
  c.processor_class = o.get_str("processor_class", "");
  return c;
}

}  // namespace

PreprocessorConfig parse_preprocessor_config(const std::filesystem::path& file) {
  return parse_pre(cfg::read_json_file(file), file.string());
}
PreprocessorConfig parse_preprocessor_config_string(const std::string& json, const std::string& name) {
  return parse_pre(cfg::parse_json_text(json, name), name);
}
ProcessorConfig parse_processor_config(const std::filesystem::path& file) {
  return parse_proc(cfg::read_json_file(file), file.string());
}
ProcessorConfig parse_processor_config_string(const std::string& json, const std::string& name) {
  return parse_proc(cfg::parse_json_text(json, name), name);
}

}  // namespace janus
