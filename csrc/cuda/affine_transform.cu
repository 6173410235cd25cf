// CUDA kernels of affine_transform and affine_transform_grad (ops/affine_transform.cpp):
// a thread per output element samples with ops/image_sampling.h (the CPU kernels' code);
// the gradient adds each output's share into its taps with atomicAdd (so its float sums
// may differ from the CPU's in the last bits).
#include <cuda_runtime.h>

#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"
#include "ops/image_sampling.h"

namespace dagnet::cuda {

namespace {
// Element offsets of output element idx (in the output's layout) and of input pixel taps.
struct Layout {
  int64_t channels, height, width;
  bool channels_first;
  __device__ int64_t offset(int64_t n, int64_t y, int64_t x, int64_t c) const {
    return channels_first ? ((n * channels + c) * height + y) * width + x
                          : ((n * height + y) * width + x) * channels + c;
  }
  __device__ void coords(int64_t idx, int64_t& n, int64_t& y, int64_t& x, int64_t& c) const {
    if (channels_first) {
      x = idx % width, idx /= width, y = idx % height, idx /= height, c = idx % channels, n = idx / channels;
    } else {
      c = idx % channels, idx /= channels, x = idx % width, idx /= width, y = idx % height, n = idx / height;
    }
  }
};

template <typename T>
__device__ void load_transform(const AffineGeometry& s, const T* transforms, int64_t n, float t[8]) {
  const T* row = transforms + (s.transforms == 1 ? 0 : n * 8);
  for (int k = 0; k < 8; ++k) t[k] = static_cast<float>(row[k]);
}

__device__ bool in_image(const AffineGeometry& s, int64_t y, int64_t x) {
  return y >= 0 && y < s.height && x >= 0 && x < s.width;
}

// Output element idx: its image n and channel c, and where it samples.
struct OutputSample {
  int64_t n, c;
  SamplePoint p;
};

template <typename T>
__device__ OutputSample output_sample(const AffineGeometry& s, const Layout& out, const T* transforms, int64_t idx) {
  OutputSample o;
  int64_t oy, ox;
  out.coords(idx, o.n, oy, ox, o.c);
  float t[8];
  load_transform(s, transforms, o.n, t);
  o.p = sample_point(t, oy, ox, s.height, s.width, s.method, s.fill_mode);
  return o;
}

template <typename T>
__global__ void affine_kernel(AffineGeometry s, const T* x, const T* transforms, T* y, int64_t total) {
  const Layout in{s.channels, s.height, s.width, s.channels_first};
  const Layout out{s.channels, s.out_height, s.out_width, s.channels_first};
  const T fill = static_cast<T>(s.fill_value);
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const OutputSample o = output_sample(s, out, transforms, idx);
    const int64_t n = o.n, c = o.c;
    const SamplePoint& p = o.p;
    T v = fill;
    if (p.inside && s.method == SampleMethod::Nearest) {
      if (in_image(s, p.y, p.x)) v = x[in.offset(n, p.y, p.x, c)];
    } else if (p.inside) {
      T tap[2][2];
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          tap[i][j] = in_image(s, p.y + i, p.x + j) ? x[in.offset(n, p.y + i, p.x + j, c)] : fill;
      const T wy0 = p.wy[0], wy1 = p.wy[1], wx0 = p.wx[0], wx1 = p.wx[1];
      v = wy0 * (wx0 * tap[0][0] + wx1 * tap[0][1]) + wy1 * (wx0 * tap[1][0] + wx1 * tap[1][1]);
    }
    y[idx] = v;
  }
}

template <typename T>
__global__ void affine_grad_kernel(AffineGeometry s, const T* dy, const T* transforms, T* dx, int64_t total) {
  const Layout in{s.channels, s.height, s.width, s.channels_first};
  const Layout out{s.channels, s.out_height, s.out_width, s.channels_first};
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const OutputSample o = output_sample(s, out, transforms, idx);
    const int64_t n = o.n, c = o.c;
    const SamplePoint& p = o.p;
    if (!p.inside) continue;
    const T g = dy[idx];
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        const T w = static_cast<T>(p.wy[i]) * static_cast<T>(p.wx[j]);
        if (w != T(0) && in_image(s, p.y + i, p.x + j)) atomicAdd(dx + in.offset(n, p.y + i, p.x + j, c), w * g);
      }
  }
}

template <typename T>
void forward(const KernelContext& ctx) {
  const AffineGeometry& s = ctx.prepared<AffineGeometry>();
  const int64_t total = ctx.outputs[0].numel();
  if (total == 0) return;
  affine_kernel<T><<<blocks_for(total), kThreads, 0, stream(ctx)>>>(s, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                                                                    ctx.outputs[0].data<T>(), total);
  check_launch("affine_transform");
}

template <typename T>
void backward(const KernelContext& ctx) {
  const AffineGeometry& s = ctx.prepared<AffineGeometry>();
  const Tensor& dx = ctx.outputs[0];
  if (dx.nbytes()) check_cuda(cudaMemsetAsync(dx.raw(), 0, dx.nbytes(), stream(ctx)), "affine_transform_grad");
  const int64_t total = ctx.inputs[0].numel();
  if (total == 0) return;
  affine_grad_kernel<T><<<blocks_for(total), kThreads, 0, stream(ctx)>>>(s, ctx.inputs[0].data<T>(),
                                                                         ctx.inputs[1].data<T>(), dx.data<T>(), total);
  check_launch("affine_transform_grad");
}
}  // namespace

void register_affine_transform_kernels() {
  register_kernel("affine_transform", DeviceType::CUDA, [](const KernelContext& ctx) {
    if (ctx.inputs[0].dtype() == DType::f64) forward<double>(ctx);
    else forward<float>(ctx);
  });
  register_kernel("affine_transform_grad", DeviceType::CUDA, [](const KernelContext& ctx) {
    if (ctx.inputs[0].dtype() == DType::f64) backward<double>(ctx);
    else backward<float>(ctx);
  });
}

}  // namespace dagnet::cuda
