// A TensorStore over one memory-mapped GGUF file: tensors are zero-copy views (torch-order shape,
// DType from the ggml type), and the parsed metadata stays available for the model loader.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "io/gguf/gguf.h"
#include "io/weights/mapped_file.h"
#include "io/weights/tensor_store.h"

namespace janus {

class GgufStore final : public TensorStore {
 public:
  // Maps and parses `path` (Error naming the file and field on any corruption). `rename` maps each
  // GGUF tensor name to the name the store serves (identity when empty); two tensors that map to
  // one name are an Error(Format).
  explicit GgufStore(const std::filesystem::path& path,
                     const std::function<std::string(const std::string&)>& rename = {});

  const GgufFile& gguf() const { return gguf_; }

  const TensorView* find(std::string_view name) const override;
  const TensorView& get(std::string_view name) const override;
  const std::vector<std::string>& names() const override { return names_; }
  const std::vector<std::string>& files() const override { return files_; }
  size_t total_bytes() const override { return total_; }
  void drop_pages(const TensorView& v) const override;

 private:
  MappedFile map_;
  GgufFile gguf_;
  std::vector<std::unique_ptr<uint8_t[]>> owned_;  // copies of views a small alignment left misaligned
  std::map<std::string, TensorView, std::less<>> by_name_;
  std::vector<std::string> names_, files_;
  size_t total_ = 0;
};

}  // namespace janus
