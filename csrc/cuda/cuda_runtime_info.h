// Queries of the CUDA runtime, compiled only when the CUDA backend is built.
#pragma once

namespace dagnet {

// Number of usable CUDA devices; 0 when the driver or a device is missing.
int cuda_device_count();

}  // namespace dagnet
