// GGUF writer -> reader round trips: every supported tensor dtype and every metadata type.
#include <gtest/gtest.h>

#include <cmath>

#include "core/quant.h"
#include "gguf_test_util.h"
#include "io/gguf/gguf.h"
#include "io/gguf/gguf_store.h"
#include "io/gguf/gguf_writer.h"
#include "io/weights/mapped_file.h"

namespace janus::test {
namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 31 + seed);
  return v;
}

GgufWriter::Bytes bytes_of(const std::vector<uint8_t>& v) {
  return [&v](std::vector<uint8_t>&) { return std::span<const uint8_t>(v); };
}

TEST(GgufRoundTrip, EveryDtypeAndMetadataType) {
  TempDir dir("rt");
  std::vector<float> q_src(2 * 64);
  for (size_t i = 0; i < q_src.size(); ++i) q_src[i] = std::sin(float(i)) * 3.0f;
  std::vector<uint8_t> q8(2 * 2 * 34), q4(2 * 2 * 18);
  quant::quantize(DType::Q8_0, q_src.data(), int64_t(q_src.size()), q8.data());
  quant::quantize(DType::Q4_0, q_src.data(), int64_t(q_src.size()), q4.data());
  const std::vector<uint8_t> f32 = pattern(3 * 5 * 4, 1), f16 = pattern(7 * 2, 2),
                             bf16 = pattern(2 * 3 * 4 * 2, 3);
  const std::vector<uint8_t> scalar = pattern(4, 4);

  for (uint32_t align : {32u, 64u, 1u}) {
    SCOPED_TRACE(align);
    GgufWriter w(align);
    w.set("general.architecture", GgufValue::of_string("llama"));
    const GgufType scalars[] = {GgufType::U8,  GgufType::I8,  GgufType::U16, GgufType::I16,
                                GgufType::U32, GgufType::I32, GgufType::F32, GgufType::Bool,
                                GgufType::U64, GgufType::I64, GgufType::F64};
    for (GgufType t : scalars) {
      const std::string n(gguf_type_name(t));
      w.set("t.scalar." + n, GgufValue::scalar(t, 1, -1, 0.5));
      w.set("t.array." + n,
            GgufValue::array_of(t, {GgufValue::scalar(t, 0, -2, -1.25), GgufValue::scalar(t, 1, 3, 2.5)}));
    }
    w.set("t.string", GgufValue::of_string(std::string("bad utf-8 \xff\xfe ok", 15)));
    w.set("t.strings", GgufValue::of_strings({"a", "", "\xe2\x96\x81x"}));
    w.set("t.empty_array", GgufValue::of_strings({}));
    w.set("t.big", GgufValue::of_u64(uint64_t(1) << 63));
    w.add_tensor("f32", DType::F32, {3, 5}, bytes_of(f32));
    w.add_tensor("f16", DType::F16, {7}, bytes_of(f16));
    w.add_tensor("bf16", DType::BF16, {2, 3, 4}, bytes_of(bf16));
    w.add_tensor("scalar", DType::F32, {}, bytes_of(scalar));
    w.add_tensor("q8", DType::Q8_0, {2, 64}, bytes_of(q8));
    w.add_tensor("q4", DType::Q4_0, {2, 64}, bytes_of(q4));
    const fs::path out = dir.path / ("rt" + std::to_string(align) + ".gguf");
    w.write(out, false);

    GgufStore store(out);
    const GgufFile& g = store.gguf();
    EXPECT_EQ(g.version, 3u);
    EXPECT_EQ(g.alignment, align);
    EXPECT_EQ(g.require_string("general.architecture"), "llama");
    for (GgufType t : scalars) {
      const std::string n(gguf_type_name(t));
      const GgufValue& s = *g.find("t.scalar." + n);
      EXPECT_EQ(s.type, t);
      if (t == GgufType::F32 || t == GgufType::F64) {
        EXPECT_EQ(*g.get_float("t.scalar." + n), 0.5);
      } else if (t == GgufType::Bool) {
        EXPECT_TRUE(*g.get_bool("t.scalar." + n));
      } else {
        const bool sgn = t == GgufType::I8 || t == GgufType::I16 || t == GgufType::I32 || t == GgufType::I64;
        EXPECT_EQ(*g.get_int("t.scalar." + n), sgn ? -1 : 1);
      }
      const GgufValue& a = *g.find("t.array." + n);
      ASSERT_EQ(a.type, GgufType::Array);
      EXPECT_EQ(a.elem, t);
      ASSERT_EQ(a.count, 2u);
      if (a.elem == GgufType::F32 || a.elem == GgufType::F64) {
        EXPECT_EQ(a.element(0).f, -1.25);
        EXPECT_EQ(a.element(1).f, 2.5);
      } else if (t != GgufType::Bool && t != GgufType::U8 && t != GgufType::U16 && t != GgufType::U32 &&
                 t != GgufType::U64) {
        EXPECT_EQ(*g.get_int_array("t.array." + n), (std::vector<int64_t>{-2, 3}));
      } else {
        EXPECT_EQ(a.element(0).u, 0u);
        EXPECT_EQ(a.element(1).u, 1u);
      }
    }
    EXPECT_EQ(*g.get_string("t.string"), std::string("bad utf-8 \xff\xfe ok", 15));
    EXPECT_EQ(*g.get_string_array("t.strings"), (std::vector<std::string>{"a", "", "\xe2\x96\x81x"}));
    EXPECT_TRUE(g.get_string_array("t.empty_array")->empty());
    EXPECT_EQ(*g.get_uint("t.big"), uint64_t(1) << 63);
    EXPECT_FALSE(g.get_string("absent"));
    // Typed accessors name the key when the type is wrong.
    expect_error([&] { g.get_string("t.big"); }, ErrorKind::Format, {"t.big", "expected a string", "u64"});
    expect_error([&] { g.get_int("t.big"); }, ErrorKind::Format, {"t.big", "out of range"});
    expect_error([&] { g.get_uint("t.scalar.i8"); }, ErrorKind::Format, {"t.scalar.i8", "negative"});

    struct Want {
      const char* name;
      DType dtype;
      std::vector<int64_t> shape;
      const std::vector<uint8_t>* bytes;
    } wants[] = {{"f32", DType::F32, {3, 5}, &f32},       {"f16", DType::F16, {7}, &f16},
                 {"bf16", DType::BF16, {2, 3, 4}, &bf16}, {"scalar", DType::F32, {}, &scalar},
                 {"q8", DType::Q8_0, {2, 64}, &q8},       {"q4", DType::Q4_0, {2, 64}, &q4}};
    EXPECT_EQ(store.names().size(), 6u);
    size_t total = 0;
    for (const Want& want : wants) {
      const TensorView& v = store.get(want.name);
      EXPECT_EQ(v.dtype, want.dtype) << want.name;
      EXPECT_EQ(v.shape, want.shape) << want.name;
      ASSERT_EQ(v.nbytes, want.bytes->size()) << want.name;
      EXPECT_EQ(std::memcmp(v.data, want.bytes->data(), v.nbytes), 0) << want.name;
      total += v.nbytes;
    }
    for (const GgufTensorInfo& t : g.tensors) EXPECT_EQ(t.file_offset % align, 0u) << t.name;
    EXPECT_EQ(store.total_bytes(), total);
    // Block data decodes to the quantized source.
    std::vector<float> back(q_src.size());
    quant::dequantize(DType::Q8_0, store.get("q8").data, 0, int64_t(back.size()), back.data());
    for (size_t i = 0; i < back.size(); ++i) EXPECT_NEAR(back[i], q_src[i], 0.03f);
    store.drop_pages(store.get("f32"));  // a hint only: the bytes stay readable
    EXPECT_EQ(std::memcmp(store.get("f32").data, f32.data(), f32.size()), 0);
  }
}

TEST(GgufRoundTrip, RenamedStore) {
  TempDir dir("rename");
  const std::vector<uint8_t> a = pattern(8, 0);
  GgufWriter w;
  w.add_tensor("a", DType::F32, {2}, bytes_of(a));
  w.add_tensor("b", DType::F32, {2}, bytes_of(a));
  w.write(dir.path / "r.gguf", false);
  GgufStore s(dir.path / "r.gguf", [](const std::string& n) { return "x." + n; });
  EXPECT_EQ(s.names(), (std::vector<std::string>{"x.a", "x.b"}));
  EXPECT_EQ(s.get("x.a").name, "x.a");
  EXPECT_EQ(s.find("a"), nullptr);
  expect_error([&] { s.get("a"); }, ErrorKind::Model, {"a", "not found"});
  expect_error(
      [&] { GgufStore(dir.path / "r.gguf", [](const std::string&) { return std::string("same"); }); },
      ErrorKind::Format, {"r.gguf", "same"});
}

TEST(GgufWriter, RefusesExistingOutputAndLeavesNoPartialFile) {
  TempDir dir("out");
  const std::vector<uint8_t> a = pattern(64, 0);
  GgufWriter w;
  w.set("k", GgufValue::of_u32(1));
  w.add_tensor("a", DType::F32, {16}, bytes_of(a));
  const fs::path out = dir.path / "m.gguf";
  { std::ofstream(out) << "precious"; }
  expect_error([&] { w.write(out, false); }, ErrorKind::Io, {"m.gguf", "already exists"});
  std::ifstream in(out);
  std::string s;
  in >> s;
  EXPECT_EQ(s, "precious");
  w.write(out, true);
  GgufStore st(out);
  EXPECT_EQ(*st.gguf().get_int("k"), 1);

  // Cancellation and a failing tensor leave neither the output nor a temporary file.
  const fs::path out2 = dir.path / "n.gguf";
  bool cancelled = false;
  expect_error(
      [&] {
        w.write(
            out2, false, [](size_t, size_t) { return false; }, &cancelled);
      },
      ErrorKind::InvalidArgument, {"cancelled"});
  EXPECT_TRUE(cancelled);
  GgufWriter bad;
  bad.add_tensor("a", DType::F32, {16}, [](std::vector<uint8_t>&) -> std::span<const uint8_t> {
    fail(ErrorKind::Model, "a", "source unreadable");
  });
  expect_error([&] { bad.write(out2, false); }, ErrorKind::Model, {"source unreadable"});
  size_t files = 0;
  for (auto& e : fs::directory_iterator(dir.path)) files += e.path().filename() != "m.gguf";
  EXPECT_EQ(files, 0u);
}

TEST(GgufWriter, RejectsWhatGgufCannotHold) {
  GgufWriter w;
  auto none = [](std::vector<uint8_t>& s) { return std::span<const uint8_t>(s); };
  expect_error([&] { w.add_tensor(std::string(64, 'n'), DType::F32, {1}, none); }, ErrorKind::InvalidArgument,
               {"63 bytes"});
  expect_error([&] { w.add_tensor("i", DType::I64, {1}, none); }, ErrorKind::InvalidArgument, {"I64"});
  expect_error(
      [&] {
        w.add_tensor("q", DType::Q8_0, {2, 33}, none);
      },
      ErrorKind::InvalidArgument, {"blocks of 32"});
  expect_error(
      [&] {
        w.add_tensor("d", DType::F32, {1, 1, 1, 1, 1}, none);
      },
      ErrorKind::InvalidArgument, {"at most 4"});
  w.add_tensor("ok", DType::F32, {1}, none);
  expect_error([&] { w.add_tensor("ok", DType::F32, {1}, none); }, ErrorKind::InvalidArgument, {"duplicate"});
  expect_error([&] { GgufWriter(3); }, ErrorKind::InvalidArgument, {"power of two"});
}

}  // namespace
}  // namespace janus::test
