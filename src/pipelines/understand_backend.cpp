#include "pipelines/understand_backend.h"

#include "core/error.h"
#include "models/understanding_model.h"
#include "pipelines/understand.h"

namespace janus {

namespace {

class ModelBackend final : public UnderstandBackend {
 public:
  explicit ModelBackend(const UnderstandingModel& m) : m_(m) {}
  int64_t hidden_size() const override { return m_.llm.hidden_size(); }
  int64_t vocab_size() const override { return m_.llm.vocab_size(); }
  int64_t rows_per_image() const override { return m_.rows_per_image(); }
  KvCache make_cache(int64_t capacity) const override { return m_.llm.make_cache(1, capacity); }
  void embed(const ops::Context& c, const int32_t* ids, int64_t n, float* out) const override {
    m_.llm.embed(c, ids, n, out);
  }
  Tensor image_rows(const ops::Context& c, const Tensor& pixels, const DumpFn& dump) const override {
    return m_.image_rows(c, pixels, dump);
  }
  Tensor forward(const ops::Context& c, const Tensor& embeds, KvCache& cache, bool last_only,
                 const DumpFn& dump) const override {
    return m_.llm.forward(c, embeds, cache, last_only, dump);
  }
  Tensor logits(const ops::Context& c, const Tensor& hidden) const override {
    return m_.llm.logits(c, hidden);
  }

 private:
  const UnderstandingModel& m_;
};

}  // namespace

std::shared_ptr<const UnderstandBackend> make_understand_backend(const UnderstandingModel& model) {
  return std::make_shared<ModelBackend>(model);
}

UnderstandSession::UnderstandSession(const ModelBundle& bundle, const UnderstandingModel& model,
                                     const ops::Context& ctx)
    : UnderstandSession(bundle, make_understand_backend(model), ctx) {
  // The RoPE table and rounding points are fixed when the model is built.
  if (ctx.precision != model.llm.precision())
    fail(ErrorKind::InvalidArgument, "precision", "the context's precision differs from the model's");
}

}  // namespace janus
