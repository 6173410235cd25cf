// libmpi opened at run time with dlopen, so neither the engine nor the wheel links it and
// a machine without MPI imports dagnet fine. MPI's C ABI is not one ABI: Open MPI's handles
// are pointers to exported objects (ompi_mpi_comm_world, ...), the MPICH family's (MPICH,
// Intel MPI, MVAPICH, Cray MPICH) are int constants; both are served, the flavour picked
// from the symbols the library exports.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace dagnet::distributed {

class MpiLibrary {
 public:
  // Opens the first candidate that loads and initialises MPI (MPI_Init_thread asking for
  // MPI_THREAD_SERIALIZED) unless it already is, then works on a duplicate of
  // MPI_COMM_WORLD. Throws a Runtime error listing what was tried when none loads.
  static std::unique_ptr<MpiLibrary> open(const std::vector<std::string>& candidates);
  virtual ~MpiLibrary() = default;

  virtual std::string path() const = 0;     // the file that loaded
  virtual std::string version() const = 0;  // MPI_Get_library_version, first line
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // MPI_THREAD_SERIALIZED or better: any thread may call, one at a time.
  virtual bool serialized_threads() const = 0;
  virtual bool owns_init() const = 0;  // we called MPI_Init_thread (and so finalise)

  // An allreduce started with start_allreduce_sum; test() makes MPI progress on it
  // (MPI_Testall) and says whether it is done. Call test() under the same one-thread-at-a-
  // time rule as every other call; the bytes stay untouched until it returns true.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual bool test() = 0;
  };

  // In place over `count` elements (any count: split into int-sized calls).
  virtual void allreduce_sum(void* data, int64_t count, DType dtype) = 0;
  // The same, non-blocking (MPI_Iallreduce): lets the caller wait without MPI's busy poll.
  virtual std::unique_ptr<Pending> start_allreduce_sum(void* data, int64_t count, DType dtype) = 0;
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  virtual void barrier() = 0;
  virtual void abort(int code) = 0;
  virtual void finalize() = 0;
};

}  // namespace dagnet::distributed
