// oneDNN matmul tiles (see gemm_onednn.h). Primitives are cached per shape; scratchpads are
// user-owned per thread so concurrent tiles never share oneDNN's internal buffers.
#include "core/ops/gemm_onednn.h"

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
using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, bool>;  // type, M, K, nt, ldy, bias

struct Prim {
  bool ok = false;
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

// Shapes vary with the prompt length; the cache is bounded (cleared when full; users hold refs).
std::shared_ptr<const Prim> get_prim(dt type, int64_t M, int64_t K, int64_t nt, int64_t ldy, bool bias) {
  static std::mutex mu;
  static auto& cache = *new std::map<Key, std::shared_ptr<Prim>>;  // never destroyed (see engine)
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= 512) cache.clear();
  auto& slot = cache[Key{int(type), M, K, nt, ldy, bias}];
  if (slot) return slot;
  slot = std::make_shared<Prim>();
  try {
    dnnl::memory::desc a({M, K}, type, {K, 1});
    dnnl::memory::desc b({K, nt}, type, {1, K});  // W rows as columns: B[k, n] = W[n0 + n, k]
    dnnl::memory::desc c({M, nt}, dt::f32, {ldy, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (bias) {
      dnnl::memory::desc bd({1, nt}, dt::f32, {nt, 1});
      slot->pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, bd, c), attr, onednn_engine());
    } else {
      slot->pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), attr, onednn_engine());
    }
    slot->prim = dnnl::matmul(slot->pd);
    slot->ok = true;
  } catch (const dnnl::error&) {
    slot->ok = false;  // e.g. no bf16 matmul for this ISA: the caller falls back
  }
  return slot;
}

// Runs with this thread's OpenMP team limited to 1 (restored afterwards).
bool run(dt type, const void* x, int64_t M, int64_t K, const void* wt, int64_t nt, const float* bias,
         float* y, int64_t ldy) {
  const std::shared_ptr<const Prim> held = get_prim(type, M, K, nt, ldy, bias != nullptr);
  const Prim& p = *held;
  if (!p.ok) return false;
  thread_local std::vector<uint8_t> scratch;
  dnnl::stream* stream = &onednn_stream();
  const size_t need = p.pd.scratchpad_desc().get_size();
  if (scratch.size() < need) scratch.resize(need);
  auto& e = onednn_engine();
  dnnl::memory am(p.pd.src_desc(), e, const_cast<void*>(x));
  dnnl::memory bm(p.pd.weights_desc(), e, const_cast<void*>(wt));
  dnnl::memory cm(p.pd.dst_desc(), e, y);
  dnnl::memory sm(p.pd.scratchpad_desc(), e, scratch.data());
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(p.pd.bias_desc(), e, const_cast<float*>(bias)));
  OneDnnSingleThread single;
  p.prim.execute(*stream, args);
  stream->wait();
  return true;
}

}  // namespace

bool gemm_bf16_onednn(const uint16_t* xb, int64_t M, int64_t K, const uint16_t* wt, int64_t nt,
                      const float* bias, float* y, int64_t ldy) {
  return run(dt::bf16, xb, M, K, wt, nt, bias, y, ldy);
}

bool gemm_f32_onednn(const float* x, int64_t M, int64_t K, const float* wt, int64_t nt, const float* bias,
                     float* y, int64_t ldy) {
  return run(dt::f32, x, M, K, wt, nt, bias, y, ldy);
}

}  // namespace janus::ops::kern
