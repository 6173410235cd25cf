// Max and average pooling over 1-, 2- and 3-D windows, in either data format (through
// index strides).
// 'same' padding never contributes: max ignores it and the average divides by the
// number of real elements in the window, as Keras/TensorFlow do.
#pragma once
#include <cstdint>

#include "ops/conv_layout.h"

namespace dagnet::cpu {

using dagnet::PoolShape;

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
