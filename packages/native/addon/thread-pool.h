// A small persistent thread pool with dynamic scheduling.
//
// run(tasks, fn) calls fn(task, worker) once for every task in [0, tasks), on the calling thread and
// the pool's workers together. Tasks are claimed one at a time from a shared counter, so a worker
// that the OS deschedules (another process busy on the same cores) holds back only the task it is on,
// never a fixed share of the work. The caller returns when every task is done; it never waits for a
// worker that has not claimed a task.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ssn {

using TaskFn = std::function<void(int64_t task, int worker)>;

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** Threads that run tasks, the caller included (>= 1). */
  void SetThreads(int threads);
  int Threads() const { return static_cast<int>(workers_.size()) + 1; }

  /**
   * Runs fn for every task in [0, tasks); worker ids are in [0, Threads()). When another thread (a
   * second JS thread) is using the pool, the tasks run on the calling thread alone, with worker id 0.
   */
  void Run(int64_t tasks, const TaskFn& fn);

 private:
  // One word holds the generation (24 bits), the task count (20 bits) and the next task (20 bits),
  // so claiming a task checks all three at once. Run() splits larger task counts into batches.
  static constexpr int kCountBits = 20;
  static constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
  static uint64_t Gen(uint64_t w) { return w >> (2 * kCountBits); }
  static int64_t Total(uint64_t w) { return static_cast<int64_t>((w >> kCountBits) & kCountMask); }
  static int64_t Next(uint64_t w) { return static_cast<int64_t>(w & kCountMask); }

  void WorkerLoop(int worker);
  void Drain(uint64_t gen, int worker);
  void RunBatch(int64_t first, int64_t tasks, const TaskFn& fn);
  void Stop();

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> word_{0};
  std::atomic<int64_t> done_{0};
  const TaskFn* job_ = nullptr;
  int64_t first_ = 0;
  std::mutex mu_;
  std::mutex busy_;  // held by the thread whose tasks the workers are running
  std::condition_variable wake_;
  std::condition_variable finished_;
  bool stop_ = false;
};

/** The process's pool. */
ThreadPool& Pool();

}  // namespace ssn
