#include "models/tensor_table.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/tensor_view.h"

namespace janus {

namespace {

using Shape = std::vector<int64_t>;

// Collects specs; `prefix` is prepended to every name.
struct Table {
  std::vector<TensorSpec> specs;
  void add(const std::string& name, Shape shape, bool used = true) {
    specs.push_back({name, std::move(shape), used});
  }
  // Linear [out, in] (+ bias [out]).
  void linear(const std::string& p, int64_t out, int64_t in, bool bias, bool used = true) {
    add(p + ".weight", {out, in}, used);
    if (bias) add(p + ".bias", {out}, used);
  }
  void conv(const std::string& p, int64_t out, int64_t in, int64_t k, bool used = true) {
    add(p + ".weight", {out, in, k, k}, used);
    add(p + ".bias", {out}, used);
  }
  void norm(const std::string& p, int64_t c, bool used = true) {  // LayerNorm / GroupNorm with bias
    add(p + ".weight", {c}, used);
    add(p + ".bias", {c}, used);
  }
};

[[noreturn]] void config_error(const std::string& field, const std::string& what) {
  fail(ErrorKind::Model, "config.json: " + field, what);
}

void require_eq(int64_t got, int64_t want, const std::string& field, const std::string& why) {
  if (got != want) config_error(field, std::to_string(got) + " but " + why + " is " + std::to_string(want));
}

// ---------------------------------------------------------------- LLM (HF LlamaForCausalLM)

void llama_tensors(Table& t, const LlamaConfig& c) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, q = c.num_attention_heads * c.head_dim,
                kv = c.num_key_value_heads * c.head_dim;
  const std::string m = "language_model.model.";
  t.add(m + "embed_tokens.weight", {c.vocab_size, H});
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = m + "layers." + std::to_string(l) + ".";
    t.add(p + "input_layernorm.weight", {H});
    t.linear(p + "self_attn.q_proj", q, H, c.attention_bias);
    t.linear(p + "self_attn.k_proj", kv, H, c.attention_bias);
    t.linear(p + "self_attn.v_proj", kv, H, c.attention_bias);
    t.linear(p + "self_attn.o_proj", H, q, c.attention_bias);
    t.add(p + "post_attention_layernorm.weight", {H});
    t.linear(p + "mlp.gate_proj", I, H, c.mlp_bias);
    t.linear(p + "mlp.up_proj", I, H, c.mlp_bias);
    t.linear(p + "mlp.down_proj", H, I, c.mlp_bias);
  }
  t.add(m + "norm.weight", {H});
  if (!c.tie_word_embeddings) t.add("language_model.lm_head.weight", {c.vocab_size, H});
}

// ---------------------------------------------------------------- SigLIP ViT (timm naming)

std::string vit_prefix(const ModelConfig& cfg) {
  return cfg.kind == ModelKind::Janus ? "vision_model.vision_tower." : "vision_und_enc_model.vision_tower.";
}

void vit_tensors(Table& t, const ModelConfig& cfg, const ArchDims& d) {
  const std::string p = vit_prefix(cfg);
  const int64_t W = d.vit_width, M = d.vit_mlp, grid = cfg.vision.image_size / d.vit_patch;
  t.add(p + "pos_embed", {1, grid * grid, W});
  t.conv(p + "patch_embed.proj", W, 3, d.vit_patch);
  for (int64_t b = 0; b < d.vit_depth; ++b) {
    const std::string bp = p + "blocks." + std::to_string(b) + ".";
    const bool used = b < d.vit_blocks_used;  // blocks past select_layer are built but never run
    t.norm(bp + "norm1", W, used);
    t.linear(bp + "attn.qkv", 3 * W, W, true, used);
    t.linear(bp + "attn.proj", W, W, true, used);
    t.norm(bp + "norm2", W, used);
    t.linear(bp + "mlp.fc1", M, W, true, used);
    t.linear(bp + "mlp.fc2", W, M, true, used);
  }
  t.norm(p + "norm", W);
  // Attention-pool head: built because global_pool="map", never run (ignore_head).
  t.add(p + "attn_pool.latent", {1, 1, W}, false);
  t.linear(p + "attn_pool.q", W, W, true, false);
  t.linear(p + "attn_pool.kv", 2 * W, W, true, false);
  t.linear(p + "attn_pool.proj", W, W, true, false);
  t.norm(p + "attn_pool.norm", W, false);
  t.linear(p + "attn_pool.mlp.fc1", M, W, true, false);
  t.linear(p + "attn_pool.mlp.fc2", W, M, true, false);
}

// ---------------------------------------------------------------- Janus heads and VQ-16

void projector_tensors(Table& t, const std::string& name, const std::string& field,
                       const MlpProjectorConfig& c) {
  if (c.projector_type == "linear") {
    t.linear(name + ".layers", c.n_embed, c.input_dim, true);
  } else if (c.projector_type == "mlp_gelu") {
    // nn.Sequential(Linear, GELU, Linear, ...): linears sit at even indices.
    t.linear(name + ".layers.0", c.n_embed, c.input_dim, true);
    for (int64_t i = 1; i < c.depth; ++i)
      t.linear(name + ".layers." + std::to_string(2 * i), c.n_embed, c.n_embed, true);
  } else {
    fail(ErrorKind::Unsupported, "config.json: " + field + ".params.projector_type",
         "unsupported projector type \"" + c.projector_type + "\" (mlp_gelu or linear)");
  }
}

void vq_res(Table& t, const std::string& p, int64_t cin, int64_t cout, bool used) {
  t.norm(p + "norm1", cin, used);
  t.conv(p + "conv1", cout, cin, 3, used);
  t.norm(p + "norm2", cout, used);
  t.conv(p + "conv2", cout, cout, 3, used);
  if (cin != cout) t.conv(p + "nin_shortcut", cout, cin, 1, used);
}

void vq_attn(Table& t, const std::string& p, int64_t c, bool used) {
  t.norm(p + "norm", c, used);
  for (const char* n : {"q", "k", "v", "proj_out"}) t.conv(p + n, c, c, 1, used);
}

void vq_tensors(Table& t, const ArchDims& d) {
  const std::string g = "gen_vision_model.";
  const auto& mult = d.vq_ch_mult;
  const int64_t levels = int64_t(mult.size()), ch = d.vq_ch;
  // Encoder (unused at inference).
  {
    const std::string e = g + "encoder.";
    t.conv(e + "conv_in", ch, 3, 3, false);
    int64_t block_in = ch;
    for (int64_t i = 0; i < levels; ++i) {
      const std::string cb = e + "conv_blocks." + std::to_string(i) + ".";
      const int64_t block_out = ch * mult[i];
      for (int64_t r = 0; r < d.vq_enc_res_blocks; ++r) {
        vq_res(t, cb + "res." + std::to_string(r) + ".", block_in, block_out, false);
        block_in = block_out;
        if (i == levels - 1) vq_attn(t, cb + "attn." + std::to_string(r) + ".", block_in, false);
      }
      if (i != levels - 1) t.conv(cb + "downsample.conv", block_in, block_in, 3, false);
    }
    vq_res(t, e + "mid.0.", block_in, block_in, false);
    vq_attn(t, e + "mid.1.", block_in, false);
    vq_res(t, e + "mid.2.", block_in, block_in, false);
    t.norm(e + "norm_out", block_in, false);
    t.conv(e + "conv_out", d.vq_z, block_in, 3, false);
  }
  // Decoder.
  {
    const std::string dp = g + "decoder.";
    int64_t block_in = ch * mult.back();
    t.conv(dp + "conv_in", block_in, d.vq_z, 3);
    vq_res(t, dp + "mid.0.", block_in, block_in, true);
    vq_attn(t, dp + "mid.1.", block_in, true);
    vq_res(t, dp + "mid.2.", block_in, block_in, true);
    for (int64_t k = 0; k < levels; ++k) {
      const int64_t level = levels - 1 - k;  // conv_blocks run from the coarsest level
      const std::string cb = dp + "conv_blocks." + std::to_string(k) + ".";
      const int64_t block_out = ch * mult[level];
      for (int64_t r = 0; r < d.vq_enc_res_blocks + 1; ++r) {
        vq_res(t, cb + "res." + std::to_string(r) + ".", block_in, block_out, true);
        block_in = block_out;
        if (level == levels - 1) vq_attn(t, cb + "attn." + std::to_string(r) + ".", block_in, true);
      }
      if (level != 0) t.conv(cb + "upsample.conv", block_in, block_in, 3);
    }
    t.norm(dp + "norm_out", block_in);
    t.conv(dp + "conv_out", 3, block_in, 3);
  }
  t.add(g + "quantize.embedding.weight", {d.vq_codebook_size, d.vq_codebook_dim});
  t.add(g + "quantize.codebook_used", {d.vq_codebook_used}, false);
  t.conv(g + "quant_conv", d.vq_codebook_dim, d.vq_z, 1, false);
  t.conv(g + "post_quant_conv", d.vq_z, d.vq_codebook_dim, 1);
}

void janus_tensors(Table& t, const ModelConfig& cfg, const ArchDims& d) {
  const int64_t H = cfg.language.hidden_size;
  require_eq(cfg.aligner.input_dim, d.vit_width, "aligner_config.params.input_dim", "the SigLIP width");
  require_eq(cfg.aligner.n_embed, H, "aligner_config.params.n_embed", "language_config.hidden_size");
  require_eq(cfg.gen_aligner.input_dim, cfg.gen_vision.n_embed, "gen_aligner_config.params.input_dim",
             "gen_vision_config.params.n_embed");
  require_eq(cfg.gen_aligner.n_embed, H, "gen_aligner_config.params.n_embed", "language_config.hidden_size");
  require_eq(cfg.gen_head.n_embed, H, "gen_head_config.params.n_embed", "language_config.hidden_size");
  require_eq(cfg.gen_head.image_token_size, cfg.gen_vision.image_token_size,
             "gen_head_config.params.image_token_size", "gen_vision_config.params.image_token_size");
  require_eq(cfg.gen_vision.image_token_size, d.vq_codebook_size, "gen_vision_config.params.image_token_size",
             "the VQ codebook size");
  require_eq(cfg.gen_vision.n_embed, d.vq_codebook_dim, "gen_vision_config.params.n_embed",
             "the VQ codebook dim");

  vit_tensors(t, cfg, d);
  projector_tensors(t, "aligner", "aligner_config", cfg.aligner);
  vq_tensors(t, d);
  projector_tensors(t, "gen_aligner", "gen_aligner_config", cfg.gen_aligner);
  t.linear("gen_head.output_mlp_projector", cfg.gen_head.image_token_embed, cfg.gen_head.n_embed, true);
  t.linear("gen_head.vision_head", cfg.gen_head.image_token_size, cfg.gen_head.image_token_embed, true);
  t.add("gen_embed.weight", {cfg.gen_vision.image_token_size, cfg.gen_vision.n_embed});
  llama_tensors(t, cfg.language);
}

// ---------------------------------------------------------------- JanusFlow ShallowUViT

void convnext_block(Table& t, const std::string& p, int64_t c, int64_t hidden, bool bias) {
  const int64_t f = 4 * c;  // res_ffn_factor
  t.add(p + "depthwise.weight", {c, 1, 7, 7});
  if (bias) t.add(p + "depthwise.bias", {c});
  t.add(p + "norm.weight", {c});
  t.linear(p + "channelwise_linear_1", f, c, bias);
  t.add(p + "channelwise_norm.weight", {1, 1, 1, f});
  t.add(p + "channelwise_norm.bias", {1, 1, 1, f});
  t.linear(p + "channelwise_linear_2", c, f, bias);
  t.linear(p + "cond_embeds_mapper", 2 * c, hidden, bias);
}

void janusflow_tensors(Table& t, const ModelConfig& cfg, const ArchDims& d) {
  const int64_t H = cfg.language.hidden_size;
  const auto& e = cfg.gen_enc;
  const auto& dc = cfg.gen_dec;
  // Upstream feeds in_conv output (block_out_channels[0]) into a mid block of width [-1]: only one
  // level is consistent.
  if (e.block_out_channels.size() != 1)
    fail(ErrorKind::Unsupported, "config.json: vision_gen_enc_config.params.block_out_channels",
         "expected exactly one entry (ShallowUViT has a single level)");
  if (dc.block_out_channels.size() != 1)
    fail(ErrorKind::Unsupported, "config.json: vision_gen_dec_config.params.block_out_channels",
         "expected exactly one entry (ShallowUViT has a single level)");
  const int64_t C = e.block_out_channels[0];
  require_eq(e.hidden_size, H, "vision_gen_enc_config.params.hidden_size", "language_config.hidden_size");
  require_eq(dc.hidden_size, H, "vision_gen_dec_config.params.hidden_size", "language_config.hidden_size");
  // The decoder concatenates the aligner output (in_channels) with the encoder skip (width C).
  require_eq(dc.block_out_channels[0], C, "vision_gen_dec_config.params.block_out_channels[0]",
             "the encoder width vision_gen_enc_config.params.block_out_channels[0]");

  vit_tensors(t, cfg, d);
  t.linear("vision_und_enc_aligner", H, d.vit_width, true);
  t.add("beg_of_und_embed", {1, H});

  const std::string ep = "vision_gen_enc_model.";
  t.linear(ep + "time_embed.linear_1", H, C, e.use_bias);
  t.linear(ep + "time_embed.linear_2", H, H, true);
  t.conv(ep + "in_conv", C, e.input_channels, e.kernel_size);
  if (e.use_mid_block)
    for (int64_t j = 0; j < e.layers_in_middle; ++j)
      convnext_block(t, ep + "mid_block.res_blocks." + std::to_string(j) + ".", C, H, e.use_bias);
  t.linear("vision_gen_enc_aligner", H, C, true);

  t.add("vision_gen_dec_aligner_norm.weight", {H});
  t.linear("vision_gen_dec_aligner", dc.in_channels, H, true);
  const std::string dp = "vision_gen_dec_model.";
  const int64_t Cd = dc.in_channels + C;
  t.add(dp + "input_norm.weight", {dc.in_channels});
  if (dc.use_mid_block)
    for (int64_t j = 0; j < dc.layers_in_middle; ++j)
      convnext_block(t, dp + "mid_block.res_blocks." + std::to_string(j) + ".", Cd, H, dc.use_bias);
  for (int64_t r = 0; r < dc.upsamples; ++r) {
    const int64_t cin = r == 0 ? Cd : C, cout = r == dc.upsamples - 1 ? dc.out_channels : C;
    const std::string p = dp + "out_convs." + std::to_string(r) + ".";
    t.add(p + "norm.weight", {cin});
    t.add(p + "unpatch_conv.weight", {cout * 4, cin, 1, 1});  // x4: PixelShuffle(2)
    if (dc.use_bias) t.add(p + "unpatch_conv.bias", {cout * 4});
  }
  llama_tensors(t, cfg.language);
}

// ---------------------------------------------------------------- checking

std::map<std::string, const TensorMeta*> index_present(const std::vector<TensorMeta>& present,
                                                       const std::string& where) {
  std::map<std::string, const TensorMeta*> m;
  for (const auto& t : present)
    if (!m.emplace(t.name, &t).second) fail(ErrorKind::Model, where, "tensor " + t.name + " appears twice");
  return m;
}

const TensorMeta& anchor(const std::map<std::string, const TensorMeta*>& m, const std::string& name,
                         size_t rank, const std::string& where) {
  auto it = m.find(name);
  if (it == m.end())
    fail(ErrorKind::Model, where, "missing tensor " + name + " (needed to infer the architecture)");
  const auto& s = it->second->shape;
  if (s.size() != rank)
    fail(ErrorKind::Model, where,
         "tensor " + name + " has shape " + shape_str(s) + ", expected rank " + std::to_string(rank));
  for (int64_t v : s)
    if (v <= 0 || v > (int64_t(1) << 24))
      fail(ErrorKind::Model, where, "tensor " + name + " has implausible shape " + shape_str(s));
  return *it->second;
}

// Highest N in "<prefix>N." among names, or -1.
int64_t highest_index(const std::map<std::string, const TensorMeta*>& m, const std::string& prefix) {
  int64_t best = -1;
  for (auto it = m.lower_bound(prefix); it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    const std::string& n = it->first;
    size_t i = prefix.size();
    int64_t v = 0;
    size_t digits = 0;
    while (i < n.size() && n[i] >= '0' && n[i] <= '9' && digits < 7) v = v * 10 + (n[i++] - '0'), ++digits;
    if (digits > 0 && i < n.size() && n[i] == '.') best = std::max(best, v);
  }
  return best;
}

bool is_stray_inv_freq(const std::string& n) {
  static const std::string pre = "language_model.model.layers.", suf = ".self_attn.rotary_emb.inv_freq";
  return n.size() > pre.size() + suf.size() && n.compare(0, pre.size(), pre) == 0 &&
         n.compare(n.size() - suf.size(), suf.size(), suf) == 0;
}

// Compares the expected table with the file; one error listing up to 12 problems.
void compare_sets(const std::vector<TensorSpec>& expected, const std::vector<TensorMeta>& present,
                  const std::string& where, bool (*ignorable)(const std::string&),
                  bool (*shape_ok)(const std::vector<int64_t>&, const std::vector<int64_t>&)) {
  std::map<std::string, const TensorSpec*> want;
  for (const auto& s : expected) want.emplace(s.name, &s);
  std::vector<std::string> problems;
  size_t n_missing = 0, n_extra = 0, n_shape = 0;
  std::set<std::string> seen;
  for (const auto& t : present) {
    if (!seen.insert(t.name).second) {
      problems.push_back("duplicate tensor " + t.name);
      continue;
    }
    auto it = want.find(t.name);
    if (it == want.end()) {
      if (ignorable && ignorable(t.name)) continue;
      ++n_extra;
      problems.push_back("unexpected tensor " + t.name + " " + shape_str(t.shape));
    } else if (!(shape_ok ? shape_ok(t.shape, it->second->shape) : t.shape == it->second->shape)) {
      ++n_shape;
      problems.push_back("tensor " + t.name + " has shape " + shape_str(t.shape) + ", expected " +
                         shape_str(it->second->shape));
    }
  }
  for (const auto& s : expected)
    if (!seen.count(s.name)) {
      ++n_missing;
      problems.push_back("missing tensor " + s.name + " " + shape_str(s.shape));
    }
  if (problems.empty()) return;
  std::string msg = "tensor set does not match config (" + std::to_string(n_missing) + " missing, " +
                    std::to_string(n_extra) + " unexpected, " + std::to_string(n_shape) + " mis-shaped): ";
  for (size_t i = 0; i < problems.size() && i < 12; ++i) msg += (i ? "; " : "") + problems[i];
  if (problems.size() > 12) msg += "; ... (" + std::to_string(problems.size() - 12) + " more)";
  fail(ErrorKind::Model, where, msg);
}

}  // namespace

ArchDims official_dims(const ModelConfig& cfg) {
  ArchDims d;
  const int64_t D = d.vit_depth, sel = cfg.vision.select_layer;
  d.vit_blocks_used = sel <= 0 ? std::min(D, D + sel + 1) : std::min(D, sel);
  return d;
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& cfg, const ArchDims& d) {
  if (d.vit_patch <= 0 || cfg.vision.image_size % d.vit_patch != 0)
    config_error(cfg.kind == ModelKind::Janus ? "vision_config.params.image_size"
                                              : "vision_und_enc_config.params.image_size",
                 std::to_string(cfg.vision.image_size) + " is not a multiple of the patch size " +
                     std::to_string(d.vit_patch));
  Table t;
  if (cfg.kind == ModelKind::Janus)
    janus_tensors(t, cfg, d);
  else
    janusflow_tensors(t, cfg, d);
  return t.specs;
}

ArchDims infer_dims(const ModelConfig& cfg, const std::vector<TensorMeta>& present,
                    const std::string& where) {
  const auto m = index_present(present, where);
  ArchDims d = official_dims(cfg);
  const std::string vp = vit_prefix(cfg);
  const auto& pos = anchor(m, vp + "pos_embed", 3, where);
  const auto& patch = anchor(m, vp + "patch_embed.proj.weight", 4, where);
  d.vit_width = pos.shape[2];
  d.vit_patch = patch.shape[3];
  if (d.vit_width % 64 != 0)
    fail(ErrorKind::Model, where,
         "SigLIP width " + std::to_string(d.vit_width) + " (from " + vp +
             "pos_embed) is not a multiple of the head dim 64");
  d.vit_heads = d.vit_width / 64;
  d.vit_depth = highest_index(m, vp + "blocks.") + 1;
  if (d.vit_depth <= 0) fail(ErrorKind::Model, where, "no " + vp + "blocks.N tensors found");
  d.vit_mlp = anchor(m, vp + "blocks.0.mlp.fc1.weight", 2, where).shape[0];
  const int64_t D = d.vit_depth, sel = cfg.vision.select_layer;
  d.vit_blocks_used = sel <= 0 ? std::min(D, D + sel + 1) : std::min(D, sel);
  if (d.vit_blocks_used <= 0)
    config_error("vision_config.params.select_layer",
                 std::to_string(sel) + " selects no block of a " + std::to_string(D) + "-block tower");
  if (cfg.kind == ModelKind::Janus) {
    const auto& conv_out = anchor(m, "gen_vision_model.decoder.conv_out.weight", 4, where);
    const auto& pq = anchor(m, "gen_vision_model.post_quant_conv.weight", 4, where);
    d.vq_ch = conv_out.shape[1];
    d.vq_z = pq.shape[0];
    d.vq_codebook_dim = cfg.gen_vision.n_embed;
    d.vq_codebook_size = cfg.gen_vision.image_token_size;
  }
  return d;
}

ArchDims check_tensor_set(const ModelConfig& cfg, const std::vector<TensorMeta>& present,
                          const std::string& where) {
  ArchDims d = infer_dims(cfg, present, where);
  compare_sets(expected_tensors(cfg, d), present, where, is_stray_inv_freq, nullptr);
  return d;
}

int64_t total_params(const std::vector<TensorSpec>& specs) {
  int64_t total = 0;
  for (const auto& s : specs) {
    int64_t n = 1;
    for (int64_t v : s.shape)
      if (__builtin_mul_overflow(n, v, &n)) fail(ErrorKind::Model, s.name, "element count overflows");
    if (__builtin_add_overflow(total, n, &total)) fail(ErrorKind::Model, s.name, "parameter total overflows");
  }
  return total;
}

// ---------------------------------------------------------------- SDXL VAE

namespace {

struct VaeEmitter {
  Table& t;
  VaeNaming naming;
  bool used;

  void resnet(const std::string& p, int64_t cin, int64_t cout) {
    t.norm(p + "norm1", cin, used);
    t.conv(p + "conv1", cout, cin, 3, used);
    t.norm(p + "norm2", cout, used);
    t.conv(p + "conv2", cout, cout, 3, used);
    if (cin != cout)
      t.conv(p + (naming == VaeNaming::Ldm ? "nin_shortcut" : "conv_shortcut"), cout, cin, 1, used);
  }
  void attention(const std::string& p, int64_t c) {
    if (naming == VaeNaming::Ldm) {
      t.norm(p + "norm", c, used);
      for (const char* n : {"q", "k", "v", "proj_out"}) t.conv(p + n, c, c, 1, used);
    } else {
      t.norm(p + "group_norm", c, used);
      static const char* const kLegacy[] = {"query", "key", "value", "proj_attn"};
      static const char* const kModern[] = {"to_q", "to_k", "to_v", "to_out.0"};
      const auto& names = naming == VaeNaming::DiffusersLegacy ? kLegacy : kModern;
      for (const char* n : names) t.linear(p + n, c, c, true, used);
    }
  }
  // Mid block: resnet, attention (optional), resnet.
  void mid(const std::string& p, int64_t c, bool attn) {
    const bool ldm = naming == VaeNaming::Ldm;
    resnet(p + (ldm ? "mid.block_1." : "mid_block.resnets.0."), c, c);
    if (attn) attention(p + (ldm ? "mid.attn_1." : "mid_block.attentions.0."), c);
    resnet(p + (ldm ? "mid.block_2." : "mid_block.resnets.1."), c, c);
  }
};

void vae_decoder(Table& t, const VaeConfig& c, VaeNaming naming) {
  VaeEmitter e{t, naming, true};
  const bool ldm = naming == VaeNaming::Ldm;
  const auto& ch = c.block_out_channels;
  const int64_t n = int64_t(ch.size());
  if (c.use_post_quant_conv) t.conv("post_quant_conv", c.latent_channels, c.latent_channels, 1);
  t.conv("decoder.conv_in", ch.back(), c.latent_channels, 3);
  e.mid("decoder.", ch.back(), c.mid_block_add_attention);
  int64_t prev = ch.back();
  for (int64_t b = 0; b < n; ++b) {
    const int64_t out = ch[n - 1 - b];
    // LDM numbers up-blocks by resolution level, i.e. in reverse execution order.
    const std::string bp = ldm ? "decoder.up." + std::to_string(n - 1 - b) + "."
                               : "decoder.up_blocks." + std::to_string(b) + ".";
    for (int64_t r = 0; r <= c.layers_per_block; ++r) {
      e.resnet(bp + (ldm ? "block." : "resnets.") + std::to_string(r) + ".", r == 0 ? prev : out, out);
    }
    if (b != n - 1) t.conv(bp + (ldm ? "upsample.conv" : "upsamplers.0.conv"), out, out, 3);
    prev = out;
  }
  t.norm(ldm ? "decoder.norm_out" : "decoder.conv_norm_out", ch.front());
  t.conv("decoder.conv_out", c.out_channels, ch.front(), 3);
}

void vae_encoder(Table& t, const VaeConfig& c, VaeNaming naming) {
  VaeEmitter e{t, naming, false};
  const bool ldm = naming == VaeNaming::Ldm;
  const auto& ch = c.block_out_channels;
  const int64_t n = int64_t(ch.size());
  t.conv("encoder.conv_in", ch.front(), c.in_channels, 3, false);
  int64_t prev = ch.front();
  for (int64_t b = 0; b < n; ++b) {
    const int64_t out = ch[b];
    const std::string bp =
        ldm ? "encoder.down." + std::to_string(b) + "." : "encoder.down_blocks." + std::to_string(b) + ".";
    for (int64_t r = 0; r < c.layers_per_block; ++r)
      e.resnet(bp + (ldm ? "block." : "resnets.") + std::to_string(r) + ".", r == 0 ? prev : out, out);
    if (b != n - 1) t.conv(bp + (ldm ? "downsample.conv" : "downsamplers.0.conv"), out, out, 3, false);
    prev = out;
  }
  e.mid("encoder.", ch.back(), c.mid_block_add_attention);
  t.norm(ldm ? "encoder.norm_out" : "encoder.conv_norm_out", ch.back(), false);
  t.conv("encoder.conv_out", 2 * c.latent_channels, ch.back(), 3, false);
  if (c.use_quant_conv) t.conv("quant_conv", 2 * c.latent_channels, 2 * c.latent_channels, 1, false);
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

// LDM 1x1 attention convs may be stored 4-D [c,c,1,1] (original) or already squeezed to 2-D.
bool ldm_shape_ok(const std::vector<int64_t>& got, const std::vector<int64_t>& want) {
  if (got == want) return true;
  return want.size() == 4 && want[2] == 1 && want[3] == 1 && got.size() == 2 && got[0] == want[0] &&
         got[1] == want[1];
}

}  // namespace

std::vector<TensorSpec> vae_tensors(const VaeConfig& cfg, VaeNaming naming, bool with_encoder) {
  for (size_t i = 0; i < cfg.up_block_types.size(); ++i)
    if (cfg.up_block_types[i] != "UpDecoderBlock2D")
      fail(ErrorKind::Unsupported, "config.json: up_block_types[" + std::to_string(i) + "]",
           "unsupported block \"" + cfg.up_block_types[i] + "\" (UpDecoderBlock2D only)");
  Table t;
  if (with_encoder) vae_encoder(t, cfg, naming);
  vae_decoder(t, cfg, naming);
  return t.specs;
}

VaeNaming check_vae_tensor_set(const VaeConfig& cfg, const std::vector<TensorMeta>& present,
                               const std::string& where) {
  VaeNaming naming = VaeNaming::Diffusers;
  bool encoder = false;
  for (const auto& t : present) {
    if (starts_with(t.name, "decoder.up.") || starts_with(t.name, "decoder.mid.") ||
        starts_with(t.name, "encoder.down."))
      naming = VaeNaming::Ldm;
    if (encoder == false && (starts_with(t.name, "encoder.") || starts_with(t.name, "quant_conv.")))
      encoder = true;
  }
  if (naming != VaeNaming::Ldm)
    for (const auto& t : present)
      if (t.name.find(".attentions.0.query.") != std::string::npos ||
          t.name.find(".attentions.0.proj_attn.") != std::string::npos)
        naming = VaeNaming::DiffusersLegacy;
  compare_sets(vae_tensors(cfg, naming, encoder), present, where, nullptr,
               naming == VaeNaming::Ldm ? ldm_shape_ok : nullptr);
  return naming;
}

std::string vae_diffusers_name(const VaeConfig& cfg, VaeNaming naming, std::string_view name) {
  // Both tables are emitted in the same order, so names correspond by position.
  const auto from = vae_tensors(cfg, naming, true);
  const auto to = naming == VaeNaming::Diffusers ? from : vae_tensors(cfg, VaeNaming::Diffusers, true);
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i].name == name) return to[i].name;
  return "";
}

}  // namespace janus
