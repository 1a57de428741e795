#include "models/flow_model.h"

#include "core/error.h"

namespace janus {

std::unique_ptr<FlowModel> build_flow_model(const ModelBundle& m, ops::Precision precision) {
  const std::string cfg = (m.dir / "config.json").string();
  if (m.config.kind != ModelKind::JanusFlow)
    fail(ErrorKind::Unsupported, cfg,
         "rectified-flow generation needs a JanusFlow model; this one generates image tokens");
  if (!m.weights) fail(ErrorKind::Model, m.dir.string(), "model loaded without tensors");
  auto fm = std::unique_ptr<FlowModel>(
      new FlowModel{Llm(*m.weights, m.config.language, precision), FlowVision(*m.weights, m.config)});
  if (fm->vision.hidden_size() != fm->llm.hidden_size())
    fail(ErrorKind::Model, "vision_gen_enc_aligner.weight",
         "outputs " + std::to_string(fm->vision.hidden_size()) + " wide, the LLM is " +
             std::to_string(fm->llm.hidden_size()));
  return fm;
}

}  // namespace janus
