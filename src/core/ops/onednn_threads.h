// oneDNN from Debian runs on OpenMP (libgomp). Our own ThreadPool already splits the work, so each
// oneDNN call is limited to the calling thread. The OpenMP functions are looked up at run time so
// janus_core need not link OpenMP; with another oneDNN runtime the guard does nothing.
#pragma once

#include <dlfcn.h>

namespace janus::ops {

class OneDnnSingleThread {
 public:
  OneDnnSingleThread() {
    const Fns& f = fns();
    if (f.set) {
      saved_ = f.get();
      f.set(1);
    }
  }
  ~OneDnnSingleThread() {
    if (fns().set) fns().set(saved_);
  }
  OneDnnSingleThread(const OneDnnSingleThread&) = delete;
  OneDnnSingleThread& operator=(const OneDnnSingleThread&) = delete;

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

}  // namespace janus::ops
