// CUDA kernel of transpose: y in row-major order reads x through the permuted strides its
// prepare rule derives (the walk the CPU kernel takes). When the walk simplifies to a batch
// of matrix transposes (x (B, Q, P) -> y (B, P, Q), the common case), 32 x 32 tiles through
// shared memory keep both the reads and the writes coalesced; otherwise a strided gather.
#include "cuda/strided_support.cuh"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
constexpr int kTile = 32, kTileRows = 8;

// y[b, p, q] = x[b, q, p]; one block per 32 x 32 tile of y, kTile x kTileRows threads.
template <typename T>
__global__ void transpose_tiles_kernel(const T* x, int64_t batches, int64_t P, int64_t Q, T* y) {
  __shared__ T tile[kTile][kTile + 1];  // +1: the column reads hit distinct banks
  const int64_t tiles_p = (P + kTile - 1) / kTile, tiles_q = (Q + kTile - 1) / kTile;
  const int64_t tiles = batches * tiles_p * tiles_q;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t b = t / (tiles_p * tiles_q), p0 = (t / tiles_q) % tiles_p * kTile, q0 = t % tiles_q * kTile;
    const T* xb = x + b * P * Q;
    T* yb = y + b * P * Q;
    __syncthreads();  // the previous tile is written out
    for (int k = threadIdx.y; k < kTile; k += kTileRows) {
      const int64_t q = q0 + k, p = p0 + threadIdx.x;
      if (q < Q && p < P) tile[k][threadIdx.x] = xb[q * P + p];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < kTile; k += kTileRows) {
      const int64_t p = p0 + k, q = q0 + threadIdx.x;
      if (p < P && q < Q) yb[p * Q + q] = tile[threadIdx.x][k];
    }
  }
}

// (batches, P, Q) when the simplified walk is a batch of matrix transposes, else false.
bool as_matrix_transpose(const StridedGeometry& g, int64_t& batches, int64_t& P, int64_t& Q) {
  if (g.base != 0 || g.rank < 2 || g.rank > 3) return false;
  const int r = g.rank;
  P = g.dims[r - 2];
  Q = g.dims[r - 1];
  batches = r == 3 ? g.dims[0] : 1;
  return g.strides[r - 2] == 1 && g.strides[r - 1] == P && (r == 2 || g.strides[0] == P * Q);
}

template <typename T>
void transpose(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  const int64_t total = y.numel();
  if (total == 0) return;
  const StridedGeometry g = geometry_of(ctx.prepared<StridedWalk>(), "transpose");
  int64_t batches = 0, P = 0, Q = 0;
  if (as_matrix_transpose(g, batches, P, Q)) {
    const int64_t tiles = batches * ((P + kTile - 1) / kTile) * ((Q + kTile - 1) / kTile);
    transpose_tiles_kernel<T>
        <<<blocks_for(tiles, 1), dim3(kTile, kTileRows), 0, stream(ctx)>>>(x.data<T>(), batches, P, Q, y.data<T>());
  } else {
    strided_gather_kernel<T><<<blocks_for(total), kThreads, 0, stream(ctx)>>>(x.data<T>(), g, total, y.data<T>());
  }
  check_launch("transpose");
}
}  // namespace

void register_transpose_cuda_kernels() {
  register_kernel("transpose", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_any(ctx.inputs[0].dtype(), [&](auto tag) { transpose<decltype(tag)>(ctx); });
  });
}

}  // namespace dagnet::cuda
