// Thin C++ wrapper over janus.h: RAII handles and exceptions carrying the C API's message.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "janus.h"

namespace janus_cpp {

class Error : public std::runtime_error {
 public:
  Error(janus_status status, const std::string& msg) : std::runtime_error(msg), status_(status) {}
  janus_status status() const { return status_; }

 private:
  janus_status status_;
};

inline void check(janus_status s) {
  if (s != JANUS_OK) throw Error(s, janus_last_error());
}

class Model {
 public:
  Model(const std::string& path_or_repo, const janus_model_params& params) {
    janus_model* m = nullptr;
    check(janus_model_load(path_or_repo.c_str(), &params, &m));
    model_.reset(m);
  }
  const janus_model* get() const { return model_.get(); }
  janus_model* get() { return model_.get(); }
  std::string info_json() const { return janus_model_info_json(model_.get()); }
  std::string tensors_json() const { return janus_model_tensors_json(model_.get()); }

  std::vector<int32_t> tokenize(std::string_view text, bool add_bos) const {
    std::vector<int32_t> ids(text.size() + 8);
    size_t n = 0;
    check(janus_tokenize(get(), text.data(), text.size(), add_bos, ids.data(), ids.size(), &n));
    if (n > ids.size()) {  // more ids than bytes is impossible for byte-level BPE, but stay safe
      ids.resize(n);
      check(janus_tokenize(get(), text.data(), text.size(), add_bos, ids.data(), ids.size(), &n));
    }
    ids.resize(n);
    return ids;
  }
  std::string piece(int32_t id) const {
    return fill([&](char* b, size_t c, size_t* n) { return janus_token_piece(get(), id, b, c, n); });
  }
  std::string token_string(int32_t id) const {
    return fill([&](char* b, size_t c, size_t* n) { return janus_token_string(get(), id, b, c, n); });
  }
  std::string detokenize(const std::vector<int32_t>& ids, bool skip_special) const {
    return fill([&](char* b, size_t c, size_t* n) {
      return janus_detokenize(get(), ids.data(), ids.size(), skip_special, b, c, n);
    });
  }

 private:
  template <class F>
  static std::string fill(F f) {
    std::string s(64, '\0');
    size_t n = 0;
    check(f(s.data(), s.size(), &n));
    if (n > s.size()) {
      s.resize(n);
      check(f(s.data(), s.size(), &n));
    }
    s.resize(n);
    return s;
  }
  struct Deleter {
    void operator()(janus_model* m) const { janus_model_free(m); }
  };
  std::unique_ptr<janus_model, Deleter> model_;
};

// An inference context on a model (the model must outlive it).
class Context {
 public:
  Context(Model& model, const janus_context_params& params) {
    janus_context* c = nullptr;
    check(janus_context_create(model.get(), &params, &c));
    ctx_.reset(c);
  }
  janus_context* get() const { return ctx_.get(); }

 private:
  struct Deleter {
    void operator()(janus_context* c) const { janus_context_free(c); }
  };
  std::unique_ptr<janus_context, Deleter> ctx_;
};

}  // namespace janus_cpp
