#include "io/image/encode_png.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {
Image pattern(int w, int h) {
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t((i * 37) ^ (i >> 7));
  return img;
}
}  // namespace

// Our decoder (tested against Pillow) reads back exactly what the encoder wrote.
TEST(EncodePng, RoundTripsThroughTheDecoder) {
  Image img = pattern(37, 23);
  std::vector<uint8_t> png = encode_png(img, {{"prompt", "a red fox — 狐狸"}, {"seed", "42"}});
  Image back = decode_image_memory(png.data(), png.size(), "t.png");
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 23);
  EXPECT_EQ(back.rgb, img.rgb);
  // The UTF-8 metadata is stored verbatim in an iTXt chunk.
  std::string s(png.begin(), png.end());
  EXPECT_NE(s.find("iTXt"), std::string::npos);
  EXPECT_NE(s.find("a red fox \xe2\x80\x94 \xe7\x8b\x90\xe7\x8b\xb8"), std::string::npos);
}

TEST(EncodePng, NeverOverwritesUnlessAsked) {
  fs::path dir = fs::temp_directory_path() / "janus_png_test";
  fs::create_directories(dir);
  fs::path p = dir / "out.png";
  fs::remove(p);
  write_png_file(p.string(), pattern(4, 4));
  EXPECT_THROW(write_png_file(p.string(), pattern(5, 5)), Error);
  EXPECT_EQ(decode_image_file(p.string()).width, 4);  // untouched
  write_png_file(p.string(), pattern(5, 5), {}, /*overwrite=*/true);
  EXPECT_EQ(decode_image_file(p.string()).width, 5);
  EXPECT_THROW(write_png_file((dir / "missing-folder" / "x.png").string(), pattern(2, 2)), Error);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos);
  fs::remove_all(dir);
}

TEST(EncodePng, RejectsInconsistentBuffers) {
  Image bad{4, 4, std::vector<uint8_t>(10)};
  EXPECT_THROW(encode_png(bad), Error);
}
