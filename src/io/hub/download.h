// Talking to the hub: repo listing and single-file downloads into the cache.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/hub/http.h"
#include "io/hub/hub.h"

namespace janus::hub_detail {

struct RepoContext {
  std::string repo_id;
  std::string endpoint;  // no trailing slash
  std::optional<std::string> token;
  std::filesystem::path cache_dir;
  std::filesystem::path repo_folder;  // <cache>/models--org--name
  const HubOptions* options = nullptr;
};

struct RepoInfo {
  std::string commit;              // "sha" of the revision
  std::vector<std::string> files;  // "siblings[].rfilename", only safe relative paths
};

// GET {endpoint}/api/models/{repo}/revision/{revision}.
RepoInfo fetch_repo_info(const RepoContext& ctx, const std::string& revision);

// Ensures snapshots/<commit>/<file> exists, downloading its blob when needed (resumable, verified).
// Makes no request when the snapshot file is already present.
void download_file(const RepoContext& ctx, const std::string& commit, const std::string& file);

}  // namespace janus::hub_detail
