// Progress reporting: the callback sees every downloaded byte; the stderr bar draws only on a terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>

#include "hub_fixture.h"
#include "io/hub/hub.h"

using namespace janus;
using namespace hubtest;

namespace {

TEST(HubProgress, CallbackCountsUpToTheFileSize) {
  TempDir tmp;
  ::setenv("no_proxy", "127.0.0.1", 1);
  ::unsetenv("HF_HUB_OFFLINE");
  ::unsetenv("HF_TOKEN");
  fs::path repo = tmp.path() / "repo";
  write_file(repo / "config.json", "{}");
  write_file(repo / "model.safetensors", pseudo_random_bytes(200000, 11));
  FakeHub hub(tmp.path() / "log", {"a/b=" + repo.string() + "@" + std::string(40, 'c')});
  ASSERT_TRUE(hub.ok());
  HubOptions o;
  o.cache_dir = tmp.path() / "cache";
  o.endpoint = hub.url();
  std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> calls;
  o.progress = [&](const std::string& f, uint64_t done, uint64_t total) {
    calls[f].emplace_back(done, total);
  };
  resolve_model("a/b", o);
  ASSERT_EQ(calls.count("model.safetensors"), 1u);
  const auto& c = calls["model.safetensors"];
  EXPECT_EQ(c.front(), std::make_pair(uint64_t(0), uint64_t(200000)));
  EXPECT_EQ(c.back(), std::make_pair(uint64_t(200000), uint64_t(200000)));
  for (size_t i = 1; i < c.size(); ++i) EXPECT_LE(c[i - 1].first, c[i].first);
  EXPECT_EQ(calls["config.json"].back(), std::make_pair(uint64_t(2), uint64_t(2)));
}

// Temporarily points fd 2 somewhere else.
class StderrSwap {
 public:
  explicit StderrSwap(int fd) : saved_(::dup(2)) { ::dup2(fd, 2); }
  ~StderrSwap() {
    ::dup2(saved_, 2);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST(HubProgress, BarOnlyOnATerminal) {
  {
    int devnull = ::open("/dev/null", O_WRONLY);
    StderrSwap s(devnull);
    EXPECT_FALSE(stderr_progress_bar());
    ::close(devnull);
  }
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0)
    GTEST_SKIP() << "no pseudo-terminal here";
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  std::string out;
  {
    StderrSwap s(slave);
    HubProgress bar = stderr_progress_bar();
    ASSERT_TRUE(bar);
    bar("model.safetensors", 0, 2000000);
    bar("model.safetensors", 2000000, 2000000);
  }
  ::close(slave);
  pollfd p{master, POLLIN, 0};
  char buf[4096];
  while (::poll(&p, 1, 200) > 0) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  ::close(master);
  EXPECT_NE(out.find("model.safetensors"), std::string::npos) << out;
  EXPECT_NE(out.find("100%"), std::string::npos) << out;
  EXPECT_NE(out.find("2.0/2.0 MB"), std::string::npos) << out;
}

}  // namespace
