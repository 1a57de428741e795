// The bounded queue between the HTTP threads and the single engine thread: full means 429, closed
// (shutting down) refuses new work.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "job.h"

namespace janus::serve {

class JobQueue {
 public:
  explicit JobQueue(size_t capacity) : capacity_(capacity) {}

  enum class Push { Ok, Full, Closed };
  Push push(std::shared_ptr<Job> job);
  // Blocks for the next job; nullptr once closed and drained.
  std::shared_ptr<Job> pop();
  // Refuses further pushes and returns the jobs still waiting (the caller fails them).
  std::deque<std::shared_ptr<Job>> close();
  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  bool closed_ = false;
};

}  // namespace janus::serve
