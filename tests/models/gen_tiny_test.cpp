// Runs tools/gen_tiny/gen_tiny.py (numpy only) and checks every generated folder against the tensor
// tables: names + shapes read with a minimal safetensors header reader here, and with
// tools/gen_tiny/list_tensors.py (Python's own unpickler) for torch .bin files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "io/config/config.h"
#include "models/tensor_table.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {

std::string python() {
  const char* p = std::getenv("JANUS_PYTHON");
  return p ? p : "/usr/bin/python3";
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string run_capture(const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) {
    *rc = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  *rc = pclose(f);
  return out;
}

std::vector<TensorMeta> safetensors_header(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_TRUE(in && n < (64u << 20)) << p;
  std::string h(n, '\0');
  in.read(h.data(), std::streamsize(n));
  auto j = nlohmann::json::parse(h);
  std::vector<TensorMeta> v;
  uint64_t expect_off = 0;
  for (auto& [k, e] : j.items()) {
    if (k == "__metadata__") continue;
    TensorMeta m{k, *dtype_from_safetensors(e["dtype"].get<std::string>()),
                 e["shape"].get<std::vector<int64_t>>()};
    v.push_back(m);
    expect_off += e["data_offsets"][1].get<uint64_t>() - e["data_offsets"][0].get<uint64_t>();
  }
  EXPECT_EQ(fs::file_size(p), 8 + n + expect_off) << p;  // offsets cover the buffer exactly
  return v;
}

std::vector<TensorMeta> python_listing(const fs::path& p) {
  int rc = 0;
  std::string out =
      run_capture(python() + " " + quote(std::string(JANUS_SOURCE_DIR) + "/tools/gen_tiny/list_tensors.py") +
                      " " + quote(p.string()),
                  &rc);
  EXPECT_EQ(rc, 0) << p;
  std::vector<TensorMeta> v;
  std::istringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    std::istringstream ls(line);
    std::string name, dt, shape;
    std::getline(ls, name, '\t');
    std::getline(ls, dt, '\t');
    std::getline(ls, shape, '\t');
    TensorMeta m{name, *dtype_from_safetensors(dt), {}};
    std::istringstream sh(shape);
    std::string d;
    while (std::getline(sh, d, ',')) m.shape.push_back(std::stoll(d));
    v.push_back(m);
  }
  return v;
}

class GenTiny : public ::testing::Test {
 protected:
  // Generated once per build tree: ctest runs each test in its own process (possibly in parallel),
  // so the folder is built under a private name and renamed into place; its name carries a hash of
  // the generator sources so edits regenerate it. JANUS_GEN_TINY_SIZE=realwidth checks that variant.
  static void SetUpTestSuite() {
    int rc = std::system((python() + " -c 'import numpy' >/dev/null 2>&1").c_str());
    if (rc != 0) return;
    ran_ = true;
    const char* sz = std::getenv("JANUS_GEN_TINY_SIZE");
    size_ = sz ? sz : "tiny";
    const fs::path tools = fs::path(JANUS_SOURCE_DIR) / "tools/gen_tiny";
    std::string src;
    for (const char* f : {"gen_tiny.py", "tables.py", "checkpoint_io.py"}) {
      std::ifstream in(tools / f);
      src += std::string(std::istreambuf_iterator<char>(in), {});
    }
    char tag[32];
    std::snprintf(tag, sizeof tag, "%016zx", std::hash<std::string>{}(src + size_));
    dir_ = fs::path(JANUS_BINARY_DIR) / ("gen_tiny_test-" + size_ + "-" + tag);
    if (fs::exists(dir_)) {
      ok_ = true;
      return;
    }
    const fs::path tmp = dir_.string() + ".tmp" + std::to_string(::getpid());
    fs::remove_all(tmp);
    const std::string cmd = python() + " " + quote((tools / "gen_tiny.py").string()) +
                            " --model all --size " + size_ + " --seed 1 --out " + quote(tmp.string()) +
                            " --ref " + quote(std::string(JANUS_SOURCE_DIR) + "/tests/data/config") +
                            " 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) return;
    std::error_code ec;
    fs::rename(tmp, dir_, ec);  // loses the race harmlessly if another process got there first
    if (ec) fs::remove_all(tmp, ec);
    ok_ = fs::exists(dir_);
  }
  void SetUp() override {
    if (!ran_) GTEST_SKIP() << python() << " with numpy not available";
    ASSERT_TRUE(ok_) << "gen_tiny.py failed";
  }
  static void check_janus(const std::string& model, const std::vector<TensorMeta>& tensors) {
    auto cfg = parse_model_config(dir_ / model / "config.json");
    ArchDims d;
    ASSERT_NO_THROW(d = check_tensor_set(cfg, tensors, model)) << model;
    EXPECT_EQ(cfg.language.num_hidden_layers, 2);
    EXPECT_EQ(cfg.language.vocab_size, 102400);
    EXPECT_EQ(d.vit_depth, 2);
    EXPECT_EQ(d.vit_patch, 16);
    const bool tiny = size_ == "tiny";
    if (tiny) {
      EXPECT_EQ(cfg.language.hidden_size, 64);
      EXPECT_EQ(cfg.language.num_attention_heads, 4);
    }
    EXPECT_EQ(d.vit_width, tiny ? 64 : 1024);
    if (cfg.kind == ModelKind::Janus) {
      EXPECT_EQ(d.vq_ch, tiny ? 32 : 128);
      EXPECT_EQ(d.vq_codebook_size, 16384);
      EXPECT_EQ(d.vq_codebook_dim, 8);
    }
    for (const auto& t : tensors) EXPECT_EQ(t.dtype, DType::BF16) << t.name;
  }
  static inline fs::path dir_;
  static inline std::string size_;
  static inline bool ran_ = false, ok_ = false;
};

}  // namespace

TEST_F(GenTiny, Janus13BSafetensors) {
  check_janus("janus-1.3b", safetensors_header(dir_ / "janus-1.3b/model.safetensors"));
}

TEST_F(GenTiny, JanusPro1BTorchZip) {
  EXPECT_FALSE(fs::exists(dir_ / "janus-pro-1b/model.safetensors"));
  check_janus("janus-pro-1b", python_listing(dir_ / "janus-pro-1b/pytorch_model.bin"));
}

TEST_F(GenTiny, JanusPro7BShardedIndex) {
  const fs::path d = dir_ / "janus-pro-7b";
  std::ifstream in(d / "pytorch_model.bin.index.json");
  auto idx = nlohmann::json::parse(in);
  std::set<std::string> index_names, files;
  for (auto& [k, v] : idx["weight_map"].items()) index_names.insert(k), files.insert(v.get<std::string>());
  EXPECT_EQ(files,
            (std::set<std::string>{"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"}));
  std::vector<TensorMeta> all;
  uint64_t bytes = 0;
  for (const auto& f : files) {
    for (auto& t : python_listing(d / f)) {
      EXPECT_EQ(idx["weight_map"][t.name], f) << t.name;
      int64_t n = 1;
      for (auto s : t.shape) n *= s;
      bytes += uint64_t(n) * 2;
      all.push_back(t);
    }
  }
  std::set<std::string> shard_names;
  for (auto& t : all) shard_names.insert(t.name);
  EXPECT_EQ(shard_names, index_names);
  EXPECT_EQ(idx["metadata"]["total_size"].get<uint64_t>(), bytes);
  check_janus("janus-pro-7b", all);
}

TEST_F(GenTiny, JanusFlowSafetensors) {
  check_janus("janusflow-1.3b", safetensors_header(dir_ / "janusflow-1.3b/model.safetensors"));
  auto cfg = parse_model_config(dir_ / "janusflow-1.3b/config.json");
  EXPECT_EQ(cfg.gen_enc.block_out_channels, std::vector<int64_t>{size_ == "tiny" ? 32 : 768});
}

TEST_F(GenTiny, SdxlVaeDiffusersF32) {
  auto cfg = parse_vae_config(dir_ / "sdxl-vae/config.json");
  auto t = safetensors_header(dir_ / "sdxl-vae/diffusion_pytorch_model.safetensors");
  EXPECT_EQ(check_vae_tensor_set(cfg, t, "sdxl-vae"), VaeNaming::Diffusers);
  EXPECT_EQ(t.size(),
            vae_tensors(cfg, VaeNaming::Diffusers, true).size());  // encoder included, as on the hub
  for (const auto& m : t) EXPECT_EQ(m.dtype, DType::F32) << m.name;
}

TEST_F(GenTiny, SideFilesParse) {
  for (const char* m : {"janus-1.3b", "janus-pro-1b", "janus-pro-7b", "janusflow-1.3b"}) {
    EXPECT_NO_THROW(parse_preprocessor_config(dir_ / m / "preprocessor_config.json")) << m;
    EXPECT_NO_THROW(parse_processor_config(dir_ / m / "processor_config.json")) << m;
    EXPECT_NO_THROW(parse_special_tokens_map(dir_ / m / "special_tokens_map.json")) << m;
  }
}
