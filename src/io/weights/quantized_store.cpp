#include "io/weights/quantized_store.h"

#include <map>
#include <vector>

#include "core/error.h"
#include "core/quant.h"
#include "core/thread_pool.h"

namespace janus {

namespace {

class QuantizedStore final : public TensorStore {
 public:
  explicit QuantizedStore(std::unique_ptr<TensorStore> base) : base_(std::move(base)) {}

  void add(TensorView v, std::unique_ptr<uint8_t[]> bytes) {
    total_delta_ += int64_t(v.nbytes) - int64_t(base_->get(v.name).nbytes);
    owned_.push_back(std::move(bytes));
    std::string name = v.name;
    by_name_.emplace(std::move(name), std::move(v));
  }

  const TensorView* find(std::string_view name) const override {
    auto it = by_name_.find(name);
    return it != by_name_.end() ? &it->second : base_->find(name);
  }
  const TensorView& get(std::string_view name) const override {
    auto it = by_name_.find(name);
    return it != by_name_.end() ? it->second : base_->get(name);
  }
  const std::vector<std::string>& names() const override { return base_->names(); }
  const std::vector<std::string>& files() const override { return base_->files(); }
  size_t total_bytes() const override { return size_t(int64_t(base_->total_bytes()) + total_delta_); }
  void drop_pages(const TensorView& v) const override { base_->drop_pages(v); }

 private:
  std::unique_ptr<TensorStore> base_;
  std::map<std::string, TensorView, std::less<>> by_name_;
  std::vector<std::unique_ptr<uint8_t[]>> owned_;
  int64_t total_delta_ = 0;
};

void quantize_rows(const TensorView& src, DType t, void* out, ThreadPool& pool) {
  if (!dtype_is_block(t)) fail(ErrorKind::InvalidArgument, src.name, "not a block-quantized dtype");
  if (src.shape.size() != 2 || src.shape[1] % quant::kBlock != 0)
    fail(ErrorKind::Model, src.name,
         "only 2-D tensors with rows of a multiple of 32 can be quantized, shape " + shape_str(src.shape));
  if (src.dtype != DType::BF16 && src.dtype != DType::F16 && src.dtype != DType::F32)
    fail(ErrorKind::Model, src.name, "cannot quantize dtype " + std::string(dtype_name(src.dtype)));
  const int64_t rows = src.shape[0], k = src.shape[1];
  size_t row_bytes = 0;
  dtype_nbytes(t, k, &row_bytes);
  pool.parallel_for(
      rows,
      [&](int64_t r0, int64_t r1, int) {
        std::vector<float> row(static_cast<size_t>(k));
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t base = r * k;
          switch (src.dtype) {
            case DType::BF16:
              for (int64_t i = 0; i < k; ++i)
                row[size_t(i)] = bf16_to_f32(static_cast<const uint16_t*>(src.data)[base + i]);
              break;
            case DType::F16:
              for (int64_t i = 0; i < k; ++i)
                row[size_t(i)] = f16_to_f32(static_cast<const uint16_t*>(src.data)[base + i]);
              break;
            default:
              for (int64_t i = 0; i < k; ++i) row[size_t(i)] = static_cast<const float*>(src.data)[base + i];
          }
          quant::quantize(t, row.data(), k, static_cast<uint8_t*>(out) + size_t(r) * row_bytes);
        }
      },
      16);
}

}  // namespace

void quantize_tensor(const TensorView& src, DType t, void* out, int threads) {
  ThreadPool pool(threads);
  quantize_rows(src, t, out, pool);
}

std::unique_ptr<TensorStore> quantize_store(std::unique_ptr<TensorStore> base, const QuantChoice& choose,
                                            int threads,
                                            const std::function<void(size_t, size_t)>& progress) {
  std::vector<std::pair<const TensorView*, DType>> todo;
  for (const std::string& n : base->names()) {
    const TensorView& v = base->get(n);
    if (std::optional<DType> t = choose(v); t && *t != v.dtype) todo.push_back({&v, *t});
  }
  auto store = std::make_unique<QuantizedStore>(std::move(base));
  ThreadPool pool(threads);
  size_t done = 0;
  for (auto [src, t] : todo) {
    size_t nbytes = 0;
    if (!dtype_nbytes(t, src->numel(), &nbytes))
      fail(ErrorKind::Model, src->name,
           "cannot quantize shape " + shape_str(src->shape) + " to blocks of 32");
    auto bytes = std::make_unique<uint8_t[]>(nbytes);
    quantize_rows(*src, t, bytes.get(), pool);
    TensorView q = *src;
    q.dtype = t;
    q.data = bytes.get();
    q.nbytes = nbytes;
    store->add(std::move(q), std::move(bytes));
    store->drop_pages(*src);  // the source is never read again
    if (progress) progress(++done, todo.size());
  }
  return store;
}

}  // namespace janus
