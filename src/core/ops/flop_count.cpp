#include "core/ops/flop_count.h"

#include <atomic>

namespace janus::ops {

namespace {
std::atomic<uint64_t> g_flops{0};
}

void add_flops(uint64_t n) {
  g_flops.fetch_add(n, std::memory_order_relaxed);
}

uint64_t flops_counted() {
  return g_flops.load(std::memory_order_relaxed);
}

}  // namespace janus::ops
