// What the optimizer update kernels' launchers share (cuda/optimizers.cu and
// optimizers_more.cu): the inputs as the kernels take them and one launch per float type.
#pragma once
#include <cstdint>

#include "cuda/kernel_support.cuh"
#include "graph/op.h"
#include "ops/dispatch.h"

namespace dagnet::cuda {

// Input i in the parameter's dtype; an optional slot that is absent is null.
template <typename T>
T* slot(const KernelContext& ctx, size_t i) {
  return i < ctx.inputs.size() ? ctx.inputs[i].data<T>() : nullptr;
}
inline const double* lr_of(const KernelContext& ctx) { return ctx.inputs[2].data<double>(); }
inline const int64_t* step_of(const KernelContext& ctx) { return ctx.inputs[3].data<int64_t>(); }

// Launches `launch(T{}, grid, n)` for the parameter's float type, when it has elements.
template <typename Launch>
void run_update(const KernelContext& ctx, const char* what, Launch launch) {
  const int64_t n = ctx.inputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) { launch(tag, blocks_for(n), n); });
  check_launch(what);
}

}  // namespace dagnet::cuda
