// ThreadPool: every index runs exactly once in both scheduling modes, across back-to-back jobs
// (the spinning hand-off) and after idle gaps (the sleeping one), and with 1 thread.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace janus;

namespace {

void check_cover(ThreadPool& pool, bool dynamic, int64_t n, int64_t grain_or_chunk) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<int> bad_thread{0};
  auto fn = [&](int64_t b, int64_t e, int t) {
    if (t < 0 || t >= pool.size()) bad_thread = 1;
    for (int64_t i = b; i < e; ++i) hits[size_t(i)].fetch_add(1);
  };
  if (dynamic)
    pool.parallel_dynamic(n, fn, grain_or_chunk);
  else
    pool.parallel_for(n, fn, grain_or_chunk);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[size_t(i)].load(), 1) << "index " << i << " of " << n;
  EXPECT_EQ(bad_thread.load(), 0);
}

}  // namespace

TEST(ThreadPool, EveryIndexOnceBothModes) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int rep = 0; rep < 40; ++rep)  // back to back: workers are still spinning
      for (int64_t n : {1, 2, 7, 100, 1001})
        for (int64_t g : {1, 3, 64}) {
          check_cover(pool, false, n, g);
          check_cover(pool, true, n, g);
        }
    for (int rep = 0; rep < 3; ++rep) {  // after the spin window: workers sleep on the cv
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      check_cover(pool, true, 5000, 16);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      check_cover(pool, false, 5000, 1);
    }
  }
}

// parallel_for keeps its one-chunk-per-thread contract (callers index per-thread state by t).
TEST(ThreadPool, ParallelForOneContiguousChunkPerThread) {
  ThreadPool pool(2);
  std::vector<int> calls(2, 0);
  std::vector<int64_t> begin(2, -1), end(2, -1);
  pool.parallel_for(1000, [&](int64_t b, int64_t e, int t) {
    ++calls[size_t(t)];
    begin[size_t(t)] = b;
    end[size_t(t)] = e;
  });
  EXPECT_EQ(calls[0], 1);
  EXPECT_EQ(calls[1], 1);
  EXPECT_EQ(begin[0], 0);
  EXPECT_EQ(end[0], 500);
  EXPECT_EQ(begin[1], 500);
  EXPECT_EQ(end[1], 1000);
}

// A job that outlives the spin window still completes (the caller falls back to the cv).
TEST(ThreadPool, LongJobsComplete) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  pool.parallel_dynamic(
      4,
      [&](int64_t b, int64_t e, int) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        for (int64_t i = b; i < e; ++i) sum += i;
      },
      1);
  EXPECT_EQ(sum.load(), 6);
}
