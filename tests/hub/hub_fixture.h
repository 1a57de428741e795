// Test helpers: a scratch folder, the fake hub server (tests/hub/fake_hub.py) run as a child process,
// and small fake model repos written on the fly.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace hubtest {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

// Deterministic filler so blobs are reproducible (xorshift; content does not matter, only its hash).
inline std::string pseudo_random_bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
    c = char(seed & 0xff);
  }
  return s;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "janus_hub_test_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

inline std::string script() {
  return std::string(JANUS_SOURCE_DIR) + "/tests/hub/fake_hub.py";
}

// Runs a command with stdout captured (argv form, no shell).
inline std::string run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return "";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return out;
}

// file -> blob name, as computed by the server script with Python's hashlib (independent of our code).
inline std::map<std::string, std::string> manifest(const fs::path& repo_dir) {
  auto j = nlohmann::json::parse(run_capture({python(), script(), "--manifest", repo_dir.string()}));
  return j.get<std::map<std::string, std::string>>();
}

class FakeHub {
 public:
  // repos: "org/name=DIR@COMMIT"; extra: fault-injection flags.
  FakeHub(const fs::path& log, const std::vector<std::string>& repos,
          const std::vector<std::string>& extra = {})
      : log_(log) {
    std::vector<std::string> argv = {python(), script(), "--log", log.string()};
    for (const auto& r : repos) argv.insert(argv.end(), {"--repo", r});
    argv.insert(argv.end(), extra.begin(), extra.end());
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execvp(a[0], a.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    // Wait (bounded) for "<hub_port> <cdn_port>\n".
    std::string line;
    pollfd p{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, 15000) > 0) {
      char buf[64];
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, size_t(n));
    }
    ::close(fds[0]);
    std::istringstream(line) >> hub_port_ >> cdn_port_;
  }
  ~FakeHub() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  bool ok() const { return hub_port_ > 0 && cdn_port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(hub_port_); }
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) out.push_back(nlohmann::json::parse(l));
    return out;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int hub_port_ = 0, cdn_port_ = 0;
};

}  // namespace hubtest
