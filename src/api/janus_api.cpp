// The C API boundary: every exception stops here and becomes a status + thread-local message.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>

#include "core/error.h"
#include "core/ops/cpu_features.h"
#include "core/ops/flop_count.h"
#include "core/ops/machine_limits.h"
#include "core/thread_pool.h"
#include "io/hub/hub.h"
#include "io/image/encode_png.h"
#include "io/image/image.h"
#include "io/image/preprocess.h"
#include "io/npy/npy.h"
#include "janus.h"
#include "models/flow_model.h"
#include "models/generation_model.h"
#include "models/gguf_model.h"
#include "models/model_bundle.h"
#include "models/understanding_model.h"
#include "models/vae_decoder.h"
#include "models/vq_decoder.h"
#include "pipelines/generate_ar.h"
#include "pipelines/generate_flow.h"
#include "pipelines/understand.h"

struct janus_model {
  std::unique_ptr<janus::ModelBundle> bundle;
  std::string info_json;
  std::string tensors_json;
};

struct janus_context {
  janus_model* model = nullptr;
  std::unique_ptr<janus::ThreadPool> pool;
  janus::ops::Context ops;
  std::string dump_dir;
  std::unique_ptr<janus::UnderstandingModel> understanding;  // built on first use
  std::unique_ptr<janus::UnderstandSession> session;
  std::unique_ptr<janus::GenerationModel> generation;  // built on first use
  std::unique_ptr<janus::VqDecoder> vq;
  std::unique_ptr<janus::FlowModel> flow;  // JanusFlow, built on first use
  std::unique_ptr<janus::VaeDecoder> vae;  // built from `vae_model` on first use
  const janus_model* vae_model = nullptr;
};

namespace {

thread_local std::string g_last_error;

std::mutex g_log_mu;
janus_log_callback g_log_cb = nullptr;
void* g_log_user = nullptr;

janus_status status_of(janus::ErrorKind k) {
  switch (k) {
    case janus::ErrorKind::InvalidArgument:
      return JANUS_ERR_INVALID_ARGUMENT;
    case janus::ErrorKind::Io:
      return JANUS_ERR_IO;
    case janus::ErrorKind::Format:
      return JANUS_ERR_FORMAT;
    case janus::ErrorKind::Model:
      return JANUS_ERR_MODEL;
    case janus::ErrorKind::Network:
      return JANUS_ERR_NETWORK;
    case janus::ErrorKind::Unsupported:
      return JANUS_ERR_UNSUPPORTED;
    case janus::ErrorKind::Cancelled:
      return JANUS_ERR_CANCELLED;
    case janus::ErrorKind::Internal:
      return JANUS_ERR_INTERNAL;
  }
  return JANUS_ERR_INTERNAL;
}

// Runs f, converting any exception into a status code and the thread's last-error message.
template <class F>
janus_status guarded(F&& f) {
  try {
    f();
    g_last_error.clear();
    return JANUS_OK;
  } catch (const janus::Error& e) {
    g_last_error = e.what();
    return status_of(e.kind());
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return JANUS_ERR_INTERNAL;
  } catch (const std::exception& e) {
    g_last_error = std::string("internal error: ") + e.what();
    return JANUS_ERR_INTERNAL;
  } catch (...) {
    g_last_error = "internal error";
    return JANUS_ERR_INTERNAL;
  }
}

void log_message(janus_log_level level, const std::string& msg) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_log_cb) g_log_cb(level, msg.c_str(), g_log_user);
}

// Copies s into (buf, cap) and reports the full length, so callers can retry with a larger buffer.
void copy_out(const std::string& s, char* buf, size_t cap, size_t* n_out) {
  if (n_out) *n_out = s.size();
  if (buf && cap) std::memcpy(buf, s.data(), std::min(cap, s.size()));
}

void require(bool ok, const char* what) {
  if (!ok) janus::fail(janus::ErrorKind::InvalidArgument, "", what);
}

// --dump-dir: every named tensor becomes <dir>/<name>.npy (names follow the PyTorch module paths).
janus::DumpFn make_dumper(const std::string& dir) {
  if (dir.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) janus::fail(janus::ErrorKind::Io, dir, "cannot create dump folder: " + ec.message());
  return [dir](const std::string& name, const janus::Tensor& t) {
    std::string file = name;
    for (char& ch : file)
      if (ch == '/' || ch == '\\') ch = '_';
    janus::write_npy(std::filesystem::path(dir) / (file + ".npy"), t.dtype(), t.shape(), t.data<uint8_t>());
  };
}

janus::Image load_image(const janus_image_input& in, size_t index) {
  if (in.path) return janus::decode_image_file(in.path);
  if (in.data && in.size)
    return janus::decode_image_memory(in.data, in.size, "<image " + std::to_string(index) + ">");
  janus::fail(janus::ErrorKind::InvalidArgument, "image " + std::to_string(index),
              "neither a path nor data given");
}

}  // namespace

// A VAE folder loads for `info` but has no tokenizer.
static void require_tokenizer(const janus_model* m) {
  if (!m->bundle->tokenizer)
    janus::fail(janus::ErrorKind::InvalidArgument, m->bundle->dir.string(),
                "is a VAE (AutoencoderKL), not a Janus model: it has no tokenizer");
}

extern "C" {

const char* janus_last_error(void) {
  return g_last_error.c_str();
}

const char* janus_version(void) {
  return JANUS_VERSION;
}

void janus_set_log_callback(janus_log_callback cb, void* user) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_log_cb = cb;
  g_log_user = user;
}

janus_model_params janus_model_default_params(void) {
  janus_model_params p{};
  p.load_tensors = 1;
  return p;
}

janus_status janus_model_load(const char* path_or_repo, const janus_model_params* params, janus_model** out) {
  return guarded([&] {
    require(path_or_repo && *path_or_repo, "model path or repo id is empty");
    require(out != nullptr, "janus_model_load: out is NULL");
    *out = nullptr;
    janus_model_params p = params ? *params : janus_model_default_params();
    janus::HubOptions hub;
    if (p.cache_dir) hub.cache_dir = p.cache_dir;
    if (p.revision && *p.revision) hub.revision = p.revision;
    hub.offline = p.offline != 0;
    if (p.progress) {
      hub.progress = [cb = p.progress, user = p.progress_user](const std::string& file, uint64_t done,
                                                               uint64_t total) {
        cb(file.c_str(), done, total, user);
      };
    }
    std::filesystem::path dir = janus::resolve_model(path_or_repo, hub);
    auto m = std::make_unique<janus_model>();
    janus::WeightQuant quant = janus::WeightQuant::None;
    if (p.weights == JANUS_WEIGHTS_Q8_0)
      quant = janus::WeightQuant::Q8_0;
    else if (p.weights == JANUS_WEIGHTS_Q4_0)
      quant = janus::WeightQuant::Q4_0;
    else
      require(p.weights == JANUS_WEIGHTS_NATIVE, "janus_model_params.weights: unknown weight type");
    m->bundle = janus::load_model_bundle(dir, p.load_tensors != 0, quant);
    m->info_json = janus::describe_model_json(*m->bundle);
    m->tensors_json = janus::tensor_list_json(*m->bundle);
    *out = m.release();
  });
}

janus_status janus_quantize(const char* model, const janus_model_params* params, const char* out_path,
                            janus_weight_type type, int overwrite, janus_progress_callback progress,
                            void* user) {
  bool cancelled = false;
  const janus_status s = guarded([&] {
    require(model && *model, "janus_quantize: model path or repo id is empty");
    require(out_path && *out_path, "janus_quantize: output path is empty");
    janus_model_params p = params ? *params : janus_model_default_params();
    janus::GgufExportOptions o;
    if (type == JANUS_WEIGHTS_Q8_0)
      o.quant = janus::WeightQuant::Q8_0;
    else if (type == JANUS_WEIGHTS_Q4_0)
      o.quant = janus::WeightQuant::Q4_0;
    else
      require(type == JANUS_WEIGHTS_NATIVE, "janus_quantize: unknown weight type");
    o.overwrite = overwrite != 0;
    std::error_code ec;
    if (!o.overwrite && std::filesystem::exists(out_path, ec))  // before a possibly long download
      janus::fail(janus::ErrorKind::Io, out_path, "already exists (use --force to overwrite)");
    janus::HubOptions hub;
    if (p.cache_dir) hub.cache_dir = p.cache_dir;
    if (p.revision && *p.revision) hub.revision = p.revision;
    hub.offline = p.offline != 0;
    if (p.progress)
      hub.progress = [cb = p.progress, u = p.progress_user](const std::string& f, uint64_t done,
                                                            uint64_t total) {
        cb(f.c_str(), done, total, u);
      };
    const std::filesystem::path dir = janus::resolve_model(model, hub);
    // general.name: the folder's name (a .gguf file's stem), or the repo id's name part.
    const std::string arg(model);
    if (std::filesystem::exists(arg, ec)) {
      const std::filesystem::path local = std::filesystem::weakly_canonical(arg, ec);
      o.name = (std::filesystem::is_directory(local, ec) ? local.filename() : local.stem()).string();
    } else {
      o.name = arg.substr(arg.rfind('/') + 1);
    }
    if (progress)
      o.progress = [&](size_t done, size_t total) { return progress("quantize", done, total, user) == 0; };
    auto bundle = janus::load_model_bundle(dir, true, janus::WeightQuant::None);
    janus::write_model_gguf(*bundle, out_path, o, &cancelled);
  });
  if (cancelled) {
    g_last_error = "cancelled";
    return JANUS_ERR_CANCELLED;
  }
  return s;
}

void janus_model_free(janus_model* model) {
  delete model;
}

const char* janus_model_info_json(const janus_model* model) {
  return model ? model->info_json.c_str() : "{}";
}

const char* janus_model_tensors_json(const janus_model* model) {
  return model ? model->tensors_json.c_str() : "[]";
}

janus_status janus_tokenize(const janus_model* model, const char* text, size_t len, int add_bos, int32_t* ids,
                            size_t cap, size_t* n_out) {
  return guarded([&] {
    require(model && (text || len == 0), "janus_tokenize: NULL argument");
    require_tokenizer(model);
    std::vector<int32_t> v =
        model->bundle->tokenizer->encode(std::string_view(text ? text : "", len), add_bos != 0);
    if (n_out) *n_out = v.size();
    if (ids) std::memcpy(ids, v.data(), std::min(cap, v.size()) * sizeof(int32_t));
  });
}

janus_status janus_token_piece(const janus_model* model, int32_t id, char* buf, size_t cap, size_t* n_out) {
  return guarded([&] {
    require(model != nullptr, "janus_token_piece: NULL model");
    require_tokenizer(model);
    copy_out(model->bundle->tokenizer->piece(id), buf, cap, n_out);
  });
}

janus_status janus_token_string(const janus_model* model, int32_t id, char* buf, size_t cap, size_t* n_out) {
  return guarded([&] {
    require(model != nullptr, "janus_token_string: NULL model");
    require_tokenizer(model);
    copy_out(model->bundle->tokenizer->token(id), buf, cap, n_out);
  });
}

janus_status janus_detokenize(const janus_model* model, const int32_t* ids, size_t n, int skip_special,
                              char* buf, size_t cap, size_t* n_out) {
  return guarded([&] {
    require(model && (ids || n == 0), "janus_detokenize: NULL argument");
    require_tokenizer(model);
    copy_out(model->bundle->tokenizer->decode(std::span<const int32_t>(ids, n), skip_special != 0), buf, cap,
             n_out);
  });
}

janus_context_params janus_context_default_params(void) {
  janus_context_params p{};
  p.precision = JANUS_PRECISION_BF16;
  return p;
}

janus_status janus_context_create(janus_model* model, const janus_context_params* params,
                                  janus_context** out) {
  return guarded([&] {
    require(model && out, "janus_context_create: NULL argument");
    *out = nullptr;
    janus_context_params p = params ? *params : janus_context_default_params();
    auto c = std::make_unique<janus_context>();
    c->model = model;
    c->pool = std::make_unique<janus::ThreadPool>(p.n_threads);
    c->ops.pool = c->pool.get();
    c->ops.precision =
        p.precision == JANUS_PRECISION_FP32 ? janus::ops::Precision::F32 : janus::ops::Precision::BF16;
    c->ops.reference = p.reference_ops != 0;
    if (p.dump_dir) c->dump_dir = p.dump_dir;
    *out = c.release();
  });
}

void janus_context_free(janus_context* ctx) {
  delete ctx;
}

void janus_context_reset(janus_context* ctx) {
  if (ctx && ctx->session) ctx->session->reset();
}

janus_understand_params janus_understand_default_params(void) {
  janus_understand_params p{};
  p.sampling.temperature = 0.0f;  // the official examples decode greedily
  p.sampling.top_p = 1.0f;
  p.sampling.repetition_penalty = 1.0f;
  p.max_new_tokens = 512;
  return p;
}

// The C messages as the pipeline's conversation; `api` names the calling function in errors.
static std::vector<janus::Message> to_conversation(const janus_message* messages, size_t n_messages,
                                                   const std::string& api) {
  std::vector<janus::Message> conv;
  for (size_t i = 0; i < n_messages; ++i) {
    const janus_message& m = messages[i];
    const std::string where = "message " + std::to_string(i);
    require(m.role && m.content, (api + ": " + where + " lacks role or content").c_str());
    janus::Message msg;
    const std::string role = m.role;
    if (role == "user")
      msg.role = janus::Role::User;
    else if (role == "assistant")
      msg.role = janus::Role::Assistant;
    else
      janus::fail(janus::ErrorKind::InvalidArgument, where,
                  "role must be \"user\" or \"assistant\", not \"" + role + "\"");
    msg.content = m.content;
    for (size_t k = 0; k < m.n_images; ++k) msg.images.push_back(load_image(m.images[k], k));
    conv.push_back(std::move(msg));
  }
  return conv;
}

janus_status janus_understand(janus_context* ctx, const janus_message* messages, size_t n_messages,
                              const janus_understand_params* params, janus_text_callback on_text, void* user,
                              char** answer, janus_understand_stats* stats) {
  if (answer) *answer = nullptr;
  return guarded([&] {
    require(ctx && (messages || n_messages == 0), "janus_understand: NULL argument");
    const janus::ModelBundle& bundle = *ctx->model->bundle;
    if (!bundle.tokenizer || !bundle.weights)
      janus::fail(janus::ErrorKind::InvalidArgument, bundle.dir.string(),
                  "not a Janus model loaded with its weights");
    janus_understand_params p = params ? *params : janus_understand_default_params();
    std::vector<janus::Message> conv = to_conversation(messages, n_messages, "janus_understand");
    if (!ctx->understanding) {
      ctx->understanding = janus::build_understanding_model(bundle, ctx->ops.precision);
      ctx->session = std::make_unique<janus::UnderstandSession>(bundle, *ctx->understanding, ctx->ops);
    }
    janus::UnderstandParams up;
    up.sampling.temperature = p.sampling.temperature;
    up.sampling.top_p = p.sampling.top_p;
    up.sampling.top_k = p.sampling.top_k;
    up.sampling.repetition_penalty = p.sampling.repetition_penalty;
    up.sampling.seed = p.sampling.seed;
    up.max_new_tokens = p.max_new_tokens;
    for (size_t i = 0; i < p.n_stop; ++i)
      if (p.stop && p.stop[i]) up.stop.emplace_back(p.stop[i]);
    janus::TextCallback cb;
    if (on_text) cb = [&](std::string_view piece) { return on_text(piece.data(), piece.size(), user) == 0; };
    janus::UnderstandResult r = ctx->session->respond(conv, up, cb, make_dumper(ctx->dump_dir));
    for (const std::string& w : r.warnings) log_message(JANUS_LOG_WARN, w);
    if (stats) {
      *stats = janus_understand_stats{};
      stats->prompt_tokens = int(r.prompt_tokens);
      stats->reused_tokens = int(r.reused_tokens);
      stats->generated_tokens = int(r.output_ids.size());
      stats->encode_ms = r.encode_ms;
      stats->prefill_ms = r.prefill_ms;
      stats->decode_ms = r.decode_ms;
      std::snprintf(stats->stop_reason, sizeof stats->stop_reason, "%s",
                    janus::stop_reason_name(r.stop_reason));
    }
    if (answer) {
      *answer = static_cast<char*>(std::malloc(r.text.size() + 1));
      if (!*answer) throw std::bad_alloc();
      std::memcpy(*answer, r.text.c_str(), r.text.size() + 1);
    }
  });
}

janus_status janus_answer_probability(janus_context* ctx, const janus_message* messages, size_t n_messages,
                                      const char* const* answers, size_t n_answers, float* probs) {
  return guarded([&] {
    require(ctx && (messages || n_messages == 0) && (answers || n_answers == 0) && (probs || n_answers == 0),
            "janus_answer_probability: NULL argument");
    const janus::ModelBundle& bundle = *ctx->model->bundle;
    if (!bundle.tokenizer || !bundle.weights)
      janus::fail(janus::ErrorKind::InvalidArgument, bundle.dir.string(),
                  "not a Janus model loaded with its weights");
    // Look the answers up first: a bad answer fails before any compute.
    std::vector<int32_t> first_ids;
    for (size_t i = 0; i < n_answers; ++i) {
      const std::string where = "answer " + std::to_string(i);
      require(answers[i] && answers[i][0], ("janus_answer_probability: " + where + " is empty").c_str());
      const std::vector<int32_t> ids = bundle.tokenizer->encode(answers[i], /*add_bos=*/false);
      if (ids.empty()) janus::fail(janus::ErrorKind::InvalidArgument, where, "gives no token");
      first_ids.push_back(ids[0]);
    }
    std::vector<janus::Message> conv = to_conversation(messages, n_messages, "janus_answer_probability");
    if (!ctx->understanding) {
      ctx->understanding = janus::build_understanding_model(bundle, ctx->ops.precision);
      ctx->session = std::make_unique<janus::UnderstandSession>(bundle, *ctx->understanding, ctx->ops);
    }
    janus::UnderstandParams up;  // greedy, one step: only the first position's logits are wanted
    up.max_new_tokens = 1;
    std::vector<float> logits;
    up.first_logits = &logits;
    janus::UnderstandResult r = ctx->session->respond(conv, up, {}, {});
    for (const std::string& w : r.warnings) log_message(JANUS_LOG_WARN, w);
    if (logits.empty()) janus::fail(janus::ErrorKind::Internal, "janus_answer_probability", "no logits");
    // Softmax in double over the whole vocabulary, max-shifted for stability.
    const float mx = *std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (float v : logits) z += std::exp(double(v) - mx);
    for (size_t i = 0; i < n_answers; ++i) {
      const int32_t id = first_ids[i];
      if (id < 0 || size_t(id) >= logits.size())
        janus::fail(janus::ErrorKind::Model, "answer " + std::to_string(i),
                    "token id " + std::to_string(id) + " is outside the model's logits");
      probs[i] = float(std::exp(double(logits[size_t(id)]) - mx) / z);
    }
  });
}

void janus_string_free(char* s) {
  std::free(s);
}

janus_generate_params janus_generate_default_params(void) {
  janus_generate_params p{};
  p.n_images = 1;
  p.cfg = -1.0f;  // the model's default: 5 (generation_inference.py), JanusFlow 2 (its demo)
  p.temperature = 1.0f;
  p.top_p = 1.0f;
  return p;
}

namespace {

const janus::ModelBundle& generation_bundle(janus_context* ctx) {
  const janus::ModelBundle& b = *ctx->model->bundle;
  if (!b.weights || !b.tokenizer)
    janus::fail(janus::ErrorKind::InvalidArgument, b.dir.string(),
                "not a Janus model loaded with its weights");
  return b;
}

janus::VqDecoder& vq_decoder(janus_context* ctx) {
  const janus::ModelBundle& b = generation_bundle(ctx);
  if (b.config.kind != janus::ModelKind::Janus)
    janus::fail(janus::ErrorKind::Unsupported, b.dir.string(),
                "JanusFlow has no VQ decoder (it makes SDXL-VAE latents: decode them with decode-vae)");
  if (!ctx->vq) ctx->vq = std::make_unique<janus::VqDecoder>(*b.weights, *b.dims);
  return *ctx->vq;
}

// The VAE decoder of `vm` (an AutoencoderKL folder) in ctx's precision, cached per context.
janus::VaeDecoder& vae_decoder(janus_context* ctx, const janus_model* vm) {
  const janus::ModelBundle& vb = *vm->bundle;
  if (!vb.vae || !vb.vae_naming)
    janus::fail(janus::ErrorKind::InvalidArgument, vb.dir.string(),
                "is not a VAE (AutoencoderKL folder with config.json _class_name AutoencoderKL)");
  if (!vb.weights)
    janus::fail(janus::ErrorKind::InvalidArgument, vb.dir.string(), "VAE loaded without tensors");
  if (!ctx->vae || ctx->vae_model != vm) {
    ctx->vae = std::make_unique<janus::VaeDecoder>(*vb.weights, *vb.vae, *vb.vae_naming, ctx->ops.precision);
    ctx->vae_model = vm;
  }
  return *ctx->vae;
}

// Decoded [n,3,S,S] -> owned RGB images, optionally Lanczos-upscaled as the official demos do.
void to_images(const janus::Tensor& decoded, int upscale, janus_image* out) {
  const int64_t n = decoded.dim(0), S = decoded.dim(2);
  for (int64_t i = 0; i < n; ++i) {
    janus::Image img{int(S), int(S), janus::to_uint8_hwc(decoded, i)};
    if (upscale) img = janus::resize_lanczos(img, upscale, upscale);
    out[i].width = img.width;
    out[i].height = img.height;
    out[i].rgb = static_cast<uint8_t*>(std::malloc(img.rgb.size()));
    if (!out[i].rgb) throw std::bad_alloc();
    std::memcpy(out[i].rgb, img.rgb.data(), img.rgb.size());
  }
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Decoded images [n, 3, S, S] -> the caller's janus_image array (dumped as "decoded" first).
void finish_generation(const janus::Tensor& decoded, int upscale, const janus::DumpFn& dump,
                       janus_image* images) {
  if (dump) dump("decoded", decoded);
  for (int64_t i = 0; i < decoded.dim(0); ++i) images[i] = janus_image{};
  to_images(decoded, upscale, images);
}

janus_generate_stats generate_stats(int prompt_tokens, double prefill_ms, double steps_ms, double decode_ms,
                                    float cfg, int steps) {
  janus_generate_stats st{};
  st.prompt_tokens = prompt_tokens;
  st.prefill_ms = prefill_ms;
  st.tokens_ms = steps_ms;
  st.decode_ms = decode_ms;
  st.cfg = cfg;
  st.steps = steps;
  return st;
}

// JanusFlow: rectified flow to a latent, then the SDXL VAE (janusflow.md §6).
void generate_flow_images(janus_context* ctx, const janus::ModelBundle& b, const char* prompt,
                          const janus_generate_params& p, janus_image* images, janus_generate_stats* stats) {
  if (!p.vae)
    janus::fail(janus::ErrorKind::InvalidArgument, "vae",
                "JanusFlow decodes with the SDXL VAE: load one (e.g. stabilityai/sdxl-vae) and pass it");
  if (p.noise && p.noise_len == 0) janus::fail(janus::ErrorKind::InvalidArgument, "noise", "is empty");
  if (p.image_tokens != 0)
    janus::fail(janus::ErrorKind::InvalidArgument, "image_tokens",
                "applies to autoregressive models only; JanusFlow runs Euler steps (use steps)");
  janus::VaeDecoder& vae = vae_decoder(ctx, p.vae);
  if (!ctx->flow) ctx->flow = janus::build_flow_model(b, ctx->ops.precision);
  if (vae.latent_channels() != ctx->flow->vision.latent_channels())
    janus::fail(janus::ErrorKind::Model, p.vae->bundle->dir.string(),
                "VAE latent has " + std::to_string(vae.latent_channels()) + " channels, the model makes " +
                    std::to_string(ctx->flow->vision.latent_channels()));
  janus::FlowParams fp;
  fp.n = p.n_images;
  fp.steps = p.steps == 0 ? 30 : p.steps;
  fp.cfg = p.cfg < 0 ? 2.0f : p.cfg;
  fp.seed = p.seed;
  if (p.noise) fp.noise = std::span<const float>(p.noise, p.noise_len);
  if (p.progress)
    fp.progress = [&](int step, int total) {
      return p.progress("flow", uint64_t(step), uint64_t(total), p.progress_user) == 0;
    };
  janus::DumpFn dump = make_dumper(ctx->dump_dir);
  janus::FlowResult r = janus::generate_flow(b, *ctx->flow, ctx->ops, prompt, fp, dump);
  if (r.cancelled) janus::fail(janus::ErrorKind::Cancelled, "generate", "cancelled");
  janus::release_recycled_buffers();  // the LLM's block sizes are of no use to the VAE
  auto t0 = std::chrono::steady_clock::now();
  janus::Tensor decoded = vae.decode(ctx->ops, r.latent, dump);  // [n, 3, 384, 384]
  finish_generation(decoded, p.upscale, dump, images);
  if (stats)
    *stats =
        generate_stats(int(r.input_ids.size()), r.prefill_ms, r.steps_ms, ms_since(t0), fp.cfg, r.steps_done);
}

}  // namespace

janus_status janus_generate(janus_context* ctx, const char* prompt, const janus_generate_params* params,
                            janus_image* images, janus_generate_stats* stats) {
  return guarded([&] {
    require(ctx && prompt && images, "janus_generate: NULL argument");
    janus_generate_params p = params ? *params : janus_generate_default_params();
    if (p.upscale != 0 && p.upscale != 768 && p.upscale != 1024)
      janus::fail(janus::ErrorKind::InvalidArgument, "upscale",
                  "must be 0, 768 or 1024, got " + std::to_string(p.upscale));
    const janus::ModelBundle& b = generation_bundle(ctx);
    if (b.config.kind == janus::ModelKind::JanusFlow)
      return generate_flow_images(ctx, b, prompt, p, images, stats);
    if (p.image_tokens < 0 || p.image_tokens > b.processor.num_image_tokens)
      janus::fail(janus::ErrorKind::InvalidArgument, "image_tokens",
                  "must be 0 (all) .. " + std::to_string(b.processor.num_image_tokens) + ", got " +
                      std::to_string(p.image_tokens));
    if (p.steps != 0 || p.vae || p.noise)
      janus::fail(janus::ErrorKind::InvalidArgument, "steps",
                  "steps, vae and noise apply to JanusFlow (rectified flow) only; " + b.dir.string() +
                      " generates image tokens");
    if (!ctx->generation) ctx->generation = janus::build_generation_model(b, ctx->ops.precision);
    janus::GenerateParams gp;
    gp.n = p.n_images;
    gp.cfg = p.cfg < 0 ? 5.0f : p.cfg;
    gp.temperature = p.temperature;
    gp.top_k = p.top_k;
    gp.top_p = p.top_p;
    gp.seed = p.seed;
    if (p.image_tokens > 0) gp.image_tokens = p.image_tokens;
    const bool partial = gp.image_tokens < b.processor.num_image_tokens;  // no square grid: no images
    if (p.progress)
      gp.progress = [&](int step, int total) {
        return p.progress("generate", uint64_t(step), uint64_t(total), p.progress_user) == 0;
      };
    janus::DumpFn dump = make_dumper(ctx->dump_dir);
    janus::GenerateResult r = janus::generate_tokens(b, *ctx->generation, ctx->ops, prompt, gp, dump);
    if (r.cancelled) janus::fail(janus::ErrorKind::Cancelled, "generate", "cancelled");
    if (partial) {
      for (int i = 0; i < gp.n; ++i) images[i] = janus_image{};
      if (stats)
        *stats = generate_stats(int(r.input_ids.size()), r.prefill_ms, r.steps_ms, 0, gp.cfg, r.steps_done);
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    const int64_t per = int64_t(r.tokens.size()) / gp.n;
    int64_t grid = 1;
    while (grid * grid < per) ++grid;
    janus::Tensor decoded = vq_decoder(ctx).decode(ctx->ops, r.tokens.data(), gp.n, grid, dump);
    finish_generation(decoded, p.upscale, dump, images);
    if (stats)
      *stats = generate_stats(int(r.input_ids.size()), r.prefill_ms, r.steps_ms, ms_since(t0), gp.cfg,
                              r.steps_done);
  });
}

janus_status janus_decode_vq(janus_context* ctx, const int32_t* codes, size_t n_images,
                             size_t codes_per_image, janus_image* images) {
  return guarded([&] {
    require(ctx && codes && images && n_images > 0, "janus_decode_vq: NULL argument or no images");
    int64_t grid = 1;
    while (size_t(grid * grid) < codes_per_image) ++grid;
    if (size_t(grid * grid) != codes_per_image)
      janus::fail(janus::ErrorKind::InvalidArgument, "codes",
                  std::to_string(codes_per_image) + " codes per image is not a square grid");
    janus::VqDecoder& vq = vq_decoder(ctx);
    for (size_t i = 0; i < n_images * codes_per_image; ++i)
      if (codes[i] < 0 || codes[i] >= vq.codebook_size())
        janus::fail(janus::ErrorKind::InvalidArgument, "codes",
                    "code " + std::to_string(codes[i]) + " at index " + std::to_string(i) +
                        " is outside [0, " + std::to_string(vq.codebook_size()) + ")");
    janus::DumpFn dump = make_dumper(ctx->dump_dir);
    janus::Tensor decoded = vq.decode(ctx->ops, codes, int64_t(n_images), grid, dump);
    if (dump) dump("decoded", decoded);
    for (size_t i = 0; i < n_images; ++i) images[i] = janus_image{};
    to_images(decoded, 0, images);
  });
}

janus_status janus_decode_latent(janus_context* ctx, const float* latent, size_t n_images, size_t channels,
                                 size_t height, size_t width, janus_image* images) {
  return guarded([&] {
    require(ctx && latent && images && n_images > 0, "janus_decode_latent: NULL argument or no images");
    janus::VaeDecoder& vae = vae_decoder(ctx, ctx->model);
    if (channels != size_t(vae.latent_channels()) || height == 0 || width == 0 || height > 1024 ||
        width > 1024 || n_images > 64)
      janus::fail(janus::ErrorKind::InvalidArgument, "latent",
                  "shape [" + std::to_string(n_images) + ", " + std::to_string(channels) + ", " +
                      std::to_string(height) + ", " + std::to_string(width) + "]: expected [n <= 64, " +
                      std::to_string(vae.latent_channels()) + ", h, w] with 1 <= h, w <= 1024");
    janus::Tensor z =
        janus::Tensor::f32({int64_t(n_images), int64_t(channels), int64_t(height), int64_t(width)});
    std::memcpy(z.f(), latent, z.nbytes());
    for (int64_t i = 0; i < z.numel(); ++i)
      if (!std::isfinite(z.f()[i]))
        janus::fail(janus::ErrorKind::InvalidArgument, "latent",
                    "holds a NaN or infinity at index " + std::to_string(i));
    janus::DumpFn dump = make_dumper(ctx->dump_dir);
    janus::Tensor decoded = vae.decode(ctx->ops, z, dump);
    if (dump) dump("decoded", decoded);
    for (size_t i = 0; i < n_images; ++i) images[i] = janus_image{};
    to_images(decoded, 0, images);
  });
}

janus_status janus_read_latent_npy(const char* path, float** data, size_t shape[4]) {
  return guarded([&] {
    require(path && data && shape, "janus_read_latent_npy: NULL argument");
    *data = nullptr;
    janus::NpyArray a = janus::read_npy(path);
    if (a.dtype != janus::DType::F32 && a.dtype != janus::DType::F64 && a.dtype != janus::DType::F16)
      janus::fail(janus::ErrorKind::InvalidArgument, path, "latent must be a float array (<f4, <f8 or <f2)");
    if ((a.shape.size() != 4 && a.shape.size() != 3) || a.numel() == 0)
      janus::fail(janus::ErrorKind::InvalidArgument, path,
                  "latent must have shape [n, c, h, w] or [c, h, w]");
    const size_t off = a.shape.size() == 4 ? 0 : 1;
    shape[0] = off ? 1 : size_t(a.shape[0]);
    for (size_t i = 1; i < 4; ++i) shape[i] = size_t(a.shape[i - off]);
    const std::vector<float> v = a.to_f32();
    *data = static_cast<float*>(std::malloc(v.size() * sizeof(float)));
    if (!*data) throw std::bad_alloc();
    std::memcpy(*data, v.data(), v.size() * sizeof(float));
  });
}

void janus_floats_free(float* data) {
  std::free(data);
}

void janus_image_free(janus_image* image) {
  if (!image) return;
  std::free(image->rgb);
  image->rgb = nullptr;
}

janus_status janus_read_codes_npy(const char* path, int32_t** codes, size_t* n_images,
                                  size_t* codes_per_image) {
  return guarded([&] {
    require(path && codes && n_images && codes_per_image, "janus_read_codes_npy: NULL argument");
    *codes = nullptr;
    janus::NpyArray a = janus::read_npy(path);
    if (a.dtype != janus::DType::I64 && a.dtype != janus::DType::I32)
      janus::fail(janus::ErrorKind::InvalidArgument, path, "codes must be int64 or int32");
    if (a.shape.empty() || a.shape.size() > 2 || a.numel() == 0)
      janus::fail(janus::ErrorKind::InvalidArgument, path, "codes must have shape [n, 576] or [576]");
    std::vector<int64_t> v = a.to_i64();
    *n_images = a.shape.size() == 2 ? size_t(a.shape[0]) : 1;
    *codes_per_image = size_t(a.shape.back());
    *codes = static_cast<int32_t*>(std::malloc(v.size() * sizeof(int32_t)));
    if (!*codes) throw std::bad_alloc();
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] < INT32_MIN || v[i] > INT32_MAX)
        janus::fail(janus::ErrorKind::InvalidArgument, path, "code out of range");
      (*codes)[i] = int32_t(v[i]);
    }
  });
}

janus_status janus_measure_machine(int n_threads, double seconds, janus_machine_limits* out) {
  return guarded([&] {
    require(out != nullptr, "janus_measure_machine: out is NULL");
    *out = janus_machine_limits{};
    janus::ThreadPool pool(n_threads);
    const janus::ops::MachineLimits m = janus::ops::measure_machine(pool, seconds);
    out->mem_read_gbs = m.mem_read_gbs;
    out->gemm_f32_gflops = m.gemm_f32_gflops;
    out->gemm_bf16_gflops = m.gemm_bf16_gflops;
    out->n_threads = pool.size();
    std::snprintf(out->isa, sizeof out->isa, "%s", janus::ops::isa_name(janus::ops::active_isa()));
  });
}

uint64_t janus_flops_counted(void) {
  return janus::ops::flops_counted();
}

void janus_codes_free(int32_t* codes) {
  std::free(codes);
}

janus_status janus_write_png(const char* path, const janus_image* image, const char* const* keys,
                             const char* const* values, size_t n_text, int overwrite) {
  return guarded([&] {
    require(path && image && image->rgb, "janus_write_png: NULL argument");
    janus::Image img{
        image->width, image->height,
        std::vector<uint8_t>(image->rgb, image->rgb + size_t(image->width) * size_t(image->height) * 3)};
    janus::PngText text;
    for (size_t i = 0; i < n_text; ++i)
      if (keys[i] && values[i]) text.emplace_back(keys[i], values[i]);
    janus::write_png_file(path, img, text, overwrite != 0);
  });
}

}  // extern "C"
