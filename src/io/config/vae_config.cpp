// diffusers AutoencoderKL config.json (the SDXL VAE used by JanusFlow).
#include <cmath>

#include "core/error.h"
#include "io/config/config.h"
#include "io/config/json_fields.h"

namespace janus {

namespace {

using cfg::JsonObj;

VaeConfig parse_vae(const nlohmann::json& j, const std::string& name) {
  JsonObj o(j, name, "");
  VaeConfig c;
  c.class_name = o.get_str("_class_name", "");
  if (!c.class_name.empty() && c.class_name != "AutoencoderKL")
    fail(ErrorKind::Model, name + ": _class_name",
         "expected \"AutoencoderKL\", got \"" + c.class_name + "\"");
  c.in_channels = o.checked_int("in_channels", o.get_int("in_channels", c.in_channels), 1, 64);
  c.out_channels = o.checked_int("out_channels", o.get_int("out_channels", c.out_channels), 1, 64);
  if (auto l = o.opt_str_list("down_block_types")) c.down_block_types = *l;
  if (auto l = o.opt_str_list("up_block_types")) c.up_block_types = *l;
  if (auto l = o.opt_int_list("block_out_channels")) {
    if (l->empty() || l->size() > 16) o.fail_field("block_out_channels", "expected 1 to 16 entries");
    for (size_t i = 0; i < l->size(); ++i)
      o.checked_int("block_out_channels[" + std::to_string(i) + "]", (*l)[i], 1, 1 << 16);
    c.block_out_channels = *l;
  }
  c.layers_per_block =
      o.checked_int("layers_per_block", o.get_int("layers_per_block", c.layers_per_block), 1, 64);
  c.act_fn = o.get_str("act_fn", c.act_fn);
  c.latent_channels =
      o.checked_int("latent_channels", o.get_int("latent_channels", c.latent_channels), 1, 1024);
  c.norm_num_groups =
      o.checked_int("norm_num_groups", o.get_int("norm_num_groups", c.norm_num_groups), 1, 1 << 16);
  c.sample_size = o.checked_int("sample_size", o.get_int("sample_size", c.sample_size), 1, 1 << 20);
  c.scaling_factor = o.get_num("scaling_factor", c.scaling_factor);
  if (!(c.scaling_factor > 0) || !std::isfinite(c.scaling_factor))
    o.fail_field("scaling_factor", "must be a positive finite number");
  if (o.has("shift_factor")) {
    double s = o.get_num("shift_factor", 0);
    if (!std::isfinite(s)) o.fail_field("shift_factor", "must be finite");
    c.shift_factor = s;
  }
  c.force_upcast = o.get_bool("force_upcast", c.force_upcast);
  c.use_quant_conv = o.get_bool("use_quant_conv", c.use_quant_conv);
  c.use_post_quant_conv = o.get_bool("use_post_quant_conv", c.use_post_quant_conv);
  c.mid_block_add_attention = o.get_bool("mid_block_add_attention", c.mid_block_add_attention);
  // Each level of the decoder needs a block type; diffusers zips the two lists.
  if (c.up_block_types.size() != c.block_out_channels.size())
    fail(ErrorKind::Model, name + ": up_block_types",
         std::to_string(c.up_block_types.size()) + " entries but block_out_channels has " +
             std::to_string(c.block_out_channels.size()));
  if (c.down_block_types.size() != c.block_out_channels.size())
    fail(ErrorKind::Model, name + ": down_block_types",
         std::to_string(c.down_block_types.size()) + " entries but block_out_channels has " +
             std::to_string(c.block_out_channels.size()));
  for (size_t i = 0; i < c.block_out_channels.size(); ++i)
    if (c.block_out_channels[i] % c.norm_num_groups != 0)
      fail(ErrorKind::Model, name + ": block_out_channels[" + std::to_string(i) + "]",
           std::to_string(c.block_out_channels[i]) + " is not divisible by norm_num_groups " +
               std::to_string(c.norm_num_groups));
  return c;
}

}  // namespace

VaeConfig parse_vae_config(const std::filesystem::path& file) {
  return parse_vae(cfg::read_json_file(file), file.string());
}
VaeConfig parse_vae_config_string(const std::string& json, const std::string& name) {
  return parse_vae(cfg::parse_json_text(json, name), name);
}

}  // namespace janus
