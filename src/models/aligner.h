// Understanding aligners: Janus's MlpProjector (mlp_gelu: Linear, GELU, Linear at layers.0/.2)
// and JanusFlow's single Linear (vision_und_enc_aligner). Also used for gen_aligner later.
#pragma once

#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/weights/tensor_store.h"

namespace janus {

class Aligner {
 public:
  // prefix "aligner." / "gen_aligner." (layers.{0,2,..}) or "vision_und_enc_aligner." (weight/bias).
  Aligner(const TensorStore& w, const std::string& prefix);
  // x [..., in] -> [..., out] (leading dims kept; typically [rows, in] -> [rows, out]).
  Tensor forward(const ops::Context& c, const Tensor& x) const;
  int64_t in_dim() const { return layers_.front().in; }
  int64_t out_dim() const { return layers_.back().out; }

 private:
  std::vector<ops::Linear> layers_;  // GELU between consecutive layers
};

}  // namespace janus
