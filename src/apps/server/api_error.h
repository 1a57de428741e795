// OpenAI-style errors: {"error": {"message", "type", "param", "code"}} with an HTTP status.
#pragma once

#include <stdexcept>
#include <string>

namespace janus::serve {

// Thrown by request parsing and validation; the HTTP layer turns it into a response.
struct ApiError : std::runtime_error {
  int status;
  std::string type, param, code;
  ApiError(int status, std::string message, std::string param = "", std::string code = "");
};

// 400 invalid_request_error naming the offending field.
ApiError bad_request(const std::string& message, const std::string& param = "",
                     const std::string& code = "invalid_value");

// The JSON body for an error (param/code are null when empty).
std::string error_body(const ApiError& e);

// OpenAI's error type for a status: invalid_request_error, authentication_error, rate_limit_error ...
std::string error_type_for(int status);

}  // namespace janus::serve
