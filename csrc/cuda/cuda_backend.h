// The CUDA device backend: registered by init_engine() when the CUDA backend is compiled
// in. On a machine without a driver or GPU it reports 0 devices and nothing else of it
// runs, so a CUDA build works CPU-only there.
#pragma once

namespace dagnet::cuda {

// Registers the backend (devices, caching allocators, contexts) and the CUDA kernels.
void register_cuda_backend();
// TF32 tensor-core math in cuBLAS GEMMs (off by default: results match float32 CPU math).
void set_tf32(bool on);
bool tf32();

}  // namespace dagnet::cuda
