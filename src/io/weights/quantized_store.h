// A TensorStore that serves some tensors of another store block-quantized (Q8_0/Q4_0), converted
// once when it is built; all other tensors are the base store's views, unchanged.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "io/weights/tensor_store.h"

namespace janus {

// The dtype a tensor should get, or nullopt to keep it. Only 2-D tensors whose last dim is a
// multiple of 32 can be chosen (Error(Model) naming the tensor otherwise).
using QuantChoice = std::function<std::optional<DType>(const TensorView&)>;

// Converts the chosen tensors (bf16/f16/f32 sources) on `threads` threads (<= 0: all cores) and
// drops each source's mapped pages afterwards (TensorStore::drop_pages). `progress(done, total)`
// is called after each tensor when set.
std::unique_ptr<TensorStore> quantize_store(std::unique_ptr<TensorStore> base, const QuantChoice& choose,
                                            int threads = 0,
                                            const std::function<void(size_t, size_t)>& progress = {});

// Quantizes one 2-D tensor into `out` (dtype_nbytes(t, numel) bytes), rows split over `threads`.
void quantize_tensor(const TensorView& src, DType t, void* out, int threads);

}  // namespace janus
