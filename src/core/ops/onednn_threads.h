// oneDNN from Debian runs on OpenMP (libgomp). Our own ThreadPool usually splits the work, so each
// oneDNN call is limited to the calling thread; whole-layer convolutions instead give oneDNN the
// pool's thread count (conv_onednn.h). The OpenMP functions are looked up at run time so
// janus_core need not link OpenMP; with another oneDNN runtime the guard does nothing.
#pragma once

#include <dlfcn.h>

namespace janus::ops {

// Sets the calling thread's OpenMP team size for the oneDNN calls in its scope (restored afterwards).
class OneDnnThreads {
 public:
  explicit OneDnnThreads(int n) {
    const Fns& f = fns();
    if (f.set) {
      saved_ = f.get();
      f.set(n < 1 ? 1 : n);
    }
  }
  ~OneDnnThreads() {
    if (fns().set) fns().set(saved_);
  }
  OneDnnThreads(const OneDnnThreads&) = delete;
  OneDnnThreads& operator=(const OneDnnThreads&) = delete;

 private:
  struct Fns {
    int (*get)() = nullptr;
    void (*set)(int) = nullptr;
    Fns() {
      get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
      set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
      if (!get || !set) get = nullptr, set = nullptr;
    }
  };
  static const Fns& fns() {
    static const Fns f;
    return f;
  }
  int saved_ = 0;
};

// The usual case: the ThreadPool already split the work, oneDNN stays on the calling thread.
class OneDnnSingleThread : public OneDnnThreads {
 public:
  OneDnnSingleThread() : OneDnnThreads(1) {}
};

}  // namespace janus::ops
