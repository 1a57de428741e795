// The machine's attainable limits, measured on the engine's own thread pool and kernels: the
// yardsticks a benchmark divides its work by (bytes ÷ read bandwidth for memory-bound decode, FLOPs ÷
// GEMM throughput for compute-bound prefill, encoders and decoders).
#pragma once

#include "core/thread_pool.h"

namespace janus::ops {

struct MachineLimits {
  double mem_read_gbs = 0;      // best pass of a multi-stream read over a buffer far larger than cache
  double gemm_f32_gflops = 0;   // oneDNN f32 matmul on 256-column tiles, one tile per pool thread
  double gemm_bf16_gflops = 0;  // the same with bf16 inputs (0 when oneDNN has no bf16 matmul here)
};

// Spends about `seconds` in total (at least one pass of each measurement); seconds must be in (0, 600].
MachineLimits measure_machine(ThreadPool& pool, double seconds);

}  // namespace janus::ops
