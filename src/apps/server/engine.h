// The inference engine: one thread that loads the model in the background and then runs queued
// jobs one at a time on the server's single janus_context.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "janus.h"
#include "job_queue.h"
#include "metrics.h"

namespace janus::serve {

struct EngineOptions {
  std::string model, vae;  // vae: JanusFlow's SDXL VAE ("" = stabilityai/sdxl-vae)
  std::string cache_dir, revision = "main";
  bool offline = false;
  janus_weight_type weights = JANUS_WEIGHTS_NATIVE;  // --quant: quantize the LLM at load
  int threads = 0;
  bool fp32 = false;
  int parallel_images = 4;  // images per janus_generate call (a request's n runs in batches)
};

class Engine {
 public:
  enum class Phase { Loading, Ready, Failed, Stopped };

  Engine(EngineOptions opts, JobQueue& queue, Metrics& metrics);
  ~Engine();

  // Starts loading, then serving the queue, on the engine thread.
  void start();
  // Stops after the running job (cancelling it once `cancel_running` is set) and joins the thread.
  void stop(bool cancel_running);
  // Cancels whatever job runs now (shutdown after the grace period).
  void cancel_current();

  Phase phase() const { return phase_.load(); }
  std::string load_error() const;
  bool job_running() const { return running_.load(); }
  // Known once Ready.
  bool flow() const { return flow_; }
  const std::string& image_tag() const { return image_tag_; }
  const std::string& kind() const { return kind_; }

 private:
  void main();
  void load();
  void run(Job& job);
  void run_chat(Job& job, const ChatRequest& r);
  void run_image(Job& job, const ImageRequest& r);

  struct Handles;
  EngineOptions opts_;
  JobQueue& queue_;
  Metrics& metrics_;
  std::unique_ptr<Handles> h_;
  std::thread thread_;
  std::atomic<Phase> phase_{Phase::Loading};
  std::atomic<bool> running_{false}, stopping_{false};
  mutable std::mutex mu_;  // guards load_error_ and current_
  std::string load_error_;
  std::shared_ptr<Job> current_;
  bool flow_ = false;
  std::string image_tag_ = "<image_placeholder>", kind_;
};

}  // namespace janus::serve
