// The C API boundary: every exception stops here and becomes a status + thread-local message.
#include <cstring>
#include <mutex>
#include <string>

#include "core/error.h"
#include "io/hub/hub.h"
#include "janus.h"
#include "models/model_bundle.h"

struct janus_model {
  std::unique_ptr<janus::ModelBundle> bundle;
  std::string info_json;
  std::string tensors_json;
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

// Copies s into (buf, cap) and reports the full length, so callers can retry with a larger buffer.
void copy_out(const std::string& s, char* buf, size_t cap, size_t* n_out) {
  if (n_out) *n_out = s.size();
  if (buf && cap) std::memcpy(buf, s.data(), std::min(cap, s.size()));
}

void require(bool ok, const char* what) {
  if (!ok) janus::fail(janus::ErrorKind::InvalidArgument, "", what);
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
    m->bundle = janus::load_model_bundle(dir, p.load_tensors != 0);
    m->info_json = janus::describe_model_json(*m->bundle);
    m->tensors_json = janus::tensor_list_json(*m->bundle);
    *out = m.release();
  });
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

}  // extern "C"
