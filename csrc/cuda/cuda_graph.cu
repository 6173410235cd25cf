#include "cuda/cuda_graph.h"

#include "cuda/cuda_check.h"
#include "cuda/device_guard.h"

namespace dagnet::cuda {

namespace {
class CudaGraphWork final : public CapturedWork {
 public:
  CudaGraphWork(int device, cudaStream_t stream, cudaGraphExec_t exec)
      : device_(device), stream_(stream), exec_(exec) {}
  ~CudaGraphWork() override {
    DeviceGuard guard(device_);
    cudaStreamSynchronize(stream_);  // a replay still in flight keeps using the instance
    cudaGraphExecDestroy(exec_);
  }
  CudaGraphWork(const CudaGraphWork&) = delete;
  CudaGraphWork& operator=(const CudaGraphWork&) = delete;
  void replay() override {
    DeviceGuard guard(device_);
    check_cuda(cudaGraphLaunch(exec_, stream_), "cudaGraphLaunch");
  }

 private:
  int device_;
  cudaStream_t stream_;
  cudaGraphExec_t exec_;
};
}  // namespace

void begin_stream_capture(int device, cudaStream_t stream) {
  DeviceGuard guard(device);
  check_cuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
}

std::unique_ptr<CapturedWork> end_stream_capture(int device, cudaStream_t stream) {
  DeviceGuard guard(device);
  cudaGraph_t graph = nullptr;
  cudaError_t status = cudaStreamEndCapture(stream, &graph);
  if (status != cudaSuccess || graph == nullptr) {
    cudaGetLastError();  // invalidated: not sticky, the stream is usable again
    if (graph) cudaGraphDestroy(graph);
    if (status == cudaErrorMemoryAllocation) fail_cuda(status, "cudaStreamEndCapture");
    return nullptr;
  }
  cudaGraphExec_t exec = nullptr;
  status = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);  // the instance keeps what it needs
  if (status != cudaSuccess) {
    if (status == cudaErrorMemoryAllocation) fail_cuda(status, "cudaGraphInstantiate");
    cudaGetLastError();
    return nullptr;
  }
  return std::make_unique<CudaGraphWork>(device, stream, exec);
}

void abort_stream_capture(int device, cudaStream_t stream) {
  DeviceGuard guard(device);
  cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(stream, &capturing) == cudaSuccess && capturing != cudaStreamCaptureStatusNone) {
    cudaGraph_t graph = nullptr;
    cudaStreamEndCapture(stream, &graph);
    if (graph) cudaGraphDestroy(graph);
  }
  cudaGetLastError();
}

}  // namespace dagnet::cuda
