#include "core/ops/cpu_features.h"

#if JANUS_OPS_X86
#include <cpuid.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace janus::ops {

namespace {

Isa detect() {
#if !JANUS_OPS_X86
  return Isa::Portable;
#else
  __builtin_cpu_init();
  bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  if (!avx2) return Isa::Portable;
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
  if (!avx512) return Isa::Avx2;
  return __builtin_cpu_supports("avx512bf16") ? Isa::Avx512Bf16 : Isa::Avx512;
#endif
}

// Cap from the environment, read once; an unknown value is ignored (no cap).
Isa env_cap() {
  const char* v = std::getenv("JANUS_OPS_ISA");
  if (!v) return Isa::Avx512Bf16;
  if (!std::strcmp(v, "portable")) return Isa::Portable;
  if (!std::strcmp(v, "avx2")) return Isa::Avx2;
  if (!std::strcmp(v, "avx512")) return Isa::Avx512;
  return Isa::Avx512Bf16;
}

std::atomic<int> g_cap{int(Isa::Avx512Bf16)};

bool has_amx_bf16() {
#if JANUS_OPS_X86
  // CPUID.(EAX=7,ECX=0):EDX bit 22 = AMX-BF16 (the OS must also grant the tile state; oneDNN asks).
  unsigned a, b, c, d;
  return detected_isa() >= Isa::Avx512 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((d >> 22) & 1);
#else
  return false;
#endif
}
std::atomic<int> g_gemm_bf16{-1};  // -1: not decided yet

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  static const Isa env = env_cap();
  int level = int(detected_isa());
  if (int(env) < level) level = int(env);
  int cap = g_cap.load(std::memory_order_relaxed);
  return Isa(cap < level ? cap : level);
}

void set_isa_cap(Isa cap) {
  g_cap.store(int(cap), std::memory_order_relaxed);
}

bool gemm_bf16_preferred() {
  int v = g_gemm_bf16.load(std::memory_order_relaxed);
  if (v < 0) {
    v = has_amx_bf16() ? 1 : 0;
    g_gemm_bf16.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void set_gemm_bf16_preferred(bool on) {
  g_gemm_bf16.store(on ? 1 : 0, std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Portable:
      return "portable";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
    case Isa::Avx512Bf16:
      return "avx512bf16";
  }
  return "?";
}

namespace {
std::atomic<int> g_int8_dot{-1};  // -1: not decided yet
}  // namespace

bool has_avx512_vnni() {
#if JANUS_OPS_X86
  static const bool v = detected_isa() >= Isa::Avx512 && __builtin_cpu_supports("avx512vnni");
  return v;
#else
  return false;
#endif
}

bool quant_int8_dot_preferred() {
  int v = g_int8_dot.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* e = std::getenv("JANUS_QUANT_DOT");
    v = has_avx512_vnni() && !(e && !std::strcmp(e, "f32")) ? 1 : 0;
    g_int8_dot.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void set_quant_int8_dot_preferred(bool on) {
  g_int8_dot.store(on ? 1 : 0, std::memory_order_relaxed);
}

}  // namespace janus::ops
