// Owning, contiguous, 64-byte-aligned activation tensor. Weights stay TensorViews into the mmap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/tensor_view.h"

namespace janus {

// Large buffers freed by tensors are kept for reuse by exact size (tensor.cpp); this returns them to
// the system, e.g. between phases whose shapes differ (the LLM loop, then a VAE decode).
void release_recycled_buffers();

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape, std::string name = "");  // zero-filled
  static Tensor f32(std::vector<int64_t> shape, std::string name = "") {
    return Tensor(DType::F32, std::move(shape), std::move(name));
  }

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return size_t(numel_) * dtype_size(dtype_); }
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  template <class T>
  T* data() {
    return reinterpret_cast<T*>(buf_.get());
  }
  template <class T>
  const T* data() const {
    return reinterpret_cast<const T*>(buf_.get());
  }
  float* f() { return data<float>(); }
  const float* f() const { return data<float>(); }

  // Same bytes, new shape (numel must match). Shares the buffer.
  Tensor reshaped(std::vector<int64_t> shape) const;
  // A view of this tensor's bytes for code that takes TensorViews.
  TensorView view() const;

 private:
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  int64_t numel_ = 0;
  std::string name_;
  std::shared_ptr<uint8_t> buf_;
};

}  // namespace janus
