// CUDA kernels of slice (a strided gather of the slice) and slice_grad (zeros, then the
// gradient scattered back to the slice's positions), over the walks their prepare rules
// derive (the same ones the CPU kernels walk).
#include "cuda/strided_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
template <typename T>
void slice(const KernelContext& ctx) {
  strided_gather<T>(ctx.prepared<StridedWalk>(), ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>(),
                    ctx.outputs[0].numel(), stream(ctx), "slice");
}

template <typename T>
void slice_grad(const KernelContext& ctx) {
  const Tensor &g = ctx.inputs[0], &dx = ctx.outputs[0];
  if (dx.nbytes()) check_cuda(cudaMemsetAsync(dx.raw(), 0, dx.nbytes(), stream(ctx)), "slice_grad");
  if (g.numel() == 0) return;
  strided_scatter_kernel<T><<<blocks_for(g.numel()), kThreads, 0, stream(ctx)>>>(
      g.data<T>(), geometry_of(ctx.prepared<StridedWalk>(), "slice_grad"), g.numel(), dx.data<T>());
  check_launch("slice_grad");
}
}  // namespace

void register_slice_cuda_kernels() {
  register_kernel("slice", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_any(ctx.inputs[0].dtype(), [&](auto tag) { slice<decltype(tag)>(ctx); });
  });
  register_kernel("slice_grad", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) { slice_grad<decltype(tag)>(ctx); });
  });
}

}  // namespace dagnet::cuda
