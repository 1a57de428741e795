#include "core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"

namespace janus {

namespace {

// Large activation buffers are recycled: the decoders and the flow loop allocate the same sizes over
// and over, and a fresh block from the kernel costs a page fault per 4 KiB (a fifth of a VAE decode).
constexpr size_t kMinRecycled = size_t(1) << 22;    // 4 MiB: smaller blocks stay in malloc's arenas
constexpr size_t kMaxRecycled = size_t(768) << 20;  // bytes kept for reuse at most

struct Recycler {
  std::mutex mu;
  std::multimap<size_t, void*> free;  // size -> block
  size_t bytes = 0;
};

Recycler& recycler() {
  static Recycler* r = new Recycler;  // never destroyed: tensors may be released during exit
  return *r;
}

void* take_block(size_t bytes) {
  if (bytes >= kMinRecycled) {
    Recycler& r = recycler();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.free.find(bytes);
    if (it != r.free.end()) {
      void* p = it->second;
      r.free.erase(it);
      r.bytes -= bytes;
      return p;
    }
  }
  return std::aligned_alloc(64, bytes);
}

void give_block(void* p, size_t bytes) {
  if (bytes >= kMinRecycled && bytes <= kMaxRecycled) {
    Recycler& r = recycler();
    std::lock_guard<std::mutex> lock(r.mu);
    while (r.bytes + bytes > kMaxRecycled && !r.free.empty()) {  // drop the largest kept blocks
      auto last = std::prev(r.free.end());
      std::free(last->second);
      r.bytes -= last->first;
      r.free.erase(last);
    }
    r.free.emplace(bytes, p);
    r.bytes += bytes;
    return;
  }
  std::free(p);
}

}  // namespace

void release_recycled_buffers() {
  Recycler& r = recycler();
  std::lock_guard<std::mutex> lock(r.mu);
  for (auto& [bytes, p] : r.free) std::free(p);
  r.free.clear();
  r.bytes = 0;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, std::string name)
    : dtype_(dtype), shape_(std::move(shape)), name_(std::move(name)) {
  numel_ = 1;
  for (int64_t d : shape_) {
    if (d < 0) fail(ErrorKind::Internal, name_, "negative tensor dimension");
    if (__builtin_mul_overflow(numel_, d, &numel_) || numel_ > (int64_t(1) << 40))
      fail(ErrorKind::InvalidArgument, name_, "tensor of shape " + shape_str(shape_) + " is too large");
  }
  size_t bytes = (nbytes() + 63) / 64 * 64;
  void* p = bytes ? take_block(bytes) : nullptr;
  if (bytes && !p) throw std::bad_alloc();
  if (p) std::memset(p, 0, bytes);
  buf_ = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [bytes](uint8_t* q) {
    if (q) give_block(q, bytes);
  });
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
