// Helpers for the ops tests: weight tensors in each storage dtype, seeded random data, and a
// loop over the instruction-set levels this CPU has (each kernel family is tested on its own).
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/ops/cpu_features.h"
#include "core/ops/ops.h"
#include "core/tensor_view.h"

namespace janus::test {

// f32 -> IEEE half, truncating the mantissa; values below the normal range become 0. The stored
// bits are the weight (the reference decodes them too), so rounding details do not matter.
inline uint16_t f32_to_f16_trunc(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint16_t sign = uint16_t((u >> 16) & 0x8000);
  int32_t e = int32_t((u >> 23) & 0xff) - 127 + 15;
  if (e <= 0) return sign;
  if (e >= 31) return uint16_t(sign | 0x7bff);  // clamp to the largest finite half
  return uint16_t(sign | (e << 10) | ((u >> 13) & 0x3ff));
}

// A weight tensor owning its bytes.
struct OwnedWeight {
  std::vector<uint8_t> bytes;
  TensorView view;
};

inline OwnedWeight make_weight(DType dt, std::vector<int64_t> shape, const std::vector<float>& vals,
                               std::string name = "w") {
  OwnedWeight w;
  const size_t n = vals.size(), es = dtype_size(dt);
  w.bytes.resize(n * es);
  for (size_t i = 0; i < n; ++i) {
    if (dt == DType::F32) {
      std::memcpy(w.bytes.data() + i * 4, &vals[i], 4);
    } else {
      uint16_t h = dt == DType::BF16 ? f32_to_bf16(vals[i]) : f32_to_f16_trunc(vals[i]);
      std::memcpy(w.bytes.data() + i * 2, &h, 2);
    }
  }
  w.view.name = std::move(name);
  w.view.dtype = dt;
  w.view.shape = std::move(shape);
  w.view.data = w.bytes.data();
  w.view.nbytes = w.bytes.size();
  return w;
}

inline std::vector<float> randn(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

// Integers in [-m, m]: every sum and product below 2^24 is exact in f32, f16 and bf16.
inline std::vector<float> randint(size_t n, uint32_t seed, int m) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(-m, m);
  std::vector<float> v(n);
  for (auto& x : v) x = float(d(g));
  return v;
}

// A kernel family to test: an instruction-set cap, and for the GEMM whether BF16 mode uses
// oneDNN's bf16 matmul (only meaningful from AVX-512 up).
struct Path {
  ops::Isa isa;
  bool gemm_bf16;
};
inline std::vector<Path> kernel_paths() {
  std::vector<Path> v;
  for (int i = 0; i <= int(ops::detected_isa()); ++i) v.push_back({ops::Isa(i), false});
  if (ops::detected_isa() >= ops::Isa::Avx512) v.push_back({ops::detected_isa(), true});
  return v;
}
inline std::string path_name(const Path& p) {
  return std::string(ops::isa_name(p.isa)) + (p.gemm_bf16 ? "+gemm-bf16" : "");
}

// Selects a path for one scope; restores the defaults when the scope ends, also on failure.
struct UsePath {
  explicit UsePath(const Path& p) : prev_gemm_bf16(ops::gemm_bf16_preferred()) {
    ops::set_isa_cap(p.isa);
    ops::set_gemm_bf16_preferred(p.gemm_bf16);
  }
  ~UsePath() {
    ops::set_isa_cap(ops::Isa::Avx512Bf16);
    ops::set_gemm_bf16_preferred(prev_gemm_bf16);
  }
  bool prev_gemm_bf16;
};

inline bool is_bf16_value(float f) {
  return bf16_to_f32(f32_to_bf16(f)) == f;
}

}  // namespace janus::test
