#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define JANUS_PAUSE() _mm_pause()
#else
#define JANUS_PAUSE() ((void)0)
#endif

namespace janus {

namespace {

// Decode runs hundreds of short parallel ops per token with a little serial work between them;
// waking a sleeping thread through the kernel costs tens of µs on a VM. So both sides spin this
// long on the atomics before blocking on the condition variables.
constexpr auto kSpin = std::chrono::microseconds(200);

// Spins until pred() or kSpin has passed; returns pred().
template <class P>
bool spin_until(P pred) {
  const auto end = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      JANUS_PAUSE();
    }
    if (std::chrono::steady_clock::now() >= end) return pred();
  }
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work(int index) {
  const auto& fn = *job_;
  if (!dynamic_) {
    const int64_t b = int64_t(index) * chunk_, e = std::min(n_, b + chunk_);
    if (b < e) fn(b, e, index);
    return;
  }
  for (;;) {
    const int64_t b = next_.fetch_add(chunk_, std::memory_order_relaxed);
    if (b >= n_) return;
    fn(b, std::min(n_, b + chunk_), index);
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
      if (stop_) return;
    }
    seen = generation_.load(std::memory_order_acquire);
    work(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The caller checks pending_ under mu_ before it sleeps, so this notify cannot be lost.
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }
}

void ThreadPool::run(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t chunk,
                     bool dynamic) {
  {
    std::lock_guard<std::mutex> lock(mu_);  // sleeping workers test generation_ under mu_
    job_ = &fn;
    n_ = n;
    chunk_ = chunk;
    dynamic_ = dynamic;
    next_.store(0, std::memory_order_relaxed);
    pending_.store(int(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();  // no system call while every worker is still spinning
  work(0);
  if (spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                              int64_t min_chunk) {
  if (n <= 0) return;
  const int threads = size();
  const int64_t chunk = std::max<int64_t>(min_chunk, (n + threads - 1) / threads);
  if (workers_.empty() || chunk >= n) return fn(0, n, 0);
  run(n, fn, chunk, false);
}

void ThreadPool::parallel_dynamic(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                                  int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (workers_.empty() || grain >= n) return fn(0, n, 0);
  run(n, fn, grain, true);
}

}  // namespace janus
