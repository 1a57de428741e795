#include "http_server.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>

#include "client_socket.h"
#include "openai_format.h"
#include "web_assets.h"

namespace janus::serve {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::ordered_json;

// Request start, for latency: cpp-httplib runs pre-routing, handler and logger on one thread.
thread_local Clock::time_point t_start;
thread_local bool t_started = false;

// A bounded label set for metrics: known routes, the UI, everything else.
std::string endpoint_label(const std::string& path) {
  for (const char* k :
       {"/v1/chat/completions", "/v1/images/generations", "/v1/models", "/health", "/metrics"})
    if (path == k) return k;
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models";
  if (path == "/") return "ui";
  for (const WebAsset& a : web_assets())
    if (path == a.path) return "ui";
  return "other";
}

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(error_body(e), "application/json");
}

// Runs a handler, turning its ApiError (or any exception) into an OpenAI error response.
void guarded(httplib::Response& res, const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const std::bad_alloc&) {
    send_error(res, ApiError(500, "out of memory", "", "server_error"));
  } catch (const std::exception& e) {
    send_error(res, ApiError(500, e.what(), "", "server_error"));
  }
}

nlohmann::json parse_body(const httplib::Request& req) {
  try {
    return nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {
    throw bad_request(std::string("invalid JSON body: ") + e.what(), "", "invalid_json");
  }
}

// Pumps a job's events until its end (Done or Error); nullopt when the client went away (the
// job is then cancelled: the engine drops it at its next step, or when it reaches it in the queue).
std::optional<Event> await(Job& job, const ClientSocket& client,
                           const std::function<bool(const Event&)>& on_event) {
  Clock::time_point checked = Clock::now();
  for (;;) {
    std::optional<Event> e = job.next(std::chrono::milliseconds(100));
    if (e && (e->kind == Event::Kind::Done || e->kind == Event::Kind::Error)) return e;
    if (e && on_event && !on_event(*e)) {
      job.cancel();
      return std::nullopt;
    }
    if (Clock::now() - checked >= std::chrono::milliseconds(100)) {
      checked = Clock::now();
      if (!client.connected()) {
        job.cancel();
        return std::nullopt;
      }
    }
  }
}

std::string error_event(const ApiError& e) {
  return "data: " + error_body(e) + "\n\n";
}

void stream_headers(httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // proxies must not hold back the stream
}

// A local folder is named by its last component; a hub repo id ("deepseek-ai/Janus-Pro-1B") as is.
std::string model_name(const std::string& model) {
  std::error_code ec;
  if (!std::filesystem::is_directory(model, ec)) return model;
  std::filesystem::path p = std::filesystem::path(model).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

HttpServer::HttpServer(const ServeOptions& o)
    : o_(o),
      model_id_(!o.model_id.empty() ? o.model_id : model_name(o.engine.model)),
      started_(unix_time()),
      queue_(size_t(std::max(o.max_queue, 0))),
      engine_(o.engine, queue_, metrics_) {
  // Every queued request holds an HTTP thread while it waits; leave room for quick requests
  // (health, metrics, the UI, refusals) beside them.
  const size_t threads = size_t(std::max(o.max_queue, 0)) + 16;
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_.set_payload_max_length(o.max_body_mb << 20);
  svr_.set_read_timeout(o.read_timeout_s, 0);
  svr_.set_write_timeout(o.read_timeout_s, 0);
  routes();
}

HttpServer::~HttpServer() {
  engine_.stop(true);
}

int HttpServer::bind() {
  if (o_.port == 0) return svr_.bind_to_any_port(o_.host);
  return svr_.bind_to_port(o_.host, o_.port) ? o_.port : -1;
}

void HttpServer::serve() {
  engine_.start();
  svr_.listen_after_bind();
}

void HttpServer::shutdown() {
  if (shutting_down_.exchange(true)) return;
  for (const std::shared_ptr<Job>& j : queue_.close()) {
    j->cancel();
    metrics_.cancelled(j->kind_name());
    Event e{Event::Kind::Error};
    e.error = ApiError(503, "the server is shutting down", "", "shutting_down");
    j->push(std::move(e));
  }
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(int64_t(o_.shutdown_grace_s * 1000));
  while (engine_.job_running() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  engine_.stop(true);
  // A stop before listen() has started would be lost (and listen would then block forever).
  for (int i = 0; i < 200 && !svr_.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  svr_.stop();
}

ApiError HttpServer::final_error(const ApiError& e) const {
  // A job cancelled by shutdown (not by its client) is the server's refusal.
  if (e.status == 499 && shutting_down_)
    return ApiError(503, "the server is shutting down", "", "shutting_down");
  return e;
}

void HttpServer::require_ready() const {
  if (shutting_down_) throw ApiError(503, "the server is shutting down", "", "shutting_down");
  switch (engine_.phase()) {
    case Engine::Phase::Ready:
      return;
    case Engine::Phase::Loading:
      throw ApiError(503, "the model is loading; retry shortly", "", "model_loading");
    default:
      throw ApiError(503, "the model failed to load: " + engine_.load_error(), "", "model_unavailable");
  }
}

void HttpServer::enqueue(const std::shared_ptr<Job>& job) {
  switch (queue_.push(job)) {
    case JobQueue::Push::Ok:
      return;
    case JobQueue::Push::Full:
      metrics_.rejected_queue_full();
      throw ApiError(429,
                     "the server is busy: " + std::to_string(queue_.capacity()) +
                         " requests are already queued (--max-queue); retry later",
                     "", "queue_full");
    case JobQueue::Push::Closed:
      throw ApiError(503, "the server is shutting down", "", "shutting_down");
  }
}

void HttpServer::routes() {
  using httplib::Request, httplib::Response, httplib::Server;
  svr_.set_pre_routing_handler([this](const Request& req, Response& res) {
    t_start = Clock::now();
    t_started = true;
    if (!o_.api_key.empty() && req.path.rfind("/v1/", 0) == 0 &&
        req.get_header_value("Authorization") != "Bearer " + o_.api_key) {
      send_error(res, ApiError(401, "invalid or missing API key (send Authorization: Bearer KEY)", "",
                               "invalid_api_key"));
      return Server::HandlerResponse::Handled;
    }
    return Server::HandlerResponse::Unhandled;
  });
  // Statuses cpp-httplib sets by itself (unknown route, body over the limit, malformed request)
  // get OpenAI error bodies too.
  svr_.set_error_handler(Server::HandlerWithResponse([this](const Request& req, Response& res) {
    if (!res.body.empty()) return Server::HandlerResponse::Unhandled;
    std::string msg;
    std::string code;
    switch (res.status) {
      case 404:
        msg = "unknown endpoint: " + req.method + " " + req.path;
        code = "not_found";
        break;
      case 413:
        msg = "request body too large: the limit is " + std::to_string(o_.max_body_mb) + " MiB";
        code = "request_too_large";
        break;
      case 414:
        msg = "request URI too long";
        code = "uri_too_long";
        break;
      case 499:
        msg = "client closed the request";
        code = "cancelled";
        break;
      default:
        msg = "malformed or incomplete HTTP request (or the client stalled past --timeout)";
        code = "bad_request";
        break;
    }
    send_error(res, ApiError(res.status, msg, "", code));
    return Server::HandlerResponse::Handled;
  }));
  svr_.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    guarded(res, [&] { std::rethrow_exception(ep); });
  });
  svr_.set_logger([this](const Request& req, const Response& res) {
    const double s = t_started ? std::chrono::duration<double>(Clock::now() - t_start).count() : 0.0;
    t_started = false;
    metrics_.request(endpoint_label(req.path), res.status, s);
    if (o_.verbose)
      std::fprintf(stderr, "janus serve: %s %s %d %.3fs\n", req.method.c_str(), req.path.c_str(), res.status,
                   s);
  });

  svr_.Get("/health", [this](const Request&, Response& res) {
    ordered_json j;
    if (shutting_down_) {
      j = {{"status", "shutting_down"}};
    } else if (engine_.phase() == Engine::Phase::Ready) {
      j = {{"status", "ok"}, {"model", model_id_}, {"kind", engine_.kind()}, {"queue_length", queue_.size()}};
    } else if (engine_.phase() == Engine::Phase::Loading) {
      j = {{"status", "loading"}};
    } else {
      j = {{"status", "error"}, {"message", engine_.load_error()}};
    }
    res.status = j["status"] == "ok" ? 200 : 503;
    res.set_content(dump(j), "application/json");
  });
  svr_.Get("/metrics", [this](const Request&, Response& res) {
    Gauges g{queue_.size(), queue_.capacity(), engine_.job_running(),
             engine_.phase() == Engine::Phase::Ready};
    res.set_content(metrics_.render(g), "text/plain; version=0.0.4");
  });
  auto model_entry = [this] {
    return ordered_json{
        {"id", model_id_},        {"object", "model"},
        {"created", started_},    {"owned_by", "janus.cpp"},
        {"kind", engine_.kind()}, {"capabilities", {"chat.completions", "images.generations"}}};
  };
  svr_.Get("/v1/models", [this, model_entry](const Request&, Response& res) {
    guarded(res, [&] {
      require_ready();
      res.set_content(dump({{"object", "list"}, {"data", ordered_json::array({model_entry()})}}),
                      "application/json");
    });
  });
  svr_.Get(R"(/v1/models/(.+))", [this, model_entry](const Request& req, Response& res) {
    guarded(res, [&] {
      require_ready();
      if (req.matches[1] != model_id_)
        throw ApiError(404, "the model '" + std::string(req.matches[1]) + "' does not exist", "model",
                       "model_not_found");
      res.set_content(dump(model_entry()), "application/json");
    });
  });
  svr_.Post("/v1/chat/completions",
            [this](const Request& req, Response& res) { guarded(res, [&] { chat(req, res); }); });
  svr_.Post("/v1/images/generations",
            [this](const Request& req, Response& res) { guarded(res, [&] { images(req, res); }); });

  for (const WebAsset& a : web_assets()) {
    auto serve_asset = [a](const Request&, Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(a.body), std::string(a.content_type));
    };
    svr_.Get(std::string(a.path), serve_asset);
    if (a.path == "/index.html") svr_.Get("/", serve_asset);
  }
}

void HttpServer::chat(const httplib::Request& req, httplib::Response& res) {
  require_ready();
  ChatRequest r = parse_chat_request(parse_body(req), engine_.image_tag());
  const bool stream = r.stream, include_usage = r.include_usage;
  auto job = std::make_shared<Job>(std::move(r));
  enqueue(job);
  const CompletionMeta meta{new_completion_id(), model_id_, unix_time()};
  const ClientSocket client(req.remote_addr, req.remote_port, req.local_port);
  if (!stream) {
    std::optional<Event> end = await(*job, client, nullptr);
    if (!end) throw ApiError(499, "client closed the request", "", "cancelled");
    if (end->kind == Event::Kind::Error) throw final_error(*end->error);
    res.set_content(dump(chat_completion(meta, job->chat_result)), "application/json");
    return;
  }
  stream_headers(res);
  res.set_chunked_content_provider(
      "text/event-stream", [this, job, meta, include_usage, client](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& s) { return sink.write(s.data(), s.size()); };
        if (!write(sse_data(chat_chunk(meta, {{"role", "assistant"}, {"content", ""}}, "", include_usage)))) {
          job->cancel();
          return false;
        }
        std::optional<Event> end = await(*job, client, [&](const Event& e) {
          return e.kind != Event::Kind::Text ||
                 write(sse_data(chat_chunk(meta, {{"content", e.text}}, "", include_usage)));
        });
        if (!end) return false;
        if (end->kind == Event::Kind::Error) {
          write(error_event(final_error(*end->error)));
        } else {
          write(sse_data(
              chat_chunk(meta, ordered_json::object(), job->chat_result.finish_reason, include_usage)));
          if (include_usage) write(sse_data(usage_chunk(meta, job->chat_result)));
        }
        write(sse_done());
        sink.done();
        return true;
      });
}

void HttpServer::images(const httplib::Request& req, httplib::Response& res) {
  require_ready();
  ImageRequest r = parse_image_request(parse_body(req), engine_.flow());
  const bool stream = r.stream;
  const std::string prompt = r.prompt;
  auto job = std::make_shared<Job>(std::move(r));
  enqueue(job);
  const ClientSocket client(req.remote_addr, req.remote_port, req.local_port);
  if (!stream) {
    std::optional<Event> end = await(*job, client, nullptr);
    if (!end) throw ApiError(499, "client closed the request", "", "cancelled");
    if (end->kind == Event::Kind::Error) throw final_error(*end->error);
    res.set_content(dump(image_response(job->image_result, prompt, unix_time())), "application/json");
    return;
  }
  stream_headers(res);
  res.set_chunked_content_provider(
      "text/event-stream", [this, job, prompt, client](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& s) { return sink.write(s.data(), s.size()); };
        std::optional<Event> end = await(*job, client, [&](const Event& e) {
          return e.kind != Event::Kind::Progress ||
                 write(sse_event("image_generation.progress", image_progress(e)));
        });
        if (!end) return false;
        if (end->kind == Event::Kind::Error) {
          write("event: error\n" + error_event(final_error(*end->error)));
        } else {
          try {
            ordered_json j = {{"type", "image_generation.completed"}};
            j.update(image_response(job->image_result, prompt, unix_time()));
            write(sse_event("image_generation.completed", j));
          } catch (const std::exception& e) {
            write("event: error\n" + error_event(ApiError(500, e.what(), "", "server_error")));
          }
        }
        write(sse_done());
        sink.done();
        return true;
      });
}

}  // namespace janus::serve
