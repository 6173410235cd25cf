// One process-wide pool of worker threads and a blocking parallel-for over it.
// Size: DAGNET_NUM_THREADS, else the number of cores (1 to kMaxThreads; a bad value or a
// thread the OS refuses to start is an error, never a hang). The calling thread works too,
// so a pool of size N runs N chunks at once. Calls made from inside a task (an
// executor running independent graph branches at once, each calling a kernel that
// itself parallelises) run inline, so the pool is never oversubscribed.
// Workers and the caller spin briefly before sleeping: kernels such as an LSTM step or a
// chunked convolution issue parallel_fors a few tens of microseconds apart, and a
// condition-variable wake-up costs about that much each time.
// On a shared machine the OS may deschedule a worker for a whole time slice (milliseconds).
// So the work is cut into many small chunks, handed out one at a time from one atomic
// ticket; whoever is running takes the next, the caller included, and the caller waits
// only for chunks a worker has actually claimed, never for a worker that has not claimed
// one yet (it takes that work over itself). A late worker then costs at most one chunk.
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
  // exception a chunk threw (the chunks not yet started then do not run). Which thread
  // runs a chunk, and how many chunks there are, is not part of the contract: callers
  // that need fixed pieces (a sum of partials in order) pass their piece count as n.
  void parallel_for(int64_t n, int64_t grain, RangeFn fn);

  // How many chunks a parallel_for of this size is cut into (for tests and tools).
  int64_t chunk_count(int64_t n, int64_t grain) const;

 private:
  // ticket_ packs (job number, chunk count, next chunk index); a chunk is claimed by a
  // compare-exchange that moves the index on. The job number makes a thread that read
  // an old ticket fail its exchange once a new job is open, so the job's fields below
  // are read only by a thread that holds a chunk of it, i.e. while the caller still waits.
  static constexpr int kIndexBits = 16;
  static constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;

  int64_t chunk_length(int64_t n, int64_t grain) const;  // n > 0
  void worker_loop();
  void run_chunks();  // claims and runs chunks of the open job until none is left

  std::vector<std::thread> workers_;
  std::mutex mutex_;                 // guards generation_/stop_ for the sleeping workers
  std::condition_variable wake_;     // workers wait here for a new generation
  std::condition_variable finished_; // the caller waits here for claimed chunks to finish
  std::atomic<uint64_t> generation_{0};  // written under mutex_, polled while spinning
  std::atomic<uint64_t> ticket_{0};      // see above; index == count: nothing to claim
  // The open job, written by the caller only while no chunk can be claimed.
  const RangeFn* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> done_{0};  // chunks of the open job finished (or skipped after an error)
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::mutex error_mutex_;
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
