#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/error.h"

namespace dagnet {

namespace {
thread_local bool t_inside_task = false;

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
inline void cpu_relax() { _mm_pause(); }
#else
inline void cpu_relax() { std::this_thread::yield(); }
#endif

// Polls `done` for up to kSpin before the caller falls back to blocking; true if it came.
constexpr auto kSpin = std::chrono::microseconds(100);
template <typename Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

struct InsideTask {
  bool previous;
  InsideTask() : previous(t_inside_task) { t_inside_task = true; }
  ~InsideTask() { t_inside_task = previous; }
};
}  // namespace

ThreadPool::ThreadPool(int threads) {
  threads = std::max(1, threads);
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_chunks(Job& job) {
  InsideTask inside;
  for (;;) {
    int64_t begin = job.next.fetch_add(job.chunk);
    if (begin >= job.n) return;
    int64_t end = std::min(job.n, begin + job.chunk);
    try {
      (*job.fn)(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
      job.next.store(job.n);  // stop handing out chunks
    }
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    Job* job;
    spin_until(
        [&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;  // null when the caller already finished and closed it
      if (job) job->running.fetch_add(1);
    }
    if (!job) continue;
    run_chunks(*job);
    if (job->running.fetch_sub(1) == 1) {  // the job may be gone after this: touch only the pool
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, RangeFn fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int64_t max_chunks = (n + grain - 1) / grain;
  std::unique_lock<std::mutex> submit(submit_, std::defer_lock);
  if (workers_.empty() || max_chunks == 1 || t_inside_task || !submit.try_lock()) {
    InsideTask inside;
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven chunk costs without much scheduling overhead.
  int64_t chunks = std::min<int64_t>(max_chunks, 4 * size());
  Job job;
  job.fn = &fn;
  job.n = n;
  job.chunk = (n + chunks - 1) / chunks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    ++generation_;
  }
  wake_.notify_all();
  run_chunks(job);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;  // every chunk is taken: late workers need not join
  }
  spin_until([&] { return job.running.load(std::memory_order_acquire) == 0; });
  {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return job.running.load() == 0; });
  }
  if (job.error) std::rethrow_exception(job.error);
}

namespace {
int default_threads() {
  if (const char* env = std::getenv("DAGNET_NUM_THREADS")) {
    try {
      int n = std::stoi(env);
      if (n >= 1) return n;
    } catch (...) {}
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

// The current pool is read on every parallel_for, so the lookup is one atomic load;
// the mutex only guards creating or replacing it. Replaced pools are kept alive (a
// caller may still be inside one) until exit.
std::atomic<ThreadPool*>& current_pool() {
  static std::atomic<ThreadPool*> pool{nullptr};
  return pool;
}
std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::unique_ptr<ThreadPool>>& all_pools() {
  static std::vector<std::unique_ptr<ThreadPool>> pools;
  return pools;
}
}  // namespace

ThreadPool& thread_pool() {
  if (ThreadPool* pool = current_pool().load(std::memory_order_acquire)) return *pool;
  std::lock_guard<std::mutex> lock(pool_mutex());
  if (ThreadPool* pool = current_pool().load(std::memory_order_acquire)) return *pool;
  all_pools().push_back(std::make_unique<ThreadPool>(default_threads()));
  current_pool().store(all_pools().back().get(), std::memory_order_release);
  return *all_pools().back();
}

void set_num_threads(int threads) {
  check(threads >= 1, ErrorKind::Value, "set_num_threads: need at least 1 thread, got ", threads);
  std::lock_guard<std::mutex> lock(pool_mutex());
  all_pools().push_back(std::make_unique<ThreadPool>(threads));
  current_pool().store(all_pools().back().get(), std::memory_order_release);
}

int num_threads() { return thread_pool().size(); }

}  // namespace dagnet
