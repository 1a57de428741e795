// LlamaGen VQ-16 decoder as the official VQModel.decode_code runs it: l2-normalised codebook
// lookup, post_quant_conv, Decoder (conv_in, mid res/attn/res, conv_blocks from the coarsest level
// with res (+ attn) blocks and nearest ×2 upsample + conv, norm_out, swish, conv_out).
// Channel plan from the tensors (ArchDims: vq_ch, vq_z, vq_ch_mult), so tiny checkpoints run too.
// tools/reference/modules.py `VQDecoder` is the executable statement of the op order and roundings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"
#include "models/tensor_table.h"

namespace janus {

class VqDecoder {
 public:
  // Binds every decoder tensor under `prefix` (Error(Model) naming a missing or mis-shaped one).
  VqDecoder(const TensorStore& w, const ArchDims& dims, const std::string& prefix = "gen_vision_model.");

  // codes [n, grid·grid] in raster order (ids < codebook_size(), else Error(InvalidArgument)) ->
  // decoded images [n, 3, grid·f, grid·f] f32 with f = upscale(). Images are decoded one at a time.
  // Dumps (image 0, [1, C, grid, grid]) "vq_quant" (normalised codebook rows), "vq_post_quant",
  // "vq_conv_in", "vq_mid.0", "vq_mid.1" and "vq_mid" (after the mid block) when dump is set.
  Tensor decode(const ops::Context& c, const int32_t* codes, int64_t n, int64_t grid,
                const DumpFn& dump = {}) const;

  int64_t codebook_size() const { return codebook_->shape[0]; }
  int64_t upscale() const { return int64_t(1) << (levels_.size() - 1); }

 private:
  struct Res {
    int64_t cin = 0, cout = 0;
    const TensorView *n1w, *n1b, *n2w, *n2b;
    ops::Conv2d conv1, conv2, nin;  // nin: 1x1 shortcut when cin != cout (weight null otherwise)
  };
  struct Attn {
    int64_t ch = 0;
    const TensorView *nw, *nb;
    ops::Conv2d q, k, v, proj;
  };
  struct Level {
    std::vector<Res> res;
    std::vector<Attn> attn;  // empty, or one after each res block
    bool upsample = false;
    ops::Conv2d up;
  };

  // One image: x [C, h, w] -> returns the block output (new tensor).
  Tensor res_block(const ops::Context& c, const Res& r, const Tensor& x, int64_t h, int64_t w) const;
  Tensor attn_block(const ops::Context& c, const Attn& a, const Tensor& x, int64_t h, int64_t w) const;
  Tensor conv(const ops::Context& c, const ops::Conv2d& k, const Tensor& x, int64_t h, int64_t w) const;

  const TensorView* codebook_ = nullptr;  // [K, e]
  int64_t z_ = 0, e_ = 0;
  ops::Conv2d post_quant_, conv_in_, conv_out_;
  Res mid0_, mid2_;
  Attn mid1_;
  std::vector<Level> levels_;
  const TensorView *norm_out_w_ = nullptr, *norm_out_b_ = nullptr;
};

// generation_inference.py's mapping of one decoded image [3, S, S] (index `index` of [n, 3, S, S]):
// trunc(clip((x + 1) / 2 · 255, 0, 255)) in f32, as RGB HWC bytes [S, S, 3].
std::vector<uint8_t> to_uint8_hwc(const Tensor& decoded, int64_t index);

}  // namespace janus
