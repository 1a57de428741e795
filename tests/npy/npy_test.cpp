#include "io/npy/npy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

using namespace janus;
namespace fs = std::filesystem;

static fs::path data(const char* f) {
  return fs::path(JANUS_SOURCE_DIR) / "tests/data/npy" / f;
}

// Fixtures written by numpy (tests/data/npy, regenerate: see tools/README.md).
TEST(Npy, ReadsNumpyWrittenArrays) {
  NpyArray a = read_npy(data("f32_2x3.npy"));
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.to_f32(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f}));
  NpyArray b = read_npy(data("i64_vec.npy"));
  EXPECT_EQ(b.to_i64(), (std::vector<int64_t>{100000, -1, 7, int64_t(1) << 40}));
  NpyArray c = read_npy(data("u8_scalar.npy"));
  EXPECT_TRUE(c.shape.empty());
  EXPECT_EQ(c.to_i64(), (std::vector<int64_t>{255}));
  EXPECT_EQ(read_npy(data("f16_2.npy")).to_f32(), (std::vector<float>{1.5f, -0.25f}));
}

TEST(Npy, RejectsWhatItCannotRepresent) {
  EXPECT_THROW(read_npy(data("fortran.npy")), Error);
  EXPECT_THROW(read_npy(data("big_endian.npy")), Error);
  EXPECT_THROW(read_npy(data("missing.npy")), Error);
}

TEST(Npy, WriteReadRoundTrip) {
  fs::path p = fs::temp_directory_path() / "janus_npy_rt.npy";
  std::vector<int64_t> v = {1, -2, 3};
  write_npy_i64(p, {3}, v.data());
  EXPECT_EQ(read_npy(p).to_i64(), v);
  float f[4] = {1, 2, 3, 4};
  write_npy_f32(p, {2, 1, 2}, f);
  NpyArray a = read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(a.to_f32(), (std::vector<float>{1, 2, 3, 4}));
  fs::remove(p);
}

TEST(Npy, EveryTruncationIsAnError) {
  std::ifstream in(data("f32_2x3.npy"), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_THROW(parse_npy(bytes.data(), n, "t"), Error) << n;
  EXPECT_NO_THROW(parse_npy(bytes.data(), bytes.size(), "t"));
}
