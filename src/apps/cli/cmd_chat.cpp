// `janus chat`: interactive multi-turn chat. `/image PATH` attaches an image to the next message,
// `/reset` starts over, `/quit` (or end of input) leaves. Ctrl-C stops an answer in progress; at
// the prompt it leaves cleanly.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "cli_commands.h"
#include "janus.hpp"
#include "run_options.h"

namespace janus_cli {

namespace {

std::atomic<bool> g_interrupted{false};  // Ctrl-C while answering: stop that answer
std::atomic<bool> g_quit{false};         // Ctrl-C at the prompt (or while loading): end the session
std::atomic<bool> g_answering{false};

void on_sigint(int) {
  if (g_answering)
    g_interrupted = true;
  else
    g_quit = true;
}

// The next line of stdin; false at end of input or after Ctrl-C at the prompt. Polls instead of
// blocking in the read, so a Ctrl-C that lands just before the read cannot be missed.
bool read_line(std::string& line) {
  while (std::cin.rdbuf()->in_avail() <= 0 && !g_quit) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int r = poll(&p, 1, 100);
    if (r > 0 || (r < 0 && errno != EINTR)) break;
  }
  if (g_quit) return false;
  return bool(std::getline(std::cin, line));
}

int stream_or_cancel(const char* piece, size_t len, void*) {
  if (g_interrupted) return 1;  // stop generating; the partial answer stays in the history
  std::fwrite(piece, 1, len, stdout);
  std::fflush(stdout);
  return 0;
}

struct Turn {
  std::string role, content;
  std::vector<std::string> images;
};

}  // namespace

int run_chat(const RunOptions& o, const CommonOptions& c) {
  install_logger(c);
  // Installed before the model loads: Ctrl-C at any point ends the session cleanly.
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  try {
    janus_cpp::Model model(o.model, model_params(c, true));
    janus_cpp::Context context(model, context_params(o));
    janus_context* ctx = context.get();

    const bool tty = isatty(STDIN_FILENO);
    std::vector<Turn> history;
    std::vector<std::string> pending_images;
    if (tty) std::fprintf(stderr, "janus chat — /image PATH attaches an image, /reset, /quit\n");
    std::string line;
    for (;;) {
      if (tty)
        std::fprintf(stderr, pending_images.empty() ? "> " : "[%zu image(s)] > ", pending_images.size());
      if (!read_line(line)) break;
      if (line.empty()) continue;
      if (line == "/quit" || line == "/exit") break;
      if (line == "/reset") {
        history.clear();
        pending_images.clear();
        janus_context_reset(ctx);
        std::fprintf(stderr, "(conversation reset)\n");
        continue;
      }
      if (line.rfind("/image", 0) == 0) {
        std::string path = line.size() > 7 ? line.substr(7) : "";
        if (path.empty() || access(path.c_str(), R_OK) != 0) {
          std::fprintf(stderr, "janus: cannot read image '%s'\n", path.c_str());
          continue;
        }
        pending_images.push_back(path);
        continue;
      }
      history.push_back({"user", line, pending_images});
      pending_images.clear();

      std::vector<std::vector<janus_image_input>> images(history.size());
      std::vector<janus_message> msgs;
      for (size_t i = 0; i < history.size(); ++i) {
        for (const std::string& p : history[i].images) images[i].push_back({p.c_str(), nullptr, 0});
        msgs.push_back(
            {history[i].role.c_str(), history[i].content.c_str(), images[i].data(), images[i].size()});
      }
      std::vector<const char*> stop;
      janus_understand_params up = understand_params(o, stop);
      char* answer = nullptr;
      janus_understand_stats st{};
      g_interrupted = false;
      g_answering = true;
      janus_status s =
          janus_understand(ctx, msgs.data(), msgs.size(), &up, stream_or_cancel, nullptr, &answer, &st);
      g_answering = false;
      std::fputc('\n', stdout);
      std::fflush(stdout);
      if (s != JANUS_OK) {
        std::fprintf(stderr, "janus: error: %s\n", janus_last_error());
        history.pop_back();  // the failed message is not part of the conversation
        continue;
      }
      history.push_back({"assistant", answer ? answer : "", {}});
      janus_string_free(answer);
      if (g_interrupted) std::fprintf(stderr, "(stopped)\n");
    }
    if (tty) std::fputc('\n', stderr);
    return 0;
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

}  // namespace janus_cli
