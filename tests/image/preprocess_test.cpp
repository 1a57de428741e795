// Resize/pad/normalise must reproduce Pillow + the official VLMImageProcessor (references from
// make_cases.py).
#include "io/image/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "image_test_util.h"

namespace janus {
namespace {

ImagePreprocessParams params_from_config(const std::string& file) {
  std::ifstream f(test::image_data_dir() + file);
  if (!f) throw std::runtime_error("missing " + file);
  const auto j = nlohmann::json::parse(f);
  ImagePreprocessParams p;
  p.image_size = j.at("image_size").get<int>();
  p.min_size = j.at("min_size").get<int>();
  for (int c = 0; c < 3; ++c) {
    p.image_mean[c] = j.at("image_mean")[c].get<double>();
    p.image_std[c] = j.at("image_std")[c].get<double>();
  }
  p.rescale_factor = j.at("rescale_factor").get<double>();
  p.do_normalize = j.at("do_normalize").get<bool>();
  return p;
}

const ImagePreprocessParams& janus_params() {
  static const ImagePreprocessParams p = params_from_config("preprocessor_config.Janus-Pro-1B.json");
  return p;
}
const ImagePreprocessParams& flow_params() {
  static const ImagePreprocessParams p = params_from_config("preprocessor_config.JanusFlow-1.3B.json");
  return p;
}

// The tensor formula applied independently to the expected uint8 image.
void expect_tensor_matches(const std::vector<float>& got, const Image& ref, const ImagePreprocessParams& p) {
  const size_t plane = static_cast<size_t>(ref.width) * ref.height;
  ASSERT_EQ(got.size(), plane * 3);
  double worst = 0;
  for (int c = 0; c < 3; ++c)
    for (size_t i = 0; i < plane; ++i) {
      float x = static_cast<float>(ref.rgb[3 * i + c] * p.rescale_factor);
      if (p.do_normalize) x = (x - static_cast<float>(p.image_mean[c])) / static_cast<float>(p.image_std[c]);
      worst = std::max(worst, std::fabs(double(got[c * plane + i]) - double(x)));
    }
  EXPECT_LE(worst, 1e-6);
}

TEST(ImagePreprocess, ConfigsAndBackground) {
  uint8_t bg[3];
  pad_background(janus_params(), bg);
  EXPECT_EQ(bg[0], 127);
  EXPECT_EQ(bg[1], 127);
  EXPECT_EQ(bg[2], 127);
  pad_background(flow_params(), bg);  // int(255 * CLIP mean), not the config's background_color field
  EXPECT_EQ(bg[0], 122);
  EXPECT_EQ(bg[1], 116);
  EXPECT_EQ(bg[2], 104);
  EXPECT_EQ(janus_params().image_size, 384);
  EXPECT_FLOAT_EQ(static_cast<float>(flow_params().image_std[0]), 0.26862954f);
}

TEST(ImagePreprocess, TargetSizeArithmetic) {
  const ImagePreprocessParams p;
  EXPECT_EQ(understanding_target_size(640, 480, p), std::make_pair(384, 288));
  EXPECT_EQ(understanding_target_size(1000, 333, p), std::make_pair(384, 127));
  EXPECT_EQ(understanding_target_size(5, 3, p), std::make_pair(384, 230));
  EXPECT_EQ(understanding_target_size(1000, 20, p), std::make_pair(384, 14));  // min_size
  EXPECT_EQ(understanding_target_size(12, 900, p), std::make_pair(14, 384));
  EXPECT_EQ(understanding_target_size(384, 384, p), std::make_pair(384, 384));
  EXPECT_THROW(understanding_target_size(0, 10, p), Error);
}

TEST(ImagePreprocess, PaddedImageAndTensorMatchOfficialPipeline) {
  const auto cases = test::load_cases();
  const std::string dir = test::image_data_dir();
  int n_pad = 0, n_flow = 0, worst = 0;
  for (const auto& c : cases["cases"]) {
    if (!c.contains("pad")) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Image src = test::read_reference_png(dir + c["rgb"].get<std::string>());
    const UnderstandingInput in = preprocess_for_understanding(src, janus_params());
    const Image ref = test::read_reference_png(dir + c["pad"].get<std::string>());
    ASSERT_EQ(in.padded.width, 384);
    ASSERT_EQ(in.padded.height, 384);
    const int d = test::max_abs_diff(in.padded, ref);
    EXPECT_EQ(d, 0);
    worst = std::max(worst, d);
    expect_tensor_matches(in.pixels, ref, janus_params());
    ++n_pad;
    if (c.contains("flow")) {
      const UnderstandingInput f = preprocess_for_understanding(src, flow_params());
      const Image fref = test::read_reference_png(dir + c["flow"].get<std::string>());
      const int df = test::max_abs_diff(f.padded, fref);
      EXPECT_EQ(df, 0);
      worst = std::max(worst, df);
      expect_tensor_matches(f.pixels, fref, flow_params());
      ++n_flow;
    }
  }
  EXPECT_GE(n_pad, 20);
  EXPECT_GE(n_flow, 3);
  std::printf("padded-image cases: %d janus + %d janusflow, max pixel difference %d\n", n_pad, n_flow, worst);
}

TEST(ImagePreprocess, BicubicAndLanczosMatchPillowAtOtherSizes) {
  const auto cases = test::load_cases();
  const std::string dir = test::image_data_dir();
  int n_bic = 0, n_lan = 0;
  for (const auto& c : cases["cases"]) {
    for (const auto& r : c["resizes"]) {
      SCOPED_TRACE(r["file"].get<std::string>());
      const Image src = test::read_reference_png(dir + c["rgb"].get<std::string>());
      const bool lanczos = r["filter"] == "lanczos";
      const int w = r["width"].get<int>(), h = r["height"].get<int>();
      const Image got = lanczos ? resize_lanczos(src, w, h) : resize_bicubic(src, w, h);
      EXPECT_EQ(test::max_abs_diff(got, test::read_reference_png(dir + r["file"].get<std::string>())), 0);
      ++(lanczos ? n_lan : n_bic);
    }
  }
  EXPECT_GE(n_bic, 2);
  EXPECT_GE(n_lan, 4);
}

TEST(ImagePreprocess, NormalisationValuesAndNoNormalize) {
  Image img;
  img.width = 2;
  img.height = 1;
  img.rgb = {0, 127, 255, 255, 128, 1};
  ImagePreprocessParams p;
  auto t = to_normalized_chw(img, p);  // [3, 1, 2]
  EXPECT_FLOAT_EQ(t[0], -1.0f);        // R of pixel 0
  EXPECT_FLOAT_EQ(t[1], 1.0f);         // R of pixel 1
  EXPECT_FLOAT_EQ(t[4], 1.0f);         // B of pixel 0
  p.do_normalize = false;
  t = to_normalized_chw(img, p);
  EXPECT_EQ(t[2], static_cast<float>(127 * 0.00392156862745098));
  EXPECT_EQ(t[5], static_cast<float>(1 * 0.00392156862745098));
}

TEST(ImagePreprocess, RejectsBadResizeArguments) {
  Image img;
  img.width = img.height = 2;
  img.rgb.assign(12, 0);
  EXPECT_THROW(resize_bicubic(img, 0, 5), Error);
  EXPECT_THROW(resize_lanczos(img, 5, -1), Error);
  Image bad;
  bad.width = 3;
  bad.height = 3;
  EXPECT_THROW(resize_bicubic(bad, 5, 5), Error);
}

}  // namespace
}  // namespace janus
