// Assembles the understanding components of a bundle and computes the image rows of the prompt.
#include "models/understanding_model.h"

#include <cstring>
#include <vector>

#include "core/error.h"

namespace janus {

Tensor UnderstandingModel::image_rows(const ops::Context& c, const Tensor& pixels, const DumpFn& dump) const {
  Tensor feats = vision.forward(c, pixels, dump);  // [n, N, W]
  if (dump) dump("vision_features", feats);
  const int64_t n = feats.dim(0), N = feats.dim(1);
  Tensor emb = aligner.forward(c, feats);  // [n, N, H]
  const int64_t H = emb.dim(-1);
  if (H != llm.hidden_size())
    fail(ErrorKind::Model, "aligner",
         "output width " + std::to_string(H) + " != LLM hidden size " + std::to_string(llm.hidden_size()));
  Tensor rows;
  if (!beg_of_und_embed) {
    rows = emb.reshaped({n * N, H});
  } else {
    // JanusFlow: [beg_of_und_embed, aligner(features)_0 .. _{N-1}] per image.
    std::vector<float> beg(static_cast<size_t>(H));
    for (int64_t i = 0; i < H; ++i) beg[size_t(i)] = ops::weight_at(*beg_of_und_embed, i);
    if (c.bf16()) ops::round_bf16(beg.data(), H);  // the parameter as the bf16 model holds it
    rows = Tensor::f32({n * (N + 1), H});
    for (int64_t b = 0; b < n; ++b) {
      float* dst = rows.f() + b * (N + 1) * H;
      std::memcpy(dst, beg.data(), size_t(H) * sizeof(float));
      std::memcpy(dst + H, emb.f() + b * N * H, size_t(N * H) * sizeof(float));
    }
  }
  if (dump) dump("image_embeds", rows);
  return rows;
}

std::unique_ptr<UnderstandingModel> build_understanding_model(const ModelBundle& m,
                                                              ops::Precision precision) {
  if (!m.weights || !m.dims) fail(ErrorKind::Model, m.dir.string(), "loaded without weights");
  const TensorStore& w = *m.weights;
  const bool flow = m.config.kind == ModelKind::JanusFlow;
  const VisionTowerConfig& vc = m.config.vision;
  if (vc.pixel_mean && vc.pixel_std)
    fail(ErrorKind::Unsupported, (m.dir / "config.json").string() + ":vision_config.params.pixel_mean",
         "an in-tower Normalize is not in any released checkpoint and is not implemented");
  const std::string tower = flow ? "vision_und_enc_model.vision_tower." : "vision_model.vision_tower.";
  const std::string align = flow ? "vision_und_enc_aligner." : "aligner.";
  const TensorView* beg = nullptr;
  if (flow) {
    beg = &w.get("beg_of_und_embed");
    if (beg->shape != std::vector<int64_t>{1, m.config.language.hidden_size})
      fail(ErrorKind::Model, beg->name,
           "shape " + shape_str(beg->shape) + ", expected [1, " +
               std::to_string(m.config.language.hidden_size) + "]");
  }
  auto um = std::unique_ptr<UnderstandingModel>(new UnderstandingModel{
      SiglipTower(w, tower, *m.dims), Aligner(w, align), Llm(w, m.config.language, precision), beg});
  if (um->aligner.in_dim() != um->vision.width())
    fail(ErrorKind::Model, align,
         "input width " + std::to_string(um->aligner.in_dim()) + " != vision width " +
             std::to_string(um->vision.width()));
  if (um->aligner.out_dim() != um->llm.hidden_size())
    fail(ErrorKind::Model, align,
         "output width " + std::to_string(um->aligner.out_dim()) + " != LLM hidden size " +
             std::to_string(um->llm.hidden_size()));
  return um;
}

}  // namespace janus
