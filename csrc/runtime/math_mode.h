// TF32 (tensor-core math with a 10-bit mantissa) for float32 GEMMs on CUDA devices. Off by
// default, so CUDA results match the CPU's float32 math within rounding; on, cuBLAS may run
// float32 GEMMs on tensor cores (several times faster on Ampere and Hopper, relative error
// around 1e-3). Read at every GEMM; a step captured as a CUDA Graph keeps the mode it was
// captured with. The CPU ignores it.
#pragma once

namespace dagnet {

void set_allow_tf32(bool on);
bool allow_tf32();

}  // namespace dagnet
