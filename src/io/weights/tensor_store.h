// One store that serves checkpoint tensors by name, whatever the file format.
// bf16/f16/f32 tensors are zero-copy views into memory-mapped files; tensors that need a copy
// (non-contiguous strides in a torch .bin) are materialised once into buffers the store owns.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor_view.h"

namespace janus {

class TensorStore {
 public:
  virtual ~TensorStore() = default;

  // Opens the weights of a model folder. Looks for, in order: <stem>.safetensors.index.json,
  // <stem>.safetensors, pytorch_model.bin.index.json / <stem>.bin.index.json, pytorch_model.bin /
  // <stem>.bin. stem is "model" for Janus folders and "diffusion_pytorch_model" for diffusers VAEs.
  // Throws Error naming the folder when none is found, and naming file + field on any corruption.
  static std::unique_ptr<TensorStore> open_folder(const std::filesystem::path& dir,
                                                  std::string_view stem = "model");
  // One file: *.safetensors, or a PyTorch zip checkpoint (*.bin / *.pt / *.pth).
  static std::unique_ptr<TensorStore> open_file(const std::filesystem::path& file);

  virtual const TensorView* find(std::string_view name) const = 0;
  // Throws Error(Model) "<name>: tensor not found in <files>".
  virtual const TensorView& get(std::string_view name) const = 0;
  virtual const std::vector<std::string>& names() const = 0;  // sorted
  virtual const std::vector<std::string>& files() const = 0;  // every file read
  virtual size_t total_bytes() const = 0;                     // sum of tensor nbytes
  // Hint: `v` (a tensor of this store) will not be read again. A memory-mapped store drops the
  // pages wholly inside it from the process (they stay in the page cache), so a tensor converted at
  // load does not count twice in RSS. Reading it later is still valid (the pages fault back in).
  virtual void drop_pages(const TensorView& v) const { (void)v; }
};

}  // namespace janus
