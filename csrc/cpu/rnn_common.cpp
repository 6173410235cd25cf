#include "cpu/rnn_common.h"

#include <cstring>

#include "core/thread_pool.h"
#include "cpu/conv_indirect.h"
#include "cpu/elementwise.h"
#include "cpu/gemm_kernels.h"

namespace dagnet::cpu {

int64_t recurrent_matrix_scratch(int64_t depth, int64_t cols) {
  const int64_t nr = gemm_kernel_for_cpu().nr;
  return (cols % nr ? depth * nr : 0) + depth;
}

RecurrentMatrix recurrent_matrix(const float* data, int64_t depth, int64_t ld, int64_t cols, float* scratch) {
  const int64_t nr = gemm_kernel_for_cpu().nr;
  const int64_t rem = cols % nr;
  float* tail = rem ? scratch : nullptr;
  float* zeros = scratch + (rem ? depth * nr : 0);
  if (tail) {
    const int64_t first = cols - rem;
    for (int64_t k = 0; k < depth; ++k) {
      std::memcpy(tail + k * nr, data + k * ld + first, sizeof(float) * rem);
      std::memset(tail + k * nr + rem, 0, sizeof(float) * (nr - rem));
    }
  }
  std::memset(zeros, 0, sizeof(float) * depth);
  return {data, depth, ld, cols, tail, zeros};
}

int64_t transposed_recurrent_scratch(int64_t units, int64_t cols) {
  return cols * units + recurrent_matrix_scratch(cols, units);
}

RecurrentMatrix transposed_recurrent(const float* recurrent, int64_t units, int64_t cols, float* scratch) {
  for (int64_t k = 0; k < units; ++k)
    for (int64_t j = 0; j < cols; ++j) scratch[j * units + k] = recurrent[k * cols + j];
  return recurrent_matrix(scratch, cols, units, units, scratch + cols * units);
}

RecurrentMatrix recurrent_rows(const RecurrentMatrix& m, int64_t first, int64_t depth) {
  RecurrentMatrix r = m;
  r.data += first * m.ld;
  if (r.tail) r.tail += first * gemm_kernel_for_cpu().nr;
  r.depth = depth;
  return r;
}

void recurrent_product(const float* a, int64_t lda, int64_t rows, const RecurrentMatrix& m, float* z, int64_t ldz,
                       bool accumulate) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
  const float* ptrs[16];
  alignas(64) float tile[16 * 32];
  for (int64_t r0 = 0; r0 < rows; r0 += mr) {
    const int64_t n = std::min<int64_t>(mr, rows - r0);
    for (int i = 0; i < mr; ++i) ptrs[i] = i < n ? a + (r0 + i) * lda : m.zeros;
    for (int64_t col = 0; col < m.cols; col += nr) {
      const int64_t width = std::min<int64_t>(nr, m.cols - col);
      const bool padded = width < nr;
      const float* b = padded ? m.tail : m.data + col;
      const int64_t b_stride = padded ? nr : m.ld;
      float* c = z + r0 * ldz + col;
      if (n == mr && !padded) {
        kern.run_indirect(m.depth, ptrs, b, b_stride, c, ldz, accumulate);
        continue;
      }
      if (2 * n <= mr) {  // few rows (batch 1): one row at a time, not a tile padded with zero rows
        for (int64_t i = 0; i < n; ++i) kern.run_indirect_row(m.depth, ptrs + i, b, b_stride, tile + i * nr, nr, false);
      } else {
        kern.run_indirect(m.depth, ptrs, b, b_stride, tile, nr, false);
      }
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < width; ++j) c[i * ldz + j] = (accumulate ? c[i * ldz + j] : 0.0f) + tile[i * nr + j];
    }
  }
}

template <typename T>
void rnn_input_projection(const T* x, int64_t rows, int64_t features, const T* kernel, int64_t cols, const T* bias,
                          T* out) {
  if constexpr (std::is_same_v<T, float>) {
    // A pointwise convolution over the rows: the indirect kernel reads x's rows in place
    // instead of packing them, and adds the bias in its epilogue.
    ConvShape shape{1, 1, rows, features, 1, 1, 1, 1, 1, 1, 0, 0, 1, rows};
    conv2d_indirect(x, shape, kernel, cols, GemmEpilogue{bias}, out);
  } else {
    gemm<T>(false, false, rows, cols, features, x, features, kernel, cols, out, cols, false);
    parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        for (int64_t j = 0; j < cols; ++j) out[r * cols + j] += bias[j];
    });
  }
}

template <typename T>
void rnn_input_gradients(const T* x, const T* dg, int64_t rows, int64_t features, int64_t cols, const T* kernel, T* dx,
                         T* d_kernel) {
  gemm<T>(false, true, rows, features, cols, dg, cols, kernel, cols, dx, features, false);
  gemm<T>(true, false, features, cols, rows, x, features, dg, cols, d_kernel, cols, false);
  if (rows == 0) fill<T>(d_kernel, T(0), features * cols);
}

template void rnn_input_projection<float>(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*);
template void rnn_input_projection<double>(const double*, int64_t, int64_t, const double*, int64_t, const double*,
                                           double*);
template void rnn_input_gradients<float>(const float*, const float*, int64_t, int64_t, int64_t, const float*, float*,
                                         float*);
template void rnn_input_gradients<double>(const double*, const double*, int64_t, int64_t, int64_t, const double*,
                                          double*, double*);

int64_t rnn_batch_slice(int64_t batch) {
  const int64_t threads = thread_pool().size();
  return std::clamp<int64_t>((batch + threads - 1) / threads, 1, kGemmUniformRows);
}

}  // namespace dagnet::cpu
