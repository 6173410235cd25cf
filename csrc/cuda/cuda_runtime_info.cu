#include <cuda_runtime.h>

#include "cuda/cuda_runtime_info.h"

namespace dagnet {

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return count;
}

}  // namespace dagnet
