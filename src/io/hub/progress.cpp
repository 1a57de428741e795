// A one-line stderr progress bar; only drawn on a terminal so logs and pipes stay clean.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "io/hub/hub.h"

namespace janus {

HubProgress stderr_progress_bar() {
  if (!::isatty(STDERR_FILENO)) return {};
  struct State {
    std::string file;
    std::chrono::steady_clock::time_point last;
  };
  auto st = std::make_shared<State>();
  return [st](const std::string& file, uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    bool finished = done >= total;
    // Redraw at most ~10 times a second, but always for a new file and at the end.
    if (file == st->file && !finished && now - st->last < std::chrono::milliseconds(100)) return;
    st->file = file;
    st->last = now;
    constexpr int kWidth = 30;
    double frac = total ? double(done) / double(total) : 1.0;
    int fill = int(frac * kWidth);
    std::string bar(size_t(fill), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%-40.40s [%s] %3d%% %8.1f/%.1f MB", file.c_str(), bar.c_str(), int(frac * 100),
                 double(done) / 1e6, double(total) / 1e6);
    if (finished) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

}  // namespace janus
