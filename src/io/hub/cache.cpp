#include "io/hub/cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "io/hub/hub.h"

namespace janus::hub_detail {

namespace fs = std::filesystem;

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_safe_repo_path(const std::string& s) {
  if (s.empty() || s.size() > 1024 || s.front() == '/' || s.back() == '/') return false;
  for (char c : s)
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, '/');)
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

bool is_valid_revision(const std::string& s) {
  if (s.empty() || s.size() > 255 || s.front() == '/' || s.back() == '/') return false;
  if (s.find("..") != std::string::npos || s.find("//") != std::string::npos) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/'))
      return false;
  return true;
}

std::optional<std::string> read_ref(const fs::path& repo_folder, const std::string& revision) {
  std::ifstream in(repo_folder / "refs" / revision);
  if (!in) return std::nullopt;
  char buf[64];
  in.read(buf, sizeof(buf));
  std::string s(buf, size_t(in.gcount()));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (!is_commit_hash(s)) return std::nullopt;
  return s;
}

void write_ref(const fs::path& repo_folder, const std::string& revision, const std::string& commit) {
  fs::path ref = repo_folder / "refs" / revision;
  std::error_code ec;
  fs::create_directories(ref.parent_path(), ec);
  fs::path tmp = ref;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << commit;  // huggingface_hub writes the bare hash
    if (!out.flush()) fail(ErrorKind::Io, tmp.string(), "cannot write ref");
  }
  fs::rename(tmp, ref, ec);
  if (ec) fail(ErrorKind::Io, ref.string(), "cannot write ref: " + ec.message());
}

std::string snapshot_missing(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "snapshot folder " + dir.string();
  if (!fs::is_regular_file(dir / "config.json", ec)) return "config.json";
  const char* singles[] = {"model.safetensors", "diffusion_pytorch_model.safetensors", "pytorch_model.bin",
                           "diffusion_pytorch_model.bin"};
  for (const char* s : singles)
    if (fs::is_regular_file(dir / s, ec)) return "";
  std::string missing = "weights (model.safetensors or pytorch_model.bin)";
  for (const char* s : singles) {
    fs::path index = dir / (std::string(s) + ".index.json");
    if (!fs::is_regular_file(index, ec)) continue;
    std::vector<std::string> shards;
    try {
      shards = shards_in_index(index);
    } catch (const Error&) {
      return index.filename().string() + " (unreadable)";
    }
    bool all = !shards.empty();
    for (const auto& shard : shards)
      if (!fs::is_regular_file(dir / shard, ec)) {
        all = false;
        missing = "shard " + shard;
        break;
      }
    if (all) return "";
  }
  return missing;
}

void link_snapshot_file(const fs::path& repo_folder, const std::string& commit, const std::string& file,
                        const std::string& etag) {
  fs::path pointer = repo_folder / "snapshots" / commit / file;
  std::error_code ec;
  fs::create_directories(pointer.parent_path(), ec);
  if (ec) fail(ErrorKind::Io, pointer.parent_path().string(), "cannot create folder: " + ec.message());
  // Relative like huggingface_hub's os.path.relpath: up past <file's subfolders>/<commit>/snapshots.
  std::string target;
  for (size_t i = 0, depth = size_t(std::count(file.begin(), file.end(), '/')) + 2; i < depth; ++i)
    target += "../";
  target += "blobs/" + etag;
  if (fs::exists(pointer, ec)) return;                    // complete already (or a user's real file): keep it
  if (fs::is_symlink(fs::symlink_status(pointer, ec))) {  // dangling link: replace atomically
    fs::path tmp = pointer;
    tmp += ".tmp" + std::to_string(::getpid());
    fs::remove(tmp, ec);
    fs::create_symlink(target, tmp, ec);
    if (!ec) fs::rename(tmp, pointer, ec);
  } else {
    fs::create_symlink(target, pointer, ec);
  }
  if (ec && !fs::exists(pointer))
    fail(ErrorKind::Io, pointer.string(), "cannot create symlink: " + ec.message());
}

FileLock::FileLock(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    fail(ErrorKind::Io, path.string(), std::string("cannot open lock file: ") + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    fail(ErrorKind::Io, path.string(), std::string("cannot lock: ") + std::strerror(e));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace janus::hub_detail
