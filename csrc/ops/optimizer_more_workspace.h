// The scratch Lamb's and Adafactor's CUDA kernels sum into (ops/optimizers_more.cpp asks
// for it, cuda/optimizers_more.cu carves it): two rows of kOptimizerPartials per-block
// partial sums, then Adafactor's mean of r per batch.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dagnet {

// Blocks of the summing kernels: at most kThreads (256), so one block adds all partials.
constexpr unsigned kOptimizerPartials = 128;

inline size_t optimizer_more_workspace_bytes(int64_t batches) {
  return (2 * static_cast<size_t>(kOptimizerPartials) + static_cast<size_t>(batches)) * sizeof(double);
}

}  // namespace dagnet
