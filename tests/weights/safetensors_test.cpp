#include "io/weights/safetensors.h"

#include <gtest/gtest.h>

#include "io/weights/tensor_store.h"
#include "weights_test_util.h"

namespace janus::test {
namespace {

// A safetensors file from a header text and `buffer` bytes of data (the length prefix is honest).
std::vector<uint8_t> make_st(const std::string& header, size_t buffer) {
  std::vector<uint8_t> b(8 + header.size() + buffer, 0);
  uint64_t n = header.size();
  std::memcpy(b.data(), &n, 8);
  std::memcpy(b.data() + 8, header.data(), header.size());
  return b;
}

void expect_st_error(const std::string& header, size_t buffer, std::initializer_list<std::string> frags) {
  auto b = make_st(header, buffer);
  SCOPED_TRACE(header);
  expect_error([&] { parse_safetensors_header(b, "t.safetensors"); }, frags);
}

TEST(Safetensors, BasicFileMatchesTorch) {
  const fs::path p = data_dir() / "st_basic.safetensors";
  auto store = TensorStore::open_file(p);
  const auto& exp = expected()["st_basic.safetensors"];
  std::vector<std::string> want;
  size_t bytes = 0;
  for (auto it = exp.begin(); it != exp.end(); ++it) {
    want.push_back(it.key());
    const TensorView& v = store->get(it.key());
    expect_matches(v, *it);
    EXPECT_EQ(v.name, it.key());
    EXPECT_EQ(v.file, p.string());
    bytes += v.nbytes;
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(store->names(), want);
  EXPECT_EQ(store->total_bytes(), bytes);
  EXPECT_EQ(store->files(), std::vector<std::string>{p.string()});
  EXPECT_EQ(store->find("nope"), nullptr);
  expect_error([&] { store->get("nope"); }, {"nope", "not found", p.string()});
}

TEST(Safetensors, ViewsAreZeroCopyIntoTheBuffer) {
  auto bytes = read_bytes(data_dir() / "st_basic.safetensors");
  LoadedTensors lt;
  load_safetensors(bytes, "st_basic.safetensors", lt);
  EXPECT_EQ(lt.copied_tensors, 0u);
  EXPECT_EQ(lt.tensors.size(), expected()["st_basic.safetensors"].size());
  for (const auto& v : lt.tensors) {
    auto* p = static_cast<const uint8_t*>(v.data);
    EXPECT_TRUE(p >= bytes.data() && p + v.nbytes <= bytes.data() + bytes.size()) << v.name;
  }
}

TEST(Safetensors, MisalignedBufferIsCopiedAligned) {
  const fs::path p = data_dir() / "st_misaligned.safetensors";
  auto bytes = read_bytes(p);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  ASSERT_EQ((8 + n) % 8, 1u) << "fixture should have an odd data start";
  LoadedTensors lt;
  load_safetensors(bytes, p.string(), lt);
  EXPECT_EQ(lt.copied_tensors, 2u);
  const auto& exp = expected()["st_misaligned.safetensors"];
  for (const auto& v : lt.tensors) expect_matches(v, exp[v.name]);
}

TEST(Safetensors, Metadata) {
  auto bytes = read_bytes(data_dir() / "st_basic.safetensors");
  auto h = parse_safetensors_header(bytes, "x");
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.metadata.at("note"), "fixture");
  EXPECT_EQ(h.tensors.size(), expected()["st_basic.safetensors"].size());
  EXPECT_EQ(h.data_start % 8, 0u);
}

TEST(Safetensors, MinimalHandWritten) {
  // Written straight from the format description: 2 x F16 then 1 x I32.
  const std::string hdr = R"({"b":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},)"
                          R"("a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})";
  auto b = make_st(hdr, 8);
  const uint8_t data[8] = {0x00, 0x3c, 0x00, 0xc0, 0x2a, 0, 0, 0};  // f16 1.0, -2.0; i32 42
  std::memcpy(b.data() + 8 + hdr.size(), data, 8);
  LoadedTensors lt;
  load_safetensors(b, "m", lt);
  ASSERT_EQ(lt.tensors.size(), 2u);
  const TensorView& a = lt.tensors[0].name == "a" ? lt.tensors[0] : lt.tensors[1];
  const TensorView& bb = lt.tensors[0].name == "a" ? lt.tensors[1] : lt.tensors[0];
  EXPECT_EQ(element(a, 0), 1.0);
  EXPECT_EQ(element(a, 1), -2.0);
  EXPECT_EQ(element(bb, 0), 42.0);
}

TEST(Safetensors, EmptyHeaderObjectIsValid) {
  auto b = make_st("{}", 0);
  EXPECT_TRUE(parse_safetensors_header(b, "e").tensors.empty());
}

TEST(Safetensors, HeaderLengthLies) {
  auto b = make_st(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", 1);
  uint64_t n = b.size();  // one past what is there
  std::memcpy(b.data(), &n, 8);
  expect_error([&] { parse_safetensors_header(b, "t.safetensors"); },
               {"t.safetensors:header_length", "past the end"});
  n = uint64_t(1) << 40;
  std::memcpy(b.data(), &n, 8);
  expect_error([&] { parse_safetensors_header(b, "t.safetensors"); }, {"header_length", "100 MB"});
  n = ~uint64_t(0);
  std::memcpy(b.data(), &n, 8);
  expect_error([&] { parse_safetensors_header(b, "t.safetensors"); }, {"header_length"});
  std::vector<uint8_t> tiny = {1, 0, 0};
  expect_error([&] { parse_safetensors_header(tiny, "t.safetensors"); }, {"t.safetensors", "too small"});
}

TEST(Safetensors, MalformedHeaders) {
  expect_st_error("{\"a\":", 0, {"t.safetensors:header", "not valid JSON"});
  expect_st_error("[1,2]", 0, {"not a JSON object"});
  expect_st_error(R"({"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}})", 4,
                  {"t.safetensors:w.dtype", "F17"});
  expect_st_error(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4, {"w.dtype"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4,
                  {"w.shape", "non-negative"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4, {"w.shape"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}})", 4, {"w.shape"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4, {"w.data_offsets"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4,
                  {"w.data_offsets", "begin > end"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 4, {"w.data_offsets", "past"});
  expect_st_error(R"({"w":[1]})", 0, {"t.safetensors:w", "not an object"});
  expect_st_error(R"({"__metadata__":{"k":1}})", 0, {"__metadata__.k", "not a string"});
  expect_st_error(R"({"__metadata__":[]})", 0, {"__metadata__"});
  expect_st_error(R"({"__metadata__":{"k":[[[[[[[[[[[[1]]]]]]]]]]]}})", 0, {"nested too deeply"});
}

TEST(Safetensors, UnsupportedDtype) {
  auto b = make_st(R"({"w":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}})", 2);
  try {
    parse_safetensors_header(b, "t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("U16"), std::string::npos);
  }
}

TEST(Safetensors, SizeMismatchAndOverflow) {
  expect_st_error(R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,10]}})", 12,
                  {"t.safetensors:w", "12 bytes", "span 10"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})", 4,
                  {"w.shape", "overflows"});
  expect_st_error(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", 8,
                  {"w.shape", "overflows"});
  expect_st_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})", 4,
                  {"w.data_offsets"});
}

TEST(Safetensors, OverlapAndDuplicates) {
  expect_st_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  12, {"overlap", "t.safetensors:"});
  expect_st_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  8, {"t.safetensors:a", "duplicate"});
  // Holes between tensors and zero-size tensors are legal.
  auto ok = make_st(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                    R"("z":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},)"
                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                    12);
  EXPECT_EQ(parse_safetensors_header(ok, "ok").tensors.size(), 3u);
}

TEST(Safetensors, EveryTruncationFailsCleanly) {
  const auto full = read_bytes(data_dir() / "st_basic.safetensors");
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> part(full.begin(), full.begin() + std::ptrdiff_t(n));
    LoadedTensors lt;
    EXPECT_THROW(load_safetensors(part, "cut.safetensors", lt), Error) << "prefix " << n;
  }
}

TEST(Safetensors, EmptyAndMissingFiles) {
  TempDir d;
  write_bytes(d.path / "e.safetensors", {});
  expect_error([&] { TensorStore::open_file(d.path / "e.safetensors"); }, {"e.safetensors", "too small"});
  expect_error([&] { TensorStore::open_file(d.path / "missing.safetensors"); },
               {"missing.safetensors", "cannot open"});
}

}  // namespace
}  // namespace janus::test
