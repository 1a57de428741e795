// The exact set of checkpoint tensors a model config implies, and the check that a file has it.
// Names follow the official checkpoints (state_dict of the upstream Python modules).
// Widths the official code hard-codes (SigLIP-L, VQ-16 channels, ...) are not in config.json: they are
// inferred from anchor tensors in the file, then every other tensor must be consistent with them.
// This is what lets small test checkpoints (tools/gen_tiny) use the same code path as real ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "io/config/config.h"

namespace janus {

struct TensorMeta {
  std::string name;
  DType dtype = DType::BF16;
  std::vector<int64_t> shape;
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;  // dtype-agnostic
  bool used = true;            // false: stored but never read at inference (attn_pool, VQ encoder, ...)
};

// Hyper-parameters the official code hard-codes, as found in (or assumed for) a checkpoint.
struct ArchDims {
  // SigLIP understanding tower. Anchors: pos_embed [1, tokens, width], patch_embed.proj.weight
  // [width, 3, patch, patch], highest blocks.N index, blocks.0.mlp.fc1.weight [mlp, width].
  int64_t vit_width = 1024;
  int64_t vit_depth = 24;  // blocks stored in the file
  int64_t vit_mlp = 4096;
  int64_t vit_patch = 16;
  int64_t vit_heads = 16;        // width / 64: head dim 64 is the upstream convention
  int64_t vit_blocks_used = 24;  // blocks run for select_layer (min(D, D+sel+1) for sel<=0)
  // VQ-16 (Janus). Anchors: decoder.conv_out.weight [3, ch, 3, 3], post_quant_conv.weight [z, e, 1, 1].
  int64_t vq_ch = 128;
  int64_t vq_z = 256;
  std::vector<int64_t> vq_ch_mult = {1, 1, 2, 2, 4};
  int64_t vq_enc_res_blocks = 2;  // per level; the decoder has one more
  int64_t vq_codebook_size = 16384;
  int64_t vq_codebook_dim = 8;
  int64_t vq_codebook_used = 65536;  // length of the unused `codebook_used` buffer
};

// Dims of the released checkpoints (what the official code builds).
ArchDims official_dims(const ModelConfig& cfg);

// Full expected table (LLM, vision tower, aligners, heads, VQ / UViT) for `cfg` with widths `dims`.
// Throws Error(Model) when config fields contradict each other (e.g. aligner width != LLM width).
std::vector<TensorSpec> expected_tensors(const ModelConfig& cfg, const ArchDims& dims);

// Reads the hard-coded widths off anchor tensors; Error(Model) naming the anchor when absent/odd.
ArchDims infer_dims(const ModelConfig& cfg, const std::vector<TensorMeta>& present, const std::string& where);

// Infers the dims, then requires `present` to equal the expected table exactly (a stray
// `language_model...rotary_emb.inv_freq` is tolerated). Error(Model) lists the missing, unexpected
// and mis-shaped tensors with both shapes. `where` names the checkpoint (file or folder).
ArchDims check_tensor_set(const ModelConfig& cfg, const std::vector<TensorMeta>& present,
                          const std::string& where);

// ------------------------------------------------------------------ SDXL VAE (diffusers AutoencoderKL)

enum class VaeNaming {
  Diffusers,        // to_q / to_k / to_v / to_out.0 (2-D)
  DiffusersLegacy,  // query / key / value / proj_attn (2-D)
  Ldm,              // single-file names: decoder.up.{3-b}.block.{r}, mid.attn_1.{q,k,v,proj_out} (1x1 convs)
};

// decoder.* + post_quant_conv (used); with `with_encoder`, also encoder.* + quant_conv (unused).
std::vector<TensorSpec> vae_tensors(const VaeConfig& cfg, VaeNaming naming, bool with_encoder);

// Detects the naming, then requires every decoder tensor, and the whole encoder if any encoder or
// quant_conv tensor is present. Returns the naming found. Error(Model) like check_tensor_set.
VaeNaming check_vae_tensor_set(const VaeConfig& cfg, const std::vector<TensorMeta>& present,
                               const std::string& where);

// Maps a name in `naming` to the modern diffusers name ("" if the name is not a tensor of this VAE).
// LDM attention weights are 4-D [c, c, 1, 1]; their diffusers equivalents are 2-D [c, c].
std::string vae_diffusers_name(const VaeConfig& cfg, VaeNaming naming, std::string_view name);

// Sum of element counts; overflow-checked.
int64_t total_params(const std::vector<TensorSpec>& specs);

}  // namespace janus
