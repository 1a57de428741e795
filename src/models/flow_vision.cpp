// FlowVision: the per-step generation modules around the LLM (spec janusflow.md §6.4 rows 2-9, 13-19),
// in the order of tools/reference/flow.py sample().
#include "models/flow_vision.h"

#include "core/error.h"

namespace janus {

namespace {

const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape) {
  const TensorView& t = w.get(name);
  if (t.shape != shape)
    fail(ErrorKind::Model, name, "shape " + shape_str(t.shape) + ", expected " + shape_str(shape));
  return t;
}

int64_t llm_hidden(const ModelConfig& cfg) {
  if (cfg.kind != ModelKind::JanusFlow)
    fail(ErrorKind::Model, "config.json", "FlowVision needs a JanusFlow checkpoint (vision_gen_enc_config)");
  if (cfg.language.hidden_size <= 0)
    fail(ErrorKind::Model, "config.json language_config.hidden_size", "must be positive");
  return cfg.language.hidden_size;
}

}  // namespace

FlowVision::FlowVision(const TensorStore& w, const ModelConfig& cfg)
    : hidden_(llm_hidden(cfg)),
      eps_(float(cfg.language.rms_norm_eps)),
      enc_(w, cfg.gen_enc, hidden_),
      dec_(w, cfg.gen_dec, hidden_) {
  const int64_t C = enc_.channels();
  if (dec_.skip_channels() != C || dec_.out_channels() != enc_.in_channels())
    fail(ErrorKind::Model, "config.json vision_gen_dec_config.params",
         "decoder skip/out channels " + std::to_string(dec_.skip_channels()) + "/" +
             std::to_string(dec_.out_channels()) + " do not match the encoder's " + std::to_string(C) + "/" +
             std::to_string(enc_.in_channels()));
  enc_aligner_ = ops::make_linear(bind(w, "vision_gen_enc_aligner.weight", {hidden_, C}),
                                  &bind(w, "vision_gen_enc_aligner.bias", {hidden_}));
  dec_norm_ = &bind(w, "vision_gen_dec_aligner_norm.weight", {hidden_});
  const int64_t Cin = dec_.in_channels();
  dec_aligner_ = ops::make_linear(bind(w, "vision_gen_dec_aligner.weight", {Cin, hidden_}),
                                  &bind(w, "vision_gen_dec_aligner.bias", {Cin}));
}

FlowVision::Encoded FlowVision::encode(const ops::Context& c, const Tensor& z, const float* t,
                                       const DumpFn& dump) const {
  if (z.shape().empty() || z.dim(0) <= 0)
    fail(ErrorKind::InvalidArgument, "flow z", "expected [B, 4, 2g, 2g], got " + shape_str(z.shape()));
  const int64_t B = z.dim(0);
  Encoded e;
  e.t_emb = enc_.time_embedding(c, t, B);
  e.x_emb = enc_.forward(c, z, e.t_emb, dump);
  const int64_t C = e.x_emb.dim(1), hw = e.x_emb.dim(2) * e.x_emb.dim(3);
  Tensor rows = Tensor::f32({B * hw, C});  // token k = cell (k / w, k % w)
  ops::nchw_to_nhwc(e.x_emb.f(), B, C, hw, rows.f());
  e.tokens = Tensor::f32({B, hw, hidden_}, "tokens");
  ops::linear(c, enc_aligner_, rows.f(), B * hw, e.tokens.f());
  if (dump) {
    dump("flow.t_emb", e.t_emb);
    dump("flow.x_emb", e.x_emb);
    dump("flow.tokens", e.tokens);
  }
  return e;
}

Tensor FlowVision::velocity(const ops::Context& c, const Tensor& hidden, const Encoded& e,
                            const DumpFn& dump) const {
  const auto& xs = e.x_emb.shape();
  if (xs.size() != 4)
    fail(ErrorKind::InvalidArgument, "flow x_emb", "expected [B, C, g, g], got " + shape_str(xs));
  const int64_t B = xs[0], h = xs[2], w = xs[3], hw = h * w, Cin = dec_.in_channels();
  if (hidden.dtype() != DType::F32 || hidden.shape() != std::vector<int64_t>{B, hw, hidden_})
    fail(ErrorKind::InvalidArgument, "flow hidden",
         "expected f32 " + shape_str({B, hw, hidden_}) + " (the last g*g LLM hidden states), got " +
             shape_str(hidden.shape()));
  // vision_gen_dec_aligner(vision_gen_dec_aligner_norm(h)), then reshape [B, g, g, C] -> NCHW.
  Tensor n = Tensor::f32({B * hw, hidden_});
  ops::rms_norm(c, hidden.f(), B * hw, hidden_, *dec_norm_, eps_, n.f());
  Tensor rows = Tensor::f32({B * hw, Cin});
  ops::linear(c, dec_aligner_, n.f(), B * hw, rows.f());
  Tensor dec_in = Tensor::f32({B, Cin, h, w}, "dec_in");
  ops::nhwc_to_nchw(rows.f(), B, hw, Cin, dec_in.f());
  if (dump) dump("flow.dec_in", dec_in);
  return dec_.forward(c, dec_in, e.x_emb, e.t_emb, dump);
}

}  // namespace janus
