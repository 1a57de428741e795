// Bandwidth: each thread sums its share of a 256 MiB buffer as 4 interleaved sequential streams (as
// many as a GEMV reads), with the widest vector loads the CPU has. GEMM: the tile shape linear_gemm
// feeds oneDNN in prefill (M = 512 rows, K = 2048, 256 output columns per call), each pool thread
// running its own tiles. Every figure is the best of repeated passes after one warm-up pass.
#include "core/ops/machine_limits.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/ops/cpu_features.h"
#include "core/ops/gemm_onednn.h"

#if JANUS_OPS_X86
#include <immintrin.h>
#define JANUS_T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2")))
#define JANUS_T256 __attribute__((target("avx2")))
#endif

namespace janus::ops {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Sum of q words from each of 4 streams (q a multiple of 8).
uint64_t read_portable(const uint64_t* const* s, int64_t q) {
  uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < q; i += 8)
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 8; ++j) a[j] += s[k][i + j];
  return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
}

#if JANUS_OPS_X86
JANUS_T512 uint64_t read_avx512(const uint64_t* const* s, int64_t q) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t i = 0; i < q; i += 8) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(s[0] + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(s[1] + i));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(s[2] + i));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(s[3] + i));
  }
  return uint64_t(
      _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3))));
}

JANUS_T256 uint64_t read_avx2(const uint64_t* const* s, int64_t q) {
  __m256i a[8];
  for (auto& v : a) v = _mm256_setzero_si256();
  for (int64_t i = 0; i < q; i += 8)
    for (int k = 0; k < 4; ++k) {
      a[2 * k] = _mm256_add_epi64(a[2 * k], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s[k] + i)));
      a[2 * k + 1] =
          _mm256_add_epi64(a[2 * k + 1], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s[k] + i + 4)));
    }
  alignas(32) uint64_t out[4];
  __m256i t = a[0];
  for (int k = 1; k < 8; ++k) t = _mm256_add_epi64(t, a[k]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), t);
  return out[0] + out[1] + out[2] + out[3];
}
#endif

uint64_t read_streams(const uint64_t* const* s, int64_t q) {
#if JANUS_OPS_X86
  if (active_isa() >= Isa::Avx512) return read_avx512(s, q);
  if (active_isa() >= Isa::Avx2) return read_avx2(s, q);
#endif
  return read_portable(s, q);
}

// Repeats pass() (which returns the work it did: bytes or FLOPs) for `budget` seconds after one
// warm-up pass; returns the best rate in work per second.
template <class F>
double best_rate(double budget, F pass) {
  pass();  // warm-up: page faults, oneDNN primitive creation
  double best = 0;
  const auto t_all = Clock::now();
  do {
    const auto t0 = Clock::now();
    const double work = pass();
    const double s = seconds_since(t0);
    if (s > 0) best = std::max(best, work / s);
  } while (seconds_since(t_all) < budget);
  return best;
}

double measure_read(ThreadPool& pool, double budget) {
  const int64_t n = int64_t(256) << 20 >> 3;  // 256 MiB of uint64: far beyond any cache
  std::vector<uint64_t> buf(size_t(n), 1);
  std::vector<uint64_t> part(size_t(pool.size()), 0);
  const int64_t words_per_pass = n / 32 * 32;
  const double rate = best_rate(budget, [&] {
    pool.parallel_for(n / 32, [&](int64_t b, int64_t e, int t) {
      const int64_t w0 = b * 32, q = (e - b) * 8;  // 4 streams of q words each
      const uint64_t* s[4] = {&buf[size_t(w0)], &buf[size_t(w0 + q)], &buf[size_t(w0 + 2 * q)],
                              &buf[size_t(w0 + 3 * q)]};
      part[size_t(t)] += read_streams(s, q);
    });
    return double(words_per_pass) * 8.0;
  });
  uint64_t sum = 0;
  for (uint64_t p : part) sum += p;
  if (sum == 0) fail(ErrorKind::Internal, "measure_machine", "memory read loop summed nothing");
  return rate / 1e9;
}

// GFLOP/s of `tiles` oneDNN calls (M x K times K x 256) spread over the pool; 0 if oneDNN refuses.
double measure_gemm(ThreadPool& pool, double budget, bool bf16) {
  const int64_t M = 512, K = 2048, nt = 256, tiles = 4 * int64_t(pool.size());
  std::vector<float> x(size_t(M * K)), w(size_t(tiles * nt * K)), y(size_t(tiles * M * nt));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 2654435761u % 2001) - 1000) * 1e-3f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(int(i * 40503u % 1001) - 500) * 1e-4f;
  std::vector<uint16_t> xb, wb;
  if (bf16) {
    xb.resize(x.size());
    wb.resize(w.size());
    for (size_t i = 0; i < x.size(); ++i) xb[i] = f32_to_bf16(x[i]);
    for (size_t i = 0; i < w.size(); ++i) wb[i] = f32_to_bf16(w[i]);
  }
  std::atomic<bool> ok{true};
  auto pass = [&] {
    pool.parallel_for(tiles, [&](int64_t t0, int64_t t1, int) {
      for (int64_t t = t0; t < t1; ++t) {
        float* yt = y.data() + t * M * nt;
        const bool done =
            bf16 ? kern::gemm_bf16_onednn(xb.data(), M, K, wb.data() + t * nt * K, nt, nullptr, yt, nt)
                 : kern::gemm_f32_onednn(x.data(), M, K, w.data() + t * nt * K, nt, nullptr, yt, nt);
        if (!done) ok = false;
      }
    });
    return 2.0 * double(M) * double(K) * double(nt) * double(tiles);
  };
  const double rate = best_rate(budget, pass);
  return ok ? rate / 1e9 : 0.0;
}

}  // namespace

MachineLimits measure_machine(ThreadPool& pool, double seconds) {
  if (!(seconds > 0 && seconds <= 600))
    fail(ErrorKind::InvalidArgument, "machine_seconds",
         "must be in (0, 600], got " + std::to_string(seconds));
  MachineLimits m;
  m.mem_read_gbs = measure_read(pool, 0.4 * seconds);
  m.gemm_f32_gflops = measure_gemm(pool, 0.3 * seconds, false);
  m.gemm_bf16_gflops = measure_gemm(pool, 0.3 * seconds, true);
  return m;
}

}  // namespace janus::ops
