// Process-wide count of the floating-point operations the matrix ops execute (linear, matmul,
// attention, convolutions; 2 per multiply-add), so a benchmark can set a compute-bound phase beside
// FLOPs ÷ peak without re-deriving each model's architecture. Counted once per op call on the
// calling thread (a relaxed atomic add), whatever kernel runs; element-wise ops are not counted.
#pragma once

#include <cstdint>

namespace janus::ops {

void add_flops(uint64_t n);
uint64_t flops_counted();

}  // namespace janus::ops
