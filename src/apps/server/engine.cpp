#include "engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "janus.hpp"

namespace janus::serve {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

uint64_t random_seed() {
  std::random_device rd;
  return uint64_t(rd()) << 32 | rd();
}

// A failed engine call as the HTTP error it means for the client.
ApiError engine_error(janus_status s) {
  const std::string msg = janus_last_error();
  switch (s) {
    case JANUS_ERR_INVALID_ARGUMENT:
    case JANUS_ERR_FORMAT:
    case JANUS_ERR_UNSUPPORTED:
      return ApiError(400, msg, "", "invalid_request");
    case JANUS_ERR_CANCELLED:
      return ApiError(499, "the request was cancelled", "", "cancelled");
    default:
      return ApiError(500, msg, "", "engine_error");
  }
}

}  // namespace

struct Engine::Handles {
  std::unique_ptr<janus_cpp::Model> model, vae;
  std::unique_ptr<janus_cpp::Context> ctx;
};

Engine::Engine(EngineOptions opts, JobQueue& queue, Metrics& metrics)
    : opts_(std::move(opts)), queue_(queue), metrics_(metrics), h_(std::make_unique<Handles>()) {}

Engine::~Engine() {
  stop(true);
}

void Engine::start() {
  thread_ = std::thread([this] { main(); });
}

void Engine::stop(bool cancel_running) {
  stopping_ = true;
  if (cancel_running) cancel_current();
  if (thread_.joinable()) thread_.join();
}

void Engine::cancel_current() {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_) current_->cancel();
}

std::string Engine::load_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return load_error_;
}

void Engine::load() {
  janus_model_params mp = janus_model_default_params();
  mp.cache_dir = opts_.cache_dir.empty() ? nullptr : opts_.cache_dir.c_str();
  mp.revision = opts_.revision.c_str();
  mp.offline = opts_.offline;
  mp.load_tensors = 1;
  mp.weights = opts_.weights;
  // Loading (or downloading) is cancelled by a shutdown signal.
  mp.progress = [](const char*, uint64_t, uint64_t, void* user) {
    return static_cast<Engine*>(user)->stopping_.load() ? 1 : 0;
  };
  mp.progress_user = this;
  h_->model = std::make_unique<janus_cpp::Model>(opts_.model, mp);
  const nlohmann::json info = nlohmann::json::parse(h_->model->info_json());
  kind_ = info.value("model_kind", "");
  flow_ = kind_ == "JanusFlow";
  const nlohmann::json tag = info["tokenizer"]["special_tokens"]["image_tag"]["token"];
  if (tag.is_string()) image_tag_ = tag.get<std::string>();
  if (flow_) {
    mp.weights = JANUS_WEIGHTS_NATIVE;  // the VAE has no LLM weights to quantize
    h_->vae = std::make_unique<janus_cpp::Model>(opts_.vae.empty() ? "stabilityai/sdxl-vae" : opts_.vae, mp);
  }
  janus_context_params cp = janus_context_default_params();
  cp.n_threads = opts_.threads;
  cp.precision = opts_.fp32 ? JANUS_PRECISION_FP32 : JANUS_PRECISION_BF16;
  h_->ctx = std::make_unique<janus_cpp::Context>(*h_->model, cp);
}

void Engine::main() {
  try {
    load();
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      load_error_ = e.what();
    }
    phase_ = Phase::Failed;
    return;
  }
  phase_ = Phase::Ready;
  std::fprintf(stderr, "janus serve: model %s (%s) loaded\n", opts_.model.c_str(), kind_.c_str());
  while (std::shared_ptr<Job> job = queue_.pop()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = job;
    }
    running_ = true;
    run(*job);
    running_ = false;
    std::lock_guard<std::mutex> lock(mu_);
    current_.reset();
  }
  phase_ = Phase::Stopped;
}

void Engine::run(Job& job) {
  Event done{Event::Kind::Done};
  try {
    if (job.cancelled()) throw ApiError(499, "the request was cancelled", "", "cancelled");
    if (job.is_chat())
      run_chat(job, std::get<ChatRequest>(job.request));
    else
      run_image(job, std::get<ImageRequest>(job.request));
  } catch (const ApiError& e) {
    if (e.status == 499) metrics_.cancelled(job.kind_name());
    done = Event{Event::Kind::Error};
    done.error = e;
  } catch (const std::exception& e) {  // allocation failures and the like: the server keeps going
    done = Event{Event::Kind::Error};
    done.error = ApiError(500, e.what(), "", "engine_error");
  }
  job.push(std::move(done));
}

void Engine::run_chat(Job& job, const ChatRequest& r) {
  std::vector<std::vector<janus_image_input>> images(r.turns.size());
  std::vector<janus_message> msgs;
  for (size_t i = 0; i < r.turns.size(); ++i) {
    for (const std::string& im : r.turns[i].images)
      images[i].push_back({nullptr, reinterpret_cast<const uint8_t*>(im.data()), im.size()});
    msgs.push_back({r.turns[i].role.c_str(), r.turns[i].content.c_str(), images[i].data(), images[i].size()});
  }
  janus_understand_params up = janus_understand_default_params();
  up.max_new_tokens = r.max_tokens;
  up.sampling.temperature = r.temperature;
  up.sampling.top_p = r.top_p;
  up.sampling.seed = r.seed_given ? r.seed : random_seed();
  std::vector<const char*> stop;
  for (const std::string& s : r.stop) stop.push_back(s.c_str());
  up.stop = stop.data();
  up.n_stop = stop.size();
  auto on_text = [](const char* piece, size_t len, void* user) -> int {
    Job* j = static_cast<Job*>(user);
    j->push(Event{Event::Kind::Text, std::string(piece, len)});
    return j->cancelled() ? 1 : 0;
  };
  char* answer = nullptr;
  janus_understand_stats st{};
  janus_status s =
      janus_understand(h_->ctx->get(), msgs.data(), msgs.size(), &up, on_text, &job, &answer, &st);
  std::unique_ptr<char, void (*)(char*)> own(answer, janus_string_free);
  const std::string reason = st.stop_reason;
  if (s == JANUS_OK && reason == "cancelled") s = JANUS_ERR_CANCELLED;
  if (s != JANUS_OK) {
    // A cancelled answer leaves a partial KV cache: start the next conversation clean.
    if (s == JANUS_ERR_CANCELLED) janus_context_reset(h_->ctx->get());
    throw engine_error(s);
  }
  job.chat_result.text = answer ? answer : "";
  job.chat_result.finish_reason = reason == "length" ? "length" : "stop";
  job.chat_result.prompt_tokens = st.prompt_tokens;
  job.chat_result.completion_tokens = st.generated_tokens;
  job.chat_result.decode_ms = st.decode_ms;
  metrics_.chat_done(st.prompt_tokens, st.generated_tokens, st.decode_ms);
}

void Engine::run_image(Job& job, const ImageRequest& r) {
  const Clock::time_point t0 = Clock::now();
  const int batch = std::max(1, opts_.parallel_images);
  const uint64_t seed = r.seed_given ? r.seed : random_seed();
  struct Progress {
    Job* job;
    Clock::time_point t0, last;
    uint64_t before = 0, grand_total = 0;  // steps of earlier batches; of all batches
    int batches_left = 0;
  } prog{&job, t0, t0};
  janus_generate_params gp = janus_generate_default_params();
  gp.cfg = r.cfg;
  gp.temperature = flow_ ? 1.0f : r.temperature;
  gp.steps = r.steps;
  gp.upscale = r.size == 384 ? 0 : r.size;
  gp.vae = h_->vae ? h_->vae->get() : nullptr;
  gp.progress_user = &prog;
  gp.progress = [](const char*, uint64_t done, uint64_t total, void* user) -> int {
    auto* p = static_cast<Progress*>(user);
    if (p->grand_total == 0) p->grand_total = total * uint64_t(p->batches_left);
    const uint64_t step = p->before + done;
    const Clock::time_point now = Clock::now();
    // Every step would flood slow clients with events; 10 per second and the last step suffice.
    if (done == total || done == 1 || now - p->last >= std::chrono::milliseconds(100)) {
      p->last = now;
      const double el = std::chrono::duration<double>(now - p->t0).count();
      Event e{Event::Kind::Progress};
      e.step = step;
      e.total = p->grand_total;
      e.eta_s = step ? el * double(p->grand_total - step) / double(step) : 0;
      p->job->push(std::move(e));
    }
    if (done == total) p->before += total;
    return p->job->cancelled() ? 1 : 0;
  };
  job.image_result.seed = seed;
  const int n_batches = (r.n + batch - 1) / batch;
  for (int b = 0; b < n_batches; ++b) {
    const int n = std::min(batch, r.n - b * batch);
    prog.batches_left = n_batches;
    gp.n_images = n;
    gp.seed = seed + uint64_t(b);  // batch b's own stream, so n=1 with seed s reproduces image 1
    std::vector<janus_image> imgs(static_cast<size_t>(n));
    janus_generate_stats st{};
    janus_status s = janus_generate(h_->ctx->get(), r.prompt.c_str(), &gp, imgs.data(), &st);
    // The API reports a cancelled generation as a failed one: the job's flag tells them apart.
    if (s != JANUS_OK) throw engine_error(job.cancelled() ? JANUS_ERR_CANCELLED : s);
    for (janus_image& im : imgs) {
      GeneratedImage g{im.width, im.height, {}};
      g.rgb.assign(im.rgb, im.rgb + size_t(im.width) * size_t(im.height) * 3);
      janus_image_free(&im);
      job.image_result.images.push_back(std::move(g));
    }
    job.image_result.cfg = st.cfg;
    job.image_result.steps = st.steps;
  }
  metrics_.images_done(r.n, seconds_since(t0));
}

}  // namespace janus::serve
