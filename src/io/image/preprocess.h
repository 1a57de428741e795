// Pillow-exact resampling and the official Janus/JanusFlow understanding preprocessing
// (VLMImageProcessor: resize long side to image_size with BICUBIC, pad to a square, rescale, normalise).
#pragma once

#include <utility>
#include <vector>

#include "io/image/image.h"

namespace janus {

// Values from preprocessor_config.json. Defaults are Janus / Janus-Pro's.
struct ImagePreprocessParams {
  int image_size = 384;
  int min_size = 14;
  double image_mean[3] = {0.5, 0.5, 0.5};
  double image_std[3] = {0.5, 0.5, 0.5};
  double rescale_factor = 0.00392156862745098;  // 1/255
  bool do_normalize = true;
  // Note: background_color in the config is ignored, as in the official code, which pads with
  // int(255 * mean_c) per channel (see pad_background).
};

// Resizes like Pillow's Image.resize((out_w, out_h), BICUBIC / LANCZOS) on an 8-bit RGB image:
// separable fixed-point convolution (22 fractional bits), horizontal pass first, kernel support scaled
// up when downscaling (antialias). Same size returns a copy. Throws InvalidArgument on empty sizes.
Image resize_bicubic(const Image& src, int out_w, int out_h);
Image resize_lanczos(const Image& src, int out_w, int out_h);

// (new_w, new_h) = max(int(side / max(w, h) * image_size), min_size), IEEE double, truncating.
std::pair<int, int> understanding_target_size(int width, int height, const ImagePreprocessParams& p);

// int(mean_c * 255) per channel: (127,127,127) for Janus, (122,116,104) for JanusFlow's CLIP mean.
void pad_background(const ImagePreprocessParams& p, uint8_t out[3]);

// Resize to the target size then pad to a square (the resized image is not padded if already square),
// pasted at ((side - new_w) // 2, 0) for tall or (0, (side - new_h) // 2) for wide images.
// Result: [side, side, 3] uint8 with side = max(new_w, new_h) (= image_size for valid params).
Image resize_and_pad(const Image& rgb, const ImagePreprocessParams& p);

// x = float32(double(u8) * rescale_factor); if do_normalize, x = (x - float32(mean_c)) / float32(std_c)
// in float32. Input [S, S', 3] uint8 HWC, output [3, S, S'] float32 CHW.
std::vector<float> to_normalized_chw(const Image& img, const ImagePreprocessParams& p);

struct UnderstandingInput {
  Image padded;               // [S, S, 3] uint8 after resize + pad (for tests / dumps)
  std::vector<float> pixels;  // [3, S, S] float32, ready for the vision tower (cast to bf16 there)
};

UnderstandingInput preprocess_for_understanding(const Image& rgb, const ImagePreprocessParams& p = {});

}  // namespace janus
