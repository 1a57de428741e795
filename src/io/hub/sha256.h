// Streaming SHA-256 (FIPS 180-4), used to verify LFS downloads against their sha256 ETag.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace janus {

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(const void* data, size_t n);
  std::array<uint8_t, 32> digest();  // finalizes; call reset() before reuse
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;  // bytes hashed so far
};

}  // namespace janus
