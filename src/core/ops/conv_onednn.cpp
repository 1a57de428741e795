// oneDNN convolution primitives (see conv_onednn.h): one plan per input shape with its reordered
// weights; activations are reordered between NCHW and oneDNN's blocked layout around each call.
#include "core/ops/conv_onednn.h"

#include <cstdlib>
#include <dnnl.hpp>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/ops/onednn_context.h"
#include "core/ops/onednn_threads.h"

namespace janus::ops::kern {

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// A growable scratch block that never copies or zero-fills (std::vector would do both on growth:
// hundreds of MB of needless page faults and copies for the Winograd scratch).
class RawBuffer {
 public:
  void* get(size_t bytes) {
    if (bytes > size_) {
      p_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
      if (!p_) throw std::bad_alloc();
      size_ = bytes;
    }
    return p_.get();
  }

 private:
  struct Free {
    void operator()(uint8_t* q) const { std::free(q); }
  };
  std::unique_ptr<uint8_t, Free> p_;
  size_t size_ = 0;
};

struct Plan {
  bool ok = false;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  dnnl::memory wei;  // weights in the primitive's layout
};

struct State {
  std::mutex mu;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::shared_ptr<Plan>> plans;  // by (n, h, w)
};

std::shared_ptr<Plan> make_plan(const float* w_oihw, const ConvShape2d& s) {
  auto plan = std::make_shared<Plan>();
  try {
    const int64_t ho = (s.h + 2 * s.pad - s.k) / s.stride + 1, wo = (s.w + 2 * s.pad - s.k) / s.stride + 1;
    dnnl::memory::desc src({s.n, s.in, s.h, s.w}, dt::f32, tag::any);
    dnnl::memory::desc wei({s.out, s.in, s.k, s.k}, dt::f32, tag::any);
    dnnl::memory::desc dst({s.n, s.out, ho, wo}, dt::f32, tag::any);
    const auto alg =
        conv_uses_winograd(s) ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, wei, dst,
                                      {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    plan->pd = dnnl::convolution_forward::primitive_desc(d, attr, onednn_engine());
    plan->prim = dnnl::convolution_forward(plan->pd);
    dnnl::memory user_w({{s.out, s.in, s.k, s.k}, dt::f32, tag::oihw}, onednn_engine(),
                        const_cast<float*>(w_oihw));
    plan->wei = dnnl::memory(plan->pd.weights_desc(), onednn_engine());
    dnnl::stream& st = onednn_stream();
    dnnl::reorder(user_w, plan->wei).execute(st, user_w, plan->wei);
    st.wait();
    plan->ok = true;
  } catch (const dnnl::error&) {
    plan->ok = false;  // no kernel for this shape/ISA
  }
  return plan;
}

// x (NCHW, user memory) -> `desc` layout in `buf` (or x itself when the layouts agree).
dnnl::memory to_layout(const dnnl::memory& user, const dnnl::memory::desc& desc, RawBuffer& buf,
                       dnnl::stream& st) {
  if (user.get_desc() == desc) return user;
  dnnl::memory m(desc, onednn_engine(), buf.get(desc.get_size()));
  dnnl::reorder(user, m).execute(st, const_cast<dnnl::memory&>(user), m);
  return m;
}

}  // namespace

bool conv_uses_winograd(const ConvShape2d& s) {
  // Small maps gain little, and the one-time weight transform (~0.1-0.5 s a layer) would dominate.
  return s.k == 3 && s.stride == 1 && s.pad == 1 && s.in >= 256 && s.out >= 256 && s.in % 16 == 0 &&
         s.out % 16 == 0 && s.h * s.w >= 64 * 64;
}

bool conv2d_onednn(int threads, const float* w_oihw, const ConvShape2d& s, const float* x, float* y,
                   std::shared_ptr<void>& state) {
  static std::mutex init_mu;
  {
    std::lock_guard<std::mutex> lock(init_mu);
    if (!state) state = std::make_shared<State>();
  }
  State& stt = *static_cast<State*>(state.get());
  std::shared_ptr<Plan> plan;
  OneDnnThreads team(threads);  // also for the weight reorder of a new plan
  {
    std::lock_guard<std::mutex> lock(stt.mu);
    auto& slot = stt.plans[{s.n, s.h, s.w}];
    if (!slot) slot = make_plan(w_oihw, s);
    plan = slot;
  }
  if (!plan->ok) return false;
  const int64_t ho = (s.h + 2 * s.pad - s.k) / s.stride + 1, wo = (s.w + 2 * s.pad - s.k) / s.stride + 1;
  dnnl::stream& st = onednn_stream();
  thread_local RawBuffer src_buf, dst_buf, scratch;
  dnnl::memory user_x({{s.n, s.in, s.h, s.w}, dt::f32, tag::nchw}, onednn_engine(), const_cast<float*>(x));
  dnnl::memory user_y({{s.n, s.out, ho, wo}, dt::f32, tag::nchw}, onednn_engine(), y);
  dnnl::memory src = to_layout(user_x, plan->pd.src_desc(), src_buf, st);
  const bool dst_plain = plan->pd.dst_desc() == user_y.get_desc();
  dnnl::memory dst = dst_plain ? user_y
                               : dnnl::memory(plan->pd.dst_desc(), onednn_engine(),
                                              dst_buf.get(plan->pd.dst_desc().get_size()));
  dnnl::memory sm(plan->pd.scratchpad_desc(), onednn_engine(),
                  scratch.get(plan->pd.scratchpad_desc().get_size()));
  plan->prim.execute(
      st,
      {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, plan->wei}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, sm}});
  if (!dst_plain) dnnl::reorder(dst, user_y).execute(st, dst, user_y);
  st.wait();
  return true;
}

}  // namespace janus::ops::kern
