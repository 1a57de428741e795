#include "core/tensor.h"

#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace janus {

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, std::string name)
    : dtype_(dtype), shape_(std::move(shape)), name_(std::move(name)) {
  numel_ = 1;
  for (int64_t d : shape_) {
    if (d < 0) fail(ErrorKind::Internal, name_, "negative tensor dimension");
    numel_ *= d;
  }
  size_t bytes = (nbytes() + 63) / 64 * 64;
  void* p = bytes ? std::aligned_alloc(64, bytes) : nullptr;
  if (bytes && !p) throw std::bad_alloc();
  if (p) std::memset(p, 0, bytes);
  buf_ = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
}

Tensor Tensor::reshaped(std::vector<int64_t> shape) const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (n != numel_)
    fail(ErrorKind::Internal, name_, "reshape to " + shape_str(shape) + " from " + shape_str(shape_));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

TensorView Tensor::view() const {
  TensorView v;
  v.name = name_;
  v.dtype = dtype_;
  v.shape = shape_;
  v.data = buf_.get();
  v.nbytes = nbytes();
  return v;
}

}  // namespace janus
