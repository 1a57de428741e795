// Error type used inside the library; the C API turns it into a status code + message.
#pragma once

#include <stdexcept>
#include <string>

namespace janus {

// Kinds mirror the public janus_status codes so the C boundary can map them 1:1.
enum class ErrorKind {
  InvalidArgument,  // bad request / option from the caller
  Io,               // file missing, unreadable, unwritable
  Format,           // corrupt or unsupported file contents
  Model,            // config / tensor set / shape mismatch
  Network,          // download failures
  Unsupported,      // valid input we do not handle
  Cancelled,        // stopped by the caller (progress callback / cancel flag)
  Internal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// "[where] what" — where is a file path, file:field or tensor name, so users can act on it.
[[noreturn]] void fail(ErrorKind kind, const std::string& where, const std::string& what);

}  // namespace janus
