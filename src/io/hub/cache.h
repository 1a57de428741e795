// The huggingface_hub cache layout for one repo folder (models--org--name):
//   refs/<revision>            commit hash, no newline
//   blobs/<etag>               file contents (etag = git sha1, or sha256 for LFS files)
//   snapshots/<commit>/<file>  relative symlink to ../../blobs/<etag> (one more ../ per subfolder)
//   <cache>/.locks/models--org--name/<etag>.lock   flock shared with Python's filelock
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace janus::hub_detail {

bool is_commit_hash(const std::string& s);  // 40 lower-case hex
// A repo file name we can place under snapshots/: relative, no "..", ".", empty parts or backslashes.
bool is_safe_repo_path(const std::string& s);
// Branch/tag names: [A-Za-z0-9._/-], no "..", no leading/trailing or doubled '/'.
bool is_valid_revision(const std::string& s);

// refs/<revision> → commit, or nullopt when missing/unreadable/malformed.
std::optional<std::string> read_ref(const std::filesystem::path& repo_folder, const std::string& revision);
// Atomic write (temp file + rename) of refs/<revision>.
void write_ref(const std::filesystem::path& repo_folder, const std::string& revision,
               const std::string& commit);

// What a snapshot lacks to be a usable model ("" when complete): config.json plus one full weight set
// (single file, or an index whose every shard is present).
std::string snapshot_missing(const std::filesystem::path& snapshot_dir);

// Creates snapshots/<commit>/<file> → ../../blobs/<etag>; replaces only a dangling link.
void link_snapshot_file(const std::filesystem::path& repo_folder, const std::string& commit,
                        const std::string& file, const std::string& etag);

// Exclusive flock on a lock file, released on destruction.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace janus::hub_detail
