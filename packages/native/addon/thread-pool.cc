#include "thread-pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SSN_PAUSE() _mm_pause()
#else
#define SSN_PAUSE() std::this_thread::yield()
#endif

namespace ssn {

namespace {
// How long an idle worker spins before it sleeps (about 20 us), and how long the caller spins before it
// sleeps until the last task is done. Short: on a busy machine spinning takes time from other processes,
// and a sleeping thread wakes in a few microseconds, small against a kernel's tens to thousands.
constexpr int kWorkerSpins = 1000;
constexpr int kCallerSpins = 1000;
}  // namespace

ThreadPool::~ThreadPool() { Stop(); }

void ThreadPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stop_ = false;
}

void ThreadPool::SetThreads(int threads) {
  threads = std::max(1, threads);
  std::lock_guard<std::mutex> busy(busy_);
  if (threads == Threads()) return;
  Stop();
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

void ThreadPool::WorkerLoop(int worker) {
  uint64_t seen = Gen(word_.load(std::memory_order_acquire));
  for (;;) {
    uint64_t w = word_.load(std::memory_order_acquire);
    for (int spins = 0; Gen(w) == seen; spins++) {
      if (spins < kWorkerSpins) {
        SSN_PAUSE();
        w = word_.load(std::memory_order_acquire);
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || Gen(word_.load(std::memory_order_acquire)) != seen; });
      if (stop_) return;
      w = word_.load(std::memory_order_acquire);
    }
    seen = Gen(w);
    Drain(seen, worker);
  }
}

void ThreadPool::Drain(uint64_t gen, int worker) {
  for (;;) {
    uint64_t w = word_.load(std::memory_order_acquire);
    if (Gen(w) != gen || Next(w) >= Total(w)) return;
    if (!word_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel)) continue;
    const int64_t total = Total(w);
    (*job_)(first_ + Next(w), worker);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == total) {
      std::lock_guard<std::mutex> lock(mu_);  // the caller may be waiting
      finished_.notify_one();
    }
  }
}

void ThreadPool::RunBatch(int64_t first, int64_t tasks, const TaskFn& fn) {
  const uint64_t gen = (Gen(word_.load(std::memory_order_relaxed)) + 1) & ((uint64_t{1} << 24) - 1);
  job_ = &fn;
  first_ = first;
  done_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    word_.store((gen << (2 * kCountBits)) | (static_cast<uint64_t>(tasks) << kCountBits),
                std::memory_order_release);
  }
  wake_.notify_all();
  Drain(gen, 0);
  for (int spins = 0; spins < kCallerSpins && done_.load(std::memory_order_acquire) < tasks; spins++) SSN_PAUSE();
  if (done_.load(std::memory_order_acquire) < tasks) {
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) >= tasks; });
  }
}

void ThreadPool::Run(int64_t tasks, const TaskFn& fn) {
  if (tasks <= 0) return;
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (!busy.owns_lock() || workers_.empty() || tasks == 1) {
    for (int64_t t = 0; t < tasks; t++) fn(t, 0);
    return;
  }
  const int64_t batch = static_cast<int64_t>(kCountMask);
  for (int64_t first = 0; first < tasks; first += batch) RunBatch(first, std::min(batch, tasks - first), fn);
}

ThreadPool& Pool() {
  static ThreadPool* pool = new ThreadPool();  // never destroyed: workers may outlive static destructors
  return *pool;
}

}  // namespace ssn
