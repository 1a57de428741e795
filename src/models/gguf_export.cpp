// write_model_gguf: a loaded bundle -> one self-contained GGUF file (models/gguf_model.h).
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "io/gguf/gguf.h"
#include "io/gguf/gguf_writer.h"
#include "io/weights/mapped_file.h"
#include "io/weights/quantized_store.h"
#include "models/gguf_model.h"
#include "models/gguf_names.h"

namespace janus {
namespace fs = std::filesystem;

namespace {

// llama.cpp's llama_ftype values for general.file_type.
uint32_t file_type_of(DType t) {
  switch (t) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::Q4_0:
      return 2;
    case DType::Q8_0:
      return 7;
    default:
      return 32;  // BF16
  }
}

// llama.cpp's token types.
enum : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

uint32_t u32_of(int64_t v, const char* what) {
  if (v < 0 || v > int64_t(UINT32_MAX))
    fail(ErrorKind::Model, what, "value " + std::to_string(v) + " out of range");
  return uint32_t(v);
}

void set_llama_metadata(GgufWriter& w, const LlamaConfig& l) {
  w.set("llama.context_length",
        GgufValue::of_u32(u32_of(l.max_position_embeddings, "max_position_embeddings")));
  w.set("llama.embedding_length", GgufValue::of_u32(u32_of(l.hidden_size, "hidden_size")));
  w.set("llama.block_count", GgufValue::of_u32(u32_of(l.num_hidden_layers, "num_hidden_layers")));
  w.set("llama.feed_forward_length", GgufValue::of_u32(u32_of(l.intermediate_size, "intermediate_size")));
  w.set("llama.attention.head_count",
        GgufValue::of_u32(u32_of(l.num_attention_heads, "num_attention_heads")));
  w.set("llama.attention.head_count_kv",
        GgufValue::of_u32(u32_of(l.num_key_value_heads, "num_key_value_heads")));
  w.set("llama.rope.freq_base", GgufValue::of_f32(float(l.rope_theta)));
  w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::of_f32(float(l.rms_norm_eps)));
  w.set("llama.vocab_size", GgufValue::of_u32(u32_of(l.vocab_size, "vocab_size")));
  w.set("llama.rope.dimension_count", GgufValue::of_u32(u32_of(l.head_dim, "head_dim")));
}

// tokenizer.ggml.* as llama.cpp's converter writes them for a byte-level BPE ("gpt2") vocabulary:
// one token per id up to the embedding rows ([PAD<id>] in unused slots), its type, and the merges.
void set_tokenizer_metadata(GgufWriter& w, const ModelBundle& m, const std::string& tokenizer_json) {
  const Tokenizer& tok = *m.tokenizer;
  std::set<int64_t> added_plain;  // added tokens that are not special: USER_DEFINED
  std::vector<std::string> merges;
  try {
    const nlohmann::json j = nlohmann::json::parse(tokenizer_json);
    if (j.contains("added_tokens") && j["added_tokens"].is_array())
      for (const auto& t : j["added_tokens"])
        if (t.is_object() && t.value("special", false) == false && t.contains("id") &&
            t["id"].is_number_integer())
          added_plain.insert(t["id"].get<int64_t>());
    const auto& model = j.at("model");
    if (model.contains("merges"))
      for (const auto& mg : model["merges"]) {
        if (mg.is_string())
          merges.push_back(mg.get<std::string>());  // "a b"
        else if (mg.is_array() && mg.size() == 2)   // newer tokenizers: ["a", "b"]
          merges.push_back(mg[0].get<std::string>() + " " + mg[1].get<std::string>());
        else
          fail(ErrorKind::Format, "tokenizer.json:model.merges", "entry is neither \"a b\" nor [a, b]");
      }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, "tokenizer.json", std::string("unexpected structure: ") + e.what());
  }
  const int64_t n = std::max<int64_t>(m.config.language.vocab_size, tok.size());
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  tokens.reserve(size_t(n));
  types.reserve(size_t(n));
  for (int64_t id = 0; id < n; ++id) {
    std::string s = tok.token(int32_t(id));
    if (s.empty()) {
      tokens.push_back("[PAD" + std::to_string(id) + "]");
      types.push_back(kUnused);
      continue;
    }
    tokens.push_back(std::move(s));
    types.push_back(tok.is_special(int32_t(id)) ? kControl : added_plain.count(id) ? kUserDefined : kNormal);
  }
  w.set("tokenizer.ggml.model", GgufValue::of_string("gpt2"));
  // Every Janus model uses DeepSeek-LLM's tokenizer (its pre-tokenizer regexes are llama.cpp's
  // "deepseek-llm").
  w.set("tokenizer.ggml.pre", GgufValue::of_string("deepseek-llm"));
  w.set("tokenizer.ggml.tokens", GgufValue::of_strings(std::move(tokens)));
  w.set("tokenizer.ggml.token_type", GgufValue::of_i32s(types));
  w.set("tokenizer.ggml.merges", GgufValue::of_strings(std::move(merges)));
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_u32(uint32_t(tok.bos_id())));
  w.set("tokenizer.ggml.eos_token_id", GgufValue::of_u32(uint32_t(tok.eos_id())));
  const int32_t pad = m.special_id("pad");
  if (pad >= 0) w.set("tokenizer.ggml.padding_token_id", GgufValue::of_u32(uint32_t(pad)));
  w.set("tokenizer.ggml.add_bos_token", GgufValue::of_bool(tok.add_bos_token()));
  w.set("tokenizer.ggml.add_eos_token", GgufValue::of_bool(false));
}

// Heads whose rows to permute for llama.cpp's RoPE, or 0 for other tensors.
int64_t rope_heads(const std::string& name, const LlamaConfig& l) {
  static const std::regex qk(R"(language_model\.model\.layers\.\d+\.self_attn\.(q|k)_proj\.weight)");
  std::smatch mt;
  if (!std::regex_match(name, mt, qk)) return 0;
  return mt[1] == "q" ? l.num_attention_heads : l.num_key_value_heads;
}

// Within each head of `heads`, row 2i+h of dst = row h*(hd/2)+i of src (h in {0, 1}): the rotation
// pairs (i, i + hd/2) of the HF layout become neighbours (2i, 2i+1).
void permute_rows(const uint8_t* src, uint8_t* dst, int64_t rows, size_t row_bytes, int64_t heads,
                  const std::string& name) {
  if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0)
    fail(ErrorKind::Model, name,
         std::to_string(rows) + " rows do not split into " + std::to_string(heads) + " heads of even size");
  const int64_t hd = rows / heads, half = hd / 2;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t k = 0; k < 2; ++k)
        std::memcpy(dst + size_t(h * hd + 2 * i + k) * row_bytes,
                    src + size_t(h * hd + k * half + i) * row_bytes, row_bytes);
}

}  // namespace

std::map<std::string, std::string> model_file_texts(const ModelBundle& m) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (fs::is_regular_file(m.dir, ec)) {
    MappedFile f(m.dir);
    const GgufFile g = parse_gguf({f.data(), f.size()}, f.path());
    for (const char* name : kGgufModelFiles)
      if (std::optional<std::string> s = g.get_string(std::string(kGgufFileKeyPrefix) + name)) out[name] = *s;
    return out;
  }
  for (const char* name : kGgufModelFiles) {
    const fs::path p = m.dir / name;
    if (!fs::exists(p, ec)) continue;
    std::ifstream in(p, std::ios::binary);
    if (!in) fail(ErrorKind::Io, p.string(), "cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    out[name] = ss.str();
  }
  return out;
}

void write_model_gguf(const ModelBundle& m, const fs::path& out, const GgufExportOptions& o,
                      bool* cancelled) {
  if (m.vae || !m.weights || !m.tokenizer)
    fail(ErrorKind::InvalidArgument, m.dir.string(),
         "only Janus / JanusFlow models loaded with weights convert to GGUF");
  const LlamaConfig& l = m.config.language;
  GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("llama"));
  w.set("general.name", GgufValue::of_string(o.name.empty() ? m.dir.filename().string() : o.name));

  // Tensors first (they decide general.file_type), written in name order.
  const bool permute = !l.rope_interleaved;
  auto perm = std::make_shared<std::vector<uint8_t>>();  // the writer is sequential: one buffer serves all
  DType layer_type = DType::BF16;
  for (const std::string& name : m.weights->names()) {
    const TensorView& v = m.weights->get(name);
    const bool is_float = v.dtype == DType::BF16 || v.dtype == DType::F16 || v.dtype == DType::F32;
    const DType target = is_float ? quantized_dtype(name, v.shape, o.quant).value_or(v.dtype) : v.dtype;
    if (!ggml_from_dtype(target))
      fail(ErrorKind::Unsupported, name,
           "dtype " + std::string(dtype_name(v.dtype)) + " cannot be stored in GGUF");
    if (name == "language_model.model.layers.0.self_attn.q_proj.weight") layer_type = target;
    const int64_t heads = permute ? rope_heads(name, l) : 0;
    if (heads && v.shape.size() != 2) fail(ErrorKind::Model, name, "expected a 2-D projection");
    const TensorStore* store = m.weights.get();
    const int threads = o.threads;
    w.add_tensor(gguf_name_from_hf(name), target, v.shape,
                 [&v, target, heads, perm, store, threads](std::vector<uint8_t>& scratch) {
                   TensorView src = v;
                   if (heads) {
                     perm->resize(v.nbytes);
                     permute_rows(static_cast<const uint8_t*>(v.data), perm->data(), v.shape[0],
                                  v.nbytes / size_t(v.shape[0]), heads, v.name);
                     src.data = perm->data();
                   }
                   if (target == v.dtype)
                     return std::span<const uint8_t>(static_cast<const uint8_t*>(src.data), src.nbytes);
                   size_t n = 0;
                   dtype_nbytes(target, v.numel(), &n);
                   scratch.resize(n);
                   quantize_tensor(src, target, scratch.data(), threads);
                   store->drop_pages(v);  // read once: keep the source out of RSS
                   return std::span<const uint8_t>(scratch.data(), n);
                 });
  }
  w.set("general.file_type", GgufValue::of_u32(file_type_of(layer_type)));
  if (dtype_is_block(layer_type)) w.set("general.quantization_version", GgufValue::of_u32(2));
  set_llama_metadata(w, l);

  std::map<std::string, std::string> files = model_file_texts(m);
  auto tokenizer_json = files.find("tokenizer.json");
  if (tokenizer_json == files.end()) fail(ErrorKind::Model, m.dir.string(), "no tokenizer.json");
  for (const char* f : kGgufModelFiles)  // a fixed order, whatever the map's
    if (auto it = files.find(f); it != files.end())
      w.set(std::string(kGgufFileKeyPrefix) + f, GgufValue::of_string(it->second));
  set_tokenizer_metadata(w, m, tokenizer_json->second);
  // The policy the LLM layers follow (a quantized GGUF source keeps its blocks: only float tensors
  // are converted).
  const std::string quant = layer_type == DType::Q8_0 ? "q8_0" : layer_type == DType::Q4_0 ? "q4_0" : "none";
  w.set(std::string(kGgufQuantKey), GgufValue::of_string(quant));
  w.set(std::string(kGgufRopeKey), GgufValue::of_bool(true));
  w.write(out, o.overwrite, o.progress, cancelled);
}

}  // namespace janus
