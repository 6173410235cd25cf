// Device helpers shared by the window ops' CUDA kernels (convolutions, depthwise, pooling):
// channels_first <-> channels_last transposes, and the bias +
// activation epilogue (softmax along rows) of a convolution's output. The index arithmetic
// lives in ops/conv_layout.h (DAGNET_HOST_DEVICE), which the CPU kernels and their tests share.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/blas.cuh"
#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"
#include "ops/activation_math.h"
#include "ops/conv_layout.h"
#include "ops/kinds.h"

namespace dagnet::cuda {

template <typename T>
__global__ void first_to_last_kernel(const T* in, int64_t n, int64_t c, int64_t hw, T* out) {
  DAGNET_CUDA_FOR(i, n * c * hw) {  // i indexes out (n, hw, c): reads stride hw apart, writes coalesced
    const int64_t ch = i % c, p = (i / c) % hw, image = i / (c * hw);
    out[i] = in[(image * c + ch) * hw + p];
  }
}
template <typename T>
__global__ void last_to_first_kernel(const T* in, int64_t n, int64_t c, int64_t hw, T* out) {
  DAGNET_CUDA_FOR(i, n * c * hw) {  // i indexes out (n, c, hw)
    const int64_t p = i % hw, ch = (i / hw) % c, image = i / (c * hw);
    out[i] = in[(image * hw + p) * c + ch];
  }
}

// (n, c, hw) -> (n, hw, c) and back, on the stream.
template <typename T>
void channels_first_to_last(const T* in, int64_t n, int64_t c, int64_t hw, T* out, cudaStream_t s) {
  if (n * c * hw == 0) return;
  first_to_last_kernel<T><<<blocks_for(n * c * hw), kThreads, 0, s>>>(in, n, c, hw, out);
  check_launch("channels_first_to_last");
}
template <typename T>
void channels_last_to_first(const T* in, int64_t n, int64_t c, int64_t hw, T* out, cudaStream_t s) {
  if (n * c * hw == 0) return;
  last_to_first_kernel<T><<<blocks_for(n * c * hw), kThreads, 0, s>>>(in, n, c, hw, out);
  check_launch("channels_last_to_first");
}

template <typename T>
__global__ void bias_activation_kernel(T* y, int64_t rows, int64_t cols, const T* bias, Activation act, T alpha) {
  DAGNET_CUDA_FOR(i, rows * cols) {
    T v = y[i];
    if (bias) v += bias[i % cols];
    y[i] = activation_value(act, v, alpha);
  }
}

// Softmax along each row of length `cols`: one block per row (a max, then a sum reduction).
template <typename T>
__global__ void softmax_rows_kernel(T* y, int64_t rows, int64_t cols) {
  __shared__ T shared[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    T* row = y + r * cols;
    T m = -INFINITY;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = fmax(m, row[j]);
    shared[threadIdx.x] = m;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) shared[threadIdx.x] = fmax(shared[threadIdx.x], shared[threadIdx.x + width]);
      __syncthreads();
    }
    m = shared[0];
    __syncthreads();
    T sum = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const T e = exp(row[j] - m);
      row[j] = e;
      sum += e;
    }
    shared[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) shared[threadIdx.x] += shared[threadIdx.x + width];
      __syncthreads();
    }
    sum = shared[0];
    __syncthreads();
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) row[j] /= sum;
  }
}

// The tail of a convolution's output (cpu::finish_conv_output on the device): bias and the
// activation on the channels-last rows, the move to channels_first, and softmax along the
// last axis (the width for channels_first). `bias` may be null.
template <typename T>
void finish_conv_output(T* y_nhwc, int64_t images, int64_t positions, int64_t width, int64_t channels, const T* bias,
                        Activation act, double alpha, bool channels_first, T* y, cudaStream_t s) {
  const int64_t rows = images * positions, total = rows * channels;
  const bool softmax = act == Activation::Softmax;
  if (total > 0 && (bias || (act != Activation::Linear && !softmax))) {
    bias_activation_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(y_nhwc, rows, channels, bias,
                                                                     softmax ? Activation::Linear : act, T(alpha));
    check_launch("bias_activation");
  }
  if (channels_first) channels_last_to_first(y_nhwc, images, channels, positions, y, s);
  if (softmax && total > 0) {
    T* out = channels_first ? y : y_nhwc;
    const int64_t length = channels_first ? width : channels;
    softmax_rows_kernel<T><<<blocks_for(total / length, 1), kThreads, 0, s>>>(out, total / length, length);
    check_launch("softmax_rows");
  }
}

}  // namespace dagnet::cuda
