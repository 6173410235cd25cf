// CUDA kernels of the convolutions (conv{1,2,3}d with groups, their input and kernel
// gradients, conv{1,2,3}d_transpose, conv_grad_bias): im2col / col2im kernels and cuBLAS
// GEMMs per group, in chunks of images, mirroring cpu/conv_gemm.cpp (same scratch layout:
// channels-last copies of channels_first operands, then one chunk of columns). col2im is a
// gather (each input element sums the columns that read it), so no atomics and no zeroing.
#include "cuda/window_support.cuh"
#include "ops/conv_layout.h"

namespace dagnet::cuda {

namespace {
// cols[r, tap * cc + ch] for rows r of images [first, first + images).
template <typename T>
__global__ void im2col_kernel(const T* x, ConvShape s, int64_t first, int64_t images, int64_t c0, int64_t cc, T* cols) {
  const int64_t k = s.taps() * cc, rows = images * s.out_spatial();
  DAGNET_CUDA_FOR(i, rows * k) {
    const int64_t r = i / k, col = i % k;
    const int64_t at = tap_source(s, output_position(s, first * s.out_spatial() + r), window_tap(s, col / cc));
    cols[i] = at < 0 ? T(0) : x[at + c0 + col % cc];
  }
}

// dx[image, pixel, c0 + ch] = the sum of the columns that read it, for images
// [first, first + images) (overwrites: the gather is complete for those images).
template <typename T>
__global__ void col2im_kernel(const T* cols, ConvShape s, int64_t first, int64_t images, int64_t c0, int64_t cc,
                              T* dx) {
  const int64_t k = s.taps() * cc, pixels = images * s.spatial();
  DAGNET_CUDA_FOR(i, pixels * cc) {
    const int64_t ch = i % cc, pixel = i / cc;
    const int64_t x = pixel % s.w, y = (pixel / s.w) % s.h, z = (pixel / (s.w * s.h)) % s.d,
                  image = pixel / s.spatial();
    T sum = 0;
    for (int64_t t = 0; t < s.taps(); ++t) {
      const WindowTap tap = window_tap(s, t);
      const int64_t oz = window_output(z, tap.z, s.sd, s.dd, s.pad_front, s.od);
      const int64_t oy = window_output(y, tap.y, s.sh, s.dh, s.pad_top, s.oh);
      const int64_t ox = window_output(x, tap.x, s.sw, s.dw, s.pad_left, s.ow);
      if (oz < 0 || oy < 0 || ox < 0) continue;
      sum += cols[(((image * s.od + oz) * s.oh + oy) * s.ow + ox) * k + t * cc + ch];
    }
    dx[(first * s.spatial() + pixel) * s.c + c0 + ch] = sum;
  }
}

// One group's GEMM operand A over images [first, last): its im2col columns (or, pointwise,
// the input itself with row stride c).
template <typename T>
const T* group_columns(const ConvShape& s, const T* x, int64_t first, int64_t last, int64_t group, T* cols,
                       int64_t* lda, cudaStream_t stream) {
  const int64_t cg = s.group_channels();
  if (s.is_pointwise()) {
    *lda = s.c;
    return x + first * s.spatial() * s.c + group * cg;
  }
  const int64_t n = (last - first) * s.out_spatial() * s.k();
  if (n > 0) {
    im2col_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(x, s, first, last - first, group * cg, cg, cols);
    check_launch("im2col");
  }
  *lda = s.k();
  return cols;
}

template <typename T>
void forward(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha, T* y,
             T* scratch, cudaStream_t st, cublasHandle_t h) {
  const ConvShape& s = g.s;
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (g.channels_first) {
    channels_first_to_last(x, s.n, s.c, s.spatial(), scratch, st);
    x_nhwc = scratch;
    y_nhwc = scratch + g.in_elements();
    scratch = y_nhwc + g.out_elements();
  }
  const int64_t chunk = g.images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t fg = g.group_filters();
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      int64_t lda = K;
      const T* a = group_columns(s, x_nhwc, first, last, grp, scratch, &lda, st);
      gemm<T>(h, false, false, (last - first) * per_image, fg, K, a, lda, kernel + grp * fg, f,
              y_nhwc + first * per_image * f + grp * fg, f, false);
    }
  }
  finish_conv_output<T>(y_nhwc, s.n, per_image, s.ow, f, bias, act, alpha, g.channels_first, y, st);
}

// dx (channels-last) from dy (channels-last).
template <typename T>
void grad_input_nhwc(const ConvGeometry& g, const T* dy, const T* kernel, T* dx, T* scratch, cudaStream_t st,
                     cublasHandle_t h) {
  const ConvShape& s = g.s;
  const int64_t chunk = g.images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t cg = s.group_channels(), fg = g.group_filters();
  if (s.is_pointwise()) {
    for (int64_t grp = 0; grp < s.groups; ++grp)
      gemm<T>(h, false, true, s.n * per_image, cg, fg, dy + grp * fg, f, kernel + grp * fg, f, dx + grp * cg, s.c,
              false);
    return;
  }
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      gemm<T>(h, false, true, (last - first) * per_image, K, fg, dy + first * per_image * f + grp * fg, f,
              kernel + grp * fg, f, scratch, K, false);
      const int64_t n = (last - first) * s.spatial() * cg;
      if (n == 0) continue;
      col2im_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(scratch, s, first, last - first, grp * cg, cg, dx);
      check_launch("col2im");
    }
  }
}

template <typename T>
void grad_input(const ConvGeometry& g, const T* dy, const T* kernel, T* dx, T* scratch, cudaStream_t st,
                cublasHandle_t h) {
  const ConvShape& s = g.s;
  const T* dy_nhwc = dy;
  T* dx_nhwc = dx;
  if (g.channels_first) {
    channels_first_to_last(dy, s.n, g.filters, s.out_spatial(), scratch, st);
    dy_nhwc = scratch;
    dx_nhwc = scratch + g.out_elements();
    scratch = dx_nhwc + g.in_elements();
  }
  grad_input_nhwc(g, dy_nhwc, kernel, dx_nhwc, scratch, st, h);
  if (g.channels_first) channels_last_to_first(dx_nhwc, s.n, s.c, s.spatial(), dx, st);
}

template <typename T>
void transpose(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha, T* y,
               T* scratch, cudaStream_t st, cublasHandle_t h) {
  const ConvShape& s = g.s;
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (g.channels_first) {
    channels_first_to_last(x, s.n, g.filters, s.out_spatial(), scratch, st);
    x_nhwc = scratch;
    y_nhwc = scratch + g.out_elements();
    scratch = y_nhwc + g.in_elements();
  }
  grad_input_nhwc(g, x_nhwc, kernel, y_nhwc, scratch, st, h);
  finish_conv_output<T>(y_nhwc, s.n, s.spatial(), s.w, s.c, bias, act, alpha, g.channels_first, y, st);
}

template <typename T>
void grad_kernel(const ConvGeometry& g, const T* dy, const T* x, T* d_kernel, T* scratch, cudaStream_t st,
                 cublasHandle_t h) {
  const ConvShape& s = g.s;
  const T *dy_nhwc = dy, *x_nhwc = x;
  if (g.channels_first) {
    channels_first_to_last(dy, s.n, g.filters, s.out_spatial(), scratch, st);
    dy_nhwc = scratch;
    T* u = scratch + g.out_elements();
    channels_first_to_last(x, s.n, s.c, s.spatial(), u, st);
    x_nhwc = u;
    scratch = u + g.in_elements();
  }
  const int64_t chunk = g.images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t fg = g.group_filters();
  if (s.n == 0) check_cuda(cudaMemsetAsync(d_kernel, 0, sizeof(T) * K * f, st), "cudaMemsetAsync");
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      int64_t lda = K;
      const T* a = group_columns(s, x_nhwc, first, last, grp, scratch, &lda, st);
      gemm<T>(h, true, false, K, fg, (last - first) * per_image, a, lda, dy_nhwc + first * per_image * f + grp * fg, f,
              d_kernel + grp * fg, f, first > 0);
    }
  }
}

// out[ch] = sum over i < outer, p < inner of dy[(i * channels + ch) * inner + p]: one block
// per channel (channels_last: inner = 1, outer = rows).
template <typename T>
__global__ void bias_grad_kernel(const T* dy, int64_t outer, int64_t channels, int64_t inner, T* out) {
  __shared__ T shared[kThreads];
  for (int64_t ch = blockIdx.x; ch < channels; ch += gridDim.x) {
    T sum = 0;
    for (int64_t j = threadIdx.x; j < outer * inner; j += blockDim.x)
      sum += dy[((j / inner) * channels + ch) * inner + j % inner];
    shared[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) shared[threadIdx.x] += shared[threadIdx.x + width];
      __syncthreads();
    }
    if (threadIdx.x == 0) out[ch] = shared[0];
    __syncthreads();
  }
}

template <typename Fn>
void by_dtype(DType dtype, Fn&& fn) {
  if (dtype == DType::f64) fn(double{});
  else fn(float{});
}
}  // namespace

void register_conv_cuda_kernels() {
  for (int rank = 1; rank <= 3; ++rank) {
    const std::string conv = "conv" + std::to_string(rank) + "d";
    register_kernel(conv, DeviceType::CUDA, [](const KernelContext& ctx) {
      const ConvKernelState& p = ctx.prepared<ConvKernelState>();
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
        forward<T>(p.g, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), bias, p.act, p.alpha,
                   ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace), stream(ctx), blas(ctx));
      });
    });
    register_kernel(conv + "_grad_input", DeviceType::CUDA, [](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        grad_input<T>(ctx.prepared<ConvGeometry>(), ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                      ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace), stream(ctx), blas(ctx));
      });
    });
    register_kernel(conv + "_grad_kernel", DeviceType::CUDA, [](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        grad_kernel<T>(ctx.prepared<ConvGeometry>(), ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                       ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace), stream(ctx), blas(ctx));
      });
    });
    register_kernel(conv + "_transpose", DeviceType::CUDA, [](const KernelContext& ctx) {
      const ConvKernelState& p = ctx.prepared<ConvKernelState>();
      by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
        transpose<T>(p.g, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), bias, p.act, p.alpha,
                     ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace), stream(ctx), blas(ctx));
      });
    });
  }
  register_kernel("conv_grad_bias", DeviceType::CUDA, [](const KernelContext& ctx) {
    const Tensor& dy = ctx.inputs[0];
    const bool first = ctx.prepared<bool>();
    const int64_t channels = first ? dy.dim(1) : dy.shape().back();
    const int64_t inner = first ? product(dy.shape(), 2, dy.rank()) : 1;
    const int64_t outer = channels > 0 ? dy.numel() / (channels * (inner > 0 ? inner : 1)) : 0;
    if (channels == 0) return;
    by_dtype(dy.dtype(), [&](auto tag) {
      using T = decltype(tag);
      bias_grad_kernel<T><<<blocks_for(channels, 1), kThreads, 0, stream(ctx)>>>(dy.data<T>(), outer, channels, inner,
                                                                                 ctx.outputs[0].data<T>());
    });
    check_launch("conv_grad_bias");
  });
}

}  // namespace dagnet::cuda
