// CUDA kernels of concatenate and split_like: each input (output) is a piece of every row
// of the whole, as on the CPU (cpu/concat.cpp); cuda/copy_support.cuh moves them.
#include "cuda/copy_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
// Elements of each piece per row of the whole (the product of its axes from `axis` on).
std::vector<int64_t> piece_widths(const std::vector<Tensor>& pieces, int axis) {
  std::vector<int64_t> widths;
  for (const Tensor& t : pieces) widths.push_back(product(t.shape(), axis, t.rank()));
  return widths;
}

void concatenate(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int axis = normalize_axis(ctx.attrs().get_int("axis", -1), out.rank(), "concatenate");
  std::vector<void*> ptrs;
  for (const Tensor& t : ctx.inputs) ptrs.push_back(t.raw());
  move_pieces(ptrs, piece_widths(ctx.inputs, axis), product(out.shape(), 0, axis), dtype_size(out.dtype()), out.raw(),
              true, stream(ctx));
}

void split_like(const KernelContext& ctx) {
  const Tensor& in = ctx.inputs[0];
  const int axis = normalize_axis(ctx.attrs().get_int("axis", -1), in.rank(), "split_like");
  std::vector<void*> ptrs;
  for (const Tensor& t : ctx.outputs) ptrs.push_back(t.raw());
  move_pieces(ptrs, piece_widths(ctx.outputs, axis), product(in.shape(), 0, axis), dtype_size(in.dtype()), in.raw(),
              false, stream(ctx));
}
}  // namespace

void register_concat_cuda_kernels() {
  register_kernel("concatenate", DeviceType::CUDA, concatenate);
  register_kernel("split_like", DeviceType::CUDA, split_like);
}

}  // namespace dagnet::cuda
