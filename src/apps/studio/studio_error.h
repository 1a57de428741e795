// The one error type of `janus studio`: a message that already names the file, line and field at
// fault. Caught at the command's top level and printed; never an abort.
#pragma once

#include <stdexcept>
#include <string>

namespace janus::studio {

struct StudioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "file:line:col: field: message" (line/col 1-based; 0 = unknown and left out).
[[noreturn]] inline void fail_at(const std::string& file, int line, int col, const std::string& field,
                                 const std::string& message) {
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line);
  if (line > 0 && col > 0) where += ":" + std::to_string(col);
  throw StudioError(where + ": " + (field.empty() ? "" : field + ": ") + message);
}

}  // namespace janus::studio
