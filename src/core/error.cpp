#include "core/error.h"

namespace janus {

void fail(ErrorKind kind, const std::string& where, const std::string& what) {
  throw Error(kind, where.empty() ? what : where + ": " + what);
}

}  // namespace janus
