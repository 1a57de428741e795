#include "io/weights/loaded_tensors.h"

#include <cstring>

#include "core/error.h"

namespace janus {

uint8_t* LoadedTensors::allocate(size_t n, const std::string& where) {
  if (owned_bytes > copy_budget || n > copy_budget - owned_bytes)
    fail(ErrorKind::Format, where,
         "tensor copies would need more than " + std::to_string(copy_budget) +
             " bytes (more than the file holds)");
  owned.push_back(std::make_unique_for_overwrite<uint8_t[]>(n ? n : 1));
  owned_bytes += n;
  ++copied_tensors;
  return owned.back().get();
}

const void* LoadedTensors::adopt(const uint8_t* p, size_t n, size_t align, const std::string& where) {
  if (n == 0 || align <= 1 || reinterpret_cast<uintptr_t>(p) % align == 0) return p;
  uint8_t* dst = allocate(n, where);
  std::memcpy(dst, p, n);
  return dst;
}

}  // namespace janus
