// Server counters and latency histograms, rendered in Prometheus' text format for GET /metrics.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace janus::serve {

struct Gauges {
  size_t queue_length = 0, queue_capacity = 0;
  bool job_running = false;
  bool model_loaded = false;
};

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

  // One finished HTTP request to `endpoint` (a route, not the raw path, to bound the label set).
  void request(const std::string& endpoint, int status, double seconds);
  void chat_done(int prompt_tokens, int completion_tokens, double decode_ms);
  void images_done(int n_images, double seconds);
  void cancelled(const std::string& kind);
  void rejected_queue_full();

  std::string render(const Gauges& g) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> cancelled_;
  uint64_t queue_full_ = 0;
  uint64_t prompt_tokens_ = 0, completion_tokens_ = 0, images_ = 0;
  double decode_seconds_ = 0, image_seconds_ = 0;
  double last_tokens_per_s_ = 0;
};

}  // namespace janus::serve
