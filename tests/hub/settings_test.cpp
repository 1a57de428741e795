// Pure helpers: settings from the environment, repo id/revision/path validation, file choice, cache checks.
#include <gtest/gtest.h>

#include "core/error.h"
#include "hub_fixture.h"
#include "io/hub/cache.h"
#include "io/hub/http.h"
#include "io/hub/hub.h"

using namespace janus;
using namespace janus::hub_detail;
using namespace hubtest;

namespace {

class EnvGuard {
 public:
  EnvGuard() {
    for (const char* v : kVars) {
      const char* cur = std::getenv(v);
      saved_.emplace_back(v, cur ? std::optional<std::string>(cur) : std::nullopt);
      ::unsetenv(v);
    }
  }
  ~EnvGuard() {
    for (const auto& [k, v] : saved_) v ? ::setenv(k.c_str(), v->c_str(), 1) : ::unsetenv(k.c_str());
  }

 private:
  static constexpr const char* kVars[] = {
      "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",  "HF_HOME",       "XDG_CACHE_HOME", "HOME",
      "HF_TOKEN",     "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
      "HF_ENDPOINT"};
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(HubSettings, CacheDirPrecedenceMatchesHuggingfaceHub) {
  EnvGuard g;
  HubOptions o;
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(hub_cache_dir(o), "/home/u/.cache/huggingface/hub");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(hub_cache_dir(o), "/xdg/huggingface/hub");
  ::setenv("HF_HOME", "~/hfhome", 1);  // huggingface_hub expands ~
  EXPECT_EQ(hub_cache_dir(o), "/home/u/hfhome/hub");
  ::setenv("HUGGINGFACE_HUB_CACHE", "/legacy", 1);
  EXPECT_EQ(hub_cache_dir(o), "/legacy");
  ::setenv("HF_HUB_CACHE", "/hubcache", 1);
  EXPECT_EQ(hub_cache_dir(o), "/hubcache");
  o.cache_dir = "/explicit";
  EXPECT_EQ(hub_cache_dir(o), "/explicit");
  EXPECT_EQ(hub_repo_folder("/c", "deepseek-ai/Janus-Pro-7B"), "/c/models--deepseek-ai--Janus-Pro-7B");
}

TEST(HubSettings, EndpointTokenOffline) {
  EnvGuard g;
  TempDir tmp;
  ::setenv("HF_HOME", tmp.path().c_str(), 1);
  HubOptions o;
  EXPECT_EQ(hub_endpoint(o), "https://huggingface.co");
  ::setenv("HF_ENDPOINT", "https://hf-mirror.com/", 1);
  EXPECT_EQ(hub_endpoint(o), "https://hf-mirror.com");
  o.endpoint = "http://127.0.0.1:1";
  EXPECT_EQ(hub_endpoint(o), "http://127.0.0.1:1");

  EXPECT_FALSE(hub_token(o));
  write_file(tmp.path() / "token", "  hf_file\n");
  EXPECT_EQ(hub_token(o), "hf_file");
  ::setenv("HF_TOKEN", "hf_env", 1);
  EXPECT_EQ(hub_token(o), "hf_env");
  o.token = "hf_opt";
  EXPECT_EQ(hub_token(o), "hf_opt");
  o.token = "bad\r\nX-Injected: 1";  // would smuggle a header line
  EXPECT_FALSE(hub_token(o));

  HubOptions off;
  EXPECT_FALSE(hub_offline(off));
  for (const char* v : {"1", "true", "TRUE", "yes", "on"}) {
    ::setenv("HF_HUB_OFFLINE", v, 1);
    EXPECT_TRUE(hub_offline(off)) << v;
  }
  for (const char* v : {"0", "false", ""}) {
    ::setenv("HF_HUB_OFFLINE", v, 1);
    EXPECT_FALSE(hub_offline(off)) << v;
  }
  off.offline = true;
  EXPECT_TRUE(hub_offline(off));
}

TEST(HubSettings, RepoIdValidation) {
  for (const char* ok : {"deepseek-ai/Janus-Pro-7B", "stabilityai/sdxl-vae", "madebyollin/sdxl-vae-fp16-fix",
                         "a/b", "org_1/name.v2"})
    EXPECT_TRUE(is_valid_repo_id(ok)) << ok;
  for (const char* bad : {"", "gpt2", "a/b/c", "/a", "a/", "../a", "a/..", "a/b..c", "a--b/c", "a/b.git",
                          "a b/c", "-a/b", "a/b-", "a/b\n", "ä/b"})
    EXPECT_FALSE(is_valid_repo_id(bad)) << bad;
  EXPECT_FALSE(is_valid_repo_id("a/" + std::string(100, 'x')));
}

TEST(HubSettings, RevisionsAndRepoPaths) {
  EXPECT_TRUE(is_valid_revision("main"));
  EXPECT_TRUE(is_valid_revision("refs/pr/1"));
  EXPECT_TRUE(is_valid_revision("v1.0"));
  for (const char* bad : {"", "../x", "a/../b", "/abs", "a//b", "a b", "x/"})
    EXPECT_FALSE(is_valid_revision(bad)) << bad;
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
  EXPECT_TRUE(is_safe_repo_path("config.json"));
  EXPECT_TRUE(is_safe_repo_path("vae/config.json"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a\\b", "a/"})
    EXPECT_FALSE(is_safe_repo_path(bad)) << bad;
}

TEST(HubSettings, ChoosesFilesLikeTransformersAndDiffusers) {
  std::vector<std::string> files = {".gitattributes",
                                    "README.md",
                                    "config.json",
                                    "tokenizer.json",
                                    "special_tokens_map.json",
                                    "pytorch_model.bin",
                                    "model.safetensors",
                                    "images/x.png",
                                    "onnx/config.json",
                                    "pytorch_model.bin.index.json"};
  HubFileChoice c = choose_hub_files(files, false);
  EXPECT_EQ(c.configs,
            (std::vector<std::string>{"config.json", "special_tokens_map.json", "tokenizer.json"}));
  EXPECT_EQ(c.weight_file, "model.safetensors");
  EXPECT_EQ(c.weight_index, "");

  c = choose_hub_files({"config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                        "pytorch_model.bin.index.json"},
                       false);  // Janus-Pro-7B's layout
  EXPECT_EQ(c.weight_index, "pytorch_model.bin.index.json");
  EXPECT_EQ(c.weight_file, "");

  std::vector<std::string> vae = {"config.json", "diffusion_pytorch_model.bin",
                                  "diffusion_pytorch_model.safetensors", "sdxl_vae.safetensors"};
  EXPECT_EQ(choose_hub_files(vae, true).weight_file, "diffusion_pytorch_model.safetensors");
  EXPECT_EQ(choose_hub_files({"config.json", "diffusion_pytorch_model.bin"}, true).weight_file,
            "diffusion_pytorch_model.bin");
  EXPECT_EQ(choose_hub_files({"config.json", "README.md"}, false).weight_file, "");
}

TEST(HubSettings, ShardIndexIsValidated) {
  TempDir tmp;
  fs::path p = tmp.path() / "model.safetensors.index.json";
  write_file(p, R"({"weight_map": {"a": "s2.safetensors", "b": "s1.safetensors", "c": "s2.safetensors"}})");
  EXPECT_EQ(shards_in_index(p), (std::vector<std::string>{"s1.safetensors", "s2.safetensors"}));
  for (const char* bad : {R"({"weight_map": {"a": "../../etc/passwd"}})", R"({"weight_map": {"a": 3}})",
                          R"({"weight_map": {}})", R"({"weight_map": []})", R"([1])", "{not json"}) {
    write_file(p, bad);
    try {
      shards_in_index(p);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(shards_in_index(tmp.path() / "absent.json"), Error);
}

TEST(HubSettings, SnapshotCompleteness) {
  TempDir tmp;
  fs::path s = tmp.path();
  EXPECT_EQ(snapshot_missing(s), "config.json");
  write_file(s / "config.json", "{}");
  EXPECT_NE(snapshot_missing(s), "");
  write_file(s / "model.safetensors.index.json",
             R"({"weight_map": {"a": "m1.safetensors", "b": "m2.safetensors"}})");
  write_file(s / "m1.safetensors", "x");
  EXPECT_EQ(snapshot_missing(s), "shard m2.safetensors");
  fs::create_symlink("../../blobs/absent", s / "m2.safetensors");  // dangling link counts as missing
  EXPECT_EQ(snapshot_missing(s), "shard m2.safetensors");
  fs::remove(s / "m2.safetensors");
  write_file(s / "m2.safetensors", "x");
  EXPECT_EQ(snapshot_missing(s), "");
}

TEST(HubSettings, RefsAndLinks) {
  TempDir tmp;
  fs::path repo = tmp.path() / "models--a--b";
  const std::string c = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_FALSE(read_ref(repo, "main"));
  write_ref(repo, "refs/pr/1", c);
  EXPECT_EQ(read_file(repo / "refs" / "refs" / "pr" / "1"), c);
  EXPECT_EQ(read_ref(repo, "refs/pr/1"), c);
  write_file(repo / "refs" / "main", "garbage");
  EXPECT_FALSE(read_ref(repo, "main"));
  write_file(repo / "refs" / "main", c + "\n");  // tolerate a hand-written newline
  EXPECT_EQ(read_ref(repo, "main"), c);

  write_file(repo / "blobs" / "e1", "one");
  link_snapshot_file(repo, c, "vae/config.json", "e1");
  EXPECT_EQ(fs::read_symlink(repo / "snapshots" / c / "vae" / "config.json"), "../../../blobs/e1");
  EXPECT_EQ(read_file(repo / "snapshots" / c / "vae" / "config.json"), "one");
  write_file(repo / "blobs" / "e2", "two");
  link_snapshot_file(repo, c, "vae/config.json", "e2");  // existing complete entry is never replaced
  EXPECT_EQ(read_file(repo / "snapshots" / c / "vae" / "config.json"), "one");
  fs::create_symlink("../../blobs/gone", repo / "snapshots" / c / "x.json");
  link_snapshot_file(repo, c, "x.json", "e2");  // a dangling one is
  EXPECT_EQ(read_file(repo / "snapshots" / c / "x.json"), "two");
}

TEST(HubSettings, UrlHelpers) {
  EXPECT_EQ(url_quote("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_quote("a b/c.json", true), "a%20b/c.json");
  EXPECT_EQ(url_origin("https://HuggingFace.co/x"), "https://huggingface.co:443");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
  EXPECT_EQ(resolve_url("http://h:1/a/resolve/main/f", "/b/resolve/main/f"), "http://h:1/b/resolve/main/f");
  EXPECT_EQ(resolve_url("http://h:1/a/b", "https://cdn/x?s=1"), "https://cdn/x?s=1");
}

}  // namespace
