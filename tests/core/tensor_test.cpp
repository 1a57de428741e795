// Owning tensors: zero-filled on creation, including when a large buffer is recycled from an
// earlier tensor of the same size; shapes are validated.
#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/error.h"

using namespace janus;

namespace {

bool all_zero(const Tensor& t) {
  const uint8_t* p = t.data<uint8_t>();
  for (size_t i = 0; i < t.nbytes(); ++i)
    if (p[i]) return false;
  return true;
}

}  // namespace

TEST(Tensor, RecycledBuffersAreZeroFilledAgain) {
  const std::vector<int64_t> shape = {3, 1024, 1024};  // 12 MiB: above the recycling threshold
  const void* first = nullptr;
  {
    Tensor a = Tensor::f32(shape);
    ASSERT_TRUE(all_zero(a));
    for (int64_t i = 0; i < a.numel(); ++i) a.f()[i] = 1.0f + float(i % 7);
    first = a.data<uint8_t>();
  }
  Tensor b = Tensor::f32(shape);  // same size: may be the recycled block
  EXPECT_TRUE(all_zero(b));
  if (b.data<uint8_t>() != first) GTEST_LOG_(INFO) << "block not recycled (another size was kept)";
  Tensor shared = b.reshaped({3, 1024 * 1024});  // shares the buffer: it outlives b's handle
  b = Tensor();
  shared.f()[5] = 2.0f;
  Tensor c = Tensor::f32(shape);
  EXPECT_NE(c.data<uint8_t>(), shared.data<uint8_t>()) << "a buffer still in use was handed out";
  EXPECT_TRUE(all_zero(c));
  release_recycled_buffers();
  Tensor d = Tensor::f32(shape);
  EXPECT_TRUE(all_zero(d));
}

TEST(Tensor, BadShapesAreErrors) {
  EXPECT_THROW(Tensor::f32({2, -1}), Error);
  EXPECT_THROW(Tensor::f32({int64_t(1) << 31, int64_t(1) << 31}), Error);  // overflows a sane size
  Tensor t = Tensor::f32({2, 3});
  EXPECT_THROW(t.reshaped({4, 2}), Error);
  EXPECT_EQ(t.reshaped({3, 2}).numel(), 6);
}
