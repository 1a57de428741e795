// LLaMA decoder forward with a batched KV cache, in the op order (and rounding points) of HF
// LlamaForCausalLM 4.38 eager attention: tools/reference/modules.py `Llama` states it executably.
#include "models/llm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"

namespace janus {

namespace {

const std::string kPrefix = "language_model.";

// The tensor `name` with exactly `shape`, or Error(Model) naming it.
const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape) {
  const TensorView& t = w.get(name);
  if (t.shape != shape)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  return t;
}

ops::Linear bind_linear(const TensorStore& w, const std::string& name, int64_t out, int64_t in, bool bias) {
  const TensorView& wt = bind(w, name + ".weight", {out, in});
  return ops::make_linear(wt, bias ? &bind(w, name + ".bias", {out}) : nullptr);
}

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    fail(ErrorKind::InvalidArgument, "kv cache", std::string(what) + " size overflows");
  return r;
}

Tensor copy_of(const Tensor& t) {
  Tensor c(t.dtype(), t.shape(), t.name());
  if (t.nbytes()) std::memcpy(c.data<uint8_t>(), t.data<uint8_t>(), t.nbytes());
  return c;
}

// Attention of one sequence whose keys 0 .. S-1 include masked positions (mask[j] = 1): the visible keys
// are gathered so the kernel never sees the masked ones, which is exact (HF adds finfo.min before the
// softmax, so their weights are exactly 0). Queries are positions S-T .. S-1.
// New K/V rows into the cache: f32 as is, or as bf16 bits (exact in a BF16 run, where they are bf16).
void store_rows(float* dst, const float* src, int64_t n) {
  std::memcpy(dst, src, size_t(n) * sizeof(float));
}
void store_rows(uint16_t* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

template <class E>
void attn(const ops::Context& c, const float* q, int64_t T, const E* k, const E* v, int64_t S, int64_t nh,
          int64_t nkv, int64_t hd, float scale, bool causal, float* out) {
  if constexpr (std::is_same_v<E, float>)
    ops::attention(c, ops::AttentionKind::Eager, q, T, k, v, S, nh, nkv, hd, scale, causal, out);
  else
    ops::attention_kv_bf16(c, ops::AttentionKind::Eager, q, T, k, v, S, nh, nkv, hd, scale, causal, out);
}

// E: the cache's element type (float, or uint16_t bf16 bits).
template <class E>
void attend_masked(const ops::Context& c, const float* q, int64_t T, const E* k, const E* v, int64_t S,
                   const uint8_t* mask, int64_t nh, int64_t nkv, int64_t hd, float scale, float* out) {
  const int64_t kd = nkv * hd, qd = nh * hd;
  std::vector<int64_t> vis;  // visible key positions, ascending
  for (int64_t j = 0; j < S; ++j)
    if (!mask[j]) vis.push_back(j);
  const int64_t n = int64_t(vis.size());
  std::vector<E> gk(size_t(n * kd)), gv(size_t(n * kd));  // [n, nkv, hd] gathered rows
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(gk.data() + i * kd, k + vis[size_t(i)] * kd, size_t(kd) * sizeof(E));
    std::memcpy(gv.data() + i * kd, v + vis[size_t(i)] * kd, size_t(kd) * sizeof(E));
  }
  bool new_visible = true;  // all T query positions visible: one causal call over the gathered keys
  for (int64_t j = S - T; j < S; ++j) new_visible = new_visible && !mask[j];
  if (new_visible) return attn(c, q, T, gk.data(), gv.data(), n, nh, nkv, hd, scale, true, out);
  // Some queries sit on masked positions (full recomputation of a masked prompt): each query sees the
  // visible keys up to its own position. A query sees at least one key (callers keep position 0 visible).
  int64_t seen = 0;
  for (int64_t t = 0; t < T; ++t) {
    const int64_t p = S - T + t;
    while (seen < n && vis[size_t(seen)] <= p) ++seen;
    if (seen == 0) fail(ErrorKind::InvalidArgument, "attention mask", "a query sees no key");
    attn(c, q + t * qd, 1, gk.data(), gv.data(), seen, nh, nkv, hd, scale, false, out + t * qd);
  }
}

}  // namespace

void KvCache::mask(int64_t row, int64_t begin, int64_t end) {
  if (row < 0 || row >= batch || begin < 0 || end > capacity || begin > end)
    fail(ErrorKind::InvalidArgument, "kv cache mask",
         "rows 0.." + std::to_string(batch - 1) + ", positions 0.." + std::to_string(capacity));
  if (masked.empty()) masked.assign(size_t(batch * capacity), 0);
  std::fill(masked.begin() + row * capacity + begin, masked.begin() + row * capacity + end, uint8_t(1));
}

Llm::Llm(const TensorStore& w, const LlamaConfig& cfg, ops::Precision precision)
    : hidden_(cfg.hidden_size),
      vocab_(cfg.vocab_size),
      heads_(cfg.num_attention_heads),
      kv_heads_(cfg.num_key_value_heads),
      head_dim_(cfg.head_dim),
      intermediate_(cfg.intermediate_size),
      eps_(float(cfg.rms_norm_eps)),
      precision_(precision) {
  const std::string where = "config.json:language_config";
  if (hidden_ <= 0 || vocab_ <= 0 || heads_ <= 0 || kv_heads_ <= 0 || head_dim_ <= 0 || intermediate_ <= 0 ||
      cfg.num_hidden_layers <= 0)
    fail(ErrorKind::Model, where, "sizes must be positive");
  if (heads_ % kv_heads_ != 0)
    fail(ErrorKind::Model, where + ".num_key_value_heads",
         std::to_string(kv_heads_) + " does not divide num_attention_heads " + std::to_string(heads_));
  if (head_dim_ % 2 != 0) fail(ErrorKind::Model, where, "RoPE needs an even head_dim");
  if (cfg.hidden_act != "silu")
    fail(ErrorKind::Unsupported, where + ".hidden_act", "'" + cfg.hidden_act + "' (only silu)");
  if (cfg.pretraining_tp != 1)
    fail(ErrorKind::Unsupported, where + ".pretraining_tp", "only 1 (the sliced-matmul path is not ported)");

  rope_ = ops::make_rope(head_dim_, cfg.rope_theta, precision);
  rope_.interleaved = cfg.rope_interleaved;
  if (cfg.rope_scaling) {
    const std::string& type = cfg.rope_scaling->type;
    if (type == "linear") {
      // HF divides positions by the factor; dividing inv_freq instead is the same angle up to an ulp.
      if (!(cfg.rope_scaling->factor > 0))
        fail(ErrorKind::Model, where + ".rope_scaling.factor", "must be positive");
      for (float& f : rope_.inv_freq) f = float(f / cfg.rope_scaling->factor);
    } else if (!type.empty() && type != "default") {
      fail(ErrorKind::Unsupported, where + ".rope_scaling", "type '" + type + "' (only linear)");
    }
  }

  const std::string m = kPrefix + "model.";
  embed_ = &bind(w, m + "embed_tokens.weight", {vocab_, hidden_});
  norm_ = &bind(w, m + "norm.weight", {hidden_});
  const TensorView* head = w.find(kPrefix + "lm_head.weight");
  if (!head && cfg.tie_word_embeddings) head = embed_;
  if (!head) head = &w.get(kPrefix + "lm_head.weight");  // throws: not found
  if (head->shape != std::vector<int64_t>{vocab_, hidden_})
    fail(ErrorKind::Model, head->name,
         "shape " + shape_str(head->shape) + ", expected " + shape_str({vocab_, hidden_}));
  lm_head_ = ops::make_linear(*head, nullptr);

  const int64_t qd = heads_ * head_dim_, kd = kv_heads_ * head_dim_;
  for (int64_t i = 0; i < cfg.num_hidden_layers; ++i) {
    const std::string p = m + "layers." + std::to_string(i) + ".";
    const bool ab = cfg.attention_bias, mb = cfg.mlp_bias;
    layers_.push_back(Layer{&bind(w, p + "input_layernorm.weight", {hidden_}),
                            &bind(w, p + "post_attention_layernorm.weight", {hidden_}),
                            bind_linear(w, p + "self_attn.q_proj", qd, hidden_, ab),
                            bind_linear(w, p + "self_attn.k_proj", kd, hidden_, ab),
                            bind_linear(w, p + "self_attn.v_proj", kd, hidden_, ab),
                            bind_linear(w, p + "self_attn.o_proj", hidden_, qd, ab),
                            bind_linear(w, p + "mlp.gate_proj", intermediate_, hidden_, mb),
                            bind_linear(w, p + "mlp.up_proj", intermediate_, hidden_, mb),
                            bind_linear(w, p + "mlp.down_proj", hidden_, intermediate_, mb)});
  }
}

KvCache Llm::make_cache(int64_t batch, int64_t capacity) const {
  if (batch <= 0 || capacity <= 0)
    fail(ErrorKind::InvalidArgument, "kv cache",
         "batch and capacity must be positive (got " + std::to_string(batch) + ", " +
             std::to_string(capacity) + ")");
  // [batch, capacity, kv_heads, head_dim] f32 per layer, K and V: refuse sizes that overflow.
  const int64_t per =
      checked_mul(checked_mul(checked_mul(batch, capacity, "cache"), kv_heads_, "cache"), head_dim_, "cache");
  checked_mul(checked_mul(per, 2 * int64_t(sizeof(float)), "cache"), num_layers(), "cache");
  KvCache kv;
  kv.batch = batch;
  kv.capacity = capacity;
  // BF16 runs keep K/V as bf16: their values are bf16 already (the bf16 k/v projections and RoPE), so
  // this halves the cache and its reads without changing a bit.
  const DType dt = precision_ == ops::Precision::BF16 ? DType::BF16 : DType::F32;
  for (size_t l = 0; l < layers_.size(); ++l) {
    kv.k.push_back(Tensor(dt, {batch, capacity, kv_heads_, head_dim_}));
    kv.v.push_back(Tensor(dt, {batch, capacity, kv_heads_, head_dim_}));
  }
  return kv;
}

void Llm::embed(const ops::Context& c, const int32_t* ids, int64_t n, float* out) const {
  ops::embedding(c, *embed_, ids, n, out);
  if (c.bf16()) ops::round_bf16(out, n * hidden_);  // the bf16 model's table (no-op for bf16 files)
}

Tensor Llm::forward(const ops::Context& c, const Tensor& embeds, KvCache& cache, bool last_only,
                    const DumpFn& dump) const {
  if (c.precision != precision_)
    fail(ErrorKind::InvalidArgument, "llm", "context precision differs from the one the model was built for");
  const auto& s = embeds.shape();
  if (embeds.dtype() != DType::F32 || s.size() != 3 || s[0] != cache.batch || s[1] <= 0 || s[2] != hidden_)
    fail(ErrorKind::InvalidArgument, "llm",
         "embeddings must be f32 [" + std::to_string(cache.batch) + ", T>0, " + std::to_string(hidden_) +
             "], got " + shape_str(s));
  const std::vector<int64_t> cshape = {cache.batch, cache.capacity, kv_heads_, head_dim_};
  bool ok = cache.k.size() == layers_.size() && cache.v.size() == layers_.size() && cache.len >= 0 &&
            cache.len <= cache.capacity;
  const DType cdt = precision_ == ops::Precision::BF16 ? DType::BF16 : DType::F32;
  for (size_t l = 0; ok && l < layers_.size(); ++l)
    ok = cache.k[l].shape() == cshape && cache.v[l].shape() == cshape && cache.k[l].dtype() == cdt &&
         cache.v[l].dtype() == cdt;
  ok = ok && (cache.masked.empty() || cache.masked.size() == size_t(cache.batch * cache.capacity));
  if (!ok) fail(ErrorKind::InvalidArgument, "kv cache", "not made by this model's make_cache");
  const int64_t B = s[0], T = s[1], H = hidden_, P0 = cache.len, cap = cache.capacity;
  if (T > cap - P0)
    fail(ErrorKind::InvalidArgument, "kv cache",
         "context overflow: " + std::to_string(P0) + " cached + " + std::to_string(T) + " new positions > " +
             std::to_string(cap));
  const int64_t S = P0 + T, R = B * T;
  const int64_t hd = head_dim_, nh = heads_, nkv = kv_heads_, qd = nh * hd, kd = nkv * hd;

  Tensor x = copy_of(embeds).reshaped({R, H});
  if (c.bf16()) ops::round_bf16(x.f(), R * H);  // inputs_embeds is a bf16 tensor
  Tensor h = Tensor::f32({R, H}), t = Tensor::f32({R, H});
  Tensor q = Tensor::f32({R, qd}), k = Tensor::f32({R, kd}), v = Tensor::f32({R, kd});
  Tensor att = Tensor::f32({R, qd});
  Tensor gate = Tensor::f32({R, intermediate_}), up = Tensor::f32({R, intermediate_});
  std::vector<int64_t> pos(static_cast<size_t>(R));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < T; ++i) pos[size_t(b * T + i)] = P0 + i;
  // HF: fp32 1 / fp32 sqrt(hd); CUDA applies the division as a multiply by this reciprocal.
  const float scale = 1.0f / float(std::sqrt(double(hd)));

  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    ops::rms_norm(c, x.f(), R, H, *L.input_norm, eps_, h.f());
    {  // one pass of the pool for all three (decode is bound by their weight reads)
      const ops::Linear* ls[3] = {&L.q, &L.k, &L.v};
      float* ys[3] = {q.f(), k.f(), v.f()};
      ops::linear_multi(c, ls, 3, h.f(), R, ys);
    }
    ops::rope(c, rope_, q.f(), R, nh, pos.data());
    ops::rope(c, rope_, k.f(), R, nkv, pos.data());
    for (int64_t b = 0; b < B; ++b) {
      // Each sequence attends to its own cached keys 0 .. P0+i (causal), minus masked ones.
      const uint8_t* mk = cache.masked.empty() ? nullptr : cache.masked.data() + b * cap;
      const bool masked = mk && std::find(mk, mk + S, uint8_t(1)) != mk + S;
      const float* qb = q.f() + b * T * qd;
      float* ob = att.f() + b * T * qd;
      auto attend_row = [&](auto* ck, auto* cv) {  // ck, cv: this row's cache [capacity, nkv, hd]
        store_rows(ck + P0 * kd, k.f() + b * T * kd, T * kd);
        store_rows(cv + P0 * kd, v.f() + b * T * kd, T * kd);
        if (masked)
          attend_masked(c, qb, T, ck, cv, S, mk, nh, nkv, hd, scale, ob);
        else
          attn(c, qb, T, ck, cv, S, nh, nkv, hd, scale, true, ob);
      };
      if (cdt == DType::BF16)
        attend_row(cache.k[l].data<uint16_t>() + b * cap * kd, cache.v[l].data<uint16_t>() + b * cap * kd);
      else
        attend_row(cache.k[l].f() + b * cap * kd, cache.v[l].f() + b * cap * kd);
    }
    ops::linear(c, L.o, att.f(), R, t.f());
    ops::add(c, x.f(), t.f(), R * H, x.f());
    ops::rms_norm(c, x.f(), R, H, *L.post_norm, eps_, h.f());
    {
      const ops::Linear* ls[2] = {&L.gate, &L.up};
      float* ys[2] = {gate.f(), up.f()};
      ops::linear_multi(c, ls, 2, h.f(), R, ys);
    }
    ops::silu_mul(c, gate.f(), up.f(), R * intermediate_, gate.f());
    ops::linear(c, L.down, gate.f(), R, t.f());
    ops::add(c, x.f(), t.f(), R * H, x.f());
    if (dump) dump("language_model.model.layers." + std::to_string(l), copy_of(x).reshaped({B, T, H}));
  }
  cache.len = S;

  if (!last_only) {
    Tensor out = Tensor::f32({B, T, H});
    ops::rms_norm(c, x.f(), R, H, *norm_, eps_, out.f());
    return out;
  }
  Tensor last = Tensor::f32({B, H}), out = Tensor::f32({B, 1, H});
  for (int64_t b = 0; b < B; ++b)
    std::memcpy(last.f() + b * H, x.f() + (b * T + T - 1) * H, size_t(H) * sizeof(float));
  ops::rms_norm(c, last.f(), B, H, *norm_, eps_, out.f());
  return out;
}

Tensor Llm::logits(const ops::Context& c, const Tensor& hidden) const {
  if (hidden.dtype() != DType::F32 || hidden.shape().empty() || hidden.dim(-1) != hidden_)
    fail(
        ErrorKind::InvalidArgument, "lm_head",
        "hidden states must be f32 [..., " + std::to_string(hidden_) + "], got " + shape_str(hidden.shape()));
  const int64_t rows = hidden.numel() / hidden_;
  Tensor out = Tensor::f32({rows, vocab_});
  ops::linear(c, lm_head_, hidden.f(), rows, out.f());  // bf16 GEMM output in BF16 mode, then .float()
  return out;
}

}  // namespace janus
