#include "core/ops/onednn_context.h"

#include <memory>

namespace janus::ops::kern {

dnnl::engine& onednn_engine() {
  static dnnl::engine* e = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *e;
}

dnnl::stream& onednn_stream() {
  thread_local std::unique_ptr<dnnl::stream> s;
  if (!s) s = std::make_unique<dnnl::stream>(onednn_engine());
  return *s;
}

}  // namespace janus::ops::kern
