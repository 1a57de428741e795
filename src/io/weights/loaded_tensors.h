// Tensors produced by one checkpoint file: views into caller-owned bytes plus any buffers the
// loader had to allocate (strided or misaligned tensors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor_view.h"

namespace janus {

struct LoadedTensors {
  std::vector<TensorView> tensors;  // file order
  std::vector<std::unique_ptr<uint8_t[]>> owned;
  size_t owned_bytes = 0;
  size_t copied_tensors = 0;  // how many views point into `owned` rather than the source bytes
  // Loaders set this per file (about the file size): views of shared storage could otherwise ask
  // for unbounded copies.
  size_t copy_budget = SIZE_MAX;

  // New owned buffer of n bytes (new[] is aligned for any element type); Error(Format) naming
  // `where` when the copy budget would be exceeded.
  uint8_t* allocate(size_t n, const std::string& where);
  // Returns p, or an owned aligned copy when p is not aligned to `align` (views are read as
  // uint16_t/float arrays downstream; an odd safetensors header length can misalign them).
  const void* adopt(const uint8_t* p, size_t n, size_t align, const std::string& where);
};

}  // namespace janus
