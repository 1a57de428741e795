// Resolve a `-m` argument (local folder or Hugging Face repo id) to a local snapshot folder.
// The cache is laid out exactly like Python's huggingface_hub (models--org--name/{refs,blobs,snapshots}),
// so both tools share downloads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace janus {

// Called while a file downloads: repo-relative file name, bytes on disk so far, total bytes.
using HubProgress = std::function<void(const std::string& file, uint64_t done, uint64_t total)>;

struct HubOptions {
  std::string revision = "main";  // branch/tag name or a 40-hex commit
  // Empty: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
  // ~/.cache/huggingface/hub.
  std::filesystem::path cache_dir;
  std::string endpoint;         // empty: HF_ENDPOINT, else https://huggingface.co
  std::string token;            // empty: HF_TOKEN, else the token file (HF_TOKEN_PATH or HF_HOME/token)
  bool offline = false;         // also on when HF_HUB_OFFLINE is 1/true/yes/on
  long connect_timeout_s = 20;  // TCP/TLS connect
  long stall_timeout_s = 60;    // abort a request that receives no byte for this long
  int retries = 2;              // extra attempts (with resume) after a network error mid-download
  HubProgress progress;         // optional
};

// Main entry point. Returns an existing directory that contains config.json; throws janus::Error
// (InvalidArgument, Io, Network, Format, Model) with a message naming the path, repo or URL.
std::filesystem::path resolve_model(const std::string& path_or_repo, const HubOptions& options);

// ---- helpers (public so the CLI and tests can use them) ----

// "org/name" with [A-Za-z0-9._-] parts, no "--" or "..", as huggingface_hub validates. Never throws.
bool is_valid_repo_id(const std::string& repo_id);
// Effective settings after applying the environment fallbacks listed in HubOptions.
std::filesystem::path hub_cache_dir(const HubOptions& options);
std::string hub_endpoint(const HubOptions& options);
std::optional<std::string> hub_token(const HubOptions& options);
bool hub_offline(const HubOptions& options);
// <cache>/models--org--name
std::filesystem::path hub_repo_folder(const std::filesystem::path& cache_dir, const std::string& repo_id);

// Looks only at the cache: the snapshot folder for (repo, revision) when it holds a complete model
// (config.json + a full weight set), else nullopt. Never touches the network.
std::optional<std::filesystem::path> find_cached_snapshot(const std::string& repo_id,
                                                          const HubOptions& options);

// Which repo files a model needs, given the repo's file list. Weights are chosen by preference
// (safetensors over .bin; diffusion_pytorch_model.* for diffusers configs). When the chosen weights
// are sharded, `weight_index` names the index file and the shards come from shards_in_index().
struct HubFileChoice {
  std::vector<std::string> configs;  // top-level *.json other than weight indexes (config.json first)
  std::string weight_index;          // e.g. model.safetensors.index.json, or empty
  std::string weight_file;           // e.g. model.safetensors, or empty when sharded
};
HubFileChoice choose_hub_files(const std::vector<std::string>& repo_files, bool diffusers);
// Distinct shard names from an index's "weight_map", validated as plain relative paths.
std::vector<std::string> shards_in_index(const std::filesystem::path& index_json);

// Returns a stderr progress bar when stderr is a terminal, otherwise an empty function.
HubProgress stderr_progress_bar();

}  // namespace janus
