#include <gtest/gtest.h>

#include "io/weights/tensor_store.h"
#include "weights_test_util.h"

namespace janus::test {
namespace {

void expect_store_matches(const TensorStore& s, const nlohmann::json& exp) {
  std::vector<std::string> want;
  for (auto it = exp.begin(); it != exp.end(); ++it) {
    want.push_back(it.key());
    expect_matches(s.get(it.key()), *it);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(s.names(), want);
}

TEST(Store, ShardedSafetensorsFolder) {
  auto s = TensorStore::open_folder(data_dir() / "sharded_safetensors");
  expect_store_matches(*s, expected()["sharded_safetensors"]);
  ASSERT_EQ(s->files().size(), 2u);
  EXPECT_NE(s->files()[0].find("model-00001-of-00002.safetensors"), std::string::npos);
  // The index's total_size is the sum of tensor bytes.
  auto idx = nlohmann::json::parse(
      std::ifstream(data_dir() / "sharded_safetensors" / "model.safetensors.index.json"));
  EXPECT_EQ(s->total_bytes(), idx["metadata"]["total_size"].get<size_t>());
}

TEST(Store, ShardedTorchFolder) {
  auto s = TensorStore::open_folder(data_dir() / "sharded_bin");
  expect_store_matches(*s, expected()["sharded_bin"]);
  EXPECT_EQ(s->files().size(), 2u);
  // open_file accepts the index too.
  auto t = TensorStore::open_file(data_dir() / "sharded_bin" / "pytorch_model.bin.index.json");
  EXPECT_EQ(t->names(), s->names());
}

// A copy of a sharded fixture folder with the index replaced by `index`.
void with_index(TempDir& d, const std::string& fixture, const std::string& index_name,
                const std::string& index) {
  for (const auto& e : fs::directory_iterator(data_dir() / fixture))
    fs::copy_file(e.path(), d.path / e.path().filename());
  write_text(d.path / index_name, index);
}

TEST(Store, ShardErrors) {
  const std::string st_index = "model.safetensors.index.json";
  const std::string a = "model-00001-of-00002.safetensors", b = "model-00002-of-00002.safetensors";
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index, "{}");
    fs::remove(d.path / b);
    auto idx = nlohmann::json::parse(std::ifstream(data_dir() / "sharded_safetensors" / st_index));
    write_text(d.path / st_index, idx.dump());
    expect_error([&] { TensorStore::open_folder(d.path); }, {b, "missing"});
  }
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index,
               R"({"weight_map": {"w_bf16": ")" + a + R"(", "ghost": ")" + b + R"("}})");
    expect_error([&] { TensorStore::open_folder(d.path); }, {"ghost", "absent", b});
  }
  {  // the same tensors in two shards
    TempDir d;
    with_index(d, "sharded_safetensors", st_index,
               R"({"weight_map": {"w_bf16": "x.safetensors", "w_f16": "y.safetensors"}})");
    fs::copy_file(d.path / a, d.path / "x.safetensors");
    fs::copy_file(d.path / a, d.path / "y.safetensors");
    expect_error([&] { TensorStore::open_folder(d.path); }, {"w_bf16", "x.safetensors", "y.safetensors"});
  }
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index,
               R"({"weight_map": {"w": "../model-00001-of-00002.safetensors"}})");
    expect_error([&] { TensorStore::open_folder(d.path); }, {"weight_map.w", "bad shard file name"});
  }
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index, R"({"metadata": {}})");
    expect_error([&] { TensorStore::open_folder(d.path); }, {st_index + ":weight_map", "missing"});
  }
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index, R"({"weight_map": {"w": 3}})");
    expect_error([&] { TensorStore::open_folder(d.path); }, {"weight_map.w", "not a string"});
  }
  {
    TempDir d;
    with_index(d, "sharded_safetensors", st_index, "{\"weight_map\": ");
    expect_error([&] { TensorStore::open_folder(d.path); }, {st_index, "not a JSON object"});
  }
}

TEST(Store, FolderSearchOrder) {
  const fs::path st = data_dir() / "st_basic.safetensors", bin = data_dir() / "torch_basic.bin";
  {
    TempDir d;
    expect_error([&] { TensorStore::open_folder(d.path); },
                 {d.path.string(), "model.safetensors", "pytorch_model.bin.index.json", "pytorch_model.bin"});
    fs::copy_file(bin, d.path / "pytorch_model.bin");
    EXPECT_NE(TensorStore::open_folder(d.path)->files()[0].find("pytorch_model.bin"), std::string::npos);
    fs::copy_file(st, d.path / "model.safetensors");
    auto s = TensorStore::open_folder(d.path);  // safetensors wins over .bin
    ASSERT_EQ(s->files().size(), 1u);
    EXPECT_NE(s->files()[0].find("model.safetensors"), std::string::npos);
    // an index wins over a single file
    for (const auto& e : fs::directory_iterator(data_dir() / "sharded_safetensors"))
      fs::copy_file(e.path(), d.path / e.path().filename());
    EXPECT_EQ(TensorStore::open_folder(d.path)->files().size(), 2u);
  }
  {  // diffusers VAE folder
    TempDir d;
    fs::copy_file(bin, d.path / "diffusion_pytorch_model.bin");
    auto s = TensorStore::open_folder(d.path, "diffusion_pytorch_model");
    EXPECT_NE(s->files()[0].find("diffusion_pytorch_model.bin"), std::string::npos);
    fs::copy_file(st, d.path / "diffusion_pytorch_model.safetensors");
    s = TensorStore::open_folder(d.path, "diffusion_pytorch_model");
    EXPECT_NE(s->files()[0].find("diffusion_pytorch_model.safetensors"), std::string::npos);
    expect_store_matches(*s, expected()["st_basic.safetensors"]);
    expect_error([&] { TensorStore::open_folder(d.path); }, {"no weights found"});
  }
  expect_error([&] { TensorStore::open_folder(data_dir() / "no_such_folder"); },
               {"no_such_folder", "not a directory"});
}

}  // namespace
}  // namespace janus::test
