#include "api_error.h"

#include <nlohmann/json.hpp>

namespace janus::serve {

std::string error_type_for(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 500:
      return "server_error";
    case 503:
      return "service_unavailable_error";
    default:
      return "invalid_request_error";
  }
}

ApiError::ApiError(int st, std::string message, std::string p, std::string c)
    : std::runtime_error(std::move(message)),
      status(st),
      type(error_type_for(st)),
      param(std::move(p)),
      code(std::move(c)) {}

ApiError bad_request(const std::string& message, const std::string& param, const std::string& code) {
  return ApiError(400, message, param, code);
}

std::string error_body(const ApiError& e) {
  nlohmann::ordered_json j;
  j["error"]["message"] = e.what();
  j["error"]["type"] = e.type;
  j["error"]["param"] = e.param.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.param);
  j["error"]["code"] = e.code.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.code);
  // Replace invalid UTF-8 (from echoed input) rather than throw while reporting an error.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace janus::serve
