#include "distributed/mpi_collective.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace dagnet::distributed {

namespace {
std::string megabytes(size_t bytes) {
  const double kb = static_cast<double>(bytes) / 1024;
  return kb < 1024 ? cat(static_cast<int64_t>(kb + 0.5), " KB") : cat(static_cast<int64_t>(kb / 1024 + 0.5), " MB");
}
}  // namespace

MpiCollective::MpiCollective(std::unique_ptr<MpiLibrary> library) : library_(std::move(library)) {
  if (library_->serialized_threads()) thread_ = std::thread([this] { run_thread(); });
}

MpiCollective::~MpiCollective() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string MpiCollective::description() const {
  return cat("mpi (", library_->version(), "; ", library_->path(), ")");
}

template <typename Fn>
void MpiCollective::on_host(const Tensor& tensor, bool copy_back, Fn fn) {
  if (tensor.device().type == DeviceType::CPU) {
    fn(tensor);
    return;
  }
  Tensor host = tensor.to(cpu_device());
  fn(host);
  if (copy_back) {
    Tensor target = tensor;  // a handle: copies into the device tensor's bytes
    target.copy_from(host);
  }
}

void MpiCollective::allreduce_sum(const Tensor& tensor) {
  on_host(tensor, true, [&](const Tensor& t) {
    WaitGuard guard(cat("an allreduce of ", megabytes(t.nbytes())));
    std::lock_guard<std::mutex> lock(mpi_mutex_);
    library_->allreduce_sum(t.raw(), t.numel(), t.dtype());
  });
}

void MpiCollective::broadcast(const Tensor& tensor, int root) {
  check(root >= 0 && root < size(), ErrorKind::Value, "broadcast root ", root, " is not a process of ", size());
  on_host(tensor, true, [&](const Tensor& t) {
    WaitGuard guard(cat("a broadcast of ", megabytes(t.nbytes()), " from process ", root));
    std::lock_guard<std::mutex> lock(mpi_mutex_);
    library_->broadcast(t.raw(), t.nbytes(), root);
  });
}

void MpiCollective::barrier() {
  WaitGuard guard("a barrier");
  std::lock_guard<std::mutex> lock(mpi_mutex_);
  library_->barrier();
}

void MpiCollective::start_allreduce(const Tensor& bucket, DeviceContext*) {
  check(bucket.device().type == DeviceType::CPU, ErrorKind::Value, "the MPI collective reduces host buckets; a ",
        bucket.device().str(), " bucket needs the device's collective");
  if (!thread_.joinable()) {  // the library allows no second thread: reduce right here
    WaitGuard guard(cat("a gradient allreduce of ", megabytes(bucket.nbytes())));
    std::lock_guard<std::mutex> lock(mpi_mutex_);
    library_->allreduce_sum(bucket.raw(), bucket.numel(), bucket.dtype());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    const uint64_t ticket = next_ticket_++;
    check(pending_.emplace(bucket.raw(), ticket).second, ErrorKind::Runtime,
          "a gradient bucket was started twice without a wait");
    queue_.push_back({ticket, bucket.raw(), bucket.numel(), bucket.dtype()});
  }
  queue_cv_.notify_one();
}

void MpiCollective::wait_allreduce(const Tensor& bucket, DeviceContext*) {
  if (!thread_.joinable()) return;  // reduced in start
  std::unique_lock<std::mutex> lock(queue_mutex_);
  auto it = pending_.find(bucket.raw());
  check(it != pending_.end(), ErrorKind::Runtime, "waiting for a gradient bucket that was never started");
  const uint64_t ticket = it->second;
  pending_.erase(it);
  if (done_ticket_ < ticket && error_.empty()) {
    WaitGuard guard(cat("a gradient allreduce of ", megabytes(bucket.nbytes())));
    done_cv_.wait(lock, [&] { return done_ticket_ >= ticket || !error_.empty(); });
  }
  check(error_.empty(), ErrorKind::Runtime, error_);
}

void MpiCollective::run_thread() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to reduce
      job = queue_.front();
      queue_.pop_front();
    }
    std::string failure;
    try {
      reduce_politely(job);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      done_ticket_ = job.ticket;
      if (!failure.empty() && error_.empty()) error_ = failure;
    }
    done_cv_.notify_all();
  }
}

// MPI_Allreduce waits by spinning in the library's progress loop. While the other processes
// are still computing up to this bucket, that spin takes a core from this process's own
// compute thread (and, on a machine shared by the job's processes, from theirs): measured
// 12-18 ms of CPU per step on two processes sharing two cores. Here the wait polls
// (MPI_Testall) flat out for a short while, so an allreduce whose partners are ready costs
// no more latency than MPI_Allreduce, then yields the core between polls, then naps with a
// growing interval (capped), so a long wait for a partner that is still computing costs
// little CPU. The MPI lock is released between polls: the caller's blocking calls go on.
void MpiCollective::reduce_politely(const Job& job) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kSpin = std::chrono::microseconds(200);
  constexpr auto kYield = std::chrono::milliseconds(2);
  constexpr auto kFirstNap = std::chrono::microseconds(20);
  constexpr auto kMaxNap = std::chrono::microseconds(100);
  std::unique_ptr<MpiLibrary::Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mpi_mutex_);
    pending = library_->start_allreduce_sum(job.data, job.count, job.dtype);
    if (pending->test()) return;
  }
  const auto start = Clock::now();
  auto nap = kFirstNap;
  for (;;) {
    const auto waited = Clock::now() - start;
    if (waited >= kYield) {
      std::this_thread::sleep_for(nap);
      nap = std::min(nap * 2, kMaxNap);
    } else if (waited >= kSpin) {
      std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(mpi_mutex_);
    if (pending->test()) return;
  }
}

void MpiCollective::finalize() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  WaitGuard guard("MPI_Finalize (every process finalises together)");
  std::lock_guard<std::mutex> lock(mpi_mutex_);
  library_->finalize();
}

}  // namespace dagnet::distributed
