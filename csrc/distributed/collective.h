// The process group's communication behind one interface: allreduce-sum, broadcast and
// barrier on engine tensors, plus the split start/wait allreduce that the training step's
// gradient buckets use (ops/collective.cpp). dagnet rides on existing transports, it has
// none of its own: MPI for host tensors (libmpi opened with dlopen at initialize, so the
// engine has no link dependency on it) and NCCL for CUDA tensors (cuda/nccl_collective.cu,
// registered by the CUDA backend). Until initialize_mpi() the group is this one process.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/device_backend.h"
#include "core/tensor.h"

namespace dagnet::distributed {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "local", "mpi (Open MPI v5.0.11 ...)", "nccl 2.21.5 on cuda:0".
  virtual std::string description() const = 0;

  // Blocking, in place; every process passes a tensor of the same shape and dtype.
  virtual void allreduce_sum(const Tensor& tensor) = 0;
  virtual void broadcast(const Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;

  // The split allreduce-sum of one gradient bucket (a 1-D float tensor in the executor's
  // arena). start returns once the reduction is under way (on the communication thread,
  // or on a communication stream ordered after `context`'s stream); wait returns once it
  // is done (on a device: once `context`'s stream waits for it). Every process starts its
  // buckets in the same order; the bytes stay untouched between start and wait.
  virtual void start_allreduce(const Tensor& bucket, DeviceContext* context) = 0;
  virtual void wait_allreduce(const Tensor& bucket, DeviceContext* context) = 0;
};

struct GroupInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // this process's index among those on its machine
  int local_size = 1;
  std::string backend = "local";  // what host_collective() describes itself as
  bool owns_mpi = false;          // dagnet initialised MPI (and finalises it at exit)
};

struct MpiOptions {
  std::vector<std::string> library_candidates;  // sonames or paths, tried in order
  double timeout_seconds = 600;                  // a collective waiting longer ends the job; <= 0: never
  int expected_size = 0;                         // the launcher's world size (0: unknown)
};

// Opens libmpi (the first candidate that loads), initialises MPI unless someone already
// did (mpi4py), and makes it this process's group. A Runtime error names every candidate
// tried and how to install MPI when none loads, or when the library disagrees with the
// launcher about the number of processes.
GroupInfo initialize_mpi(const MpiOptions& options);
GroupInfo group_info();
bool is_initialized();  // initialize_mpi() succeeded and finalize() has not run
// Ends this process's part in the group (MPI_Finalize when dagnet initialised MPI); the
// group is this one process again.
void finalize();
void set_timeout(double seconds);
double timeout();

// The collective for tensors on `device`: the host's for the CPU, a device collective
// (created on first use from the registered factory, its bootstrap over the host's) for
// a CUDA device.
Collective& host_collective();
Collective& collective_for(Device device);
using DeviceCollectiveFactory = std::function<std::unique_ptr<Collective>(Collective& host, int device_index)>;
void register_device_collective(DeviceType type, DeviceCollectiveFactory factory);
// Libraries the NCCL collective tries (set from Python, where the nvidia-nccl wheel's
// folder is known), in order.
void set_device_library_candidates(std::vector<std::string> candidates);
const std::vector<std::string>& device_library_candidates();

// Prints `message` (naming this process) and ends every process of the job: MPI_Abort,
// then _exit should the library return. Never returns.
[[noreturn]] void abort_job(int code, const std::string& message);

// Keeps the watchdog armed for the lifetime of the guard: when the guarded wait takes
// longer than timeout(), the job is ended with a message naming `what`. Cheap: one
// map insert/erase under a mutex, no thread handoff.
class WaitGuard {
 public:
  explicit WaitGuard(std::string what);
  ~WaitGuard();
  WaitGuard(const WaitGuard&) = delete;
  WaitGuard& operator=(const WaitGuard&) = delete;

 private:
  uint64_t id_ = 0;
};

}  // namespace dagnet::distributed
