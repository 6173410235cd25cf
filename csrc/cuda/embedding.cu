// CUDA kernels of embedding (gather rows of the table) and embedding_grad (the table-shaped
// gradient). Both first look for an index outside [0, rows): the lowest such position is
// found with atomicMin in the op's workspace and reported through the device error record
// with the CPU kernel's code and fields, so the Python error is the same; no bad row is read.
// embedding_grad is deterministic and needs no atomics on the data: each block owns a range
// of table rows, scans every index and sums the dy rows of its rows in index order, the
// CPU's order (so the result is bitwise the CPU's).
#include <cstdint>

#include "cuda/window_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
constexpr unsigned long long kNoBadIndex = ~0ull;

template <typename I>
__global__ void first_bad_index_kernel(const I* indices, int64_t count, int64_t rows, unsigned long long* first) {
  DAGNET_CUDA_FOR(i, count) {
    const int64_t v = indices[i];
    if (v < 0 || v >= rows) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

template <typename I>
__global__ void report_bad_index_kernel(const I* indices, const unsigned long long* first, int64_t rows,
                                        DeviceError* error, int32_t step) {
  if (*first == kNoBadIndex) return;
  const int64_t position = static_cast<int64_t>(*first), v = indices[position];
  report_error(error, kErrorIndexOutOfRange, step, position, v, static_cast<double>(v), rows);
}

// Reports the first out-of-range index, as the CPU's checked_indices does. The workspace
// (the op's rule gives 8 bytes per index) holds the position found.
template <typename I>
void check_indices(const KernelContext& ctx, const I* indices, int64_t count, int64_t rows) {
  if (count == 0) return;
  auto* first = static_cast<unsigned long long*>(ctx.workspace);
  check_cuda(cudaMemsetAsync(first, 0xff, sizeof(*first), stream(ctx)), "embedding index check");
  first_bad_index_kernel<I><<<blocks_for(count), kThreads, 0, stream(ctx)>>>(indices, count, rows, first);
  report_bad_index_kernel<I><<<1, 1, 0, stream(ctx)>>>(indices, first, rows, ctx.device->error, ctx.step);
  check_launch("embedding index check");
}

template <typename T, typename I>
__global__ void gather_rows_kernel(const T* table, const I* indices, int64_t count, int64_t rows, int64_t dim, T* out) {
  DAGNET_CUDA_FOR(i, count * dim) {
    const int64_t v = indices[i / dim];
    if (v >= 0 && v < rows) out[i] = table[v * dim + i % dim];  // a bad index fails the step: read nothing
  }
}

constexpr int kIndexTile = 1024;
constexpr int64_t kScatterBlocks = 1024;

// Block b owns the table rows [b rows / grid, (b + 1) rows / grid): it zeroes them, then reads
// every index (staged through shared memory) and adds the dy rows of its own rows in index
// order. Each thread keeps the same columns throughout, so no two threads touch one element
// and every sum runs in the CPU's order.
template <typename T, typename I>
__global__ void scatter_rows_kernel(const T* dy, const I* indices, int64_t count, int64_t rows, int64_t dim,
                                    T* d_table) {
  __shared__ int64_t tile[kIndexTile];
  const int64_t first = blockIdx.x * rows / gridDim.x, last = (blockIdx.x + 1) * rows / gridDim.x;
  for (int64_t r = first; r < last; ++r)
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) d_table[r * dim + c] = T(0);
  for (int64_t t0 = 0; t0 < count; t0 += kIndexTile) {
    const int64_t n = count - t0 < kIndexTile ? count - t0 : kIndexTile;
    __syncthreads();  // the previous tile is no longer read
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) tile[k] = indices[t0 + k];
    __syncthreads();
    for (int64_t k = 0; k < n; ++k) {
      const int64_t r = tile[k];
      if (r < first || r >= last) continue;  // another block's row, or a bad index (the step fails)
      for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) d_table[r * dim + c] += dy[(t0 + k) * dim + c];
    }
  }
}

template <typename T, typename I>
void embedding(const KernelContext& ctx) {
  const Tensor &idx = ctx.inputs[0], &table = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t count = idx.numel(), rows = table.dim(0), dim = table.dim(1);
  check_indices<I>(ctx, idx.data<I>(), count, rows);
  if (count * dim == 0) return;
  gather_rows_kernel<T, I><<<blocks_for(count * dim), kThreads, 0, stream(ctx)>>>(table.data<T>(), idx.data<I>(), count,
                                                                                  rows, dim, out.data<T>());
  check_launch("embedding");
}

template <typename T, typename I>
void embedding_grad(const KernelContext& ctx) {
  const Tensor &dy = ctx.inputs[0], &idx = ctx.inputs[1], &d_table = ctx.outputs[0];
  const int64_t count = idx.numel(), rows = d_table.dim(0), dim = d_table.dim(1);
  check_indices<I>(ctx, idx.data<I>(), count, rows);
  if (rows * dim == 0) return;
  const unsigned grid = static_cast<unsigned>(rows < kScatterBlocks ? rows : kScatterBlocks);
  scatter_rows_kernel<T, I>
      <<<grid, kThreads, 0, stream(ctx)>>>(dy.data<T>(), idx.data<I>(), count, rows, dim, d_table.data<T>());
  check_launch("embedding_grad");
}

// The table's float type times the indices' int type.
template <template <typename, typename> class Op>
void by_types(const KernelContext& ctx, DType float_type, DType index_type) {
  dispatch_float(float_type, [&](auto tag) {
    using T = decltype(tag);
    if (index_type == DType::i32) {
      Op<T, int32_t>::run(ctx);
    } else {
      Op<T, int64_t>::run(ctx);
    }
  });
}
template <typename T, typename I>
struct Gather {
  static void run(const KernelContext& ctx) { embedding<T, I>(ctx); }
};
template <typename T, typename I>
struct Scatter {
  static void run(const KernelContext& ctx) { embedding_grad<T, I>(ctx); }
};
}  // namespace

void register_embedding_cuda_kernels() {
  register_kernel("embedding", DeviceType::CUDA, [](const KernelContext& ctx) {
    by_types<Gather>(ctx, ctx.inputs[1].dtype(), ctx.inputs[0].dtype());
  });
  register_kernel("embedding_grad", DeviceType::CUDA, [](const KernelContext& ctx) {
    by_types<Scatter>(ctx, ctx.inputs[0].dtype(), ctx.inputs[1].dtype());
  });
}

}  // namespace dagnet::cuda
