// Bounds-checked little-endian reads from an untrusted byte span; every read that would leave the
// span throws Error(Format) naming the file, so parsers never index past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace janus {

// a + b or a * b, or nothing on size_t overflow (sizes come from untrusted headers).
inline bool add_overflows(size_t a, size_t b, size_t* out) {
  return __builtin_add_overflow(a, b, out);
}
inline bool mul_overflows(size_t a, size_t b, size_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

template <typename T>
inline T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // x86/arm64 hosts are little-endian; memcpy avoids unaligned UB
  return v;
}

class ByteCursor {
 public:
  ByteCursor(std::span<const uint8_t> bytes, std::string where) : bytes_(bytes), where_(std::move(where)) {}

  size_t pos() const { return pos_; }
  size_t size() const { return bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  const std::string& where() const { return where_; }

  void need(size_t n, std::string_view what) const {
    if (n > remaining())
      fail(ErrorKind::Format, where_,
           "truncated " + std::string(what) + " at offset " + std::to_string(pos_) + " (needs " +
               std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left)");
  }
  uint8_t u8(std::string_view what) {
    need(1, what);
    return bytes_[pos_++];
  }
  template <typename T>
  T le(std::string_view what) {
    need(sizeof(T), what);
    T v = load_le<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::span<const uint8_t> take(size_t n, std::string_view what) {
    need(n, what);
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view take_str(size_t n, std::string_view what) {
    auto s = take(n, what);
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }

 private:
  std::span<const uint8_t> bytes_;
  std::string where_;
  size_t pos_ = 0;
};

}  // namespace janus
