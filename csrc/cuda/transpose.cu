// CUDA kernel of transpose: y in row-major order reads x through the permuted strides its
// prepare rule derives (the walk the CPU kernel takes).
#include "cuda/strided_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

void register_transpose_cuda_kernels() {
  register_kernel("transpose", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_any(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      strided_gather<T>(ctx.prepared<StridedWalk>(), ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>(),
                        ctx.outputs[0].numel(), stream(ctx), "transpose");
    });
  });
}

}  // namespace dagnet::cuda
