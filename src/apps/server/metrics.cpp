#include "metrics.h"

#include <cstdio>

namespace janus::serve {

void Metrics::request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
  Histogram& h = latency_[endpoint];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::chat_done(int prompt_tokens, int completion_tokens, double decode_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += uint64_t(prompt_tokens);
  completion_tokens_ += uint64_t(completion_tokens);
  decode_seconds_ += decode_ms / 1000.0;
  if (decode_ms > 0) last_tokens_per_s_ = completion_tokens * 1000.0 / decode_ms;
}

void Metrics::images_done(int n_images, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  images_ += uint64_t(n_images);
  image_seconds_ += seconds;
}

void Metrics::cancelled(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++cancelled_[kind];
}

void Metrics::rejected_queue_full() {
  std::lock_guard<std::mutex> lock(mu_);
  ++queue_full_;
}

std::string Metrics::render(const Gauges& g) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  char line[256];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  auto help = [&](const char* name, const char* type, const char* text) {
    add("# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
  };
  help("janus_model_loaded", "gauge", "1 once the model is loaded and requests are served");
  add("janus_model_loaded %d\n", g.model_loaded ? 1 : 0);
  help("janus_queue_length", "gauge", "jobs waiting for the engine");
  add("janus_queue_length %zu\n", g.queue_length);
  help("janus_queue_capacity", "gauge", "--max-queue");
  add("janus_queue_capacity %zu\n", g.queue_capacity);
  help("janus_jobs_running", "gauge", "jobs the engine is running (0 or 1)");
  add("janus_jobs_running %d\n", g.job_running ? 1 : 0);
  help("janus_requests_total", "counter", "HTTP requests by endpoint and status");
  for (const auto& [k, v] : requests_)
    add("janus_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n", k.first.c_str(), k.second,
        (unsigned long long)v);
  help("janus_errors_total", "counter", "HTTP requests answered with a 4xx or 5xx status, by endpoint");
  std::map<std::string, uint64_t> errors;
  for (const auto& [k, v] : requests_)
    if (k.second >= 400) errors[k.first] += v;
  for (const auto& [k, v] : errors)
    add("janus_errors_total{endpoint=\"%s\"} %llu\n", k.c_str(), (unsigned long long)v);
  help("janus_queue_full_total", "counter", "requests refused with 429 because the queue was full");
  add("janus_queue_full_total %llu\n", (unsigned long long)queue_full_);
  help("janus_jobs_cancelled_total", "counter", "jobs cancelled because the client went away or on shutdown");
  for (const char* kind : {"chat", "image"}) {
    auto it = cancelled_.find(kind);
    add("janus_jobs_cancelled_total{kind=\"%s\"} %llu\n", kind,
        (unsigned long long)(it == cancelled_.end() ? 0 : it->second));
  }
  help("janus_prompt_tokens_total", "counter", "prompt tokens of answered chat requests");
  add("janus_prompt_tokens_total %llu\n", (unsigned long long)prompt_tokens_);
  help("janus_completion_tokens_total", "counter", "tokens generated for chat requests");
  add("janus_completion_tokens_total %llu\n", (unsigned long long)completion_tokens_);
  help("janus_decode_seconds_total", "counter", "time spent generating chat tokens");
  add("janus_decode_seconds_total %.6f\n", decode_seconds_);
  help("janus_tokens_per_second", "gauge", "decode speed of the last chat request");
  add("janus_tokens_per_second %.3f\n", last_tokens_per_s_);
  help("janus_images_generated_total", "counter", "images generated");
  add("janus_images_generated_total %llu\n", (unsigned long long)images_);
  help("janus_image_seconds_total", "counter", "engine time spent generating images");
  add("janus_image_seconds_total %.6f\n", image_seconds_);
  help("janus_request_duration_seconds", "histogram", "HTTP request latency by endpoint");
  for (const auto& [ep, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      add("janus_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n", ep.c_str(), kBuckets[i],
          (unsigned long long)h.counts[i]);
    add("janus_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n", ep.c_str(),
        (unsigned long long)h.count);
    add("janus_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", ep.c_str(), h.sum);
    add("janus_request_duration_seconds_count{endpoint=\"%s\"} %llu\n", ep.c_str(),
        (unsigned long long)h.count);
  }
  return out;
}

}  // namespace janus::serve
