#include "engine.h"

#include <algorithm>
#include <cstring>

#include "studio_error.h"

namespace janus::studio {

namespace {

[[noreturn]] void api_fail(const std::string& what) {
  throw StudioError(what + ": " + janus_last_error());
}

int cancel_progress(const char*, uint64_t, uint64_t, void* user) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

}  // namespace

Engine::Engine(const EngineOptions& o) {
  janus_model_params mp = janus_model_default_params();
  mp.cache_dir = o.cache_dir.empty() ? nullptr : o.cache_dir.c_str();
  mp.revision = o.revision.c_str();
  mp.offline = o.offline;
  mp.weights = o.quant == "q8_0"                      ? JANUS_WEIGHTS_Q8_0
               : o.quant == "q4_0" || o.quant == "q4" ? JANUS_WEIGHTS_Q4_0
                                                      : JANUS_WEIGHTS_NATIVE;
  if (janus_model_load(o.model.c_str(), &mp, &model_) != JANUS_OK) api_fail("loading " + o.model);
  janus_context_params cp = janus_context_default_params();
  cp.n_threads = o.threads;
  cp.precision = o.precision == "fp32" ? JANUS_PRECISION_FP32 : JANUS_PRECISION_BF16;
  if (janus_context_create(model_, &cp, &ctx_) != JANUS_OK) {
    janus_model_free(model_);
    api_fail("creating a context on " + o.model);
  }
  info_ = janus_model_info_json(model_);
}

Engine::~Engine() {
  janus_context_free(ctx_);
  janus_model_free(model_);
}

std::vector<Raster> Engine::generate(const std::string& prompt, int k, uint64_t seed, float cfg,
                                     float temperature, int upscale, const std::atomic<bool>& cancel) {
  janus_generate_params p = janus_generate_default_params();
  p.n_images = k;
  p.seed = seed;
  p.cfg = cfg;
  p.temperature = temperature;
  p.upscale = upscale;
  p.progress = cancel_progress;
  p.progress_user = const_cast<std::atomic<bool>*>(&cancel);
  std::vector<janus_image> imgs(static_cast<size_t>(k));
  const janus_status s = janus_generate(ctx_, prompt.c_str(), &p, imgs.data(), nullptr);
  if (s == JANUS_ERR_CANCELLED) throw StudioError("cancelled");
  if (s != JANUS_OK) api_fail("generating \"" + prompt.substr(0, 60) + "\"");
  std::vector<Raster> out;
  for (janus_image& im : imgs) {
    Raster r;
    r.w = im.width;
    r.h = im.height;
    r.channels = 3;
    r.px.assign(im.rgb, im.rgb + size_t(im.width) * size_t(im.height) * 3);
    janus_image_free(&im);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<int32_t> Engine::first_tokens(const std::vector<const char*>& spellings,
                                          std::vector<const char*>* kept) {
  // Spellings whose first tokens coincide are counted once (the probabilities are of tokens).
  std::vector<int32_t> ids;
  for (const char* s : spellings) {
    int32_t buf[16];
    size_t n = 0;
    if (janus_tokenize(model_, s, std::strlen(s), 0, buf, 16, &n) != JANUS_OK)
      api_fail("tokenizing the answer");
    if (n == 0 || std::find(ids.begin(), ids.end(), buf[0]) != ids.end()) continue;
    ids.push_back(buf[0]);
    kept->push_back(s);
  }
  return ids;
}

Alignment Engine::score(const std::string& image_path, const std::string& question) {
  std::vector<const char*> yes, no;
  first_tokens({" Yes", "Yes", " yes", "yes"}, &yes);
  first_tokens({" No", "No", " no", "no"}, &no);
  std::vector<const char*> all = yes;
  all.insert(all.end(), no.begin(), no.end());
  std::vector<float> probs(all.size());
  const std::string content = "<image_placeholder>\n" + question;
  janus_image_input img{image_path.c_str(), nullptr, 0};
  janus_message msg{"user", content.c_str(), &img, 1};
  if (janus_answer_probability(ctx_, &msg, 1, all.data(), all.size(), probs.data()) != JANUS_OK)
    api_fail("scoring " + image_path);
  Alignment a;
  for (size_t i = 0; i < all.size(); ++i) (i < yes.size() ? a.p_yes : a.p_no) += probs[i];
  return a;
}

std::string Engine::ask(const std::string& image_path, const std::string& instruction, int max_tokens,
                        const std::atomic<bool>* cancel) {
  const std::string content = image_path.empty() ? instruction : "<image_placeholder>\n" + instruction;
  janus_image_input img{image_path.c_str(), nullptr, 0};
  janus_message msg{"user", content.c_str(), image_path.empty() ? nullptr : &img,
                    image_path.empty() ? 0u : 1u};
  janus_understand_params p = janus_understand_default_params();
  p.max_new_tokens = max_tokens;
  char* answer = nullptr;
  // The text callback is the API's way to stop an answer: it polls the cancel flag per piece.
  janus_text_callback poll = [](const char*, size_t, void* user) {
    return user && static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
  };
  if (janus_understand(ctx_, &msg, 1, &p, poll, const_cast<std::atomic<bool>*>(cancel), &answer, nullptr) !=
      JANUS_OK)
    api_fail("writing copy");
  std::string out = answer ? answer : "";
  janus_string_free(answer);
  return out;
}

}  // namespace janus::studio
