// One process-wide pool of worker threads and a blocking parallel-for over it.
// Size: DAGNET_NUM_THREADS, else the number of cores (1 to kMaxThreads; a bad value or a
// thread the OS refuses to start is an error, never a hang). The calling thread works too,
// so a pool of size N runs N chunks at once. Calls made from inside a task (an
// executor running independent graph branches at once, each calling a kernel that
// itself parallelises) run inline, so the pool is never oversubscribed.
// Workers and the caller spin briefly before sleeping: kernels such as an LSTM step or a
// chunked convolution issue parallel_fors a few tens of microseconds apart, and a
// condition-variable wake-up costs about that much each time.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/function_ref.h"

namespace dagnet {

constexpr int kMaxThreads = 1024;  // more only costs memory and scheduling

class ThreadPool {
 public:
  // Starts threads - 1 workers; if the OS refuses one, those started are joined and a
  // Runtime error says so.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  // Joins the workers (idempotent). Safe while another thread is inside parallel_for on
  // this pool: that call finishes its chunks itself; later calls run inline.
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void shutdown();

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n), each at least `grain`
  // long (except the last). Returns after every chunk ran; rethrows the first
  // exception a chunk threw.
  void parallel_for(int64_t n, int64_t grain, RangeFn fn);

 private:
  struct Job {
    const RangeFn* fn = nullptr;
    int64_t n = 0;
    int64_t chunk = 1;
    std::atomic<int64_t> next{0};
    // Workers that joined (under mutex_, while the job was open) and have not finished. The
    // caller closes the job once it has taken the last chunk and waits only for these: a
    // worker that the OS has not scheduled yet is never waited for.
    std::atomic<int> running{0};
    std::exception_ptr error;
    std::mutex error_mutex;
  };
  void worker_loop();
  static void run_chunks(Job& job);

  std::vector<std::thread> workers_;
  std::mutex mutex_;                 // guards job_/generation_/stop_
  std::condition_variable wake_;     // workers wait here for a new generation
  std::condition_variable finished_; // the caller waits here for the workers
  Job* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};  // written under mutex_, polled while spinning
  std::atomic<bool> stop_{false};
  std::mutex submit_;                // one parallel_for at a time; others run inline
};

// The process-wide pool (created on first use; a bad DAGNET_NUM_THREADS is an error here).
ThreadPool& thread_pool();
// Replaces the pool with one of `threads` threads (1 to kMaxThreads) and joins the old
// pool's workers; the old pool stays in place if the new one cannot be started. Not from
// inside a parallel task (an error).
void set_num_threads(int threads);
int num_threads();

// Convenience: parallel_for on the process-wide pool.
inline void parallel_for(int64_t n, int64_t grain, RangeFn fn) { thread_pool().parallel_for(n, grain, fn); }

}  // namespace dagnet
