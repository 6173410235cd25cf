// Stream capture into a CUDA Graph, for CudaContext (cuda_backend.cu): the executor
// records a plan's kernels once and replays them with one cudaGraphLaunch per run.
#pragma once
#include <cuda_runtime.h>

#include <memory>

#include "core/device_backend.h"

namespace dagnet::cuda {

// Starts recording the work issued on `stream` by this thread (thread-local mode: other
// threads' allocations and copies go on untouched).
void begin_stream_capture(int device, cudaStream_t stream);
// Ends the capture and instantiates it; null when the capture was invalidated (some call
// in it cannot be recorded), with the error cleared so the caller can run the work directly.
std::unique_ptr<CapturedWork> end_stream_capture(int device, cudaStream_t stream);
// Ends a capture an exception interrupted, discarding it.
void abort_stream_capture(int device, cudaStream_t stream);

}  // namespace dagnet::cuda
