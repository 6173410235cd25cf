// The process group's collective for CUDA tensors, on NCCL, and the CUDA kernels of the
// gradient bucket ops (ops/collective.cpp). libnccl is opened with dlopen the first time a
// CUDA model trains data-parallel (nothing links it: the wheel runs without NCCL). One
// process per GPU: process 0 makes the NCCL unique id and broadcasts it over the host
// collective (MPI), then every process joins with ncclCommInitRank. A bucket's allreduce
// runs on a communication stream ordered after the compute stream (an event), and the
// compute stream waits for it (another event) only where the bucket's wait op sits, so
// NCCL overlaps the rest of the backward pass as MPI's thread does on the CPU.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/device_guard.h"
#include "cuda/kernel_support.cuh"
#include "distributed/bucket_layout.h"
#include "distributed/collective.h"

namespace dagnet::cuda {

namespace {

// NCCL's C ABI, as nccl.h declares it (stable since NCCL 2.0): only what is used here.
struct NcclUniqueId {
  char internal[128];
};
using NcclComm = void*;
constexpr int kNcclSuccess = 0;
constexpr int kNcclSum = 0;
int nccl_dtype(DType dtype) {
  switch (dtype) {
    case DType::i32: return 2;  // ncclInt32
    case DType::i64: return 4;  // ncclInt64
    case DType::f32: return 7;  // ncclFloat32
    case DType::f64: return 8;  // ncclFloat64
  }
  return 7;
}

struct NcclLibrary {
  std::string path;
  int (*get_version)(int*) = nullptr;
  int (*get_unique_id)(NcclUniqueId*) = nullptr;
  int (*comm_init_rank)(NcclComm*, int, NcclUniqueId, int) = nullptr;
  int (*comm_destroy)(NcclComm) = nullptr;
  int (*all_reduce)(const void*, void*, size_t, int, int, NcclComm, cudaStream_t) = nullptr;
  int (*broadcast)(const void*, void*, size_t, int, int, NcclComm, cudaStream_t) = nullptr;
  const char* (*error_string)(int) = nullptr;

  void call(int rc, const char* what) const {
    if (rc != kNcclSuccess) fail(ErrorKind::Runtime, what, " failed: ", error_string ? error_string(rc) : "?");
  }
};

const NcclLibrary& nccl() {
  static std::once_flag once;
  static NcclLibrary library;
  static std::string failure;
  std::call_once(once, [] {
    std::string tried;
    for (const std::string& name : distributed::device_library_candidates()) {
      void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char* why = dlerror();
        tried += cat("\n  ", name, ": ", why ? why : "not found");
        continue;
      }
      auto load = [&](auto& fn, const char* symbol) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, symbol));
        return fn != nullptr;
      };
      if (load(library.get_version, "ncclGetVersion") && load(library.get_unique_id, "ncclGetUniqueId") &&
          load(library.comm_init_rank, "ncclCommInitRank") && load(library.comm_destroy, "ncclCommDestroy") &&
          load(library.all_reduce, "ncclAllReduce") && load(library.broadcast, "ncclBroadcast") &&
          load(library.error_string, "ncclGetErrorString")) {
        library.path = name;
        return;
      }
      tried += cat("\n  ", name, ": loaded, but it lacks NCCL's functions");
    }
    failure =
        cat("training a CUDA model data-parallel needs NCCL and none was found: `pip install nvidia-nccl-cu13` (or "
            "-cu12, matching the CUDA runtime), or set DAGNET_NCCL_LIBRARY=/path/to/libnccl.so.2. Tried:",
            tried);
  });
  check(failure.empty(), ErrorKind::Runtime, failure);
  return library;
}

class NcclCollective final : public distributed::Collective {
 public:
  NcclCollective(distributed::Collective& host, int device) : host_(host), device_(device) {
    const NcclLibrary& lib = nccl();
    NcclUniqueId id{};
    if (host.rank() == 0) lib.call(lib.get_unique_id(&id), "ncclGetUniqueId");
    Tensor words = Tensor::zeros({static_cast<int64_t>(sizeof(id) / 8)}, DType::i64);
    std::memcpy(words.raw(), &id, sizeof(id));
    host.broadcast(words, 0);  // the bootstrap: process 0's id, over MPI
    std::memcpy(&id, words.raw(), sizeof(id));
    DeviceGuard guard(device_);
    {
      distributed::WaitGuard wait("ncclCommInitRank (every process joins NCCL together)");
      lib.call(lib.comm_init_rank(&comm_, host.size(), id, host.rank()), "ncclCommInitRank");
    }
    check_cuda(cudaStreamCreateWithFlags(&comm_stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    int version = 0;
    lib.get_version(&version);
    description_ = cat("nccl ", version / 10000, ".", version / 100 % 100, ".", version % 100, " on cuda:", device_,
                       " (", lib.path, ")");
  }

  ~NcclCollective() override {
    DeviceGuard guard(device_);
    cudaStreamSynchronize(comm_stream_);
    for (auto& [ptr, events] : events_) {
      cudaEventDestroy(events.first);
      cudaEventDestroy(events.second);
    }
    cudaStreamDestroy(comm_stream_);
    nccl().comm_destroy(comm_);
  }

  int rank() const override { return host_.rank(); }
  int size() const override { return host_.size(); }
  std::string description() const override { return description_; }

  void allreduce_sum(const Tensor& tensor) override {
    if (tensor.device().type == DeviceType::CPU) return host_.allreduce_sum(tensor);
    DeviceGuard guard(device_);
    nccl().call(nccl().all_reduce(tensor.raw(), tensor.raw(), static_cast<size_t>(tensor.numel()),
                                  nccl_dtype(tensor.dtype()), kNcclSum, comm_, comm_stream_),
                "ncclAllReduce");
    finish_blocking("an allreduce");
  }

  void broadcast(const Tensor& tensor, int root) override {
    if (tensor.device().type == DeviceType::CPU) return host_.broadcast(tensor, root);
    DeviceGuard guard(device_);
    nccl().call(nccl().broadcast(tensor.raw(), tensor.raw(), static_cast<size_t>(tensor.numel()),
                                 nccl_dtype(tensor.dtype()), root, comm_, comm_stream_),
                "ncclBroadcast");
    finish_blocking("a broadcast");
  }

  void barrier() override { host_.barrier(); }

  void start_allreduce(const Tensor& bucket, DeviceContext* context) override {
    auto compute = static_cast<cudaStream_t>(context->stream);
    auto& [packed, reduced] = events_for(bucket.raw());
    check_cuda(cudaEventRecord(packed, compute), "cudaEventRecord");
    check_cuda(cudaStreamWaitEvent(comm_stream_, packed, 0), "cudaStreamWaitEvent");
    nccl().call(nccl().all_reduce(bucket.raw(), bucket.raw(), static_cast<size_t>(bucket.numel()),
                                  nccl_dtype(bucket.dtype()), kNcclSum, comm_, comm_stream_),
                "ncclAllReduce");
    check_cuda(cudaEventRecord(reduced, comm_stream_), "cudaEventRecord");
  }

  void wait_allreduce(const Tensor& bucket, DeviceContext* context) override {
    auto& events = events_for(bucket.raw());
    check_cuda(cudaStreamWaitEvent(static_cast<cudaStream_t>(context->stream), events.second, 0),
               "cudaStreamWaitEvent");
  }

 private:
  std::pair<cudaEvent_t, cudaEvent_t>& events_for(const void* bucket) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = events_.find(bucket);
    if (it == events_.end()) {  // once per bucket buffer of a plan, reused every step
      cudaEvent_t packed = nullptr, reduced = nullptr;
      check_cuda(cudaEventCreateWithFlags(&packed, cudaEventDisableTiming), "cudaEventCreate");
      check_cuda(cudaEventCreateWithFlags(&reduced, cudaEventDisableTiming), "cudaEventCreate");
      it = events_.emplace(bucket, std::make_pair(packed, reduced)).first;
    }
    return it->second;
  }

  void finish_blocking(const char* what) {
    distributed::WaitGuard wait(cat(what, " over NCCL"));
    check_cuda(cudaStreamSynchronize(comm_stream_), "cudaStreamSynchronize");
  }

  distributed::Collective& host_;
  int device_;
  NcclComm comm_ = nullptr;
  cudaStream_t comm_stream_ = nullptr;
  std::string description_;
  std::mutex mutex_;
  std::unordered_map<const void*, std::pair<cudaEvent_t, cudaEvent_t>> events_;
};

// -- the bucket ops' CUDA kernels -----------------------------------------------------------------
template <typename T>
__global__ void scale_into_kernel(const T* g, const double* weight, T* out, int64_t n) {
  const double w = *weight;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = w == 0 ? T(0) : g[i] * static_cast<T>(w);  // an empty shard's NaNs must not leak
}

template <typename T>
__global__ void store_weight_kernel(const double* weight, T* out) {
  *out = static_cast<T>(*weight);
}

template <typename T>
__global__ void divide_by_total_kernel(T* sums, int64_t n) {
  const T total = sums[n];  // the summed weights, after the gradients
  if (total == T(0)) return;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    sums[i] /= total;
}

template <typename T>
void pack(const KernelContext& ctx) {
  const auto& layout = ctx.prepared<distributed::BucketLayout>();
  const cudaStream_t s = stream(ctx);
  T* out = ctx.outputs[0].data<T>();
  const double* weight = ctx.inputs[0].data<double>();
  check_cuda(cudaMemsetAsync(out, 0, ctx.outputs[0].nbytes(), s), "cudaMemsetAsync");  // padding
  for (size_t i = 0; i < layout.offsets.size(); ++i) {
    if (layout.counts[i] == 0) continue;
    scale_into_kernel<T><<<blocks_for(layout.counts[i]), kThreads, 0, s>>>(ctx.inputs[i + 1].data<T>(), weight,
                                                                           out + layout.offsets[i], layout.counts[i]);
  }
  store_weight_kernel<T><<<1, 1, 0, s>>>(weight, out + layout.weight_index);
  check_launch("allreduce_start");
}

template <typename T>
void finish(const KernelContext& ctx) {
  const auto& layout = ctx.prepared<distributed::BucketLayout>();
  const cudaStream_t s = stream(ctx);
  T* sums = ctx.inputs[0].data<T>();
  divide_by_total_kernel<T><<<blocks_for(layout.weight_index), kThreads, 0, s>>>(sums, layout.weight_index);
  check_launch("allreduce_wait");
  for (size_t i = 0; i < layout.offsets.size(); ++i) {
    T* out = ctx.outputs[i].data<T>();
    if (out != sums + layout.offsets[i])  // an output the planner could not view
      check_cuda(
          cudaMemcpyAsync(out, sums + layout.offsets[i], layout.counts[i] * sizeof(T), cudaMemcpyDeviceToDevice, s),
          "allreduce_wait");
  }
}

}  // namespace

void register_collective_cuda_kernels() {
  distributed::register_device_collective(DeviceType::CUDA, [](distributed::Collective& host, int device) {
    return std::unique_ptr<distributed::Collective>(new NcclCollective(host, device));
  });
  register_kernel("allreduce_start", DeviceType::CUDA, [](const KernelContext& ctx) {
    if (ctx.outputs[0].dtype() == DType::f64) pack<double>(ctx);
    else pack<float>(ctx);
    distributed::collective_for(ctx.device->device).start_allreduce(ctx.outputs[0], ctx.device);
  });
  register_kernel("allreduce_wait", DeviceType::CUDA, [](const KernelContext& ctx) {
    distributed::collective_for(ctx.device->device).wait_allreduce(ctx.inputs[0], ctx.device);
    if (ctx.inputs[0].dtype() == DType::f64) finish<double>(ctx);
    else finish<float>(ctx);
  });
}

}  // namespace dagnet::cuda
