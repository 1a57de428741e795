#include "io/hub/http.h"

#include <curl/curl.h>

#include <cctype>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>

#include "core/error.h"

namespace janus::hub_detail {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpRequest* req;
  HttpResponse resp;
  std::exception_ptr error;  // from the sink; exceptions must not cross libcurl's C frames
  bool too_big = false;
  // Stall watchdog: curl's LOW_SPEED check averages over several seconds, so a short burst
  // followed by silence would outlive the limit; we time "no new byte" ourselves.
  curl_off_t last_bytes = -1;
  std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
  bool stalled = false;
};

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (dlnow + ulnow != t->last_bytes) {
    t->last_bytes = dlnow + ulnow;
    t->last_change = now;
  } else if (now - t->last_change > std::chrono::seconds(t->req->stall_timeout_s)) {
    t->stalled = true;
    return 1;  // aborts the transfer
  }
  return 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (e.g. after 100 Continue): start over
    t->resp.headers.clear();
    size_t sp = line.find(' ');
    t->resp.status = sp == std::string::npos ? 0 : std::strtol(line.c_str() + sp + 1, nullptr, 10);
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos && t->resp.headers.size() < 512) {
    size_t v = line.find_first_not_of(" \t", colon + 1);
    t->resp.headers.emplace_back(lower(line.substr(0, colon)), v == std::string::npos ? "" : line.substr(v));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  bool ok = t->resp.status >= 200 && t->resp.status < 300;
  if (ok && t->req->sink) {
    try {
      t->req->sink(data, bytes, t->resp);
    } catch (...) {
      t->error = std::current_exception();
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return bytes;
  }
  // Error bodies only feed messages, so a small cap is enough.
  size_t cap = ok ? t->req->max_body : 64 * 1024;
  if (t->resp.body.size() + bytes > cap) {
    if (ok) {
      t->too_big = true;
      return 0;
    }
    t->resp.body.append(data, cap - t->resp.body.size());
    return bytes;
  }
  t->resp.body.append(data, bytes);
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

HttpResponse http_once(const HttpRequest& req) {
  global_init();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) fail(ErrorKind::Internal, req.url, "curl_easy_init failed");
  std::unique_ptr<curl_slist, CurlDeleter> headers;
  for (const auto& h : req.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (!next) fail(ErrorKind::Internal, req.url, "out of memory building headers");
    headers.release();
    headers.reset(next);
  }
  Transfer t{&req, {}, nullptr, false};
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "janus.cpp/0.1 (huggingface_hub-compatible)");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (req.total_timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, req.total_timeout_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);

  CURLcode rc = curl_easy_perform(c);
  if (t.error) std::rethrow_exception(t.error);
  if (t.too_big)
    fail(ErrorKind::Format, req.url, "response larger than " + std::to_string(req.max_body) + " bytes");
  if (t.stalled)
    fail(ErrorKind::Network, req.url,
         "request failed: no data received for " + std::to_string(req.stall_timeout_s) +
             " s (server stalled)");
  if (rc != CURLE_OK) {
    std::string msg = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    fail(ErrorKind::Network, req.url, "request failed: " + msg);
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code) t.resp.status = code;
  return std::move(t.resp);
}

std::string resolve_url(const std::string& base, const std::string& location) {
  std::unique_ptr<CURLU, CurlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.get(), CURLUPART_URL, location.c_str(), 0) != CURLUE_OK)
    fail(ErrorKind::Network, base, "bad redirect location '" + location + "'");
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK)
    fail(ErrorKind::Network, base, "bad redirect location '" + location + "'");
  std::string s(out);
  curl_free(out);
  return s;
}

std::string url_origin(const std::string& url) {
  std::unique_ptr<CURLU, CurlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    fail(ErrorKind::InvalidArgument, url, "malformed URL");
  std::string parts[3];
  const CURLUPart ids[3] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
  for (int i = 0; i < 3; ++i) {
    char* out = nullptr;
    if (curl_url_get(u.get(), ids[i], &out, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      parts[i] = lower(out);
      curl_free(out);
    }
  }
  return parts[0] + "://" + parts[1] + ":" + parts[2];
}

std::string url_quote(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace janus::hub_detail
