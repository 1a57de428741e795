// Decoded pixels must equal Pillow's Image.open(f).convert("RGB") (references from make_cases.py).
#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "image_test_util.h"

namespace janus {
namespace {

TEST(ImageDecode, MatchesPillowConvertRgbForEveryCase) {
  const auto cases = test::load_cases();
  ASSERT_GE(cases["cases"].size(), 20u);
  std::map<std::string, int> formats;
  int worst = 0;
  for (const auto& c : cases["cases"]) {
    const std::string dir = test::image_data_dir();
    SCOPED_TRACE(c["name"].get<std::string>() + " (" + c["format"].get<std::string>() + " " +
                 c["pil_mode"].get<std::string>() + ")");
    const Image got = decode_image_file(dir + c["file"].get<std::string>());
    const Image ref = test::read_reference_png(dir + c["rgb"].get<std::string>());
    ASSERT_EQ(got.width, c["width"].get<int>());
    ASSERT_EQ(got.height, c["height"].get<int>());
    const int d = test::max_abs_diff(got, ref);
    EXPECT_EQ(d, 0) << "max |diff| vs Pillow";
    worst = std::max(worst, d);
    formats[c["format"].get<std::string>()]++;
  }
  for (const char* f : {"PNG", "JPEG", "WEBP", "BMP", "GIF"}) EXPECT_GT(formats[f], 0) << f;
  std::printf("max pixel difference vs Pillow over all decode cases: %d\n", worst);
}

TEST(ImageDecode, SniffsFormatFromBytesNotExtension) {
  // janus_equation.png is really a JPEG (copied byte-exact from the Janus repo).
  const auto bytes = test::read_bytes(test::image_data_dir() + "equation_real.png");
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(detect_image_format(bytes.data(), bytes.size()), ImageFormat::Jpeg);
  const uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a'};
  EXPECT_EQ(detect_image_format(gif, sizeof(gif)), ImageFormat::Gif);
  const uint8_t webp[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  EXPECT_EQ(detect_image_format(webp, sizeof(webp)), ImageFormat::Webp);
  const uint8_t text[] = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(detect_image_format(text, sizeof(text)), ImageFormat::Unknown);
}

TEST(ImageDecode, MemoryAndFileAgree) {
  const std::string path = test::image_data_dir() + "rgb_webp_lossy.webp";
  const auto bytes = test::read_bytes(path);
  const Image a = decode_image_file(path);
  const Image b = decode_image_memory(bytes.data(), bytes.size());
  EXPECT_EQ(test::max_abs_diff(a, b), 0);
}

}  // namespace
}  // namespace janus
