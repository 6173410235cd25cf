// Simple elementwise and reduction kernels over contiguous buffers.
#pragma once
#include <cstdint>
#include <vector>

namespace dagnet::cpu {

// out = sum of inputs (out may alias inputs[0]).
template <typename T>
void add_n(const std::vector<const T*>& inputs, T* out, int64_t n);

// out = x * factor (out may alias x).
template <typename T>
void scale(const T* x, T factor, T* out, int64_t n);

template <typename T>
void fill(T* out, T value, int64_t n);

// out[c] = sum over r of x[r, c]: a rows x cols matrix summed down its rows (bias gradients).
template <typename T>
void sum_rows(const T* x, int64_t rows, int64_t cols, T* out);

}  // namespace dagnet::cpu
