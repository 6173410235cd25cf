// Joining pieces into a tensor along one axis and splitting it back (concatenate,
// split_like, stack on the device): row o of the whole is piece 0's row o, then piece 1's,
// ... Widths and offsets count elements; a launch takes up to kPiecesPerLaunch pieces, one
// thread per element of its pieces, moving 4- or 8-byte words (every engine dtype).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda/window_support.cuh"

namespace dagnet::cuda {

constexpr int kPiecesPerLaunch = 8;

struct PieceBatch {
  int count = 0;
  int64_t span = 0;  // the batch's elements per row (the sum of its widths)
  void* ptr[kPiecesPerLaunch] = {};
  int64_t width[kPiecesPerLaunch] = {};
  int64_t offset[kPiecesPerLaunch] = {};  // where each piece's row starts within the whole's row
};

template <typename U, bool kJoin>
__global__ void pieces_kernel(PieceBatch b, int64_t outer, int64_t whole_width, U* whole) {
  DAGNET_CUDA_FOR(i, outer * b.span) {
    const int64_t o = i / b.span;
    int64_t j = i % b.span;
    int p = 0;
    while (j >= b.width[p]) j -= b.width[p++];
    U* piece = static_cast<U*>(b.ptr[p]) + o * b.width[p] + j;
    U* at = whole + o * whole_width + b.offset[p] + j;
    if (kJoin) {
      *at = *piece;
    } else {
      *piece = *at;
    }
  }
}

// join: the pieces into `whole`; else `whole` into the pieces. `whole` is outer x sum(widths).
inline void move_pieces(const std::vector<void*>& pieces, const std::vector<int64_t>& widths, int64_t outer,
                        size_t element_size, void* whole, bool join, cudaStream_t s) {
  int64_t whole_width = 0;
  for (int64_t w : widths) whole_width += w;
  if (outer <= 0 || whole_width <= 0) return;
  PieceBatch b;
  int64_t offset = 0;
  auto launch = [&] {
    if (b.count == 0) return;
    const unsigned grid = blocks_for(outer * b.span);
    if (element_size == 8) {
      auto* w = static_cast<unsigned long long*>(whole);
      if (join) {
        pieces_kernel<unsigned long long, true><<<grid, kThreads, 0, s>>>(b, outer, whole_width, w);
      } else {
        pieces_kernel<unsigned long long, false><<<grid, kThreads, 0, s>>>(b, outer, whole_width, w);
      }
    } else {
      auto* w = static_cast<unsigned*>(whole);
      if (join) {
        pieces_kernel<unsigned, true><<<grid, kThreads, 0, s>>>(b, outer, whole_width, w);
      } else {
        pieces_kernel<unsigned, false><<<grid, kThreads, 0, s>>>(b, outer, whole_width, w);
      }
    }
    check_launch(join ? "concatenate" : "split");
    b = PieceBatch{};
  };
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (widths[i] > 0) {
      b.ptr[b.count] = pieces[i];
      b.width[b.count] = widths[i];
      b.offset[b.count] = offset;
      b.span += widths[i];
      if (++b.count == kPiecesPerLaunch) launch();
    }
    offset += widths[i];
  }
  launch();
}

// A shape op's output, a copy of its input unless the planner bound both to the same bytes
// (the CPU kernels' copy_if_moved).
inline void copy_if_moved(const KernelContext& ctx) {
  const Tensor &in = ctx.inputs[0], &out = ctx.outputs[0];
  if (in.raw() != out.raw() && out.nbytes())
    check_cuda(cudaMemcpyAsync(out.raw(), in.raw(), out.nbytes(), cudaMemcpyDeviceToDevice, stream(ctx)),
               "cudaMemcpyAsync");
}

}  // namespace dagnet::cuda
