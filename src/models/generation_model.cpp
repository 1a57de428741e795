// Assembles the generation components of a bundle and checks that they fit together.
#include "models/generation_model.h"

#include <string>

#include "core/error.h"

namespace janus {

std::unique_ptr<GenerationModel> build_generation_model(const ModelBundle& m, ops::Precision precision) {
  if (m.config.kind == ModelKind::JanusFlow)
    fail(ErrorKind::Unsupported, (m.dir / "config.json").string(),
         "JanusFlow has no image-token generation head (gen_head/gen_embed/gen_aligner); it generates "
         "with rectified flow, which this command does not implement");
  if (!m.weights || !m.dims) fail(ErrorKind::Model, m.dir.string(), "loaded without weights");
  const TensorStore& w = *m.weights;
  auto gm = std::unique_ptr<GenerationModel>(
      new GenerationModel{Llm(w, m.config.language, precision), GenHead(w), GenEmbed(w)});
  const int64_t H = gm->llm.hidden_size();
  if (gm->head.in_dim() != H)
    fail(ErrorKind::Model, "gen_head.output_mlp_projector.weight",
         "input width " + std::to_string(gm->head.in_dim()) + " != LLM hidden size " + std::to_string(H));
  if (gm->embed.out_dim() != H)
    fail(ErrorKind::Model, "gen_aligner",
         "output width " + std::to_string(gm->embed.out_dim()) + " != LLM hidden size " + std::to_string(H));
  if (gm->embed.codes() != gm->head.codes())
    fail(ErrorKind::Model, "gen_embed.weight",
         std::to_string(gm->embed.codes()) + " rows != gen_head.vision_head's " +
             std::to_string(gm->head.codes()) + " codes");
  return gm;
}

}  // namespace janus
