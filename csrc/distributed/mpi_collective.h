// The MPI collective for host tensors. Blocking calls run on the caller's thread; bucket
// allreduces run on one communication thread, in the order they were started, so they
// overlap the rest of the backward pass (MPI itself makes little progress between calls
// without one). MPI is called by one thread at a time (MPI_THREAD_SERIALIZED); a library
// that offers less runs every bucket inline in start instead.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "distributed/collective.h"
#include "distributed/mpi_library.h"

namespace dagnet::distributed {

class MpiCollective final : public Collective {
 public:
  explicit MpiCollective(std::unique_ptr<MpiLibrary> library);
  ~MpiCollective() override;

  int rank() const override { return library_->rank(); }
  int size() const override { return library_->size(); }
  std::string description() const override;

  void allreduce_sum(const Tensor& tensor) override;
  void broadcast(const Tensor& tensor, int root) override;
  void barrier() override;
  void start_allreduce(const Tensor& bucket, DeviceContext* context) override;
  void wait_allreduce(const Tensor& bucket, DeviceContext* context) override;

  MpiLibrary& library() { return *library_; }
  // Stops the communication thread (after its queue drains) and finalises MPI.
  void finalize();

 private:
  struct Job {
    uint64_t ticket;
    void* data;
    int64_t count;
    DType dtype;
  };
  void run_thread();
  void reduce_politely(const Job& job);  // one bucket on the communication thread
  // Runs fn on a host copy of a device tensor (MPI sees host memory only).
  template <typename Fn>
  void on_host(const Tensor& tensor, bool copy_back, Fn fn);

  std::unique_ptr<MpiLibrary> library_;
  std::mutex mpi_mutex_;  // one MPI call at a time

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_, done_cv_;
  std::deque<Job> queue_;
  uint64_t next_ticket_ = 1, done_ticket_ = 0;
  std::string error_;  // the first failure of a queued allreduce
  bool stopping_ = false;
  std::unordered_map<const void*, uint64_t> pending_;  // bucket bytes -> ticket
  std::thread thread_;
};

}  // namespace dagnet::distributed
