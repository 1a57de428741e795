// Tensor names inside janus.cpp GGUF files (docs/quantization.md, "GGUF files"):
//   * the LLM follows llama.cpp: token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output,
//     ffn_norm, ffn_gate, ffn_up, ffn_down}, output_norm, output (all ".weight");
//   * every other tensor keeps its Hugging Face name, unless that is longer than GGUF's 63 bytes:
//     then its first dotted component is abbreviated (gen_vision_model -> gvm, vision_gen_enc_model
//     -> vgem, vision_gen_dec_model -> vgdm, vision_und_enc_model -> vuem, vision_model -> vm,
//     language_model -> lm). No Janus name starts with an abbreviation, so the mapping is reversible;
//     gguf_name_from_hf refuses names for which it would not be.
#pragma once

#include <string>
#include <string_view>

namespace janus {

// Error(Unsupported) naming the tensor when no GGUF name of at most 63 bytes can stand for it.
std::string gguf_name_from_hf(std::string_view hf);
std::string hf_name_from_gguf(std::string_view gguf);

}  // namespace janus
