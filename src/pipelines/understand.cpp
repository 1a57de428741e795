#include "pipelines/understand.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/error.h"
#include "io/image/preprocess.h"
#include "models/model_bundle.h"
#include "pipelines/text_stream.h"
#include "pipelines/understand_backend.h"

namespace janus {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Word-wise 64-bit mix of the image size and pixels: identifies "the same image" between turns.
uint64_t image_hash(const Image& im) {
  auto mix = [](uint64_t h, uint64_t w) {
    h ^= w + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
  };
  uint64_t h = mix(uint64_t(im.width) << 32 | uint32_t(im.height), im.rgb.size());
  const size_t n = im.rgb.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, im.rgb.data() + i, 8);
    h = mix(h, w);
  }
  uint64_t last = 0;
  std::memcpy(&last, im.rgb.data() + i, n - i);
  return mix(h, last);
}

ImagePreprocessParams preprocess_params(const PreprocessorConfig& c) {
  ImagePreprocessParams p;
  p.image_size = int(c.image_size);
  p.min_size = int(c.min_size);
  for (int k = 0; k < 3; ++k) {
    p.image_mean[k] = c.image_mean[size_t(k)];
    p.image_std[k] = c.image_std[size_t(k)];
  }
  p.rescale_factor = c.rescale_factor;
  p.do_normalize = c.do_normalize;
  return p;
}

Tensor ids_tensor(std::span<const int32_t> ids) {
  Tensor t(DType::I64, {int64_t(ids.size())});
  for (size_t i = 0; i < ids.size(); ++i) t.data<int64_t>()[i] = ids[i];
  return t;
}

bool cancelled(const UnderstandParams& p) {
  return p.cancel && p.cancel->load(std::memory_order_relaxed);
}

}  // namespace

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Eos:
      return "eos";
    case StopReason::Length:
      return "length";
    case StopReason::Stop:
      return "stop";
    case StopReason::Cancelled:
      return "cancelled";
  }
  return "?";
}

UnderstandSession::UnderstandSession(const ModelBundle& bundle,
                                     std::shared_ptr<const UnderstandBackend> backend,
                                     const ops::Context& ctx)
    : bundle_(bundle), backend_(std::move(backend)), ctx_(ctx), format_(understanding_format(bundle)) {
  const std::string where = bundle.dir.string();
  if (backend_->rows_per_image() != format_.rows_per_image()) {
    fail(ErrorKind::Model, where,
         "processor_config.json num_image_tokens " + std::to_string(format_.num_image_tokens) +
             " does not match the vision tower's " + std::to_string(backend_->rows_per_image()) +
             " rows per image");
  }
  // The tower takes a square of (patch * sqrt(tokens)) pixels; the preprocessor must produce it.
  if (bundle.dims) {
    int64_t side = 0;
    while ((side + 1) * (side + 1) <= format_.num_image_tokens) ++side;
    const int64_t px = side * bundle.dims->vit_patch;
    if (side * side != format_.num_image_tokens || bundle.preprocessor.image_size != px) {
      fail(ErrorKind::Model, where + "/preprocessor_config.json:image_size",
           std::to_string(bundle.preprocessor.image_size) + " does not give " +
               std::to_string(format_.num_image_tokens) + " patches of " +
               std::to_string(bundle.dims->vit_patch));
    }
  }
  max_positions_ = bundle.config.language.max_position_embeddings;
  if (bundle.tokenizer->eos_id() < 0) fail(ErrorKind::Model, where, "tokenizer has no EOS token");
}

UnderstandSession::~UnderstandSession() = default;

void UnderstandSession::reset() {
  cached_ids_.clear();
  cached_images_.clear();
  cache_.truncate(0);
}

void UnderstandSession::ensure_capacity(int64_t positions) {
  if (cache_.capacity >= positions && cache_.batch == 1) return;
  // Grow geometrically (bounded by the context) and keep the cached positions.
  const int64_t cap = std::min(std::max(positions, cache_.capacity * 2), std::max(positions, max_positions_));
  KvCache bigger = backend_->make_cache(cap);
  if (cache_.len > 0) {
    for (size_t l = 0; l < cache_.k.size(); ++l) {
      for (auto [dst, src] : {std::pair{&bigger.k[l], &cache_.k[l]}, std::pair{&bigger.v[l], &cache_.v[l]}}) {
        const size_t per_pos = src->nbytes() / size_t(cache_.capacity);
        std::memcpy(dst->data<uint8_t>(), src->data<uint8_t>(), per_pos * size_t(cache_.len));
      }
    }
  }
  bigger.len = cache_.len;
  cache_ = std::move(bigger);
}

UnderstandResult UnderstandSession::respond(std::span<const Message> conversation,
                                            const UnderstandParams& params, const TextCallback& on_text,
                                            const DumpFn& dump) {
  // ---- validate everything before touching the cache
  validate(params.sampling);
  if (params.max_new_tokens < 1) fail(ErrorKind::InvalidArgument, "max_new_tokens", "must be >= 1");
  const Tokenizer& tok = *bundle_.tokenizer;
  const Prompt prompt = build_understanding_prompt(format_, tok, conversation);
  const int64_t T = int64_t(prompt.ids.size());
  UnderstandResult res;
  res.prompt_tokens = T;
  if (std::string w = check_context(T, params.max_new_tokens, max_positions_); !w.empty())
    res.warnings.push_back(w);
  if (!bundle_.preprocessor.do_normalize)
    res.warnings.push_back("preprocessor_config.json has do_normalize false (an old snapshot?)");
  TextStream stream(tok, params.stop);
  std::vector<const Image*> images;
  for (const Message& m : conversation)
    for (const Image& im : m.images) images.push_back(&im);
  std::vector<uint64_t> hashes;
  for (const Image* im : images) hashes.push_back(image_hash(*im));

  // ---- the reusable prefix: equal ids, and every image starting inside it unchanged
  int64_t L = 0;
  const int64_t common = std::min<int64_t>(T - 1, int64_t(cached_ids_.size()));  // >= 1 position to run
  while (L < common && cached_ids_[size_t(L)] == prompt.ids[size_t(L)]) ++L;
  const int64_t R = prompt.rows_per_image;
  for (size_t k = 0; k < images.size(); ++k) {
    const int64_t s = prompt.image_starts[k];
    if (s >= L) break;
    const bool same =
        k < cached_images_.size() && cached_images_[k].start == s && cached_images_[k].hash == hashes[k];
    if (!same || s + R > L) {  // changed, or only partly cached: rerun from its first row
      L = s;
      break;
    }
  }
  size_t first_new_image = 0;  // images from here on start at or after L and need the vision tower
  while (first_new_image < images.size() && prompt.image_starts[first_new_image] < L) ++first_new_image;

  if (dump) dump("input_ids", ids_tensor(prompt.ids));
  auto fail_safe = [&] {  // a failure mid-way leaves the cache in an unknown state: forget it
    cached_ids_.clear();
    cached_images_.clear();
    cache_.truncate(0);
  };
  try {
    cache_.truncate(L);
    cached_ids_.resize(size_t(L));
    cached_images_.resize(first_new_image);
    res.reused_tokens = L;
    if (cancelled(params)) {
      res.stop_reason = StopReason::Cancelled;
      return res;
    }

    // ---- images: preprocess, vision tower, aligner
    const auto t_enc = Clock::now();
    const ImagePreprocessParams pp = preprocess_params(bundle_.preprocessor);
    const int64_t S = bundle_.preprocessor.image_size;
    const size_t first_pix = dump ? 0 : first_new_image;  // the dump shows every image
    Tensor pixels = Tensor::f32({int64_t(images.size() - first_pix), 3, S, S});
    for (size_t k = first_pix; k < images.size(); ++k) {
      UnderstandingInput in = preprocess_for_understanding(*images[k], pp);
      if (int64_t(in.pixels.size()) != 3 * S * S)
        fail(ErrorKind::Internal, "preprocess", "unexpected pixel count");
      std::memcpy(pixels.f() + (k - first_pix) * size_t(3 * S * S), in.pixels.data(), in.pixels.size() * 4);
    }
    if (dump && !images.empty()) dump("pixel_values", pixels);
    Tensor rows;
    const int64_t n_new = int64_t(images.size() - first_new_image);
    if (n_new > 0) {
      Tensor todo = pixels;
      if (first_pix != first_new_image) {
        todo = Tensor::f32({n_new, 3, S, S});
        std::memcpy(todo.f(), pixels.f() + (first_new_image - first_pix) * size_t(3 * S * S), todo.nbytes());
      }
      rows = backend_->image_rows(ctx_, todo, dump);
      if (rows.dim(0) != n_new * R || rows.dim(1) != backend_->hidden_size())
        fail(ErrorKind::Internal, "image_rows", "unexpected shape");
    }
    res.images_encoded = n_new;
    res.encode_ms = ms_since(t_enc);

    // ---- prefill positions L .. T-1
    const auto t_pre = Clock::now();
    const int64_t H = backend_->hidden_size();
    ensure_capacity(T + params.max_new_tokens);
    Tensor embeds = Tensor::f32({1, T - L, H});
    backend_->embed(ctx_, prompt.ids.data() + L, T - L, embeds.f());
    for (int64_t k = 0; k < n_new; ++k) {
      const int64_t s = prompt.image_starts[first_new_image + size_t(k)];
      std::memcpy(embeds.f() + (s - L) * H, rows.f() + k * R * H, size_t(R * H) * sizeof(float));
    }
    Tensor hidden = backend_->forward(ctx_, embeds, cache_, /*last_only=*/true, dump);
    forwarded_ += T - L;
    res.prefill_tokens = T - L;
    cached_ids_.assign(prompt.ids.begin(), prompt.ids.end());
    for (size_t k = first_new_image; k < images.size(); ++k)
      cached_images_.push_back({prompt.image_starts[k], hashes[k]});
    Tensor logits = backend_->logits(ctx_, hidden.reshaped({1, H}));
    res.prefill_ms = ms_since(t_pre);
    if (dump) dump("logits_0", logits.reshaped({logits.numel()}));
    if (params.first_logits) params.first_logits->assign(logits.f(), logits.f() + logits.numel());

    // ---- decode
    const auto t_dec = Clock::now();
    const int32_t eos = tok.eos_id();
    std::vector<int32_t> history = prompt.ids;  // the repetition penalty covers prompt + answer
    Rng rng(params.sampling.seed);
    Tensor one = Tensor::f32({1, 1, H});
    res.stop_reason = StopReason::Length;
    for (int64_t step = 0; step < params.max_new_tokens; ++step) {
      if (cancelled(params)) {
        res.stop_reason = StopReason::Cancelled;
        break;
      }
      const int32_t id = sample_next({logits.f(), size_t(logits.numel())}, history, params.sampling, rng);
      res.output_ids.push_back(id);
      history.push_back(id);
      if (id == eos) {
        res.stop_reason = StopReason::Eos;
        break;
      }
      const std::string piece = stream.push(id);
      if (!piece.empty() && on_text && !on_text(piece)) {
        res.stop_reason = StopReason::Cancelled;
        break;
      }
      if (stream.stopped()) {
        res.stop_reason = StopReason::Stop;
        break;
      }
      if (step + 1 == params.max_new_tokens) break;
      backend_->embed(ctx_, &id, 1, one.f());
      hidden = backend_->forward(ctx_, one, cache_, /*last_only=*/true, {});
      ++forwarded_;
      cached_ids_.push_back(id);
      logits = backend_->logits(ctx_, hidden.reshaped({1, H}));
    }
    if (res.stop_reason == StopReason::Eos || res.stop_reason == StopReason::Length) {
      const std::string rest = stream.finish();
      if (!rest.empty() && on_text) on_text(rest);  // the answer is complete: a late cancel changes nothing
    }
    res.text = stream.text();
    res.decode_ms = ms_since(t_dec);
    if (dump) dump("output_ids", ids_tensor(res.output_ids));
  } catch (...) {
    fail_safe();
    throw;
  }
  return res;
}

}  // namespace janus
