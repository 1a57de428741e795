#include "serve.h"

#include <csignal>
#include <cstdio>
#include <thread>

#include "http_server.h"
#include "janus.h"

namespace janus::serve {

CLI::App* add_serve_command(CLI::App& app, ServeOptions& o) {
  CLI::App* cmd =
      app.add_subcommand("serve", "OpenAI-compatible HTTP server (chat, image generation) with a web UI");
  cmd->add_option("-m,--model", o.engine.model, "model folder or hub repo id")->required();
  cmd->add_option("--vae", o.engine.vae,
                  "JanusFlow: SDXL VAE folder or repo id (default stabilityai/sdxl-vae)");
  cmd->add_option("--host", o.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--api-key", o.api_key, "require Authorization: Bearer KEY on /v1/ endpoints");
  cmd->add_option("--max-queue", o.max_queue, "requests waiting for the engine before 429")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--parallel-images", o.engine.parallel_images,
                  "images generated together in one batch (a request's n runs in batches of this size)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  cmd->add_option("--max-body-mb", o.max_body_mb, "largest request body accepted (413 above)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--timeout", o.read_timeout_s, "seconds a client may stall mid-request or mid-response")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--shutdown-grace", o.shutdown_grace_s,
                  "seconds the running job may finish after SIGINT/SIGTERM before it is cancelled")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--model-id", o.model_id, "model name reported by /v1/models (default: the -m argument)");
  cmd->add_option("--precision", o.precision, "bf16 or fp32")->check(CLI::IsMember({"bf16", "fp32"}));
  cmd->add_option("-t,--threads", o.engine.threads, "inference threads (default: all cores)");
  return cmd;
}

namespace {
void log_to_stderr(janus_log_level level, const char* msg, void* user) {
  if (level < JANUS_LOG_WARN && !*static_cast<bool*>(user)) return;
  static const char* names[] = {"debug", "info", "warning", "error"};
  std::fprintf(stderr, "janus serve: %s: %s\n", names[level], msg);
}
}  // namespace

int run_serve(ServeOptions o) {
  static bool verbose = false;
  verbose = o.verbose;
  janus_set_log_callback(log_to_stderr, &verbose);
  o.engine.fp32 = o.precision == "fp32";
  // Signals are taken by one thread with sigwait, so the HTTP and engine threads (created after
  // this mask) never run a handler in the middle of their work.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that left must not kill the server mid-write

  HttpServer server(o);
  const int port = server.bind();
  if (port < 0) {
    std::fprintf(stderr, "janus serve: error: cannot listen on %s:%d\n", o.host.c_str(), o.port);
    return 1;
  }
  std::fprintf(stderr, "janus serve: listening on http://%s:%d (loading %s)\n", o.host.c_str(), port,
               o.engine.model.c_str());
  std::fflush(stderr);

  std::atomic<bool> done{false};
  int exit_code = 0;
  std::thread watcher([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done) {
      const int sig = sigtimedwait(&sigs, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        std::fprintf(stderr, "janus serve: %s: shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        server.shutdown();
        return;
      }
      if (server.load_failed()) {
        exit_code = 1;
        server.shutdown();
        return;
      }
    }
  });
  server.serve();
  done = true;
  watcher.join();
  if (exit_code)
    std::fprintf(stderr, "janus serve: error: %s\n", server.load_error().c_str());
  else
    std::fprintf(stderr, "janus serve: stopped\n");
  return exit_code;
}

}  // namespace janus::serve
