// Official VLMImageProcessor pipeline (deepseek-ai/Janus janus/models/image_processing_vlm.py).
#include "io/image/preprocess.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace janus {

std::pair<int, int> understanding_target_size(int width, int height, const ImagePreprocessParams& p) {
  if (width <= 0 || height <= 0 || p.image_size <= 0 || p.min_size < 0)
    fail(ErrorKind::InvalidArgument, "preprocess",
         "invalid size: image " + std::to_string(width) + "x" + std::to_string(height) + ", image_size " +
             std::to_string(p.image_size));
  const double m = std::max(width, height);
  // Python: max(int(h / m * image_size), min_size): divide first, then multiply, truncate.
  const int new_h = std::max(static_cast<int>(static_cast<double>(height) / m * p.image_size), p.min_size);
  const int new_w = std::max(static_cast<int>(static_cast<double>(width) / m * p.image_size), p.min_size);
  if (new_w <= 0 || new_h <= 0) fail(ErrorKind::InvalidArgument, "preprocess", "empty target size");
  return {new_w, new_h};
}

void pad_background(const ImagePreprocessParams& p, uint8_t out[3]) {
  for (int c = 0; c < 3; ++c) {
    const double v = p.image_mean[c] * 255;  // Python int() truncates toward zero
    out[c] = static_cast<uint8_t>(v <= 0 ? 0 : (v >= 255 ? 255 : static_cast<int>(v)));
  }
}

Image resize_and_pad(const Image& rgb, const ImagePreprocessParams& p) {
  const auto [new_w, new_h] = understanding_target_size(rgb.width, rgb.height, p);
  Image resized = resize_bicubic(rgb, new_w, new_h);
  if (new_w == new_h) return resized;  // expand2square leaves squares alone

  const int side = std::max(new_w, new_h);
  uint8_t bg[3];
  pad_background(p, bg);
  Image out;
  out.width = out.height = side;
  out.rgb.resize(static_cast<size_t>(side) * side * 3);
  for (size_t i = 0; i < out.rgb.size(); i += 3) std::memcpy(&out.rgb[i], bg, 3);
  // Wide: paste at (0, (side - h) // 2); tall: at ((side - w) // 2, 0). Both margins are >= 0.
  const int ox = new_w > new_h ? 0 : (side - new_w) / 2;
  const int oy = new_w > new_h ? (side - new_h) / 2 : 0;
  for (int y = 0; y < new_h; ++y)
    std::memcpy(&out.rgb[(static_cast<size_t>(y + oy) * side + ox) * 3],
                &resized.rgb[static_cast<size_t>(y) * new_w * 3], static_cast<size_t>(new_w) * 3);
  return out;
}

std::vector<float> to_normalized_chw(const Image& img, const ImagePreprocessParams& p) {
  const size_t plane = static_cast<size_t>(img.width) * img.height;
  if (img.rgb.size() != plane * 3)
    fail(ErrorKind::InvalidArgument, "preprocess", "inconsistent image buffer");
  std::vector<float> out(plane * 3);  // [3, H, W]
  for (int c = 0; c < 3; ++c) {
    // numpy: mean/std become float32 arrays and the arithmetic runs in float32.
    const float mean = static_cast<float>(p.image_mean[c]);
    const float stdv = static_cast<float>(p.image_std[c]);
    float lut[256];
    for (int v = 0; v < 256; ++v) {
      float x = static_cast<float>(static_cast<double>(v) * p.rescale_factor);
      if (p.do_normalize) x = (x - mean) / stdv;
      lut[v] = x;
    }
    float* dst = out.data() + c * plane;
    for (size_t i = 0; i < plane; ++i) dst[i] = lut[img.rgb[3 * i + c]];
  }
  return out;
}

UnderstandingInput preprocess_for_understanding(const Image& rgb, const ImagePreprocessParams& p) {
  UnderstandingInput r;
  r.padded = resize_and_pad(rgb, p);
  r.pixels = to_normalized_chw(r.padded, p);
  return r;
}

}  // namespace janus
