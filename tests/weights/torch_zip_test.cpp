#include <gtest/gtest.h>

#include "io/weights/tensor_store.h"
#include "io/weights/torch_checkpoint.h"
#include "io/weights/zip_reader.h"
#include "weights_test_util.h"
#include "zip_builder.h"

namespace janus::test {
namespace {

void expect_all_match(const std::string& fixture, const std::string& expected_key) {
  auto store = TensorStore::open_file(data_dir() / fixture);
  const auto& exp = expected()[expected_key];
  ASSERT_EQ(store->names().size(), exp.size());
  for (auto it = exp.begin(); it != exp.end(); ++it) expect_matches(store->get(it.key()), *it);
}

TEST(TorchZip, BasicCheckpointMatchesTorch) {
  expect_all_match("torch_basic.bin", "torch_basic.bin");
}
TEST(TorchZip, ModuleStateDictWithMetadata) {
  expect_all_match("torch_module.bin", "torch_module.bin");
}
TEST(TorchZip, Zip64EverywhereRepack) {
  expect_all_match("torch_zip64.bin", "torch_basic.bin");
}
TEST(TorchZip, PythonZipfileForceZip64Repack) {
  expect_all_match("torch_pyzip64.bin", "torch_basic.bin");
}

TEST(TorchZip, ContiguousViewsAreZeroCopyAndStridedOnesAreCopied) {
  auto bytes = read_bytes(data_dir() / "torch_basic.bin");
  LoadedTensors lt;
  load_torch_zip(bytes, "torch_basic.bin", lt);
  std::map<std::string, const TensorView*> by;
  for (const auto& v : lt.tensors) by[v.name] = &v;
  auto inside = [&](const TensorView* v) {
    auto* p = static_cast<const uint8_t*>(v->data);
    return p >= bytes.data() && p + v->nbytes <= bytes.data() + bytes.size();
  };
  const auto& exp = expected()["torch_basic.bin"];
  size_t strided = 0;
  for (auto it = exp.begin(); it != exp.end(); ++it) {
    // Row-major strides of the shape, ignoring size-1 dims, tell torch's contiguity.
    std::vector<int64_t> shape = (*it)["shape"], stride = (*it)["stride"];
    bool contiguous = true;
    int64_t want = 1, numel = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      if (shape[d] > 1 && stride[d] != want) contiguous = false;
      want *= shape[d];
      numel *= shape[d];
    }
    if (numel > 0 && !contiguous) ++strided;
    EXPECT_EQ(inside(by.at(it.key())), contiguous || numel == 0) << it.key();
  }
  EXPECT_EQ(strided, 3u);  // base_t, grid_slice, grid_col
  EXPECT_EQ(lt.copied_tensors, strided);
  // grid_row = grid[2]: a zero-copy view 10 elements into grid's storage.
  EXPECT_EQ(static_cast<const uint8_t*>(by.at("grid_row")->data),
            static_cast<const uint8_t*>(by.at("grid")->data) + 10 * 2);
  EXPECT_EQ(by.at("tied_a")->data, by.at("tied_b")->data);
}

TEST(TorchZip, Zip64DirectoryIsRead) {
  auto bytes = read_bytes(data_dir() / "torch_zip64.bin");
  ZipArchive z(bytes, "z");
  const ZipEntry* pkl = z.find("torch_basic/data.pkl");
  ASSERT_NE(pkl, nullptr);
  EXPECT_EQ(pkl->data_offset % 64, 0u);
  EXPECT_EQ(crc32_of(z.stored_data(*pkl)), pkl->crc32);
  EXPECT_NE(z.find("torch_basic/version"), nullptr);
  EXPECT_EQ(z.find("torch_basic/nope"), nullptr);
}

TEST(TorchZip, DeflatedEntryIsRefused) {
  try {
    TensorStore::open_file(data_dir() / "torch_deflate.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("torch_deflate.bin:torch_basic/data.pkl"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("compressed"), std::string::npos);
  }
}

TEST(TorchZip, NonZipAndLegacyFiles) {
  TempDir d;
  write_text(d.path / "text.bin", "this is not a checkpoint at all, just some text bytes......");
  expect_error([&] { TensorStore::open_file(d.path / "text.bin"); }, {"text.bin", "not a zip archive"});
  write_bytes(d.path / "legacy.bin",
              {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8});
  expect_error([&] { TensorStore::open_file(d.path / "legacy.bin"); }, {"legacy.bin", "legacy"});
  write_bytes(d.path / "empty.bin", {});
  expect_error([&] { TensorStore::open_file(d.path / "empty.bin"); }, {"empty.bin", "not a zip"});
  // A valid zip without data.pkl is not a checkpoint.
  write_bytes(d.path / "other.bin", make_zip({{"x/readme.txt", Bytes{'h', 'i'}, 0}}));
  expect_error([&] { TensorStore::open_file(d.path / "other.bin"); }, {"other.bin", "data.pkl"});
}

TEST(TorchZip, HandBuiltCheckpointRoundTrip) {
  // f32 storage of 6 elements; tensor = storage[1:].view(5) and a transposed 2x2 view at offset 2.
  Bytes storage(24);
  for (int i = 0; i < 6; ++i) {
    float f = float(i) + 0.5f;
    std::memcpy(storage.data() + 4 * i, &f, 4);
  }
  PickleBuilder p;
  p.ordered_dict().raw({'('}).str("v").tensor("FloatStorage", "0", 6, 1, {5}, {1});
  p.str("t").tensor("FloatStorage", "0", 6, 2, {2, 2}, {1, 2}).raw({'u'});
  auto bytes = checkpoint(p.stop(), {{"0", storage}});
  LoadedTensors lt;
  load_torch_zip(bytes, "hb", lt);
  ASSERT_EQ(lt.tensors.size(), 2u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(element(lt.tensors[0], i), i + 1.5);
  // t[i][j] = storage[2 + i + 2j] -> [[2.5, 4.5], [3.5, 5.5]]
  const double want[] = {2.5, 4.5, 3.5, 5.5};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(element(lt.tensors[1], i), want[i]);
}

TEST(TorchZip, StorageAndBoundsChecks) {
  const Bytes s24(24);
  auto load = [](const Bytes& b) {
    LoadedTensors lt;
    load_torch_zip(b, "ck.bin", lt);
  };
  // Storage entry shorter than numel x element size.
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 7, 0, {6}, {1}), {{"0", s24}}));
      },
      {"ck.bin:t", "storage archive/data/0 has 24 bytes"});
  // Missing storage entry.
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "9", 6, 0, {6}, {1}), {{"0", s24}}));
      },
      {"ck.bin:t", "archive/data/9 is missing"});
  // Offset / strides reaching past the storage.
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 6, 1, {6}, {1}), {{"0", s24}}));
      },
      {"ck.bin:t", "reaches element 6"});
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 6, 0, {2, 3}, {4, 1}), {{"0", s24}}));
      },
      {"ck.bin:t", "reaches element"});
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 6, 0, {1 << 30, 1 << 30, 1 << 30}, {1, 1, 1}),
                        {{"0", s24}}));
      },
      {"ck.bin:t"});
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 6, INT64_MAX, {2}, {1}), {{"0", s24}}));
      },
      {"ck.bin:t"});
  // An expanded (stride 0) tensor far larger than the file is refused rather than allocated.
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("FloatStorage", "0", 6, 0, {1 << 20, 1 << 20}, {0, 0}),
                        {{"0", s24}}));
      },
      {"ck.bin:t", "copies"});
  // Storage numel so large that bytes overflow.
  expect_error(
      [&] {
        load(checkpoint(one_tensor_pickle("DoubleStorage", "0", INT64_MAX / 2, 0, {1}, {1}), {{"0", s24}}));
      },
      {"ck.bin:t"});
  // A small expanded tensor is fine: stride 0 repeats element 0.
  LoadedTensors lt;
  Bytes one(4);
  float f = 7.0f;
  std::memcpy(one.data(), &f, 4);
  load_torch_zip(checkpoint(one_tensor_pickle("FloatStorage", "0", 1, 0, {3}, {0}), {{"0", one}}), "x", lt);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(element(lt.tensors[0], i), 7.0);
}

TEST(TorchZip, SameStorageWithTwoDtypesIsRefused) {
  PickleBuilder p;
  p.ordered_dict().raw({'('}).str("a").tensor("FloatStorage", "0", 2, 0, {2}, {1});
  p.str("b").tensor("IntStorage", "0", 2, 0, {2}, {1}).raw({'u'});
  expect_error(
      [&] {
        LoadedTensors lt;
        load_torch_zip(checkpoint(p.stop(), {{"0", Bytes(8)}}), "ck", lt);
      },
      {"ck:b", "two different dtypes"});
}

TEST(TorchZip, DirectoryCorruption) {
  const Bytes good = checkpoint(one_tensor_pickle("FloatStorage", "0", 1, 0, {1}, {1}), {{"0", Bytes(4)}});
  auto load = [](const Bytes& b) {
    LoadedTensors lt;
    load_torch_zip(b, "ck.bin", lt);
  };
  load(good);
  const size_t eocd = good.size() - 22;
  {  // central directory offset pointing past the file
    Bytes b = good;
    uint32_t big = uint32_t(good.size());
    std::memcpy(b.data() + eocd + 16, &big, 4);
    expect_error([&] { load(b); }, {"ck.bin:central_directory", "outside the file"});
  }
  {  // entry count larger than the directory can hold
    Bytes b = good;
    uint16_t n = 500;
    std::memcpy(b.data() + eocd + 8, &n, 2);
    std::memcpy(b.data() + eocd + 10, &n, 2);
    expect_error([&] { load(b); }, {"ck.bin:central_directory", "cannot fit"});
  }
  {  // local header signature destroyed
    Bytes b = good;
    b[0] = 'X';
    expect_error([&] { load(b); }, {"ck.bin:archive/data.pkl.local_header", "bad signature"});
  }
  {  // pickle bytes changed after the CRC was recorded
    ZipArchive z(good, "g");
    Bytes b = good;
    b[z.find("archive/data.pkl")->data_offset + 3] ^= 1;
    expect_error([&] { load(b); }, {"ck.bin:archive/data.pkl", "CRC"});
  }
  {  // an entry whose data would run into the central directory
    ZipArchive z(good, "g");
    Bytes b = good;
    const size_t cd = z.find("archive/version")->data_offset + 2;
    // first CD entry is data.pkl: bump its compressed+uncompressed sizes
    uint32_t huge = 0x7fffffff;
    std::memcpy(b.data() + cd + 20, &huge, 4);
    std::memcpy(b.data() + cd + 24, &huge, 4);
    expect_error([&] { load(b); }, {"ck.bin:archive/data.pkl", "past the start of the central directory"});
  }
  {  // duplicate names
    Bytes dup = make_zip({{"archive/data.pkl", Bytes{'.'}, 0}, {"archive/data.pkl", Bytes{'.'}, 0}});
    expect_error([&] { load(dup); }, {"ck.bin:archive/data.pkl", "duplicate"});
  }
  {  // two checkpoints roots in one file
    Bytes two = make_zip({{"a/data.pkl", Bytes{'.'}, 0}, {"b/data.pkl", Bytes{'.'}, 0}});
    expect_error([&] { load(two); }, {"ck.bin", "several data.pkl"});
  }
  {  // storage entry compressed
    Bytes pk = one_tensor_pickle("FloatStorage", "0", 1, 0, {1}, {1});
    Bytes z = make_zip({{"archive/data.pkl", pk, 0}, {"archive/data/0", Bytes(4), 8}});
    expect_error([&] { load(z); }, {"ck.bin:archive/data/0", "compressed"});
  }
}

TEST(TorchZip, EveryTruncationFailsCleanly) {
  for (const char* f : {"torch_basic.bin", "torch_zip64.bin"}) {
    const auto full = read_bytes(data_dir() / f);
    for (size_t n = 0; n < full.size(); ++n) {
      std::vector<uint8_t> part(full.begin(), full.begin() + std::ptrdiff_t(n));
      LoadedTensors lt;
      EXPECT_THROW(load_torch_zip(part, f, lt), Error) << f << " prefix " << n;
    }
  }
}

TEST(TorchZip, ByteFlipsInTheDirectoryNeverCrash) {
  // Every byte of the ZIP64 directory tail set to 0x00 and 0xFF: either a clean Error or a load
  // whose views stay inside the buffer.
  const auto full = read_bytes(data_dir() / "torch_zip64.bin");
  ZipArchive z(full, "z");
  size_t cd_start = full.size();
  for (const auto& e : z.entries()) cd_start = std::min<size_t>(cd_start, e.data_offset);
  const size_t from = full.size() > 700 ? full.size() - 700 : 0;
  size_t errors = 0, loads = 0;
  for (size_t i = from; i < full.size(); ++i) {
    for (uint8_t v : {uint8_t(0), uint8_t(0xff)}) {
      auto b = full;
      if (b[i] == v) continue;
      b[i] = v;
      LoadedTensors lt;
      try {
        load_torch_zip(b, "flip", lt);
        ++loads;
        for (const auto& t : lt.tensors) {
          auto* p = static_cast<const uint8_t*>(t.data);
          bool in_file = p >= b.data() && p + t.nbytes <= b.data() + b.size();
          bool owned = false;
          for (const auto& o : lt.owned) owned |= p == o.get();
          EXPECT_TRUE(in_file || owned) << t.name;
        }
      } catch (const Error&) {
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_GT(loads, 0u);  // bytes such as timestamps or attributes do not matter
}

}  // namespace
}  // namespace janus::test
