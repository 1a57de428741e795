// Fast kernels behind ops::linear and ops::attention, chosen per call by active_isa():
//   linear, rows < kGemmMinRows (decode): GEMV kernels streaming W once per 4 rows, threaded over
//     output rows (AVX512_BF16 vdpbf16ps in BF16 mode; AVX-512 / AVX2 FMA on upcast weights else);
//   linear, more rows (prefill/encode): oneDNN matmul on fixed 256-column tiles spread over the
//     pool: f32 matmul on weight tiles upcast per call (exact for bf16/f16; in BF16 mode x is
//     bf16-valued, so the products equal bf16 ones), or with AMX the bf16 matmul straight from the
//     stored W (see gemm_bf16_preferred);
//   attention: AVX-512 blocked kernel threaded over (head, 4-query block);
//   Isa::Portable (or a CPU without AVX2): the plain threaded loops below.
// Every output element's arithmetic is fixed by the shape alone, so results do not depend on the
// thread count.
#include "core/ops/ops_fast.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/ops/attention_kernels.h"
#include "core/ops/conv_gemm.h"
#include "core/ops/cpu_features.h"
#include "core/ops/gemm_onednn.h"
#include "core/ops/gemv_kernels.h"
#include "core/quant.h"

namespace janus::ops::fast {

namespace {

// Below: GEMV kernels (≤ 8 passes over W of 4 rows each); at or above: oneDNN tiles, whose
// per-tile weight upcast and packing only pay off with enough rows (measured crossover ~32).
constexpr int64_t kGemmMinRows = 32;
constexpr int64_t kGemmTile = 256;  // output columns per oneDNN call

inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

template <class F>
void parallel(const Context& c, int64_t n, int64_t min_chunk, F f) {
  if (c.pool)
    c.pool->parallel_for(n, f, min_chunk);
  else
    f(0, n, 0);
}

// dst = src rounded to bf16 (may alias).
void round_rows(const float* src, float* dst, int64_t n) {
#if JANUS_OPS_X86
  if (active_isa() >= Isa::Avx512) return kern::round_bf16_avx512(src, dst, n);
#endif
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(f32_to_bf16(src[i]));
}

// ---- portable paths -------------------------------------------------------------------------

// Dot product of an f32 row with one weight row, converting the weight per element.
template <class W>
float dot_row(const float* x, const W* w, int64_t n, float (*cvt)(W)) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[k + j] * cvt(w[k + j]);
  float s = 0;
  for (; k < n; ++k) s += x[k] * cvt(w[k]);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
float cvt_bf16(uint16_t v) {
  return bf16_to_f32(v);
}
float cvt_f16(uint16_t v) {
  return f16_to_f32(v);
}
float cvt_f32(float v) {
  return v;
}

// x already rounded in BF16 mode; bias as f32 or null.
void linear_portable(const Context& c, const Linear& l, const float* x, int64_t rows, const float* bias,
                     float* y) {
  parallel(c, l.out, 16, [&](int64_t o0, int64_t o1, int) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t r = 0; r < rows; ++r) {
        const float* xv = x + r * l.in;
        float acc;
        switch (l.weight->dtype) {
          case DType::BF16:
            acc = dot_row(xv, static_cast<const uint16_t*>(l.weight->data) + o * l.in, l.in, cvt_bf16);
            break;
          case DType::F16:
            acc = dot_row(xv, static_cast<const uint16_t*>(l.weight->data) + o * l.in, l.in, cvt_f16);
            break;
          case DType::Q8_0:
          case DType::Q4_0: {  // dequantize the row once for all rows of x
            thread_local std::vector<float> wrow;
            if (r == 0) {
              wrow.resize(size_t(l.in));
              quant::dequantize(l.weight->dtype, l.weight->data, o * l.in, l.in, wrow.data());
            }
            acc = dot_row(xv, wrow.data(), l.in, cvt_f32);
            break;
          }
          default:
            acc = dot_row(xv, static_cast<const float*>(l.weight->data) + o * l.in, l.in, cvt_f32);
            break;
        }
        if (bias) acc += bias[o];
        y[r * l.out + o] = rb(c, acc);
      }
    }
  });
}

void attention_portable(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
                        const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                        bool causal, float* out) {
  // Heads are independent: split them over threads, each running the reference math in f32.
  parallel(c, nh, 1, [&](int64_t h0, int64_t h1, int) {
    const int64_t group = nh / nkv;
    std::vector<float> s(static_cast<size_t>(S));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t visible = causal ? S - T + t + 1 : S;
      for (int64_t h = h0; h < h1; ++h) {
        const float* qv = q + (t * nh + h) * hd;
        const int64_t kh = h / group;
        float mx = -INFINITY;
        for (int64_t j = 0; j < visible; ++j) {
          const float* kv = k + (j * nkv + kh) * hd;
          float dot = 0;
          for (int64_t d = 0; d < hd; ++d) dot += qv[d] * kv[d];
          s[size_t(j)] = kind == AttentionKind::Eager ? rb(c, rb(c, dot) * scale) : dot * scale;
          mx = std::max(mx, s[size_t(j)]);
        }
        float sum = 0;
        for (int64_t j = 0; j < visible; ++j) sum += s[size_t(j)] = std::exp(s[size_t(j)] - mx);
        float* o = out + (t * nh + h) * hd;
        for (int64_t d = 0; d < hd; ++d) o[d] = 0;
        for (int64_t j = 0; j < visible; ++j) {
          float p = kind == AttentionKind::Eager ? rb(c, s[size_t(j)] / sum) : rb(c, s[size_t(j)]);
          const float* vv = v + (j * nkv + kh) * hd;
          for (int64_t d = 0; d < hd; ++d) o[d] += p * vv[d];
        }
        for (int64_t d = 0; d < hd; ++d) o[d] = rb(c, kind == AttentionKind::Eager ? o[d] : o[d] / sum);
      }
    }
  });
}

#if JANUS_OPS_X86
// ---- vectorised linear ----------------------------------------------------------------------

using GemvFn = void (*)(const kern::GemvArgs&, int64_t, int64_t);

// Output rows claimed at a time by a pool thread in the GEMV: small enough that a preempted or
// late thread's share is picked up by the others (this runs on shared machines), big enough that
// the claim is free; a multiple of the kernels' 4-row tiles.
int64_t gemv_grain(const Context& c, int64_t total) {
  const int64_t threads = c.pool ? c.pool->size() : 1;
  return std::clamp<int64_t>(total / (threads * 8), 16, 256) / 4 * 4;
}

// y_i = x·W_iᵀ (+ b_i) for n linears sharing x and K, as one parallel job over all their output
// rows (each output's arithmetic is the single-linear one, so the split cannot change results).
// biases[i]: f32 or null.
void linear_gemv(const Context& c, Isa isa, const Linear* const* ls, int n, const float* x, int64_t rows,
                 const float* const* biases, float* const* ys) {
  const bool avx512 = isa >= Isa::Avx512;
  const int64_t K = ls[0]->in, kpad = (K + 31) / 32 * 32;
  // BF16 mode with bf16 weights: both operands are bf16, so vdpbf16ps products are exact. It
  // streams as fast as FMA for 1-2 rows; with more rows its lower throughput shows (measured).
  auto use_dp = [&](const Linear& l) {
    return l.weight->dtype == DType::BF16 && c.bf16() && isa >= Isa::Avx512Bf16 &&
           rows <= kern::kGemvRowsDpbf16;
  };
  bool any_dp = false, all_dp = true;
  for (int i = 0; i < n; ++i) {
    any_dp = any_dp || use_dp(*ls[i]);
    all_dp = all_dp && use_dp(*ls[i]);
  }
  // Block weights with int8 dot products: x quantized once per call, in each kernel's byte order.
  const bool int8_dot = avx512 && K % 64 == 0 && quant_int8_dot_preferred();
  // Scratch reused across calls on this thread (decode runs this per layer: no allocation once warm).
  struct Int8X {
    std::vector<int8_t> q;
    std::vector<float> s;
    std::vector<int32_t> c;
  };
  thread_local Int8X tl_x8[2];
  Int8X* x8 = tl_x8;  // [0]: Q8_0 order, [1]: Q4_0 order
  bool ready[2] = {false, false};
  for (int i = 0; i < n && int8_dot; ++i) {
    const DType wt = ls[i]->weight->dtype;
    if (!dtype_is_block(wt)) continue;
    Int8X& b = x8[wt == DType::Q4_0 ? 1 : 0];
    if (ready[wt == DType::Q4_0 ? 1 : 0]) continue;
    ready[wt == DType::Q4_0 ? 1 : 0] = true;
    b.q.resize(size_t(rows * K));
    b.s.resize(size_t(rows * K / 4));
    b.c.resize(size_t(rows * K / 4));
    kern::prepare_int8_x(x, rows, K, wt == DType::Q4_0, b.q.data(), b.s.data(), b.c.data());
  }
  const int64_t block = all_dp ? kern::kGemvRowsDpbf16 : avx512 ? kern::kGemvRowsAvx512 : kern::kGemvRowsAvx2;
  // Thread-local scratch, named through references: the pool's lambdas below must see the caller's
  // vectors, and a thread_local named directly inside them would be the worker's own.
  thread_local std::vector<int64_t> tl_start;
  std::vector<int64_t>& start = tl_start;  // linear i owns joint output rows [start[i], start[i+1])
  start.assign(size_t(n) + 1, 0);
  for (int i = 0; i < n; ++i) start[size_t(i) + 1] = start[size_t(i)] + ls[i]->out;
  const int64_t total = start[size_t(n)], nblocks = (rows + block - 1) / block;
  // All row blocks run inside one job: a thread streams a chunk of weight rows from memory once and
  // serves the other row blocks from cache (CFG batches of 4+ images are 8+ rows).
  thread_local std::vector<std::vector<uint16_t>> tl_xb;
  thread_local std::vector<kern::GemvArgs> tl_args;
  thread_local std::vector<GemvFn> tl_fns;
  std::vector<std::vector<uint16_t>>& xb = tl_xb;
  std::vector<kern::GemvArgs>& args = tl_args;
  std::vector<GemvFn>& fns = tl_fns;
  if (any_dp && xb.size() < size_t(nblocks)) xb.resize(size_t(nblocks));
  args.assign(static_cast<size_t>(n * nblocks), kern::GemvArgs{});
  fns.assign(static_cast<size_t>(n), nullptr);
  for (int64_t bi = 0; bi < nblocks; ++bi) {
    const int64_t r0 = bi * block, nr = std::min<int64_t>(block, rows - r0);
    if (any_dp) {  // x is bf16-valued already: its top halves are the bf16 bits
      xb[size_t(bi)].assign(size_t(nr * kpad), 0);
      for (int64_t r = 0; r < nr; ++r)
        for (int64_t k = 0; k < K; ++k)
          xb[size_t(bi)][size_t(r * kpad + k)] = f32_to_bf16(x[(r0 + r) * K + k]);
    }
    for (int i = 0; i < n; ++i) {
      const Linear& l = *ls[i];
      const DType wt = l.weight->dtype;
      const bool dp = use_dp(l);
      kern::GemvArgs& a = args[size_t(bi * n + i)];
      a.x = x + r0 * K;
      a.rows = nr;
      fns[size_t(i)] = dp                  ? kern::gemv_bf16_dpbf16
                       : wt == DType::BF16 ? (avx512 ? kern::gemv_bf16_avx512 : kern::gemv_bf16_avx2)
                       : wt == DType::F16  ? (avx512 ? kern::gemv_f16_avx512 : kern::gemv_f16_avx2)
                       : wt == DType::Q8_0 ? (avx512 ? kern::gemv_q8_0_avx512 : kern::gemv_q8_0_avx2)
                       : wt == DType::Q4_0 ? (avx512 ? kern::gemv_q4_0_avx512 : kern::gemv_q4_0_avx2)
                                           : (avx512 ? kern::gemv_f32_avx512 : kern::gemv_f32_avx2);
      a.K = K;
      a.w = l.weight->data;
      a.bias = biases[i];
      a.round_out = c.bf16();
      a.y = ys[i] + r0 * l.out;
      a.N = l.out;
      if (int8_dot && dtype_is_block(wt)) {
        const Int8X& b = x8[wt == DType::Q4_0 ? 1 : 0];
        fns[size_t(i)] = wt == DType::Q4_0 ? kern::gemv_q4_0_vnni : kern::gemv_q8_0_vnni;
        a.xq = b.q.data() + r0 * K;
        a.xs = b.s.data() + r0 * (K / 4);
        a.xc = b.c.data() + r0 * (K / 4);
      }
      if (dp) {
        a.xb = xb[size_t(bi)].data();
        a.kpad = kpad;
      }
    }
  }
  auto body = [&](int64_t b, int64_t e, int) {
    for (int i = 0; i < n && b < e; ++i) {
      const int64_t lo = std::max(b, start[size_t(i)]), hi = std::min(e, start[size_t(i) + 1]);
      if (lo < hi)
        for (int64_t bi = 0; bi < nblocks; ++bi)
          fns[size_t(i)](args[size_t(bi * n + i)], lo - start[size_t(i)], hi - start[size_t(i)]);
    }
  };
  // Several row blocks: chunks of <= 64 weight rows (256 KiB at K = 2048 bf16) stay in L2 between them.
  int64_t grain = gemv_grain(c, total);
  if (nblocks > 1)
    grain = std::min<int64_t>(grain, std::max<int64_t>(4, (65536 * 4 / std::max<int64_t>(K, 1)) / 4 * 4));
  if (c.pool)
    c.pool->parallel_dynamic(total, body, grain);
  else
    body(0, total, 0);
}

void linear_gemm(const Context& c, const Linear& l, const float* x, int64_t rows, const float* bias,
                 float* y) {
  const int64_t M = rows, K = l.in, N = l.out, tiles = (N + kGemmTile - 1) / kGemmTile;
  const DType wt = l.weight->dtype;
  std::vector<uint16_t> xb;
  if (c.bf16() && wt == DType::BF16 && gemm_bf16_preferred()) {
    xb.resize(size_t(M * K));
    parallel(c, M, 1, [&](int64_t r0, int64_t r1, int) {
      for (int64_t i = r0 * K; i < r1 * K; ++i) xb[size_t(i)] = f32_to_bf16(x[i]);
    });
  }
  parallel(c, tiles, 1, [&](int64_t t0, int64_t t1, int) {
    thread_local std::vector<float> wbuf;  // one f32 weight tile [nt, K]
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n0 = t * kGemmTile, nt = std::min(kGemmTile, N - n0);
      const float* bt = bias ? bias + n0 : nullptr;
      float* yt = y + n0;
      bool done = false;
      if (!xb.empty())
        done = kern::gemm_bf16_onednn(xb.data(), M, K, static_cast<const uint16_t*>(l.weight->data) + n0 * K,
                                      nt, bt, yt, N);
      if (!done) {
        const float* w32;
        if (wt == DType::F32) {
          w32 = static_cast<const float*>(l.weight->data) + n0 * K;
        } else {
          wbuf.resize(size_t(nt * K));
          // (not dereferenced for block formats, whose rows are not uint16_t arrays)
          const uint16_t* src =
              static_cast<const uint16_t*>(l.weight->data) + (dtype_is_block(wt) ? 0 : n0 * K);
          if (dtype_is_block(wt))  // whole rows of blocks: element n0·K starts a block
            quant::dequantize(wt, l.weight->data, n0 * K, nt * K, wbuf.data());
          else if (wt == DType::F16)
            kern::convert_f16_avx2(src, wbuf.data(), nt * K);
          else
            for (int64_t i = 0; i < nt * K; ++i) wbuf[size_t(i)] = bf16_to_f32(src[i]);
          w32 = wbuf.data();
        }
        done = kern::gemm_f32_onednn(x, M, K, w32, nt, bt, yt, N);
      }
      if (!done) {  // oneDNN refused both: plain dot products for this tile
        for (int64_t r = 0; r < M; ++r)
          for (int64_t n = 0; n < nt; ++n) {
            float s = 0;
            for (int64_t k = 0; k < K; ++k) s += x[r * K + k] * weight_at(*l.weight, (n0 + n) * K + k);
            yt[r * N + n] = s + (bt ? bt[n] : 0.0f);
          }
      }
      if (c.bf16())
        for (int64_t r = 0; r < M; ++r) round_rows(yt + r * N, yt + r * N, nt);
    }
  });
}

#endif  // JANUS_OPS_X86

}  // namespace

void linear_multi(const Context& c, const Linear* const* ls, int n, const float* x, int64_t rows,
                  float* const* ys) {
  if (rows <= 0 || n <= 0) return;
  const int64_t K = ls[0]->in;
  thread_local std::vector<float> tl_xr;  // reused: no allocation per decode call once warm
  std::vector<float>& xr = tl_xr;         // (a reference: the pool lambda must see this thread's)
  if (c.bf16()) {                         // the GEMM input is a bf16 tensor
    xr.resize(size_t(rows * K));
    const float* src = x;
    parallel(
        c, rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, K)),
        [&](int64_t r0, int64_t r1, int) { round_rows(src + r0 * K, xr.data() + r0 * K, (r1 - r0) * K); });
    x = xr.data();
  }
  thread_local std::vector<std::vector<float>> tl_bias;
  thread_local std::vector<const float*> tl_b;
  std::vector<std::vector<float>>& bias = tl_bias;
  std::vector<const float*>& b = tl_b;
  if (bias.size() < size_t(n)) bias.resize(size_t(n));
  b.assign(size_t(n), nullptr);
  for (int i = 0; i < n; ++i) {
    const Linear& l = *ls[i];
    if (!l.bias) continue;
    bias[size_t(i)].resize(size_t(l.out));
    for (int64_t o = 0; o < l.out; ++o) bias[size_t(i)][size_t(o)] = weight_at(*l.bias, o);
    b[size_t(i)] = bias[size_t(i)].data();
  }
#if JANUS_OPS_X86
  const Isa isa = active_isa();
  if (isa != Isa::Portable && K > 0) {
    if (rows < kGemmMinRows) return linear_gemv(c, isa, ls, n, x, rows, b.data(), ys);
    for (int i = 0; i < n; ++i)
      if (ls[i]->out > 0) linear_gemm(c, *ls[i], x, rows, b[size_t(i)], ys[i]);
    return;
  }
#endif
  for (int i = 0; i < n; ++i)
    if (ls[i]->out > 0) linear_portable(c, *ls[i], x, rows, b[size_t(i)], ys[i]);
}

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y) {
  const Linear* ls[1] = {&l};
  float* ys[1] = {y};
  fast::linear_multi(c, ls, 1, x, rows, ys);
}

namespace {

#if JANUS_OPS_X86
// The AVX-512 kernel over f32 (k, v) or bf16 (kb, vb) rows.
void attention_avx512_job(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
                          const float* v, const uint16_t* kb, const uint16_t* vb, int64_t S, int64_t nh,
                          int64_t nkv, int64_t hd, float scale, bool causal, float* out) {
  kern::AttnArgs a;
  a.eager = kind == AttentionKind::Eager;
  a.round = c.bf16();
  a.q = q;
  a.k = k;
  a.v = v;
  a.kb = kb;
  a.vb = vb;
  a.out = out;
  a.T = T;
  a.S = S;
  a.nh = nh;
  a.nkv = nkv;
  a.hd = hd;
  a.scale = scale;
  a.causal = causal;
  const size_t scratch = kern::attn_scratch_floats(a);
  auto body = [&](int64_t i0, int64_t i1, int) {
    thread_local std::vector<float> buf;
    if (buf.size() < scratch) buf.resize(scratch);
    kern::attention_avx512(a, i0, i1, buf.data());
  };
  // Claimed a kv head's items at a time (the kernel may transpose K once per kv head), so a
  // preempted thread's heads are taken over; items are independent, so the split changes nothing.
  const int64_t items = nh * kern::attn_blocks(a);
  if (c.pool)
    c.pool->parallel_dynamic(items, body, kern::attn_blocks(a) * (nh / nkv));
  else
    body(0, items, 0);
}
#endif

}  // namespace

namespace {

// Wide heads over many queries (the SDXL-VAE mid block: one 512-wide head, 2304 tokens): scores and
// P·V as oneDNN GEMMs per block of 64 queries, with the softmax and rounding points of the kernel.
// The per-row kernel re-streams K and V for every 4 queries, which is what bounds it at this width.
constexpr int64_t kAttnGemmRows = 64;

bool attention_by_gemm(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
                       const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                       float* out) {
  const bool eager = kind == AttentionKind::Eager, round = c.bf16();
  const int64_t blocks = (T + kAttnGemmRows - 1) / kAttnGemmRows, group = nh / nkv;
  bool ok = true;
  parallel(c, nh * blocks, 1, [&](int64_t i0, int64_t i1, int) {
    thread_local std::vector<float> sc, acc;
    sc.resize(size_t(kAttnGemmRows * S));
    acc.resize(size_t(kAttnGemmRows * hd));
    for (int64_t i = i0; i < i1 && ok; ++i) {
      const int64_t h = i / blocks, t0 = (i % blocks) * kAttnGemmRows, n = std::min(kAttnGemmRows, T - t0);
      const int64_t kh = h / group;
      const kern::Strided Q{q + (t0 * nh + h) * hd, nh * hd, 1}, Kt{k + kh * hd, 1, nkv * hd};
      const kern::Strided V{v + kh * hd, nkv * hd, 1}, P{sc.data(), S, 1};
      if (!kern::gemm_f32_strided(n, S, hd, Q, Kt, sc.data(), S)) {  // raw scores [n, S]
        ok = false;
        return;
      }
      std::vector<float> sums(static_cast<size_t>(n));
      for (int64_t r = 0; r < n; ++r) {
        float* s = sc.data() + r * S;
        float mx = -INFINITY;
        for (int64_t j = 0; j < S; ++j) {
          s[j] = eager && round ? rb(c, rb(c, s[j]) * scale) : s[j] * scale;
          mx = std::max(mx, s[j]);
        }
        float sum = 0;
        for (int64_t j = 0; j < S; ++j) sum += s[j] = std::exp(s[j] - mx);
        for (int64_t j = 0; j < S; ++j) {
          const float p = eager ? s[j] / sum : s[j];
          s[j] = round ? rb(c, p) : p;
        }
        sums[size_t(r)] = sum;
      }
      if (!kern::gemm_f32_strided(n, hd, S, P, V, acc.data(), hd)) {  // P·V [n, hd]
        ok = false;
        return;
      }
      for (int64_t r = 0; r < n; ++r) {
        float* o = out + ((t0 + r) * nh + h) * hd;
        for (int64_t d = 0; d < hd; ++d) {
          const float x = eager ? acc[size_t(r * hd + d)] : acc[size_t(r * hd + d)] / sums[size_t(r)];
          o[d] = round ? rb(c, x) : x;
        }
      }
    }
  });
  return ok;
}

}  // namespace

void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out) {
  if (T <= 0 || nh <= 0 || hd <= 0) return;
  if (!causal && hd >= 256 && T >= kAttnGemmRows && S >= kAttnGemmRows && JANUS_OPS_X86 &&
      active_isa() != Isa::Portable && attention_by_gemm(c, kind, q, T, k, v, S, nh, nkv, hd, scale, out))
    return;
  if (!JANUS_OPS_X86 || active_isa() < Isa::Avx512 || S <= 0)
    return attention_portable(c, kind, q, T, k, v, S, nh, nkv, hd, scale, causal, out);
#if JANUS_OPS_X86
  attention_avx512_job(c, kind, q, T, k, v, nullptr, nullptr, S, nh, nkv, hd, scale, causal, out);
#endif
}

bool attention_kv_bf16(const Context& c, AttentionKind kind, const float* q, int64_t T, const uint16_t* k,
                       const uint16_t* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                       bool causal, float* out) {
#if JANUS_OPS_X86
  if (active_isa() < Isa::Avx512 || S <= 0) return false;
  if (T > 0 && nh > 0 && hd > 0)
    attention_avx512_job(c, kind, q, T, nullptr, nullptr, k, v, S, nh, nkv, hd, scale, causal, out);
  return true;
#else
  return false;
#endif
}

}  // namespace janus::ops::fast
