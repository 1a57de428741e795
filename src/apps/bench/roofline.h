// Roofline figures: the least time a phase can take on this machine. Memory-bound phases (one
// token per LLM row) must stream every weight once per step, so time >= weight bytes / read
// bandwidth; compute-bound phases (many tokens or pixels per weight) need their FLOPs, so
// time >= FLOPs / GEMM peak. Weight bytes are as stored (bf16 checkpoints: 2 bytes per parameter);
// KV-cache and activation traffic is left out, so the roofline is a floor, not a model of the engine.
#pragma once

#include "bench.h"

namespace janus_bench {

// Understanding decode, seconds per token: every LLM layer weight and the lm_head once
// (the embedding row and the norms are negligible).
double decode_token_roof_s(const ModelFacts& f, double gbs);
// Autoregressive image token step, seconds: LLM layers + gen_head + gen_aligner once per step;
// the 2·n CFG rows of a batch share that stream, so the floor does not grow with n.
double ar_step_roof_s(const ModelFacts& f, double gbs);
// Prefill FLOPs of T positions: 2·P_layers per position (one multiply-add per weight), causal
// attention 4·hidden per (query, visible key) pair per layer (Q·Kᵀ and P·V), lm_head on the last row.
double prefill_flops(const ModelFacts& f, double T);
// Image encoding FLOPs (understanding): patch embedding, the ViT blocks that run
// (2·P_block per patch + full attention 4·width per patch pair) and the aligner MLP, over N patches.
double encode_flops(const ModelFacts& f);

}  // namespace janus_bench
