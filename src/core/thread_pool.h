// One fixed pool of worker threads shared by every op. parallel_for splits [0, n) into contiguous
// chunks, so results never depend on the thread count as long as each index's work is independent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace janus {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // total threads including the caller; <= 0: hardware count
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }
  // fn(begin, end, thread_index) over chunks of [0, n), one chunk per thread at most; blocks until
  // all are done. Not reentrant.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t min_chunk = 1);
  // Same contract, except that [0, n) is cut into chunks of `grain` that threads claim as they go:
  // fn may run several times on one thread, and a late or preempted thread's share is taken by
  // the others. For streaming kernels on a shared machine. Not reentrant.
  void parallel_dynamic(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t grain);

 private:
  void run(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t chunk, bool dynamic);
  void work(int index);  // this thread's part of the current job
  void worker(int index);
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  // The job: written by the caller before generation_ is bumped (release), read after (acquire).
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;
  int64_t n_ = 0, chunk_ = 0;
  bool dynamic_ = false;
  std::atomic<int64_t> next_{0};  // dynamic mode: first unclaimed index
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};  // workers still on the current job
  bool stop_ = false;            // guarded by mu_
};

}  // namespace janus
