// The process's one oneDNN CPU engine and each thread's stream on it, shared by every oneDNN user
// (GEMM tiles, strided GEMMs, convolutions).
#pragma once

#include <dnnl.hpp>

namespace janus::ops::kern {

// Never destroyed: thread-local streams and cached primitives of pool threads may outlive static
// destruction at exit, and they refer to the engine.
dnnl::engine& onednn_engine();
// The calling thread's stream (created on first use).
dnnl::stream& onednn_stream();

}  // namespace janus::ops::kern
