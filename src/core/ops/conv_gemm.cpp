// oneDNN matmul with arbitrary strides (see conv_gemm.h). Primitives are cached per shape and
// stride set; scratchpads are user-owned per thread so concurrent tiles share nothing.
#include "core/ops/conv_gemm.h"

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/ops/onednn_context.h"
#include "core/ops/onednn_threads.h"

namespace janus::ops::kern {

namespace {

using dt = dnnl::memory::data_type;
using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;

struct Prim {
  bool ok = false;
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

std::shared_ptr<const Prim> get_prim(int64_t m, int64_t n, int64_t k, const Strided& a, const Strided& b,
                                     int64_t ldy) {
  static std::mutex mu;
  static auto& cache = *new std::map<Key, std::shared_ptr<Prim>>;
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= 256) cache.clear();  // callers hold their own reference
  auto& slot = cache[Key{m, n, k, a.rs, a.cs, b.rs, b.cs, ldy}];
  if (slot) return slot;
  slot = std::make_shared<Prim>();
  try {
    dnnl::memory::desc ad({m, k}, dt::f32, {a.rs, a.cs});
    dnnl::memory::desc bd({k, n}, dt::f32, {b.rs, b.cs});
    dnnl::memory::desc cd({m, n}, dt::f32, {ldy, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    slot->pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), attr, onednn_engine());
    slot->prim = dnnl::matmul(slot->pd);
    slot->ok = true;
  } catch (const dnnl::error&) {
    slot->ok = false;
  }
  return slot;
}

}  // namespace

bool gemm_f32_strided(int64_t m, int64_t n, int64_t k, Strided a, Strided b, float* y, int64_t ldy) {
  const std::shared_ptr<const Prim> held = get_prim(m, n, k, a, b, ldy);
  const Prim& p = *held;
  if (!p.ok) return false;
  thread_local std::vector<uint8_t> scratch;
  dnnl::stream* stream = &onednn_stream();
  const size_t need = p.pd.scratchpad_desc().get_size();
  if (scratch.size() < need) scratch.resize(need);
  auto& e = onednn_engine();
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(p.pd.src_desc(), e, const_cast<float*>(a.p))},
      {DNNL_ARG_WEIGHTS, dnnl::memory(p.pd.weights_desc(), e, const_cast<float*>(b.p))},
      {DNNL_ARG_DST, dnnl::memory(p.pd.dst_desc(), e, y)},
      {DNNL_ARG_SCRATCHPAD, dnnl::memory(p.pd.scratchpad_desc(), e, scratch.data())}};
  OneDnnSingleThread single;
  p.prim.execute(*stream, args);
  stream->wait();
  return true;
}

void gemm_f32_loops(int64_t m, int64_t n, int64_t k, Strided a, Strided b, float* y, int64_t ldy) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int64_t t = 0; t < k; ++t) acc[t & 7] += a.p[i * a.rs + t * a.cs] * b.p[t * b.rs + j * b.cs];
      y[i * ldy + j] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
  }
}

}  // namespace janus::ops::kern
