// Thin libcurl wrapper: one request, one hop (redirects are followed by the caller, which decides
// per hop whether the Authorization header may go along).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace janus::hub_detail {

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased; this hop only
  std::string body;  // non-2xx bodies (capped) and 2xx bodies when the request has no sink
  std::optional<std::string> header(const std::string& lower_name) const;
};

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  long connect_timeout_s = 20;
  long stall_timeout_s = 60;    // < 1 byte/s for this long aborts
  long total_timeout_s = 0;     // 0: no overall limit (large downloads)
  size_t max_body = 64u << 20;  // cap for bodies kept in memory
  // Receives the body of a 2xx response chunk by chunk (status and headers are already known).
  // Throwing aborts the transfer and the exception reaches the caller.
  std::function<void(const char* data, size_t n, const HttpResponse& head)> sink;
};

// Performs the request. Throws Error(Network) on transport failures, with curl's message and the URL.
HttpResponse http_once(const HttpRequest& req);

// Absolute URL of `location` relative to `base` (RFC 3986 reference resolution).
std::string resolve_url(const std::string& base, const std::string& location);
// "scheme://host:port" (lower-case, default port filled in); redirects across origins drop credentials.
std::string url_origin(const std::string& url);
// Percent-encodes everything except unreserved characters (and '/' when keep_slash).
std::string url_quote(const std::string& s, bool keep_slash);

}  // namespace janus::hub_detail
