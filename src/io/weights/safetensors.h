// safetensors reader: u64 LE header length, JSON header, raw little-endian tensor bytes.
// Parsing works on an in-memory span so the fuzzer and the mmap path share one validator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "io/weights/loaded_tensors.h"

namespace janus {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  size_t offset = 0;  // absolute byte offset in the file (header length + 8 + data_offsets[0])
  size_t nbytes = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // header order
  std::map<std::string, std::string> metadata;
  size_t data_start = 0;  // 8 + header length
};

inline constexpr size_t kMaxSafetensorsHeader = 100u << 20;  // 100 MB, as the reference reader

// Validates the whole header against the buffer; throws Error(Format/Unsupported) naming
// `path` and the tensor/field.
SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file, const std::string& path);

// Appends zero-copy views (copies only if misaligned) of every tensor in `file` to `out`.
void load_safetensors(std::span<const uint8_t> file, const std::string& path, LoadedTensors& out);

}  // namespace janus
