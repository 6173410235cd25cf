// CUDA kernels of the shape ops: reshape, reshape_like, merge_leading_axes,
// split_leading_axes, expand_dims, squeeze, stop_gradient and bitcast keep the bytes (the
// planner usually binds the output to the input's buffer, and then nothing moves; else one
// device copy), and stack interleaves its inputs like a concatenation of (outer, 1, inner)
// pieces.
#include "cuda/copy_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
void stack(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int axis = normalize_axis(ctx.attrs().get_int("axis", 0), out.rank(), "stack");
  std::vector<void*> ptrs;
  for (const Tensor& t : ctx.inputs) ptrs.push_back(t.raw());
  const int64_t inner = product(out.shape(), axis + 1, out.rank());
  move_pieces(ptrs, std::vector<int64_t>(ptrs.size(), inner), product(out.shape(), 0, axis), dtype_size(out.dtype()),
              out.raw(), true, stream(ctx));
}
}  // namespace

void register_shape_cuda_kernels() {
  for (const char* op : {"reshape", "reshape_like", "merge_leading_axes", "split_leading_axes", "expand_dims",
                         "squeeze", "stop_gradient", "bitcast"})
    register_kernel(op, DeviceType::CUDA, copy_if_moved);
  register_kernel("stack", DeviceType::CUDA, stack);
}

}  // namespace dagnet::cuda
