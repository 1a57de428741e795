#include "job_queue.h"

namespace janus::serve {

JobQueue::Push JobQueue::push(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Push::Closed;
    if (jobs_.size() >= capacity_) return Push::Full;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return Push::Ok;
}

std::shared_ptr<Job> JobQueue::pop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !jobs_.empty(); });
  if (jobs_.empty()) return nullptr;
  std::shared_ptr<Job> j = std::move(jobs_.front());
  jobs_.pop_front();
  return j;
}

std::deque<std::shared_ptr<Job>> JobQueue::close() {
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    left.swap(jobs_);
  }
  cv_.notify_all();
  return left;
}

size_t JobQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

}  // namespace janus::serve
