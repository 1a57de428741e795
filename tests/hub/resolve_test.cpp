// End-to-end tests of resolve_model against tests/hub/fake_hub.py (a stdlib HTTP server).
#include <gtest/gtest.h>

#include <chrono>

#include "core/error.h"
#include "hub_fixture.h"
#include "io/hub/hub.h"

using namespace janus;
using namespace hubtest;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kVaeCommit = "fedcba9876543210fedcba9876543210fedcba98";
const std::string kShardCommit = "1111111111222222222233333333334444444444";

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Nothing from the developer's environment may leak in (tokens, caches, proxies, offline flags).
    for (const char* v : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                          "HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN_PATH",
                          "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1", 1);
    ::setenv("HF_HOME", (tmp_.path() / "hf_home").c_str(), 1);

    repo_ = tmp_.path() / "repos" / "tiny";
    write_file(repo_ / "config.json", R"({"model_type": "multi_modality", "vision_config": {}})"
                                      "\n");
    write_file(repo_ / "tokenizer.json", R"({"version": "1.0", "model": {"type": "BPE"}})"
                                         "\n");
    write_file(repo_ / "tokenizer_config.json", R"({"model_max_length": 16384})"
                                                "\n");
    write_file(repo_ / "processor_config.json", R"({"num_image_tokens": 576})"
                                                "\n");
    write_file(repo_ / "README.md", "# tiny\n");
    write_file(repo_ / "images" / "teaser.png", pseudo_random_bytes(100, 9));
    write_file(repo_ / "model.safetensors", pseudo_random_bytes(300000, 1));
    write_file(repo_ / "pytorch_model.bin", pseudo_random_bytes(1000, 2));  // must not be fetched

    vae_ = tmp_.path() / "repos" / "vae";
    write_file(vae_ / "config.json", R"({"_class_name": "AutoencoderKL", "latent_channels": 4})"
                                     "\n");
    write_file(vae_ / "diffusion_pytorch_model.safetensors", pseudo_random_bytes(5000, 3));
    write_file(vae_ / "diffusion_pytorch_model.bin", pseudo_random_bytes(5000, 4));
    write_file(vae_ / "sdxl_vae.safetensors", pseudo_random_bytes(5000, 5));

    sharded_ = tmp_.path() / "repos" / "sharded";
    write_file(sharded_ / "config.json", R"({"model_type": "llama"})"
                                         "\n");
    write_file(sharded_ / "model.safetensors.index.json",
               R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",)"
               R"( "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})");
    write_file(sharded_ / "model-00001-of-00002.safetensors", pseudo_random_bytes(4000, 6));
    write_file(sharded_ / "model-00002-of-00002.safetensors", pseudo_random_bytes(3000, 7));
    write_file(sharded_ / "pytorch_model.bin.index.json", R"({"weight_map": {"a": "pytorch_model.bin"}})");

    cache_ = tmp_.path() / "cache";
    log_ = tmp_.path() / "requests.jsonl";
  }

  std::vector<std::string> repos() const {
    return {"org/tiny=" + repo_.string() + "@" + kCommit,
            "stabilityai/sdxl-vae=" + vae_.string() + "@" + kVaeCommit,
            "org/sharded=" + sharded_.string() + "@" + kShardCommit};
  }

  std::unique_ptr<FakeHub> start(const std::vector<std::string>& extra = {}) {
    auto hub = std::make_unique<FakeHub>(log_, repos(), extra);
    if (!hub->ok()) ADD_FAILURE() << "fake hub did not start (" << python() << " " << script() << ")";
    return hub;
  }

  HubOptions options(const FakeHub& hub) const {
    HubOptions o;
    o.cache_dir = cache_;
    o.endpoint = hub.url();
    o.connect_timeout_s = 5;
    o.stall_timeout_s = 5;
    o.retries = 0;
    return o;
  }

  std::vector<std::string> paths_requested(const FakeHub& hub, const std::string& server = "") const {
    std::vector<std::string> out;
    for (const auto& r : hub.requests())
      if (server.empty() || r["server"] == server)
        out.push_back(r["method"].get<std::string>() + " " + r["path"].get<std::string>());
    return out;
  }

  // The snapshot file must be a relative symlink to the blob named as huggingface_hub names it.
  void expect_linked(const fs::path& repo_folder, const std::string& commit, const fs::path& src_dir,
                     const std::string& file) {
    auto etags = manifest(src_dir);
    fs::path pointer = repo_folder / "snapshots" / commit / file;
    ASSERT_TRUE(fs::is_symlink(fs::symlink_status(pointer))) << pointer;
    std::string up;
    for (size_t i = 0, n = size_t(std::count(file.begin(), file.end(), '/')) + 2; i < n; ++i) up += "../";
    EXPECT_EQ(fs::read_symlink(pointer).string(), up + "blobs/" + etags.at(file));
    EXPECT_EQ(read_file(pointer), read_file(src_dir / file)) << file;
  }

  TempDir tmp_;
  fs::path repo_, vae_, sharded_, cache_, log_;
};

TEST_F(HubTest, DownloadsSnapshotWithHuggingfaceHubLayout) {
  auto hub = start();
  fs::path snap = resolve_model("org/tiny", options(*hub));
  fs::path folder = cache_ / "models--org--tiny";
  EXPECT_EQ(snap, folder / "snapshots" / kCommit);
  EXPECT_EQ(read_file(folder / "refs" / "main"), kCommit);  // bare hash, no newline

  std::vector<std::string> wanted = {"config.json", "tokenizer.json", "tokenizer_config.json",
                                     "processor_config.json", "model.safetensors"};
  for (const auto& f : wanted) expect_linked(folder, kCommit, repo_, f);
  // Exactly these files in the snapshot and their blobs, nothing half-written.
  std::set<std::string> in_snapshot, blobs, want_blobs;
  for (const auto& e : fs::recursive_directory_iterator(snap))
    in_snapshot.insert(e.path().lexically_relative(snap).string());
  EXPECT_EQ(in_snapshot, std::set<std::string>(wanted.begin(), wanted.end()));
  for (const auto& e : fs::directory_iterator(folder / "blobs")) blobs.insert(e.path().filename().string());
  auto etags = manifest(repo_);
  for (const auto& f : wanted) want_blobs.insert(etags.at(f));
  EXPECT_EQ(blobs, want_blobs);
  for (const auto& r : paths_requested(*hub)) {
    EXPECT_EQ(r.find("pytorch_model.bin"), std::string::npos) << r;
    EXPECT_EQ(r.find("README"), std::string::npos) << r;
    EXPECT_EQ(r.find("teaser"), std::string::npos) << r;
  }
  // The LFS file came from the CDN origin, not from the hub.
  EXPECT_EQ(paths_requested(*hub, "cdn").size(), 1u);
}

TEST_F(HubTest, SecondResolveMakesNoRequest) {
  auto hub = start();
  fs::path first = resolve_model("org/tiny", options(*hub));
  size_t n = hub->requests().size();
  EXPECT_GT(n, 0u);
  EXPECT_EQ(resolve_model("org/tiny", options(*hub)), first);
  EXPECT_EQ(hub->requests().size(), n);
}

TEST_F(HubTest, OfflineUsesCacheAndFailsClearlyWhenMissing) {
  auto hub = start();
  fs::path snap = resolve_model("org/tiny", options(*hub));
  size_t n = hub->requests().size();
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  EXPECT_EQ(resolve_model("org/tiny", options(*hub)), snap);
  try {
    resolve_model("stabilityai/sdxl-vae", options(*hub));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not in cache"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HF_HUB_OFFLINE=1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stabilityai/sdxl-vae"), std::string::npos) << e.what();
  }
  ::unsetenv("HF_HUB_OFFLINE");
  HubOptions o = options(*hub);
  o.offline = true;
  EXPECT_THROW(resolve_model("org/sharded", o), Error);
  EXPECT_EQ(hub->requests().size(), n);  // offline means no network at all
}

TEST_F(HubTest, CommitHashRevisionIsUsedDirectly) {
  auto hub = start();
  HubOptions o = options(*hub);
  o.revision = kCommit;
  fs::path snap = resolve_model("org/tiny", o);
  EXPECT_EQ(snap, cache_ / "models--org--tiny" / "snapshots" / kCommit);
  EXPECT_FALSE(fs::exists(cache_ / "models--org--tiny" / "refs" / "main"));  // no branch was asked for
  for (const auto& r : paths_requested(*hub, "hub")) EXPECT_NE(r.find(kCommit), std::string::npos) << r;
  o.offline = true;
  EXPECT_EQ(resolve_model("org/tiny", o), snap);
  o.revision = "main";  // the commit is cached but no ref says main points at it
  EXPECT_THROW(resolve_model("org/tiny", o), Error);
}

TEST_F(HubTest, ResumesAfterDroppedConnection) {
  auto hub = start({"--drop-after", "100000"});
  try {
    resolve_model("org/tiny", options(*hub));
    FAIL() << "expected the dropped connection to fail the download";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Network) << e.what();
    // curl's own words, and the URL that failed
    EXPECT_NE(std::string(e.what()).find("/cdn/"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("request failed"), std::string::npos) << e.what();
  }
  std::string sha = manifest(repo_).at("model.safetensors");
  fs::path part = cache_ / "models--org--tiny" / "blobs" / (sha + ".incomplete");
  ASSERT_TRUE(fs::exists(part));
  EXPECT_EQ(fs::file_size(part), 100000u);
  EXPECT_FALSE(fs::exists(cache_ / "models--org--tiny" / "refs" / "main"));

  fs::path snap = resolve_model("org/tiny", options(*hub));
  EXPECT_FALSE(fs::exists(part));
  expect_linked(cache_ / "models--org--tiny", kCommit, repo_, "model.safetensors");
  std::vector<std::string> cdn_ranges;
  for (const auto& r : hub->requests())
    if (r["server"] == "cdn")
      cdn_ranges.push_back(r["range"].is_null() ? "none" : r["range"].get<std::string>());
  EXPECT_EQ(cdn_ranges, (std::vector<std::string>{"none", "bytes=100000-"}));
}

TEST_F(HubTest, RetryResumesWithinOneRun) {
  auto hub = start({"--drop-after", "123456"});
  HubOptions o = options(*hub);
  o.retries = 1;
  resolve_model("org/tiny", o);
  expect_linked(cache_ / "models--org--tiny", kCommit, repo_, "model.safetensors");
  bool resumed = false;
  for (const auto& r : hub->requests()) resumed |= r["server"] == "cdn" && r["range"] == "bytes=123456-";
  EXPECT_TRUE(resumed);
}

TEST_F(HubTest, RestartsWhenServerIgnoresRange) {
  auto hub = start({"--drop-after", "50000", "--ignore-range"});
  HubOptions o = options(*hub);
  o.retries = 1;
  resolve_model("org/tiny", o);  // second attempt gets a 200 full body: must not append it
  expect_linked(cache_ / "models--org--tiny", kCommit, repo_, "model.safetensors");
}

TEST_F(HubTest, CorruptDownloadIsRejectedBySha256) {
  auto hub = start({"--corrupt"});
  try {
    resolve_model("org/tiny", options(*hub));
    FAIL() << "expected a checksum error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sha256 mismatch"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(cache_ / "models--org--tiny" / "blobs" / manifest(repo_).at("model.safetensors")));
}

TEST_F(HubTest, TokenGoesOnlyToTheHubHost) {
  auto hub = start({"--token", "hf_secret"});
  HubOptions o = options(*hub);
  o.token = "hf_secret";
  resolve_model("org/tiny", o);
  size_t hub_n = 0, cdn_n = 0;
  for (const auto& r : hub->requests()) {
    if (r["server"] == "hub") {
      ++hub_n;
      EXPECT_EQ(r["auth"], "Bearer hf_secret") << r.dump();
    } else {
      ++cdn_n;
      EXPECT_TRUE(r["auth"].is_null()) << r.dump();
    }
  }
  EXPECT_GT(hub_n, 0u);
  EXPECT_EQ(cdn_n, 1u);
}

TEST_F(HubTest, TokenFromEnvironmentAndTokenFile) {
  auto hub = start({"--token", "hf_secret"});
  ::setenv("HF_TOKEN", "hf_secret", 1);
  EXPECT_NO_THROW(resolve_model("org/tiny", options(*hub)));
  ::unsetenv("HF_TOKEN");
  write_file(tmp_.path() / "hf_home" / "token", "hf_secret\n");  // what `huggingface-cli login` saves
  EXPECT_NO_THROW(resolve_model("stabilityai/sdxl-vae", options(*hub)));
}

TEST_F(HubTest, MissingTokenGives401MentioningHfToken) {
  auto hub = start({"--token", "hf_secret"});
  try {
    resolve_model("org/tiny", options(*hub));
    FAIL() << "expected 401";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("401"), std::string::npos) << m;
    EXPECT_NE(m.find("HF_TOKEN"), std::string::npos) << m;
  }
}

TEST_F(HubTest, NotFoundErrors) {
  auto hub = start();
  try {
    resolve_model("org/missing", options(*hub));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("repository org/missing not found"), std::string::npos) << e.what();
  }
  HubOptions o = options(*hub);
  o.revision = "v9";
  try {
    resolve_model("org/tiny", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("revision not found"), std::string::npos) << e.what();
  }
}

TEST_F(HubTest, StalledServerTimesOut) {
  for (const char* mode : {"--slow-headers", "--slow-body"}) {
    auto hub = start({mode, "30"});
    HubOptions o = options(*hub);
    o.stall_timeout_s = 1;
    auto t0 = std::chrono::steady_clock::now();
    try {
      resolve_model("org/tiny", o);
      ADD_FAILURE() << mode << ": expected a timeout";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("no data received for 1 s"), std::string::npos) << e.what();
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(s, 4.0) << mode;
  }
}

TEST_F(HubTest, ShardedSafetensorsPreferredOverBin) {
  auto hub = start();
  fs::path snap = resolve_model("org/sharded", options(*hub));
  fs::path folder = cache_ / "models--org--sharded";
  for (const char* f : {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors"})
    expect_linked(folder, kShardCommit, sharded_, f);
  EXPECT_FALSE(fs::exists(snap / "pytorch_model.bin.index.json"));
  EXPECT_FALSE(fs::exists(snap / "pytorch_model.bin"));
}

TEST_F(HubTest, DiffusersVaeRepo) {
  auto hub = start();
  fs::path snap = resolve_model("stabilityai/sdxl-vae", options(*hub));
  fs::path folder = cache_ / "models--stabilityai--sdxl-vae";
  EXPECT_EQ(snap, folder / "snapshots" / kVaeCommit);
  expect_linked(folder, kVaeCommit, vae_, "config.json");
  expect_linked(folder, kVaeCommit, vae_, "diffusion_pytorch_model.safetensors");
  EXPECT_FALSE(fs::exists(snap / "diffusion_pytorch_model.bin"));
  EXPECT_FALSE(fs::exists(snap / "sdxl_vae.safetensors"));
}

TEST_F(HubTest, IncompleteSnapshotReusesExistingBlobs) {
  auto hub = start();
  fs::path snap = resolve_model("org/tiny", options(*hub));
  fs::remove(snap / "model.safetensors");  // as if interrupted between blob and link
  size_t n = hub->requests().size();
  EXPECT_EQ(resolve_model("org/tiny", options(*hub)), snap);
  expect_linked(cache_ / "models--org--tiny", kCommit, repo_, "model.safetensors");
  auto reqs = hub->requests();
  std::vector<std::string> again;
  for (size_t i = n; i < reqs.size(); ++i)
    again.push_back(reqs[i]["method"].get<std::string>() + " " + reqs[i]["path"].get<std::string>());
  // Listing + one HEAD to learn the blob name; the bytes are not fetched again.
  EXPECT_EQ(again, (std::vector<std::string>{"GET /api/models/org/tiny/revision/main",
                                             "HEAD /org/tiny/resolve/" + kCommit + "/model.safetensors"}));
}

TEST_F(HubTest, LocalFolderAndBadArguments) {
  fs::path dir = tmp_.path() / "local";
  write_file(dir / "config.json", "{}");
  EXPECT_EQ(resolve_model(dir.string(), {}), dir);
  fs::path bare = tmp_.path() / "bare";
  fs::create_directories(bare);
  try {
    resolve_model(bare.string(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((bare / "config.json").string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_model((dir / "config.json").string(), {}), Error);
  HubOptions o;
  o.offline = true;
  o.cache_dir = cache_;
  for (const char* bad :
       {"", "a/b/c", "../x", "org/..", "org/na me", "/no/such/dir", "org--x/y", "org/name.git"}) {
    try {
      resolve_model(bad, o);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << bad << ": " << e.what();
    }
  }
  o.revision = "../../etc";
  EXPECT_THROW(resolve_model("org/tiny", o), Error);
}

}  // namespace
