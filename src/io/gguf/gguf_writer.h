// Writes a GGUF v3 file: metadata in insertion order, tensor infos, then each tensor's bytes
// (produced one at a time, so a converter never holds more than one converted tensor in memory),
// each padded to the alignment. The file appears only when complete: it is written to a temporary
// file beside `out` and moved into place at the end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "io/gguf/gguf.h"

namespace janus {

class GgufWriter {
 public:
  // Returns the tensor's bytes: a span into memory the caller keeps alive (e.g. a mapped checkpoint)
  // or into `scratch`, which the writer reuses between tensors. Must be exactly nbytes long.
  using Bytes = std::function<std::span<const uint8_t>(std::vector<uint8_t>& scratch)>;
  // Called after each tensor with (done, total); returning false cancels the write.
  using Progress = std::function<bool(size_t done, size_t total)>;

  explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment);

  // Adds or replaces a key (replacing keeps its first position). Error(InvalidArgument) on an empty
  // key or a nested array.
  void set(const std::string& key, GgufValue v);
  // Error(InvalidArgument) naming the tensor for a name over 63 bytes, a duplicate name, a dtype GGUF
  // cannot hold, more than 4 dims, or rows that are not whole blocks.
  void add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape, Bytes bytes);

  // Writes everything to `out`. Refuses (Error(Io)) an existing `out` unless overwrite. On any error
  // or cancellation the temporary file is removed and `out` is untouched; cancellation throws
  // Error(InvalidArgument) "cancelled" and sets *cancelled when given.
  void write(const std::filesystem::path& out, bool overwrite, const Progress& progress = {},
             bool* cancelled = nullptr) const;

 private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    size_t nbytes;
    uint64_t offset;
    Bytes bytes;
  };
  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
  uint64_t data_size_ = 0;
};

}  // namespace janus
