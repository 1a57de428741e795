#include "models/gguf_names.h"

#include <array>
#include <utility>

#include "core/error.h"
#include "io/gguf/gguf.h"

namespace janus {
namespace {

constexpr std::string_view kLayers = "language_model.model.layers.";

// HF suffix within a decoder layer <-> llama.cpp suffix within blk.N.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kLayerParts = {{
    {"input_layernorm.weight", "attn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.k_proj.weight", "attn_k.weight"},
    {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kTopLevel = {{
    {"language_model.model.embed_tokens.weight", "token_embd.weight"},
    {"language_model.model.norm.weight", "output_norm.weight"},
    {"language_model.lm_head.weight", "output.weight"},
}};

// First dotted component of over-long names <-> its abbreviation.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kAbbrev = {{
    {"gen_vision_model.", "gvm."},
    {"vision_gen_enc_model.", "vgem."},
    {"vision_gen_dec_model.", "vgdm."},
    {"vision_und_enc_model.", "vuem."},
    {"vision_model.", "vm."},
    {"language_model.", "lm."},
}};

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string gguf_name_from_hf(std::string_view hf) {
  for (const auto& [h, g] : kTopLevel)
    if (hf == h) return std::string(g);
  if (hf.starts_with(kLayers)) {
    const std::string_view rest = hf.substr(kLayers.size());
    const size_t dot = rest.find('.');
    if (dot != std::string_view::npos && all_digits(rest.substr(0, dot)))
      for (const auto& [h, g] : kLayerParts)
        if (rest.substr(dot + 1) == h)
          return "blk." + std::string(rest.substr(0, dot)) + "." + std::string(g);
  }
  for (const auto& [longp, shortp] : kAbbrev)
    if (hf.starts_with(shortp))
      fail(ErrorKind::Unsupported, std::string(hf),
           "tensor name starts with \"" + std::string(shortp) + "\", which this GGUF naming reserves");
  if (hf.starts_with("blk.") || hf == "token_embd.weight" || hf == "output_norm.weight" ||
      hf == "output.weight")
    fail(ErrorKind::Unsupported, std::string(hf), "tensor name collides with a llama.cpp tensor name");
  if (hf.size() <= kGgufMaxName) return std::string(hf);
  for (const auto& [longp, shortp] : kAbbrev)
    if (hf.starts_with(longp)) {
      std::string s = std::string(shortp) + std::string(hf.substr(longp.size()));
      if (s.size() <= kGgufMaxName) return s;
      break;
    }
  fail(ErrorKind::Unsupported, std::string(hf),
       "tensor name is " + std::to_string(hf.size()) + " bytes and has no GGUF form within 63 bytes");
}

std::string hf_name_from_gguf(std::string_view g) {
  for (const auto& [h, gg] : kTopLevel)
    if (g == gg) return std::string(h);
  if (g.starts_with("blk.")) {
    const std::string_view rest = g.substr(4);
    const size_t dot = rest.find('.');
    if (dot != std::string_view::npos && all_digits(rest.substr(0, dot)))
      for (const auto& [h, gg] : kLayerParts)
        if (rest.substr(dot + 1) == gg)
          return std::string(kLayers) + std::string(rest.substr(0, dot)) + "." + std::string(h);
  }
  for (const auto& [longp, shortp] : kAbbrev)
    if (g.starts_with(shortp)) return std::string(longp) + std::string(g.substr(shortp.size()));
  return std::string(g);
}

}  // namespace janus
