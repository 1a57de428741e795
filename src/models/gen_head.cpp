// gen_head, gen_embed + gen_aligner and the CFG combination (official MultiModalityCausalLM parts).
#include "models/gen_head.h"

#include <vector>

#include "core/error.h"

namespace janus {

namespace {

const TensorView& need(const TensorStore& w, const std::string& name) {
  const TensorView* t = w.find(name);
  if (!t) fail(ErrorKind::Model, name, "missing: the model has no image-generation head");
  return *t;
}

// The store, after checking the gen_aligner is there (Aligner would otherwise look for a plain Linear
// and name a tensor no Janus checkpoint has).
const TensorStore& with_gen_aligner(const TensorStore& w) {
  need(w, "gen_aligner.layers.0.weight");
  return w;
}

}  // namespace

GenHead::GenHead(const TensorStore& w, const std::string& prefix) {
  const std::string p = prefix + "output_mlp_projector.", h = prefix + "vision_head.";
  proj_ = ops::make_linear(need(w, p + "weight"), &need(w, p + "bias"));
  head_ = ops::make_linear(need(w, h + "weight"), &need(w, h + "bias"));
  if (head_.in != proj_.out)
    fail(ErrorKind::Model, h + "weight",
         "input width " + std::to_string(head_.in) + " != output_mlp_projector width " +
             std::to_string(proj_.out));
}

Tensor GenHead::forward(const ops::Context& c, const Tensor& hidden) const {
  if (hidden.dtype() != DType::F32 || hidden.shape().size() != 2 || hidden.dim(1) != in_dim())
    fail(ErrorKind::InvalidArgument, proj_.weight->name,
         "gen_head input must be f32 [rows, " + std::to_string(in_dim()) + "], got " +
             shape_str(hidden.shape()));
  const int64_t rows = hidden.dim(0);
  Tensor mid = Tensor::f32({rows, proj_.out});
  ops::linear(c, proj_, hidden.f(), rows, mid.f());
  ops::gelu_erf(c, mid.f(), mid.numel());  // nn.GELU() default: exact erf form
  Tensor out = Tensor::f32({rows, codes()});
  ops::linear(c, head_, mid.f(), rows, out.f());
  return out;
}

GenEmbed::GenEmbed(const TensorStore& w)
    : table_(&need(w, "gen_embed.weight")), aligner_(with_gen_aligner(w), "gen_aligner.") {
  if (table_->shape.size() != 2 || table_->shape[0] <= 0 || table_->shape[1] <= 0)
    fail(ErrorKind::Model, table_->name, "must be 2-D [codes, dim], got " + shape_str(table_->shape));
  if (aligner_.in_dim() != code_dim())
    fail(ErrorKind::Model, "gen_aligner.layers.0.weight",
         "input width " + std::to_string(aligner_.in_dim()) + " != gen_embed dim " +
             std::to_string(code_dim()));
}

Tensor GenEmbed::forward(const ops::Context& c, const int32_t* ids, int64_t n) const {
  if (n <= 0) fail(ErrorKind::InvalidArgument, table_->name, "no code ids to embed");
  Tensor e = Tensor::f32({n, code_dim()});  // [n, D]
  ops::embedding(c, *table_, ids, n, e.f());
  if (c.bf16()) ops::round_bf16(e.f(), e.numel());  // the bf16 model's table (no-op for bf16 files)
  return aligner_.forward(c, e);                    // [n, H]
}

void cfg_combine(const ops::Context& c, const float* cond, const float* uncond, float w, int64_t n,
                 float* out) {
  if (!c.bf16()) {
    for (int64_t i = 0; i < n; ++i) out[i] = uncond[i] + w * (cond[i] - uncond[i]);
    return;
  }
  auto rb = [](float x) { return bf16_to_f32(f32_to_bf16(x)); };
  for (int64_t i = 0; i < n; ++i) out[i] = rb(uncond[i] + rb(w * rb(cond[i] - uncond[i])));
}

}  // namespace janus
