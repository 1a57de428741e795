// Named intermediate tensors (names follow the PyTorch module paths) for --dump-dir and tests.
#pragma once

#include <functional>
#include <string>

#include "core/tensor.h"

namespace janus {

// Called with a tensor the model just computed; an empty function means "no dumping".
using DumpFn = std::function<void(const std::string& name, const Tensor& t)>;

}  // namespace janus
