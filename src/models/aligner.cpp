// Aligner forward: Linear (GELU Linear)*; every op result rounded in bf16 mode by the ops themselves.
#include "models/aligner.h"

#include "core/error.h"

namespace janus {

Aligner::Aligner(const TensorStore& w, const std::string& prefix) {
  if (w.find(prefix + "layers.0.weight")) {
    // MlpProjector: nn.Sequential(Linear, GELU, Linear, ...): parameters at even indices.
    for (int i = 0; w.find(prefix + "layers." + std::to_string(i) + ".weight"); i += 2) {
      const std::string p = prefix + "layers." + std::to_string(i) + ".";
      layers_.push_back(ops::make_linear(w.get(p + "weight"), &w.get(p + "bias")));
    }
  } else {
    layers_.push_back(ops::make_linear(w.get(prefix + "weight"), &w.get(prefix + "bias")));
  }
  for (size_t j = 1; j < layers_.size(); ++j)
    if (layers_[j].in != layers_[j - 1].out)
      fail(ErrorKind::Model, layers_[j].weight->name,
           "input width " + std::to_string(layers_[j].in) + " != previous layer's output " +
               std::to_string(layers_[j - 1].out));
}

Tensor Aligner::forward(const ops::Context& c, const Tensor& x) const {
  const int64_t in = in_dim();
  if (x.dtype() != DType::F32 || x.shape().empty() || x.dim(-1) != in)
    fail(ErrorKind::InvalidArgument, layers_.front().weight->name,
         "aligner input must be f32 [..., " + std::to_string(in) + "], got " + shape_str(x.shape()));
  const int64_t rows = x.numel() / in;
  Tensor cur = x;
  for (size_t j = 0; j < layers_.size(); ++j) {
    Tensor y = Tensor::f32({rows, layers_[j].out});
    if (j) ops::gelu_erf(c, cur.f(), cur.numel());  // cur is our own buffer here, never the input
    ops::linear(c, layers_[j], cur.f(), rows, y.f());
    cur = y;
  }
  std::vector<int64_t> shape = x.shape();
  shape.back() = out_dim();
  return cur.reshaped(shape);
}

}  // namespace janus
