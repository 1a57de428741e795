// resolve_model: local folder, or cache hit, or download a snapshot the way snapshot_download does.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/hub/cache.h"
#include "io/hub/download.h"
#include "io/hub/hub.h"

namespace janus {
namespace fs = std::filesystem;
using namespace hub_detail;

namespace {

void check_revision(const std::string& repo_id, const std::string& revision) {
  if (!is_valid_revision(revision))
    fail(ErrorKind::InvalidArgument, repo_id, "invalid revision '" + revision + "'");
}

// diffusers configs carry "_class_name" (e.g. AutoencoderKL); transformers configs do not.
bool is_diffusers_config(const fs::path& config) {
  std::ifstream in(config, std::ios::binary);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::Format, config.string(), "not a JSON object");
  return j.contains("_class_name");
}

fs::path download_snapshot(const RepoContext& ctx, const std::string& revision) {
  RepoInfo info = fetch_repo_info(ctx, revision);
  const std::string& commit = info.commit;
  if (is_commit_hash(revision) && revision != commit)
    fail(ErrorKind::Network, ctx.repo_id, "hub resolved commit " + revision + " to " + commit);
  HubFileChoice choice = choose_hub_files(info.files, false);
  if (choice.configs.empty() || choice.configs.front() != "config.json")
    fail(ErrorKind::Model, ctx.repo_id + "@" + revision, "repo has no config.json");
  // Configs first and weights last, so "config + weights present" means the snapshot is whole.
  for (const auto& f : choice.configs) download_file(ctx, commit, f);
  fs::path snapshot = ctx.repo_folder / "snapshots" / commit;
  choice = choose_hub_files(info.files, is_diffusers_config(snapshot / "config.json"));
  if (!choice.weight_index.empty()) {
    download_file(ctx, commit, choice.weight_index);
    for (const auto& shard : shards_in_index(snapshot / choice.weight_index)) {
      if (std::find(info.files.begin(), info.files.end(), shard) == info.files.end())
        fail(ErrorKind::Model, ctx.repo_id + ":" + choice.weight_index,
             "shard " + shard + " is not in the repo");
      download_file(ctx, commit, shard);
    }
  } else if (!choice.weight_file.empty()) {
    download_file(ctx, commit, choice.weight_file);
  } else {
    fail(ErrorKind::Model, ctx.repo_id + "@" + revision,
         "repo has no model.safetensors / pytorch_model.bin / diffusion_pytorch_model weights");
  }
  if (revision != commit) write_ref(ctx.repo_folder, revision, commit);
  std::string missing = snapshot_missing(snapshot);
  if (!missing.empty())
    fail(ErrorKind::Model, snapshot.string(), "incomplete after download: missing " + missing);
  return snapshot;
}

}  // namespace

std::optional<fs::path> find_cached_snapshot(const std::string& repo_id, const HubOptions& options) {
  if (!is_valid_repo_id(repo_id) || !is_valid_revision(options.revision)) return std::nullopt;
  fs::path repo = hub_repo_folder(hub_cache_dir(options), repo_id);
  std::optional<std::string> commit =
      is_commit_hash(options.revision) ? options.revision : read_ref(repo, options.revision);
  if (!commit) return std::nullopt;
  fs::path snapshot = repo / "snapshots" / *commit;
  if (!snapshot_missing(snapshot).empty()) return std::nullopt;
  return snapshot;
}

fs::path resolve_model(const std::string& arg, const HubOptions& options) {
  if (arg.empty()) fail(ErrorKind::InvalidArgument, "-m", "empty model path or repo id");
  std::error_code ec;
  fs::path local(arg);
  if (fs::exists(local, ec)) {
    if (!fs::is_directory(local, ec)) {
      // A GGUF file written by `janus quantize` is a whole model in one file.
      char magic[4] = {};
      std::ifstream f(local, std::ios::binary);
      if (f.read(magic, 4) && std::string_view(magic, 4) == "GGUF") return local;
      fail(ErrorKind::InvalidArgument, arg,
           "is a file but not a GGUF file; expected a model folder, a .gguf file or a Hugging Face repo id");
    }
    if (!fs::is_regular_file(local / "config.json", ec))
      fail(ErrorKind::Model, (local / "config.json").string(), "missing: not a model folder");
    return local;
  }
  if (!is_valid_repo_id(arg))
    fail(ErrorKind::InvalidArgument, arg,
         "no such folder, and not a Hugging Face repo id (org/name with letters, digits, '.', '_', '-')");
  check_revision(arg, options.revision);
  if (auto hit = find_cached_snapshot(arg, options)) return *hit;

  RepoContext ctx;
  ctx.repo_id = arg;
  ctx.cache_dir = hub_cache_dir(options);
  ctx.repo_folder = hub_repo_folder(ctx.cache_dir, arg);
  ctx.options = &options;
  if (hub_offline(options)) {
    std::string why = options.offline ? "offline mode is on (HF_HUB_OFFLINE=1)" : "HF_HUB_OFFLINE=1";
    auto commit = is_commit_hash(options.revision) ? std::optional(options.revision)
                                                   : read_ref(ctx.repo_folder, options.revision);
    std::string detail = commit ? "snapshot " + *commit + " is incomplete (missing " +
                                      snapshot_missing(ctx.repo_folder / "snapshots" / *commit) + ")"
                                : "no snapshot for revision '" + options.revision + "'";
    fail(
        ErrorKind::Network, arg,
        "not in cache (" + ctx.repo_folder.string() + ": " + detail + ") and " + why + "; download it first");
  }
  ctx.endpoint = hub_endpoint(options);
  ctx.token = hub_token(options);
  return download_snapshot(ctx, options.revision);
}

}  // namespace janus
