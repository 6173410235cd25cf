// CUDA kernel of pad (constant padding): one thread per output element, which reads its
// source element or writes the fill value.
#include "cuda/window_support.cuh"
#include "ops/conv_layout.h"

namespace dagnet::cuda {

namespace {
constexpr int kMaxRank = 8;

struct PadGeometry {
  int rank;
  int64_t out_dims[kMaxRank], in_dims[kMaxRank], before[kMaxRank];
};

template <typename T>
__global__ void pad_kernel(const T* x, PadGeometry g, T value, int64_t total, T* y) {
  DAGNET_CUDA_FOR(i, total) {
    int64_t rest = i, source = 0, scale = 1;
    bool inside = true;
    for (int a = g.rank - 1; a >= 0; --a) {
      const int64_t at = rest % g.out_dims[a] - g.before[a];
      rest /= g.out_dims[a];
      inside = inside && at >= 0 && at < g.in_dims[a];
      source += at * scale;
      scale *= g.in_dims[a];
    }
    y[i] = inside ? x[source] : value;
  }
}

template <typename T>
void pad(const KernelContext& ctx) {
  const PadState& p = ctx.prepared<PadState>();
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  if (y.numel() == 0) return;
  if (x.rank() > kMaxRank)
    fail(ErrorKind::Value, "pad on CUDA supports tensors of rank <= ", kMaxRank, ", got ", x.rank());
  PadGeometry g{static_cast<int>(x.rank()), {}, {}, {}};
  for (size_t a = 0; a < x.rank(); ++a) {
    g.out_dims[a] = y.dim(a);
    g.in_dims[a] = x.dim(a);
    g.before[a] = p.before[a];
  }
  pad_kernel<T><<<blocks_for(y.numel()), kThreads, 0, stream(ctx)>>>(x.data<T>(), g, static_cast<T>(p.value), y.numel(),
                                                                     y.data<T>());
  check_launch("pad");
}
}  // namespace

void register_pad_cuda_kernels() {
  register_kernel("pad", DeviceType::CUDA, [](const KernelContext& ctx) {
    switch (ctx.inputs[0].dtype()) {
      case DType::f32: pad<float>(ctx); break;
      case DType::f64: pad<double>(ctx); break;
      case DType::i32: pad<int32_t>(ctx); break;
      case DType::i64: pad<int64_t>(ctx); break;
    }
  });
}

}  // namespace dagnet::cuda
