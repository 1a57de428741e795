// A read-only, contiguous, row-major view of tensor bytes owned elsewhere (mmap or store buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace janus {

struct TensorView {
  std::string name;  // checkpoint name, e.g. "language_model.model.norm.weight"
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // outermost first
  const void* data = nullptr;  // contiguous, little-endian
  size_t nbytes = 0;
  std::string file;  // file it came from, for error messages

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

std::string shape_str(const std::vector<int64_t>& shape);  // "[2048, 1024]"

}  // namespace janus
