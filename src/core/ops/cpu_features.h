// Run-time CPU feature detection and the instruction-set level the fast kernels may use.
// The level can be capped (env JANUS_OPS_ISA=portable|avx2|avx512|avx512bf16, or set_isa_cap) so
// every kernel family is testable on one machine and the portable path stays exercised.
#pragma once

// The intrinsic kernels exist only on x86-64; elsewhere everything runs the portable path.
#if defined(__x86_64__)
#define JANUS_OPS_X86 1
#else
#define JANUS_OPS_X86 0
#endif

namespace janus::ops {

// Ordered: each level implies the ones below it.
enum class Isa : int {
  Portable = 0,    // plain C++ loops, no oneDNN
  Avx2 = 1,        // AVX2 + FMA + F16C kernels; oneDNN GEMM
  Avx512 = 2,      // AVX-512 F/BW/VL kernels
  Avx512Bf16 = 3,  // + AVX512_BF16 (vdpbf16ps)
};

Isa detected_isa();  // what this CPU supports
Isa active_isa();    // detected, capped by JANUS_OPS_ISA and set_isa_cap
// Caps the level used by later calls (tests and benches); Isa::Avx512Bf16 removes the cap.
void set_isa_cap(Isa cap);
const char* isa_name(Isa isa);

// BF16-mode GEMM on oneDNN's bf16 matmul instead of f32 matmul on upcast weight tiles (the results
// are the same maths: bf16·bf16 products are exact in f32). Default: only with AMX-BF16, because
// without AMX vdpbf16ps retires half as many multiply-adds per cycle as f32 FMA on the Xeons
// measured (82 vs 169 GFLOP/s per core), so upcasting wins.
bool gemm_bf16_preferred();
void set_gemm_bf16_preferred(bool on);  // tests: exercise both paths on any AVX-512 machine

// AVX512_VNNI (vpdpbusd) on this CPU, at the Avx512 level or above.
bool has_avx512_vnni();
// Decode GEMV on Q8_0/Q4_0 weights with int8 dot products (vpdpbusd): x is quantized per 32-block to
// int8 with an f32 scale, as llama.cpp does, which adds that rounding to the weights' own. Default:
// on where AVX512_VNNI exists; off = the weights are widened to f32 and x stays f32 (exactly the
// reference's arithmetic up to summation order). Also off with env JANUS_QUANT_DOT=f32.
bool quant_int8_dot_preferred();
void set_quant_int8_dot_preferred(bool on);

}  // namespace janus::ops
