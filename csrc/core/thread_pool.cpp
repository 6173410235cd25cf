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

// Chunks per thread when the grain allows: a worker the OS deschedules mid-chunk then
// holds back a sixteenth of its share, while a chunk still costs one atomic exchange.
constexpr int64_t kChunksPerThread = 16;

struct InsideTask {
  bool previous;
  InsideTask() : previous(t_inside_task) { t_inside_task = true; }
  ~InsideTask() { t_inside_task = previous; }
};
}  // namespace

ThreadPool::ThreadPool(int threads) {
  threads = std::max(1, threads);
  workers_.reserve(static_cast<size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) {
    try {
      workers_.emplace_back([this] { worker_loop(); });
    } catch (const std::exception& e) {  // std::system_error: the OS has no thread to give
      shutdown();
      fail(ErrorKind::Runtime, "could not start thread ", i + 1, " of ", threads, " (", e.what(),
           "); ask for fewer threads");
    }
  }
}

ThreadPool::~ThreadPool() { shutdown(); }

void ThreadPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

void ThreadPool::run_chunks() {
  InsideTask inside;
  uint64_t ticket = ticket_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t index = ticket & kIndexMask, count = (ticket >> kIndexBits) & kIndexMask;
    if (index >= count) return;
    // Acquire on success: the caller published the job's fields before this ticket.
    if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel, std::memory_order_acquire))
      continue;  // another thread claimed it, or a new job opened: `ticket` was reloaded
    // This thread holds chunk `index`, so the caller is still waiting and the fields hold.
    const int64_t begin = static_cast<int64_t>(index) * chunk_, end = std::min(n_, begin + chunk_);
    if (!failed_.load(std::memory_order_relaxed)) {
      try {
        (*fn_)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_relaxed);  // later chunks are claimed but skipped
      }
    }
    // After the last chunk's count the caller may return and open a new job: from here on
    // touch only the pool itself.
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int64_t>(count)) {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_one();
    }
    ticket = ticket_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    spin_until(
        [&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    // Whatever job is open now (this one, or a later one if this thread woke late; none if
    // the caller already ran every chunk itself).
    run_chunks();
  }
}

int64_t ThreadPool::chunk_length(int64_t n, int64_t grain) const {
  grain = std::max<int64_t>(1, grain);
  const int64_t max_chunks = (n - 1) / grain + 1;
  if (workers_.empty() || max_chunks == 1) return n;
  static_assert(kChunksPerThread * kMaxThreads <= int64_t(kIndexMask), "a chunk count must fit its field");
  const int64_t wanted = std::min<int64_t>(max_chunks, kChunksPerThread * size());
  return std::max(grain, (n - 1) / wanted + 1);
}

int64_t ThreadPool::chunk_count(int64_t n, int64_t grain) const {
  return n <= 0 ? 0 : (n - 1) / chunk_length(n, grain) + 1;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, RangeFn fn) {
  if (n <= 0) return;
  const int64_t length = chunk_length(n, grain), chunks = (n - 1) / length + 1;
  std::unique_lock<std::mutex> submit(submit_, std::defer_lock);
  // A stopped pool (replaced by set_num_threads) has no workers left to wake.
  if (chunks == 1 || t_inside_task || stop_.load(std::memory_order_acquire) || !submit.try_lock()) {
    InsideTask inside;
    fn(0, n);
    return;
  }
  // No chunk of the previous job can be claimed (its index reached its count) and every
  // claimed one has finished, so nobody reads these fields now.
  fn_ = &fn;
  n_ = n;
  chunk_ = length;
  done_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t job = (ticket_.load(std::memory_order_relaxed) >> (2 * kIndexBits)) + 1;
    ticket_.store((job << (2 * kIndexBits)) | (static_cast<uint64_t>(chunks) << kIndexBits), std::memory_order_release);
    ++generation_;
  }
  wake_.notify_all();
  // The caller claims chunks like any worker, so when it runs out every chunk is either
  // done or held by a thread that is running it: only those are waited for.
  run_chunks();
  const auto all_done = [&] { return done_.load(std::memory_order_acquire) == chunks; };
  if (!spin_until(all_done)) {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, all_done);
  }
  if (failed_.load(std::memory_order_relaxed)) std::rethrow_exception(error_);
}

namespace {
// A thread count from the user, or a Value error naming where it came from.
int checked_thread_count(long long n, const std::string& source) {
  check(n >= 1 && n <= kMaxThreads, ErrorKind::Value, source, ": the thread count must be between 1 and ", kMaxThreads,
        ", got ", n);
  return static_cast<int>(n);
}

// DAGNET_NUM_THREADS when set (a bad value is an error), else 0.
int threads_from_environment() {
  const char* env = std::getenv("DAGNET_NUM_THREADS");
  if (!env || !*env) return 0;
  std::string text(env);
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  check(used == text.size() && used > 0, ErrorKind::Value, "DAGNET_NUM_THREADS='", text,
        "' is not a thread count (an integer between 1 and ", kMaxThreads, ")");
  return checked_thread_count(n, "DAGNET_NUM_THREADS");
}

// The current pool is read on every parallel_for, so the lookup is one atomic load; the
// mutex only guards creating or replacing it. A replaced pool is shut down (its workers
// joined) at once; the object itself stays until exit, because a caller may still be
// inside its parallel_for, which then finishes on the calling thread alone.
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

ThreadPool& install(std::unique_ptr<ThreadPool> pool) {
  ThreadPool* old = current_pool().load(std::memory_order_acquire);
  all_pools().push_back(std::move(pool));
  current_pool().store(all_pools().back().get(), std::memory_order_release);
  if (old) old->shutdown();
  return *all_pools().back();
}
}  // namespace

ThreadPool& thread_pool() {
  if (ThreadPool* pool = current_pool().load(std::memory_order_acquire)) return *pool;
  std::lock_guard<std::mutex> lock(pool_mutex());
  if (ThreadPool* pool = current_pool().load(std::memory_order_acquire)) return *pool;
  if (int requested = threads_from_environment()) return install(std::make_unique<ThreadPool>(requested));
  unsigned hw = std::thread::hardware_concurrency();
  const int cores = std::clamp(hw ? static_cast<int>(hw) : 1, 1, kMaxThreads);
  try {
    return install(std::make_unique<ThreadPool>(cores));
  } catch (const Error&) {
    // Nobody asked for this many: where the OS will not start them (a container's thread
    // limit), run single-threaded rather than not at all.
    return install(std::make_unique<ThreadPool>(1));
  }
}

void set_num_threads(int threads) {
  checked_thread_count(threads, "set_num_threads");
  check(!t_inside_task, ErrorKind::Runtime, "set_num_threads cannot be called from inside a parallel task");
  auto pool = std::make_unique<ThreadPool>(threads);  // throws, leaving the current pool, if it cannot start
  std::lock_guard<std::mutex> lock(pool_mutex());
  install(std::move(pool));
}

int num_threads() { return thread_pool().size(); }

}  // namespace dagnet
