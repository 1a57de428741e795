// Hostile input: truncations, bit flips, absurd headers and limits must give janus::Error, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/error.h"
#include "image_test_util.h"

namespace janus {
namespace {

// Decodes and accepts either success (with a consistent buffer) or janus::Error; anything else fails.
void decode_or_error(const std::vector<uint8_t>& bytes, const std::string& what) {
  try {
    const Image img = decode_image_memory(bytes.data(), bytes.size(), "<memory>");
    EXPECT_GT(img.width, 0) << what;
    EXPECT_EQ(img.rgb.size(), size_t(img.width) * img.height * 3) << what;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("<memory>", 0), 0u) << what << ": " << e.what();
  }
}

TEST(ImageRobustness, TruncationsAndBitFlipsOfEveryFixture) {
  const auto cases = test::load_cases();
  std::mt19937 rng(20240611);
  int runs = 0;
  for (const auto& c : cases["cases"]) {
    const std::string file = c["file"].get<std::string>();
    const auto bytes = test::read_bytes(test::image_data_dir() + file);
    ASSERT_FALSE(bytes.empty()) << file;
    // Truncations: every short prefix near the header, then evenly spaced cuts.
    for (size_t n : {size_t(1), size_t(2), size_t(7), size_t(13), size_t(26), size_t(40), size_t(60)})
      if (n < bytes.size())
        decode_or_error({bytes.begin(), bytes.begin() + n}, file + " cut " + std::to_string(n)), ++runs;
    for (int k = 1; k < 8; ++k) {
      const size_t n = bytes.size() * k / 8;
      decode_or_error({bytes.begin(), bytes.begin() + n}, file + " cut " + std::to_string(n));
      ++runs;
    }
    // Random bit flips, biased to the header where the parsers branch the most.
    for (int t = 0; t < 24; ++t) {
      auto m = bytes;
      const int flips = 1 + t % 4;
      for (int f = 0; f < flips; ++f) {
        const size_t span = (t % 2 == 0) ? std::min<size_t>(m.size(), 128) : m.size();
        m[rng() % span] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      decode_or_error(m, file + " flip " + std::to_string(t));
      ++runs;
    }
  }
  EXPECT_GT(runs, 1000);
}

TEST(ImageRobustness, GarbageAndEmptyInput) {
  EXPECT_THROW(decode_image_memory(nullptr, 0, "x.png"), Error);
  const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  try {
    decode_image_memory(junk, sizeof(junk), "junk.bin");
    FAIL() << "garbage decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("junk.bin"), std::string::npos);
  }
  std::mt19937 rng(7);
  for (const char* magic : {"\x89PNG\r\n\x1a\n", "\xFF\xD8\xFF", "RIFF\0\0\0\0WEBP", "GIF89a", "BM"}) {
    for (int t = 0; t < 50; ++t) {
      const size_t mlen = magic[0] == 'R' ? 12 : std::strlen(magic);  // the WebP magic holds NULs
      std::vector<uint8_t> b(magic, magic + mlen);
      const size_t extra = rng() % 300;
      for (size_t i = 0; i < extra; ++i) b.push_back(static_cast<uint8_t>(rng()));
      decode_or_error(b, std::string("random after magic ") + std::to_string(t));
    }
  }
}

TEST(ImageRobustness, MissingFileNamesThePath) {
  try {
    decode_image_file("/nonexistent/dir/cat.jpg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/cat.jpg"), std::string::npos);
  }
}

TEST(ImageRobustness, PixelLimitIsCheckedForEveryFormat) {
  ImageLimits tiny;
  tiny.max_pixels = 100;  // every fixture is larger than 10x10
  for (const char* f :
       {"tiny_5x3.png", "doge_wide_q90.jpg", "rgb_webp_lossy.webp", "rgb_bmp24.bmp", "pie_gif.gif"}) {
    SCOPED_TRACE(f);
    if (std::string(f) == "tiny_5x3.png") {
      EXPECT_NO_THROW(decode_image_file(test::image_data_dir() + f, tiny));
      continue;
    }
    try {
      decode_image_file(test::image_data_dir() + f, tiny);
      FAIL() << "limit not enforced";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find("pixels"), std::string::npos) << e.what();
    }
  }
}

// Headers claiming enormous or zero sizes must be rejected before any pixel allocation.
TEST(ImageRobustness, AbsurdHeaderDimensions) {
  // BMP: 40-byte header, 24-bit, 60000 x 60000 (3.6 Gpx) with no pixel data.
  std::vector<uint8_t> bmp(54, 0);
  bmp[0] = 'B', bmp[1] = 'M', bmp[10] = 54, bmp[14] = 40;
  auto put32 = [](std::vector<uint8_t>& v, size_t at, uint32_t x) {
    for (int i = 0; i < 4; ++i) v[at + i] = static_cast<uint8_t>(x >> (8 * i));
  };
  put32(bmp, 18, 60000);
  put32(bmp, 22, 60000);
  bmp[26] = 1, bmp[28] = 24;
  EXPECT_THROW(decode_image_memory(bmp.data(), bmp.size(), "big.bmp"), Error);
  put32(bmp, 18, 0);
  EXPECT_THROW(decode_image_memory(bmp.data(), bmp.size(), "zero.bmp"), Error);
  put32(bmp, 18, 0x80000000u);  // negative width
  EXPECT_THROW(decode_image_memory(bmp.data(), bmp.size(), "neg.bmp"), Error);

  // GIF: logical screen 65535 x 65535 with a 1x1 frame.
  const uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0,    0,    0, ',', 0,
                         0,   0,   0,   1,   0,   1,   0,    0,    2,    2,    0x44, 0x01, 0, ';'};
  try {
    decode_image_memory(gif, sizeof(gif), "screen.gif");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pixels"), std::string::npos) << e.what();
  }

  // JPEG: patch the SOF of a real fixture to 65000 x 65000.
  auto jpg = test::read_bytes(test::image_data_dir() + "coco_gray_jpeg.jpg");
  bool patched = false;
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (jpg[i] == 0xFF && (jpg[i + 1] == 0xC0 || jpg[i + 1] == 0xC2)) {
      jpg[i + 5] = 0xFD, jpg[i + 6] = 0xE8, jpg[i + 7] = 0xFD, jpg[i + 8] = 0xE8;
      patched = true;
      break;
    }
  ASSERT_TRUE(patched);
  EXPECT_THROW(decode_image_memory(jpg.data(), jpg.size(), "big.jpg"), Error);

  // PNG: IHDR 70000 x 70000 (over the per-side limit; CRC left wrong on purpose is also an error).
  auto png = test::read_bytes(test::image_data_dir() + "tiny_5x3.png");
  png[16] = 0, png[17] = 1, png[18] = 0x11, png[19] = 0x70;
  png[20] = 0, png[21] = 1, png[22] = 0x11, png[23] = 0x70;
  EXPECT_THROW(decode_image_memory(png.data(), png.size(), "big.png"), Error);
}

TEST(ImageRobustness, FileSizeLimit) {
  ImageLimits l;
  l.max_file_bytes = 10;
  EXPECT_THROW(decode_image_file(test::image_data_dir() + "tiny_5x3.png", l), Error);
}

}  // namespace
}  // namespace janus
