// Corrupt, truncated and hostile GGUF headers: each is an Error naming the file and the field or
// tensor, never a crash, hang or an allocation larger than the file.
#include <gtest/gtest.h>

#include "gguf_test_util.h"
#include "io/gguf/gguf.h"
#include "io/gguf/gguf_store.h"

namespace janus::test {
namespace {

constexpr uint32_t kF32 = 0, kQ8_0 = 8, kQ4_K = 12;

#define expect_bad(...)       \
  do {                        \
    SCOPED_TRACE(__LINE__);   \
    expect_bad_(__VA_ARGS__); \
  } while (0)

void expect_bad_(const RawGguf& r, ErrorKind kind, std::initializer_list<std::string> frags) {
  expect_error([&] { parse_gguf(r.b, "bad.gguf"); }, kind, frags);
}

// A valid file: one key, two f32 tensors of 4 elements.
RawGguf valid() {
  RawGguf r;
  r.header(2, 1).str("general.name").u32(8).str("x");
  r.tensor("a", {4}, kF32, 0).tensor("b", {2, 2}, kF32, 32).pad().zeros(48);
  return r;
}

TEST(GgufHostile, ValidBaseline) {
  const RawGguf r = valid();
  GgufFile g = parse_gguf(r.b, "ok.gguf");
  ASSERT_EQ(g.tensors.size(), 2u);
  EXPECT_EQ(g.tensors[1].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(*g.get_string("general.name"), "x");
}

TEST(GgufHostile, HeaderFields) {
  RawGguf r;
  expect_bad(r, ErrorKind::Format, {"bad.gguf:magic"});
  r.u32(0x12345678).u32(3);
  expect_bad(r, ErrorKind::Format, {"bad.gguf:magic", "not a GGUF"});
  expect_bad(RawGguf().header(0, 0, 1), ErrorKind::Unsupported, {"bad.gguf:version", "version 1"});
  expect_bad(RawGguf().header(0, 0, 0x03000000), ErrorKind::Unsupported, {"version", "big-endian"});
  expect_bad(RawGguf().header(0, 0, 9), ErrorKind::Format, {"version", "unknown GGUF version 9"});
  expect_bad(RawGguf().u32(0x46554747).u32(3).u32(0), ErrorKind::Format,
             {"bad.gguf", "truncated", "tensor_count"});
  expect_bad(RawGguf().header(uint64_t(1) << 60, 0), ErrorKind::Format,
             {"bad.gguf:tensor_count", "cannot fit"});
  expect_bad(RawGguf().header(0, ~uint64_t(0)), ErrorKind::Format, {"bad.gguf:kv_count", "cannot fit"});
  // v2 has the same layout.
  RawGguf v2;
  v2.header(0, 1, 2).str("k").u32(4).u32(7);
  EXPECT_EQ(*parse_gguf(v2.b, "v2.gguf").get_int("k"), 7);
}

TEST(GgufHostile, MetadataValues) {
  expect_bad(RawGguf().header(0, 1).u64(~uint64_t(0)).zeros(16), ErrorKind::Format,
             {"key 0", "past the end"});
  expect_bad(RawGguf().header(0, 1).str("").zeros(16), ErrorKind::Format, {"key 0", "empty key"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(13), ErrorKind::Format,
             {"bad.gguf:k", "unknown value type 13"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(8).u64(1000).str("x"), ErrorKind::Format,
             {"bad.gguf:k", "past the end"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(6).u8(0), ErrorKind::Format, {"truncated", "value of k"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(7).u8(2), ErrorKind::Format, {"bad.gguf:k", "bool"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(9).u32(4).u64(uint64_t(1) << 61), ErrorKind::Format,
             {"bad.gguf:k", "cannot fit"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(9).u32(8).u64(uint64_t(1) << 40), ErrorKind::Format,
             {"bad.gguf:k", "cannot fit"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(9).u32(9).u64(1), ErrorKind::Unsupported,
             {"bad.gguf:k", "nested"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(9).u32(77).u64(1), ErrorKind::Format,
             {"bad.gguf:k[]", "unknown value type"});
  expect_bad(RawGguf().header(0, 1).str("k").u32(9).u32(8).u64(2).str("a").u64(99), ErrorKind::Format,
             {"k[1]", "past the end"});
  expect_bad(RawGguf().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2), ErrorKind::Format,
             {"bad.gguf:k", "duplicate key"});
  expect_bad(RawGguf().header(0, 1).str("general.alignment").u32(10).u64(32), ErrorKind::Format,
             {"general.alignment", "expected u32"});
  for (uint32_t a : {0u, 3u, 48u})
    expect_bad(RawGguf().header(0, 1).str("general.alignment").u32(4).u32(a), ErrorKind::Format,
               {"general.alignment", "power of two"});
  // Invalid UTF-8 is kept as bytes, as ggml does.
  RawGguf ok;
  ok.header(0, 1).str("k").u32(8).str("\xc3\x28");
  EXPECT_EQ(*parse_gguf(ok.b, "ok.gguf").get_string("k"), "\xc3\x28");
}

RawGguf one_tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset,
                   size_t data = 64) {
  RawGguf r;
  r.header(1, 0).tensor(name, std::move(ne), type, offset).pad().zeros(data);
  return r;
}

TEST(GgufHostile, TensorInfos) {
  expect_bad(one_tensor(std::string(64, 'n'), {4}, kF32, 0), ErrorKind::Format, {"nnnn", "64 bytes", "63"});
  expect_bad(RawGguf().header(1, 0).str("").zeros(32), ErrorKind::Format, {"tensor 0", "empty tensor name"});
  expect_bad(one_tensor("t", {1, 1, 1, 1, 1}, kF32, 0), ErrorKind::Format,
             {"bad.gguf:t.n_dims", "5 dimensions"});
  expect_bad(one_tensor("t", {uint64_t(1) << 62, uint64_t(1) << 62}, kF32, 0), ErrorKind::Format,
             {"bad.gguf:t.ne", "overflows"});
  expect_bad(one_tensor("t", {~uint64_t(0)}, kF32, 0), ErrorKind::Format, {"bad.gguf:t.ne"});
  expect_bad(one_tensor("t", {uint64_t(1) << 62}, kF32, 0), ErrorKind::Format, {"bad.gguf:t"});
  expect_bad(one_tensor("t", {32}, kQ4_K, 0), ErrorKind::Unsupported, {"bad.gguf:t.type", "q4_K"});
  expect_bad(one_tensor("t", {32}, 99, 0), ErrorKind::Format, {"bad.gguf:t.type", "unknown ggml type id 99"});
  expect_bad(one_tensor("t", {33, 1}, kQ8_0, 0), ErrorKind::Format, {"bad.gguf:t.ne", "multiple"});
  expect_bad(one_tensor("t", {4}, kF32, 4), ErrorKind::Format, {"bad.gguf:t.offset", "alignment"});
  expect_bad(one_tensor("t", {4}, kF32, 64), ErrorKind::Format, {"bad.gguf:t.offset", "past the end"});
  expect_bad(one_tensor("t", {32}, kF32, 0, 100), ErrorKind::Format, {"bad.gguf:t.offset", "past the end"});
  expect_bad(one_tensor("t", {4}, kF32, ~uint64_t(0) - 31), ErrorKind::Format, {"bad.gguf:t.offset"});
  expect_bad(RawGguf().header(1, 0).tensor("t", {4}, kF32, 0), ErrorKind::Format, {"bad.gguf:data"});

  RawGguf overlap;
  overlap.header(2, 0).tensor("a", {16}, kF32, 0).tensor("b", {4}, kF32, 32).pad().zeros(128);
  expect_bad(overlap, ErrorKind::Format, {"bad.gguf:b.offset", "overlaps tensor a"});
  RawGguf dup;
  dup.header(2, 0).tensor("a", {4}, kF32, 0).tensor("a", {4}, kF32, 32).pad().zeros(64);
  expect_bad(dup, ErrorKind::Format, {"bad.gguf:a", "duplicate tensor name"});
}

TEST(GgufHostile, EveryTruncationIsAnError) {
  const RawGguf r = valid();
  const size_t data_end = r.b.size();  // tensor b ends the file
  for (size_t n = 0; n < data_end; ++n) {
    std::span<const uint8_t> prefix(r.b.data(), n);
    try {
      parse_gguf(prefix, "cut.gguf");
      ADD_FAILURE() << "prefix of " << n << " bytes parsed";
    } catch (const Error& e) {
      EXPECT_EQ(int(e.kind()), int(ErrorKind::Format)) << e.what();
      EXPECT_NE(std::string(e.what()).find("cut.gguf"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(parse_gguf(std::span<const uint8_t>(r.b.data(), data_end), "exact.gguf"));
}

TEST(GgufHostile, StoreOpensOnlyValidFiles) {
  TempDir dir("hostile");
  write_file(dir.path / "empty.gguf", {});
  expect_error([&] { GgufStore s(dir.path / "empty.gguf"); }, ErrorKind::Format, {"empty.gguf"});
  expect_error([&] { GgufStore s(dir.path / "missing.gguf"); }, ErrorKind::Io, {"missing.gguf"});
  write_file(dir.path / "ok.gguf", valid().b);
  GgufStore s(dir.path / "ok.gguf");
  EXPECT_EQ(s.names(), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace janus::test
