// The HTTP side of `janus serve`: routes, authentication, limits, error bodies, streaming, and the
// hand-off of validated jobs to the engine's queue.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>

#include "engine.h"
#include "serve.h"

namespace janus::serve {

class HttpServer {
 public:
  explicit HttpServer(const ServeOptions& o);
  ~HttpServer();

  // Binds (port 0: any free port); returns the port, or -1.
  int bind();
  // Starts the engine and serves until shutdown() (blocks).
  void serve();
  // Graceful stop: refuse new work, fail queued jobs, let the running one finish within the grace
  // period (then cancel it), stop listening. Safe to call from another thread.
  void shutdown();
  bool load_failed() const { return engine_.phase() == Engine::Phase::Failed; }
  std::string load_error() const { return engine_.load_error(); }

 private:
  void routes();
  void chat(const httplib::Request& req, httplib::Response& res);
  void images(const httplib::Request& req, httplib::Response& res);
  // 503 while loading, failed or shutting down; throws ApiError.
  void require_ready() const;
  ApiError final_error(const ApiError& e) const;
  // Queues a job or throws 429/503.
  void enqueue(const std::shared_ptr<Job>& job);

  ServeOptions o_;
  std::string model_id_;
  int64_t started_;
  JobQueue queue_;
  Metrics metrics_;
  Engine engine_;
  httplib::Server svr_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace janus::serve
