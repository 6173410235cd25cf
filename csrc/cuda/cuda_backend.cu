#include "cuda/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "core/device_backend.h"
#include "cuda/cuda_allocator.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_graph.h"
#include "cuda/device_guard.h"
#include "cuda/kernel_support.cuh"

namespace dagnet::cuda {

void register_device_scalar_kernels();  // device_scalar_kernels.cu
void register_attention_kernels();      // attention.cu
void register_random_kernels();         // random.cu
void register_conv_cuda_kernels();       // conv.cu
void register_depthwise_cuda_kernels();  // depthwise.cu
void register_pooling_cuda_kernels();    // pooling.cu
void register_pad_cuda_kernels();        // pad.cu
void register_normalization_kernels();  // normalization.cu
void register_recurrent_cuda_kernels();  // recurrent.cu
void register_resample_kernels();        // resample.cu
void register_affine_transform_kernels();  // affine_transform.cu
void register_random_uniform_kernels();    // random_uniform.cu
void register_collective_cuda_kernels();  // nccl_collective.cu: NCCL and the gradient bucket ops
void register_dense_cuda_kernels();       // dense.cu
void register_matmul_cuda_kernels();      // matmul.cu: matmul, batch_matmul
void register_embedding_cuda_kernels();   // embedding.cu
void register_concat_cuda_kernels();      // concat.cu: concatenate, split_like
void register_shape_cuda_kernels();       // shape_ops.cu: reshape family, expand_dims, squeeze, stack
void register_slice_cuda_kernels();       // slice.cu: slice, slice_grad
void register_transpose_cuda_kernels();   // transpose.cu
void register_optimizer_cuda_kernels();   // optimizers.cu: every *_update
void register_more_optimizer_cuda_kernels();  // optimizers_more.cu: lion, ftrl, lamb, adafactor
void register_activation_cuda_kernels();     // activation.cu
void register_unary_binary_cuda_kernels();   // unary_binary.cu: unary, binary, where, sum_to_shape, add, scale, cast
void register_reduce_cuda_kernels();         // reduce.cu
void register_loss_cuda_kernels();           // losses.cu: every loss and its gradient, accuracy
void register_regularizer_cuda_kernels();    // regularizers.cu: constrain, l1/l2 penalties
void register_dropout_cuda_kernels();        // dropout.cu

namespace {
std::atomic<bool> g_tf32{false};

class CudaContext final : public DeviceContext {
 public:
  CudaContext(int index, Allocator& allocator) : allocator_(allocator) {
    device = Device{DeviceType::CUDA, index};
    DeviceGuard guard(index);
    cudaStream_t s = nullptr;
    check_cuda(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
    stream = s;
    cublasHandle_t h = nullptr;
    check_cublas(cublasCreate(&h), "cublasCreate");
    blas = h;
    check_cublas(cublasSetStream(h, s), "cublasSetStream");
    error = static_cast<DeviceError*>(allocator_.allocate(sizeof(DeviceError)));
    check_cuda(cudaMemsetAsync(error, 0, sizeof(DeviceError), s), "cudaMemsetAsync");
    check_cuda(cudaMallocHost(&host_error_, sizeof(DeviceError)), "cudaMallocHost");  // pinned: async read-back
  }
  ~CudaContext() override {
    DeviceGuard guard(device.index);
    cudaStreamSynchronize(static_cast<cudaStream_t>(stream));
    allocator_.deallocate(error, sizeof(DeviceError));
    cudaFreeHost(host_error_);
    cublasDestroy(static_cast<cublasHandle_t>(blas));
    cudaStreamDestroy(static_cast<cudaStream_t>(stream));
  }
  void synchronize() override {
    check_cuda(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), "cudaStreamSynchronize");
  }
  DeviceError take_error() override {
    auto s = static_cast<cudaStream_t>(stream);
    check_cuda(cudaMemcpyAsync(host_error_, error, sizeof(DeviceError), cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync");
    check_cuda(cudaMemsetAsync(error, 0, sizeof(DeviceError), s), "cudaMemsetAsync");
    synchronize();
    return *host_error_;
  }
  bool synchronous() const override { return false; }
  bool can_capture() const override { return true; }
  void begin_capture() override { begin_stream_capture(device.index, static_cast<cudaStream_t>(stream)); }
  std::unique_ptr<CapturedWork> end_capture() override {
    return end_stream_capture(device.index, static_cast<cudaStream_t>(stream));
  }
  void abort_capture() override { abort_stream_capture(device.index, static_cast<cudaStream_t>(stream)); }

 private:
  Allocator& allocator_;
  DeviceError* host_error_ = nullptr;
};

class CudaBackend final : public DeviceBackend {
 public:
  CudaBackend() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
      cudaGetLastError();  // no driver or no device: CPU-only, and clear the sticky error
      count = 0;
    }
    for (int i = 0; i < count; ++i) allocators_.push_back(std::make_unique<CachingAllocator>(i));
  }
  DeviceType type() const override { return DeviceType::CUDA; }
  int device_count() const override { return static_cast<int>(allocators_.size()); }
  Allocator& allocator(int index) override { return *allocators_.at(index); }
  void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes, void* stream) override {
    if (!bytes) return;
    const int index = dst_device.type == DeviceType::CUDA ? dst_device.index : src_device.index;
    DeviceGuard guard(index);
    if (stream) {
      check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, static_cast<cudaStream_t>(stream)),
                 "cudaMemcpyAsync");
    } else {
      // Synchronous means complete: a pageable upload through cudaMemcpy may return before
      // its DMA lands, and the executors' streams do not wait on the legacy stream.
      check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, cudaStreamLegacy), "cudaMemcpy");
      check_cuda(cudaStreamSynchronize(cudaStreamLegacy), "cudaStreamSynchronize");
    }
  }
  void fill_zero(void* dst, size_t bytes, int index, void* stream) override {
    if (!bytes) return;
    DeviceGuard guard(index);
    if (stream) {
      check_cuda(cudaMemsetAsync(dst, 0, bytes, static_cast<cudaStream_t>(stream)), "cudaMemsetAsync");
    } else {
      check_cuda(cudaMemsetAsync(dst, 0, bytes, cudaStreamLegacy), "cudaMemset");  // see copy()
      check_cuda(cudaStreamSynchronize(cudaStreamLegacy), "cudaStreamSynchronize");
    }
  }
  std::unique_ptr<DeviceContext> make_context(int index) override {
    return std::make_unique<CudaContext>(index, allocator(index));
  }
  size_t bytes_in_use(int index) override { return allocators_.at(index)->bytes_in_use(); }

 private:
  std::vector<std::unique_ptr<CachingAllocator>> allocators_;
};
}  // namespace

[[noreturn]] void fail_cuda(cudaError_t status, const char* what) {
  cudaGetLastError();
  fail(status == cudaErrorMemoryAllocation ? ErrorKind::Memory : ErrorKind::Runtime, what,
       " failed: ", cudaGetErrorString(status));
}

[[noreturn]] void fail_cublas(cublasStatus_t status, const char* what) {
  fail(status == CUBLAS_STATUS_ALLOC_FAILED ? ErrorKind::Memory : ErrorKind::Runtime, what,
       " failed: ", cublasGetStatusString(status));
}

void check_launch(const char* what) { check_cuda(cudaGetLastError(), what); }

void register_cuda_backend() {
  register_backend(std::make_unique<CudaBackend>());
  register_device_scalar_kernels();
  register_attention_kernels();
  register_random_kernels();
  register_conv_cuda_kernels();
  register_depthwise_cuda_kernels();
  register_pooling_cuda_kernels();
  register_pad_cuda_kernels();
  register_normalization_kernels();
  register_recurrent_cuda_kernels();
  register_resample_kernels();
  register_affine_transform_kernels();
  register_random_uniform_kernels();
  register_collective_cuda_kernels();
  register_dense_cuda_kernels();
  register_matmul_cuda_kernels();
  register_embedding_cuda_kernels();
  register_concat_cuda_kernels();
  register_shape_cuda_kernels();
  register_slice_cuda_kernels();
  register_transpose_cuda_kernels();
  register_optimizer_cuda_kernels();
  register_more_optimizer_cuda_kernels();
  register_activation_cuda_kernels();
  register_unary_binary_cuda_kernels();
  register_reduce_cuda_kernels();
  register_loss_cuda_kernels();
  register_regularizer_cuda_kernels();
  register_dropout_cuda_kernels();
}

void set_tf32(bool on) { g_tf32.store(on); }
bool tf32() { return g_tf32.load(); }

}  // namespace dagnet::cuda
