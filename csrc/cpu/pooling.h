// Max and average pooling over windows, in either data format (through index strides).
// 'same' padding never contributes: max ignores it and the average divides by the
// number of real elements in the window, as Keras/TensorFlow do.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

struct PoolShape {
  int64_t n, h, w, c;
  int64_t kh, kw, sh, sw, pad_top, pad_left, oh, ow;
  bool channels_first;
  // TensorFlow's NaN rules, which Keras inherits: a pooling window ignores NaN (MaxPool
  // starts from the lowest float and keeps strictly larger values), while a global max is
  // a reduce_max, in which any NaN wins.
  bool nan_propagates = false;
};

template <typename T>
void max_pool(const PoolShape& s, const T* x, T* y);
template <typename T>
void avg_pool(const PoolShape& s, const T* x, T* y);
// dx = 0, then each output's gradient goes to the first maximum of its window.
template <typename T>
void max_pool_grad(const PoolShape& s, const T* x, const T* dy, T* dx);
// dx = 0, then each output's gradient is spread evenly over its window's real elements.
template <typename T>
void avg_pool_grad(const PoolShape& s, const T* dy, T* dx);

}  // namespace dagnet::cpu
