#include "io/hub/download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "io/hub/cache.h"
#include "io/hub/sha256.h"

namespace janus::hub_detail {
namespace fs = std::filesystem;
namespace {

bool is_hex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

// huggingface_hub's _normalize_etag: drop a weak "W/" prefix and the quotes.
std::string normalize_etag(std::string e) {
  if (e.rfind("W/", 0) == 0) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

bool safe_etag(const std::string& e) {
  if (e.empty() || e.size() > 128) return false;
  for (char c : e)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

HttpRequest base_request(const RepoContext& ctx, const std::string& method, const std::string& url) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.headers = {"Accept-Encoding: identity"};  // sizes and hashes refer to the raw bytes
  r.connect_timeout_s = ctx.options->connect_timeout_s;
  r.stall_timeout_s = ctx.options->stall_timeout_s;
  return r;
}

// Follows redirects by hand so the token only ever goes to the hub's own origin. With
// stop_at_other_origin, a redirect leaving the hub is returned (its target in *final_url) unfollowed.
HttpResponse hub_request(const RepoContext& ctx, HttpRequest req, bool stop_at_other_origin,
                         std::string* final_url) {
  const std::string hub_origin = url_origin(ctx.endpoint);
  const std::vector<std::string> base_headers = req.headers;
  for (int hop = 0; hop < 10; ++hop) {
    req.headers = base_headers;
    if (ctx.token && url_origin(req.url) == hub_origin)
      req.headers.push_back("Authorization: Bearer " + *ctx.token);
    HttpResponse r = http_once(req);
    auto location = r.header("location");
    if (r.status >= 300 && r.status < 400 && location) {
      std::string next = resolve_url(req.url, *location);
      if (stop_at_other_origin && url_origin(next) != hub_origin) {
        *final_url = next;
        return r;
      }
      req.url = next;
      continue;
    }
    *final_url = req.url;
    return r;
  }
  fail(ErrorKind::Network, req.url, "too many redirects");
}

[[noreturn]] void http_fail(const RepoContext& ctx, const HttpResponse& r, const std::string& url,
                            const std::string& subject) {
  std::string code = r.header("x-error-code").value_or("");
  std::string detail = r.header("x-error-message").value_or("");
  std::string status = "HTTP " + std::to_string(r.status);
  if (r.status == 401 || r.status == 403) {
    std::string hint = ctx.token ? "the token that was sent (HF_TOKEN or the saved login) was refused"
                                 : "no token was sent: set HF_TOKEN (or run `huggingface-cli login`)";
    fail(ErrorKind::Network, url,
         status + ": access to " + ctx.repo_id +
             " denied. It may be private or gated (accept its terms on the " +
             "model page) or may not exist; " + hint + (detail.empty() ? "" : " (" + detail + ")"));
  }
  if (r.status == 404) {
    std::string what = code == "RepoNotFound"       ? "repository " + ctx.repo_id + " not found"
                       : code == "RevisionNotFound" ? "revision not found in " + ctx.repo_id
                       : code == "EntryNotFound"    ? subject + " not found in " + ctx.repo_id
                                                    : subject + " not found (repo " + ctx.repo_id + ")";
    fail(ErrorKind::InvalidArgument, url, status + ": " + what + (detail.empty() ? "" : " (" + detail + ")"));
  }
  if (detail.empty() && !r.body.empty()) detail = r.body.substr(0, 200);
  fail(ErrorKind::Network, url, status + " for " + subject + (detail.empty() ? "" : ": " + detail));
}

struct FileMeta {
  std::string etag;
  uint64_t size = 0;
  std::string url;  // where the bytes are (CDN after an LFS redirect)
};

FileMeta head_file(const RepoContext& ctx, const std::string& commit, const std::string& file) {
  std::string url = ctx.endpoint + "/" + ctx.repo_id + "/resolve/" + commit + "/" + url_quote(file, true);
  HttpRequest req = base_request(ctx, "HEAD", url);
  req.total_timeout_s = ctx.options->connect_timeout_s + ctx.options->stall_timeout_s;
  FileMeta m;
  HttpResponse r = hub_request(ctx, req, /*stop_at_other_origin=*/true, &m.url);
  bool redirected = r.status >= 300 && r.status < 400;
  if (r.status != 200 && !redirected) http_fail(ctx, r, url, "file " + file);
  std::string repo_commit = r.header("x-repo-commit").value_or("");
  if (repo_commit.empty())
    fail(ErrorKind::Network, url,
         "no X-Repo-Commit header: the endpoint does not look like a Hugging Face hub");
  if (repo_commit != commit)
    fail(ErrorKind::Network, url, "server answered for commit " + repo_commit + ", expected " + commit);
  // LFS files: X-Linked-Etag/X-Linked-Size describe the file, ETag/Content-Length the redirect itself.
  m.etag = normalize_etag(r.header("x-linked-etag").value_or(r.header("etag").value_or("")));
  if (!safe_etag(m.etag)) fail(ErrorKind::Network, url, "missing or malformed ETag '" + m.etag + "'");
  auto size = r.header("x-linked-size");
  if (!size && !redirected) size = r.header("content-length");
  auto parsed = parse_u64(size.value_or(""));
  if (!parsed) fail(ErrorKind::Network, url, "missing or malformed file size header");
  m.size = *parsed;
  return m;
}

void write_all(int fd, const char* p, size_t n, const fs::path& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail(ErrorKind::Io, path.string(), std::string("write failed: ") + std::strerror(errno));
    p += w, n -= size_t(w);
  }
}

// Hashes the first `n` bytes of a partial download so a resumed transfer can still be verified.
void hash_prefix(int fd, uint64_t n, Sha256& h, const fs::path& path) {
  std::vector<char> buf(1 << 20);
  uint64_t off = 0;
  while (off < n) {
    ssize_t got = ::pread(fd, buf.data(), size_t(std::min<uint64_t>(buf.size(), n - off)), off_t(off));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail(ErrorKind::Io, path.string(), "cannot re-read partial download");
    h.update(buf.data(), size_t(got));
    off += uint64_t(got);
  }
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Downloads meta.url into `part`, resuming from its current size. Returns when `part` holds
// meta.size bytes; throws otherwise.
void fetch_blob(const RepoContext& ctx, const std::string& file, const FileMeta& meta, const fs::path& part) {
  const HubOptions& o = *ctx.options;
  Fd f{::open(part.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644)};
  if (f.fd < 0) fail(ErrorKind::Io, part.string(), std::string("cannot open: ") + std::strerror(errno));
  const bool check_sha = is_hex(meta.etag, 64);
  for (int attempt = 0;; ++attempt) {
    off_t end = ::lseek(f.fd, 0, SEEK_END);
    uint64_t have = end < 0 ? 0 : uint64_t(end);
    if (have > meta.size) {  // not ours to trust: start over
      if (::ftruncate(f.fd, 0) != 0) fail(ErrorKind::Io, part.string(), "cannot truncate");
      have = 0;
    }
    Sha256 hash;
    if (check_sha) hash_prefix(f.fd, have, hash, part);
    uint64_t done = have;
    if (have < meta.size) {
      HttpRequest req = base_request(ctx, "GET", meta.url);
      if (have > 0) req.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
      bool started = false;
      // Decides, once headers are in, whether the body continues our partial file or replaces it.
      auto begin = [&](const HttpResponse& head) {
        started = true;
        if (head.status == 206) {
          std::string cr = head.header("content-range").value_or("");
          std::string want = "bytes " + std::to_string(have) + "-" + std::to_string(meta.size - 1) + "/" +
                             std::to_string(meta.size);
          if (have == 0 || cr != want)
            fail(ErrorKind::Network, meta.url, "bad Content-Range '" + cr + "', expected '" + want + "'");
        } else if (have > 0) {  // server ignored Range: take the full body from byte 0
          if (::ftruncate(f.fd, 0) != 0) fail(ErrorKind::Io, part.string(), "cannot truncate");
          hash.reset();
          done = 0;
        }
      };
      req.sink = [&](const char* data, size_t n, const HttpResponse& head) {
        if (!started) begin(head);
        if (n > meta.size - done)
          fail(ErrorKind::Network, meta.url,
               "server sent more than the announced " + std::to_string(meta.size) + " bytes");
        write_all(f.fd, data, n, part);
        if (check_sha) hash.update(data, n);
        done += n;
        if (o.progress) o.progress(file, done, meta.size);
      };
      std::string final_url;
      HttpResponse r;
      try {
        r = hub_request(ctx, req, /*stop_at_other_origin=*/false, &final_url);
      } catch (const Error& e) {
        // Transport failures (dropped connection, stall) are retried from where the file ends.
        if (e.kind() != ErrorKind::Network || attempt >= o.retries) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(300 * (attempt + 1)));
        continue;
      }
      if (r.status >= 500 && attempt < o.retries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 * (attempt + 1)));
        continue;
      }
      if (r.status < 200 || r.status >= 300) http_fail(ctx, r, final_url, "file " + file);
      if (!started) begin(r);  // empty body
    }
    if (done != meta.size) {
      if (attempt < o.retries) continue;
      fail(ErrorKind::Network, meta.url,
           "download ended at " + std::to_string(done) + " of " + std::to_string(meta.size) + " bytes");
    }
    if (check_sha) {
      std::string got = hash.hex_digest();
      std::string want = meta.etag;
      for (char& c : want) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (got != want) {
        ::ftruncate(f.fd, 0);  // corrupt: the next run must not resume from it
        fail(ErrorKind::Format, meta.url,
             "sha256 mismatch for " + file + ": got " + got + ", expected " + want);
      }
    }
    if (::fsync(f.fd) != 0)
      fail(ErrorKind::Io, part.string(), std::string("fsync failed: ") + std::strerror(errno));
    return;
  }
}

}  // namespace

RepoInfo fetch_repo_info(const RepoContext& ctx, const std::string& revision) {
  std::string url = ctx.endpoint + "/api/models/" + ctx.repo_id + "/revision/" + url_quote(revision, false);
  HttpRequest req = base_request(ctx, "GET", url);
  req.headers.push_back("Accept: application/json");
  req.total_timeout_s = ctx.options->connect_timeout_s + 4 * ctx.options->stall_timeout_s;
  std::string final_url;
  HttpResponse r;
  try {
    r = hub_request(ctx, req, false, &final_url);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Network) throw;
    // First contact with the hub: say how to work without it.
    throw Error(ErrorKind::Network,
                std::string(e.what()) +
                    " (check the network or HF_ENDPOINT; with HF_HUB_OFFLINE=1 only the cache is used)");
  }
  if (r.status != 200) http_fail(ctx, r, url, "revision '" + revision + "'");
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::Format, url, "repo info is not a JSON object");
  RepoInfo info;
  if (!j.contains("sha") || !j["sha"].is_string() || !is_commit_hash(j["sha"].get<std::string>()))
    fail(ErrorKind::Format, url + ":sha", "missing or not a 40-hex commit");
  info.commit = j["sha"].get<std::string>();
  if (!j.contains("siblings") || !j["siblings"].is_array())
    fail(ErrorKind::Format, url + ":siblings", "missing or not an array");
  for (const auto& s : j["siblings"]) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string())
      fail(ErrorKind::Format, url + ":siblings", "entry without a string rfilename");
    std::string name = s["rfilename"].get<std::string>();
    if (is_safe_repo_path(name)) info.files.push_back(name);  // others could escape the snapshot folder
  }
  return info;
}

void download_file(const RepoContext& ctx, const std::string& commit, const std::string& file) {
  if (!is_safe_repo_path(file)) fail(ErrorKind::Format, ctx.repo_id, "unsafe file name '" + file + "'");
  std::error_code ec;
  if (fs::exists(ctx.repo_folder / "snapshots" / commit / file, ec)) return;
  FileMeta meta = head_file(ctx, commit, file);
  fs::path blobs = ctx.repo_folder / "blobs";
  fs::create_directories(blobs, ec);
  if (ec) fail(ErrorKind::Io, blobs.string(), "cannot create folder: " + ec.message());
  // Same lock path as huggingface_hub, so a Python download of the same blob waits for us and vice versa.
  FileLock lock(ctx.cache_dir / ".locks" / ctx.repo_folder.filename() / (meta.etag + ".lock"));
  fs::path blob = blobs / meta.etag;
  if (!fs::exists(blob, ec)) {
    fs::path part = blob;
    part += ".incomplete";
    if (ctx.options->progress) ctx.options->progress(file, 0, meta.size);
    fetch_blob(ctx, file, meta, part);
    if (fs::exists(blob, ec)) fail(ErrorKind::Io, blob.string(), "appeared while locked");  // never overwrite
    fs::rename(part, blob, ec);
    if (ec) fail(ErrorKind::Io, blob.string(), "cannot move download into place: " + ec.message());
  }
  link_snapshot_file(ctx.repo_folder, commit, file, meta.etag);
}

}  // namespace janus::hub_detail
