// Kernel throughput: decode GEMV (GB/s of weights streamed), prefill GEMM (GFLOP/s) and attention,
// all on a 2-thread pool, plus a plain 2-thread memory-read loop as the bandwidth yardstick.
// Args: isa level (0 portable .. 3 avx512bf16), precision (0 F32, 1 BF16).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/ops/cpu_features.h"
#include "core/ops/ops.h"
#include "core/quant.h"

namespace {

using namespace janus;

ThreadPool& pool() {
  static ThreadPool p(2);
  return p;
}

// Deterministic bf16 weights with values around ±0.05 (cheap to fill hundreds of MB).
struct Weights {
  std::vector<uint16_t> data;
  TensorView view;
  Weights(int64_t out, int64_t in) : data(size_t(out * in)) {
    uint32_t s = 12345;
    for (auto& v : data) {
      s = s * 1664525u + 1013904223u;
      v = f32_to_bf16((float(s >> 8) / float(1 << 24) - 0.5f) * 0.1f);
    }
    view.name = "bench.weight";
    view.dtype = DType::BF16;
    view.shape = {out, in};
    view.data = data.data();
    view.nbytes = data.size() * 2;
  }
};

std::vector<float> activations(size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = float(int(i * 2654435761u % 2001) - 1000) / 1000.0f;
  return x;
}

ops::Context ctx(const benchmark::State& st) {
  return ops::Context{&pool(), st.range(1) ? ops::Precision::BF16 : ops::Precision::F32, false};
}

// Sum of a buffer on 2 threads, each reading 4 interleaved sequential streams (as many as the GEMV
// reads): the attainable read bandwidth the GEMV is compared with.
void BM_MemRead2T(benchmark::State& st) {
  const size_t n = size_t(512) << 20 >> 3;  // 512 MiB of uint64
  static std::vector<uint64_t> buf(n, 1);
  uint64_t sink = 0;
  for (auto _ : st) {
    uint64_t part[2] = {0, 0};
    pool().parallel_for(int64_t(n), [&](int64_t b, int64_t e, int t) {
      const int64_t q = (e - b) / 4 / 8 * 8;  // 4 streams of q words
      const uint64_t* s[4] = {&buf[size_t(b)], &buf[size_t(b + q)], &buf[size_t(b + 2 * q)],
                              &buf[size_t(b + 3 * q)]};
      uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int64_t i = 0; i < q; i += 8)
        for (int k = 0; k < 4; ++k)
          for (int j = 0; j < 8; ++j) a[j] += s[k][i + j];
      part[t] = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    });
    sink += part[0] + part[1];
  }
  benchmark::DoNotOptimize(sink);
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(n / 32 * 32 * 8));
}
BENCHMARK(BM_MemRead2T)->Unit(benchmark::kMillisecond)->UseRealTime();

// One pool round trip with an empty body: the fixed cost each decode op pays (hand-off + join).
void BM_PoolRoundTrip(benchmark::State& st) {
  int64_t sink = 0;
  for (auto _ : st) {
    if (st.range(0))
      pool().parallel_dynamic(
          64, [&](int64_t b, int64_t, int) { benchmark::DoNotOptimize(sink += b); }, 32);
    else
      pool().parallel_for(64, [&](int64_t b, int64_t, int) { benchmark::DoNotOptimize(sink += b); });
  }
}
BENCHMARK(BM_PoolRoundTrip)
    ->ArgNames({"dynamic"})
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Block-quantized weights: args isa, type (0 bf16, 1 Q8_0, 2 Q4_0), rows, N, K; BF16 mode; bytes =
// the weight bytes streamed (34 or 18 per 32 weights).
void BM_GemvQuant(benchmark::State& st) {
  ops::set_isa_cap(ops::Isa(st.range(0)));
  const int64_t rows = st.range(2), N = st.range(3), K = st.range(4);
  const DType t = st.range(1) == 1 ? DType::Q8_0 : st.range(1) == 2 ? DType::Q4_0 : DType::BF16;
  static Weights src(5632, 2048);  // the first N rows serve smaller N
  static std::vector<std::pair<DType, std::vector<uint8_t>>> q;
  TensorView v = src.view;
  v.shape = {N, K};  // the first N rows
  v.nbytes = size_t(N * K * 2);
  if (t != DType::BF16) {
    std::vector<uint8_t>* bytes = nullptr;
    for (auto& [qt, b] : q)
      if (qt == t) bytes = &b;
    if (!bytes) {
      std::vector<float> f(src.data.size());
      for (size_t i = 0; i < f.size(); ++i) f[i] = bf16_to_f32(src.data[i]);
      size_t n = 0;
      dtype_nbytes(t, int64_t(f.size()), &n);
      q.push_back({t, std::vector<uint8_t>(n)});
      quant::quantize(t, f.data(), int64_t(f.size()), q.back().second.data());
      bytes = &q.back().second;
    }
    v.dtype = t;
    v.data = bytes->data();
    dtype_nbytes(t, N * K, &v.nbytes);
  }
  ops::Linear l = ops::make_linear(v, nullptr);
  auto x = activations(size_t(rows * K));
  std::vector<float> y(size_t(rows * N));
  const ops::Context c{&pool(), ops::Precision::BF16, false};
  for (auto _ : st) ops::linear(c, l, x.data(), rows, y.data());
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(v.nbytes));
  st.SetLabel(std::string(ops::isa_name(ops::active_isa())) + " " + std::string(dtype_name(t)));
  ops::set_isa_cap(ops::Isa::Avx512Bf16);
}
BENCHMARK(BM_GemvQuant)
    ->ArgNames({"isa", "type", "rows", "N", "K"})
    ->ArgsProduct({{3}, {0, 1, 2}, {1, 2, 8}, {5632}, {2048}})
    ->ArgsProduct({{3}, {0, 1, 2}, {1, 2, 8}, {256}, {2048}})  // L2-resident: kernel compute rate
    ->Args({1, 1, 2, 5632, 2048})
    ->Args({1, 2, 2, 5632, 2048})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Args: isa, bf16 mode, rows, N, K.
void BM_Gemv(benchmark::State& st) {
  ops::set_isa_cap(ops::Isa(st.range(0)));
  const int64_t rows = st.range(2), N = st.range(3), K = st.range(4);
  static std::vector<std::unique_ptr<Weights>> keep;
  Weights* w = nullptr;
  for (auto& k : keep)
    if (k->view.shape == std::vector<int64_t>{N, K}) w = k.get();
  if (!w) {
    keep.push_back(std::make_unique<Weights>(N, K));
    w = keep.back().get();
  }
  ops::Linear l = ops::make_linear(w->view, nullptr);
  auto x = activations(size_t(rows * K));
  std::vector<float> y(size_t(rows * N));
  for (auto _ : st) ops::linear(ctx(st), l, x.data(), rows, y.data());
  st.SetBytesProcessed(int64_t(st.iterations()) * N * K * 2);
  st.SetLabel(ops::isa_name(ops::active_isa()));
  ops::set_isa_cap(ops::Isa::Avx512Bf16);
}
BENCHMARK(BM_Gemv)
    ->ArgNames({"isa", "bf16", "rows", "N", "K"})
    ->Args({3, 1, 1, 5632, 2048})
    ->Args({2, 1, 1, 5632, 2048})
    ->Args({3, 0, 1, 5632, 2048})
    ->Args({1, 0, 1, 5632, 2048})
    ->Args({0, 0, 1, 5632, 2048})
    ->Args({3, 1, 2, 5632, 2048})
    ->Args({2, 1, 2, 5632, 2048})
    ->Args({3, 0, 2, 5632, 2048})
    ->Args({3, 1, 4, 5632, 2048})
    ->Args({2, 1, 4, 5632, 2048})
    ->Args({3, 1, 7, 5632, 2048})
    ->Args({3, 1, 8, 5632, 2048})
    ->Args({3, 1, 16, 5632, 2048})
    ->Args({3, 1, 31, 5632, 2048})
    ->Args({3, 1, 32, 5632, 2048})
    ->Args({3, 1, 4, 102400, 2048})
    ->Args({2, 1, 4, 102400, 2048})
    ->Args({2, 1, 1, 102400, 2048})
    ->Args({3, 1, 1, 102400, 2048})
    ->Args({3, 0, 1, 102400, 2048})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: isa, bf16 mode, M, N, K.
void BM_Gemm(benchmark::State& st) {
  ops::set_isa_cap(ops::Isa(st.range(0)));
  const int64_t M = st.range(2), N = st.range(3), K = st.range(4);
  Weights w(N, K);
  ops::Linear l = ops::make_linear(w.view, nullptr);
  auto x = activations(size_t(M * K));
  std::vector<float> y(size_t(M * N));
  for (auto _ : st) ops::linear(ctx(st), l, x.data(), M, y.data());
  st.counters["GFLOP/s"] = benchmark::Counter(double(st.iterations()) * 2.0 * double(M * N * K) * 1e-9,
                                              benchmark::Counter::kIsRate);
  st.SetLabel(ops::isa_name(ops::active_isa()));
  ops::set_isa_cap(ops::Isa::Avx512Bf16);
}
BENCHMARK(BM_Gemm)
    ->ArgNames({"isa", "bf16", "M", "N", "K"})
    ->Args({3, 1, 600, 5632, 2048})
    ->Args({3, 0, 600, 5632, 2048})
    ->Args({3, 1, 576, 4096, 1024})
    ->Args({3, 0, 576, 4096, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: isa, bf16 mode, T, S, heads, head_dim, causal, fused.
void BM_Attention(benchmark::State& st) {
  ops::set_isa_cap(ops::Isa(st.range(0)));
  const int64_t T = st.range(2), S = st.range(3), nh = st.range(4), hd = st.range(5);
  const bool causal = st.range(6), fused = st.range(7);
  auto q = activations(size_t(T * nh * hd)), k = activations(size_t(S * nh * hd));
  auto v = k;
  std::vector<float> out(q.size());
  for (auto _ : st)
    ops::attention(ctx(st), fused ? ops::AttentionKind::Fused : ops::AttentionKind::Eager, q.data(), T,
                   k.data(), v.data(), S, nh, nh, hd, 0.088f, causal, out.data());
  // Multiply-adds of QKᵀ and PV (causal: about half).
  double flops = 4.0 * double(T) * double(S) * double(nh * hd) * (causal && T > 1 ? 0.5 : 1.0);
  st.counters["GFLOP/s"] =
      benchmark::Counter(double(st.iterations()) * flops * 1e-9, benchmark::Counter::kIsRate);
  st.SetLabel(ops::isa_name(ops::active_isa()));
  ops::set_isa_cap(ops::Isa::Avx512Bf16);
}
BENCHMARK(BM_Attention)
    ->ArgNames({"isa", "bf16", "T", "S", "nh", "hd", "causal", "fused"})
    ->Args({3, 1, 1, 700, 16, 128, 1, 0})
    ->Args({3, 1, 600, 600, 16, 128, 1, 0})
    ->Args({0, 1, 600, 600, 16, 128, 1, 0})
    ->Args({3, 1, 576, 576, 16, 64, 0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
