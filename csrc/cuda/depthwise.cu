// CUDA kernels of the depthwise convolutions (depthwise_conv{1,2}d and their gradients):
// direct kernels, one thread per output (forward) or input (input gradient) element,
// channels innermost so neighbouring threads read neighbouring memory; the kernel gradient
// sums each (tap, channel) over the output positions in kKernelPartials slices (partial
// sums in scratch, then their sum: deterministic). Output channel k = c * m + j reads input
// channel c. channels_first operands are transposed into scratch as on the CPU.
#include "cuda/window_support.cuh"
#include "ops/conv_layout.h"

namespace dagnet::cuda {

namespace {
constexpr int kKernelPartials = 16;  // = the CPU's partial blocks, which size the scratch
constexpr int kChannelTile = 32, kPositionLanes = 8;

// y[row, k] over the output rows (channels-last, wide = c * m channels), bias and the
// elementwise activation fused (softmax is finish_conv_output's).
template <typename T>
__global__ void forward_kernel(const T* x, ConvShape s, int64_t m, const T* w, const T* bias, Activation act, T alpha,
                               T* y) {
  const int64_t wide = s.c * m;
  DAGNET_CUDA_FOR(i, s.n * s.out_spatial() * wide) {
    const int64_t k = i % wide, row = i / wide;
    const OutputPosition p = output_position(s, row);
    T sum = bias ? bias[k] : T(0);
    for (int64_t t = 0; t < s.taps(); ++t) {
      const int64_t at = tap_source(s, p, window_tap(s, t));
      if (at >= 0) sum += x[at + k / m] * w[t * wide + k];
    }
    y[i] = activation_value(act, sum, alpha);
  }
}

// dx[pixel, c] = sum over j < m and the taps whose window covers the pixel.
template <typename T>
__global__ void grad_input_kernel(const T* dy, ConvShape s, int64_t m, const T* w, T* dx) {
  const int64_t wide = s.c * m;
  DAGNET_CUDA_FOR(i, s.n * s.spatial() * s.c) {
    const int64_t c = i % s.c, pixel = i / s.c;
    const int64_t x = pixel % s.w, y = (pixel / s.w) % s.h, z = (pixel / (s.w * s.h)) % s.d,
                  image = pixel / s.spatial();
    T sum = 0;
    for (int64_t t = 0; t < s.taps(); ++t) {
      const WindowTap tap = window_tap(s, t);
      const int64_t oz = window_output(z, tap.z, s.sd, s.dd, s.pad_front, s.od);
      const int64_t oy = window_output(y, tap.y, s.sh, s.dh, s.pad_top, s.oh);
      const int64_t ox = window_output(x, tap.x, s.sw, s.dw, s.pad_left, s.ow);
      if (oz < 0 || oy < 0 || ox < 0) continue;
      const T* g = dy + (((image * s.od + oz) * s.oh + oy) * s.ow + ox) * wide + c * m;
      for (int64_t j = 0; j < m; ++j) sum += g[j] * w[t * wide + c * m + j];
    }
    dx[i] = sum;
  }
}

// partial[slice, t, k] = sum over the slice's output positions of dy[pos, k] * x[window(pos, t), k / m].
// Block (kChannelTile, kPositionLanes); grid (taps, channel tiles, kKernelPartials).
template <typename T>
__global__ void grad_kernel_kernel(const T* dy, const T* x, ConvShape s, int64_t m, T* partial) {
  __shared__ T shared[kPositionLanes][kChannelTile];
  const int64_t wide = s.c * m, t = blockIdx.x, k = blockIdx.y * int64_t(kChannelTile) + threadIdx.x;
  const int64_t positions = s.n * s.out_spatial(), slice = blockIdx.z;
  const int64_t begin = positions * slice / kKernelPartials, end = positions * (slice + 1) / kKernelPartials;
  const WindowTap tap = window_tap(s, t);
  T sum = 0;
  if (k < wide)
    for (int64_t pos = begin + threadIdx.y; pos < end; pos += kPositionLanes) {
      const int64_t at = tap_source(s, output_position(s, pos), tap);
      if (at >= 0) sum += dy[pos * wide + k] * x[at + k / m];
    }
  shared[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  if (threadIdx.y == 0 && k < wide) {
    for (int lane = 1; lane < kPositionLanes; ++lane) sum += shared[lane][threadIdx.x];
    partial[(slice * s.taps() + t) * wide + k] = sum;
  }
}

template <typename T>
__global__ void sum_partials_kernel(const T* partial, int64_t size, T* out) {
  DAGNET_CUDA_FOR(i, size) {
    T sum = 0;
    for (int slice = 0; slice < kKernelPartials; ++slice) sum += partial[slice * size + i];
    out[i] = sum;
  }
}

// Scratch: x (channels-last copy when channels_first), then dy or y, then the partials.
struct Scratch {
  char* at;
  template <typename T>
  T* take(int64_t elements) {
    T* p = reinterpret_cast<T*>(at);
    at += elements * sizeof(T);
    return p;
  }
};

template <typename T>
void forward(const DepthwiseState& p, const T* x, const T* w, const T* bias, T* y, void* scratch, cudaStream_t st) {
  const ConvShape& s = p.g.s;
  Scratch sc{static_cast<char*>(scratch)};
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (p.g.channels_first) {
    T* xt = sc.take<T>(p.g.in_elements());
    channels_first_to_last(x, s.n, s.c, s.spatial(), xt, st);
    x_nhwc = xt;
    y_nhwc = sc.take<T>(p.g.out_elements());
  }
  const int64_t total = p.g.out_elements();
  const Activation elementwise = p.act == Activation::Softmax ? Activation::Linear : p.act;
  if (total > 0) {
    forward_kernel<T>
        <<<blocks_for(total), kThreads, 0, st>>>(x_nhwc, s, p.multiplier(), w, bias, elementwise, T(p.alpha), y_nhwc);
    check_launch("depthwise forward");
  }
  finish_conv_output<T>(y_nhwc, s.n, s.out_spatial(), s.ow, p.g.filters, nullptr,
                        p.act == Activation::Softmax ? p.act : Activation::Linear, p.alpha, p.g.channels_first, y, st);
}

template <typename T>
void grad_input(const DepthwiseState& p, const T* dy, const T* w, T* dx, void* scratch, cudaStream_t st) {
  const ConvShape& s = p.g.s;
  Scratch sc{static_cast<char*>(scratch)};
  const T* dy_nhwc = dy;
  T* dx_nhwc = dx;
  if (p.g.channels_first) {
    T* g = sc.take<T>(p.g.out_elements());
    channels_first_to_last(dy, s.n, p.g.filters, s.out_spatial(), g, st);
    dy_nhwc = g;
    dx_nhwc = sc.take<T>(p.g.in_elements());
  }
  const int64_t total = p.g.in_elements();
  if (total > 0) {
    grad_input_kernel<T><<<blocks_for(total), kThreads, 0, st>>>(dy_nhwc, s, p.multiplier(), w, dx_nhwc);
    check_launch("depthwise grad_input");
  }
  if (p.g.channels_first) channels_last_to_first(dx_nhwc, s.n, s.c, s.spatial(), dx, st);
}

template <typename T>
void grad_kernel(const DepthwiseState& p, const T* dy, const T* x, T* dw, void* scratch, cudaStream_t st) {
  const ConvShape& s = p.g.s;
  Scratch sc{static_cast<char*>(scratch)};
  const T *dy_nhwc = dy, *x_nhwc = x;
  if (p.g.channels_first) {
    T* g = sc.take<T>(p.g.out_elements());
    channels_first_to_last(dy, s.n, p.g.filters, s.out_spatial(), g, st);
    dy_nhwc = g;
    T* xt = sc.take<T>(p.g.in_elements());
    channels_first_to_last(x, s.n, s.c, s.spatial(), xt, st);
    x_nhwc = xt;
  }
  const int64_t wide = p.g.filters, size = s.taps() * wide;
  if (size == 0) return;
  T* partial = sc.take<T>(kKernelPartials * size);
  const dim3 grid(static_cast<unsigned>(s.taps()), static_cast<unsigned>((wide + kChannelTile - 1) / kChannelTile),
                  kKernelPartials);
  grad_kernel_kernel<T>
      <<<grid, dim3(kChannelTile, kPositionLanes), 0, st>>>(dy_nhwc, x_nhwc, s, p.multiplier(), partial);
  check_launch("depthwise grad_kernel");
  sum_partials_kernel<T><<<blocks_for(size), kThreads, 0, st>>>(partial, size, dw);
  check_launch("depthwise grad_kernel sum");
}

template <typename Fn>
void by_dtype(DType dtype, Fn&& fn) {
  if (dtype == DType::f64) fn(double{});
  else fn(float{});
}
}  // namespace

void register_depthwise_cuda_kernels() {
  for (int rank = 1; rank <= 2; ++rank) {
    const std::string name = "depthwise_conv" + std::to_string(rank) + "d";
    register_kernel(name, DeviceType::CUDA, [](const KernelContext& ctx) {
      const DepthwiseState& p = ctx.prepared<DepthwiseState>();
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
        forward<T>(p, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), bias, ctx.outputs[0].data<T>(), ctx.workspace,
                   stream(ctx));
      });
    });
    register_kernel(name + "_grad_input", DeviceType::CUDA, [](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        grad_input<T>(ctx.prepared<DepthwiseState>(), ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                      ctx.outputs[0].data<T>(), ctx.workspace, stream(ctx));
      });
    });
    register_kernel(name + "_grad_kernel", DeviceType::CUDA, [](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        grad_kernel<T>(ctx.prepared<DepthwiseState>(), ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                       ctx.outputs[0].data<T>(), ctx.workspace, stream(ctx));
      });
    });
  }
}

}  // namespace dagnet::cuda
