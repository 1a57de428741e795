#include "io/gguf/gguf_store.h"

#include <cstring>

#include "core/error.h"

namespace janus {

GgufStore::GgufStore(const std::filesystem::path& path,
                     const std::function<std::string(const std::string&)>& rename)
    : map_(path) {
  gguf_ = parse_gguf({map_.data(), map_.size()}, map_.path());
  files_.push_back(map_.path());
  for (const GgufTensorInfo& t : gguf_.tensors) {
    TensorView v;
    v.name = rename ? rename(t.name) : t.name;
    v.dtype = t.dtype;
    v.shape = t.shape;
    v.nbytes = t.nbytes;
    v.file = map_.path();
    const uint8_t* p = map_.data() + t.file_offset;
    // GGUF alignment may legally be 1 or 2; kernels read f32 / f16 words, so misaligned data is
    // copied once (new[] is aligned for every element type).
    const size_t align = dtype_is_block(t.dtype) ? 2 : dtype_size(t.dtype);
    if (align > 1 && reinterpret_cast<uintptr_t>(p) % align != 0) {
      auto copy = std::make_unique<uint8_t[]>(t.nbytes);
      std::memcpy(copy.get(), p, t.nbytes);
      p = copy.get();
      owned_.push_back(std::move(copy));
    }
    v.data = p;
    const std::string served = v.name;
    if (!by_name_.emplace(served, std::move(v)).second)
      fail(ErrorKind::Format, map_.path() + ":" + t.name, "maps to tensor name " + served + " twice");
    total_ += t.nbytes;
  }
  for (const auto& [n, v] : by_name_) names_.push_back(n);
}

const TensorView* GgufStore::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

const TensorView& GgufStore::get(std::string_view name) const {
  if (const TensorView* v = find(name)) return *v;
  fail(ErrorKind::Model, std::string(name), "tensor not found in " + map_.path());
}

void GgufStore::drop_pages(const TensorView& v) const {
  const auto* p = static_cast<const uint8_t*>(v.data);
  if (p >= map_.data() && p + v.nbytes <= map_.data() + map_.size()) release_pages(p, v.nbytes);
}

}  // namespace janus
